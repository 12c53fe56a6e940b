#pragma once
// The console's window: the four views in tabs, menus and toolbar, the datacenter picker, and
// the status bar with the agent's name, datacenter, leader, version and the connection state.
#include <QMainWindow>

#include "console/ConnectionProfile.h"

class QAction;
class QComboBox;
class QLabel;
class QTabWidget;

namespace qonsul::console {

class AgentSession;
class HealthView;
class KvView;
class LiveView;
class NodesView;
class ServicesView;
class TokenStore;

class MainWindow : public QMainWindow
{
    Q_OBJECT
public:
    explicit MainWindow(QWidget *parent = nullptr);

    // Saves the profile and its token (keychain or 0600 file), remembers it as the last one and
    // connects.
    void connectTo(const ConnectionProfile &profile, const QString &token);
    void connectToLast(); // the last connection, or the local agent
    void showConnectDialog();

    AgentSession *session() const { return m_session; }
    TokenStore *tokens() const { return m_tokens; }
    QTabWidget *tabs() const { return m_tabs; }
    ServicesView *servicesView() const { return m_services; }
    NodesView *nodesView() const { return m_nodes; }
    KvView *kvView() const { return m_kv; }
    HealthView *healthView() const { return m_health; }
    QLabel *connectionLabel() const { return m_stateLabel; }
    QLabel *agentLabel() const { return m_agentLabel; }
    QComboBox *datacenterBox() const { return m_dcBox; }

protected:
    void closeEvent(QCloseEvent *event) override;

private:
    void createActions();
    void updateStatus();
    void updateDatacenters();
    void updateKvActions();
    LiveView *currentView() const;
    void copy(const QString &text);
    void about();

    AgentSession *m_session;
    TokenStore *m_tokens;
    QTabWidget *m_tabs;
    ServicesView *m_services;
    NodesView *m_nodes;
    KvView *m_kv;
    HealthView *m_health;
    QComboBox *m_dcBox;
    QLabel *m_stateLabel;
    QLabel *m_agentLabel;
    QLabel *m_dcLabel;
    QLabel *m_leaderLabel;
    QLabel *m_versionLabel;
    QList<QAction *> m_kvActions;
};

} // namespace qonsul::console

#pragma once
// One service's instances (node, address, port, tags, meta) with each check's state, output and
// notes, kept current by a blocking query on /v1/health/service/<name>.
#include <QPointer>
#include <QWidget>

class QLabel;
class QTreeWidget;

namespace qonsul::console {

class AgentSession;
class BlockingQuery;

class ServiceDetail : public QWidget
{
    Q_OBJECT
public:
    ServiceDetail(AgentSession *session, QWidget *parent = nullptr);

    void showService(const QString &name); // "" shows nothing
    void stop();
    void resume(); // after stop(), the same service again
    QString service() const { return m_service; }
    QTreeWidget *tree() const { return m_tree; }
    QString selectedAddress() const;

private:
    void fill(const QJsonArray &entries);

    AgentSession *m_session;
    QString m_service;
    QPointer<BlockingQuery> m_query;
    QLabel *m_title;
    QTreeWidget *m_tree;
};

} // namespace qonsul::console

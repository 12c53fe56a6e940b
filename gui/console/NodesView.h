#pragma once
// Nodes: every node with address, datacenter, health and gossip status on the left; the chosen
// node's tagged addresses, meta, services and checks on the right.
#include <QHash>
#include <QJsonArray>
#include <QJsonObject>
#include <QPointer>

#include "console/LiveView.h"

class QLineEdit;
class QTreeWidget;

namespace qonsul::console {

class BlockingQuery;

class NodesView : public LiveView
{
    Q_OBJECT
public:
    explicit NodesView(AgentSession *session, QWidget *parent = nullptr);

    void focusFind() override;
    QString selectedName() const override;
    QString selectedAddress() const override;
    QTreeWidget *list() const { return m_list; }
    QTreeWidget *detail() const { return m_detail; }

protected:
    void startQueries() override;
    void stopQueries() override;
    void clearView() override;

private:
    void fillList();
    void showNode(const QString &node);
    void fillDetail();
    void readMembers();

    QLineEdit *m_filter;
    QTreeWidget *m_list;
    QTreeWidget *m_detail;
    QPointer<BlockingQuery> m_nodesQuery;
    QPointer<BlockingQuery> m_checksQuery;
    QPointer<BlockingQuery> m_nodeQuery;
    QPointer<BlockingQuery> m_nodeChecksQuery;
    QJsonArray m_nodes;
    QJsonArray m_checks;
    QHash<QString, int> m_gossip; // node -> serf status, from /v1/agent/members
    QString m_node;
    QJsonObject m_nodeCatalog;
    QJsonArray m_nodeChecks;
};

} // namespace qonsul::console

#include "console/NodesView.h"

#include <QHeaderView>
#include <QLineEdit>
#include <QSplitter>
#include <QTreeWidget>
#include <QVBoxLayout>

#include "console/AgentSession.h"
#include "console/BlockingQuery.h"
#include "console/HealthStatus.h"
#include "console/Replies.h"

namespace qonsul::console {

using client::Request;
using client::Response;

namespace {
enum ListColumn
{
    NodeName,
    NodeAddress,
    NodeDc,
    NodeHealth,
    NodeGossip
};

// Serf member states as /v1/agent/members numbers them.
QString gossipLabel(int status)
{
    switch (status) {
    case 1:
        return NodesView::tr("alive");
    case 2:
        return NodesView::tr("leaving");
    case 3:
        return NodesView::tr("left");
    case 4:
        return NodesView::tr("failed");
    default:
        return NodesView::tr("unknown");
    }
}
} // namespace

NodesView::NodesView(AgentSession *session, QWidget *parent)
    : LiveView(session, parent)
{
    m_filter = new QLineEdit(this);
    m_filter->setClearButtonEnabled(true);
    m_filter->setPlaceholderText(tr("Filter nodes by name or address"));
    m_list = new QTreeWidget(this);
    m_list->setObjectName(QStringLiteral("nodesList"));
    m_list->setRootIsDecorated(false);
    m_list->setHeaderLabels({ tr("Node"), tr("Address"), tr("Datacenter"), tr("Health"), tr("Gossip") });
    m_list->setSortingEnabled(true);
    m_list->sortByColumn(NodeName, Qt::AscendingOrder);
    m_detail = new QTreeWidget(this);
    m_detail->setObjectName(QStringLiteral("nodeDetail"));
    m_detail->setHeaderLabels({ tr("Item"), tr("Value"), tr("Status"), tr("Output") });
    m_detail->header()->setStretchLastSection(true);

    auto *left = new QWidget(this);
    auto *leftLayout = new QVBoxLayout(left);
    leftLayout->setContentsMargins(0, 0, 0, 0);
    leftLayout->addWidget(m_filter);
    leftLayout->addWidget(m_list);
    auto *splitter = new QSplitter(Qt::Horizontal, this);
    splitter->addWidget(left);
    splitter->addWidget(m_detail);
    splitter->setStretchFactor(1, 1);
    splitter->setSizes({ 420, 680 });
    auto *layout = new QVBoxLayout(this);
    layout->addWidget(splitter);

    connect(m_filter, &QLineEdit::textChanged, this, &NodesView::fillList);
    connect(m_list, &QTreeWidget::currentItemChanged, this, [this](QTreeWidgetItem *current) {
        const QString node = current ? current->text(NodeName) : QString();
        if (node != m_node)
            showNode(node);
    });
}

void NodesView::startQueries()
{
    m_nodesQuery = m_session->watch(Request("GET", QStringLiteral("/v1/catalog/nodes")), this);
    connect(m_nodesQuery, &BlockingQuery::changed, this, [this](const Response &r) {
        QJsonDocument doc;
        QString error;
        if (!Replies::parse(r, &doc, &error))
            return;
        m_nodes = doc.array();
        fillList();
        readMembers();
    });
    m_checksQuery = m_session->watch(Request("GET", QStringLiteral("/v1/health/state/any")), this);
    connect(m_checksQuery, &BlockingQuery::changed, this, [this](const Response &r) {
        QJsonDocument doc;
        QString error;
        if (!Replies::parse(r, &doc, &error))
            return;
        m_checks = doc.array();
        fillList();
    });
    m_nodesQuery->start();
    m_checksQuery->start();
    showNode(m_node);
}

void NodesView::stopQueries()
{
    delete m_nodesQuery;
    delete m_checksQuery;
    delete m_nodeQuery;
    delete m_nodeChecksQuery;
}

void NodesView::clearView()
{
    m_nodes = {};
    m_checks = {};
    m_gossip.clear();
    m_node.clear();
    m_list->clear();
    m_detail->clear();
}

void NodesView::readMembers()
{
    client::ApiClient *c = m_session->client();
    if (!c)
        return;
    c->send(Request("GET", QStringLiteral("/v1/agent/members")), this, [this](const Response &r) {
        QJsonDocument doc;
        QString error;
        if (!Replies::parse(r, &doc, &error))
            return; // members are optional: an agent without gossip shows "unknown"
        m_gossip.clear();
        for (const QJsonValue &m : doc.array())
            m_gossip.insert(m.toObject().value(u"Name").toString(), m.toObject().value(u"Status").toInt());
        fillList();
    });
}

void NodesView::fillList()
{
    QHash<QString, HealthCounts> health;
    for (const QJsonValue &v : m_checks)
        health[v.toObject().value(u"Node").toString()].add(v.toObject().value(u"Status").toString());
    const QString filter = m_filter->text().trimmed();
    m_list->setSortingEnabled(false);
    const QSignalBlocker block(m_list);
    m_list->clear();
    for (const QJsonValue &v : m_nodes) {
        const QJsonObject n = v.toObject();
        const QString name = n.value(u"Node").toString();
        const QString address = n.value(u"Address").toString();
        if (!filter.isEmpty() && !name.contains(filter, Qt::CaseInsensitive) && !address.contains(filter))
            continue;
        auto *item = new QTreeWidgetItem(m_list);
        const HealthCounts counts = health.value(name);
        item->setText(NodeName, name);
        item->setIcon(NodeName, HealthStatus::icon(counts.worst()));
        item->setText(NodeAddress, address);
        item->setText(NodeDc, n.value(u"Datacenter").toString());
        item->setText(NodeHealth, counts.summary());
        item->setText(
            NodeGossip, m_gossip.contains(name) ? gossipLabel(m_gossip.value(name)) : QStringLiteral("—"));
        if (name == m_node)
            m_list->setCurrentItem(item);
    }
    m_list->setSortingEnabled(true);
    for (int c = 0; c < NodeGossip; ++c)
        m_list->resizeColumnToContents(c);
}

void NodesView::showNode(const QString &node)
{
    delete m_nodeQuery;
    delete m_nodeChecksQuery;
    m_node = node;
    m_nodeCatalog = {};
    m_nodeChecks = {};
    m_detail->clear();
    if (node.isEmpty() || !isLive())
        return;
    m_nodeQuery = m_session->watch(Request("GET", QStringLiteral("/v1/catalog/node/") + node), this);
    connect(m_nodeQuery, &BlockingQuery::changed, this, [this](const Response &r) {
        QJsonDocument doc;
        QString error;
        if (Replies::parse(r, &doc, &error))
            m_nodeCatalog = doc.object();
        fillDetail();
    });
    m_nodeChecksQuery = m_session->watch(Request("GET", QStringLiteral("/v1/health/node/") + node), this);
    connect(m_nodeChecksQuery, &BlockingQuery::changed, this, [this](const Response &r) {
        QJsonDocument doc;
        QString error;
        if (Replies::parse(r, &doc, &error))
            m_nodeChecks = doc.array();
        fillDetail();
    });
    m_nodeQuery->start();
    m_nodeChecksQuery->start();
}

void NodesView::fillDetail()
{
    m_detail->clear();
    const QJsonObject node = m_nodeCatalog.value(u"Node").toObject();
    auto section = [this](const QString &title) {
        auto *item = new QTreeWidgetItem(m_detail, { title });
        QFont bold = item->font(0);
        bold.setBold(true);
        item->setFont(0, bold);
        item->setExpanded(true);
        return item;
    };
    QTreeWidgetItem *general = section(tr("Node"));
    new QTreeWidgetItem(general, { tr("Name"), node.value(u"Node").toString() });
    new QTreeWidgetItem(general, { tr("ID"), node.value(u"ID").toString() });
    new QTreeWidgetItem(general, { tr("Address"), node.value(u"Address").toString() });
    new QTreeWidgetItem(general, { tr("Datacenter"), node.value(u"Datacenter").toString() });
    if (m_gossip.contains(m_node))
        new QTreeWidgetItem(general, { tr("Gossip"), gossipLabel(m_gossip.value(m_node)) });

    QTreeWidgetItem *tagged = section(tr("Tagged addresses"));
    const QJsonObject taggedAddresses = node.value(u"TaggedAddresses").toObject();
    for (auto it = taggedAddresses.begin(); it != taggedAddresses.end(); ++it)
        new QTreeWidgetItem(tagged, { it.key(), it.value().toString() });
    QTreeWidgetItem *meta = section(tr("Meta"));
    const QJsonObject metaMap = node.value(u"Meta").toObject();
    for (auto it = metaMap.begin(); it != metaMap.end(); ++it)
        new QTreeWidgetItem(meta, { it.key(), it.value().toString() });

    const QJsonObject services = m_nodeCatalog.value(u"Services").toObject();
    QTreeWidgetItem *svcSection = section(tr("Services (%1)").arg(services.size()));
    for (const QJsonValue &v : services) {
        const QJsonObject s = v.toObject();
        QStringList tags;
        for (const QJsonValue &t : s.value(u"Tags").toArray())
            tags << t.toString();
        const QString address = s.value(u"Address").toString().isEmpty() ? node.value(u"Address").toString()
                                                                         : s.value(u"Address").toString();
        new QTreeWidgetItem(svcSection,
            { s.value(u"ID").toString(), address + u':' + QString::number(s.value(u"Port").toInt()),
                QString(), tags.join(QStringLiteral(", ")) });
    }
    QTreeWidgetItem *checks = section(tr("Checks (%1)").arg(m_nodeChecks.size()));
    for (const QJsonValue &v : m_nodeChecks) {
        const QJsonObject c = v.toObject();
        const QString status = c.value(u"Status").toString();
        auto *item = new QTreeWidgetItem(checks,
            { c.value(u"Name").toString(), c.value(u"ServiceName").toString(), HealthStatus::label(status),
                c.value(u"Output").toString().trimmed() });
        item->setIcon(2, HealthStatus::icon(status));
        item->setToolTip(3, c.value(u"Output").toString());
    }
    for (int c = 0; c < 3; ++c)
        m_detail->resizeColumnToContents(c);
}

void NodesView::focusFind()
{
    m_filter->setFocus();
    m_filter->selectAll();
}

QString NodesView::selectedName() const
{
    return m_node;
}

QString NodesView::selectedAddress() const
{
    const QTreeWidgetItem *item = m_list->currentItem();
    return item ? item->text(NodeAddress) : QString();
}

} // namespace qonsul::console

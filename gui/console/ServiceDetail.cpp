#include "console/ServiceDetail.h"

#include <QHeaderView>
#include <QJsonArray>
#include <QJsonObject>
#include <QLabel>
#include <QTreeWidget>
#include <QVBoxLayout>

#include "console/AgentSession.h"
#include "console/BlockingQuery.h"
#include "console/HealthStatus.h"
#include "console/Replies.h"

namespace qonsul::console {

namespace {
enum Column
{
    Name,
    Node,
    Address,
    Status,
    Detail,
    Extra
};

QString joinMap(const QJsonObject &o)
{
    QStringList parts;
    for (auto it = o.begin(); it != o.end(); ++it)
        parts << it.key() + u'=' + it.value().toString();
    return parts.join(QStringLiteral(", "));
}
} // namespace

ServiceDetail::ServiceDetail(AgentSession *session, QWidget *parent)
    : QWidget(parent)
    , m_session(session)
{
    m_title = new QLabel(this);
    m_title->setTextFormat(Qt::PlainText);
    QFont bold = m_title->font();
    bold.setBold(true);
    m_title->setFont(bold);
    m_tree = new QTreeWidget(this);
    m_tree->setObjectName(QStringLiteral("serviceInstances"));
    m_tree->setHeaderLabels({ tr("Instance / check"), tr("Node"), tr("Address"), tr("Status"),
        tr("Tags / output"), tr("Meta / notes") });
    m_tree->setAlternatingRowColors(true);
    m_tree->header()->setStretchLastSection(true);
    auto *layout = new QVBoxLayout(this);
    layout->setContentsMargins(0, 0, 0, 0);
    layout->addWidget(m_title);
    layout->addWidget(m_tree);
    showService(QString());
}

void ServiceDetail::showService(const QString &name)
{
    stop();
    m_service = name;
    m_tree->clear();
    m_title->setText(
        name.isEmpty() ? tr("Select a service to see its instances.") : tr("Service %1").arg(name));
    resume();
}

void ServiceDetail::stop()
{
    delete m_query;
}

void ServiceDetail::resume()
{
    if (m_service.isEmpty() || m_query || !m_session->client())
        return;
    m_query
        = m_session->watch(client::Request("GET", QStringLiteral("/v1/health/service/") + m_service), this);
    connect(m_query, &BlockingQuery::changed, this, [this](const client::Response &r) {
        QJsonDocument doc;
        QString error;
        if (!Replies::parse(r, &doc, &error)) {
            m_title->setText(error);
            return;
        }
        fill(doc.array());
    });
    m_query->start();
}

void ServiceDetail::fill(const QJsonArray &entries)
{
    // Keep which instances the user collapsed and what was selected across updates.
    QSet<QString> collapsed;
    QString selected;
    for (int i = 0; i < m_tree->topLevelItemCount(); ++i) {
        if (!m_tree->topLevelItem(i)->isExpanded())
            collapsed.insert(m_tree->topLevelItem(i)->data(Name, Qt::UserRole).toString());
    }
    if (QTreeWidgetItem *cur = m_tree->currentItem())
        selected = cur->data(Name, Qt::UserRole).toString();
    m_tree->clear();
    m_title->setText(tr("Service %1: %n instance(s)", nullptr, int(entries.size())).arg(m_service));
    for (const QJsonValue &v : entries) {
        const QJsonObject e = v.toObject();
        const QJsonObject node = e.value(u"Node").toObject();
        const QJsonObject svc = e.value(u"Service").toObject();
        const QString nodeName = node.value(u"Node").toString();
        QString address = svc.value(u"Address").toString();
        if (address.isEmpty())
            address = node.value(u"Address").toString();
        const int port = svc.value(u"Port").toInt();
        const QString id = nodeName + u'/' + svc.value(u"ID").toString();
        auto *item = new QTreeWidgetItem(m_tree);
        item->setText(Name, svc.value(u"ID").toString());
        item->setData(Name, Qt::UserRole, id);
        item->setText(Node, nodeName);
        item->setText(Address, port ? address + u':' + QString::number(port) : address);
        QStringList tags;
        for (const QJsonValue &t : svc.value(u"Tags").toArray())
            tags << t.toString();
        item->setText(Detail, tags.join(QStringLiteral(", ")));
        item->setText(Extra, joinMap(svc.value(u"Meta").toObject()));
        QString worst = QStringLiteral("passing");
        for (const QJsonValue &cv : e.value(u"Checks").toArray()) {
            const QJsonObject c = cv.toObject();
            const QString status = c.value(u"Status").toString();
            worst = HealthStatus::worst(worst, status);
            auto *check = new QTreeWidgetItem(item);
            const QString checkId = id + u'#' + c.value(u"CheckID").toString();
            check->setText(Name, c.value(u"Name").toString());
            check->setData(Name, Qt::UserRole, checkId);
            check->setToolTip(Name, c.value(u"CheckID").toString());
            check->setText(Node, c.value(u"Node").toString());
            check->setIcon(Status, HealthStatus::icon(status));
            check->setText(Status, HealthStatus::label(status));
            check->setText(Detail, c.value(u"Output").toString().trimmed());
            check->setToolTip(Detail, c.value(u"Output").toString());
            check->setText(Extra, c.value(u"Notes").toString());
            if (checkId == selected)
                m_tree->setCurrentItem(check);
        }
        item->setIcon(Status, HealthStatus::icon(worst));
        item->setText(Status, HealthStatus::label(worst));
        item->setExpanded(!collapsed.contains(id));
        if (id == selected)
            m_tree->setCurrentItem(item);
    }
    for (int c = Name; c < Extra; ++c)
        m_tree->resizeColumnToContents(c);
}

QString ServiceDetail::selectedAddress() const
{
    const QTreeWidgetItem *item = m_tree->currentItem();
    if (!item)
        return {};
    if (item->parent())
        item = item->parent();
    return item->text(Address);
}

} // namespace qonsul::console

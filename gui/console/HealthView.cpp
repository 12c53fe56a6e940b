#include "console/HealthView.h"

#include <QHeaderView>
#include <QJsonArray>
#include <QJsonObject>
#include <QLabel>
#include <QLineEdit>
#include <QMap>
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
    Status,
    Output,
    Notes
};
}

HealthView::HealthView(AgentSession *session, QWidget *parent)
    : LiveView(session, parent)
{
    m_summary = new QLabel(this);
    m_summary->setObjectName(QStringLiteral("healthSummary"));
    m_filter = new QLineEdit(this);
    m_filter->setClearButtonEnabled(true);
    m_filter->setPlaceholderText(tr("Filter by service, node or check"));
    m_tree = new QTreeWidget(this);
    m_tree->setObjectName(QStringLiteral("healthTree"));
    m_tree->setHeaderLabels({ tr("Service / node / check"), tr("Status"), tr("Output"), tr("Notes") });
    m_tree->setAlternatingRowColors(true);
    m_tree->header()->setStretchLastSection(true);
    auto *layout = new QVBoxLayout(this);
    layout->addWidget(m_summary);
    layout->addWidget(m_filter);
    layout->addWidget(m_tree);
    connect(m_filter, &QLineEdit::textChanged, this, &HealthView::fill);
}

void HealthView::startQueries()
{
    m_query = m_session->watch(client::Request("GET", QStringLiteral("/v1/health/state/any")), this);
    connect(m_query, &BlockingQuery::changed, this, [this](const client::Response &r) {
        QJsonDocument doc;
        QString error;
        if (!Replies::parse(r, &doc, &error)) {
            m_summary->setText(error);
            return;
        }
        m_checks = doc.array();
        fill();
    });
    m_query->start();
}

void HealthView::stopQueries()
{
    delete m_query;
}

void HealthView::clearView()
{
    m_checks = {};
    m_tree->clear();
    m_summary->clear();
}

void HealthView::fill()
{
    // service ("" for node checks) -> node -> checks, each level sorted by name.
    QMap<QString, QMap<QString, QList<QJsonObject>>> groups;
    HealthCounts counts;
    const QString filter = m_filter->text().trimmed();
    for (const QJsonValue &v : m_checks) {
        const QJsonObject c = v.toObject();
        const QString status = c.value(u"Status").toString();
        if (HealthStatus::severity(status) < 1)
            continue;
        const QString service = c.value(u"ServiceName").toString();
        const QString node = c.value(u"Node").toString();
        if (!filter.isEmpty() && !service.contains(filter, Qt::CaseInsensitive)
            && !node.contains(filter, Qt::CaseInsensitive)
            && !c.value(u"Name").toString().contains(filter, Qt::CaseInsensitive))
            continue;
        counts.add(status);
        groups[service][node].append(c);
    }
    m_tree->clear();
    for (auto s = groups.begin(); s != groups.end(); ++s) {
        auto *serviceItem = new QTreeWidgetItem(m_tree, { s.key().isEmpty() ? tr("Node checks") : s.key() });
        QString serviceWorst;
        for (auto n = s->begin(); n != s->end(); ++n) {
            auto *nodeItem = new QTreeWidgetItem(serviceItem, { tr("Node %1").arg(n.key()) });
            QString nodeWorst;
            for (const QJsonObject &c : *n) {
                const QString status = c.value(u"Status").toString();
                auto *item = new QTreeWidgetItem(nodeItem,
                    { c.value(u"Name").toString(), HealthStatus::label(status),
                        c.value(u"Output").toString().trimmed(), c.value(u"Notes").toString() });
                item->setIcon(Status, HealthStatus::icon(status));
                item->setForeground(Status, HealthStatus::color(status));
                item->setToolTip(Output, c.value(u"Output").toString());
                item->setToolTip(Name, c.value(u"CheckID").toString());
                nodeWorst = HealthStatus::worst(nodeWorst, status);
            }
            nodeItem->setIcon(Name, HealthStatus::icon(nodeWorst));
            serviceWorst = HealthStatus::worst(serviceWorst, nodeWorst);
        }
        serviceItem->setIcon(Name, HealthStatus::icon(serviceWorst));
        QFont bold = serviceItem->font(Name);
        bold.setBold(true);
        serviceItem->setFont(Name, bold);
    }
    m_tree->expandAll();
    m_tree->resizeColumnToContents(Name);
    m_summary->setText(counts.critical + counts.warning == 0
            ? tr("All checks are passing.")
            : tr("%1 critical, %2 warning").arg(counts.critical).arg(counts.warning));
}

void HealthView::focusFind()
{
    m_filter->setFocus();
    m_filter->selectAll();
}

QString HealthView::selectedName() const
{
    const QTreeWidgetItem *item = m_tree->currentItem();
    return item ? item->text(Name) : QString();
}

} // namespace qonsul::console

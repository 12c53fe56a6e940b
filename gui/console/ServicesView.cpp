#include "console/ServicesView.h"

#include <QComboBox>
#include <QHBoxLayout>
#include <QHeaderView>
#include <QJsonArray>
#include <QJsonObject>
#include <QLabel>
#include <QLineEdit>
#include <QSplitter>
#include <QTableView>
#include <QVBoxLayout>
#include <memory>

#include "console/AgentSession.h"
#include "console/BlockingQuery.h"
#include "console/Replies.h"
#include "console/ServiceDetail.h"
#include "console/ServicesModel.h"

namespace qonsul::console {

using client::Request;
using client::Response;

ServicesView::ServicesView(AgentSession *session, QWidget *parent)
    : LiveView(session, parent)
    , m_model(new ServicesModel(this))
    , m_proxy(new ServiceFilterProxy(this))
{
    m_proxy->setSourceModel(m_model);
    m_proxy->setSortCaseSensitivity(Qt::CaseInsensitive);

    m_filter = new QLineEdit(this);
    m_filter->setObjectName(QStringLiteral("serviceFilter"));
    m_filter->setClearButtonEnabled(true);
    m_filter->setPlaceholderText(tr("Filter by name or tag (tag:primary, status:critical)"));
    m_status = new QComboBox(this);
    m_status->addItem(tr("All states"), QString());
    m_status->addItem(tr("Passing"), QStringLiteral("passing"));
    m_status->addItem(tr("Warning"), QStringLiteral("warning"));
    m_status->addItem(tr("Critical"), QStringLiteral("critical"));
    m_count = new QLabel(this);
    auto *filterRow = new QHBoxLayout;
    filterRow->addWidget(m_filter, 1);
    filterRow->addWidget(m_status);
    filterRow->addWidget(m_count);

    m_table = new QTableView(this);
    m_table->setObjectName(QStringLiteral("servicesTable"));
    m_table->setModel(m_proxy);
    m_table->setSortingEnabled(true);
    m_table->sortByColumn(ServicesModel::Name, Qt::AscendingOrder);
    m_table->setSelectionBehavior(QAbstractItemView::SelectRows);
    m_table->setSelectionMode(QAbstractItemView::SingleSelection);
    m_table->setEditTriggers(QAbstractItemView::NoEditTriggers);
    m_table->verticalHeader()->hide();
    m_table->verticalHeader()->setDefaultSectionSize(m_table->fontMetrics().height() + 8);
    m_table->horizontalHeader()->setStretchLastSection(true);
    m_table->setColumnWidth(ServicesModel::Name, 220);
    m_table->setColumnWidth(ServicesModel::Instances, 80);
    m_table->setColumnWidth(ServicesModel::Health, 220);
    m_table->setAlternatingRowColors(true);

    m_detail = new ServiceDetail(session, this);

    auto *top = new QWidget(this);
    auto *topLayout = new QVBoxLayout(top);
    topLayout->setContentsMargins(0, 0, 0, 0);
    topLayout->addLayout(filterRow);
    topLayout->addWidget(m_table);
    auto *splitter = new QSplitter(Qt::Vertical, this);
    splitter->addWidget(top);
    splitter->addWidget(m_detail);
    splitter->setStretchFactor(0, 3);
    splitter->setStretchFactor(1, 2);
    auto *layout = new QVBoxLayout(this);
    layout->addWidget(splitter);

    connect(m_filter, &QLineEdit::textChanged, this, [this](const QString &text) {
        m_proxy->setFilterText(text);
        updateCount();
    });
    connect(m_status, &QComboBox::currentIndexChanged, this, [this] {
        m_proxy->setStatusFilter(m_status->currentData().toString());
        updateCount();
    });
    connect(m_table->selectionModel(), &QItemSelectionModel::currentRowChanged, this,
        [this](const QModelIndex &current) {
            const QString name = current.isValid()
                ? m_proxy->index(current.row(), ServicesModel::Name).data().toString()
                : QString();
            if (name != m_detail->service())
                m_detail->showService(name);
        });
    connect(m_model, &QAbstractItemModel::modelReset, this, [this] {
        updateCount();
        if (!m_detail->service().isEmpty())
            selectService(m_detail->service());
    });
}

void ServicesView::startQueries()
{
    m_catalog = m_session->watch(Request("GET", QStringLiteral("/v1/catalog/services")), this);
    connect(m_catalog, &BlockingQuery::changed, this, [this](const Response &r) {
        QJsonDocument doc;
        QString error;
        if (!Replies::parse(r, &doc, &error) || !doc.isObject()) {
            m_count->setText(error.isEmpty() ? tr("Unexpected answer for the service list.") : error);
            return;
        }
        m_model->setCatalog(doc.object());
        updateCount();
        readInstances();
    });
    m_checks = m_session->watch(Request("GET", QStringLiteral("/v1/health/state/any")), this);
    connect(m_checks, &BlockingQuery::changed, this, [this](const Response &r) {
        QJsonDocument doc;
        QString error;
        if (Replies::parse(r, &doc, &error))
            m_model->setChecks(doc.array());
    });
    m_catalog->start();
    m_checks->start();
    m_detail->resume();
}

void ServicesView::stopQueries()
{
    delete m_catalog;
    delete m_checks;
    m_detail->stop();
    ++m_countGeneration;
}

void ServicesView::clearView()
{
    m_model->clear();
    m_detail->showService(QString());
}

// Instances per service and their nodes: /v1/catalog/services has only names and tags, so each
// node's catalog is read once per change of the service list (one node in a dev agent).
void ServicesView::readInstances()
{
    client::ApiClient *c = m_session->client();
    if (!c)
        return;
    const int generation = ++m_countGeneration;
    c->send(
        Request("GET", QStringLiteral("/v1/catalog/nodes")), this, [this, c, generation](const Response &r) {
            QJsonDocument doc;
            QString error;
            if (generation != m_countGeneration || !Replies::parse(r, &doc, &error))
                return;
            const QJsonArray nodes = doc.array();
            auto instances = std::make_shared<QHash<QString, QStringList>>();
            auto pending = std::make_shared<int>(int(nodes.size()));
            if (nodes.isEmpty())
                m_model->setInstances({});
            for (const QJsonValue &n : nodes) {
                const QString node = n.toObject().value(u"Node").toString();
                c->send(Request("GET", QStringLiteral("/v1/catalog/node/") + node), this,
                    [this, generation, instances, pending, node](const Response &r) {
                        if (generation != m_countGeneration)
                            return;
                        QJsonDocument doc;
                        QString error;
                        if (Replies::parse(r, &doc, &error)) {
                            const QJsonObject services = doc.object().value(u"Services").toObject();
                            for (const QJsonValue &s : services)
                                (*instances)[s.toObject().value(u"Service").toString()].append(node);
                        }
                        if (--*pending == 0)
                            m_model->setInstances(*instances);
                    });
            }
        });
}

void ServicesView::updateCount()
{
    m_count->setText(tr("%1 of %n service(s)", nullptr, m_model->rowCount()).arg(m_proxy->rowCount()));
}

void ServicesView::selectService(const QString &name)
{
    const int row = m_model->rowOf(name);
    if (row < 0)
        return;
    const QModelIndex index = m_proxy->mapFromSource(m_model->index(row, ServicesModel::Name));
    if (!index.isValid())
        return;
    m_table->setCurrentIndex(index);
    m_table->scrollTo(index);
}

void ServicesView::focusFind()
{
    m_filter->setFocus();
    m_filter->selectAll();
}

QString ServicesView::selectedName() const
{
    const QModelIndex current = m_table->currentIndex();
    return current.isValid() ? m_proxy->index(current.row(), ServicesModel::Name).data().toString()
                             : QString();
}

QString ServicesView::selectedAddress() const
{
    return m_detail->selectedAddress();
}

} // namespace qonsul::console

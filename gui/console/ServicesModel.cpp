#include "console/ServicesModel.h"

#include <QLocale>

namespace qonsul::console {

void ServicesModel::setCatalog(const QJsonObject &services)
{
    QList<Row> rows;
    rows.reserve(services.size());
    for (auto it = services.begin(); it != services.end(); ++it) {
        Row row;
        row.name = it.key();
        for (const QJsonValue &t : it.value().toArray())
            row.tags.append(t.toString());
        rows.append(std::move(row));
    }
    // QJsonObject iterates in key order, so the list is sorted by name like the agent's.
    const bool sameNames = rows.size() == m_rows.size()
        && std::equal(rows.begin(), rows.end(), m_rows.begin(),
            [](const Row &a, const Row &b) { return a.name == b.name; });
    if (sameNames) {
        for (int i = 0; i < rows.size(); ++i)
            m_rows[i].tags = rows[i].tags;
        applyHealth();
        emitAllChanged();
        return;
    }
    beginResetModel();
    m_rows = std::move(rows);
    m_rowByName.clear();
    for (int i = 0; i < m_rows.size(); ++i)
        m_rowByName.insert(m_rows[i].name, i);
    applyHealth();
    endResetModel();
}

void ServicesModel::setChecks(const QJsonArray &checks)
{
    m_serviceHealth.clear();
    m_nodeHealth.clear();
    for (const QJsonValue &v : checks) {
        const QJsonObject c = v.toObject();
        const QString status = c.value(u"Status").toString();
        if (c.value(u"ServiceID").toString().isEmpty())
            m_nodeHealth[c.value(u"Node").toString()].add(status);
        else
            m_serviceHealth[c.value(u"ServiceName").toString()].add(status);
    }
    applyHealth();
    emitAllChanged();
}

void ServicesModel::setInstances(const QHash<QString, QStringList> &nodesByService)
{
    m_instanceNodes = nodesByService;
    m_instancesKnown = true;
    applyHealth();
    emitAllChanged();
}

// Like Consul's UI: an instance's health is its service checks plus its node's checks, and a
// service sums its instances.
void ServicesModel::applyHealth()
{
    for (Row &row : m_rows) {
        const QStringList nodes = m_instanceNodes.value(row.name);
        row.instances = m_instancesKnown ? int(nodes.size()) : -1;
        row.health = m_serviceHealth.value(row.name);
        for (const QString &node : nodes)
            row.health += m_nodeHealth.value(node);
    }
}

void ServicesModel::emitAllChanged()
{
    if (!m_rows.isEmpty())
        Q_EMIT dataChanged(index(0, 0), index(int(m_rows.size()) - 1, ColumnCount - 1));
}

void ServicesModel::clear()
{
    beginResetModel();
    m_rows.clear();
    m_rowByName.clear();
    m_serviceHealth.clear();
    m_nodeHealth.clear();
    m_instanceNodes.clear();
    m_instancesKnown = false;
    endResetModel();
}

int ServicesModel::rowCount(const QModelIndex &parent) const
{
    return parent.isValid() ? 0 : int(m_rows.size());
}

int ServicesModel::columnCount(const QModelIndex &parent) const
{
    return parent.isValid() ? 0 : ColumnCount;
}

QVariant ServicesModel::data(const QModelIndex &index, int role) const
{
    if (!index.isValid() || index.row() >= m_rows.size())
        return {};
    const Row &row = m_rows[index.row()];
    if (role == StatusRole)
        return row.health.worst();
    if (role == TagsRole)
        return row.tags;
    switch (index.column()) {
    case Name:
        if (role == Qt::DisplayRole || role == Qt::ToolTipRole)
            return row.name;
        if (role == Qt::DecorationRole)
            return HealthStatus::icon(row.health.worst());
        break;
    case Instances:
        if (role == Qt::DisplayRole)
            return row.instances < 0 ? QVariant(QStringLiteral("…")) : QVariant(row.instances);
        if (role == Qt::TextAlignmentRole)
            return int(Qt::AlignRight | Qt::AlignVCenter);
        break;
    case Health:
        if (role == Qt::DisplayRole)
            return row.health.summary();
        if (role == Qt::ForegroundRole && row.health.critical + row.health.warning > 0)
            return HealthStatus::color(row.health.worst());
        break;
    case Tags:
        if (role == Qt::DisplayRole || role == Qt::ToolTipRole)
            return row.tags.join(QStringLiteral(", "));
        break;
    default:
        break;
    }
    return {};
}

QVariant ServicesModel::headerData(int section, Qt::Orientation orientation, int role) const
{
    if (orientation != Qt::Horizontal || role != Qt::DisplayRole)
        return {};
    switch (section) {
    case Name:
        return tr("Service");
    case Instances:
        return tr("Instances");
    case Health:
        return tr("Health checks");
    case Tags:
        return tr("Tags");
    default:
        return {};
    }
}

void ServiceFilterProxy::setFilterText(const QString &text)
{
    m_words = text.split(u' ', Qt::SkipEmptyParts);
    invalidateFilter();
}

void ServiceFilterProxy::setStatusFilter(const QString &status)
{
    m_status = status;
    invalidateFilter();
}

bool ServiceFilterProxy::filterAcceptsRow(int sourceRow, const QModelIndex &sourceParent) const
{
    const QModelIndex index = sourceModel()->index(sourceRow, ServicesModel::Name, sourceParent);
    const QString status = index.data(ServicesModel::StatusRole).toString();
    if (!m_status.isEmpty() && status != m_status)
        return false;
    if (m_words.isEmpty())
        return true;
    const QString name = index.data(Qt::DisplayRole).toString();
    const QStringList tags = index.data(ServicesModel::TagsRole).toStringList();
    auto tagMatches = [&](QStringView word) {
        return std::any_of(tags.begin(), tags.end(),
            [&](const QString &t) { return t.contains(word, Qt::CaseInsensitive); });
    };
    for (const QString &word : m_words) {
        if (word.startsWith(u"tag:")) {
            if (!tagMatches(QStringView(word).mid(4)))
                return false;
        } else if (word.startsWith(u"status:")) {
            if (!status.startsWith(QStringView(word).mid(7), Qt::CaseInsensitive))
                return false;
        } else if (!name.contains(word, Qt::CaseInsensitive) && !tagMatches(word)) {
            return false;
        }
    }
    return true;
}

} // namespace qonsul::console

#pragma once
// The service list: names and tags from /v1/catalog/services, a health summary from every
// check's state (/v1/health/state/any) and the instances (and so their nodes) from the nodes'
// catalogs.
#include <QAbstractTableModel>
#include <QHash>
#include <QJsonArray>
#include <QJsonObject>
#include <QSortFilterProxyModel>

#include "console/HealthStatus.h"

namespace qonsul::console {

class ServicesModel : public QAbstractTableModel
{
    Q_OBJECT
public:
    enum Column
    {
        Name,
        Instances,
        Health,
        Tags,
        ColumnCount
    };
    enum Role
    {
        StatusRole = Qt::UserRole + 1,
        TagsRole
    };

    using QAbstractTableModel::QAbstractTableModel;

    void setCatalog(const QJsonObject &services); // name -> [tags]
    void setChecks(const QJsonArray &checks); // every check's state (/v1/health/state/any)
    void setInstances(const QHash<QString, QStringList> &nodesByService); // one node per instance
    void clear();

    int rowCount(const QModelIndex &parent = {}) const override;
    int columnCount(const QModelIndex &parent = {}) const override;
    QVariant data(const QModelIndex &index, int role) const override;
    QVariant headerData(int section, Qt::Orientation orientation, int role) const override;
    int rowOf(const QString &name) const { return m_rowByName.value(name, -1); }

private:
    struct Row
    {
        QString name;
        QStringList tags;
        int instances = -1; // not counted yet
        HealthCounts health;
    };
    void applyHealth();
    void emitAllChanged();

    QList<Row> m_rows;
    QHash<QString, int> m_rowByName;
    QHash<QString, HealthCounts> m_serviceHealth; // service checks by service name
    QHash<QString, HealthCounts> m_nodeHealth; // node checks by node
    QHash<QString, QStringList> m_instanceNodes;
    bool m_instancesKnown = false;
};

// Filters by a text ("web", "tag:primary", "status:critical"; several words must all match)
// and by a minimum state chosen separately.
class ServiceFilterProxy : public QSortFilterProxyModel
{
    Q_OBJECT
public:
    using QSortFilterProxyModel::QSortFilterProxyModel;
    void setFilterText(const QString &text);
    void setStatusFilter(const QString &status); // "" all, or passing/warning/critical

protected:
    bool filterAcceptsRow(int sourceRow, const QModelIndex &sourceParent) const override;

private:
    QStringList m_words;
    QString m_status;
};

} // namespace qonsul::console

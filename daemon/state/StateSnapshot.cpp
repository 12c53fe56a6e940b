// Whole-state snapshot and restore: one CBOR document with every table and index.
#include "state/Command.h"
#include "state/StateStore.h"
#include "core/Burst.h"

#include <QCborArray>

namespace qonsul::state {

namespace {
constexpr qint64 kSnapshotVersion = 1;

QCborValue withIndexes(const QJsonObject &o)
{
    return QCborValue::fromJsonValue(o);
}

template<typename T>
void readIndexes(const QJsonObject &o, T *out)
{
    out->createIndex = quint64(o.value(u"CreateIndex").toDouble());
    out->modifyIndex = quint64(o.value(u"ModifyIndex").toDouble());
}

QCborMap indexMap(const QHash<QString, quint64> &h)
{
    QCborMap m;
    for (auto it = h.begin(); it != h.end(); ++it)
        m.insert(it.key(), qint64(it.value()));
    return m;
}

QHash<QString, quint64> indexHash(const QCborMap &m)
{
    QHash<QString, quint64> h;
    for (auto it = m.begin(); it != m.end(); ++it)
        h.insert(it.key().toString(), quint64(it.value().toInteger()));
    return h;
}
} // namespace

namespace {
// Every table a snapshot holds, copied from the store: each copy shares the store's data until
// one side writes (Qt's implicit sharing, with atomic reference counts), so taking it is O(1) and
// serializing it on another thread is safe while the store goes on changing its own copies.
struct Tables
{
    quint64 lastIndex = 0;
    QHash<QString, quint64> tableIndex;
    QHash<QString, quint64> serviceIndex;
    KvTable kv;
    QMap<QString, quint64> tombstones;
    QMap<QString, api::Node> nodes;
    QMap<QString, QMap<QString, api::Service>> services;
    QMap<QString, QMap<QString, api::HealthCheck>> checks;
    QMap<QString, api::Session> sessions;
    QMap<QString, PreparedQuery> queries;
    QMap<QString, QMap<QString, QJsonObject>> configEntries;
    QJsonObject autopilot;
    QMap<QString, QMap<QString, QJsonObject>> coordinates;

    QByteArray serialize() const;
};

QByteArray Tables::serialize() const
{
    QCborArray kvRows;
    for (const api::KvEntry &e : kv)
        kvRows.append(QCborArray{e.key, e.value, qint64(e.flags), e.session, qint64(e.lockIndex), qint64(e.createIndex),
                                 qint64(e.modifyIndex)});
    QCborArray tombstoneRows;
    for (auto it = tombstones.begin(); it != tombstones.end(); ++it)
        tombstoneRows.append(QCborArray{it.key(), qint64(it.value())});
    QCborArray nodeRows;
    for (const api::Node &n : nodes)
        nodeRows.append(withIndexes(api::toJson(n)));
    QCborArray serviceRows;
    for (auto it = services.begin(); it != services.end(); ++it) {
        for (const api::Service &s : it.value())
            serviceRows.append(QCborArray{it.key(), withIndexes(api::toJson(s))});
    }
    QCborArray checkRows;
    for (const auto &perNode : checks) {
        for (const api::HealthCheck &c : perNode) {
            QJsonObject o = api::toJson(c);
            o.insert(QStringLiteral("IntervalNs"), double(c.interval));
            o.insert(QStringLiteral("TimeoutNs"), double(c.timeout));
            checkRows.append(withIndexes(o));
        }
    }
    QCborArray sessionRows;
    for (const api::Session &s : sessions)
        sessionRows.append(withIndexes(api::toJson(s)));
    QCborArray queryRows;
    for (const PreparedQuery &q : queries)
        queryRows.append(withIndexes(preparedquery::toJson(q)));
    QCborArray configEntryRows;
    for (const auto &byName : configEntries) {
        for (const QJsonObject &e : byName)
            configEntryRows.append(withIndexes(e));
    }
    QCborArray coordinateRows;
    for (auto it = coordinates.begin(); it != coordinates.end(); ++it) {
        for (auto seg = it.value().begin(); seg != it.value().end(); ++seg)
            coordinateRows.append(QCborArray{it.key(), seg.key(), command::fromJson(seg.value())});
    }
    const QCborMap doc{{QStringLiteral("version"), kSnapshotVersion},
                       {QStringLiteral("index"), qint64(lastIndex)},
                       {QStringLiteral("tableIndex"), indexMap(tableIndex)},
                       {QStringLiteral("serviceIndex"), indexMap(serviceIndex)},
                       {QStringLiteral("kv"), kvRows},
                       {QStringLiteral("tombstones"), tombstoneRows},
                       {QStringLiteral("nodes"), nodeRows},
                       {QStringLiteral("services"), serviceRows},
                       {QStringLiteral("checks"), checkRows},
                       {QStringLiteral("sessions"), sessionRows},
                       {QStringLiteral("queries"), queryRows},
                       {QStringLiteral("configEntries"), configEntryRows},
                       {QStringLiteral("autopilot"), withIndexes(autopilot)},
                       {QStringLiteral("coordinates"), coordinateRows}};
    return doc.toCborValue().toCbor();
}
} // namespace

std::function<QByteArray()> StateStore::capture() const
{
    return [tables = Tables{m_lastIndex, m_tableIndex, m_serviceIndex, m_kv, m_tombstones, m_nodes, m_services,
                            m_checks, m_sessions, m_queries, m_configEntries, m_autopilot,
                            m_coordinates}] { return tables.serialize(); };
}

QByteArray StateStore::snapshot() const
{
    return capture()();
}

ApplyResult StateStore::applyRestore(const QCborMap &cmd)
{
    ApplyResult r;
    QString error;
    if (restore(cmd.value(QStringLiteral("data")).toByteArray(), &error))
        r.value = true;
    else
        r.error = error;
    return r;
}

bool StateStore::restore(const QByteArray &data, QString *error)
{
    QCborParserError parseError;
    const QCborValue value = QCborValue::fromCbor(data, &parseError);
    if (parseError.error != QCborError::NoError || !value.isMap()) {
        *error = QStringLiteral("snapshot is not a valid CBOR document: %1").arg(parseError.errorString());
        return false;
    }
    const QCborMap doc = value.toMap();
    if (doc.value(QStringLiteral("version")).toInteger() != kSnapshotVersion) {
        *error = QStringLiteral("unsupported snapshot version %1").arg(doc.value(QStringLiteral("version")).toInteger());
        return false;
    }
    // Check every table's shape before touching anything: a damaged snapshot changes nothing.
    for (const char *table : {"kv", "tombstones", "nodes", "services", "checks", "sessions"}) {
        const QCborValue t = doc.value(QLatin1String(table));
        if (!t.isArray()) {
            *error = QStringLiteral("snapshot table '%1' is missing or not a list").arg(QLatin1String(table));
            return false;
        }
        const bool rows = QByteArrayView(table) == "kv" || QByteArrayView(table) == "tombstones"
            || QByteArrayView(table) == "services";
        for (const QCborValue &row : t.toArray()) {
            if (rows ? !row.isArray() : !row.isMap()) {
                *error = QStringLiteral("snapshot table '%1' has a malformed entry").arg(QLatin1String(table));
                return false;
            }
        }
    }
    // Prepared queries and config entries came later: a snapshot without them has none.
    const QCborValue queries = doc.value(QStringLiteral("queries"));
    const QCborValue configEntries = doc.value(QStringLiteral("configEntries"));
    const auto notMap = [](const QCborValue &q) { return !q.isMap(); };
    for (const auto &[table, rows] : {std::pair{"queries", queries}, std::pair{"configEntries", configEntries}}) {
        if (!rows.isUndefined()
            && (!rows.isArray() || std::any_of(rows.toArray().begin(), rows.toArray().end(), notMap))) {
            *error = QStringLiteral("snapshot table '%1' has a malformed entry").arg(QLatin1StringView(table));
            return false;
        }
    }
    for (const char *map : {"tableIndex", "serviceIndex"}) {
        if (!doc.value(QLatin1String(map)).isMap()) {
            *error = QStringLiteral("snapshot index '%1' is missing").arg(QLatin1String(map));
            return false;
        }
    }
    StateStore fresh;
    fresh.m_lastIndex = quint64(doc.value(QStringLiteral("index")).toInteger());
    fresh.m_tableIndex = indexHash(doc.value(QStringLiteral("tableIndex")).toMap());
    fresh.m_serviceIndex = indexHash(doc.value(QStringLiteral("serviceIndex")).toMap());
    for (const QCborValue &v : doc.value(QStringLiteral("kv")).toArray()) {
        const QCborArray a = v.toArray();
        api::KvEntry e{a.at(0).toString(),          a.at(1).toByteArray(),         quint64(a.at(2).toInteger()),
                       a.at(3).toString(),          quint64(a.at(4).toInteger()), quint64(a.at(5).toInteger()),
                       quint64(a.at(6).toInteger())};
        if (!e.session.isEmpty())
            fresh.m_sessionKeys[e.session].insert(e.key);
        fresh.m_kv.insert(e.key, e);
    }
    for (const QCborValue &v : doc.value(QStringLiteral("tombstones")).toArray())
        fresh.m_tombstones.insert(v.toArray().at(0).toString(), quint64(v.toArray().at(1).toInteger()));
    QString ignored;
    for (const QCborValue &v : doc.value(QStringLiteral("nodes")).toArray()) {
        const QJsonObject o = command::toJson(v);
        api::Node n;
        api::fromJson(o, &n, &ignored);
        readIndexes(o, &n);
        fresh.m_nodes.insert(n.node, n);
        fresh.indexNode(n);
    }
    for (const QCborValue &v : doc.value(QStringLiteral("services")).toArray()) {
        const QString node = v.toArray().at(0).toString();
        const QJsonObject o = command::toJson(v.toArray().at(1));
        api::Service s;
        api::fromJson(o, &s, &ignored);
        readIndexes(o, &s);
        fresh.m_services[node].insert(s.id, s);
        fresh.m_serviceInstances[s.service][node].insert(s.id);
    }
    for (const QCborValue &v : doc.value(QStringLiteral("checks")).toArray()) {
        const QJsonObject o = command::toJson(v);
        api::HealthCheck c;
        api::fromJson(o, &c, &ignored);
        readIndexes(o, &c);
        c.interval = qint64(o.value(u"IntervalNs").toDouble());
        c.timeout = qint64(o.value(u"TimeoutNs").toDouble());
        fresh.m_checks[c.node].insert(c.checkId, c);
    }
    for (const QCborValue &v : doc.value(QStringLiteral("sessions")).toArray()) {
        const QJsonObject o = command::toJson(v);
        api::Session s;
        s.id = o.value(u"ID").toString();
        s.name = o.value(u"Name").toString();
        s.node = o.value(u"Node").toString();
        s.lockDelay = qint64(o.value(u"LockDelay").toDouble());
        s.behavior = o.value(u"Behavior").toString();
        s.ttl = o.value(u"TTL").toString();
        for (const QJsonValue &c : o.value(u"NodeChecks").toArray())
            s.nodeChecks.append(c.toString());
        for (const QJsonValue &c : o.value(u"ServiceChecks").toArray())
            s.serviceChecks.append(c.toObject().value(u"ID").toString());
        readIndexes(o, &s);
        fresh.m_sessions.insert(s.id, s);
    }
    for (const QCborValue &v : queries.toArray()) {
        QJsonObject o = command::toJson(v);
        PreparedQuery q;
        readIndexes(o, &q);
        o.remove(QStringLiteral("CreateIndex"));
        o.remove(QStringLiteral("ModifyIndex"));
        q.definition = o;
        fresh.m_queries.insert(q.id(), q);
    }
    for (const QCborValue &v : configEntries.toArray()) {
        const QJsonObject e = command::toJson(v);
        fresh.m_configEntries[e.value(u"Kind").toString()].insert(e.value(u"Name").toString(), e);
    }
    // So did the autopilot configuration.
    fresh.m_autopilot = command::toJson(doc.value(QStringLiteral("autopilot")));
    // Coordinates (absent from snapshots taken before they were stored).
    for (const QCborValue &v : doc.value(QStringLiteral("coordinates")).toArray()) {
        const QCborArray row = v.toArray();
        fresh.m_coordinates[row.at(0).toString()].insert(row.at(1).toString(), command::toJson(row.at(2)));
    }
    // Keep the live watch hub: everyone blocked must wake, since everything may have changed.
    ChangeSet all;
    for (const QString &k : m_kv.keys() + fresh.m_kv.keys())
        all.key(k);
    for (const QString &s : m_serviceInstances.keys() + fresh.m_serviceInstances.keys())
        all.service(s);
    for (const QString &n : m_nodes.keys() + fresh.m_nodes.keys())
        all.node(n);
    m_lastIndex = fresh.m_lastIndex;
    ++m_restores;
    m_tableIndex = std::move(fresh.m_tableIndex);
    m_serviceIndex = std::move(fresh.m_serviceIndex);
    m_kv = std::move(fresh.m_kv);
    m_tombstones = std::move(fresh.m_tombstones);
    m_lockDelays.clear();
    m_sessionKeys = std::move(fresh.m_sessionKeys);
    m_nodes = std::move(fresh.m_nodes);
    m_nodeIds = std::move(fresh.m_nodeIds);
    m_nodeNamesFolded = std::move(fresh.m_nodeNamesFolded);
    m_services = std::move(fresh.m_services);
    m_checks = std::move(fresh.m_checks);
    m_serviceInstances = std::move(fresh.m_serviceInstances);
    m_sessions = std::move(fresh.m_sessions);
    m_queries = std::move(fresh.m_queries);
    m_configEntries = std::move(fresh.m_configEntries);
    m_autopilot = std::move(fresh.m_autopilot);
    m_coordinates = std::move(fresh.m_coordinates);
    for (const QString &t : {QStringLiteral("nodes"), QStringLiteral("services"), QStringLiteral("checks"),
                             QStringLiteral("kvs"), QStringLiteral("tombstones"), QStringLiteral("sessions"),
                             QStringLiteral("prepared-queries"), QStringLiteral("config-entries"),
                             QStringLiteral("autopilot-config"),
                             QStringLiteral("coordinates")})
        all.table(t);
    core::BurstScope burst; // every blocking query wakes: their replies go out together
    m_watches.notify(all);
    return true;
}

} // namespace qonsul::state

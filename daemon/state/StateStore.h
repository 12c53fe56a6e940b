#pragma once
// The state store: catalog (nodes, services, checks), KV, sessions — in memory, each table with
// its own index under one global, monotonically increasing raft-style index. It is the Raft
// state machine: every write is a serialized command (see Command.h) applied through apply(),
// in index order, deterministically (commands carry the proposer's clock where time matters).
// Reads take an optional WatchSet that records what they touched, for blocking queries.
// Single-threaded: owned and used by the agent's event-loop thread.
#include <QCborMap>
#include <QCborValue>
#include <QHash>
#include <QMap>
#include <functional>
#include <optional>

#include "api/Types.h"
#include "state/KvTable.h"
#include "state/PreparedQuery.h"
#include "state/WatchHub.h"

namespace qonsul::state {

struct ApplyResult
{
    QCborValue value; // command-specific result (bool for KV writes, a map for txn, ...)
    QString error;    // non-empty when the command was rejected as a whole
};

struct ServiceInstance
{
    api::Node node;
    api::Service service;
};

// A catalog registration body (Consul's RegisterRequest), decoded. False, with *error "Request
// decode failed: ...", when a field has the wrong type: the HTTP API answers that with a 400
// before proposing, as Consul's decodeBody; what the state store refuses is a 500 there.
struct Registration
{
    api::Node node;
    bool skipNodeUpdate = false;
    std::optional<api::Service> service;
    QList<api::HealthCheck> checks;
};
bool decodeRegistration(const QJsonObject &body, Registration *out, QString *error);

struct HealthEntry
{
    api::Node node;
    api::Service service;
    QList<api::HealthCheck> checks; // node checks first, then the service's
};

class StateStore
{
public:
    StateStore();

    // Applies one committed command at `index`, or at lastIndex() + 1 when a restored snapshot
    // put the store ahead of the log. Never fails halfway: a rejected command changes nothing.
    // Wakes the watches the change touched.
    ApplyResult apply(quint64 index, const QCborMap &command);
    quint64 lastIndex() const { return m_lastIndex; }

    // Whole-state snapshot and restore (Raft snapshots, `snapshot save/restore`).
    QByteArray snapshot() const;
    // The same snapshot in two steps: capture() freezes every table at lastIndex() in O(1) (the
    // tables are implicitly shared; the first write after it copies the table it changes, and of
    // the KV table only the chunk it changes), and
    // the returned function serializes that frozen state. It may run on another thread while
    // this store goes on applying.
    std::function<QByteArray()> capture() const;
    bool restore(const QByteArray &data, QString *error);
    // Counts restores: indexes from before one say nothing about the data after it (another
    // cluster's snapshot may have higher indexes), so caches keyed by index start over.
    quint64 restoreCount() const { return m_restores; }

    WatchHub &watches() { return m_watches; }

    // ---- KV. Each read returns the index a blocking query compares against.
    quint64 kvGet(const QString &key, std::optional<api::KvEntry> *out, WatchSet *ws = nullptr) const;
    quint64 kvList(const QString &prefix, QList<api::KvEntry> *out, WatchSet *ws = nullptr) const;
    // Keys under prefix; with a separator, rolled up after the first separator past the prefix.
    quint64 kvKeys(const QString &prefix, const QString &separator, QStringList *out, WatchSet *ws = nullptr) const;
    // Lock-delay end (wall ms) for a key, 0 when none. Used by the proposer before acquire.
    qint64 lockDelayUntil(const QString &key) const { return m_lockDelays.value(key); }

    // ---- Catalog.
    quint64 nodes(QList<api::Node> *out, WatchSet *ws = nullptr) const;
    // The node lookupNode() finds for `nameOrId` (Consul's NodeServices) and its services.
    quint64 node(const QString &nameOrId, std::optional<api::Node> *out, QList<api::Service> *services,
                 WatchSet *ws = nullptr) const;
    quint64 services(QMap<QString, QStringList> *nameToTags, WatchSet *ws = nullptr) const;
    quint64 serviceNodes(const QString &name, QList<ServiceInstance> *out, WatchSet *ws = nullptr) const;
    // The checks of the node named `node` in any case (findNodeAnyCase()), as Consul's NodeChecks.
    quint64 nodeChecks(const QString &node, QList<api::HealthCheck> *out, WatchSet *ws = nullptr) const;
    quint64 serviceChecks(const QString &service, QList<api::HealthCheck> *out, WatchSet *ws = nullptr) const;
    quint64 checksInState(const QString &state, QList<api::HealthCheck> *out, WatchSet *ws = nullptr) const;
    quint64 healthService(const QString &name, QList<HealthEntry> *out, WatchSet *ws = nullptr) const;
    // The node registered under exactly `name`.
    const api::Node *findNode(const QString &name) const;
    // The node named `name` in any case, the exact name first: Consul's node-name indexes are
    // lower-case (its catalog, health and session reads by node name).
    const api::Node *findNodeAnyCase(const QString &name) const;
    // Consul's lookup of "a node name or ID" (its state store's nodeServices, behind
    // /v1/catalog/node/<n>, /v1/catalog/node-services/<n> and DNS <n>.node): the node named
    // `nameOrId` in any case; failing that, from 2 bytes on, the one node whose ID starts with
    // it, read as Consul's uuid prefix index reads it (cut to an even length, at most 36 bytes
    // and 4 hyphens, hyphens dropped, hex digits in any case). Null when nothing matches, when
    // the prefix is malformed and when several IDs start with it. *byId tells which way it was found.
    const api::Node *lookupNode(const QString &nameOrId, bool *byId = nullptr) const;
    const api::Service *findService(const QString &node, const QString &id) const;
    const api::HealthCheck *findCheck(const QString &node, const QString &id) const;
    // The checks on a node (null when it has none), without copying them.
    const QMap<QString, api::HealthCheck> *checksOnNode(const QString &node) const;
    // The index of the last write to a service's instances, their checks or their nodes; 0 when
    // no instance of `name` is registered. DNS keeps its per-service answers until it moves.
    quint64 serviceIndex(const QString &name) const;

    // ---- Sessions.
    quint64 session(const QString &id, std::optional<api::Session> *out, WatchSet *ws = nullptr) const;
    quint64 sessions(QList<api::Session> *out, WatchSet *ws = nullptr) const;
    // The sessions of the node named `node` in any case, as Consul's NodeSessions.
    quint64 nodeSessions(const QString &node, QList<api::Session> *out, WatchSet *ws = nullptr) const;

    // ---- Prepared queries.
    quint64 preparedQueries(QList<PreparedQuery> *out, WatchSet *ws = nullptr) const;
    quint64 preparedQuery(const QString &id, std::optional<PreparedQuery> *out, WatchSet *ws = nullptr) const;
    // Finds the query an execute or a DNS lookup names: by ID, by exact name, then the template
    // with the longest matching name prefix, rendered for `idOrName`. Unset when none matches;
    // *error set for a template named by its ID (Consul refuses that).
    quint64 resolvePreparedQuery(const QString &idOrName, std::optional<PreparedQuery> *out, QString *error,
                                 WatchSet *ws = nullptr) const;

    // ---- Config entries (/v1/config), as configentry::normalise() made them, with CreateIndex
    // and ModifyIndex. Both reads answer with the table's index, as Consul's do.
    quint64 configEntry(const QString &kind, const QString &name, std::optional<QJsonObject> *out,
                        WatchSet *ws = nullptr) const;
    // Every entry of `kind` (every entry when empty), by kind then name.
    quint64 configEntries(const QString &kind, QList<QJsonObject> *out, WatchSet *ws = nullptr) const;

    // ---- Autopilot configuration: stored by operators through Raft (with CreateIndex and
    // ModifyIndex); empty until then, when the servers' own `autopilot` settings apply.
    quint64 autopilotConfiguration(QJsonObject *out) const;

    // ---- Network coordinates nodes report (PUT /v1/coordinate/update, agents' own updates):
    // [{"Node", "Segment", "Coord"}] by node then segment; only nodes in the catalog have one.
    // Both return the coordinates table's index (blocking queries wait on the whole table, as
    // Consul's do).
    quint64 coordinates(QJsonArray *out, WatchSet *ws = nullptr) const;
    // `node` in any case, as Consul's lower-case coordinate index.
    quint64 coordinate(const QString &node, QJsonArray *out, WatchSet *ws = nullptr) const;

    quint64 tableIndex(QStringView table) const { return m_tableIndex.value(table.toString()); }
    // Tombstones older than `index` may be reaped (used by the tombstone GC).
    qsizetype tombstoneCount() const { return m_tombstones.size(); }
    qsizetype kvCount() const { return m_kv.size(); }

private:
    friend class TxnApplier;
    struct KvOutcome
    {
        bool ok = true;
        bool invalid = false; // a malformed request (Consul answers with an error), not a refused one
        QString error;
        std::optional<api::KvEntry> entry; // for reads and writes that return the entry
        QList<api::KvEntry> entries;       // get-tree
    };

    ApplyResult applyKv(const QCborMap &cmd);
    ApplyResult applyTxn(const QCborMap &cmd);
    ApplyResult applyRegister(const QCborMap &cmd);
    ApplyResult applyDeregister(const QCborMap &cmd);
    ApplyResult applySessionCreate(const QCborMap &cmd);
    ApplyResult applySessionDestroy(const QCborMap &cmd);
    ApplyResult applyTombstoneReap(const QCborMap &cmd);
    ApplyResult applyQuerySet(const QCborMap &cmd);
    ApplyResult applyQueryDelete(const QCborMap &cmd);
    ApplyResult applyConfigSet(const QCborMap &cmd);
    ApplyResult applyConfigDelete(const QCborMap &cmd);
    ApplyResult applyAutopilotSet(const QCborMap &cmd);
    ApplyResult applyCoordinateBatch(const QCborMap &cmd);
    ApplyResult applyRestore(const QCborMap &cmd);

    // KV primitives; `now` is the proposer's wall clock in ms (lock delays).
    KvOutcome kvOp(QStringView verb, const QCborMap &op, qint64 now, bool dryRun);
    void kvWrite(api::KvEntry entry);
    void kvErase(const QString &key);
    void touchTable(QStringView table);
    // Consul's check-and-set for a write at `index`: 0 only creates, any other index only
    // replaces what is stored at that ModifyIndex (`stored`; nothing when nothing is stored).
    static bool casRefused(quint64 index, std::optional<quint64> stored)
    {
        return index == 0 ? stored.has_value() : stored != index;
    }
    template<typename T>
    static bool casRefused(quint64 index, const T *stored)
    {
        return casRefused(index, stored ? std::optional<quint64>(stored->modifyIndex) : std::nullopt);
    }
    // A record written whole (config entry, autopilot configuration) with its indexes: CreateIndex
    // the stored one's (this command's for a new record), ModifyIndex this command's.
    QJsonObject withIndexes(QJsonObject record, const QJsonObject *stored) const;

    // Catalog primitives (validated by the caller).
    // Consul's node ID rules (ensureNodeTxn), checked before ensureNode: the error, empty when
    // `node` may be written.
    QString nodeIdConflict(const api::Node &node) const;
    // Consul's ensureNoNodeWithSimilarNameTxn: a live node (serfHealth not critical) with the
    // same name in any case and another ID holds the name; `allowClashWithoutId` lets a node
    // registered without an ID be taken over.
    QString nodeNameReserved(const api::Node &node, bool allowClashWithoutId) const;
    const api::Node *findNodeById(const QString &id) const;
    // Keep the node indexes below in step with m_nodes: indexNode once `node` is (again) in
    // m_nodes under its name, unindexNode before it goes or changes.
    void indexNode(const api::Node &node);
    void unindexNode(const api::Node &node);
    // Writes `node`; a node ID that named another node renames it (that node's registrations go).
    void ensureNode(const api::Node &node, qint64 now);
    QString ensureService(const QString &node, api::Service service);
    QString ensureCheck(api::HealthCheck check, qint64 now);
    void deleteNode(const QString &node, qint64 now);
    void deleteService(const QString &node, const QString &serviceId, qint64 now);
    void deleteCheck(const QString &node, const QString &checkId, qint64 now);
    void touchServicesOfNode(const QString &node);
    void touchService(const QString &name);
    void invalidateSessionsFor(const QString &node, const QString &checkId, qint64 now);
    void destroySession(const QString &id, qint64 now, bool invalidated);
    void deleteQueriesOfSession(const QString &session);

    quint64 m_lastIndex = 0;
    quint64 m_restores = 0;
    quint64 m_applying = 0; // index of the command being applied
    QHash<QString, quint64> m_tableIndex;

    KvTable m_kv;
    QMap<QString, quint64> m_tombstones;
    QHash<QString, qint64> m_lockDelays;
    QHash<QString, QSet<QString>> m_sessionKeys; // session -> keys it locks

    QMap<QString, api::Node> m_nodes;
    // Consul's "uuid" index of the nodes table: the ID as lower-case hex digits (the UUID's bytes,
    // hyphens dropped; see nodeIdKey()) -> node name, for nodes with an ID; ordered, as ID
    // prefixes are looked up. m_nodeNamesFolded: lower-cased name -> the registered names (case
    // kept) that fold to it; Consul's name index is lower-case. Both kept by indexNode/unindexNode,
    // rebuilt on restore, saved by a txn.
    QMap<QString, QString> m_nodeIds;
    QMultiHash<QString, QString> m_nodeNamesFolded;
    QMap<QString, QMap<QString, api::Service>> m_services;  // node -> id -> service
    QMap<QString, QMap<QString, api::HealthCheck>> m_checks; // node -> id -> check
    QHash<QString, QMap<QString, QSet<QString>>> m_serviceInstances; // name -> node -> ids
    QHash<QString, quint64> m_serviceIndex;

    QMap<QString, api::Session> m_sessions;
    QMap<QString, PreparedQuery> m_queries; // by ID
    QMap<QString, QMap<QString, QJsonObject>> m_configEntries; // kind -> name -> entry
    QJsonObject m_autopilot;
    QMap<QString, QMap<QString, QJsonObject>> m_coordinates; // node -> segment -> Coord

    WatchHub m_watches;
    ChangeSet m_changes;
};

} // namespace qonsul::state

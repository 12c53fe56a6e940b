// The state store as a Raft state machine: every write is a command from state/Command.h applied
// at lastIndex() + 1 (as LocalCommitter does). Covers the KV verbs, per-table and KV indexes,
// transactions, catalog and health reads, sessions, snapshot/restore and watches, against
// Consul's semantics (../shared/contract.md §1.1–1.6, §3, §4).
#include "state/Command.h"
#include "state/StateStore.h"

#include <QCborArray>
#include <QElapsedTimer>
#include <QJsonArray>
#include <QJsonDocument>
#include <QTest>

#include <limits>
#include <memory>
#include <vector>

using namespace qonsul;
using namespace qonsul::state;
using namespace Qt::StringLiterals;

namespace {

constexpr qint64 kNow = 1700000000000; // the proposer's wall clock (ms) carried by commands

const QString kS1 = u"11111111-1111-4111-8111-111111111111"_s;
const QString kS2 = u"22222222-2222-4222-8222-222222222222"_s;
const QString kS3 = u"33333333-3333-4333-8333-333333333333"_s;

QJsonObject obj(const char *json)
{
    QJsonParseError error;
    const QJsonDocument doc = QJsonDocument::fromJson(QByteArray(json), &error);
    if (error.error != QJsonParseError::NoError || !doc.isObject())
        qFatal("bad JSON in test: %s (%s)", json, qPrintable(error.errorString()));
    return doc.object();
}

QString text(const QJsonValue &v)
{
    return QString::fromUtf8(QJsonDocument(QJsonArray { v }).toJson(QJsonDocument::Compact));
}

ApplyResult apply(StateStore &s, const QCborMap &cmd)
{
    return s.apply(s.lastIndex() + 1, cmd);
}

// A KV write through applyKv: true when it happened.
bool kv(StateStore &s, const QString &verb, const QString &key, const QByteArray &value = {},
    quint64 index = 0, const QString &session = {}, qint64 now = kNow, quint64 flags = 0)
{
    const ApplyResult r = apply(s, command::kv(verb, key, value, flags, index, session, now));
    return r.error.isEmpty() && r.value.toBool();
}

std::optional<api::KvEntry> get(const StateStore &s, const QString &key)
{
    std::optional<api::KvEntry> e;
    s.kvGet(key, &e);
    return e;
}

quint64 getIndex(const StateStore &s, const QString &key)
{
    std::optional<api::KvEntry> e;
    return s.kvGet(key, &e);
}

quint64 listIndex(const StateStore &s, const QString &prefix)
{
    QList<api::KvEntry> out;
    return s.kvList(prefix, &out);
}

QStringList listKeys(const StateStore &s, const QString &prefix)
{
    QList<api::KvEntry> out;
    s.kvList(prefix, &out);
    QStringList keys;
    for (const api::KvEntry &e : std::as_const(out))
        keys.append(e.key);
    return keys;
}

// ---- transactions

QCborMap kvOp(const QString &verb, const QString &key, const QByteArray &value = {}, quint64 index = 0,
    const QString &session = {})
{
    QCborMap op = command::kv(verb, key, value, 0, index, session);
    op.remove(u"t"_s);
    op.insert(u"kind"_s, u"kv"_s);
    return op;
}

QCborMap nodeOp(const QString &verb, const QJsonObject &node, quint64 index = 0)
{
    return QCborMap { { u"kind"_s, u"node"_s }, { u"verb"_s, verb }, { u"node"_s, command::fromJson(node) },
        { u"index"_s, qint64(index) } };
}

QCborMap serviceOp(const QString &verb, const QString &node, const QJsonObject &service, quint64 index = 0)
{
    return QCborMap { { u"kind"_s, u"service"_s }, { u"verb"_s, verb }, { u"node"_s, node },
        { u"service"_s, command::fromJson(service) }, { u"index"_s, qint64(index) } };
}

QCborMap checkOp(const QString &verb, const QJsonObject &check, quint64 index = 0)
{
    return QCborMap { { u"kind"_s, u"check"_s }, { u"verb"_s, verb },
        { u"check"_s, command::fromJson(check) }, { u"index"_s, qint64(index) } };
}

// Runs a txn and returns {"Results": [...]} or {"Errors": [...]} as JSON.
QJsonObject txn(StateStore &s, const QList<QCborMap> &ops, qint64 now = kNow)
{
    QCborArray array;
    for (const QCborMap &op : ops)
        array.append(op);
    const ApplyResult r = apply(s, command::txn(array, now));
    if (!r.error.isEmpty())
        qWarning("txn rejected as a whole: %s", qPrintable(r.error));
    return r.value.toMap().toJsonObject();
}

// ---- catalog and sessions

QJsonObject nodeBody(const QString &node, const QString &address = u"10.0.0.1"_s)
{
    return QJsonObject {
        { u"Node"_s, node },
        { u"Address"_s, address },
        { u"Check"_s,
            QJsonObject { { u"CheckID"_s, u"serfHealth"_s }, { u"Name"_s, u"Serf Health Status"_s },
                { u"Status"_s, u"passing"_s } } },
    };
}

ApplyResult registerBody(StateStore &s, const QJsonObject &body, qint64 now = kNow)
{
    return apply(s, command::registerNode(body, now));
}

ApplyResult deregister(StateStore &s, const QString &node, const QString &serviceId = {},
    const QString &checkId = {}, qint64 now = kNow)
{
    return apply(s, command::deregister(node, serviceId, checkId, now));
}

QJsonObject sessionBody(const QString &node = u"n1"_s, const QString &behavior = u"release"_s,
    Nanoseconds lockDelay = 15 * kSecond, const QStringList &nodeChecks = { u"serfHealth"_s },
    const QStringList &serviceChecks = {})
{
    return QJsonObject { { u"Name"_s, u"test"_s }, { u"Node"_s, node }, { u"LockDelay"_s, double(lockDelay) },
        { u"Behavior"_s, behavior }, { u"TTL"_s, QString() },
        { u"NodeChecks"_s, QJsonArray::fromStringList(nodeChecks) },
        { u"ServiceChecks"_s, QJsonArray::fromStringList(serviceChecks) } };
}

ApplyResult createSession(
    StateStore &s, const QString &id, const QJsonObject &body = sessionBody(), qint64 now = kNow)
{
    return apply(s, command::sessionCreate(id, body, now));
}

bool hasSession(const StateStore &s, const QString &id)
{
    std::optional<api::Session> out;
    s.session(id, &out);
    return out.has_value();
}

// Node n1 with serfHealth passing and service "web" with check "web-alive" passing.
void seedCatalog(StateStore &s)
{
    QJsonObject body = nodeBody(u"n1"_s);
    body.insert(u"Service"_s, obj(R"({"ID":"web1","Service":"web","Tags":["v1"],"Port":80})"));
    body.insert(u"Checks"_s,
        QJsonArray {
            obj(R"({"CheckID":"web-alive","Name":"web alive","Status":"passing","ServiceID":"web1"})") });
    const ApplyResult r = registerBody(s, body);
    if (!r.error.isEmpty())
        qFatal("seedCatalog: %s", qPrintable(r.error));
}

// ---- whole-store dump, to compare two stores through their public reads only

QJsonArray toArray(const QList<api::KvEntry> &list)
{
    QJsonArray a;
    for (const auto &e : list)
        a.append(api::toJson(e));
    return a;
}

QJsonArray toArray(const QList<api::HealthCheck> &list)
{
    QJsonArray a;
    for (const auto &c : list)
        a.append(api::toJson(c));
    return a;
}

QJsonArray toArray(const QList<api::Session> &list)
{
    QJsonArray a;
    for (const auto &s : list)
        a.append(api::toJson(s));
    return a;
}

QJsonArray toArray(const QList<api::Service> &list)
{
    QJsonArray a;
    for (const auto &s : list)
        a.append(api::toJson(s));
    return a;
}

QJsonObject dump(const StateStore &s, const QStringList &extraPrefixes = {})
{
    QJsonObject d;
    d[u"lastIndex"_s] = double(s.lastIndex());
    for (const QString &t :
        { u"nodes"_s, u"services"_s, u"checks"_s, u"kvs"_s, u"tombstones"_s, u"sessions"_s })
        d[u"tableIndex/"_s + t] = double(s.tableIndex(t));
    d[u"tombstoneCount"_s] = double(s.tombstoneCount());
    d[u"kvCount"_s] = double(s.kvCount());

    QList<api::KvEntry> kvs;
    d[u"kvList/index"_s] = double(s.kvList(QString(), &kvs));
    d[u"kvList"_s] = toArray(kvs);
    QStringList keys;
    d[u"kvKeys/index"_s] = double(s.kvKeys(QString(), u"/"_s, &keys));
    d[u"kvKeys"_s] = QJsonArray::fromStringList(keys);
    for (const QString &p : extraPrefixes)
        d[u"kvList/index/"_s + p] = double(listIndex(s, p));
    for (const api::KvEntry &e : std::as_const(kvs))
        d[u"kvGet/index/"_s + e.key] = double(getIndex(s, e.key));

    QList<api::Node> nodes;
    d[u"nodes/index"_s] = double(s.nodes(&nodes));
    QJsonArray nodeArray;
    for (const api::Node &n : std::as_const(nodes)) {
        nodeArray.append(api::toJson(n));
        std::optional<api::Node> one;
        QList<api::Service> services;
        d[u"node/index/"_s + n.node] = double(s.node(n.node, &one, &services));
        d[u"node/services/"_s + n.node] = toArray(services);
        QList<api::HealthCheck> checks;
        d[u"nodeChecks/index/"_s + n.node] = double(s.nodeChecks(n.node, &checks));
        d[u"nodeChecks/"_s + n.node] = toArray(checks);
        QList<api::Session> sessions;
        s.nodeSessions(n.node, &sessions);
        d[u"nodeSessions/"_s + n.node] = toArray(sessions);
    }
    d[u"nodes"_s] = nodeArray;

    QMap<QString, QStringList> services;
    d[u"services/index"_s] = double(s.services(&services));
    QJsonObject serviceMap;
    for (auto it = services.cbegin(); it != services.cend(); ++it) {
        serviceMap[it.key()] = QJsonArray::fromStringList(it.value());
        QList<ServiceInstance> instances;
        d[u"serviceNodes/index/"_s + it.key()] = double(s.serviceNodes(it.key(), &instances));
        QJsonArray instanceArray;
        for (const ServiceInstance &i : std::as_const(instances))
            instanceArray.append(api::catalogServiceJson(i.node, i.service));
        d[u"serviceNodes/"_s + it.key()] = instanceArray;
        QList<HealthEntry> health;
        d[u"healthService/index/"_s + it.key()] = double(s.healthService(it.key(), &health));
        QJsonArray healthArray;
        for (const HealthEntry &h : std::as_const(health))
            healthArray.append(QJsonObject { { u"Node"_s, api::toJson(h.node) },
                { u"Service"_s, api::toJson(h.service) }, { u"Checks"_s, toArray(h.checks) } });
        d[u"healthService/"_s + it.key()] = healthArray;
        QList<api::HealthCheck> checks;
        s.serviceChecks(it.key(), &checks);
        d[u"serviceChecks/"_s + it.key()] = toArray(checks);
    }
    d[u"services"_s] = serviceMap;

    QList<api::HealthCheck> all;
    d[u"checksInState/index"_s] = double(s.checksInState(u"any"_s, &all));
    d[u"checksInState/any"_s] = toArray(all);
    QList<api::Session> sessions;
    d[u"sessions/index"_s] = double(s.sessions(&sessions));
    d[u"sessions"_s] = toArray(sessions);
    return d;
}

// Reports the first differing entry by name instead of two walls of JSON.
bool sameDump(const QJsonObject &actual, const QJsonObject &expected, QString *diff)
{
    QStringList keys = actual.keys() + expected.keys();
    keys.removeDuplicates();
    keys.sort();
    for (const QString &k : std::as_const(keys)) {
        if (actual.value(k) != expected.value(k)) {
            *diff = k + u": got "_s + text(actual.value(k)) + u" expected "_s + text(expected.value(k));
            return false;
        }
    }
    return true;
}

#define COMPARE_DUMPS(actual, expected)                                                                      \
    do {                                                                                                     \
        QString diff_;                                                                                       \
        QVERIFY2(sameDump((actual), (expected), &diff_), qPrintable(diff_));                                 \
    } while (false)

void must(const ApplyResult &r)
{
    if (!r.error.isEmpty())
        qFatal("fixture command rejected: %s", qPrintable(r.error));
}

template<typename... Args> void mustKv(StateStore &s, Args &&...args)
{
    if (!kv(s, std::forward<Args>(args)...))
        qFatal("fixture KV write refused");
}

// A store with something in every table: KV (binary values, 64-bit flags, a held lock, a lock that
// was released, tombstones), nodes with meta and tagged addresses, services of several shapes,
// node and service checks, and sessions of both behaviors bound to node and service checks.
void seedRichState(StateStore &s)
{
    must(registerBody(s, obj(R"({"ID":"40e4a748-2192-161a-0510-9bf59fe950b5","Node":"n1","Address":"10.0.0.1",
        "Datacenter":"dc1","TaggedAddresses":{"lan":"10.0.0.1","wan":"198.51.100.1"},"NodeMeta":{"rack":"r1"},
        "Service":{"ID":"web1","Service":"web","Tags":["v1","blue"],"Address":"10.0.0.10","Port":8080,
                   "Meta":{"version":"1.2"},"Weights":{"Passing":3,"Warning":1},"EnableTagOverride":true,
                   "TaggedAddresses":{"lan":{"Address":"10.0.0.10","Port":8080}}},
        "Checks":[{"CheckID":"serfHealth","Name":"Serf Health Status","Status":"passing"},
                  {"CheckID":"web-http","Name":"web http","Status":"passing","ServiceID":"web1",
                   "Notes":"GET /health","Output":"HTTP 200","Definition":{"HTTP":"http://10.0.0.10:8080/health"}}]})")));
    must(registerBody(s, obj(R"({"Node":"n1","Address":"10.0.0.1","Datacenter":"dc1",
        "TaggedAddresses":{"lan":"10.0.0.1","wan":"198.51.100.1"},"NodeMeta":{"rack":"r1"},
        "ID":"40e4a748-2192-161a-0510-9bf59fe950b5",
        "Service":{"ID":"db1","Service":"db","Port":5432,"Kind":"","Proxy":{}}})")));
    must(registerBody(s, obj(R"({"Node":"n2","Address":"10.0.0.2","Datacenter":"dc1",
        "Service":{"ID":"web2","Service":"web","Tags":["v2"],"Port":8080},
        "Checks":[{"CheckID":"serfHealth","Name":"Serf Health Status","Status":"passing"},
                  {"CheckID":"mem","Name":"memory","Status":"warning"},
                  {"CheckID":"web2-tcp","Name":"web tcp","Status":"critical","ServiceID":"web2"}]})")));

    must(createSession(
        s, kS1, sessionBody(u"n1"_s, u"release"_s, 15 * kSecond, { u"serfHealth"_s }, { u"web-http"_s })));
    QJsonObject withTtl = sessionBody(u"n2"_s, u"delete"_s, 0, { u"serfHealth"_s, u"mem"_s });
    withTtl.insert(u"TTL"_s, u"30s"_s);
    must(createSession(s, kS2, withTtl));

    mustKv(s, u"set"_s, u"app/config"_s, QByteArray("{\"debug\":true}"));
    mustKv(s, u"set"_s, u"app/binary"_s, QByteArray("\x00\x01\xff\xfe", 4), 0, QString(), kNow,
        std::numeric_limits<quint64>::max());
    mustKv(s, u"set"_s, u"app/sub/deep"_s, QByteArray("x"), 0, QString(), kNow, 42);
    mustKv(s, u"lock"_s, u"locks/leader"_s, QByteArray("n1"), 0, kS1);
    mustKv(s, u"lock"_s, u"locks/ephemeral"_s, QByteArray("n2"), 0, kS2);
    mustKv(s, u"lock"_s, u"locks/released"_s, QByteArray("a"), 0, kS1);
    mustKv(s, u"unlock"_s, u"locks/released"_s, QByteArray("b"), 0, kS1);
    mustKv(s, u"set"_s, u"gone/a"_s, QByteArray("1"));
    mustKv(s, u"set"_s, u"gone/b"_s, QByteArray("2"));
    mustKv(s, u"delete"_s, u"gone/a"_s);
    mustKv(s, u"set"_s, u"app/empty"_s);
}

const QStringList kRichPrefixes { u"app/"_s, u"locks/"_s, u"gone/"_s, u"nothing/"_s };

} // namespace

class TestStateStore : public QObject
{
    Q_OBJECT

private Q_SLOTS:
    // KV verbs
    void kvSetCreatesAndUpdates();
    void nodeIdRules();
    void nodeIdIndexThroughSnapshotAndTxn();
    void nodeLookupByNameOrId_data();
    void nodeLookupByNameOrId();
    void nodeReadsByNameInAnyCase();
    void nodeLookupIndexesThroughDeleteSnapshotAndTxn();
    void nodeLookupWatches();
    void kvSetReplacesFlagsAndKeepsLock();
    void kvFlagsKeepAll64Bits();
    void kvCas_data();
    void kvCas();
    void kvLockIndexRules();
    void kvLockRefusedForOtherSession();
    void kvLockWithUnknownSessionIsAnError();
    void kvUnlockRules();
    void kvLockDelayUsesCommandNow();
    void kvReleaseStartsNoLockDelay();
    void kvDelete();
    void kvDeleteTree();
    void kvDeleteCas_data();
    void kvDeleteCas();
    void kvDeleteOfLockedKeyForgetsTheLock();
    void kvUnknownVerbChangesNothing();
    void unknownCommandTypeIsAnError();

    // Indexes
    void kvReadIndexes();
    void kvDeleteMovesPrefixIndexViaTombstone();
    void kvTombstoneReap();
    void kvFullListIndexDoesNotGoBackwardsAfterReap();
    void kvKeysSeparator_data();
    void kvKeysSeparator();
    void tableIndexesArePerTable();

    // Transactions
    void txnKvVerbs();
    void txnReadResultsKeepValuesWriteResultsDoNot();
    void txnCheckResultsCarryNoValue();
    void txnGetOrEmpty();
    void txnFailingOpRollsBackEverything();
    void txnReportsEveryErrorWithOpIndex();
    void txnCatalogOps();
    void txnRollbackRestoresCatalogSessionsAndLocks();
    void txnUnlockWithoutSessionFails();

    // Catalog and health
    void registerNodeServiceAndChecks();
    void registerCheckForUnknownServiceChangesNothing();
    void registerRejected_data();
    void registerRejected();
    void unchangedReregisterKeepsIndexes();
    void changedReregisterBumpsOnlyWhatChanged();
    void reregisterServiceUnderNewName();
    void deregisterService();
    void deregisterCheck();
    void deregisterByNodeNameInAnyCase();
    void deregisterNodeRemovesServicesChecksAndSessions();
    void healthServiceEntries();

    // Sessions
    void sessionCreateStoresFields();
    void sessionCreateRejected_data();
    void sessionCreateRejected();
    void sessionDestroyRelease();
    void sessionDestroyDelete();
    void sessionDestroyUnknownIsIdempotent();
    void sessionInvalidatedWhenBoundCheckTurnsCritical_data();
    void sessionInvalidatedWhenBoundCheckTurnsCritical();
    void sessionOnNodeNamedInAnyCase();
    void sessionInvalidatedWhenBoundCheckIsDeregistered();

    // Snapshot / restore
    void snapshotRestoreRoundTrip();
    void restoredStoreBehavesLikeTheOriginal();
    void restoreGarbageFails_data();
    void restoreGarbageFails();
    void restoreCommandKeepsIndexesGrowing();

    // Watches
    void watchKeyIgnoresOtherKeys();
    void watchPrefixFiresForWriteAndDeleteBelow();
    void watchTables();
    void watchHealthServiceScope();
    void watchFiresOnce();
    void watchDroppedHandleCancels();
    void watchCallbackMayDropAndAddWatches();
    void watchDroppedDuringNotifyDoesNotFire();
    void watchNotWokenByRejectedWrites();
    void watchWokenBySessionInvalidation();
    void watchWokenByRestore();
    void watchTenThousandOnOnePrefix();
    void autopilotConfigurationCasAndSnapshot();
    void coordinatesOfCatalogNodesAndSnapshot();
};

// A restore through the log (snapshot restore) replaces everything; the store's index never goes
// back, and when the restored state is ahead of the log, later entries take the next store index.
void TestStateStore::restoreCommandKeepsIndexesGrowing()
{
    StateStore ahead;
    for (int i = 0; i < 50; ++i)
        QVERIFY(kv(ahead, u"set"_s, u"k%1"_s.arg(i), "v"));
    StateStore s;
    QVERIFY(kv(s, u"set"_s, u"old"_s, "x"));
    QVERIFY(s.apply(5, command::restore(ahead.snapshot())).error.isEmpty());
    QCOMPARE(s.lastIndex(), quint64(50));
    QVERIFY(!get(s, u"old"_s));
    QVERIFY(s.apply(6, command::kv(u"set"_s, u"new"_s, "y")).error.isEmpty());
    QCOMPARE(get(s, u"new"_s)->modifyIndex, quint64(51));
    // An older state restored later: the index stays where the log is.
    StateStore behind;
    QVERIFY(kv(behind, u"set"_s, u"b"_s, "1"));
    QVERIFY(s.apply(60, command::restore(behind.snapshot())).error.isEmpty());
    QCOMPARE(s.lastIndex(), quint64(60));
    QVERIFY(get(s, u"b"_s));
    // A damaged snapshot is refused whole.
    QVERIFY(!s.apply(61, command::restore("garbage")).error.isEmpty());
    QVERIFY(get(s, u"b"_s));
}

// ================================================================ KV verbs

void TestStateStore::kvSetCreatesAndUpdates()
{
    StateStore s;
    QVERIFY(kv(s, u"set"_s, u"a"_s, "1"));
    auto e = get(s, u"a"_s);
    QVERIFY(e);
    QCOMPARE(e->key, u"a"_s);
    QCOMPARE(e->value, QByteArray("1"));
    QCOMPARE(e->createIndex, quint64(1));
    QCOMPARE(e->modifyIndex, quint64(1));
    QCOMPARE(e->lockIndex, quint64(0));
    QVERIFY(e->session.isEmpty());

    QVERIFY(kv(s, u"set"_s, u"b"_s, "x"));
    QVERIFY(kv(s, u"set"_s, u"a"_s, "2"));
    e = get(s, u"a"_s);
    QCOMPARE(e->value, QByteArray("2"));
    QCOMPARE(e->createIndex, quint64(1)); // kept
    QCOMPARE(e->modifyIndex, quint64(3));

    QVERIFY(kv(s, u"set"_s, u"a"_s)); // an empty value is a value
    e = get(s, u"a"_s);
    QVERIFY(e);
    QVERIFY(e->value.isEmpty());
    QCOMPARE(s.kvCount(), 2);
}

void TestStateStore::kvSetReplacesFlagsAndKeepsLock()
{
    StateStore s;
    seedCatalog(s);
    QVERIFY(createSession(s, kS1).error.isEmpty());
    QVERIFY(kv(s, u"set"_s, u"k"_s, "v", 0, {}, kNow, 7));
    QCOMPARE(get(s, u"k"_s)->flags, quint64(7));
    QVERIFY(kv(s, u"set"_s, u"k"_s, "v2")); // a PUT without flags sets 0
    QCOMPARE(get(s, u"k"_s)->flags, quint64(0));

    QVERIFY(kv(s, u"lock"_s, u"k"_s, "held", 0, kS1));
    QVERIFY(kv(s, u"set"_s, u"k"_s, "overwritten", 0, {}, kNow, 9)); // plain PUT ignores the lock...
    const auto e = get(s, u"k"_s);
    QCOMPARE(e->value, QByteArray("overwritten"));
    QCOMPARE(e->flags, quint64(9));
    QCOMPARE(e->session, kS1); // ...and keeps it
    QCOMPARE(e->lockIndex, quint64(1));
    QVERIFY(kv(s, u"unlock"_s, u"k"_s, "free", 0, kS1)); // still owned by the session
}

void TestStateStore::kvFlagsKeepAll64Bits()
{
    StateStore s;
    const quint64 flags = std::numeric_limits<quint64>::max() - 1;
    QVERIFY(kv(s, u"set"_s, u"f"_s, "v", 0, {}, kNow, flags));
    QCOMPARE(get(s, u"f"_s)->flags, flags);
    QVERIFY(kv(s, u"set"_s, u"g"_s, "v", 0, {}, kNow, quint64(1) << 63));
    QCOMPARE(get(s, u"g"_s)->flags, quint64(1) << 63);
}

void TestStateStore::kvCas_data()
{
    QTest::addColumn<bool>("exists");
    QTest::addColumn<int>("casDelta"); // -1: cas=0; -2: ModifyIndex - 1; otherwise ModifyIndex + delta
    QTest::addColumn<bool>("ok");

    QTest::newRow("cas=0 on a missing key creates") << false << -1 << true;
    QTest::newRow("cas=0 on an existing key fails") << true << -1 << false;
    QTest::newRow("cas=ModifyIndex succeeds") << true << 0 << true;
    QTest::newRow("stale cas fails") << true << -2 << false;
    QTest::newRow("future cas fails") << true << 5 << false;
    QTest::newRow("cas=N on a missing key fails") << false << 5 << false;
}

void TestStateStore::kvCas()
{
    QFETCH(bool, exists);
    QFETCH(int, casDelta);
    QFETCH(bool, ok);

    StateStore s;
    QVERIFY(kv(s, u"set"_s, u"other"_s, "o"));
    QVERIFY(kv(s, u"set"_s, u"other"_s, "o"));
    if (exists)
        QVERIFY(kv(s, u"set"_s, u"k"_s, "old", 0, {}, kNow, 3));
    const auto before = get(s, u"k"_s);
    const quint64 kvsIndex = s.tableIndex(u"kvs");
    const quint64 modify = before ? before->modifyIndex : 2;
    const quint64 cas = casDelta == -1 ? 0 : (casDelta == -2 ? modify - 1 : modify + quint64(casDelta));

    QCOMPARE(kv(s, u"cas"_s, u"k"_s, "new", cas), ok);
    const auto after = get(s, u"k"_s);
    if (ok) {
        QVERIFY(after);
        QCOMPARE(after->value, QByteArray("new"));
        QCOMPARE(after->modifyIndex, s.lastIndex());
        QCOMPARE(after->createIndex, exists ? before->createIndex : s.lastIndex());
        QCOMPARE(after->flags, quint64(0));
        QCOMPARE(s.tableIndex(u"kvs"), s.lastIndex());
    } else {
        QCOMPARE(after.has_value(), exists);
        if (exists) {
            QCOMPARE(after->value, QByteArray("old"));
            QCOMPARE(after->modifyIndex, before->modifyIndex);
        }
        QCOMPARE(s.tableIndex(u"kvs"), kvsIndex);
    }
}

void TestStateStore::kvLockIndexRules()
{
    StateStore s;
    seedCatalog(s);
    QVERIFY(createSession(s, kS1).error.isEmpty());
    QVERIFY(createSession(s, kS2, sessionBody(u"n1"_s, u"release"_s, 0)).error.isEmpty());

    // Acquiring a new key creates it with LockIndex 1.
    QVERIFY(kv(s, u"lock"_s, u"lk"_s, "a", 0, kS1, kNow, 5));
    auto e = get(s, u"lk"_s);
    QCOMPARE(e->session, kS1);
    QCOMPARE(e->lockIndex, quint64(1));
    QCOMPARE(e->value, QByteArray("a"));
    QCOMPARE(e->flags, quint64(5));
    const quint64 created = e->createIndex;

    // Re-acquiring by the holder writes the value but is not a new acquisition.
    QVERIFY(kv(s, u"lock"_s, u"lk"_s, "b", 0, kS1));
    e = get(s, u"lk"_s);
    QCOMPARE(e->lockIndex, quint64(1));
    QCOMPARE(e->value, QByteArray("b"));
    QCOMPARE(e->modifyIndex, s.lastIndex());
    QCOMPARE(e->createIndex, created);

    // Release keeps LockIndex, clears Session, writes the value.
    QVERIFY(kv(s, u"unlock"_s, u"lk"_s, "c", 0, kS1));
    e = get(s, u"lk"_s);
    QVERIFY(e->session.isEmpty());
    QCOMPARE(e->lockIndex, quint64(1));
    QCOMPARE(e->value, QByteArray("c"));

    // A new acquisition (by anyone) increments it.
    QVERIFY(kv(s, u"lock"_s, u"lk"_s, "d", 0, kS2));
    e = get(s, u"lk"_s);
    QCOMPARE(e->session, kS2);
    QCOMPARE(e->lockIndex, quint64(2));

    // Acquiring an existing, unlocked key increments its LockIndex from where it was.
    QVERIFY(kv(s, u"set"_s, u"plain"_s, "p"));
    const quint64 plainCreated = get(s, u"plain"_s)->createIndex;
    QVERIFY(kv(s, u"lock"_s, u"plain"_s, "q", 0, kS1));
    QCOMPARE(get(s, u"plain"_s)->lockIndex, quint64(1));
    QCOMPARE(get(s, u"plain"_s)->createIndex, plainCreated);
}

void TestStateStore::kvLockRefusedForOtherSession()
{
    StateStore s;
    seedCatalog(s);
    QVERIFY(createSession(s, kS1).error.isEmpty());
    QVERIFY(createSession(s, kS2).error.isEmpty());
    QVERIFY(kv(s, u"lock"_s, u"lk"_s, "mine", 0, kS1));
    const auto before = get(s, u"lk"_s);

    QVERIFY(!kv(s, u"lock"_s, u"lk"_s, "theirs", 0, kS2));
    QVERIFY(!kv(s, u"unlock"_s, u"lk"_s, "theirs", 0, kS2));
    const auto after = get(s, u"lk"_s);
    QCOMPARE(after->session, kS1);
    QCOMPARE(after->value, QByteArray("mine"));
    QCOMPARE(after->modifyIndex, before->modifyIndex);
    QCOMPARE(after->lockIndex, before->lockIndex);
}

void TestStateStore::kvLockWithUnknownSessionIsAnError()
{
    StateStore s;
    seedCatalog(s);
    const ApplyResult r = apply(s, command::kv(u"lock"_s, u"lk"_s, "v", 0, 0, kS3, kNow));
    QVERIFY(!r.value.toBool());
    QVERIFY(!get(s, u"lk"_s)); // nothing written either way
    // Consul's kvsLockTxn returns the error `invalid session "<id>"` (HTTP 500 on ?acquire=),
    // not a plain false.
    QVERIFY2(r.error.contains(u"invalid session"_s), qPrintable(r.error));
}

void TestStateStore::kvUnlockRules()
{
    StateStore s;
    seedCatalog(s);
    QVERIFY(createSession(s, kS1).error.isEmpty());

    QVERIFY(!kv(s, u"unlock"_s, u"missing"_s, "v", 0, kS1)); // no key: false, nothing created
    QVERIFY(!get(s, u"missing"_s));

    QVERIFY(kv(s, u"set"_s, u"free"_s, "v"));
    QVERIFY(!kv(s, u"unlock"_s, u"free"_s, "w", 0, kS1)); // not held by kS1
    QCOMPARE(get(s, u"free"_s)->value, QByteArray("v"));
}

void TestStateStore::kvLockDelayUsesCommandNow()
{
    StateStore s;
    seedCatalog(s);
    QVERIFY(createSession(s, kS1, sessionBody(u"n1"_s, u"release"_s, 10 * kSecond)).error.isEmpty());
    QVERIFY(createSession(s, kS2).error.isEmpty());
    QVERIFY(kv(s, u"lock"_s, u"lk"_s, "v", 0, kS1, kNow));
    QVERIFY(kv(s, u"lock"_s, u"other"_s, "v", 0, kS2, kNow));

    // Invalidation (here: destroy) at kNow + 1000 starts a 10 s lock delay on the held key.
    QVERIFY(apply(s, command::sessionDestroy(kS1, kNow + 1000)).error.isEmpty());
    QCOMPARE(s.lockDelayUntil(u"lk"_s), kNow + 11000);
    QCOMPARE(s.lockDelayUntil(u"other"_s), qint64(0));
    QCOMPARE(s.lockDelayUntil(u"never-locked"_s), qint64(0));

    // Judged by each command's own `now`, not by any clock of the applier.
    QVERIFY(!kv(s, u"lock"_s, u"lk"_s, "w", 0, kS2, kNow + 10999));
    QVERIFY(get(s, u"lk"_s)->session.isEmpty());
    QVERIFY(kv(s, u"lock"_s, u"lk"_s, "w", 0, kS2, kNow + 11000));
    QCOMPARE(get(s, u"lk"_s)->session, kS2);
    QCOMPARE(get(s, u"lk"_s)->lockIndex, quint64(2));

    // A lock delay does not stop plain writes.
    QVERIFY(createSession(s, kS3, sessionBody(u"n1"_s, u"release"_s, 10 * kSecond)).error.isEmpty());
    QVERIFY(kv(s, u"lock"_s, u"k3"_s, "v", 0, kS3, kNow));
    QVERIFY(apply(s, command::sessionDestroy(kS3, kNow)).error.isEmpty());
    QVERIFY(kv(s, u"set"_s, u"k3"_s, "plain", 0, {}, kNow + 1));
    QCOMPARE(get(s, u"k3"_s)->value, QByteArray("plain"));
}

void TestStateStore::kvReleaseStartsNoLockDelay()
{
    StateStore s;
    seedCatalog(s);
    QVERIFY(createSession(s, kS1).error.isEmpty());
    QVERIFY(createSession(s, kS2).error.isEmpty());
    QVERIFY(kv(s, u"lock"_s, u"lk"_s, "v", 0, kS1));
    QVERIFY(kv(s, u"unlock"_s, u"lk"_s, "v", 0, kS1));
    QCOMPARE(s.lockDelayUntil(u"lk"_s), qint64(0));
    QVERIFY(kv(s, u"lock"_s, u"lk"_s, "v", 0, kS2, kNow));
    // And a session with LockDelay 0 leaves none behind when destroyed.
    QVERIFY(createSession(s, kS3, sessionBody(u"n1"_s, u"release"_s, 0)).error.isEmpty());
    QVERIFY(kv(s, u"lock"_s, u"zero"_s, "v", 0, kS3));
    QVERIFY(apply(s, command::sessionDestroy(kS3, kNow)).error.isEmpty());
    QCOMPARE(s.lockDelayUntil(u"zero"_s), qint64(0));
}

void TestStateStore::kvDelete()
{
    StateStore s;
    QVERIFY(kv(s, u"set"_s, u"a"_s, "1"));
    QVERIFY(kv(s, u"set"_s, u"b"_s, "2"));
    QVERIFY(kv(s, u"delete"_s, u"a"_s));
    QVERIFY(!get(s, u"a"_s));
    QVERIFY(get(s, u"b"_s));
    QCOMPARE(s.kvCount(), 1);
    QCOMPARE(s.tombstoneCount(), 1);
    QCOMPARE(s.tableIndex(u"kvs"), quint64(3));
    QCOMPARE(s.tableIndex(u"tombstones"), quint64(3));

    // Deleting a missing key succeeds and changes nothing (no tombstone, no index move).
    QVERIFY(kv(s, u"delete"_s, u"never"_s));
    QCOMPARE(s.tombstoneCount(), 1);
    QCOMPARE(s.tableIndex(u"kvs"), quint64(3));

    // Re-creating a deleted key starts a new life.
    QVERIFY(kv(s, u"set"_s, u"a"_s, "again"));
    QCOMPARE(get(s, u"a"_s)->createIndex, s.lastIndex());
}

void TestStateStore::kvDeleteTree()
{
    StateStore s;
    for (const QString &k : { u"a/1"_s, u"a/2"_s, u"a/b/3"_s, u"ab"_s, u"a"_s, u"b/1"_s })
        QVERIFY(kv(s, u"set"_s, k, "v"));
    QVERIFY(kv(s, u"delete-tree"_s, u"a/"_s));
    QCOMPARE(listKeys(s, QString()), (QStringList { u"a"_s, u"ab"_s, u"b/1"_s }));
    QCOMPARE(s.tombstoneCount(), 3);

    // A tree delete is a prefix delete, not a path delete: "a" also takes "ab".
    QVERIFY(kv(s, u"delete-tree"_s, u"a"_s));
    QCOMPARE(listKeys(s, QString()), QStringList { u"b/1"_s });

    // The empty prefix deletes everything.
    QVERIFY(kv(s, u"delete-tree"_s, QString()));
    QCOMPARE(s.kvCount(), 0);
    QCOMPARE(s.tombstoneCount(), 6);
}

void TestStateStore::kvDeleteCas_data()
{
    QTest::addColumn<bool>("exists");
    QTest::addColumn<int>("casDelta"); // -1: index 0; -2: ModifyIndex - 1; otherwise ModifyIndex + delta
    QTest::addColumn<bool>("ok");

    QTest::newRow("matching index deletes") << true << 0 << true;
    QTest::newRow("stale index fails") << true << -2 << false;
    QTest::newRow("index 0 on an existing key fails") << true << -1 << false;
    QTest::newRow("missing key, index 0") << false << -1 << true;
    QTest::newRow("missing key, index N") << false << 0 << true;
}

void TestStateStore::kvDeleteCas()
{
    QFETCH(bool, exists);
    QFETCH(int, casDelta);
    QFETCH(bool, ok);

    StateStore s;
    QVERIFY(kv(s, u"set"_s, u"pad"_s, "p"));
    QVERIFY(kv(s, u"set"_s, u"pad"_s, "p"));
    if (exists)
        QVERIFY(kv(s, u"set"_s, u"k"_s, "v"));
    const quint64 modify = exists ? get(s, u"k"_s)->modifyIndex : 2;
    const quint64 index = casDelta == -1 ? 0 : (casDelta == -2 ? modify - 1 : modify + quint64(casDelta));

    const bool result = kv(s, u"delete-cas"_s, u"k"_s, {}, index);
    // Consul's kvsDeleteCASTxn returns `entry == nil` when the index does not match, so a CAS
    // delete of a key that is already gone reports success whatever the index.
    QCOMPARE(result, ok);
    QCOMPARE(get(s, u"k"_s).has_value(), exists && !ok);
}

void TestStateStore::kvDeleteOfLockedKeyForgetsTheLock()
{
    StateStore s;
    seedCatalog(s);
    QVERIFY(createSession(s, kS1).error.isEmpty());
    QVERIFY(kv(s, u"lock"_s, u"lk"_s, "v", 0, kS1));
    QVERIFY(kv(s, u"delete"_s, u"lk"_s));
    QVERIFY(kv(s, u"set"_s, u"lk"_s, "new owner-less value"));
    // Destroying the session must not touch the new, unrelated key.
    const quint64 modify = get(s, u"lk"_s)->modifyIndex;
    QVERIFY(apply(s, command::sessionDestroy(kS1, kNow)).error.isEmpty());
    QCOMPARE(get(s, u"lk"_s)->modifyIndex, modify);
    QCOMPARE(s.lockDelayUntil(u"lk"_s), qint64(0));
}

void TestStateStore::kvUnknownVerbChangesNothing()
{
    StateStore s;
    QVERIFY(!kv(s, u"frobnicate"_s, u"k"_s, "v"));
    QVERIFY(!get(s, u"k"_s));
    QCOMPARE(s.tableIndex(u"kvs"), quint64(0));
    QCOMPARE(s.lastIndex(), quint64(1)); // the command still consumed its index
}

void TestStateStore::unknownCommandTypeIsAnError()
{
    StateStore s;
    const ApplyResult r = apply(s, QCborMap { { u"t"_s, u"nonsense"_s } });
    QVERIFY(!r.error.isEmpty());
    QCOMPARE(s.lastIndex(), quint64(1));
}

// ================================================================ indexes

void TestStateStore::kvReadIndexes()
{
    StateStore s;
    QCOMPARE(getIndex(s, u"x"_s), quint64(0));
    QCOMPARE(listIndex(s, QString()), quint64(0));
    QVERIFY(kv(s, u"set"_s, u"a/1"_s, "v")); // 1
    QVERIFY(kv(s, u"set"_s, u"b/1"_s, "v")); // 2
    QVERIFY(kv(s, u"set"_s, u"a/2"_s, "v")); // 3
    QVERIFY(kv(s, u"set"_s, u"b/1"_s, "w")); // 4

    // A present key: its ModifyIndex.
    QCOMPARE(getIndex(s, u"a/1"_s), quint64(1));
    QCOMPARE(getIndex(s, u"b/1"_s), quint64(4));
    // A missing key: the KV table index (max of kvs and tombstones).
    QCOMPARE(getIndex(s, u"missing"_s), quint64(4));
    // A prefix: the highest ModifyIndex below it.
    QCOMPARE(listIndex(s, u"a/"_s), quint64(3));
    QCOMPARE(listIndex(s, u"b/"_s), quint64(4));
    QCOMPARE(listIndex(s, QString()), quint64(4));
    // A prefix with nothing below it: the table index.
    QCOMPARE(listIndex(s, u"c/"_s), quint64(4));
    // Writes to other tables do not move KV indexes.
    seedCatalog(s);
    QCOMPARE(getIndex(s, u"missing"_s), quint64(4));
    QCOMPARE(listIndex(s, u"c/"_s), quint64(4));
    // Keys reads agree with list reads.
    QStringList keys;
    QCOMPARE(s.kvKeys(u"a/"_s, QString(), &keys), quint64(3));
    QCOMPARE(keys, (QStringList { u"a/1"_s, u"a/2"_s }));
}

void TestStateStore::kvDeleteMovesPrefixIndexViaTombstone()
{
    StateStore s;
    QVERIFY(kv(s, u"set"_s, u"p/a"_s, "v")); // 1
    QVERIFY(kv(s, u"set"_s, u"p/b"_s, "v")); // 2
    QVERIFY(kv(s, u"set"_s, u"q/x"_s, "v")); // 3
    QCOMPARE(listIndex(s, u"p/"_s), quint64(2));

    QVERIFY(kv(s, u"delete"_s, u"p/b"_s)); // 4: the remaining entries are all older
    QCOMPARE(listIndex(s, u"p/"_s), quint64(4));
    QCOMPARE(listIndex(s, u"q/"_s), quint64(3)); // other prefixes unaffected
    QCOMPARE(getIndex(s, u"p/b"_s), quint64(4)); // the deleted key reads the table index

    // Deleting the last key under a prefix still leaves a moving index.
    QVERIFY(kv(s, u"delete"_s, u"p/a"_s)); // 5
    QList<api::KvEntry> out;
    QCOMPARE(s.kvList(u"p/"_s, &out), quint64(5));
    QVERIFY(out.isEmpty());

    QVERIFY(kv(s, u"delete-tree"_s, u"q/"_s)); // 6
    QCOMPARE(listIndex(s, u"q/"_s), quint64(6));
    QStringList keys;
    QCOMPARE(s.kvKeys(u"q/"_s, u"/"_s, &keys), quint64(6));
}

void TestStateStore::kvTombstoneReap()
{
    StateStore s;
    QVERIFY(kv(s, u"set"_s, u"p/a"_s, "v")); // 1
    QVERIFY(kv(s, u"set"_s, u"p/b"_s, "v")); // 2
    QVERIFY(kv(s, u"set"_s, u"p/c"_s, "v")); // 3
    QVERIFY(kv(s, u"delete"_s, u"p/b"_s)); // 4
    QVERIFY(kv(s, u"delete"_s, u"p/c"_s)); // 5
    QCOMPARE(s.tombstoneCount(), 2);

    QVERIFY(apply(s, command::tombstoneReap(4)).error.isEmpty()); // 6: reaps up to index 4
    QCOMPARE(s.tombstoneCount(), 1);
    QCOMPARE(listIndex(s, u"p/"_s), quint64(5));
    QVERIFY(apply(s, command::tombstoneReap(5)).error.isEmpty()); // 7
    QCOMPARE(s.tombstoneCount(), 0);
    // With the tombstones gone the prefix index falls back to what is left (clients reset).
    QCOMPARE(listIndex(s, u"p/"_s), quint64(1));
    QCOMPARE(get(s, u"p/a"_s)->value, QByteArray("v"));
}

void TestStateStore::kvFullListIndexDoesNotGoBackwardsAfterReap()
{
    StateStore s;
    QVERIFY(kv(s, u"set"_s, u"a"_s, "v")); // 1
    QVERIFY(kv(s, u"set"_s, u"b"_s, "v")); // 2
    QVERIFY(kv(s, u"delete"_s, u"b"_s)); // 3
    QCOMPARE(listIndex(s, QString()), quint64(3));
    QVERIFY(apply(s, command::tombstoneReap(3)).error.isEmpty());
    // Consul's kvsListTxn uses the full KV table index for the empty prefix (the whole store),
    // so a recurse GET of the root never goes back to 1 here.
    QCOMPARE(listIndex(s, QString()), quint64(3));
}

void TestStateStore::kvKeysSeparator_data()
{
    QTest::addColumn<QString>("prefix");
    QTest::addColumn<QString>("separator");
    QTest::addColumn<QStringList>("expected");

    QTest::newRow("no separator lists all keys") << u"web/"_s << QString()
                                                 << QStringList { u"web/"_s, u"web/a"_s, u"web/sub/x"_s,
                                                        u"web/sub/y/z"_s, u"web/sub2"_s, u"web/sub-"_s };
    QTest::newRow("roll-up under prefix")
        << u"web/"_s << u"/"_s
        << QStringList { u"web/"_s, u"web/a"_s, u"web/sub/"_s, u"web/sub2"_s, u"web/sub-"_s };
    QTest::newRow("roll-up from the root")
        << QString() << u"/"_s << QStringList { u"db/"_s, u"top"_s, u"web/"_s, u"webby"_s };
    QTest::newRow("prefix without trailing separator")
        << u"web"_s << u"/"_s << QStringList { u"web/"_s, u"webby"_s };
    QTest::newRow("multi-character separator")
        << u"db/"_s << u"::"_s << QStringList { u"db/a::"_s, u"db/b"_s };
    QTest::newRow("no match") << u"nothing/"_s << u"/"_s << QStringList();
}

void TestStateStore::kvKeysSeparator()
{
    QFETCH(QString, prefix);
    QFETCH(QString, separator);
    QFETCH(QStringList, expected);

    StateStore s;
    for (const QString &k : { u"web/"_s, u"web/a"_s, u"web/sub/x"_s, u"web/sub/y/z"_s, u"web/sub2"_s,
             u"web/sub-"_s, u"webby"_s, u"top"_s, u"db/a::1"_s, u"db/a::2"_s, u"db/b"_s })
        QVERIFY(kv(s, u"set"_s, k, "v"));
    QStringList keys;
    s.kvKeys(prefix, separator, &keys);
    std::sort(expected.begin(), expected.end());
    QCOMPARE(keys, expected);
}

void TestStateStore::tableIndexesArePerTable()
{
    StateStore s;
    seedCatalog(s); // 1: nodes, services, checks
    QCOMPARE(s.tableIndex(u"nodes"), quint64(1));
    QCOMPARE(s.tableIndex(u"services"), quint64(1));
    QCOMPARE(s.tableIndex(u"checks"), quint64(1));
    QCOMPARE(s.tableIndex(u"kvs"), quint64(0));
    QCOMPARE(s.tableIndex(u"sessions"), quint64(0));

    QVERIFY(kv(s, u"set"_s, u"k"_s, "v")); // 2
    QCOMPARE(s.tableIndex(u"kvs"), quint64(2));
    QCOMPARE(s.tableIndex(u"nodes"), quint64(1));

    QVERIFY(createSession(s, kS1).error.isEmpty()); // 3
    QCOMPARE(s.tableIndex(u"sessions"), quint64(3));
    QCOMPARE(s.tableIndex(u"kvs"), quint64(2));

    // A check-only update moves checks, not nodes or services.
    QJsonObject body = nodeBody(u"n1"_s);
    body.insert(u"Check"_s,
        obj(R"({"CheckID":"web-alive","Name":"web alive","Status":"warning","ServiceID":"web1"})"));
    QVERIFY(registerBody(s, body).error.isEmpty()); // 4
    QCOMPARE(s.tableIndex(u"checks"), quint64(4));
    QCOMPARE(s.tableIndex(u"nodes"), quint64(1));
    QCOMPARE(s.tableIndex(u"services"), quint64(1));
    QList<ServiceInstance> instances;
    QCOMPARE(s.serviceNodes(u"web"_s, &instances), quint64(4)); // the service's own index moved
    QList<HealthEntry> health;
    QCOMPARE(s.healthService(u"web"_s, &health), quint64(4));
    QList<api::Node> nodes;
    QCOMPARE(s.nodes(&nodes), quint64(1));
    // Unknown names read their table's index.
    QCOMPARE(s.serviceNodes(u"nope"_s, &instances), quint64(1));
}

// ================================================================ transactions

void TestStateStore::txnKvVerbs()
{
    StateStore s;
    seedCatalog(s);
    QVERIFY(createSession(s, kS1).error.isEmpty());
    QVERIFY(kv(s, u"set"_s, u"existing"_s, "e"));
    QVERIFY(kv(s, u"set"_s, u"tree/1"_s, "t1"));
    QVERIFY(kv(s, u"set"_s, u"tree/2"_s, "t2"));
    QVERIFY(kv(s, u"set"_s, u"doomed/x"_s, "d"));
    const quint64 existingIndex = get(s, u"existing"_s)->modifyIndex;

    const QJsonObject r = txn(s,
        {
            kvOp(u"set"_s, u"new"_s, "n"), // 0
            kvOp(u"cas"_s, u"existing"_s, "e2", existingIndex), // 1
            kvOp(u"check-index"_s, u"tree/1"_s, {}, getIndex(s, u"tree/1"_s)), // 2
            kvOp(u"check-not-exists"_s, u"absent"_s), // 3
            kvOp(u"lock"_s, u"lk"_s, "l", 0, kS1), // 4
            kvOp(u"check-session"_s, u"lk"_s, {}, 0, kS1), // 5
            kvOp(u"get"_s, u"new"_s), // 6 sees op 0
            kvOp(u"get-tree"_s, u"tree/"_s), // 7
            kvOp(u"delete"_s, u"tree/1"_s), // 8
            kvOp(u"delete-cas"_s, u"tree/2"_s, {}, getIndex(s, u"tree/2"_s)), // 9
            kvOp(u"delete-tree"_s, u"doomed/"_s), // 10
            kvOp(u"unlock"_s, u"lk"_s, "u", 0, kS1), // 11
        });
    QVERIFY2(r.value(u"Errors"_s).isUndefined() || r.value(u"Errors"_s).isNull(), qPrintable(text(r)));
    const QJsonArray results = r.value(u"Results"_s).toArray();
    // Writes and checks produce one entry, get-tree one per key, deletes none.
    QStringList keys;
    for (const QJsonValue &v : results)
        keys.append(v[u"KV"_s][u"Key"_s].toString());
    QCOMPARE(keys,
        (QStringList { u"new"_s, u"existing"_s, u"tree/1"_s, u"lk"_s, u"lk"_s, u"new"_s, u"tree/1"_s,
            u"tree/2"_s, u"lk"_s }));

    const quint64 index = s.lastIndex();
    QCOMPARE(get(s, u"new"_s)->value, QByteArray("n"));
    QCOMPARE(get(s, u"new"_s)->modifyIndex, index);
    QCOMPARE(get(s, u"existing"_s)->value, QByteArray("e2"));
    QVERIFY(!get(s, u"tree/1"_s));
    QVERIFY(!get(s, u"tree/2"_s));
    QVERIFY(!get(s, u"doomed/x"_s));
    QCOMPARE(get(s, u"lk"_s)->value, QByteArray("u"));
    QVERIFY(get(s, u"lk"_s)->session.isEmpty());
    QCOMPARE(get(s, u"lk"_s)->lockIndex, quint64(1));
    // Everything in one txn shares one index.
    QCOMPARE(s.tableIndex(u"kvs"), index);
    QCOMPARE(listIndex(s, u"tree/"_s), index);
    QCOMPARE(results.at(0)[u"KV"_s][u"ModifyIndex"_s].toDouble(), double(index));
}

void TestStateStore::txnReadResultsKeepValuesWriteResultsDoNot()
{
    StateStore s;
    QVERIFY(kv(s, u"set"_s, u"t/a"_s, "A"));
    const QJsonObject r
        = txn(s, { kvOp(u"set"_s, u"w"_s, "W"), kvOp(u"get"_s, u"w"_s), kvOp(u"get-tree"_s, u"t/"_s) });
    const QJsonArray results = r.value(u"Results"_s).toArray();
    QCOMPARE(results.size(), 3);
    QVERIFY(results.at(0)[u"KV"_s][u"Value"_s].isNull()); // writes: Value null
    QCOMPARE(results.at(1)[u"KV"_s][u"Value"_s].toString(), QString::fromLatin1(QByteArray("W").toBase64()));
    QCOMPARE(results.at(2)[u"KV"_s][u"Value"_s].toString(), QString::fromLatin1(QByteArray("A").toBase64()));
}

void TestStateStore::txnCheckResultsCarryNoValue()
{
    StateStore s;
    seedCatalog(s);
    QVERIFY(createSession(s, kS1).error.isEmpty());
    QVERIFY(kv(s, u"set"_s, u"k"_s, "secret"));
    QVERIFY(kv(s, u"lock"_s, u"lk"_s, "held", 0, kS1));
    const QJsonObject r = txn(s,
        { kvOp(u"check-index"_s, u"k"_s, {}, getIndex(s, u"k"_s)),
            kvOp(u"check-session"_s, u"lk"_s, {}, 0, kS1) });
    const QJsonArray results = r.value(u"Results"_s).toArray();
    QCOMPARE(results.size(), 2);
    QCOMPARE(results.at(0)[u"KV"_s][u"Key"_s].toString(), u"k"_s);
    QCOMPARE(results.at(1)[u"KV"_s][u"Session"_s].toString(), kS1);
    // contract §1.2 / Consul txnKVS: only get (and get-tree) keep Value; everything else is cloned
    // with Value = nil.
    QVERIFY(results.at(0)[u"KV"_s][u"Value"_s].isNull());
    QVERIFY(results.at(1)[u"KV"_s][u"Value"_s].isNull());
}

void TestStateStore::txnGetOrEmpty()
{
    StateStore s;
    QVERIFY(kv(s, u"set"_s, u"k"_s, "v"));
    const QJsonObject r = txn(s, { kvOp(u"get-or-empty"_s, u"k"_s), kvOp(u"get-or-empty"_s, u"missing"_s) });
    QVERIFY2(r.value(u"Errors"_s).isUndefined() || r.value(u"Errors"_s).isNull(), qPrintable(text(r)));
    const QJsonArray results = r.value(u"Results"_s).toArray();
    QCOMPARE(results.size(), 2);
    QCOMPARE(results.at(0)[u"KV"_s][u"Value"_s].toString(), QString::fromLatin1(QByteArray("v").toBase64()));
    QVERIFY(results.at(1)[u"KV"_s][u"Value"_s].isNull() || results.at(1)[u"KV"_s].isNull());
}

void TestStateStore::txnFailingOpRollsBackEverything()
{
    StateStore s;
    seedCatalog(s);
    QVERIFY(createSession(s, kS1).error.isEmpty());
    QVERIFY(kv(s, u"set"_s, u"keep"_s, "k"));
    QVERIFY(kv(s, u"set"_s, u"tree/a"_s, "t"));
    const QJsonObject before = dump(s, { u"tree/"_s });

    const QJsonObject r = txn(s,
        {
            kvOp(u"set"_s, u"new"_s, "n"),
            kvOp(u"set"_s, u"keep"_s, "changed"),
            kvOp(u"delete-tree"_s, u"tree/"_s),
            kvOp(u"lock"_s, u"lk"_s, "l", 0, kS1),
            kvOp(u"cas"_s, u"keep"_s, "x", 999), // fails
            kvOp(u"set"_s, u"after"_s, "a"),
        });
    const QJsonArray errors = r.value(u"Errors"_s).toArray();
    QCOMPARE(errors.size(), 1);
    QCOMPARE(errors.at(0)[u"OpIndex"_s].toInt(), 4);
    QVERIFY(r.value(u"Results"_s).isUndefined() || r.value(u"Results"_s).isNull());

    QJsonObject after = dump(s, { u"tree/"_s });
    QCOMPARE(after.value(u"lastIndex"_s).toDouble(), before.value(u"lastIndex"_s).toDouble() + 1);
    after[u"lastIndex"_s] = before.value(u"lastIndex"_s);
    COMPARE_DUMPS(after, before);
}

void TestStateStore::txnReportsEveryErrorWithOpIndex()
{
    StateStore s;
    seedCatalog(s);
    QVERIFY(createSession(s, kS1).error.isEmpty());
    QVERIFY(kv(s, u"set"_s, u"present"_s, "p"));
    QVERIFY(kv(s, u"set"_s, u"unlocked"_s, "u"));

    const QJsonObject r = txn(s,
        {
            kvOp(u"get"_s, u"missing"_s), // 0: fails
            kvOp(u"set"_s, u"fine"_s, "f"), // 1
            kvOp(u"check-not-exists"_s, u"present"_s), // 2: fails
            kvOp(u"check-index"_s, u"present"_s, {}, 12345), // 3: fails
            kvOp(u"check-index"_s, u"missing"_s, {}, 1), // 4: fails
            kvOp(u"check-session"_s, u"unlocked"_s, {}, 0, kS1), // 5: fails
            kvOp(u"delete-cas"_s, u"present"_s, {}, 12345), // 6: fails
            kvOp(u"lock"_s, u"x"_s, "v", 0, kS3), // 7: unknown session
            kvOp(u"unlock"_s, u"unlocked"_s, "v", 0, kS1), // 8: not held
            kvOp(u"bogus"_s, u"x"_s), // 9: unknown verb
            QCborMap { { u"kind"_s, u"martian"_s } }, // 10: unknown kind
        });
    const QJsonArray errors = r.value(u"Errors"_s).toArray();
    QList<int> opIndexes;
    for (const QJsonValue &e : errors) {
        opIndexes.append(e[u"OpIndex"_s].toInt());
        QVERIFY2(!e[u"What"_s].toString().isEmpty(), qPrintable(text(e)));
    }
    QCOMPARE(opIndexes, (QList<int> { 0, 2, 3, 4, 5, 6, 7, 8, 9, 10 }));
    QVERIFY(errors.at(0)[u"What"_s].toString().contains(u"missing"_s));
    QVERIFY(errors.at(6)[u"What"_s].toString().contains(u"invalid session"_s));
    QVERIFY(!get(s, u"fine"_s));
}

void TestStateStore::txnCatalogOps()
{
    StateStore s;
    seedCatalog(s);
    const QJsonObject r = txn(s,
        {
            nodeOp(u"set"_s, obj(R"({"Node":"n2","Address":"10.0.0.2"})")), // 0
            serviceOp(u"set"_s, u"n2"_s, obj(R"({"ID":"db1","Service":"db","Port":5432})")), // 1
            checkOp(u"set"_s, obj(R"({"Node":"n2","CheckID":"db-ok","Name":"db",
                                                              "Status":"passing","ServiceID":"db1"})")), // 2
            nodeOp(u"get"_s, obj(R"({"Node":"N1"})")), // 3: by the name in any case
            serviceOp(u"get"_s, u"n1"_s, obj(R"({"ID":"web1"})")), // 4
            checkOp(u"get"_s, obj(R"({"Node":"n1","CheckID":"web-alive"})")), // 5
            checkOp(u"delete"_s, obj(R"({"Node":"n1","CheckID":"web-alive"})")), // 6
        });
    QVERIFY2(r.value(u"Errors"_s).isUndefined() || r.value(u"Errors"_s).isNull(), qPrintable(text(r)));
    const QJsonArray results = r.value(u"Results"_s).toArray();
    QCOMPARE(results.size(), 6);
    QCOMPARE(results.at(0)[u"Node"_s][u"Node"_s].toString(), u"n2"_s);
    QCOMPARE(results.at(1)[u"Service"_s][u"Service"_s].toString(), u"db"_s);
    QCOMPARE(results.at(2)[u"Check"_s][u"ServiceName"_s].toString(), u"db"_s);
    QCOMPARE(results.at(3)[u"Node"_s][u"Address"_s].toString(), u"10.0.0.1"_s);
    QCOMPARE(results.at(3)[u"Node"_s][u"Node"_s].toString(), u"n1"_s);
    QCOMPARE(results.at(4)[u"Service"_s][u"Port"_s].toInt(), 80);
    QCOMPARE(results.at(5)[u"Check"_s][u"Status"_s].toString(), u"passing"_s);
    QVERIFY(s.findNode(u"n2"_s));
    QVERIFY(s.findService(u"n2"_s, u"db1"_s));
    QVERIFY(s.findCheck(u"n2"_s, u"db-ok"_s));
    QVERIFY(!s.findCheck(u"n1"_s, u"web-alive"_s));

    // Failures: missing node for a service, stale CAS, unknown check, missing service for a check.
    const quint64 n2Index = s.findNode(u"n2"_s)->modifyIndex;
    const QJsonObject bad = txn(s,
        {
            serviceOp(u"set"_s, u"ghost"_s, obj(R"({"ID":"x","Service":"x"})")),
            nodeOp(u"cas"_s, obj(R"({"Node":"n2","Address":"10.9.9.9"})"), n2Index + 1),
            nodeOp(u"delete-cas"_s, obj(R"({"Node":"n2"})"), n2Index + 1),
            checkOp(u"get"_s, obj(R"({"Node":"n2","CheckID":"nope"})")),
            checkOp(u"set"_s, obj(R"({"Node":"n2","CheckID":"c","Status":"passing",
                                                                "ServiceID":"nope"})")),
            nodeOp(u"cas"_s, obj(R"({"Node":"n3","Address":"10.0.0.3"})"), 0), // ok
        });
    QList<int> opIndexes;
    for (const QJsonValue &e : bad.value(u"Errors"_s).toArray())
        opIndexes.append(e[u"OpIndex"_s].toInt());
    QCOMPARE(opIndexes, (QList<int> { 0, 1, 2, 3, 4 }));
    QCOMPARE(s.findNode(u"n2"_s)->address, u"10.0.0.2"_s);
    QVERIFY(!s.findNode(u"n3"_s));

    // delete-cas and delete find the node by its name in any case too.
    const quint64 n1Index = s.findNode(u"n1"_s)->modifyIndex;
    const QJsonObject deleted = txn(s,
        { nodeOp(u"delete-cas"_s, obj(R"({"Node":"N1"})"), n1Index), nodeOp(u"delete"_s, obj(R"({"Node":"N2"})")) });
    QVERIFY2(deleted.value(u"Errors"_s).isUndefined() || deleted.value(u"Errors"_s).isNull(), qPrintable(text(deleted)));
    QVERIFY(!s.findNode(u"n1"_s));
    QVERIFY(!s.findNode(u"n2"_s));
    QVERIFY(!s.findService(u"n2"_s, u"db1"_s));
}

void TestStateStore::txnRollbackRestoresCatalogSessionsAndLocks()
{
    StateStore s;
    seedCatalog(s);
    QVERIFY(createSession(
        s, kS1, sessionBody(u"n1"_s, u"release"_s, 15 * kSecond, { u"serfHealth"_s }, { u"web-alive"_s }))
                .error.isEmpty());
    QVERIFY(kv(s, u"lock"_s, u"lk"_s, "held", 0, kS1));
    const QJsonObject before = dump(s);

    // The check turning critical invalidates kS1 (releasing "lk" with a lock delay) and the node
    // and service writes touch every catalog table — then the last op fails.
    const QJsonObject r = txn(s,
        {
            checkOp(u"set"_s, obj(R"({"Node":"n1","CheckID":"web-alive","Name":"web alive",
                                                              "Status":"critical","ServiceID":"web1"})")),
            nodeOp(u"set"_s, obj(R"({"Node":"n9","Address":"10.0.0.9"})")),
            serviceOp(u"set"_s, u"n1"_s, obj(R"({"ID":"web1","Service":"web","Port":81})")),
            serviceOp(u"delete"_s, u"n1"_s, obj(R"({"ID":"web1"})")),
            nodeOp(u"delete"_s, obj(R"({"Node":"n1"})")),
            kvOp(u"get"_s, u"missing"_s),
        });
    QCOMPARE(r.value(u"Errors"_s).toArray().size(), 1);

    QJsonObject after = dump(s);
    after[u"lastIndex"_s] = before.value(u"lastIndex"_s);
    COMPARE_DUMPS(after, before);
    QVERIFY(hasSession(s, kS1));
    QCOMPARE(get(s, u"lk"_s)->session, kS1);
    QCOMPARE(s.lockDelayUntil(u"lk"_s), qint64(0));
    // The session still owns the key: destroying it releases the lock.
    QVERIFY(apply(s, command::sessionDestroy(kS1, kNow)).error.isEmpty());
    QVERIFY(get(s, u"lk"_s)->session.isEmpty());
}

void TestStateStore::txnUnlockWithoutSessionFails()
{
    StateStore s;
    QVERIFY(kv(s, u"set"_s, u"k"_s, "v"));
    const QJsonObject r = txn(s, { kvOp(u"unlock"_s, u"k"_s, "overwritten") });
    // Consul's kvsUnlockTxn: `if entry.Session == "" { return false, fmt.Errorf("missing session") }`.
    QCOMPARE(r.value(u"Errors"_s).toArray().size(), 1);
    QCOMPARE(get(s, u"k"_s)->value, QByteArray("v"));
}

// ================================================================ catalog and health

void TestStateStore::registerNodeServiceAndChecks()
{
    StateStore s;
    QJsonObject body = obj(R"({"ID":"0ad8c8a2-7d4e-4c70-8d0e-2b8d1e7c3f11","Node":"n1","Address":"10.0.0.1",
        "Datacenter":"dc1","TaggedAddresses":{"wan":"198.51.100.1"},"NodeMeta":{"env":"prod"},
        "Service":{"Service":"web","Tags":["v1","v2"],"Port":80,"Meta":{"m":"1"}},
        "Check":{"Name":"node-ok","Status":"passing"},
        "Checks":[{"CheckID":"web-http","Name":"web http","Status":"warning","ServiceID":"web","Notes":"n"}]})");
    const ApplyResult r = registerBody(s, body, kNow);
    QVERIFY2(r.error.isEmpty(), qPrintable(r.error));
    QCOMPARE(r.value.toBool(), true);

    QList<api::Node> nodes;
    QCOMPARE(s.nodes(&nodes), quint64(1));
    QCOMPARE(nodes.size(), 1);
    QCOMPARE(nodes[0].node, u"n1"_s);
    QCOMPARE(nodes[0].id, u"0ad8c8a2-7d4e-4c70-8d0e-2b8d1e7c3f11"_s);
    QCOMPARE(nodes[0].address, u"10.0.0.1"_s);
    QCOMPARE(nodes[0].datacenter, u"dc1"_s);
    QCOMPARE(nodes[0].taggedAddresses.value(u"wan"_s), u"198.51.100.1"_s);
    QCOMPARE(nodes[0].meta.value(u"env"_s), u"prod"_s);
    QCOMPARE(nodes[0].createIndex, quint64(1));
    QCOMPARE(nodes[0].modifyIndex, quint64(1));

    std::optional<api::Node> node;
    QList<api::Service> services;
    s.node(u"n1"_s, &node, &services);
    QVERIFY(node);
    QCOMPARE(services.size(), 1);
    QCOMPARE(services[0].id, u"web"_s); // ID defaults to the name
    QCOMPARE(services[0].tags, (QStringList { u"v1"_s, u"v2"_s }));
    QCOMPARE(services[0].port, 80);
    std::optional<api::Node> none;
    s.node(u"ghost"_s, &none, &services);
    QVERIFY(!none);

    QMap<QString, QStringList> catalog;
    s.services(&catalog);
    QCOMPARE(catalog.keys(), QStringList { u"web"_s });
    QCOMPARE(catalog.value(u"web"_s), (QStringList { u"v1"_s, u"v2"_s }));

    QList<ServiceInstance> instances;
    s.serviceNodes(u"web"_s, &instances);
    QCOMPARE(instances.size(), 1);
    QCOMPARE(instances[0].node.node, u"n1"_s);
    QCOMPARE(instances[0].service.service, u"web"_s);

    QList<api::HealthCheck> checks;
    s.nodeChecks(u"n1"_s, &checks);
    QCOMPARE(checks.size(), 2);
    const api::HealthCheck *nodeCheck = s.findCheck(u"n1"_s, u"node-ok"_s); // CheckID defaults to Name
    QVERIFY(nodeCheck);
    QCOMPARE(nodeCheck->node, u"n1"_s);
    QVERIFY(nodeCheck->serviceId.isEmpty());
    const api::HealthCheck *svcCheck = s.findCheck(u"n1"_s, u"web-http"_s);
    QVERIFY(svcCheck);
    QCOMPARE(svcCheck->serviceName, u"web"_s);
    QCOMPARE(svcCheck->serviceTags, (QStringList { u"v1"_s, u"v2"_s }));
    QCOMPARE(svcCheck->status, u"warning"_s);
    QCOMPARE(svcCheck->notes, u"n"_s);

    checks.clear();
    s.serviceChecks(u"web"_s, &checks);
    QCOMPARE(checks.size(), 1);
    QCOMPARE(checks[0].checkId, u"web-http"_s);

    checks.clear();
    s.checksInState(u"warning"_s, &checks);
    QCOMPARE(checks.size(), 1);
    checks.clear();
    s.checksInState(u"passing"_s, &checks);
    QCOMPARE(checks.size(), 1);
    checks.clear();
    s.checksInState(u"critical"_s, &checks);
    QCOMPARE(checks.size(), 0);
    checks.clear();
    s.checksInState(u"any"_s, &checks);
    QCOMPARE(checks.size(), 2);

    // A check without Status is critical.
    QVERIFY(registerBody(s, obj(R"({"Node":"n1","Address":"10.0.0.1","Check":{"Name":"fresh"}})"))
                .error.isEmpty());
    QCOMPARE(s.findCheck(u"n1"_s, u"fresh"_s)->status, u"critical"_s);
}

void TestStateStore::registerCheckForUnknownServiceChangesNothing()
{
    StateStore s;
    seedCatalog(s);
    const QJsonObject before = dump(s);
    QJsonObject body = nodeBody(u"n2"_s, u"10.0.0.2"_s);
    body.insert(u"Service"_s, obj(R"({"ID":"db1","Service":"db"})"));
    body.insert(u"Checks"_s,
        QJsonArray { obj(R"({"CheckID":"ok","Name":"ok","Status":"passing","ServiceID":"db1"})"),
            obj(R"({"CheckID":"bad","Name":"bad","Status":"passing","ServiceID":"nope"})") });
    const ApplyResult r = registerBody(s, body);
    QVERIFY(!r.error.isEmpty());
    QVERIFY2(r.error.contains(u"Missing service registration"_s), qPrintable(r.error));

    QJsonObject after = dump(s);
    QCOMPARE(after.value(u"lastIndex"_s).toDouble(), before.value(u"lastIndex"_s).toDouble() + 1);
    after[u"lastIndex"_s] = before.value(u"lastIndex"_s);
    COMPARE_DUMPS(after, before);
    QVERIFY(!s.findNode(u"n2"_s));

    // Same for an existing node: a service check naming a service registered on another node.
    QJsonObject existing = nodeBody(u"n1"_s);
    existing.insert(u"Check"_s, obj(R"({"CheckID":"x","Name":"x","Status":"passing","ServiceID":"db1"})"));
    QVERIFY(!registerBody(s, existing).error.isEmpty());
    QVERIFY(!s.findCheck(u"n1"_s, u"x"_s));
}

void TestStateStore::registerRejected_data()
{
    QTest::addColumn<QString>("body");
    QTest::addColumn<QString>("error");

    QTest::newRow("no node") << uR"({"Address":"10.0.0.5"})"_s << u"Must provide node"_s;
    QTest::newRow("no address") << uR"({"Node":"n5"})"_s << u"Must provide address"_s;
    QTest::newRow("service without name")
        << uR"({"Node":"n5","Address":"10.0.0.5","Service":{"ID":"x","Port":1}})"_s << u"service name"_s;
    QTest::newRow("bad status")
        << uR"({"Node":"n5","Address":"10.0.0.5","Check":{"Name":"c","Status":"dead"}})"_s
        << u"Invalid check status"_s;
    QTest::newRow("check for another node")
        << uR"({"Node":"n5","Address":"10.0.0.5","Check":{"Node":"n1","Name":"c","Status":"passing"}})"_s
        << u"Node mismatch"_s;
    QTest::newRow("check without id or name")
        << uR"({"Node":"n5","Address":"10.0.0.5","Check":{"Status":"passing"}})"_s << u"CheckID"_s;
    QTest::newRow("wrong type") << uR"({"Node":"n5","Address":7})"_s << u"Request decode failed"_s;
}

void TestStateStore::registerRejected()
{
    QFETCH(QString, body);
    QFETCH(QString, error);
    StateStore s;
    seedCatalog(s);
    QJsonObject before = dump(s);
    const ApplyResult r = registerBody(s, QJsonDocument::fromJson(body.toUtf8()).object());
    QVERIFY2(r.error.contains(error), qPrintable(r.error));
    QJsonObject after = dump(s);
    after[u"lastIndex"_s] = before.value(u"lastIndex"_s);
    COMPARE_DUMPS(after, before);
}

void TestStateStore::unchangedReregisterKeepsIndexes()
{
    StateStore s;
    QJsonObject body = obj(R"({"Node":"n1","Address":"10.0.0.1","NodeMeta":{"a":"b"},
        "Service":{"ID":"web1","Service":"web","Tags":["t"],"Port":80},
        "Checks":[{"CheckID":"serfHealth","Name":"Serf Health Status","Status":"passing"},
                  {"CheckID":"web-ok","Name":"web","Status":"passing","ServiceID":"web1"}]})");
    QVERIFY(registerBody(s, body).error.isEmpty());
    QVERIFY(kv(s, u"set"_s, u"bump"_s, "v")); // move the global index on
    const QJsonObject before = dump(s);

    int fired = 0;
    WatchSet ws;
    QList<api::Node> nodes;
    s.nodes(&nodes, &ws);
    QList<HealthEntry> health;
    s.healthService(u"web"_s, &health, &ws);
    auto watch = s.watches().watch(ws, [&fired] { ++fired; });

    const ApplyResult r = registerBody(s, body);
    QVERIFY(r.error.isEmpty());
    QCOMPARE(r.value.toBool(), true);
    QJsonObject after = dump(s);
    after[u"lastIndex"_s] = before.value(u"lastIndex"_s);
    COMPARE_DUMPS(after, before);
    QCOMPARE(s.findNode(u"n1"_s)->modifyIndex, quint64(1));
    QCOMPARE(s.findService(u"n1"_s, u"web1"_s)->modifyIndex, quint64(1));
    QCOMPARE(s.findCheck(u"n1"_s, u"web-ok"_s)->modifyIndex, quint64(1));
    QCOMPARE(fired, 0); // and blocking queries are not woken
}

void TestStateStore::changedReregisterBumpsOnlyWhatChanged()
{
    StateStore s;
    seedCatalog(s); // 1
    QVERIFY(kv(s, u"set"_s, u"bump"_s, "v")); // 2

    // Service port changes; node and checks as before.
    QJsonObject body = nodeBody(u"n1"_s);
    body.insert(u"Service"_s, obj(R"({"ID":"web1","Service":"web","Tags":["v1"],"Port":81})"));
    body.insert(u"Checks"_s,
        QJsonArray {
            obj(R"({"CheckID":"web-alive","Name":"web alive","Status":"passing","ServiceID":"web1"})") });
    QVERIFY(registerBody(s, body).error.isEmpty()); // 3
    QCOMPARE(s.findNode(u"n1"_s)->modifyIndex, quint64(1));
    QCOMPARE(s.findService(u"n1"_s, u"web1"_s)->modifyIndex, quint64(3));
    QCOMPARE(s.findService(u"n1"_s, u"web1"_s)->createIndex, quint64(1));
    QCOMPARE(s.findCheck(u"n1"_s, u"web-alive"_s)->modifyIndex, quint64(1));
    QCOMPARE(s.tableIndex(u"nodes"), quint64(1));
    QCOMPARE(s.tableIndex(u"services"), quint64(3));
    QCOMPARE(s.tableIndex(u"checks"), quint64(1));

    // Tags change: the service check carries the new tags.
    body.insert(u"Service"_s, obj(R"({"ID":"web1","Service":"web","Tags":["v2"],"Port":81})"));
    QVERIFY(registerBody(s, body).error.isEmpty()); // 4
    QCOMPARE(s.findCheck(u"n1"_s, u"web-alive"_s)->serviceTags, QStringList { u"v2"_s });
    QCOMPARE(s.findCheck(u"n1"_s, u"web-alive"_s)->modifyIndex, quint64(4));

    // Node address changes: node bumps, and so does the index of the services on it.
    QJsonObject moved = nodeBody(u"n1"_s, u"10.0.0.99"_s);
    QVERIFY(registerBody(s, moved).error.isEmpty()); // 5
    QCOMPARE(s.findNode(u"n1"_s)->modifyIndex, quint64(5));
    QCOMPARE(s.findNode(u"n1"_s)->createIndex, quint64(1));
    QCOMPARE(s.findService(u"n1"_s, u"web1"_s)->modifyIndex, quint64(4));
    QList<ServiceInstance> instances;
    QCOMPARE(s.serviceNodes(u"web"_s, &instances), quint64(5));
    QCOMPARE(instances.at(0).node.address, u"10.0.0.99"_s);

    // SkipNodeUpdate leaves an existing node alone (and needs no address).
    QVERIFY(
        registerBody(s, obj(R"({"Node":"n1","SkipNodeUpdate":true,"NodeMeta":{"x":"y"}})")).error.isEmpty());
    QCOMPARE(s.findNode(u"n1"_s)->modifyIndex, quint64(5));
    QVERIFY(s.findNode(u"n1"_s)->meta.isEmpty());
}

void TestStateStore::reregisterServiceUnderNewName()
{
    StateStore s;
    seedCatalog(s); // web1 is "web", with check web-alive
    QJsonObject body = nodeBody(u"n1"_s);
    body.insert(u"Service"_s, obj(R"({"ID":"web1","Service":"frontend","Tags":["v9"]})"));
    QVERIFY(registerBody(s, body).error.isEmpty());
    const quint64 index = s.lastIndex();

    QMap<QString, QStringList> catalog;
    s.services(&catalog);
    QCOMPARE(catalog.keys(), QStringList { u"frontend"_s });
    QList<ServiceInstance> instances;
    QCOMPARE(s.serviceNodes(u"web"_s, &instances), index); // the old name's readers see the change
    QVERIFY(instances.isEmpty());
    QCOMPARE(s.serviceNodes(u"frontend"_s, &instances), index);
    QCOMPARE(instances.size(), 1);
    QCOMPARE(s.findService(u"n1"_s, u"web1"_s)->createIndex, quint64(1));
    // The service's checks follow it.
    const api::HealthCheck *check = s.findCheck(u"n1"_s, u"web-alive"_s);
    QCOMPARE(check->serviceName, u"frontend"_s);
    QCOMPARE(check->serviceTags, QStringList { u"v9"_s });
    QList<api::HealthCheck> checks;
    s.serviceChecks(u"web"_s, &checks);
    QVERIFY(checks.isEmpty());
    s.serviceChecks(u"frontend"_s, &checks);
    QCOMPARE(checks.size(), 1);
    QList<HealthEntry> health;
    s.healthService(u"web"_s, &health);
    QVERIFY(health.isEmpty());
}

void TestStateStore::deregisterService()
{
    StateStore s;
    seedCatalog(s);
    QVERIFY(registerBody(s, obj(R"({"Node":"n1","Address":"10.0.0.1","Service":{"ID":"db1","Service":"db"},
        "Check":{"CheckID":"db-ok","Name":"db","Status":"passing","ServiceID":"db1"}})"))
                .error.isEmpty());
    QVERIFY(deregister(s, u"n1"_s, u"web1"_s).error.isEmpty());
    QVERIFY(!s.findService(u"n1"_s, u"web1"_s));
    QVERIFY(!s.findCheck(u"n1"_s, u"web-alive"_s)); // its checks go with it
    QVERIFY(s.findCheck(u"n1"_s, u"serfHealth"_s));
    QVERIFY(s.findCheck(u"n1"_s, u"db-ok"_s));
    QVERIFY(s.findService(u"n1"_s, u"db1"_s));
    QMap<QString, QStringList> catalog;
    s.services(&catalog);
    QCOMPARE(catalog.keys(), QStringList { u"db"_s });
    QList<ServiceInstance> instances;
    QCOMPARE(s.serviceNodes(u"web"_s, &instances), s.lastIndex()); // the removal moved web's index
    QVERIFY(instances.isEmpty());

    // Deregistering something unknown is a successful no-op.
    const quint64 services = s.tableIndex(u"services");
    const ApplyResult r = deregister(s, u"n1"_s, u"nope"_s);
    QVERIFY(r.error.isEmpty());
    QCOMPARE(r.value.toBool(), true);
    QCOMPARE(s.tableIndex(u"services"), services);
    QVERIFY(!deregister(s, QString()).error.isEmpty()); // but a node name is required
}

void TestStateStore::deregisterCheck()
{
    StateStore s;
    seedCatalog(s);
    QVERIFY(deregister(s, u"n1"_s, {}, u"web-alive"_s).error.isEmpty());
    QVERIFY(!s.findCheck(u"n1"_s, u"web-alive"_s));
    QVERIFY(s.findService(u"n1"_s, u"web1"_s)); // the service stays
    QVERIFY(s.findNode(u"n1"_s));
    QCOMPARE(s.tableIndex(u"checks"), s.lastIndex());
}

// As Consul's FSM applyDeregister: the node name in any case (its lower-case name index); with
// both a ServiceID and a CheckID only the service goes.
void TestStateStore::deregisterByNodeNameInAnyCase()
{
    StateStore s;
    seedCatalog(s);
    QVERIFY(registerBody(s, obj(R"({"Node":"n1","Address":"10.0.0.1","Service":{"ID":"db1","Service":"db"}})"))
                .error.isEmpty());
    QVERIFY(deregister(s, u"N1"_s, u"db1"_s, u"serfHealth"_s).error.isEmpty());
    QVERIFY(!s.findService(u"n1"_s, u"db1"_s));
    QVERIFY(s.findCheck(u"n1"_s, u"serfHealth"_s));
    QVERIFY(deregister(s, u"N1"_s, {}, u"serfHealth"_s).error.isEmpty());
    QVERIFY(!s.findCheck(u"n1"_s, u"serfHealth"_s));
    QVERIFY(deregister(s, u"N1"_s).error.isEmpty());
    QVERIFY(!s.findNode(u"n1"_s));
    QVERIFY(!s.findService(u"n1"_s, u"web1"_s));
}

void TestStateStore::deregisterNodeRemovesServicesChecksAndSessions()
{
    StateStore s;
    seedCatalog(s);
    QVERIFY(registerBody(s, nodeBody(u"n2"_s, u"10.0.0.2"_s)).error.isEmpty());
    QVERIFY(createSession(s, kS1).error.isEmpty());
    QVERIFY(createSession(s, kS2, sessionBody(u"n2"_s)).error.isEmpty());
    QVERIFY(kv(s, u"lock"_s, u"lk"_s, "v", 0, kS1));

    QVERIFY(deregister(s, u"n1"_s, {}, {}, kNow + 500).error.isEmpty());
    QVERIFY(!s.findNode(u"n1"_s));
    QVERIFY(!s.findService(u"n1"_s, u"web1"_s));
    QVERIFY(!s.findCheck(u"n1"_s, u"serfHealth"_s));
    QVERIFY(!s.findCheck(u"n1"_s, u"web-alive"_s));
    QList<api::HealthCheck> checks;
    s.nodeChecks(u"n1"_s, &checks);
    QVERIFY(checks.isEmpty());
    QList<api::Session> sessions;
    s.nodeSessions(u"n1"_s, &sessions);
    QVERIFY(sessions.isEmpty());
    QVERIFY(!hasSession(s, kS1));
    QVERIFY(hasSession(s, kS2)); // other nodes' sessions stay
    QVERIFY(s.findNode(u"n2"_s));
    QMap<QString, QStringList> catalog;
    s.services(&catalog);
    QVERIFY(catalog.isEmpty());

    // The lock held by the node's session is released, with the lock delay from the command's now.
    QVERIFY(get(s, u"lk"_s)->session.isEmpty());
    QCOMPARE(s.lockDelayUntil(u"lk"_s), kNow + 500 + 15000);
    const quint64 index = s.lastIndex();
    QCOMPARE(s.tableIndex(u"nodes"), index);
    QCOMPARE(s.tableIndex(u"services"), index);
    QCOMPARE(s.tableIndex(u"checks"), index);
    QCOMPARE(s.tableIndex(u"sessions"), index);
}

void TestStateStore::healthServiceEntries()
{
    StateStore s;
    seedCatalog(s);
    QVERIFY(registerBody(s, obj(R"({"Node":"n1","Address":"10.0.0.1",
        "Service":{"ID":"db1","Service":"db"},
        "Checks":[{"CheckID":"db-ok","Name":"db","Status":"critical","ServiceID":"db1"},
                  {"CheckID":"disk","Name":"disk","Status":"warning"}]})"))
                .error.isEmpty());
    QVERIFY(registerBody(s, obj(R"({"Node":"n2","Address":"10.0.0.2",
        "Service":{"ID":"web2","Service":"web","Tags":["v2"]},
        "Checks":[{"CheckID":"serfHealth","Name":"Serf","Status":"passing"},
                  {"CheckID":"web2-a","Name":"a","Status":"passing","ServiceID":"web2"},
                  {"CheckID":"web2-b","Name":"b","Status":"critical","ServiceID":"web2"}]})"))
                .error.isEmpty());

    QList<HealthEntry> entries;
    s.healthService(u"web"_s, &entries);
    QCOMPARE(entries.size(), 2);
    QCOMPARE(entries[0].node.node, u"n1"_s);
    QCOMPARE(entries[0].service.id, u"web1"_s);
    auto ids = [](const QList<api::HealthCheck> &checks) {
        QStringList out;
        for (const api::HealthCheck &c : checks)
            out.append(c.checkId);
        return out;
    };
    // Node checks first (every node-level check), then this service's, never other services'.
    QCOMPARE(ids(entries[0].checks), (QStringList { u"disk"_s, u"serfHealth"_s, u"web-alive"_s }));
    QCOMPARE(entries[1].node.node, u"n2"_s);
    QCOMPARE(entries[1].service.tags, QStringList { u"v2"_s });
    QCOMPARE(ids(entries[1].checks), (QStringList { u"serfHealth"_s, u"web2-a"_s, u"web2-b"_s }));

    entries.clear();
    s.healthService(u"db"_s, &entries);
    QCOMPARE(entries.size(), 1);
    QCOMPARE(ids(entries[0].checks), (QStringList { u"disk"_s, u"serfHealth"_s, u"db-ok"_s }));

    entries.clear();
    s.healthService(u"nope"_s, &entries);
    QVERIFY(entries.isEmpty());
}

// ================================================================ sessions

void TestStateStore::sessionCreateStoresFields()
{
    StateStore s;
    seedCatalog(s);
    QJsonObject body
        = sessionBody(u"n1"_s, u"delete"_s, 5 * kSecond, { u"serfHealth"_s }, { u"web-alive"_s });
    body.insert(u"Name"_s, u"my-lock"_s);
    body.insert(u"TTL"_s, u"30s"_s);
    const ApplyResult r = createSession(s, kS1, body);
    QVERIFY2(r.error.isEmpty(), qPrintable(r.error));
    QCOMPARE(r.value.toString(), kS1);

    std::optional<api::Session> out;
    QCOMPARE(s.session(kS1, &out), s.lastIndex());
    QVERIFY(out);
    QCOMPARE(out->id, kS1);
    QCOMPARE(out->name, u"my-lock"_s);
    QCOMPARE(out->node, u"n1"_s);
    QCOMPARE(out->behavior, u"delete"_s);
    QCOMPARE(out->lockDelay, 5 * kSecond);
    QCOMPARE(out->ttl, u"30s"_s);
    QCOMPARE(out->nodeChecks, QStringList { u"serfHealth"_s });
    QCOMPARE(out->serviceChecks, QStringList { u"web-alive"_s });
    QCOMPARE(out->createIndex, s.lastIndex());
    QCOMPARE(out->modifyIndex, s.lastIndex());

    QVERIFY(
        createSession(s, kS2, sessionBody(u"n1"_s, u"release"_s, 0, {})).error.isEmpty()); // no checks at all
    QList<api::Session> all;
    QCOMPARE(s.sessions(&all), s.lastIndex());
    QCOMPARE(all.size(), 2);
    QList<api::Session> ofNode;
    s.nodeSessions(u"n1"_s, &ofNode);
    QCOMPARE(ofNode.size(), 2);
    ofNode.clear();
    s.nodeSessions(u"n2"_s, &ofNode);
    QVERIFY(ofNode.isEmpty());
    std::optional<api::Session> missing;
    s.session(kS3, &missing);
    QVERIFY(!missing);
}

void TestStateStore::sessionCreateRejected_data()
{
    QTest::addColumn<QString>("node");
    QTest::addColumn<QStringList>("nodeChecks");
    QTest::addColumn<QStringList>("serviceChecks");
    QTest::addColumn<QString>("id");
    QTest::addColumn<QString>("error");

    QTest::newRow("unknown node") << u"ghost"_s << QStringList() << QStringList() << kS2
                                  << u"Missing node registration"_s;
    QTest::newRow("unknown node check") << u"n1"_s << QStringList { u"nope"_s } << QStringList() << kS2
                                        << u"Missing check 'nope' registration"_s;
    QTest::newRow("critical node check") << u"n1"_s << QStringList { u"serfHealth"_s, u"bad"_s }
                                         << QStringList() << kS2 << u"Check 'bad' is in critical state"_s;
    QTest::newRow("critical service check") << u"n1"_s << QStringList() << QStringList { u"web-bad"_s } << kS2
                                            << u"Check 'web-bad' is in critical state"_s;
    QTest::newRow("check of another node") << u"n1"_s << QStringList { u"n2-only"_s } << QStringList() << kS2
                                           << u"Missing check 'n2-only' registration"_s;
    QTest::newRow("duplicate id") << u"n1"_s << QStringList() << QStringList() << kS1 << u"already exists"_s;
}

void TestStateStore::sessionCreateRejected()
{
    QFETCH(QString, node);
    QFETCH(QStringList, nodeChecks);
    QFETCH(QStringList, serviceChecks);
    QFETCH(QString, id);
    QFETCH(QString, error);

    StateStore s;
    seedCatalog(s);
    QVERIFY(registerBody(s, obj(R"({"Node":"n1","Address":"10.0.0.1",
        "Checks":[{"CheckID":"bad","Name":"bad","Status":"critical"},
                  {"CheckID":"web-bad","Name":"web bad","Status":"critical","ServiceID":"web1"}]})"))
                .error.isEmpty());
    QVERIFY(registerBody(s, obj(R"({"Node":"n2","Address":"10.0.0.2",
        "Check":{"CheckID":"n2-only","Name":"x","Status":"passing"}})"))
                .error.isEmpty());
    QVERIFY(createSession(s, kS1).error.isEmpty());
    const quint64 sessionsIndex = s.tableIndex(u"sessions");

    const ApplyResult r = createSession(s, id, sessionBody(node, u"release"_s, 0, nodeChecks, serviceChecks));
    QVERIFY2(r.error.contains(error), qPrintable(r.error));
    QList<api::Session> all;
    s.sessions(&all);
    QCOMPARE(all.size(), 1);
    QCOMPARE(all[0].node, u"n1"_s); // the pre-existing one, untouched
    QCOMPARE(s.tableIndex(u"sessions"), sessionsIndex);
}

void TestStateStore::sessionDestroyRelease()
{
    StateStore s;
    seedCatalog(s);
    QVERIFY(createSession(s, kS1).error.isEmpty());
    QVERIFY(createSession(s, kS2).error.isEmpty());
    QVERIFY(kv(s, u"lock"_s, u"a"_s, "va", 0, kS1, kNow, 3));
    QVERIFY(kv(s, u"lock"_s, u"b"_s, "vb", 0, kS1));
    QVERIFY(kv(s, u"lock"_s, u"c"_s, "vc", 0, kS2));
    const quint64 aCreate = get(s, u"a"_s)->createIndex;

    QVERIFY(apply(s, command::sessionDestroy(kS1, kNow + 100)).error.isEmpty());
    const quint64 index = s.lastIndex();
    QVERIFY(!hasSession(s, kS1));
    for (const QString &k : { u"a"_s, u"b"_s }) {
        const auto e = get(s, k);
        QVERIFY(e); // kept
        QVERIFY(e->session.isEmpty()); // released
        QCOMPARE(e->lockIndex, quint64(1));
        QCOMPARE(e->modifyIndex, index);
        QCOMPARE(s.lockDelayUntil(k), kNow + 100 + 15000);
    }
    QCOMPARE(get(s, u"a"_s)->value, QByteArray("va"));
    QCOMPARE(get(s, u"a"_s)->flags, quint64(3));
    QCOMPARE(get(s, u"a"_s)->createIndex, aCreate);
    QCOMPARE(get(s, u"c"_s)->session, kS2); // other sessions' locks untouched
    QCOMPARE(s.tableIndex(u"sessions"), index);
    QCOMPARE(s.tableIndex(u"kvs"), index);
    QCOMPARE(s.tombstoneCount(), 0);
}

void TestStateStore::sessionDestroyDelete()
{
    StateStore s;
    seedCatalog(s);
    QVERIFY(createSession(s, kS1, sessionBody(u"n1"_s, u"delete"_s, 2 * kSecond)).error.isEmpty());
    QVERIFY(kv(s, u"lock"_s, u"eph/a"_s, "va", 0, kS1));
    QVERIFY(kv(s, u"lock"_s, u"eph/b"_s, "vb", 0, kS1));
    QVERIFY(kv(s, u"set"_s, u"eph/plain"_s, "p"));

    QVERIFY(apply(s, command::sessionDestroy(kS1, kNow)).error.isEmpty());
    const quint64 index = s.lastIndex();
    QVERIFY(!get(s, u"eph/a"_s));
    QVERIFY(!get(s, u"eph/b"_s));
    QVERIFY(get(s, u"eph/plain"_s));
    QCOMPARE(s.tombstoneCount(), 2);
    QCOMPARE(listIndex(s, u"eph/"_s), index); // deletes are visible to prefix watchers
    QCOMPARE(s.lockDelayUntil(u"eph/a"_s), kNow + 2000);
}

void TestStateStore::sessionDestroyUnknownIsIdempotent()
{
    StateStore s;
    seedCatalog(s);
    QVERIFY(createSession(s, kS1).error.isEmpty());
    QVERIFY(apply(s, command::sessionDestroy(kS1, kNow)).error.isEmpty());
    const quint64 sessionsIndex = s.tableIndex(u"sessions");
    for (int i = 0; i < 2; ++i) {
        const ApplyResult r = apply(s, command::sessionDestroy(kS1, kNow));
        QVERIFY(r.error.isEmpty());
        QCOMPARE(r.value.toBool(), true);
    }
    const ApplyResult r = apply(s, command::sessionDestroy(kS3, kNow));
    QVERIFY(r.error.isEmpty());
    QCOMPARE(s.tableIndex(u"sessions"), sessionsIndex);
}

void TestStateStore::sessionInvalidatedWhenBoundCheckTurnsCritical_data()
{
    QTest::addColumn<QString>("checkJson");
    QTest::addColumn<bool>("invalidated");

    QTest::newRow("bound node check critical")
        << uR"({"CheckID":"serfHealth","Name":"Serf Health Status","Status":"critical"})"_s << true;
    QTest::newRow("bound service check critical")
        << uR"({"CheckID":"web-alive","Name":"web alive","Status":"critical","ServiceID":"web1"})"_s << true;
    QTest::newRow("bound check warning")
        << uR"({"CheckID":"serfHealth","Name":"Serf Health Status","Status":"warning"})"_s << false;
    QTest::newRow("unbound check critical")
        << uR"({"CheckID":"other","Name":"other","Status":"critical"})"_s << false;
}

// Consul finds a session's node, its checks, and the sessions of a node by lower-case indexes:
// a session made with the node name in another case keeps that name and goes with the node.
void TestStateStore::sessionOnNodeNamedInAnyCase()
{
    StateStore s;
    seedCatalog(s);
    const ApplyResult created
        = createSession(s, kS1, sessionBody(u"N1"_s, u"release"_s, 15 * kSecond, { u"serfHealth"_s }, { u"web-alive"_s }));
    QVERIFY2(created.error.isEmpty(), qPrintable(created.error));
    std::optional<api::Session> session;
    s.session(kS1, &session);
    QCOMPARE(session->node, u"N1"_s);
    // Its bound check turning critical invalidates it.
    QJsonObject body = nodeBody(u"n1"_s);
    body.insert(u"Check"_s, obj(R"({"CheckID":"web-alive","Name":"web alive","Status":"critical","ServiceID":"web1"})"));
    must(registerBody(s, body, kNow + 700));
    QVERIFY(!hasSession(s, kS1));
    // Its node's deregistration destroys it.
    must(createSession(s, kS2, sessionBody(u"n1"_s.toUpper())));
    must(deregister(s, u"n1"_s));
    QVERIFY(!hasSession(s, kS2));
}

void TestStateStore::sessionInvalidatedWhenBoundCheckTurnsCritical()
{
    QFETCH(QString, checkJson);
    QFETCH(bool, invalidated);

    StateStore s;
    seedCatalog(s);
    QVERIFY(registerBody(s, nodeBody(u"n2"_s, u"10.0.0.2"_s)).error.isEmpty());
    QVERIFY(createSession(
        s, kS1, sessionBody(u"n1"_s, u"release"_s, 15 * kSecond, { u"serfHealth"_s }, { u"web-alive"_s }))
                .error.isEmpty());
    // Same check names, other node: never affected.
    QVERIFY(createSession(s, kS2, sessionBody(u"n2"_s)).error.isEmpty());
    QVERIFY(kv(s, u"lock"_s, u"lk"_s, "v", 0, kS1));

    QJsonObject body = nodeBody(u"n1"_s);
    body.insert(u"Check"_s, QJsonDocument::fromJson(checkJson.toUtf8()).object());
    QVERIFY(registerBody(s, body, kNow + 700).error.isEmpty());

    QCOMPARE(hasSession(s, kS1), !invalidated);
    QVERIFY(hasSession(s, kS2));
    QCOMPARE(get(s, u"lk"_s)->session, invalidated ? QString() : kS1);
    QCOMPARE(s.lockDelayUntil(u"lk"_s), invalidated ? kNow + 700 + 15000 : 0);
    if (invalidated)
        QCOMPARE(s.tableIndex(u"sessions"), s.lastIndex());
}

void TestStateStore::sessionInvalidatedWhenBoundCheckIsDeregistered()
{
    StateStore s;
    seedCatalog(s);
    QVERIFY(createSession(s, kS1, sessionBody(u"n1"_s, u"release"_s, 15 * kSecond, {}, { u"web-alive"_s }))
                .error.isEmpty());
    QVERIFY(createSession(s, kS2).error.isEmpty()); // bound to serfHealth only
    QVERIFY(deregister(s, u"n1"_s, u"web1"_s).error.isEmpty()); // takes web-alive with it
    QVERIFY(!hasSession(s, kS1));
    QVERIFY(hasSession(s, kS2));
}

// ================================================================ snapshot / restore

void TestStateStore::snapshotRestoreRoundTrip()
{
    StateStore original;
    seedRichState(original);
    const QJsonObject expected = dump(original, kRichPrefixes);
    // Sanity: the fixture really has something everywhere.
    QVERIFY(original.tombstoneCount() > 0);
    QVERIFY(expected.value(u"sessions"_s).toArray().size() == 2);
    QVERIFY(get(original, u"locks/leader"_s)->session == kS1);

    const QByteArray snap = original.snapshot();
    QVERIFY(!snap.isEmpty());
    StateStore restored;
    QString error;
    QVERIFY2(restored.restore(snap, &error), qPrintable(error));
    COMPARE_DUMPS(dump(restored, kRichPrefixes), expected);
    // A snapshot of the restored store restores to the same state again.
    StateStore again;
    QVERIFY2(again.restore(restored.snapshot(), &error), qPrintable(error));
    COMPARE_DUMPS(dump(again, kRichPrefixes), expected);

    // Restoring over a store that already has data replaces it entirely.
    StateStore busy;
    seedCatalog(busy);
    kv(busy, u"set"_s, u"stale/key"_s, "x");
    QVERIFY2(busy.restore(snap, &error), qPrintable(error));
    COMPARE_DUMPS(dump(busy, kRichPrefixes), expected);
}

void TestStateStore::restoredStoreBehavesLikeTheOriginal()
{
    StateStore original;
    seedRichState(original);
    StateStore restored;
    QString error;
    QVERIFY2(restored.restore(original.snapshot(), &error), qPrintable(error));

    // The same commands at the same indexes keep the two identical: derived state (which keys a
    // session holds, which nodes a service is on) must have been rebuilt by restore.
    const QList<QCborMap> commands {
        command::sessionDestroy(kS1, kNow + 1), // releases locks/leader
        command::kv(u"lock"_s, u"locks/new"_s, "x", 0, 0, kS2, kNow + 2),
        command::deregister(u"n2"_s, {}, {}, kNow + 3), // destroys kS2 (delete behavior)
        command::deregister(u"n1"_s, u"web1"_s, {}, kNow + 4),
        command::kv(u"delete-tree"_s, u"app/"_s, {}, 0, 0, {}, kNow + 5),
        command::tombstoneReap(original.lastIndex()),
        command::registerNode(nodeBody(u"n3"_s, u"10.0.0.3"_s), kNow + 6),
    };
    for (const QCborMap &cmd : commands) {
        const ApplyResult a = apply(original, cmd);
        const ApplyResult b = apply(restored, cmd);
        QCOMPARE(b.error, a.error);
        QCOMPARE(b.value.toDiagnosticNotation(), a.value.toDiagnosticNotation());
        COMPARE_DUMPS(dump(restored, kRichPrefixes), dump(original, kRichPrefixes));
    }
    QVERIFY(get(restored, u"locks/leader"_s)->session.isEmpty());
    QVERIFY(!get(restored, u"locks/ephemeral"_s)); // deleted with kS2
    QVERIFY(!get(restored, u"locks/new"_s));
}

void TestStateStore::restoreGarbageFails_data()
{
    QTest::addColumn<QByteArray>("data");

    StateStore rich;
    seedRichState(rich);
    const QByteArray snap = rich.snapshot();
    QCborMap wrongVersion = QCborValue::fromCbor(snap).toMap();
    wrongVersion.insert(u"version"_s, 99);
    QCborMap noVersion = QCborValue::fromCbor(snap).toMap();
    noVersion.remove(u"version"_s);
    const QCborMap wrongTypes { { u"version"_s, 1 }, { u"index"_s, u"many"_s }, { u"kv"_s, u"not a table"_s },
        { u"nodes"_s, 7 }, { u"services"_s, true }, { u"checks"_s, QCborMap() }, { u"sessions"_s, 3.14 },
        { u"tombstones"_s, QByteArray("x") } };

    QTest::newRow("empty") << QByteArray();
    QTest::newRow("text") << QByteArray("this is not a snapshot");
    QTest::newRow("random bytes") << QByteArray::fromHex("ff00fe01fd02fc03fb04");
    QTest::newRow("json") << QByteArray(R"({"version":1,"kv":[]})");
    QTest::newRow("truncated snapshot") << snap.left(snap.size() / 2);
    QTest::newRow("snapshot minus last byte") << snap.left(snap.size() - 1);
    QTest::newRow("cbor integer") << QCborValue(42).toCbor();
    QTest::newRow("cbor array") << QCborValue(QCborArray { 1, 2, 3 }).toCbor();
    QTest::newRow("wrong version") << QCborValue(wrongVersion).toCbor();
    QTest::newRow("no version") << QCborValue(noVersion).toCbor();
    QTest::newRow("version 1, tables of the wrong type") << QCborValue(wrongTypes).toCbor();
}

void TestStateStore::restoreGarbageFails()
{
    QFETCH(QByteArray, data);
    StateStore s;
    seedRichState(s);
    const QJsonObject before = dump(s, kRichPrefixes);
    const QByteArray snapBefore = s.snapshot();
    int woken = 0;
    WatchSet ws;
    QList<api::KvEntry> all;
    s.kvList(QString(), &all, &ws);
    auto watch = s.watches().watch(ws, [&woken] { ++woken; });

    QString error;
    const bool ok = s.restore(data, &error);
    QVERIFY2(!ok, "restore accepted garbage");
    QVERIFY(!error.isEmpty());
    COMPARE_DUMPS(dump(s, kRichPrefixes), before);
    QCOMPARE(s.snapshot(), snapBefore);
    QCOMPARE(woken, 0);
}

// ================================================================ watches

void TestStateStore::watchKeyIgnoresOtherKeys()
{
    StateStore s;
    QVERIFY(kv(s, u"set"_s, u"a"_s, "1"));
    WatchSet ws;
    std::optional<api::KvEntry> e;
    s.kvGet(u"a"_s, &e, &ws);
    int fired = 0;
    auto w = s.watches().watch(ws, [&fired] { ++fired; });
    QCOMPARE(s.watches().watchCount(), 1);

    QVERIFY(kv(s, u"set"_s, u"b"_s, "1"));
    QVERIFY(kv(s, u"set"_s, u"ab"_s, "1")); // a key with A as a prefix is another key
    QVERIFY(kv(s, u"set"_s, u"a/x"_s, "1")); // and so is one below it
    QVERIFY(kv(s, u"delete"_s, u"b"_s));
    seedCatalog(s);
    QCOMPARE(fired, 0);
    QVERIFY(kv(s, u"set"_s, u"a"_s, "2"));
    QCOMPARE(fired, 1);

    // A watch on a missing key fires when it is created.
    WatchSet missing;
    s.kvGet(u"later"_s, &e, &missing);
    int created = 0;
    auto w2 = s.watches().watch(missing, [&created] { ++created; });
    QVERIFY(kv(s, u"set"_s, u"late"_s, "1"));
    QCOMPARE(created, 0);
    QVERIFY(kv(s, u"set"_s, u"later"_s, "1"));
    QCOMPARE(created, 1);
}

void TestStateStore::watchPrefixFiresForWriteAndDeleteBelow()
{
    StateStore s;
    QVERIFY(kv(s, u"set"_s, u"app/a"_s, "1"));
    QVERIFY(kv(s, u"set"_s, u"app/sub/b"_s, "1"));
    int fired = 0;
    auto arm = [&s, &fired] {
        WatchSet ws;
        QList<api::KvEntry> out;
        s.kvList(u"app/"_s, &out, &ws);
        return s.watches().watch(ws, [&fired] { ++fired; });
    };

    auto w = arm();
    QVERIFY(kv(s, u"set"_s, u"apples"_s, "1")); // shares letters, not the prefix
    QVERIFY(kv(s, u"set"_s, u"ap"_s, "1")); // shorter than the prefix
    QVERIFY(kv(s, u"delete"_s, u"app/missing"_s)); // deleting nothing changes nothing
    QVERIFY(!kv(s, u"cas"_s, u"app/a"_s, "x", 999)); // a rejected write changes nothing
    QCOMPARE(fired, 0);
    QVERIFY(kv(s, u"set"_s, u"app/sub/deeper/c"_s, "1")); // any depth below
    QCOMPARE(fired, 1);

    w = arm();
    QVERIFY(kv(s, u"delete"_s, u"app/a"_s));
    QCOMPARE(fired, 2);

    w = arm();
    QVERIFY(kv(s, u"delete-tree"_s, u"app/sub/"_s));
    QCOMPARE(fired, 3); // once, though two keys went

    // The keys read (?keys) watches the same way, and "" watches everything.
    WatchSet keysWs;
    QStringList keys;
    s.kvKeys(QString(), u"/"_s, &keys, &keysWs);
    int root = 0;
    auto rootWatch = s.watches().watch(keysWs, [&root] { ++root; });
    QVERIFY(kv(s, u"set"_s, u"zzz"_s, "1"));
    QCOMPARE(root, 1);
}

void TestStateStore::watchTables()
{
    StateStore s;
    int nodes = 0, services = 0, sessions = 0, checks = 0;
    WatchSet nodesWs, servicesWs, sessionsWs, checksWs;
    QList<api::Node> n;
    s.nodes(&n, &nodesWs);
    QMap<QString, QStringList> sv;
    s.services(&sv, &servicesWs);
    QList<api::Session> ss;
    s.sessions(&ss, &sessionsWs);
    QList<api::HealthCheck> cs;
    s.checksInState(u"any"_s, &cs, &checksWs);
    auto w1 = s.watches().watch(nodesWs, [&nodes] { ++nodes; });
    auto w2 = s.watches().watch(servicesWs, [&services] { ++services; });
    auto w3 = s.watches().watch(sessionsWs, [&sessions] { ++sessions; });
    auto w4 = s.watches().watch(checksWs, [&checks] { ++checks; });

    QVERIFY(kv(s, u"set"_s, u"k"_s, "v")); // KV wakes no catalog or session watch
    QCOMPARE(nodes + services + sessions + checks, 0);

    QVERIFY(registerBody(s, obj(R"({"Node":"n1","Address":"10.0.0.1",
        "Check":{"CheckID":"serfHealth","Name":"Serf","Status":"passing"}})"))
                .error.isEmpty());
    QCOMPARE(nodes, 1);
    QCOMPARE(checks, 1);
    QCOMPARE(services, 0);
    QCOMPARE(sessions, 0);

    QVERIFY(createSession(s, kS1).error.isEmpty());
    QCOMPARE(sessions, 1);

    w2.reset();
    s.services(&sv, &servicesWs);
    w2 = s.watches().watch(servicesWs, [&services] { ++services; });
    QVERIFY(registerBody(s, obj(R"({"Node":"n1","Address":"10.0.0.1","Service":{"Service":"web"}})"))
                .error.isEmpty());
    QCOMPARE(services, 1);

    // A node read (catalog/node/<n>) wakes when a service is added to that node only.
    WatchSet nodeWs;
    std::optional<api::Node> one;
    QList<api::Service> svcs;
    s.node(u"n1"_s, &one, &svcs, &nodeWs);
    int node = 0;
    auto w5 = s.watches().watch(nodeWs, [&node] { ++node; });
    QVERIFY(registerBody(s, obj(R"({"Node":"n2","Address":"10.0.0.2","Service":{"Service":"db"}})"))
                .error.isEmpty());
    QCOMPARE(node, 0);
    QVERIFY(registerBody(s, obj(R"({"Node":"n1","Address":"10.0.0.1","Service":{"Service":"db"}})"))
                .error.isEmpty());
    QCOMPARE(node, 1);
}

void TestStateStore::watchHealthServiceScope()
{
    StateStore s;
    seedCatalog(s);
    QVERIFY(registerBody(s, obj(R"({"Node":"n2","Address":"10.0.0.2","Service":{"Service":"db"},
        "Check":{"CheckID":"db-ok","Name":"db","Status":"passing","ServiceID":"db"}})"))
                .error.isEmpty());
    int web = 0;
    auto arm = [&s, &web] {
        WatchSet ws;
        QList<HealthEntry> out;
        s.healthService(u"web"_s, &out, &ws);
        return s.watches().watch(ws, [&web] { ++web; });
    };
    auto w = arm();
    // db's service check changing does not wake a web health query.
    QVERIFY(registerBody(s, obj(R"({"Node":"n2","Address":"10.0.0.2",
        "Check":{"CheckID":"db-ok","Name":"db","Status":"critical","ServiceID":"db"}})"))
                .error.isEmpty());
    QCOMPARE(web, 0);
    // web's own check does.
    QVERIFY(registerBody(s, obj(R"({"Node":"n1","Address":"10.0.0.1",
        "Check":{"CheckID":"web-alive","Name":"web alive","Status":"warning","ServiceID":"web1"}})"))
                .error.isEmpty());
    QCOMPARE(web, 1);
    // So does a node-level check on web's node (it is part of every health entry there).
    w = arm();
    QVERIFY(registerBody(s, obj(R"({"Node":"n1","Address":"10.0.0.1",
        "Check":{"CheckID":"serfHealth","Name":"Serf Health Status","Status":"critical"}})"))
                .error.isEmpty());
    QCOMPARE(web, 2);
}

void TestStateStore::watchFiresOnce()
{
    StateStore s;
    WatchSet ws;
    std::optional<api::KvEntry> e;
    s.kvGet(u"a"_s, &e, &ws);
    QList<api::KvEntry> list;
    s.kvList(u"a"_s, &list, &ws); // the same write matches both the key and the prefix
    int fired = 0;
    auto w = s.watches().watch(ws, [&fired] { ++fired; });
    QVERIFY(kv(s, u"set"_s, u"a"_s, "1"));
    QCOMPARE(fired, 1);
    QCOMPARE(s.watches().watchCount(), 0); // a fired watch is disarmed
    QVERIFY(kv(s, u"set"_s, u"a"_s, "2"));
    QVERIFY(kv(s, u"delete"_s, u"a"_s));
    QCOMPARE(fired, 1);
    w.reset(); // dropping a fired handle is fine
    QCOMPARE(s.watches().watchCount(), 0);
}

void TestStateStore::watchDroppedHandleCancels()
{
    StateStore s;
    WatchSet ws;
    std::optional<api::KvEntry> e;
    s.kvGet(u"a"_s, &e, &ws);
    QList<api::Node> nodes;
    s.nodes(&nodes, &ws);
    int fired = 0;
    auto w = s.watches().watch(ws, [&fired] { ++fired; });
    auto keep = s.watches().watch(ws, [] {});
    QCOMPARE(s.watches().watchCount(), 2);
    w.reset();
    QCOMPARE(s.watches().watchCount(), 1);
    QVERIFY(kv(s, u"set"_s, u"a"_s, "1"));
    seedCatalog(s);
    QCOMPARE(fired, 0);
    QCOMPARE(s.watches().watchCount(), 0); // the other one fired

    // An empty watch set never fires and still counts until dropped.
    auto empty = s.watches().watch(WatchSet(), [&fired] { ++fired; });
    QVERIFY(kv(s, u"set"_s, u"a"_s, "2"));
    QCOMPARE(fired, 0);
    QCOMPARE(s.watches().watchCount(), 1);
    empty.reset();
    QCOMPARE(s.watches().watchCount(), 0);
}

void TestStateStore::watchCallbackMayDropAndAddWatches()
{
    StateStore s;
    WatchSet ws;
    ws.addKey(u"a");
    std::unique_ptr<WatchHub::Watch> self, added;
    int selfFired = 0, addedFired = 0;
    self = s.watches().watch(ws, [&] {
        ++selfFired;
        self.reset(); // drop its own handle from inside the callback
        added = s.watches().watch(ws, [&addedFired] { ++addedFired; });
    });
    QVERIFY(kv(s, u"set"_s, u"a"_s, "1"));
    QCOMPARE(selfFired, 1);
    QVERIFY(!self);
    QCOMPARE(addedFired, 0); // a watch added during notify waits for the next change
    QCOMPARE(s.watches().watchCount(), 1);
    QVERIFY(kv(s, u"set"_s, u"a"_s, "2"));
    QCOMPARE(addedFired, 1);
    QCOMPARE(selfFired, 1);
}

void TestStateStore::watchDroppedDuringNotifyDoesNotFire()
{
    StateStore s;
    WatchSet ws;
    ws.addKey(u"a");
    // Two watches woken by the same write; whichever runs first drops the other's handle, as an
    // object owning a blocking query would when it is torn down. "Dropping the handle cancels it"
    // (WatchHub.h), so exactly one callback may run.
    std::unique_ptr<WatchHub::Watch> first, second;
    int fired = 0;
    first = s.watches().watch(ws, [&] {
        ++fired;
        second.reset();
    });
    second = s.watches().watch(ws, [&] {
        ++fired;
        first.reset();
    });
    QVERIFY(kv(s, u"set"_s, u"a"_s, "1"));
    QCOMPARE(fired, 1);
    QCOMPARE(s.watches().watchCount(), 0);
}

void TestStateStore::watchNotWokenByRejectedWrites()
{
    StateStore s;
    seedCatalog(s);
    QVERIFY(createSession(s, kS1).error.isEmpty());
    QVERIFY(kv(s, u"set"_s, u"k"_s, "v"));
    WatchSet ws;
    QList<api::KvEntry> all;
    s.kvList(QString(), &all, &ws);
    QList<api::Node> nodes;
    s.nodes(&nodes, &ws);
    QList<api::Session> sessions;
    s.sessions(&sessions, &ws);
    QList<api::HealthCheck> checks;
    s.checksInState(u"any"_s, &checks, &ws);
    int fired = 0;
    auto w = s.watches().watch(ws, [&fired] { ++fired; });

    QVERIFY(!kv(s, u"cas"_s, u"k"_s, "x", 999));
    QVERIFY(!kv(s, u"unlock"_s, u"k"_s, "x", 0, kS1));
    QVERIFY(!kv(s, u"delete-cas"_s, u"k"_s, {}, 999));
    QVERIFY(!registerBody(s, obj(R"({"Node":"n9"})")).error.isEmpty());
    QVERIFY(!createSession(s, kS2, sessionBody(u"ghost"_s)).error.isEmpty());
    const QJsonObject r = txn(s,
        { kvOp(u"set"_s, u"k"_s, "changed"), nodeOp(u"set"_s, obj(R"({"Node":"n7","Address":"x"})")),
            kvOp(u"get"_s, u"missing"_s) });
    QCOMPARE(r.value(u"Errors"_s).toArray().size(), 1);
    QCOMPARE(fired, 0);
}

void TestStateStore::watchWokenBySessionInvalidation()
{
    StateStore s;
    seedCatalog(s);
    QVERIFY(
        createSession(s, kS1, sessionBody(u"n1"_s, u"release"_s, 0, {}, { u"web-alive"_s })).error.isEmpty());
    QVERIFY(kv(s, u"lock"_s, u"lk"_s, "v", 0, kS1));
    int key = 0, sessions = 0, info = 0;
    WatchSet keyWs, sessionsWs, infoWs;
    std::optional<api::KvEntry> e;
    s.kvGet(u"lk"_s, &e, &keyWs);
    QList<api::Session> list;
    s.nodeSessions(u"n1"_s, &list, &sessionsWs);
    std::optional<api::Session> one;
    s.session(kS1, &one, &infoWs);
    auto w1 = s.watches().watch(keyWs, [&key] { ++key; });
    auto w2 = s.watches().watch(sessionsWs, [&sessions] { ++sessions; });
    auto w3 = s.watches().watch(infoWs, [&info] { ++info; });

    // A service check going critical: the session dies and its lock is released, in one apply.
    QJsonObject body = nodeBody(u"n1"_s);
    body.insert(u"Check"_s,
        obj(R"({"CheckID":"web-alive","Name":"web alive","Status":"critical","ServiceID":"web1"})"));
    QVERIFY(registerBody(s, body).error.isEmpty());
    QCOMPARE(key, 1);
    QCOMPARE(sessions, 1);
    QCOMPARE(info, 1);
    QVERIFY(get(s, u"lk"_s)->session.isEmpty());
}

void TestStateStore::watchWokenByRestore()
{
    StateStore s;
    seedCatalog(s);
    QVERIFY(kv(s, u"set"_s, u"k"_s, "v"));
    StateStore other;
    seedRichState(other);

    int key = 0, nodes = 0, web = 0;
    WatchSet keyWs, nodesWs, webWs;
    std::optional<api::KvEntry> e;
    s.kvGet(u"k"_s, &e, &keyWs);
    QList<api::Node> n;
    s.nodes(&n, &nodesWs);
    QList<HealthEntry> h;
    s.healthService(u"web"_s, &h, &webWs);
    auto w1 = s.watches().watch(keyWs, [&key] { ++key; });
    auto w2 = s.watches().watch(nodesWs, [&nodes] { ++nodes; });
    auto w3 = s.watches().watch(webWs, [&web] { ++web; });

    QString error;
    QVERIFY2(s.restore(other.snapshot(), &error), qPrintable(error));
    QCOMPARE(key, 1); // "k" does not exist in the snapshot: its reader must re-read
    QCOMPARE(nodes, 1);
    QCOMPARE(web, 1);
}

void TestStateStore::watchTenThousandOnOnePrefix()
{
    constexpr int kWatches = 10000;
    StateStore s;
    QVERIFY(kv(s, u"set"_s, u"svc/config"_s, "v"));

    QElapsedTimer timer;
    timer.start();
    int fired = 0;
    std::vector<std::unique_ptr<WatchHub::Watch>> watches;
    watches.reserve(kWatches);
    for (int i = 0; i < kWatches; ++i) {
        WatchSet ws;
        QList<api::KvEntry> out;
        s.kvList(u"svc/"_s, &out, &ws);
        watches.push_back(s.watches().watch(ws, [&fired] { ++fired; }));
    }
    const qint64 armMs = timer.restart();
    QCOMPARE(s.watches().watchCount(), kWatches);

    QVERIFY(kv(s, u"set"_s, u"other/x"_s, "v"));
    QVERIFY(kv(s, u"set"_s, u"sv"_s, "v"));
    QVERIFY(kv(s, u"set"_s, u"svc"_s, "v"));
    QCOMPARE(fired, 0);
    const qint64 missMs = timer.restart();

    QVERIFY(kv(s, u"set"_s, u"svc/config"_s, "w"));
    const qint64 hitMs = timer.elapsed();
    QCOMPARE(fired, kWatches);
    QCOMPARE(s.watches().watchCount(), 0);

    qInfo("10000 prefix watches: arm %lld ms, 3 unrelated writes %lld ms, 1 write waking all %lld ms", armMs,
        missMs, hitMs);
    // Generous bounds (shared CI cores, debug builds): the point is no per-write scan of all
    // watches for unrelated keys, and one notify pass for related ones.
    QVERIFY2(missMs < 200, qPrintable(QString::number(missMs)));
    QVERIFY2(hitMs < 1000, qPrintable(QString::number(hitMs)));

    // The same many watches spread over distinct keys: a write wakes exactly one.
    fired = 0;
    watches.clear();
    for (int i = 0; i < kWatches; ++i) {
        WatchSet ws;
        std::optional<api::KvEntry> e;
        s.kvGet(u"k/"_s + QString::number(i), &e, &ws);
        watches.push_back(s.watches().watch(ws, [&fired] { ++fired; }));
    }
    timer.restart();
    QVERIFY(kv(s, u"set"_s, u"k/4242"_s, "v"));
    QCOMPARE(fired, 1);
    QCOMPARE(s.watches().watchCount(), kWatches - 1);
    QVERIFY2(timer.elapsed() < 200, qPrintable(QString::number(timer.elapsed())));
    watches.clear();
    QCOMPARE(s.watches().watchCount(), 0);
}

// The autopilot configuration: none until set, replaced whole, check-and-set against its
// ModifyIndex (0 while none is stored), and carried by snapshots.
void TestStateStore::autopilotConfigurationCasAndSnapshot()
{
    StateStore s;
    QJsonObject stored;
    s.autopilotConfiguration(&stored);
    QVERIFY(stored.isEmpty());
    const QJsonObject config{{u"CleanupDeadServers"_s, false}, {u"MinQuorum"_s, 3}};
    QCOMPARE(apply(s, command::autopilotSet(config, quint64(1))).value.toBool(), false); // none stored: cas must be 0
    QCOMPARE(apply(s, command::autopilotSet(config, quint64(0))).value.toBool(), true);
    s.autopilotConfiguration(&stored);
    const double created = stored.value(u"CreateIndex"_s).toDouble();
    QVERIFY(created > 0);
    QCOMPARE(stored.value(u"MinQuorum"_s).toInt(), 3);
    QCOMPARE(apply(s, command::autopilotSet(QJsonObject{{u"MinQuorum"_s, 5}}, quint64(0))).value.toBool(), false);
    QCOMPARE(apply(s, command::autopilotSet(QJsonObject{{u"MinQuorum"_s, 5}}, std::nullopt)).value.toBool(), true);
    s.autopilotConfiguration(&stored);
    QCOMPARE(stored.value(u"MinQuorum"_s).toInt(), 5);
    QVERIFY(!stored.contains(u"CleanupDeadServers"_s)); // replaced whole
    QCOMPARE(stored.value(u"CreateIndex"_s).toDouble(), created);
    QVERIFY(stored.value(u"ModifyIndex"_s).toDouble() > created);

    StateStore restored;
    QString error;
    QVERIFY2(restored.restore(s.snapshot(), &error), qPrintable(error));
    QJsonObject again;
    restored.autopilotConfiguration(&again);
    QCOMPARE(again, stored);
}

// Coordinate updates (PUT /v1/coordinate/update, agents' own): kept per node and segment for
// nodes the catalog knows (others dropped), gone with their node, and carried by snapshots.
void TestStateStore::coordinatesOfCatalogNodesAndSnapshot()
{
    StateStore s;
    QVERIFY(apply(s, command::registerNode(nodeBody(u"n1"_s, u"10.0.0.1"_s), kNow)).error.isEmpty());
    QVERIFY(apply(s, command::registerNode(nodeBody(u"n2"_s, u"10.0.0.2"_s), kNow)).error.isEmpty());
    auto coord = [](double error) {
        return QJsonObject{{u"Vec"_s, QJsonArray{0.1, 0, 0, 0, 0, 0, 0, -0.2}}, {u"Error"_s, error},
                           {u"Adjustment"_s, 0.0}, {u"Height"_s, 1e-5}};
    };
    auto update = [&](const QString &node, double error, const QString &segment = {}) {
        return QJsonObject{{u"Node"_s, node}, {u"Segment"_s, segment}, {u"Coord"_s, coord(error)}};
    };
    QJsonArray none;
    const quint64 empty = s.coordinates(&none);
    QVERIFY(none.isEmpty());
    QVERIFY(apply(s, command::coordinateBatch({update(u"n2"_s, 0.5), update(u"nobody"_s, 0.5), update(u"n1"_s, 0.25)}))
                .error.isEmpty());
    QJsonArray all;
    QVERIFY(s.coordinates(&all) > empty);
    QCOMPARE(all.size(), 2); // "nobody" is not in the catalog
    QCOMPARE(all.at(0).toObject(), update(u"n1"_s, 0.25));
    QCOMPARE(all.at(1).toObject(), update(u"n2"_s, 0.5));
    QVERIFY(apply(s, command::coordinateBatch({update(u"n1"_s, 0.125)})).error.isEmpty()); // replaces
    all = {};
    s.coordinates(&all);
    QCOMPARE(all.at(0).toObject(), update(u"n1"_s, 0.125));

    StateStore restored;
    QString error;
    QVERIFY2(restored.restore(s.snapshot(), &error), qPrintable(error));
    QJsonArray again;
    restored.coordinates(&again);
    QCOMPARE(again, all);

    // A blocking read of one node's coordinate wakes on any coordinate write (the table's index,
    // as Consul's), and the node's deregistration (its coordinate goes with it).
    WatchSet ws;
    QJsonArray one;
    const quint64 before = s.coordinate(u"n1"_s, &one, &ws);
    QCOMPARE(one, QJsonArray{update(u"n1"_s, 0.125)});
    int fired = 0;
    auto watch = s.watches().watch(ws, [&fired] { ++fired; });
    QVERIFY(apply(s, command::coordinateBatch({update(u"n2"_s, 0.75)})).error.isEmpty());
    QCOMPARE(fired, 1);
    QVERIFY(s.coordinate(u"n1"_s, &one) > before);
    QVERIFY(apply(s, command::coordinateBatch({update(u"nobody"_s, 0.75)})).error.isEmpty());
    WatchSet wsAll;
    const quint64 unchanged = s.coordinates(&all, &wsAll);
    int idle = 0;
    auto watch2 = s.watches().watch(wsAll, [&idle] { ++idle; });
    QVERIFY(apply(s, command::coordinateBatch({update(u"nobody"_s, 0.5)})).error.isEmpty());
    QCOMPARE(idle, 0); // nothing stored: no wake-up, the index stays
    QCOMPARE(s.coordinates(&all), unchanged);

    QVERIFY(apply(s, command::deregister(u"n1"_s, {}, {}, kNow)).error.isEmpty());
    QCOMPARE(idle, 1);
    all = {};
    s.coordinates(&all);
    QCOMPARE(all.size(), 1);
    QCOMPARE(all.at(0).toObject().value(u"Node"_s).toString(), u"n2"_s);
    one = {};
    s.coordinate(u"n1"_s, &one);
    QVERIFY(one.isEmpty());
}

// Consul's ensureNodeTxn: a live node keeps its name against another ID, a failed one (or one
// without serfHealth) may be taken over, an ID registered under a new name renames its node.
void TestStateStore::nodeIdRules()
{
    StateStore s;
    const QString id1 = u"11111111-1111-1111-1111-111111111111"_s;
    const QString id2 = u"22222222-2222-2222-2222-222222222222"_s;
    auto node = [](const QString &name, const QString &id, const QString &serf = {}) {
        QJsonObject body{{u"Node"_s, name}, {u"ID"_s, id}, {u"Address"_s, u"10.0.0.1"_s}};
        if (!serf.isEmpty())
            body.insert(u"Check"_s, QJsonObject{{u"CheckID"_s, u"serfHealth"_s}, {u"Name"_s, u"Serf Health Status"_s}, {u"Status"_s, serf}});
        return body;
    };
    QVERIFY(registerBody(s, node(u"a"_s, id1, u"passing"_s)).error.isEmpty());
    // A new ID (the catalog's error has no address then); names compare in any case.
    ApplyResult r = registerBody(s, node(u"A"_s, id2));
    QCOMPARE(r.error, u"failed inserting node: Error while renaming Node ID: \"%1\": Node name A is reserved by node %2 with name a (10.0.0.1)"_s.arg(id2, id1));
    QCOMPARE(s.findNode(u"a"_s)->id, id1);
    // Once gossip says it failed, the name is free.
    QVERIFY(registerBody(s, node(u"a"_s, id1, u"critical"_s)).error.isEmpty());
    QVERIFY(registerBody(s, node(u"a"_s, id2)).error.isEmpty());
    QCOMPARE(s.findNode(u"a"_s)->id, id2);
    // id2 under another name: node a is renamed to b (its registrations go).
    QVERIFY(registerBody(s, node(u"b"_s, id2)).error.isEmpty());
    QVERIFY(!s.findNode(u"a"_s));
    QCOMPARE(s.findNode(u"b"_s)->id, id2);
    // A node registered without an ID may get one; a rename onto a live name may not.
    QVERIFY(registerBody(s, QJsonObject{{u"Node"_s, u"c"_s}, {u"Address"_s, u"10.0.0.3"_s}, {u"Check"_s, QJsonObject{{u"CheckID"_s, u"serfHealth"_s}, {u"Name"_s, u"x"_s}, {u"Status"_s, u"passing"_s}}}}).error.isEmpty());
    QVERIFY(registerBody(s, node(u"c"_s, id1)).error.isEmpty());
    const QString id3 = u"33333333-3333-3333-3333-333333333333"_s;
    QVERIFY(registerBody(s, node(u"d"_s, id3, u"passing"_s)).error.isEmpty());
    r = registerBody(s, node(u"D"_s, id2));
    QCOMPARE(r.error, u"failed inserting node: Error while renaming Node ID: \"%1\" (10.0.0.1): Node name D is reserved by node %2 with name d (10.0.0.1)"_s.arg(id2, id3));
    QVERIFY(s.findNode(u"b"_s));
    // IDs compare in any case too: the same ID in upper case is the same node.
    QVERIFY(registerBody(s, node(u"b"_s, id2.toUpper())).error.isEmpty());
    QVERIFY(s.findNode(u"b"_s));

    // SkipNodeUpdate on an existing node leaves it alone, so its ID is not looked at (Consul's
    // ChangesNode): a service write naming another node's ID goes through.
    QJsonObject skip = node(u"d"_s, id2);
    skip.insert(u"SkipNodeUpdate"_s, true);
    skip.insert(u"Service"_s, QJsonObject{{u"Service"_s, u"web"_s}});
    QVERIFY2(registerBody(s, skip).error.isEmpty(), qPrintable(registerBody(s, skip).error));
    QCOMPARE(s.findNode(u"d"_s)->id, id3);
    QVERIFY(s.findService(u"d"_s, u"web"_s));
    QVERIFY(s.findNode(u"b"_s));
    // A node that does not exist is created, with the ID rules.
    skip = node(u"D"_s, u"44444444-4444-4444-4444-444444444444"_s);
    skip.insert(u"SkipNodeUpdate"_s, true);
    r = registerBody(s, skip);
    QCOMPARE(r.error, u"failed inserting node: Error while renaming Node ID: \"44444444-4444-4444-4444-444444444444\": Node name D is reserved by node %1 with name d (10.0.0.1)"_s.arg(id3));
    QVERIFY(!s.findNode(u"D"_s));
}

// The node ID index follows the nodes through a snapshot and a rolled-back transaction: an ID
// still finds its node (and renames it) afterwards.
void TestStateStore::nodeIdIndexThroughSnapshotAndTxn()
{
    const QString id1 = u"11111111-1111-1111-1111-111111111111"_s;
    auto node = [](const QString &name, const QString &id) {
        return QJsonObject{{u"Node"_s, name}, {u"ID"_s, id}, {u"Address"_s, u"10.0.0.1"_s}};
    };
    StateStore original;
    QVERIFY(registerBody(original, node(u"a"_s, id1)).error.isEmpty());
    StateStore s;
    QString error;
    QVERIFY2(s.restore(original.snapshot(), &error), qPrintable(error));
    QVERIFY(s.findNode(u"a"_s));

    // A txn that renames a to b, then fails: everything is put back, the index too.
    const QJsonObject failed = txn(s, {nodeOp(u"set"_s, node(u"b"_s, id1)), kvOp(u"cas"_s, u"k"_s, "v", 99)});
    QVERIFY(failed.contains(u"Errors"_s));
    QVERIFY(s.findNode(u"a"_s));
    QVERIFY(!s.findNode(u"b"_s));
    // The ID still names a: registered under c, a is renamed (and not left behind).
    QVERIFY(registerBody(s, node(u"c"_s, id1)).error.isEmpty());
    QVERIFY(!s.findNode(u"a"_s));
    QCOMPARE(s.findNode(u"c"_s)->id, id1);
    // A deleted node's ID is free again.
    QVERIFY(deregister(s, u"c"_s).error.isEmpty());
    QVERIFY(registerBody(s, node(u"d"_s, id1)).error.isEmpty());
    QList<api::Node> nodes;
    s.nodes(&nodes);
    QCOMPARE(nodes.size(), 1);
}

namespace {
const QString kLookupId1 = u"40e4a748-2192-161a-0510-aaaaaaaaaaaa"_s;
const QString kLookupId2 = u"40e4a748-2192-161a-0510-bbbbbbbbbbbb"_s;

// The name of the node lookupNode() finds, empty when none.
QString lookedUp(const StateStore &s, const QString &nameOrId)
{
    const api::Node *n = s.lookupNode(nameOrId);
    return n ? n->node : QString();
}

// Consul's TestStateStore_NodeServices nodes, one with a name in mixed case, and a node named
// like a hex ID prefix (no ID).
void seedLookupNodes(StateStore &s)
{
    must(registerBody(s,
        QJsonObject {
            { u"Node"_s, u"Node-One"_s }, { u"ID"_s, kLookupId1 }, { u"Address"_s, u"1.2.3.4"_s } }));
    must(registerBody(s,
        QJsonObject { { u"Node"_s, u"node2"_s }, { u"ID"_s, kLookupId2 }, { u"Address"_s, u"5.6.7.8"_s } }));
    must(registerBody(s, QJsonObject { { u"Node"_s, u"40e4a748"_s }, { u"Address"_s, u"9.9.9.9"_s } }));
}
} // namespace

// As Consul's nodeServices (NodeServices/NodeServiceList): a node name in any case, else a
// unique prefix of a node ID as its uuid prefix index parses it.
void TestStateStore::nodeLookupByNameOrId_data()
{
    QTest::addColumn<QString>("query");
    QTest::addColumn<QString>("found"); // empty: none
    QTest::addColumn<bool>("byId");
    QTest::newRow("name") << u"Node-One"_s << u"Node-One"_s << false;
    QTest::newRow("name in lower case") << u"node-one"_s << u"Node-One"_s << false;
    QTest::newRow("name in upper case") << u"NODE2"_s << u"node2"_s << false;
    QTest::newRow("full ID") << kLookupId1 << u"Node-One"_s << true;
    QTest::newRow("full ID in upper case") << kLookupId2.toUpper() << u"node2"_s << true;
    QTest::newRow("unique prefix") << u"40e4a748-2192-161a-0510-bb"_s << u"node2"_s << true;
    QTest::newRow("odd length is cut") << u"40e4a748-2192-161a-0510-aaa"_s << u"Node-One"_s << true;
    QTest::newRow("hyphens anywhere") << u"40e4a7482192161a0510-b-b"_s << u"node2"_s << true;
    QTest::newRow("a name before an ID") << u"40e4a748"_s << u"40e4a748"_s << false;
    QTest::newRow("ambiguous prefix") << u"40e4a748-2192-161a-0510-"_s << QString() << false;
    // Consul's own "ambiguous" example: 23 bytes, cut to 22, leave 19 hex digits.
    QTest::newRow("malformed once cut") << u"40e4a748-2192-161a-0510"_s << QString() << false;
    QTest::newRow("ambiguous once cut") << u"40e4a748-2192-161a-0510-a"_s << QString() << false;
    QTest::newRow("no such ID") << u"40e4a748-2192-161a-0510-cc"_s << QString() << false;
    QTest::newRow("not hex") << u"nope"_s << QString() << false;
    QTest::newRow("odd hex digits") << u"4-0e"_s << QString() << false;
    QTest::newRow("one byte") << u"4"_s << QString() << false;
    QTest::newRow("over 36 bytes") << kLookupId1 + u"-00"_s << QString() << false;
    QTest::newRow("5 hyphens") << u"40-e4-a7-48-21-92"_s << QString() << false;
    // Go counts bytes: "40e4\u00e9" is 6 bytes, not cut, and not hex.
    QTest::newRow("non-ASCII") << u"40e4\u00e9"_s << QString() << false;
}

void TestStateStore::nodeLookupByNameOrId()
{
    QFETCH(QString, query);
    QFETCH(QString, found);
    QFETCH(bool, byId);
    StateStore s;
    seedLookupNodes(s);
    bool foundById = !byId;
    const api::Node *n = s.lookupNode(query, &foundById);
    QCOMPARE(n ? n->node : QString(), found);
    QCOMPARE(foundById, byId);

    // The catalog's node read finds the same, with its services.
    must(registerBody(s,
        QJsonObject { { u"Node"_s, u"node2"_s }, { u"SkipNodeUpdate"_s, true },
            { u"Service"_s, QJsonObject { { u"Service"_s, u"web"_s } } } }));
    std::optional<api::Node> node;
    QList<api::Service> services;
    s.node(query, &node, &services);
    QCOMPARE(node ? node->node : QString(), found);
    QCOMPARE(services.size(), found == u"node2" ? 1 : 0);
}

// Consul's health, session and coordinate reads by node name use its lower-case node indexes:
// any case, never an ID.
void TestStateStore::nodeReadsByNameInAnyCase()
{
    StateStore s;
    seedLookupNodes(s);
    must(registerBody(s,
        QJsonObject { { u"Node"_s, u"Node-One"_s }, { u"SkipNodeUpdate"_s, true },
            { u"Check"_s, QJsonObject { { u"CheckID"_s, u"mem"_s }, { u"Name"_s, u"mem"_s } } } }));
    QList<api::HealthCheck> checks;
    s.nodeChecks(u"NODE-ONE"_s, &checks);
    QCOMPARE(checks.size(), 1);
    QCOMPARE(checks.first().node, u"Node-One"_s);
    checks.clear();
    s.nodeChecks(kLookupId1, &checks);
    QVERIFY(checks.isEmpty());

    const ApplyResult created = createSession(s, u"adf4238a-882b-9ddc-4a9d-5b6758e4159e"_s,
        sessionBody(u"Node-One"_s, u"release"_s, 15 * kSecond, {}));
    QVERIFY2(created.error.isEmpty(), qPrintable(created.error));
    QList<api::Session> sessions;
    s.nodeSessions(u"node-one"_s, &sessions);
    QCOMPARE(sessions.size(), 1);
    sessions.clear();
    s.nodeSessions(kLookupId1, &sessions);
    QVERIFY(sessions.isEmpty());

    // Coordinates too, answered under the stored name.
    const QJsonObject coord{{u"Vec"_s, QJsonArray{0.1, 0, 0, 0, 0, 0, 0, -0.2}}, {u"Error"_s, 0.5},
                            {u"Adjustment"_s, 0.0}, {u"Height"_s, 1e-5}};
    must(apply(s, command::coordinateBatch({QJsonObject{{u"Node"_s, u"Node-One"_s}, {u"Segment"_s, QString()}, {u"Coord"_s, coord}}})));
    QJsonArray coordinates;
    s.coordinate(u"NODE-one"_s, &coordinates);
    QCOMPARE(coordinates.size(), 1);
    QCOMPARE(coordinates.at(0).toObject().value(u"Node"_s).toString(), u"Node-One"_s);
    coordinates = {};
    s.coordinate(kLookupId1, &coordinates);
    QVERIFY(coordinates.isEmpty());
}

// The lower-case name and ID indexes follow the nodes: a rename, a deletion, a restored
// snapshot and a rolled-back transaction.
void TestStateStore::nodeLookupIndexesThroughDeleteSnapshotAndTxn()
{
    StateStore s;
    seedLookupNodes(s);
    // node2 goes: the prefix both IDs shared is Node-One's alone.
    must(deregister(s, u"node2"_s));
    QCOMPARE(lookedUp(s, u"NODE2"_s), QString());
    QCOMPARE(lookedUp(s, u"40e4a748-2192-161a-0510-"_s), u"Node-One"_s);
    auto registerRenamed = [&s](const QString &id) {
        must(registerBody(s,
            QJsonObject { { u"Node"_s, u"Renamed"_s }, { u"ID"_s, id }, { u"Address"_s, u"1.2.3.4"_s } }));
    };
    // Node-One's ID under another name renames it: the old name is gone in every case.
    registerRenamed(kLookupId1);
    QCOMPARE(lookedUp(s, u"node-one"_s), QString());
    QCOMPARE(lookedUp(s, u"renamed"_s), u"Renamed"_s);
    QCOMPARE(lookedUp(s, u"40e4a748-2192-"_s), u"Renamed"_s);
    // A node that changes its ID is found by the new one only.
    registerRenamed(kLookupId2);
    QCOMPARE(lookedUp(s, u"40e4a748-2192-161a-0510-aa"_s), QString());
    QCOMPARE(lookedUp(s, u"40e4a748-2192-161a-0510-bb"_s), u"Renamed"_s);

    StateStore restored;
    QString error;
    QVERIFY2(restored.restore(s.snapshot(), &error), qPrintable(error));
    QCOMPARE(lookedUp(restored, u"RENAMED"_s), u"Renamed"_s);
    QCOMPARE(lookedUp(restored, u"40E4A748-2192-161A-0510-BB"_s), u"Renamed"_s);

    // A txn that deletes the node, then fails: it is found as before.
    const QJsonObject failed = txn(restored,
        { nodeOp(u"delete"_s, QJsonObject { { u"Node"_s, u"Renamed"_s } }),
            kvOp(u"cas"_s, u"k"_s, "v", 99) });
    QVERIFY(failed.contains(u"Errors"_s));
    QCOMPARE(lookedUp(restored, u"renamed"_s), u"Renamed"_s);
    QCOMPARE(lookedUp(restored, u"40e4a748-2192-161a-0510-bb"_s), u"Renamed"_s);
}

// A blocking read of a node found by ID prefix, or not found, wakes on any node's write (what it
// finds may change); one found by name wakes on that node's writes only.
void TestStateStore::nodeLookupWatches()
{
    StateStore s;
    seedLookupNodes(s);
    auto wakesOnNewNode = [&s](const QString &query, const QString &newNode) {
        WatchSet ws;
        std::optional<api::Node> node;
        QList<api::Service> services;
        s.node(query, &node, &services, &ws);
        int fired = 0;
        auto watch = s.watches().watch(ws, [&fired] { ++fired; });
        must(registerBody(s, nodeBody(newNode)));
        return fired > 0;
    };
    QVERIFY(wakesOnNewNode(u"40e4a748-2192-161a-0510-aa"_s, u"n3"_s));
    QVERIFY(wakesOnNewNode(u"NEW-NODE"_s, u"new-node"_s));
    QVERIFY(!wakesOnNewNode(u"NODE-ONE"_s, u"n4"_s));
}

QTEST_APPLESS_MAIN(TestStateStore)
#include "tst_statestore.moc"

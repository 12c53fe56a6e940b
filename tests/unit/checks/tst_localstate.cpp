// LocalState on a simulated clock with a real state store: TTL expiry, the critical-service
// reaper, output-only changes deferred by check_update_interval, anti-entropy's full sync
// repairing the catalog (catalog tags kept with enable_tag_override), alias checks following what they mirror, and config definitions
// applied and re-applied (reload) with unchanged checks keeping their state.
#include "SimClock.h"
#include "agent/LocalState.h"
#include "state/Command.h"
#include "state/Committer.h"
#include "state/StateStore.h"

#include <QJsonArray>
#include <QJsonDocument>
#include <QTest>

using namespace qonsul;
using namespace qonsul::agent;
using namespace Qt::StringLiterals;
using qonsul::test::SimClock;

namespace {

QJsonObject obj(const char *json)
{
    return QJsonDocument::fromJson(json).object();
}

struct Fixture
{
    SimClock clock;
    state::StateStore store;
    state::LocalCommitter committer{&store, u"127.0.0.1:8300"_s};
    std::unique_ptr<LocalState> local;

    explicit Fixture(Nanoseconds checkUpdateInterval = 0)
    {
        committer.propose(state::command::registerNode(
                              QJsonObject{{u"Node"_s, u"n1"_s}, {u"Address"_s, u"127.0.0.1"_s},
                                          {u"Check"_s, QJsonObject{{u"CheckID"_s, u"serfHealth"_s}, {u"Status"_s, u"passing"_s}}}},
                              clock.wallMs()),
                          {});
        LocalState::Options o;
        o.node = u"n1"_s;
        o.nodeInfo = QJsonObject{{u"Address"_s, u"127.0.0.1"_s}};
        o.checkUpdateInterval = checkUpdateInterval;
        local = std::make_unique<LocalState>(&clock, &committer, &store, nullptr, o);
        local->start();
    }
    const api::HealthCheck *catalogCheck(const QString &id) const { return store.findCheck(u"n1"_s, id); }
    QString status(const QString &id) const { return local->checks().value(id).status; }
};

// Holds every write until the test applies it (a store of its own) or fails it (no leader).
class HeldCommitter final : public state::Committer
{
public:
    explicit HeldCommitter(state::StateStore *store)
        : m_store(store)
    {
    }
    void propose(const QCborMap &command, Done done) override { held.append({command, std::move(done)}); }
    bool isLeader() const override { return true; }
    QString leaderAddress() const override { return {}; }
    QJsonObject body(qsizetype i) const { return state::command::toJson(held.at(i).first.value(u"body"_s)); }
    void apply(qsizetype i)
    {
        const quint64 index = m_store->lastIndex() + 1;
        const state::ApplyResult r = m_store->apply(index, held.at(i).first);
        held[i].second(r, index, {});
    }
    void fail(qsizetype i) { held[i].second({}, 0, u"No cluster leader"_s); }

    QList<std::pair<QCborMap, Done>> held;

private:
    state::StateStore *m_store;
};

} // namespace

class TestLocalState : public QObject
{
    Q_OBJECT

private Q_SLOTS:
    void ttlExpiresToCritical()
    {
        Fixture f;
        QVERIFY(!f.local->addService(obj(R"({"Name":"web","Check":{"TTL":"10s"}})"), false));
        QCOMPARE(f.status(u"service:web"_s), u"critical"_s); // initial status
        QVERIFY(!f.local->updateTtl(u"service:web"_s, u"passing"_s, u"ok"_s));
        QCOMPARE(f.catalogCheck(u"service:web"_s)->status, u"passing"_s);
        f.clock.advance(9999);
        QCOMPARE(f.status(u"service:web"_s), u"passing"_s);
        QVERIFY(!f.local->updateTtl(u"service:web"_s, u"passing"_s, u"ok"_s)); // renewed
        f.clock.advance(9999);
        QCOMPARE(f.status(u"service:web"_s), u"passing"_s);
        f.clock.advance(1);
        QCOMPARE(f.status(u"service:web"_s), u"critical"_s);
        QCOMPARE(f.local->checks().value(u"service:web"_s).output, u"TTL expired (last output before timeout follows): ok"_s);
        QCOMPARE(f.catalogCheck(u"service:web"_s)->status, u"critical"_s);
        // Unknown and non-TTL checks
        QCOMPARE(f.local->updateTtl(u"nope"_s, u"passing"_s, {}).status, 404);
        QVERIFY(!f.local->setNodeMaintenance(true, {}));
        QCOMPARE(f.local->updateTtl(u"_node_maintenance"_s, u"passing"_s, {}).status, 500);
        // Output over the cap is cut with Consul's marker
        QVERIFY(!f.local->updateTtl(u"service:web"_s, u"passing"_s, QString(5000, u'x')));
        QVERIFY(f.local->checks().value(u"service:web"_s).output.endsWith(u" ... (captured 4096 of 5000 bytes)"_s));
    }

    void reaperDeregistersLongCriticalServices()
    {
        Fixture f;
        QVERIFY(!f.local->addService(
            obj(R"({"Name":"web","Check":{"TTL":"5s","DeregisterCriticalServiceAfter":"10s"}})"), false));
        QVERIFY(!f.local->addService(obj(R"({"Name":"db","Check":{"TTL":"5s"}})"), false));
        // Critical from the start; 10s is raised to the 1m minimum, looked at every 30s.
        f.clock.advance(60000);
        QVERIFY(f.local->services().contains(u"web"_s));
        f.clock.advance(30000);
        QVERIFY(!f.local->services().contains(u"web"_s));
        QVERIFY(!f.local->checks().contains(u"service:web"_s));
        QVERIFY(!f.store.findService(u"n1"_s, u"web"_s));
        QVERIFY(f.local->services().contains(u"db"_s)); // no deregister_critical_service_after
        // A passing check resets the critical time.
        QVERIFY(!f.local->addService(
            obj(R"({"Name":"api","Check":{"TTL":"100s","DeregisterCriticalServiceAfter":"1m"}})"), false));
        f.clock.advance(50000);
        QVERIFY(!f.local->updateTtl(u"service:api"_s, u"passing"_s, {}));
        f.clock.advance(60000);
        QVERIFY(f.local->services().contains(u"api"_s));
    }

    void outputOnlyChangesAreDeferred()
    {
        Fixture f(5 * kMinute);
        QVERIFY(!f.local->addCheck(obj(R"({"Name":"t","TTL":"1h"})")));
        QVERIFY(!f.local->updateTtl(u"t"_s, u"passing"_s, u"one"_s)); // status change: at once
        QCOMPARE(f.catalogCheck(u"t"_s)->output, u"one"_s);
        const quint64 writes = f.local->syncWrites();
        QVERIFY(!f.local->updateTtl(u"t"_s, u"passing"_s, u"two"_s)); // output only: deferred
        QCOMPARE(f.local->checks().value(u"t"_s).output, u"two"_s);
        QCOMPARE(f.catalogCheck(u"t"_s)->output, u"one"_s);
        QVERIFY(!f.local->updateTtl(u"t"_s, u"passing"_s, u"three"_s));
        QCOMPARE(f.local->syncWrites(), writes);
        // Written back within interval/2 + interval.
        f.clock.advance(150000 - 1);
        f.clock.advance(300000 + 1);
        QCOMPARE(f.catalogCheck(u"t"_s)->output, u"three"_s);
        // A status change is never deferred.
        QVERIFY(!f.local->updateTtl(u"t"_s, u"warning"_s, u"four"_s));
        QCOMPARE(f.catalogCheck(u"t"_s)->status, u"warning"_s);
    }

    void fullSyncRepairsTheCatalog()
    {
        Fixture f;
        QVERIFY(!f.local->addService(obj(R"({"Name":"web","Port":80,"Check":{"TTL":"1h"}})"), false));
        // Someone changes and removes things behind the agent's back, and adds a stray service.
        f.committer.propose(state::command::deregister(u"n1"_s, u"web"_s, {}, f.clock.wallMs()), {});
        f.committer.propose(state::command::registerNode(
                                QJsonObject{{u"Node"_s, u"n1"_s}, {u"Address"_s, u"127.0.0.1"_s}, {u"SkipNodeUpdate"_s, true},
                                            {u"Service"_s, QJsonObject{{u"ID"_s, u"stray"_s}, {u"Service"_s, u"stray"_s}}}},
                                f.clock.wallMs()),
                            {});
        QVERIFY(!f.store.findService(u"n1"_s, u"web"_s));
        QVERIFY(f.store.findService(u"n1"_s, u"stray"_s));
        f.clock.advance(60000 + 15000); // the first full sync (1m + up to 1/4 stagger)
        QVERIFY(f.store.findService(u"n1"_s, u"web"_s));
        QCOMPARE(f.store.findService(u"n1"_s, u"web"_s)->port, 80);
        QVERIFY(f.catalogCheck(u"service:web"_s));
        QVERIFY(!f.store.findService(u"n1"_s, u"stray"_s));
        QVERIFY(f.catalogCheck(u"serfHealth"_s)); // never removed
        // In sync: another full sync writes nothing.
        const quint64 writes = f.local->syncWrites();
        f.local->fullSync();
        QCOMPARE(f.local->syncWrites(), writes);
    }

    void tagOverrideKeepsCatalogTags()
    {
        Fixture f;
        QVERIFY(!f.local->addService(obj(R"({"Name":"web","Tags":["a"],"EnableTagOverride":true})"), false));
        QVERIFY(!f.local->applyConfigDefinitions(
            QJsonArray{obj(R"({"name":"db","tags":["a"],"enable_tag_override":true})"), obj(R"({"name":"api","tags":["a"]})")}, {}));
        QVERIFY(f.local->services().value(u"db"_s).enableTagOverride);
        // Someone else retags all three in the catalog.
        for (const QString &id : {u"web"_s, u"db"_s, u"api"_s}) {
            f.committer.propose(state::command::registerNode(
                                    QJsonObject{{u"Node"_s, u"n1"_s}, {u"Address"_s, u"127.0.0.1"_s}, {u"SkipNodeUpdate"_s, true},
                                                {u"Service"_s, QJsonObject{{u"ID"_s, id}, {u"Service"_s, id},
                                                                           {u"Tags"_s, QJsonArray{u"b"_s}},
                                                                           {u"EnableTagOverride"_s, id != u"api"_s}}}},
                                    f.clock.wallMs()),
                                {});
        }
        f.local->fullSync();
        // With enable_tag_override the catalog's tags stay and become the agent's own.
        for (const QString &id : {u"web"_s, u"db"_s}) {
            QCOMPARE(f.store.findService(u"n1"_s, id)->tags, QStringList{u"b"_s});
            QCOMPARE(f.local->services().value(id).tags, QStringList{u"b"_s});
        }
        // Without it anti-entropy puts the agent's tags back.
        QCOMPARE(f.store.findService(u"n1"_s, u"api"_s)->tags, QStringList{u"a"_s});
        QCOMPARE(f.local->services().value(u"api"_s).tags, QStringList{u"a"_s});
        const quint64 writes = f.local->syncWrites();
        f.local->fullSync();
        QCOMPARE(f.local->syncWrites(), writes);
    }

    void aliasFollowsTheAliasedService()
    {
        Fixture f;
        QVERIFY(!f.local->addCheck(obj(R"({"Name":"alias","AliasService":"web"})")));
        QCOMPARE(f.status(u"alias"_s), u"critical"_s);
        QCOMPARE(f.local->checks().value(u"alias"_s).output, u"Service web could not be found on node "_s);
        QVERIFY(!f.local->addService(obj(R"({"Name":"web","Check":{"TTL":"1h"}})"), false));
        QCOMPARE(f.status(u"alias"_s), u"critical"_s);
        QVERIFY(!f.local->updateTtl(u"service:web"_s, u"passing"_s, {}));
        QCOMPARE(f.status(u"alias"_s), u"passing"_s);
        QCOMPARE(f.local->checks().value(u"alias"_s).output, u"All checks passing."_s);
        QVERIFY(!f.local->updateTtl(u"service:web"_s, u"warning"_s, u"slow"_s));
        QCOMPARE(f.status(u"alias"_s), u"warning"_s);
        QCOMPARE(f.catalogCheck(u"alias"_s)->status, u"warning"_s);
    }

    void configDefinitionsAndReload()
    {
        Fixture f;
        const QJsonArray services{obj(R"({"name":"web","port":80,"checks":[{"ttl":"1h"}]})"),
                                  obj(R"({"name":"db","port":5432})")};
        const QJsonArray checks{obj(R"({"name":"disk","ttl":"1h"})")};
        QVERIFY(!f.local->applyConfigDefinitions(services, checks));
        QVERIFY(!f.local->updateTtl(u"service:web"_s, u"passing"_s, u"fine"_s));
        QVERIFY(!f.local->addService(obj(R"({"Name":"api"})"), false)); // from the API
        QCOMPARE(f.local->serviceSource(u"web"_s), LocalState::Source::Local);

        // Same config again: nothing changes, the check keeps its status.
        const quint64 writes = f.local->syncWrites();
        QVERIFY(!f.local->applyConfigDefinitions(services, checks));
        QCOMPARE(f.status(u"service:web"_s), u"passing"_s);
        Q_UNUSED(writes);

        // db changed, disk removed, cache added; web unchanged keeps its TTL state.
        const QJsonArray next{services.at(0), obj(R"({"name":"db","port":5433})"), obj(R"({"name":"cache"})")};
        QVERIFY(!f.local->applyConfigDefinitions(next, {}));
        QCOMPARE(f.local->services().value(u"db"_s).port, 5433);
        QVERIFY(f.local->services().contains(u"cache"_s));
        QVERIFY(f.local->services().contains(u"api"_s)); // API-registered: untouched
        QVERIFY(!f.local->checks().contains(u"disk"_s));
        QVERIFY(!f.catalogCheck(u"disk"_s));
        QCOMPARE(f.status(u"service:web"_s), u"passing"_s);
        QCOMPARE(f.store.findService(u"n1"_s, u"db"_s)->port, 5433);

        // Invalid: rejected whole, nothing applied.
        const QJsonArray bad{obj(R"({"name":"db","port":1})"), obj("{\"name\":\"x\",\"checks\":[{\"http\":\"http://h/\"}]}")};
        const http::v1::AgentError e = f.local->applyConfigDefinitions(bad, {});
        QVERIFY(e);
        QVERIFY2(e.message.contains(u"Interval must be > 0"_s), qPrintable(e.message));
        QCOMPARE(f.local->services().value(u"db"_s).port, 5433);
        QVERIFY(f.local->services().contains(u"cache"_s));
        // A check for a service that does not exist is rejected too.
        QVERIFY(f.local->applyConfigDefinitions(next, QJsonArray{obj(R"({"name":"c","ttl":"1s","service_id":"ghost"})")}));
        // Scripts from files need enable_local_script_checks.
        QVERIFY(f.local->applyConfigDefinitions(next, QJsonArray{obj(R"({"name":"s","args":["true"],"interval":"1s"})")})
                    .message.contains(QStringLiteral("'enable_local_script_checks'")));
    }
    // As Consul's anti-entropy: while no write has put the node info in the catalog, each service
    // and check write carries it (no SkipNodeUpdate), so a service never appears on a node without
    // its meta; once one is applied, writes skip the node; a full sync that finds the node's meta,
    // tagged addresses or ID changed writes the node info again.
    void nodeInfoRidesOnWritesUntilInSync()
    {
        SimClock clock;
        state::StateStore store;
        HeldCommitter committer(&store);
        LocalState::Options o;
        o.node = u"n1"_s;
        o.nodeInfo = obj(R"({"ID":"8f2b37b5-6c1e-4a53-a2fd-5e0c7e3a0c11","Address":"127.0.0.1",
                            "TaggedAddresses":{"lan":"127.0.0.1","wan":"127.0.0.1"},"NodeMeta":{"rack":"r1"}})");
        LocalState local(&clock, &committer, &store, nullptr, o);
        QVERIFY(!local.addService(obj(R"({"Name":"web","Port":80})"), false));
        QCOMPARE(committer.held.size(), 2); // the node info alone, then the service
        QVERIFY(!committer.body(0).contains(u"Service"_s));
        const QJsonObject service = committer.body(1);
        QCOMPARE(service.value(u"SkipNodeUpdate"_s).toBool(), false);
        QCOMPARE(service.value(u"NodeMeta"_s).toObject(), obj(R"({"rack":"r1"})"));
        // The node info write fails (no leader yet); the service's is applied, with the node's meta.
        committer.fail(0);
        committer.apply(1);
        QVERIFY(store.findService(u"n1"_s, u"web"_s));
        QCOMPARE(store.findNode(u"n1"_s)->meta.value(u"rack"_s), u"r1"_s);
        QCOMPARE(store.findNode(u"n1"_s)->taggedAddresses.value(u"wan"_s), u"127.0.0.1"_s);
        QCOMPARE(store.findNode(u"n1"_s)->id, o.nodeInfo.value(u"ID"_s).toString());
        // In sync now: the next write skips the node.
        QVERIFY(!local.addService(obj(R"({"Name":"db"})"), false));
        QCOMPARE(committer.held.size(), 3);
        QCOMPARE(committer.body(2).value(u"SkipNodeUpdate"_s).toBool(), true);
        committer.apply(2);
        // Someone rewrites the node without its meta: the full sync finds it and writes it back.
        QVERIFY(store.apply(store.lastIndex() + 1, state::command::registerNode(
                                                       obj(R"({"Node":"n1","ID":"8f2b37b5-6c1e-4a53-a2fd-5e0c7e3a0c11",
                                                               "Address":"127.0.0.1"})"),
                                                       clock.wallMs()))
                    .error.isEmpty());
        local.fullSync();
        QCOMPARE(committer.held.size(), 4);
        QCOMPARE(committer.body(3).value(u"SkipNodeUpdate"_s).toBool(), false);
        committer.apply(3);
        QCOMPARE(store.findNode(u"n1"_s)->meta.value(u"rack"_s), u"r1"_s);
        local.fullSync();
        QCOMPARE(committer.held.size(), 4); // in sync: nothing written
    }
};

QTEST_GUILESS_MAIN(TestLocalState)
#include "tst_localstate.moc"

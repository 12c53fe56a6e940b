// Autopilot's state on the leader (cluster/AutopilotHealth), as Consul's raft-autopilot computes
// it: the Raft configuration's servers only, with what gossip says of them, the stats each one
// reported itself, health against the leader's last log term and index, StableSince, the
// voters' order and the failure tolerance; and the Status.RaftStats wire format.
#include "cluster/AutopilotHealth.h"

#include <QCborArray>
#include <QTest>

using namespace qonsul;
using namespace qonsul::cluster;
using namespace Qt::StringLiterals;

namespace {
const qint64 kWall = 1'000'000'000'000; // the wall clock, 10^12 ms ahead of the monotonic one

AutopilotInputs inputs(qint64 now)
{
    AutopilotInputs in;
    in.configuration = {raft::Server{u"a"_s, u"10.0.0.1:8300"_s, raft::Suffrage::Voter},
                        raft::Server{u"b"_s, u"10.0.0.2:8300"_s, raft::Suffrage::Voter},
                        raft::Server{u"c"_s, u"10.0.0.3:8300"_s, raft::Suffrage::Nonvoter}};
    in.leaderId = u"a"_s;
    for (const QString &id : {u"a"_s, u"b"_s, u"c"_s, u"d"_s})
        in.known.insert(id, AutopilotKnownServer{u"node-"_s + id, u"alive"_s, u"1.22.0"_s, api::StringMap{{u"k"_s, id}}});
    in.fetched = {{u"a"_s, {0, 3, 100}}, {u"b"_s, {40, 3, 99}}, {u"c"_s, {60, 3, 100}}};
    in.leaderLastTerm = 3;
    in.leaderLastIndex = 100;
    in.heartbeatIntervalMs = 100;
    in.nowMs = now;
    in.wallMs = kWall + now;
    return in;
}

const http::v1::RaftBackend::AutopilotServer &server(const AutopilotTracker &t, const QString &id)
{
    for (const auto &s : t.view().servers) {
        if (s.id == id)
            return s;
    }
    static const http::v1::RaftBackend::AutopilotServer none;
    return none;
}
} // namespace

class TestAutopilotHealth : public QObject
{
    Q_OBJECT
private Q_SLOTS:
    void healthRule()
    {
        const config::AutopilotConfig c; // 200ms, 250 logs
        const AutopilotStats ok{50, 7, 1000};
        QVERIFY(autopilotHealthy(u"alive"_s, ok, 7, 1000, c, 100));
        QVERIFY(autopilotHealthy(u"alive"_s, ok, 7, 1250, c, 100));  // 250 behind
        QVERIFY(!autopilotHealthy(u"alive"_s, ok, 7, 1251, c, 100)); // 251 behind
        QVERIFY(!autopilotHealthy(u"alive"_s, ok, 8, 1000, c, 100)); // its last entry in another term
        QVERIFY(!autopilotHealthy(u"failed"_s, ok, 7, 1000, c, 100));
        QVERIFY(!autopilotHealthy(u"left"_s, ok, 7, 1000, c, 100));
        QVERIFY(!autopilotHealthy(u"unknown"_s, ok, 7, 1000, c, 100));
        QVERIFY(!autopilotHealthy(u"alive"_s, {0, 0, 0}, 0, 0, c, 100)); // no log yet: nothing is healthy
        // Contact counts past the heartbeat the server was due to hear.
        QVERIFY(autopilotHealthy(u"alive"_s, {300, 7, 1000}, 7, 1000, c, 100));
        QVERIFY(!autopilotHealthy(u"alive"_s, {301, 7, 1000}, 7, 1000, c, 100));
        QVERIFY(autopilotHealthy(u"alive"_s, {650, 7, 1000}, 7, 1000, c, 500)); // raft_multiplier 5
        config::AutopilotConfig strict;
        strict.maxTrailingLogs = 0;
        strict.lastContactThreshold = 10 * kMillisecond;
        QVERIFY(!autopilotHealthy(u"alive"_s, ok, 7, 1001, strict, 100));
        QVERIFY(!autopilotHealthy(u"alive"_s, {111, 7, 1000}, 7, 1000, strict, 100));
    }

    void raftStatsWire()
    {
        AutopilotStats stats;
        QString error;
        QVERIFY(decodeRaftStats(encodeRaftStats({42, 3, 17}), &stats, &error));
        QCOMPARE(stats.lastContactMs, 42);
        QCOMPARE(stats.lastTerm, 3u);
        QCOMPARE(stats.lastIndex, 17u);
        // "never" heard from a leader reads as 0, as Consul's leader parses hashicorp/raft's "never".
        QVERIFY(decodeRaftStats(encodeRaftStats({-1, 0, 0}), &stats, &error));
        QCOMPARE(stats.lastContactMs, 0);
        // Anything else is refused and leaves the stats alone.
        stats = {7, 7, 7};
        const QCborValue bad[] = {QCborValue(), QCborValue(u"x"_s), QCborArray{1, 2, 3},
                                  QCborMap{{u"LastTerm"_s, 1}, {u"LastIndex"_s, 1}},
                                  QCborMap{{u"LastContact"_s, u"5ms"_s}, {u"LastTerm"_s, 1}, {u"LastIndex"_s, 1}},
                                  QCborMap{{u"LastContact"_s, 5}, {u"LastTerm"_s, -1}, {u"LastIndex"_s, 1}},
                                  QCborMap{{u"LastContact"_s, 5}, {u"LastTerm"_s, 1}, {u"LastIndex"_s, 1.5}}};
        for (const QCborValue &value : bad) {
            error.clear();
            QVERIFY2(!decodeRaftStats(value, &stats, &error), qPrintable(value.toDiagnosticNotation()));
            QCOMPARE(error, u"malformed raft stats"_s);
        }
        QCOMPARE(stats.lastIndex, 7u);
    }

    // Only the Raft configuration's servers, each with its own stats; gossip's view of them.
    void stateFromInputs()
    {
        const AutopilotTracker t = AutopilotTracker().next(inputs(100));
        QVERIFY(!t.isEmpty());
        const auto &view = t.view();
        QCOMPARE(view.servers.size(), 3); // "d" is in gossip, not in Raft: not listed
        QCOMPARE(server(t, u"a"_s).status, u"leader"_s);
        QCOMPARE(server(t, u"b"_s).status, u"voter"_s);
        QCOMPARE(server(t, u"c"_s).status, u"non-voter"_s);
        const auto &b = server(t, u"b"_s);
        QCOMPARE(b.name, u"node-b"_s);
        QCOMPARE(b.address, u"10.0.0.2:8300"_s);
        QCOMPARE(b.nodeStatus, u"alive"_s);
        QCOMPARE(b.version, u"1.22.0"_s);
        QCOMPARE(b.meta->value(u"k"_s), u"b"_s);
        QCOMPARE(b.lastContactMs, 40);
        QCOMPARE(b.lastTerm, 3u);
        QCOMPARE(b.lastIndex, 99u);
        QVERIFY(b.healthy);
        QCOMPARE(b.stableSinceMs, kWall + 100);
        QVERIFY(view.healthy);
        QCOMPARE(view.leader, u"a"_s);
        QCOMPARE(view.voters, (QStringList{u"a"_s, u"b"_s}));
        QCOMPARE(view.failureTolerance, 0); // 2 healthy voters, a quorum of 2
    }

    // A server that does not answer keeps the stats it reported last; one gossip forgot keeps
    // its name but is "left", and unhealthy.
    void staleStatsAndForgottenServers()
    {
        AutopilotTracker t = AutopilotTracker().next(inputs(100));
        AutopilotInputs in = inputs(2100);
        in.fetched.remove(u"b"_s);
        in.known.remove(u"c"_s);
        in.leaderLastIndex = 101;
        in.fetched[u"a"_s].lastIndex = 101;
        t = t.next(in);
        QCOMPARE(server(t, u"b"_s).lastContactMs, 40);
        QCOMPARE(server(t, u"b"_s).lastIndex, 99u);
        QVERIFY(server(t, u"b"_s).healthy);
        QCOMPARE(server(t, u"b"_s).stableSinceMs, kWall + 100); // unchanged health: unchanged StableSince
        const auto &c = server(t, u"c"_s);
        QCOMPARE(c.nodeStatus, u"left"_s);
        QCOMPARE(c.name, u"node-c"_s);
        QVERIFY(!c.healthy);
        QCOMPARE(c.stableSinceMs, kWall + 2100);
        QVERIFY(!t.view().healthy);
        // Never known to gossip: no name, version or meta.
        in.configuration.append(raft::Server{u"e"_s, u"10.0.0.5:8300"_s, raft::Suffrage::Nonvoter});
        t = t.next(in);
        QCOMPARE(server(t, u"e"_s).nodeStatus, u"left"_s);
        QCOMPARE(server(t, u"e"_s).name, QString());
        QCOMPARE(server(t, u"e"_s).version, QString());
        QVERIFY(!server(t, u"e"_s).meta);
        QCOMPARE(server(t, u"e"_s).lastTerm, 0u);
    }

    void stability()
    {
        AutopilotTracker t = AutopilotTracker().next(inputs(100));
        QVERIFY(!t.stable(u"c"_s, 2099, 2000));
        QVERIFY(t.stable(u"c"_s, 2100, 2000));
        QVERIFY(!t.stable(u"d"_s, 9999, 0)); // not in the state
        AutopilotInputs in = inputs(500);
        in.fetched[u"c"_s] = {60, 2, 100}; // its last entry is from an older term
        t = t.next(in);
        QVERIFY(!server(t, u"c"_s).healthy);
        QVERIFY(!t.stable(u"c"_s, 99999, 0)); // unhealthy is never stable
        t = t.next(inputs(900));
        QCOMPARE(server(t, u"c"_s).stableSinceMs, kWall + 900);
        QVERIFY(!t.stable(u"c"_s, 2899, 2000));
        QVERIFY(t.stable(u"c"_s, 2900, 2000));
    }

    // raft-autopilot's adjudicateRemoval, Consul CE: non-voters count as potential voters.
    void pruneLimits()
    {
        auto config = [](int voters, int nonvoters) {
            QList<raft::Server> out;
            for (int i = 0; i < voters + nonvoters; ++i)
                out.append(raft::Server{u"s%1"_s.arg(i), {}, i < voters ? raft::Suffrage::Voter : raft::Suffrage::Nonvoter});
            return out;
        };
        auto all = [](const QList<raft::Server> &servers) {
            QSet<QString> ids;
            for (const raft::Server &s : servers)
                ids.insert(s.id);
            return ids;
        };
        const QList<raft::Server> three = config(3, 0);
        QCOMPARE(serversToPrune(three, all(three), {u"s2"_s}, 0), QStringList{u"s2"_s});
        QCOMPARE(serversToPrune(three, all(three), {u"s2"_s}, 2), QStringList{u"s2"_s});
        QCOMPARE(serversToPrune(three, all(three), {u"s2"_s}, 3), QStringList()); // would leave 2 < min_quorum
        QCOMPARE(serversToPrune(three, all(three), {u"s2"_s, u"s1"_s}, 0), QStringList{u"s1"_s}); // at most (3-1)/2, by ID
        const QList<raft::Server> five = config(5, 0);
        QCOMPARE(serversToPrune(five, all(five), {u"s4"_s, u"s3"_s}, 0), (QStringList{u"s3"_s, u"s4"_s}));
        QCOMPARE(serversToPrune(five, all(five), {u"s4"_s, u"s3"_s, u"s2"_s}, 0), (QStringList{u"s2"_s, u"s3"_s}));
        // A live non-voter is a potential voter: with 2 voters and 1 non-voter a failed voter goes.
        const QList<raft::Server> twoPlusOne = config(2, 1);
        QCOMPARE(serversToPrune(twoPlusOne, all(twoPlusOne), {u"s1"_s}, 0), QStringList{u"s1"_s});
        // A failed non-voter counts against min_quorum too.
        const QList<raft::Server> threePlusOne = config(3, 1);
        QCOMPARE(serversToPrune(threePlusOne, all(threePlusOne), {u"s3"_s}, 4), QStringList());
        QCOMPARE(serversToPrune(threePlusOne, all(threePlusOne), {u"s3"_s}, 3), QStringList{u"s3"_s});
        // Non-voters first, then voters within what is left: 4 voters and 1 non-voter, both failed.
        const QList<raft::Server> fourPlusOne = config(4, 1);
        QCOMPARE(serversToPrune(fourPlusOne, all(fourPlusOne), {u"s0"_s, u"s4"_s}, 0), (QStringList{u"s4"_s, u"s0"_s}));
        // A server gossip does not know is no potential voter: 2 of 3 leave no room for removal.
        QCOMPARE(serversToPrune(three, {u"s1"_s, u"s2"_s}, {u"s2"_s}, 0), QStringList());
    }

    // raft-autopilot's order: the leader, then healthy voters stable the longest, then unhealthy.
    void votersOrderAndFailureTolerance()
    {
        AutopilotInputs in = inputs(100);
        in.configuration = {};
        for (const QString &id : {u"e"_s, u"d"_s, u"c"_s, u"b"_s, u"a"_s})
            in.configuration.append(raft::Server{id, id + u":8300"_s, raft::Suffrage::Voter});
        in.known.insert(u"e"_s, AutopilotKnownServer{u"node-e"_s, u"alive"_s, {}, {}});
        in.leaderId = u"c"_s;
        in.fetched = {{u"a"_s, {0, 3, 100}}, {u"b"_s, {0, 3, 100}}, {u"c"_s, {0, 3, 100}}, {u"e"_s, {0, 3, 100}}};
        AutopilotTracker t = AutopilotTracker().next(in); // d never answered: unhealthy
        QCOMPARE(t.view().voters, (QStringList{u"c"_s, u"a"_s, u"b"_s, u"e"_s, u"d"_s}));
        QCOMPARE(t.view().failureTolerance, 1); // 4 healthy of 5, a quorum of 3
        in.nowMs = 500;
        in.wallMs = kWall + 500;
        in.fetched[u"a"_s].lastTerm = 2; // a turns unhealthy, then healthy again later than b and e
        t = t.next(in);
        QCOMPARE(t.view().failureTolerance, 0);
        in.nowMs = 900;
        in.wallMs = kWall + 900;
        in.fetched[u"a"_s].lastTerm = 3;
        t = t.next(in);
        QCOMPARE(t.view().voters, (QStringList{u"c"_s, u"b"_s, u"e"_s, u"a"_s, u"d"_s}));
    }
};

QTEST_GUILESS_MAIN(TestAutopilotHealth)
#include "tst_autopilothealth.moc"

// Deterministic simulation of Raft clusters (label `sim`). Directed scenarios first (election,
// re-election, pre-vote, check-quorum, transfer), then many seeded random schedules of faults and
// client traffic with the invariant checker running after every event.
//
// Replay a failing schedule exactly, with a trace of every fault and client operation:
//   QONSUL_SIM_SEED=<seed> QONSUL_SIM_SCENARIO=<scenario> build/tests/tst_raft_sim randomSchedules
// Run more schedules locally:  QONSUL_SIM_SEEDS=20000 build/tests/tst_raft_sim randomSchedules
#include "SimCluster.h"

#include <QElapsedTimer>
#include <QHashFunctions>
#include <QLoggingCategory>
#include <QTest>

using namespace Qt::StringLiterals;
using namespace qonsul;
using namespace qonsul::raft;
using namespace qonsul::sim;

namespace {

// Schedules per scenario in one CI run (5 scenarios). Measured on the 2-core CI machine; raise it
// locally with QONSUL_SIM_SEEDS.
constexpr int kSeedsPerScenario = 2000;
constexpr qint64 kScheduleMs = 30000; // simulated time of faults and traffic per schedule

struct Scenario
{
    const char *name;
    int servers;
    bool membership; // start with 3 voters and add, promote and remove servers on the way
    bool churn = false; // faults every 0.1-0.7 s instead of 0.2-3 s: many short-lived leaders
    int multiplier = 1;  // raft_multiplier; schedule length and fault spacing scale with it
    int seedShare = 1;   // runs kSeedsPerScenario / seedShare schedules
};

const Scenario kScenarios[] = {
    { "3-servers", 3, false },
    { "5-servers", 5, false },
    { "5-servers-membership", 5, true },
    { "3-servers-lossy", 3, false },
    { "5-servers-churn", 5, false, true },
    // Consul's default timing (5 s heartbeat and election timeouts, 2.5 s lease), 150 s each.
    { "3-servers-multiplier-5", 3, false, false, 5, 5 },
};

struct Outcome
{
    QString failure; // empty: every invariant held and the cluster recovered at the end
    quint64 writes = 0;
    quint64 reads = 0;
    quint64 messages = 0;
    SimCluster::Stats stats;
};

void nemesis(SimCluster &c, bool membership)
{
    SimRandom &r = c.random();
    const int n = c.size();
    const int victim = int(r.below(quint64(n)));
    const int leader = c.leader();
    switch (membership && r.chance(0.3) ? 11 : r.below(11)) {
    case 0:
    case 1:
        c.trace(u"heal the network"_s);
        c.network().heal();
        break;
    case 2: {
        const int who = leader >= 0 && r.chance(0.5) ? leader : victim;
        c.trace(u"isolate %1"_s.arg(c.idOf(who)));
        c.network().isolate(c.idOf(who), c.ids());
        break;
    }
    case 3: {
        QList<ServerId> side;
        const int k = 1 + int(r.below(quint64(n / 2)));
        while (side.size() < k) {
            const ServerId id = c.idOf(int(r.below(quint64(n))));
            if (!side.contains(id))
                side.append(id);
        }
        c.trace(u"partition {%1} from the rest"_s.arg(side.join(u',')));
        c.network().partition(side, c.ids());
        break;
    }
    case 4: {
        const int to = int(r.below(quint64(n)));
        if (to != victim) {
            c.trace(u"cut the link %1 -> %2 (asymmetric)"_s.arg(c.idOf(victim), c.idOf(to)));
            c.network().cut(c.idOf(victim), c.idOf(to));
        }
        break;
    }
    case 5:
        c.crash(leader >= 0 && r.chance(0.3) ? leader : victim);
        break;
    case 6:
        for (int i = 0; i < n; ++i) {
            if (!c.isUp(i)) {
                c.restart(i);
                break;
            }
        }
        break;
    case 7:
        if (c.diskFull(victim) || r.chance(0.25)) {
            c.trace(u"%1's disk is %2"_s.arg(c.idOf(victim), c.diskFull(victim) ? u"no longer full"_s : u"full"_s));
            c.setDiskFull(victim, !c.diskFull(victim));
        } else if (c.isUp(victim)) {
            c.trace(u"%1 will crash during its next disk write"_s.arg(c.idOf(victim)));
            c.armCrashOnWrite(victim);
        }
        break;
    case 8:
        if (leader >= 0 && victim != leader) {
            c.trace(u"transfer leadership %1 -> %2"_s.arg(c.idOf(leader), c.idOf(victim)));
            c.event(leader, [&] { c.node(leader)->transferLeadership(c.idOf(victim)); });
        }
        break;
    case 9: {
        auto &f = c.network().faults();
        f.maxLatencyMs = f.minLatencyMs + r.between(0, 120);
        c.trace(u"latency now %1..%2 ms"_s.arg(f.minLatencyMs).arg(f.maxLatencyMs));
        break;
    }
    case 10: {
        // Spurious resets, mostly of a live leader's connections: its followers campaign early
        // unless its next message comes first; the lease must hold either way.
        const int who = leader >= 0 && r.chance(0.7) ? leader : victim;
        if (c.isUp(who))
            c.resetConnections(who);
        break;
    }
    case 11: {
        if (leader < 0)
            break;
        RaftNode *l = c.node(leader);
        const Configuration config = l->configuration();
        QList<ServerId> nonvoters, outside;
        for (const ServerId &id : c.ids()) {
            const Server *s = config.find(id);
            if (!s)
                outside.append(id);
            else if (s->suffrage == Suffrage::Nonvoter)
                nonvoters.append(id);
        }
        const QList<ServerId> voters = config.voters();
        c.event(leader, [&] {
            // Promote once caught up, as autopilot does — or, now and then, blindly.
            const bool caughtUp = !nonvoters.isEmpty() && l->matchIndex(nonvoters.first()).value_or(0) >= l->commitIndex();
            if (!nonvoters.isEmpty() && (caughtUp || r.chance(0.3))) {
                c.trace(u"promote %1 to voter%2"_s.arg(nonvoters.first(), caughtUp ? QString() : u" (not caught up)"_s));
                l->addVoter(nonvoters.first(), {}, nullptr);
            } else if (voters.size() < 5 && !outside.isEmpty() && r.chance(0.6)) {
                const ServerId id = outside.at(qsizetype(r.below(quint64(outside.size()))));
                c.trace(u"add %1 as non-voter"_s.arg(id));
                l->addNonvoter(id, {}, nullptr);
            } else if (voters.size() > 3) {
                const ServerId id = voters.at(qsizetype(r.below(quint64(voters.size()))));
                c.trace(u"remove %1"_s.arg(id));
                l->removeServer(id, nullptr);
            }
        });
        break;
    }
    }
}

// Heals everything, restarts every server and checks the cluster commits and converges again.
QString recover(SimCluster &c, int multiplier)
{
    c.trace(u"recovery: heal, no loss, restart all"_s);
    c.network().heal();
    c.network().faults().dropRate = 0;
    c.network().faults().duplicateRate = 0;
    c.disarmCrashes();
    const quint64 before = c.writesAcked();
    for (int attempt = 0; attempt < 60 * multiplier && c.invariants().hold(); ++attempt) {
        for (int i = 0; i < c.size(); ++i)
            c.restart(i);
        c.write(u"probe"_s);
        c.runFor(1000);
        const int l = c.leader();
        if (l < 0 || c.writesAcked() == before)
            continue;
        const quint64 target = c.node(l)->commitIndex();
        bool same = true;
        for (const Server &s : c.node(l)->configuration().servers) {
            const int i = int(c.ids().indexOf(s.id));
            same = same && c.isUp(i) && c.node(i)->lastApplied() >= target;
        }
        if (same)
            return {};
    }
    if (!c.invariants().hold())
        return c.invariants().report();
    return u"liveness: no leader committed and replicated a write within %1 s of healing"_s.arg(60 * multiplier);
}

Outcome runSchedule(const Scenario &scenario, quint64 seed, bool trace)
{
    SimCluster::Params p;
    p.servers = scenario.servers;
    p.bootstrapVoters = scenario.membership ? 3 : -1;
    p.seed = seed;
    p.options = SimCluster::simOptions();
    p.options.timing = Timing::fromMultiplier(scenario.multiplier);
    p.trace = trace;
    {
        // Batch and pipeline sizes vary per schedule: small batches split a new leader's no-op
        // from the older entries before it, which the Figure 8 case (5.4.2) needs.
        SimRandom sizes(seed ^ 0x5eedu);
        p.options.maxAppendEntries = int(sizes.between(1, 16));
        p.options.maxInflight = int(sizes.between(1, 8));
        // Clock drift up to +-20 %: rates then differ by at most 1.5x, inside the 2x the lease
        // tolerates (heartbeat timeout / lease) and the 1.6x once a leader's connection closed
        // (Timing::leaderGoneTimeout / lease).
        p.maxDrift = double(sizes.between(0, 20)) / 100.0;
        // InstallSnapshot in 1 to ~10 chunks.
        p.options.snapshotChunkBytes = qsizetype(sizes.between(16, 160));
    }
    SimCluster c(p);
    c.invariants().checkDurableQuorum = !scenario.membership;
    SimRandom &r = c.random();
    auto &f = c.network().faults();
    const bool lossy = QByteArrayView(scenario.name).endsWith("lossy");
    f.minLatencyMs = r.between(1, 5);
    f.maxLatencyMs = f.minLatencyMs + r.between(0, 60);
    f.dropRate = double(r.between(0, lossy ? 30 : 8)) / 100.0;
    f.duplicateRate = double(r.between(0, lossy ? 20 : 5)) / 100.0;
    c.trace(u"%1 seed %2: latency %3..%4 ms, drop %5, duplicate %6, clock drift up to %7, batch %8, inflight %9"_s
                .arg(QLatin1StringView(scenario.name)).arg(seed).arg(f.minLatencyMs).arg(f.maxLatencyMs)
                .arg(f.dropRate).arg(f.duplicateRate).arg(p.maxDrift).arg(p.options.maxAppendEntries)
                .arg(p.options.maxInflight));

    const qint64 m = scenario.multiplier;
    qint64 nextFault = m * r.between(1000, 4000);
    qint64 nextClient = r.between(0, 200);
    while (c.invariants().hold() && c.clock().monotonicMs() < m * kScheduleMs) {
        const qint64 nextAt = std::min(nextFault, nextClient);
        c.runFor(std::max<qint64>(0, nextAt - c.clock().monotonicMs()));
        if (!c.invariants().hold())
            break;
        const qint64 t = c.clock().monotonicMs();
        if (t >= nextClient) {
            const quint64 op = r.below(10);
            if (op < 5)
                c.write(u"k%1"_s.arg(r.below(4)));
            else
                c.read(op < 8 ? RaftNode::ReadMode::Lease : RaftNode::ReadMode::ReadIndex, u"k%1"_s.arg(r.below(4)));
            nextClient = t + r.between(5, 150);
        }
        if (t >= nextFault) {
            nemesis(c, scenario.membership);
            nextFault = t + m * (scenario.churn ? r.between(100, 700) : r.between(200, 3000));
        }
    }
    Outcome out;
    out.failure = c.invariants().hold() ? recover(c, scenario.multiplier) : c.invariants().report();
    if (out.failure.isEmpty())
        out.failure = c.linearizabilityReport();
    out.writes = c.writesAcked();
    out.reads = c.readsDone();
    out.messages = c.network().sent();
    out.stats = c.stats();
    return out;
}

// A cluster with the node's logs quiet, and helpers for directed scenarios.
SimCluster::Params params(int servers, quint64 seed)
{
    SimCluster::Params p;
    p.servers = servers;
    p.seed = seed;
    p.options = SimCluster::simOptions();
    return p;
}

} // namespace

class TestRaftSim : public QObject
{
    Q_OBJECT

private Q_SLOTS:
    void initTestCase()
    {
        QLoggingCategory::setFilterRules(u"qonsul.raft=false\nqonsul.raft.storage=false"_s);
        // RaftNode walks QHashes (followers' progress) when it sends: without a fixed seed the
        // message order, and with it the schedule, would differ from one process to the next.
        QHashSeed::setDeterministicGlobalSeed();
    }

    void electsOneLeader_data()
    {
        QTest::addColumn<int>("servers");
        QTest::newRow("3") << 3;
        QTest::newRow("5") << 5;
    }
    void electsOneLeader()
    {
        QFETCH(int, servers);
        for (quint64 seed = 1; seed <= 20; ++seed) {
            SimCluster c(params(servers, seed));
            // Multiplier 1: the first timeout fires within [1 s, 2 s); allow a split vote or two.
            QVERIFY2(c.runUntil([&] { return c.leader() >= 0; }, 10000), qPrintable(u"seed %1"_s.arg(seed)));
            c.runFor(5000);
            QVERIFY2(c.invariants().hold(), qPrintable(c.invariants().report()));
            int leaders = 0;
            for (int i = 0; i < servers; ++i)
                leaders += c.node(i)->isLeader() ? 1 : 0;
            QCOMPARE(leaders, 1);
            for (int i = 0; i < servers; ++i)
                QCOMPARE(c.node(i)->leaderId(), c.idOf(c.leader()));
        }
    }

    void reelectsAfterLeaderIsolated()
    {
        SimCluster c(params(5, 7));
        QVERIFY(c.runUntil([&] { return c.leader() >= 0; }, 10000));
        const int old = c.leader();
        const quint64 oldTerm = c.node(old)->currentTerm();
        c.network().isolate(c.idOf(old), c.ids());
        QVERIFY(c.runUntil([&] { const int l = c.leader(); return l >= 0 && l != old; }, 10000));
        // Check-quorum: the isolated leader stepped down on its own, within the lease timeout.
        QVERIFY(c.runUntil([&] { return !c.node(old)->isLeader(); }, 1000));
        QVERIFY(c.node(c.leader())->currentTerm() > oldTerm);
        c.network().heal();
        c.runFor(3000);
        QVERIFY2(c.invariants().hold(), qPrintable(c.invariants().report()));
        QCOMPARE(c.node(old)->leaderId(), c.idOf(c.leader()));
    }

    void preVoteKeepsRejoiningServerFromDisrupting()
    {
        SimCluster c(params(3, 3));
        QVERIFY(c.runUntil([&] { return c.leader() >= 0; }, 10000));
        const int l = c.leader();
        const int follower = (l + 1) % 3;
        const quint64 term = c.node(l)->currentTerm();
        c.network().isolate(c.idOf(follower), c.ids());
        c.runFor(20000); // many election timeouts: without pre-vote its term would climb
        QCOMPARE(c.node(follower)->currentTerm(), term);
        c.network().heal();
        c.runFor(3000);
        QCOMPARE(c.leader(), l);
        QCOMPARE(c.node(l)->currentTerm(), term);
        QVERIFY2(c.invariants().hold(), qPrintable(c.invariants().report()));
    }

    void replicatesAndAppliesInOrder()
    {
        SimCluster c(params(3, 11));
        QVERIFY(c.runUntil([&] { return c.leader() >= 0; }, 10000));
        for (int i = 0; i < 200; ++i) {
            c.write(u"k%1"_s.arg(i % 7));
            c.runFor(3);
        }
        QVERIFY(c.runUntil([&] { return c.writesAcked() == 200; }, 5000));
        c.runFor(1000);
        const quint64 commit = c.node(c.leader())->commitIndex();
        for (int i = 0; i < 3; ++i) {
            QCOMPARE(c.node(i)->lastApplied(), commit);
            QCOMPARE(c.stateMachine(i)->value(u"k3"_s), c.stateMachine(c.leader())->value(u"k3"_s));
        }
        // 200 writes with a snapshot threshold of 40: every server compacted its log.
        for (int i = 0; i < 3; ++i)
            QVERIFY(c.node(i)->snapshotIndex() > 0);
        QVERIFY2(c.invariants().hold(), qPrintable(c.invariants().report()));
    }

    // Snapshots are taken on a timer (Consul's raft_snapshot_interval, 500 ms here, plus
    // hashicorp/raft's random part of up to one interval): none below the threshold of applied
    // entries (40 here), and past it every server snapshots within two intervals plus the time
    // the snapshot takes to write (up to 300 ms in the simulation), then compacts its log.
    void snapshotsOnTheIntervalPastTheThreshold()
    {
        SimCluster c(params(3, 13));
        QVERIFY(c.runUntil([&] { return c.leader() >= 0; }, 10000));
        for (int i = 0; i < 30; ++i) { // with the configuration and the no-op: 32 entries
            c.write(u"k"_s);
            c.runFor(5);
        }
        c.runFor(3000);
        for (int i = 0; i < 3; ++i)
            QCOMPARE(c.node(i)->snapshotIndex(), 0u);
        for (int i = 0; i < 20; ++i) {
            c.write(u"k"_s);
            c.runFor(5);
        }
        QVERIFY(c.runUntil([&] { return c.writesAcked() == 50; }, 1000));
        QVERIFY(c.runUntil([&] {
            return c.node(0)->snapshotIndex() > 0 && c.node(1)->snapshotIndex() > 0 && c.node(2)->snapshotIndex() > 0;
        }, 2 * 500 + 300));
        for (int i = 0; i < 3; ++i) {
            QVERIFY(c.node(i)->snapshotIndex() >= 40);
            QCOMPARE(c.disk(i).firstIndex(), c.node(i)->snapshotIndex() - 10 + 1); // trailing logs: 10
        }
        QVERIFY2(c.invariants().hold(), qPrintable(c.invariants().report()));
    }

    void laggingFollowerCatchesUpBySnapshot()
    {
        SimCluster::Params p = params(3, 5);
        p.options.snapshotChunkBytes = 16; // the snapshot (one key) is ~50 bytes
        SimCluster c(p);
        QVERIFY(c.runUntil([&] { return c.leader() >= 0; }, 10000));
        const int l = c.leader();
        const int lagging = (l + 1) % 3;
        c.crash(lagging);
        for (int i = 0; i < 150; ++i) {
            c.write(u"k"_s);
            c.runFor(5);
        }
        c.runFor(1500); // the snapshot timer: 500 ms plus up to 500, and the write
        QVERIFY(c.disk(l).firstIndex() > c.disk(lagging).lastIndex() + 1); // compacted past it
        c.restart(lagging);
        QVERIFY(c.runUntil([&] { return c.node(lagging)->lastApplied() == c.node(l)->commitIndex(); }, 5000));
        QVERIFY(c.node(lagging)->snapshotIndex() > 0);
        QVERIFY(c.stats().snapshotsInstalled >= 1);
        QVERIFY(c.stats().snapshotChunks > 1);
        QCOMPARE(c.stateMachine(lagging)->value(u"k"_s), c.stateMachine(l)->value(u"k"_s));
        QVERIFY2(c.invariants().hold(), qPrintable(c.invariants().report()));
    }

    void leadershipTransfer()
    {
        SimCluster c(params(5, 9));
        QVERIFY(c.runUntil([&] { return c.leader() >= 0; }, 10000));
        const int old = c.leader();
        const int target = (old + 2) % 5;
        c.write(u"a"_s);
        c.event(old, [&] { QVERIFY(c.node(old)->transferLeadership(c.idOf(target))); });
        QVERIFY(!c.node(old)->hasLease());
        QVERIFY(c.runUntil([&] { return c.leader() == target; }, 2000));
        QVERIFY2(c.invariants().hold(), qPrintable(c.invariants().report()));
    }

    void leaseAndReadIndexReads()
    {
        SimCluster c(params(3, 13));
        QVERIFY(c.runUntil([&] { return c.leader() >= 0; }, 10000));
        c.runFor(500);
        const int l = c.leader();
        QVERIFY(c.node(l)->hasLease());
        c.write(u"x"_s);
        c.runFor(100);
        QVERIFY(c.read(RaftNode::ReadMode::Lease));
        QVERIFY(c.read(RaftNode::ReadMode::ReadIndex));
        c.runFor(100);
        QCOMPARE(c.readsDone(), quint64(2));
        // Cut off from both followers, the leader loses its lease before anyone else can win.
        c.network().isolate(c.idOf(l), c.ids());
        c.runFor(c.node(l)->isLeader() ? 500 : 0);
        QVERIFY(!c.node(l)->hasLease());
        QVERIFY2(c.invariants().hold(), qPrintable(c.invariants().report()));
    }

    void membershipChanges()
    {
        SimCluster::Params p = params(5, 21);
        p.bootstrapVoters = 3;
        SimCluster c(p);
        c.invariants().checkDurableQuorum = false;
        QVERIFY(c.runUntil([&] { return c.leader() >= 0; }, 10000));
        c.runFor(500); // a leader changes the configuration only after committing in its term
        auto change = [&](const std::function<void(RaftNode *, RaftNode::ApplyDone)> &op) {
            bool done = false;
            const int l = c.leader();
            c.event(l, [&] { op(c.node(l), [&](quint64 index, const std::any &, const QString &error) {
                done = index > 0 && error.isEmpty();
            }); });
            return c.runUntil([&] { return done; }, 5000);
        };
        QVERIFY(change([&](RaftNode *n, auto done) { n->addNonvoter(u"s4"_s, {}, done); }));
        QVERIFY(c.runUntil([&] {
            RaftNode *l = c.node(c.leader());
            return l->matchIndex(u"s4"_s).value_or(0) >= l->commitIndex();
        }, 5000));
        QVERIFY(c.runUntil([&] { return c.node(3)->lastApplied() == c.node(c.leader())->commitIndex(); }, 5000));
        QVERIFY(change([&](RaftNode *n, auto done) { n->addVoter(u"s4"_s, {}, done); }));
        QVERIFY(change([&](RaftNode *n, auto done) { n->addVoter(u"s5"_s, {}, done); }));
        QCOMPARE(c.node(c.leader())->configuration().voters().size(), 5);
        const int old = c.leader();
        QVERIFY(change([&](RaftNode *n, auto done) { n->removeServer(n->id(), done); }));
        QVERIFY(c.runUntil([&] { const int l = c.leader(); return l >= 0 && l != old; }, 10000));
        QCOMPARE(c.node(c.leader())->configuration().voters().size(), 4);
        c.write(u"after"_s);
        c.runFor(2000);
        QVERIFY(!c.node(old)->isLeader());
        QVERIFY2(c.invariants().hold(), qPrintable(c.invariants().report()));
    }

    // Raft paper Figure 8 on 5 servers: an entry of an old term that reaches a majority only
    // after its leader came back in a later term must not count as committed until an entry of
    // the new term is on a majority too; otherwise a server with a later-term entry at that index
    // can still win an election and erase it. The checker must see no committed entry lost.
    void figure8OldTermEntryIsNotCommittedByCounting()
    {
        SimCluster::Params p = params(5, 8);
        p.options.maxAppendEntries = 1; // one entry per message: the old entry travels alone
        p.options.maxInflight = 1;
        p.trace = qEnvironmentVariableIsSet("QONSUL_SIM_TRACE");
        SimCluster c(p);
        const QList<ServerId> ids = c.ids();
        // Only the listed pairs can talk (both directions).
        auto links = [&](const QList<QPair<int, int>> &allowed) {
            c.network().heal();
            for (int a = 0; a < 5; ++a) {
                for (int b = 0; b < 5; ++b) {
                    if (a != b && !allowed.contains({ a, b }) && !allowed.contains({ b, a }))
                        c.network().cut(ids[a], ids[b]);
                }
            }
        };
        QVERIFY(c.runUntil([&] { return c.leader() >= 0; }, 10000));
        c.runFor(500);
        const int s1 = c.leader();
        const int s2 = (s1 + 1) % 5, s3 = (s1 + 2) % 5, s4 = (s1 + 3) % 5, s5 = (s1 + 4) % 5;
        const quint64 base = c.disk(s1).lastIndex(); // configuration + no-op, everywhere
        for (int i = 0; i < 5; ++i)
            QCOMPARE(c.disk(i).lastIndex(), base);
        const quint64 k = base + 1;

        // (a) s1 replicates x at k to s2 only, then crashes.
        links({ { s1, s2 }, { s3, s4 }, { s3, s5 }, { s4, s5 } });
        QVERIFY(c.write(u"x"_s));
        QVERIFY(c.runUntil([&] { return c.disk(s2).lastIndex() == k; }, 1000));
        const quint64 oldTerm = c.disk(s1).entry(k).term;
        c.crash(s1);
        // (b) s3..s5 elect s5-ish; the winner writes its no-op at k and is cut off before sending it.
        links({ { s3, s4 }, { s3, s5 }, { s4, s5 } });
        int l2 = -1;
        c.setProbe([&] {
            const int l = c.leader();
            if (l2 < 0 && l >= 0 && l != s2) {
                l2 = l;
                c.network().isolate(ids[l], ids);
            }
        });
        QVERIFY(c.runUntil([&] { return l2 >= 0; }, 10000));
        c.setProbe(nullptr);
        QCOMPARE(c.disk(l2).lastIndex(), k);
        QVERIFY(c.disk(l2).entry(k).term > oldTerm);
        c.crash(l2);
        const int a = l2 == s3 ? s4 : s3; // the follower that will receive x

        // (c) s1 restarts; s1 or s2 wins a later term with a's vote and sends x alone to a.
        c.restart(s1);
        links({ { s1, s2 }, { s1, a }, { s2, a } });
        int l3 = -1;
        bool cut = false;
        c.setProbe([&] {
            const int l = c.leader();
            if (l == s1 || l == s2)
                l3 = l;
            if (l3 >= 0 && !cut && c.disk(a).lastIndex() == k) {
                c.network().cut(ids[l3], ids[a]); // a never gets the new term's no-op
                cut = true;
            }
        });
        QVERIFY(c.runUntil([&] { return cut; }, 10000));
        c.setProbe(nullptr);
        QCOMPARE(c.disk(a).entry(k).term, oldTerm);
        c.runFor(300); // a's acknowledgement arrives: x is on s1, s2, a — 3 of 5
        QVERIFY2(c.invariants().hold(), qPrintable(c.invariants().report()));
        QVERIFY(c.node(l3)->commitIndex() < k); // counting replicas of an old-term entry is not enough

        // (d) Both holders of the new term's no-op crash; l2 comes back and wins with a's vote.
        c.crash(s1);
        c.crash(s2);
        c.restart(l2);
        const int other1 = [&] { for (int i : { s3, s4, s5 }) if (i != l2 && i != a) return i; return -1; }();
        int other2 = -1;
        for (int i : { s3, s4, s5 })
            if (i != l2 && i != a && i != other1)
                other2 = i;
        QVERIFY(other1 >= 0);
        QVERIFY(other2 < 0 || other2 != other1);
        links({ { l2, a }, { l2, other1 } });
        if (other2 >= 0)
            c.network().heal(), links({ { l2, a }, { l2, other1 }, { l2, other2 } });
        const bool elected = c.runUntil([&] { return c.leader() == l2 && c.node(l2)->commitIndex() > k; }, 20000);
        // A leader that had counted x as committed would fail here: "committed entry changed".
        QVERIFY2(c.invariants().hold(), qPrintable(c.invariants().report()));
        QVERIFY(elected);
        // x was overwritten on a — legal, as it was never committed.
        QVERIFY(c.disk(a).entry(k).term > oldTerm);
    }

    // A server cut off from the leader alone (the rest still hear it) must not win an election:
    // pre-vote and stickiness keep the leader and its lease. Should a new leader appear anyway,
    // the probe cuts the old one off from every answer at once, so it keeps believing it leads
    // for a while: any read it then serves without a valid lease is stale, and the checker says so.
    void asymmetricPartitionKeepsLeaderAndLease()
    {
        SimCluster c(params(5, 17));
        QVERIFY(c.runUntil([&] { return c.leader() >= 0; }, 10000));
        c.runFor(500);
        const int l = c.leader();
        const int cutOff = (l + 1) % 5;
        const quint64 term = c.node(l)->currentTerm();
        const QList<ServerId> ids = c.ids();
        c.network().cut(ids[l], ids[cutOff]);
        c.network().cut(ids[cutOff], ids[l]);
        bool deposed = false;
        c.setProbe([&] {
            const int now = c.leader();
            if (!deposed && now >= 0 && now != l) {
                deposed = true;
                for (const ServerId &id : ids)
                    c.network().cut(id, ids[l]);
            }
        });
        // Reads only at first: with writes going on, the cut-off server's log falls behind and
        // its campaign fails on log up-to-dateness alone, which would hide a stickiness bug.
        for (int i = 0; i < 200 && c.invariants().hold(); ++i) {
            if (i >= 60)
                c.write(u"k"_s);
            c.read(i % 2 ? RaftNode::ReadMode::Lease : RaftNode::ReadMode::ReadIndex);
            c.runFor(50);
        }
        c.setProbe(nullptr);
        QVERIFY2(c.invariants().hold(), qPrintable(c.invariants().report()));
        QVERIFY(!deposed);
        QCOMPARE(c.leader(), l);
        QCOMPARE(c.node(l)->currentTerm(), term);
        QCOMPARE(c.node(cutOff)->currentTerm(), term); // pre-vote: its term did not climb
        QVERIFY(c.readsDone() >= 190);
    }

    // kill -9 of a leader closes its connections at once: the followers see the close one
    // latency later and campaign leaderGoneTimeout (800 ms) plus a random part of up to 500 ms
    // after their last contact, instead of 1-2 s. So a new leader commits within 1.4 s of the
    // crash (last contact, spread, the election's and the no-op's round trips). Two followers
    // campaigning within one latency of each other do not split the vote: only one of them
    // passes pre-vote. With 3 servers that holds for every crash; with 5, the two remaining
    // followers can still split their votes between two candidates (an election timeout more),
    // which must stay rare.
    void crashedLeaderReplacedQuickly_data()
    {
        QTest::addColumn<int>("servers");
        QTest::addColumn<qint64>("latency");
        QTest::newRow("3") << 3 << qint64(2); // loopback
        QTest::newRow("3-slow") << 3 << qint64(40); // a loaded machine: campaigns collide more often
        QTest::newRow("5") << 5 << qint64(2);
    }
    void crashedLeaderReplacedQuickly()
    {
        QFETCH(int, servers);
        QFETCH(qint64, latency);
        const Timing timing = SimCluster::simOptions().timing;
        // The last contact (up to a heartbeat interval before the crash), the campaign time, and
        // the close, pre-vote, vote and no-op messages and their answers.
        const qint64 quick = timing.heartbeatInterval() + timing.leaderGoneTimeout()
            + timing.heartbeatTimeout / 2 + 8 * latency;
        const qint64 afterSplitVote = quick + 2 * timing.electionTimeout;
        constexpr int kSeeds = 100;
        QList<qint64> times;
        for (quint64 seed = 1; seed <= kSeeds; ++seed) {
            SimCluster::Params p = params(servers, seed);
            p.maxDrift = 0.05;
            SimCluster c(p);
            c.network().faults().minLatencyMs = latency / 2;
            c.network().faults().maxLatencyMs = latency;
            QVERIFY(c.runUntil([&] { return c.leader() >= 0; }, 10000));
            c.write(u"before"_s);
            c.runFor(500 + qint64(c.random().below(100))); // anywhere between two heartbeats
            const int old = c.leader();
            const quint64 term = c.node(old)->currentTerm();
            const qint64 crashedAt = c.clock().monotonicMs();
            c.crash(old);
            const bool replaced = c.runUntil(
                [&] {
                    const int l = c.leader();
                    return l >= 0 && c.node(l)->currentTerm() > term
                        && c.node(l)->commitIndex() == c.node(l)->lastIndex();
                },
                afterSplitVote);
            const qint64 took = c.clock().monotonicMs() - crashedAt;
            QVERIFY2(
                replaced, qPrintable(u"seed %1: no new leader within %2 ms"_s.arg(seed).arg(afterSplitVote)));
            QVERIFY2(c.invariants().hold(), qPrintable(c.invariants().report()));
            QVERIFY2(took < quick || (servers > 3 && c.node(c.leader())->currentTerm() > term + 1),
                qPrintable(u"seed %1: %2 ms, term %3 -> %4"_s.arg(seed).arg(took).arg(term).arg(
                    c.node(c.leader())->currentTerm())));
            times.append(took);
        }
        std::sort(times.begin(), times.end());
        const qsizetype quickOnes
            = std::count_if(times.cbegin(), times.cend(), [&](qint64 t) { return t < quick; });
        qInfo(
            "%d servers, latency up to %lld ms, %d crashes of the leader: new leader committing after median "
            "%lld ms, worst %lld ms; %lld within %lld ms",
            servers, latency, kSeeds, times.at(kSeeds / 2), times.last(), qint64(quickOnes), quick);
        QVERIFY(quickOnes >= kSeeds * 95 / 100);
    }

    // The other half: connections that close while their leader lives (reset by something in
    // between, or a peer's connection pool starting over) never move the leadership. The
    // leader's connections are reset again and again for 20 s, with one follower also cut off
    // from it: that follower campaigns early, but the others hear the leader and stay sticky, so
    // its pre-votes fail and no term changes. Lease and ReadIndex reads go on throughout and are
    // checked for staleness; clocks drift by up to 20 %.
    void closedConnectionsOfLiveLeaderKeepLeader()
    {
        SimCluster::Params p = params(5, 23);
        p.maxDrift = 0.2;
        SimCluster c(p);
        QVERIFY(c.runUntil([&] { return c.leader() >= 0; }, 10000));
        c.runFor(500);
        const int l = c.leader();
        const int cutOff = (l + 1) % 5;
        const quint64 term = c.node(l)->currentTerm();
        c.resetConnections(l); // the close reaches cutOff; nothing from the leader does after it
        c.network().cut(c.idOf(l), c.idOf(cutOff));
        c.network().cut(c.idOf(cutOff), c.idOf(l));
        for (int i = 0; i < 200 && c.invariants().hold(); ++i) {
            if (i % 3 == 2)
                c.resetConnections(l);
            if (i >= 60)
                c.write(u"k"_s);
            c.read(i % 2 ? RaftNode::ReadMode::Lease : RaftNode::ReadMode::ReadIndex, u"k"_s);
            c.runFor(50 + qint64(c.random().below(100)));
        }
        QVERIFY2(c.invariants().hold(), qPrintable(c.invariants().report()));
        QCOMPARE(c.leader(), l);
        for (int i = 0; i < 5; ++i)
            QCOMPARE(c.node(i)->currentTerm(), term);
        QVERIFY(c.readsDone() >= 190);
        QCOMPARE(c.linearizabilityReport(), QString());
    }

    void randomSchedules_data()
    {
        QTest::addColumn<int>("scenario");
        const QByteArray only = qgetenv("QONSUL_SIM_SCENARIO");
        for (int i = 0; i < int(std::size(kScenarios)); ++i) {
            if (only.isEmpty() || only == kScenarios[i].name)
                QTest::newRow(kScenarios[i].name) << i;
        }
    }
    void randomSchedules()
    {
        QFETCH(int, scenario);
        const Scenario &s = kScenarios[scenario];
        bool single = false;
        const quint64 replay = qEnvironmentVariable("QONSUL_SIM_SEED").toULongLong(&single);
        const int seeds = single ? 1 : qEnvironmentVariableIntValue("QONSUL_SIM_SEEDS") > 0
                ? qEnvironmentVariableIntValue("QONSUL_SIM_SEEDS") : kSeedsPerScenario / s.seedShare;
        const quint64 base = qEnvironmentVariable("QONSUL_SIM_SEED_BASE").toULongLong();
        if (single)
            QLoggingCategory::setFilterRules(u"qonsul.raft.info=true"_s);
        QElapsedTimer timer;
        timer.start();
        quint64 writes = 0, reads = 0, messages = 0;
        SimCluster::Stats total;
        for (int i = 0; i < seeds; ++i) {
            const quint64 seed = single ? replay : base + quint64(i) + 1;
            const Outcome o = runSchedule(s, seed, single);
            if (!o.failure.isEmpty()) {
                QFAIL(qPrintable(u"%1 seed %2: %3\n  replay: QONSUL_SIM_SEED=%2 QONSUL_SIM_SCENARIO=%1 "
                                 "tst_raft_sim randomSchedules"_s.arg(QLatin1StringView(s.name)).arg(seed).arg(o.failure)));
            }
            writes += o.writes;
            reads += o.reads;
            messages += o.messages;
            total.crashes += o.stats.crashes;
            total.writeCrashes += o.stats.writeCrashes;
            total.snapshotsInstalled += o.stats.snapshotsInstalled;
            total.snapshotChunks += o.stats.snapshotChunks;
            total.refusedWrites += o.stats.refusedWrites;
            total.elections += o.stats.elections;
        }
        qInfo("%s: %d schedules of %lld s simulated in %lld ms: %llu writes acknowledged, %llu reads checked, "
              "%llu messages, %llu leader terms, %llu crashes (%llu mid-write), %llu snapshots installed "
              "(%llu chunks), %llu writes refused by a full disk",
            s.name, seeds, s.multiplier * kScheduleMs / 1000, timer.elapsed(), writes, reads, messages, total.elections,
            total.crashes, total.writeCrashes, total.snapshotsInstalled, total.snapshotChunks, total.refusedWrites);
    }
};

QTEST_GUILESS_MAIN(TestRaftSim)
#include "tst_raft_sim.moc"

// Deterministic simulation of gossip pools (label `sim`): SWIM/Lifeguard membership and the Serf
// layer on a virtual clock and network, with Consul's LAN timing. Every scenario is seeded and
// replays exactly; set QONSUL_GOSSIP_SIM_SEEDS to run more seeds of the false-positive scenario
// and QONSUL_GOSSIP_SIM_N for a bigger convergence run (e.g. 1000).
#include "GossipSim.h"

#include <QElapsedTimer>
#include <QLoggingCategory>
#include <QTest>

#include <limits>

using namespace qonsul;
using namespace qonsul::gossip;
using namespace qonsul::sim;

namespace {

QString nodeName(int i) { return QStringLiteral("node-%1").arg(i, 4, 10, QLatin1Char('0')); }

int envInt(const char *name, int fallback)
{
    bool ok = false;
    const int v = qEnvironmentVariableIntValue(name, &ok);
    return ok && v > 0 ? v : fallback;
}

// A simulated cluster plus the observations the scenarios assert on.
struct Sim
{
    test::SimClock clock;
    GossipNet net;
    QSet<int> started;
    QSet<int> crashed;
    // node name -> how many times any member reported it failed
    QHash<QString, int> failedReports;
    // observer index -> event name -> deliveries
    QHash<int, QHash<QString, int>> events;

    explicit Sim(quint64 seed) : net(&clock, seed) {}

    void add(int n, SerfConfig config = SerfConfig::lan())
    {
        for (int i = 0; i < n; ++i) {
            const int index = net.size();
            Serf *s = net.add(nodeName(index), config);
            QObject::connect(s, &Serf::memberFailed, [this](const Member &m) { ++failedReports[m.name]; });
            QObject::connect(s, &Serf::userEvent, [this, index](const UserEvent &e) { ++events[index][e.name]; });
        }
    }
    void start(int i)
    {
        net.serf(i)->start();
        started.insert(i);
    }
    void join(int i, int via)
    {
        net.serf(i)->join({net.address(via)}, [](int, const QString &) {});
    }
    // Starts members [from, to) one every `spacingMs`, each joining a random started member.
    void startAndJoin(int from, int to, qint64 spacingMs, SimRandom &random)
    {
        for (int i = from; i < to; ++i) {
            QList<int> up(started.cbegin(), started.cend());
            std::sort(up.begin(), up.end());
            start(i);
            if (!up.isEmpty())
                join(i, up.at(qsizetype(random.below(quint64(up.size())))));
            clock.advance(spacingMs);
        }
    }
    QList<int> live() const
    {
        QList<int> out;
        for (int i : started) {
            if (!crashed.contains(i))
                out.append(i);
        }
        std::sort(out.begin(), out.end());
        return out;
    }
    // Every live member sees `member` with `status`.
    bool allSee(const QString &member, MemberStatus status) const
    {
        for (int i : live()) {
            const auto m = net.serf(i)->member(member);
            if (!m || m->status != status)
                return false;
        }
        return true;
    }
    bool converged(int alive) const
    {
        for (int i : live()) {
            if (net.serf(i)->stats().alive != alive)
                return false;
        }
        return true;
    }
    // Advances in steps until `done` holds; the simulated milliseconds it took, or -1.
    qint64 runUntil(const std::function<bool()> &done, qint64 limitMs, qint64 stepMs = 250)
    {
        for (qint64 t = 0; t <= limitMs; t += stepMs) {
            if (done())
                return t;
            clock.advance(stepMs);
        }
        return -1;
    }
    void crash(int i)
    {
        net.crash(i);
        crashed.insert(i);
    }
};

} // namespace

class TestGossipSim : public QObject
{
    Q_OBJECT

private Q_SLOTS:
    void initTestCase()
    {
        QHashSeed::setDeterministicGlobalSeed(); // hash order must not vary between runs
        QLoggingCategory::setFilterRules(QStringLiteral("agent.serf.debug=false\nagent.memberlist.debug=false\nagent.serf.info=false\nagent.memberlist.info=false\n"
                                                        "agent.memberlist.warning=false"));
    }

    void tunablesFollowFormulas()
    {
        const MemberlistConfig lan = MemberlistConfig::lan();
        QCOMPARE(lan.probeIntervalMs, 1000);
        QCOMPARE(lan.gossipIntervalMs, 200);
        QCOMPARE(lan.gossipNodes, 3);
        QCOMPARE(lan.retransmitLimit(1000), 4 * 4); // 4 × ceil(log10(1001))
        QCOMPARE(lan.retransmitLimit(9), 4);
        QCOMPARE(lan.pushPullScaled(32), 30000);
        QCOMPARE(lan.pushPullScaled(1000), 30000 * 6); // ceil(log2(1000) − 5) + 1
        QCOMPARE(lan.suspicionMinMs(100), 8000);       // 4 × log10(100) × 1 s
        const MemberlistConfig wan = MemberlistConfig::wan();
        QCOMPARE(wan.probeIntervalMs, 5000);
        QCOMPARE(wan.suspicionMult, 6);
        QCOMPARE(SerfConfig::lan().reconnectTimeoutMs, 72ll * 3600 * 1000);
    }

    void convergenceAfterJoins()
    {
        const int n = envInt("QONSUL_GOSSIP_SIM_N", 300);
        Sim sim(1);
        SimRandom random(11);
        sim.add(n);
        QElapsedTimer wall;
        wall.start();
        sim.startAndJoin(0, n, 10, random);
        // Most members see everyone within seconds; a member that joined through one that had
        // not yet heard of another may wait for its next push/pull to learn of it.
        const qint64 ms = sim.runUntil([&] { return sim.converged(n); }, 180000, 500);
        qInfo("%d members: every member saw all alive %lld ms after the last join (%lld ms wall, %llu packets)", n,
              ms, wall.elapsed(), sim.net.packets());
        QVERIFY2(ms >= 0, "the pool did not converge");
        QCOMPARE(sim.failedReports.size(), 0);
    }

    void crashedMemberFailedEverywhere()
    {
        Sim sim(2);
        SimRandom random(22);
        sim.add(50);
        sim.startAndJoin(0, 50, 50, random);
        QVERIFY(sim.runUntil([&] { return sim.converged(50); }, 60000) >= 0);
        sim.crash(7);
        const qint64 ms = sim.runUntil([&] { return sim.allSee(nodeName(7), MemberStatus::Failed); }, 120000);
        qInfo("50 members: a crash was known to all %lld ms later", ms);
        QVERIFY2(ms >= 0, "not every member declared the crashed one failed");
        QCOMPARE(sim.failedReports.keys(), QList<QString>{nodeName(7)});
    }

    // Consul's detection time, from memberlist's rules with the LAN defaults: someone probes
    // the crashed member within about a probe interval (each of the N - 1 others probes one
    // member a second, round robin) and suspects it when that interval ends without an ack; the
    // suspicion timeout starts at suspicion_max_timeout_mult x min and reaches its minimum,
    // min = suspicion_mult x max(1, log10(N)) x probe_interval, once suspicion_mult - 2 other
    // members confirm (they probe it too, about one a second); then the dead message spreads in
    // O(log N) gossip rounds. Nobody can declare it before `min`; everybody should within
    // min + 2 probe intervals + 2 s of gossip (QONSUL_GOSSIP_SIM_CRASH_N sets the size).
    void crashKnownWithinExpectedTime()
    {
        const int n = envInt("QONSUL_GOSSIP_SIM_CRASH_N", 200);
        Sim sim(12);
        SimRandom random(121);
        sim.add(n);
        sim.startAndJoin(0, n, 10, random);
        QVERIFY(sim.runUntil([&] { return sim.converged(n); }, 300000, 500) >= 0);
        QHash<int, qint64> failedAt;
        for (int i = 0; i < n; ++i) {
            QObject::connect(sim.net.serf(i), &Serf::memberFailed, [&, i](const Member &) {
                failedAt.insert(i, sim.clock.monotonicMs());
            });
        }
        const MemberlistConfig lan = MemberlistConfig::lan();
        const qint64 min = lan.suspicionMinMs(n);
        const qint64 expected = min + 2 * lan.probeIntervalMs + 2000;
        const qint64 crashAt = sim.clock.monotonicMs();
        sim.crash(n / 3);
        const qint64 all = sim.runUntil([&] { return failedAt.size() == n - 1; }, 6 * min + 10000, 100);
        QVERIFY2(all >= 0, "not every member declared the crashed one failed");
        qint64 first = std::numeric_limits<qint64>::max();
        qint64 last = 0;
        for (qint64 t : std::as_const(failedAt)) {
            first = std::min(first, t - crashAt);
            last = std::max(last, t - crashAt);
        }
        qInfo("%d members: a crash known by the first after %lld ms, by all after %lld ms (suspicion timeout min %lld ms, "
              "expected within %lld ms)",
              n, first, last, min, expected);
        QVERIFY2(first >= min, "declared failed before the minimum suspicion timeout");
        QVERIFY2(last <= expected, qPrintable(QString::number(last)));
        QCOMPARE(sim.failedReports.keys(), QList<QString>{nodeName(n / 3)});
    }

    void noFalsePositivesWithLossAndSlowMember()
    {
        const int seeds = envInt("QONSUL_GOSSIP_SIM_SEEDS", 6);
        const int n = 24;
        int slowReports = 0;
        for (int seed = 0; seed < seeds; ++seed) {
            Sim sim(1000 + quint64(seed));
            SimRandom random(2000 + quint64(seed));
            sim.add(n);
            sim.startAndJoin(0, n, 100, random);
            QVERIFY(sim.runUntil([&] { return sim.converged(n); }, 60000) >= 0);
            sim.net.faults().dropRate = 0.05;
            sim.net.faults().slowExtraMs = 400;
            sim.net.setSlow(3, true);
            sim.clock.advance(180000);
            for (auto it = sim.failedReports.cbegin(); it != sim.failedReports.cend(); ++it) {
                if (it.key() == nodeName(3))
                    slowReports += it.value();
                else
                    QFAIL(qPrintable(QStringLiteral("seed %1: healthy %2 declared failed %3 times")
                                         .arg(seed)
                                         .arg(it.key())
                                         .arg(it.value())));
            }
        }
        qInfo("%d seeds × 180 s, 5%% loss, one slow member: 0 healthy members declared failed, the slow one %d times",
              seeds, slowReports);
    }

    void partitionAndHeal()
    {
        const int n = 16;
        Sim sim(3);
        SimRandom random(33);
        sim.add(n);
        sim.startAndJoin(0, n, 50, random);
        QVERIFY(sim.runUntil([&] { return sim.converged(n); }, 60000) >= 0);
        for (int i = 0; i < n / 2; ++i)
            sim.net.setGroup(i, 1);
        const qint64 split = sim.runUntil([&] { return sim.converged(n / 2); }, 120000);
        QVERIFY2(split >= 0, "the two sides did not declare each other failed");
        sim.net.heal();
        const qint64 healed = sim.runUntil([&] { return sim.converged(n); }, 240000);
        qInfo("16 members split 8/8: sides apart after %lld ms, whole again %lld ms after healing", split, healed);
        QVERIFY2(healed >= 0, "the pool did not heal");
    }

    void leavePropagates()
    {
        Sim sim(4);
        SimRandom random(44);
        sim.add(20);
        sim.startAndJoin(0, 20, 50, random);
        QVERIFY(sim.runUntil([&] { return sim.converged(20); }, 60000) >= 0);
        bool done = false;
        sim.net.serf(5)->leave([&] { done = true; });
        QVERIFY(sim.runUntil([&] { return done; }, 30000) >= 0);
        QVERIFY(sim.net.serf(5)->hasLeft());
        sim.crashed.insert(5); // it no longer takes part
        QVERIFY(sim.runUntil([&] { return sim.allSee(nodeName(5), MemberStatus::Left); }, 30000) >= 0);
        QCOMPARE(sim.failedReports.size(), 0);
    }

    void forceLeaveAndPrune()
    {
        Sim sim(5);
        SimRandom random(55);
        sim.add(10);
        sim.startAndJoin(0, 10, 50, random);
        QVERIFY(sim.runUntil([&] { return sim.converged(10); }, 60000) >= 0);
        sim.crash(4);
        QVERIFY(sim.runUntil([&] { return sim.allSee(nodeName(4), MemberStatus::Failed); }, 120000) >= 0);
        QVERIFY(!sim.net.serf(0)->forceLeave(QStringLiteral("nobody"), false));
        QVERIFY(sim.net.serf(0)->forceLeave(nodeName(4), false));
        QVERIFY(sim.runUntil([&] { return sim.allSee(nodeName(4), MemberStatus::Left); }, 30000) >= 0);
        QVERIFY(sim.net.serf(1)->forceLeave(nodeName(4), true));
        QVERIFY(sim.runUntil([&] {
            for (int i : sim.live()) {
                if (sim.net.serf(i)->member(nodeName(4)))
                    return false;
            }
            return true;
        }, 30000) >= 0);
        // A live member that is force-left refutes it and stays alive.
        QVERIFY(sim.net.serf(0)->forceLeave(nodeName(2), false));
        sim.clock.advance(10000);
        QVERIFY(sim.allSee(nodeName(2), MemberStatus::Alive));
    }

    // The flaky case of tst_gossip_cluster forceLeaveAndPrune: members that left are gone, so
    // they get no gossip (memberlist gossips to the dead for a while, never to those that
    // left). Every transmit spent on them was one fewer for the members still here: a force-leave
    // intent right after some members left missed a remaining member in ~5% of runs (5 members,
    // 1 left) and only reached it at the next push/pull, up to 30 s later (more under loss).
    void forcedLeaveAfterLeavesReachesEveryoneByGossip()
    {
        for (quint64 seed = 1; seed <= 20; ++seed) {
            Sim sim(seed * 7919);
            SimRandom random{seed};
            sim.add(7);
            sim.startAndJoin(0, 7, 50, random);
            QVERIFY(sim.runUntil([&] { return sim.converged(7); }, 60000) >= 0);
            sim.crash(6);
            QVERIFY(sim.runUntil([&] { return sim.allSee(nodeName(6), MemberStatus::Failed); }, 60000) >= 0);
            for (int i : {3, 4, 5}) {
                bool left = false;
                sim.net.serf(i)->leave([&] { left = true; });
                QVERIFY(sim.runUntil([&] { return left; }, 30000) >= 0);
                sim.crash(i); // the agent exits after leaving
            }
            QVERIFY(sim.runUntil([&] { return sim.allSee(nodeName(5), MemberStatus::Left); }, 30000) >= 0);
            QVERIFY(sim.net.serf(0)->forceLeave(nodeName(6), false));
            // Gossip alone: well before the first push/pull could bring it (30 s).
            const qint64 ms = sim.runUntil([&] { return sim.allSee(nodeName(6), MemberStatus::Left); }, 2000, 50);
            QVERIFY2(ms >= 0, qPrintable(QStringLiteral("seed %1").arg(seed)));
        }
    }

    void failedMembersReaped()
    {
        SerfConfig config = SerfConfig::lan();
        config.reconnectTimeoutMs = 60000;
        Sim sim(6);
        SimRandom random(66);
        sim.add(8, config);
        sim.startAndJoin(0, 8, 50, random);
        QVERIFY(sim.runUntil([&] { return sim.converged(8); }, 60000) >= 0);
        sim.crash(2);
        QVERIFY(sim.runUntil([&] { return sim.allSee(nodeName(2), MemberStatus::Failed); }, 120000) >= 0);
        QVERIFY(sim.runUntil([&] {
            for (int i : sim.live()) {
                if (sim.net.serf(i)->member(nodeName(2)))
                    return false;
            }
            return true;
        }, 90000) >= 0);
    }

    void eventReachesEveryMemberOnce()
    {
        const int n = 60;
        Sim sim(7);
        SimRandom random(77);
        sim.add(n);
        sim.startAndJoin(0, n, 20, random);
        QVERIFY(sim.runUntil([&] { return sim.converged(n); }, 60000) >= 0);
        sim.net.faults().dropRate = 0.05;
        const QStringList names{QStringLiteral("deploy"), QStringLiteral("restart"), QStringLiteral("deploy-2")};
        for (int e = 0; e < names.size(); ++e) {
            QString error;
            QVERIFY(sim.net.serf(e * 17)->fireEvent(names.at(e), QByteArray("payload-") + QByteArray::number(e), &error));
            sim.clock.advance(300);
        }
        // The same name and payload twice at different times are two events.
        QString error;
        QVERIFY(sim.net.serf(9)->fireEvent(QStringLiteral("restart"), "payload-1", &error));
        QVERIFY(!sim.net.serf(9)->fireEvent(QStringLiteral("big"), QByteArray(kMaxUserEventBytes, 'x'), &error));
        QCOMPARE(error, QStringLiteral("user event exceeds configured limit of 1024 bytes before encoding"));
        sim.clock.advance(60000);
        for (int i = 0; i < n; ++i) {
            const QHash<QString, int> got = sim.events.value(i);
            QCOMPARE(got.value(QStringLiteral("deploy")), 1);
            QCOMPARE(got.value(QStringLiteral("restart")), 2);
            QCOMPARE(got.value(QStringLiteral("deploy-2")), 1);
        }
    }

    // A member joins through one that holds none of the pool's past events (it joined after
    // them and ignored them), so the join tells it the pool's event time but no event to witness
    // it by: serf witnesses the push/pull's event clock itself. Without that, the new member's
    // first event went out below the minimum event time its join had set and was dropped by the
    // member itself: nobody received it.
    void eventFiredRightAfterJoiningIsDelivered()
    {
        Sim sim(13);
        sim.add(4);
        sim.start(0);
        sim.start(3);
        sim.join(3, 0);
        QVERIFY(sim.runUntil([&] { return sim.converged(2); }, 30000) >= 0);
        QString error;
        for (int e = 0; e < 5; ++e)
            QVERIFY(sim.net.serf(0)->fireEvent(QStringLiteral("old-%1").arg(e), "x", &error));
        sim.clock.advance(10000); // passed on as often as they go, then no longer gossiped
        QCOMPARE(sim.events[3].size(), 5);
        sim.start(1);
        sim.join(1, 0);
        QVERIFY(sim.runUntil([&] { return sim.converged(3); }, 30000) >= 0);
        sim.start(2);
        bool joined = false;
        sim.net.serf(2)->join({sim.net.address(1)}, [&](int n, const QString &) { joined = n == 1; });
        QVERIFY(sim.runUntil([&] { return joined; }, 30000, 10) >= 0);
        QVERIFY(sim.net.serf(2)->fireEvent(QStringLiteral("new"), "y", &error));
        QVERIFY(sim.runUntil([&] {
            for (int i : sim.live()) {
                if (sim.events[i].value(QStringLiteral("new")) != 1)
                    return false;
            }
            return true;
        }, 5000) >= 0);
        for (int i : {1, 2})
            QVERIFY(!sim.events[i].contains(QStringLiteral("old-0"))); // a joiner does not replay the past
    }

    void coordinatesEstimateRoundTrips()
    {
        // Links take 1-20 ms each way here, so round trips average about 21 ms.
        Sim sim(9);
        SimRandom random(99);
        sim.add(10);
        sim.startAndJoin(0, 10, 50, random);
        QVERIFY(sim.runUntil([&] { return sim.converged(10); }, 60000) >= 0);
        sim.clock.advance(120000);
        const QHash<QString, Coordinate> seen = sim.net.serf(0)->coordinates();
        QCOMPARE(seen.size(), 10);
        double sum = 0;
        for (int i = 1; i < 10; ++i)
            sum += seen.value(nodeName(0)).distanceTo(seen.value(nodeName(i)));
        const double meanMs = sum / 9 * 1000;
        qInfo("10 members, 1-20 ms links: mean estimated RTT from node 0 %.1f ms, its error %.2f", meanMs,
              sim.net.serf(0)->coordinate().error);
        QVERIFY2(meanMs > 10 && meanMs < 35, qPrintable(QString::number(meanMs)));
        QVERIFY(sim.net.serf(0)->coordinate().error < 1.0);
    }

    void refusedMembersStayOut()
    {
        // Consul's merge delegate: members of another datacenter get into the pool neither by
        // joining nor through a member that lets them in (alive gossip and push/pull refused).
        Sim sim(10);
        auto in = [](const QString &dc, bool refuses) {
            return [dc, refuses](Serf::Options &o) {
                o.tags.insert(QStringLiteral("dc"), dc);
                if (!refuses)
                    return;
                o.refuseMembers = [dc](const QList<Member> &members) {
                    for (const Member &m : members) {
                        const QString theirs = m.tags.value(QStringLiteral("dc"));
                        if (theirs != dc)
                            return QStringLiteral("Member '%1' part of wrong datacenter '%2'").arg(m.name, theirs);
                    }
                    return QString();
                };
            };
        };
        for (int i = 0; i < 3; ++i)
            sim.net.add(nodeName(i), SerfConfig::lan(), in(QStringLiteral("dc1"), true));
        sim.net.add(nodeName(3), SerfConfig::lan(), in(QStringLiteral("dc2"), true));
        sim.net.add(nodeName(4), SerfConfig::lan(), in(QStringLiteral("dc1"), false)); // lets anyone in
        sim.net.add(nodeName(5), SerfConfig::lan(), in(QStringLiteral("dc2"), false)); // lets anyone in
        for (int i = 0; i < 6; ++i)
            sim.start(i);
        sim.join(1, 0);
        sim.join(2, 0);
        QVERIFY(sim.runUntil([&] { return sim.net.serf(0)->stats().alive == 3 && sim.net.serf(2)->stats().alive == 3; }, 30000) >= 0);

        int joined = -1;
        sim.net.serf(3)->join({sim.net.address(0)}, [&](int n, const QString &) { joined = n; });
        QVERIFY(sim.runUntil([&] { return joined >= 0; }, 30000) >= 0);
        QCOMPARE(joined, 0);
        joined = -1;
        sim.net.serf(1)->join({sim.net.address(3)}, [&](int n, const QString &) { joined = n; });
        QVERIFY(sim.runUntil([&] { return joined >= 0; }, 30000) >= 0);
        QCOMPARE(joined, 0);

        QVERIFY(!sim.net.serf(3)->member(nodeName(0)));
        QVERIFY(!sim.net.serf(1)->member(nodeName(3)));

        // Member 4 of dc1 joins the pool, then lets member 5 of dc2 in: both gossip about it.
        sim.join(4, 0);
        QVERIFY(sim.runUntil([&] { return sim.net.serf(0)->stats().alive == 4; }, 30000) >= 0);
        sim.join(5, 4);
        QVERIFY(sim.runUntil([&] { return sim.net.serf(4)->member(nodeName(5)).has_value(); }, 30000) >= 0);
        sim.clock.advance(60000);
        QVERIFY(sim.net.serf(5)->member(nodeName(0))); // it let the others in
        for (int i = 0; i < 3; ++i) {
            QVERIFY(!sim.net.serf(i)->member(nodeName(5)));
            QVERIFY(!sim.net.serf(i)->member(nodeName(3)));
            QVERIFY(sim.net.serf(i)->member(nodeName(4)));
        }
    }

    void tagsUpdatePropagate()
    {
        Sim sim(8);
        SimRandom random(88);
        sim.add(12);
        sim.startAndJoin(0, 12, 50, random);
        QVERIFY(sim.runUntil([&] { return sim.converged(12); }, 60000) >= 0);
        QMap<QString, QString> tags{{QStringLiteral("role"), QStringLiteral("consul")}, {QStringLiteral("port"), QStringLiteral("8300")}};
        sim.net.serf(6)->setTags(tags);
        QVERIFY(sim.runUntil([&] {
            for (int i : sim.live()) {
                if (sim.net.serf(i)->member(nodeName(6))->tags != tags)
                    return false;
            }
            return true;
        }, 30000) >= 0);
    }
};

QTEST_GUILESS_MAIN(TestGossipSim)
#include "tst_gossip_sim.moc"

// Autopilot's health rule and StableSince bookkeeping (cluster/AutopilotHealth), as Consul's
// raft-autopilot judges servers: alive, in contact, in the leader's term, not trailing too far.
#include "cluster/AutopilotHealth.h"

#include <QTest>

using namespace qonsul;
using namespace qonsul::cluster;
using namespace Qt::StringLiterals;

class TestAutopilotHealth : public QObject
{
    Q_OBJECT
private Q_SLOTS:
    void healthRule()
    {
        const config::AutopilotConfig c; // 200ms, 250 logs
        const AutopilotStats ok{u"alive"_s, 50, 7, 1000};
        QVERIFY(autopilotHealthy(ok, 7, 1000, c, 100));
        QVERIFY(autopilotHealthy(ok, 7, 1250, c, 100));                                  // 250 behind
        QVERIFY(!autopilotHealthy(ok, 7, 1251, c, 100));                                 // 251 behind
        QVERIFY(!autopilotHealthy(ok, 8, 1000, c, 100));                                 // other term
        QVERIFY(!autopilotHealthy({u"failed"_s, 50, 7, 1000}, 7, 1000, c, 100));
        QVERIFY(!autopilotHealthy({u"unknown"_s, 50, 7, 1000}, 7, 1000, c, 100));
        QVERIFY(!autopilotHealthy({u"alive"_s, -1, 7, 1000}, 7, 1000, c, 100));         // never heard
        // Contact counts past the heartbeat the server was due to answer.
        QVERIFY(autopilotHealthy({u"alive"_s, 300, 7, 1000}, 7, 1000, c, 100));
        QVERIFY(!autopilotHealthy({u"alive"_s, 301, 7, 1000}, 7, 1000, c, 100));
        QVERIFY(autopilotHealthy({u"alive"_s, 650, 7, 1000}, 7, 1000, c, 500));          // raft_multiplier 5
        config::AutopilotConfig strict;
        strict.maxTrailingLogs = 0;
        strict.lastContactThreshold = 10 * kMillisecond;
        QVERIFY(!autopilotHealthy(ok, 7, 1001, strict, 100));
        QVERIFY(!autopilotHealthy({u"alive"_s, 111, 7, 1000}, 7, 1000, strict, 100));
    }

    void stableSince()
    {
        AutopilotStability s;
        const qint64 wall = 1'000'000'000'000; // the wall clock, 10^12 ms ahead of the monotonic one
        QCOMPARE(s.observe(u"a"_s, false, 100, wall + 100), wall + 100); // first seen
        QCOMPARE(s.observe(u"a"_s, false, 200, wall + 200), wall + 100);
        QVERIFY(!s.stable(u"a"_s, 10000, 0)); // unhealthy is never stable
        QCOMPARE(s.observe(u"a"_s, true, 300, wall + 300), wall + 300); // health changed
        QCOMPARE(s.observe(u"a"_s, true, 900, wall + 900), wall + 300);
        QVERIFY(!s.stable(u"a"_s, 2299, 2000));
        QVERIFY(s.stable(u"a"_s, 2300, 2000));
        QCOMPARE(s.observe(u"a"_s, false, 2400, wall + 2400), wall + 2400);
        QVERIFY(!s.stable(u"a"_s, 9999, 2000));
        QVERIFY(!s.stable(u"unknown"_s, 9999, 0));
        s.observe(u"b"_s, true, 0, wall);
        s.retainOnly({u"b"_s});
        QCOMPARE(s.stableSince(u"a"_s), 0);
        QVERIFY(s.stable(u"b"_s, 1, 1));
    }
};

QTEST_GUILESS_MAIN(TestAutopilotHealth)
#include "tst_autopilothealth.moc"

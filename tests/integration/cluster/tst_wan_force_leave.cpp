// force-leave and the WAN pool on real agents (label `integration`), as in Consul: dc1 has the
// servers dc1-a (127.0.0.2) and dc1-b (127.0.0.3) and the client dc1-c (127.0.0.5), dc2 the
// server dc2-a (127.0.0.4), WAN-joined to dc1-a. dc1-b and dc2-a are killed; then, on dc1-a,
// `force-leave -wan` acts on the WAN pool only, by the member's full "<node>.<dc>" name (dc1-b
// stays failed in the LAN pool), -prune with it forgets the member there only; a plain
// force-leave does not reach another datacenter's server; a client agent refuses -wan (of
// force-leave and join).
#include "ClusterAgent.h"

#include <QTemporaryDir>
#include <QTest>

#include <vector>

using namespace Qt::StringLiterals;
using namespace qonsul::test;

namespace {

constexpr int kAlive = 1;
constexpr int kLeft = 3;
constexpr int kFailed = 4;

} // namespace

class TestWanForceLeave : public QObject
{
    Q_OBJECT

    QTemporaryDir m_dir;
    std::vector<ClusterAgent> m_agents
        = loopbackAgents({ u"dc1-a"_s, u"dc1-b"_s, u"dc2-a"_s, u"dc1-c"_s }, 3, m_dir.path());
    ClusterAgent &m_a = m_agents[0];
    ClusterAgent &m_b = m_agents[1];
    ClusterAgent &m_dc2 = m_agents[2];
    ClusterAgent &m_client = m_agents[3];

    // `qonsul force-leave <args>` through `agent`: the exit code, stderr in *err.
    int forceLeave(const ClusterAgent &agent, const QStringList &args, QByteArray *err)
    {
        return agent.process->runCli(QStringList { u"force-leave"_s } + args, nullptr, err);
    }

private Q_SLOTS:
    void initTestCase()
    {
        QVERIFY(m_dir.isValid());
        const QString config = m_dir.filePath(u"fast.json"_s);
        QVERIFY(writeFile(config, R"({"performance": {"raft_multiplier": 1}})"));
        m_a.datacenter = m_b.datacenter = m_client.datacenter = u"dc1"_s;
        m_dc2.datacenter = u"dc2"_s;
        m_a.extra = m_dc2.extra = { u"-bootstrap"_s };
        QVERIFY(m_a.start(config, true));
        QVERIFY(m_dc2.start(config, true));
        for (ClusterAgent *a : { &m_b, &m_client }) {
            a->extra = { u"-retry-join"_s, m_a.serfAddress(), u"-retry-interval"_s, u"1s"_s };
            QVERIFY2(a->start(config, false), qPrintable(a->name));
        }
        QCOMPARE(m_dc2.process->runCli({ u"join"_s, u"-wan"_s, m_a.wanAddress() }), 0);
        const QMap<QString, int> lan { { u"dc1-a"_s, kAlive }, { u"dc1-b"_s, kAlive },
            { u"dc1-c"_s, kAlive } };
        const QMap<QString, int> wan { { u"dc1-a.dc1"_s, kAlive }, { u"dc1-b.dc1"_s, kAlive },
            { u"dc2-a.dc2"_s, kAlive } };
        QVERIFY(waitFor(
            [&] { return memberStatuses(*m_a.process) == lan && memberStatuses(*m_a.process, true) == wan; },
            20000));

        m_b.process->kill();
        m_dc2.process->kill();
        const QMap<QString, int> lanFailed { { u"dc1-a"_s, kAlive }, { u"dc1-b"_s, kFailed },
            { u"dc1-c"_s, kAlive } };
        const QMap<QString, int> wanFailed { { u"dc1-a.dc1"_s, kAlive }, { u"dc1-b.dc1"_s, kFailed },
            { u"dc2-a.dc2"_s, kFailed } };
        // The WAN pool's memberlist (probes every 5 s, a suspect dead after 6 x 5 s at this size)
        // takes 35-40 s to declare them failed; the LAN pool 5-6 s.
        QVERIFY(waitFor(
            [&] {
                return memberStatuses(*m_a.process) == lanFailed
                    && memberStatuses(*m_a.process, true) == wanFailed;
            },
            90000));
    }

    void clientAgentRefusesWan()
    {
        QByteArray err;
        QCOMPARE(forceLeave(m_client, { u"-wan"_s, u"dc1-b.dc1"_s }, &err), 1);
        QCOMPARE(err,
            QByteArray("Error force leaving: Unexpected response code: 500 (Must be a server to force-leave "
                       "a node from the WAN cluster)\n"));
        const HttpResult r = httpRequest("PUT", m_client.url(u"/v1/agent/force-leave/dc1-b.dc1?wan"_s));
        QCOMPARE(r.status, 500);
        QCOMPARE(r.body, QByteArray("Must be a server to force-leave a node from the WAN cluster"));
        QCOMPARE(m_client.process->runCli({u"join"_s, u"-wan"_s, m_a.wanAddress()}, nullptr, &err), 1);
        QCOMPARE(err, QStringLiteral("Error joining address '%1': Unexpected response code: 500 (Must be a server to join "
                                     "WAN cluster)\nFailed to join any nodes.\n")
                          .arg(m_a.wanAddress())
                          .toUtf8());
    }

    void otherDatacenterOnlyWithWan()
    {
        // Without -wan, the name is looked for in the LAN pool and as "dc2-a.dc2.dc1" in the WAN's.
        QByteArray err;
        QCOMPARE(forceLeave(m_a, { u"dc2-a.dc2"_s }, &err), 1);
        QCOMPARE(err,
            QByteArray("Error force leaving: Unexpected response code: 500 (agent: No node found with name "
                       "'dc2-a.dc2')\n"));
        QCOMPARE(memberStatuses(*m_a.process, true).value(u"dc2-a.dc2"_s), kFailed);

        QCOMPARE(forceLeave(m_a, { u"-wan"_s, u"dc2-a.dc2"_s }, &err), 0);
        QCOMPARE(memberStatuses(*m_a.process, true).value(u"dc2-a.dc2"_s), kLeft);
    }

    void wanOnlyByFullName()
    {
        // The WAN pool has no "dc1-b"; Consul's error names no node then.
        QByteArray err;
        QCOMPARE(forceLeave(m_a, { u"-wan"_s, u"dc1-b"_s }, &err), 1);
        QCOMPARE(err,
            QByteArray("Error force leaving: Unexpected response code: 500 (agent: No node found with name "
                       "'')\n"));

        QCOMPARE(forceLeave(m_a, { u"-wan"_s, u"dc1-b.dc1"_s }, &err), 0);
        QCOMPARE(memberStatuses(*m_a.process, true).value(u"dc1-b.dc1"_s), kLeft);
        QCOMPARE(memberStatuses(*m_a.process).value(u"dc1-b"_s), kFailed);
    }

    void wanPruneForgetsInTheWanPoolOnly()
    {
        QByteArray err;
        QCOMPARE(forceLeave(m_a, { u"-wan"_s, u"-prune"_s, u"dc1-b.dc1"_s }, &err), 0);
        QVERIFY(!memberStatuses(*m_a.process, true).contains(u"dc1-b.dc1"_s));
        QCOMPARE(memberStatuses(*m_a.process).value(u"dc1-b"_s), kFailed);
        // The API's flags count by their presence, as Consul's.
        QCOMPARE(
            httpRequest("PUT", m_a.url(u"/v1/agent/force-leave/dc2-a.dc2?wan=false&prune"_s)).status, 200);
        QCOMPARE(memberStatuses(*m_a.process, true), (QMap<QString, int> { { u"dc1-a.dc1"_s, kAlive } }));
    }

    void lanForceLeaveAfterwards()
    {
        QByteArray err;
        QCOMPARE(forceLeave(m_a, { u"dc1-b"_s }, &err), 0);
        QCOMPARE(memberStatuses(*m_a.process).value(u"dc1-b"_s), kLeft);
    }

    void cleanupTestCase()
    {
        for (ClusterAgent &a : m_agents)
            a.stop();
    }
};

QTEST_GUILESS_MAIN(TestWanForceLeave)
#include "tst_wan_force_leave.moc"

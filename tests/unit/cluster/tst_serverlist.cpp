// ServerList: which gossip members are servers (tags role=consul, dc, id, port, expect), the
// signals servers rely on for bootstrap and Raft membership, and the clients' rotation.
#include "cluster/ServerList.h"
#include "cluster/ServerRebalancer.h"
#include "gossip/Serf.h"

#include <QSignalSpy>
#include <QTest>

using namespace Qt::StringLiterals;
using namespace qonsul;
using namespace qonsul::cluster;

namespace {
gossip::Member member(const QString &name, const QString &addr, gossip::MemberStatus status,
                      QMap<QString, QString> tags)
{
    gossip::Member m;
    m.name = name;
    m.addr = addr;
    m.port = 8301;
    m.tags = std::move(tags);
    m.status = status;
    return m;
}

QMap<QString, QString> serverTags(const QString &id, const QString &dc = u"dc1"_s, const QString &port = u"8300"_s)
{
    return {{u"role"_s, u"consul"_s}, {u"dc"_s, dc}, {u"id"_s, id}, {u"port"_s, port}, {u"expect"_s, u"3"_s}};
}
} // namespace

class TestServerList : public QObject
{
    Q_OBJECT
private Q_SLOTS:
    void recognisesServers();
    void signalsAndRotation();
    void adoptRotation();
    void rebalanceInterval();
};

void TestServerList::recognisesServers()
{
    ServerMember s;
    QVERIFY(serverFromMember(member(u"a"_s, u"10.0.0.1"_s, gossip::MemberStatus::Alive, serverTags(u"id-a"_s)), &s));
    QCOMPARE(s.rpcAddress, u"10.0.0.1:8300"_s);
    QCOMPARE(s.id, u"id-a"_s);
    QCOMPARE(s.expect, 3);
    QVERIFY(s.alive);
    QVERIFY(serverFromMember(member(u"v6"_s, u"::1"_s, gossip::MemberStatus::Alive, serverTags(u"x"_s)), &s));
    QCOMPARE(s.rpcAddress, u"[::1]:8300"_s);
    QVERIFY(!serverFromMember(member(u"c"_s, u"10.0.0.9"_s, gossip::MemberStatus::Alive, {{u"role"_s, u"node"_s}}), &s));
    QVERIFY(!serverFromMember(member(u"p"_s, u"10.0.0.9"_s, gossip::MemberStatus::Alive, serverTags(u"x"_s, u"dc1"_s, u"0"_s)), &s));
}

void TestServerList::signalsAndRotation()
{
    ServerList list(u"dc1"_s);
    QSignalSpy alive(&list, &ServerList::serverAlive);
    QSignalSpy gone(&list, &ServerList::serverGone);
    QCOMPARE(list.target(), QString());
    list.update(member(u"a"_s, u"10.0.0.1"_s, gossip::MemberStatus::Alive, serverTags(u"id-a"_s)));
    list.update(member(u"b"_s, u"10.0.0.2"_s, gossip::MemberStatus::Alive, serverTags(u"id-b"_s)));
    list.update(member(u"other-dc"_s, u"10.1.0.1"_s, gossip::MemberStatus::Alive, serverTags(u"id-x"_s, u"dc2"_s)));
    list.update(member(u"client"_s, u"10.0.0.7"_s, gossip::MemberStatus::Alive, {{u"role"_s, u"node"_s}}));
    list.update(member(u"a"_s, u"10.0.0.1"_s, gossip::MemberStatus::Alive, serverTags(u"id-a"_s))); // no change
    QCOMPARE(alive.size(), 2);
    QCOMPARE(list.aliveServers().size(), 2);
    // Servers enter the rotation at random places; an unreachable one goes to the back.
    const QString first = list.target();
    QVERIFY(first == u"10.0.0.1:8300"_s || first == u"10.0.0.2:8300"_s);
    list.unreachable(first);
    QCOMPARE(list.target(), first == u"10.0.0.1:8300"_s ? u"10.0.0.2:8300"_s : u"10.0.0.1:8300"_s);

    list.update(member(u"b"_s, u"10.0.0.2"_s, gossip::MemberStatus::Failed, serverTags(u"id-b"_s)));
    QCOMPARE(gone.size(), 1);
    QCOMPARE(gone.last().at(1).toBool(), false); // failed, not left
    QCOMPARE(list.target(), u"10.0.0.1:8300"_s);
    list.update(member(u"a"_s, u"10.0.0.1"_s, gossip::MemberStatus::Left, serverTags(u"id-a"_s)));
    QCOMPARE(gone.size(), 2);
    QCOMPARE(gone.last().at(1).toBool(), true);
    QCOMPARE(list.target(), QString());
    list.update(member(u"b"_s, u"10.0.0.2"_s, gossip::MemberStatus::Alive, serverTags(u"id-b"_s)));
    QCOMPARE(alive.size(), 3);
    QCOMPARE(list.target(), u"10.0.0.2:8300"_s);
}

void TestServerList::adoptRotation()
{
    ServerList list(u"dc1"_s);
    list.update(member(u"a"_s, u"10.0.0.1"_s, gossip::MemberStatus::Alive, serverTags(u"id-a"_s)));
    list.update(member(u"b"_s, u"10.0.0.2"_s, gossip::MemberStatus::Alive, serverTags(u"id-b"_s)));
    QVERIFY(list.adoptRotation({u"10.0.0.2:8300"_s, u"10.0.0.1:8300"_s}));
    QCOMPARE(list.rotation(), QStringList({u"10.0.0.2:8300"_s, u"10.0.0.1:8300"_s}));
    QCOMPARE(list.describe(u"10.0.0.2:8300"_s), u"b (Addr: tcp/10.0.0.2:8300) (DC: dc1)"_s);
    // Gossip changed the list while the new first server was pinged: a new server goes to the
    // back, a gone one is dropped; a gone first server keeps the current order.
    const QStringList shuffled{u"10.0.0.1:8300"_s, u"10.0.0.2:8300"_s};
    list.update(member(u"c"_s, u"10.0.0.3"_s, gossip::MemberStatus::Alive, serverTags(u"id-c"_s)));
    list.update(member(u"b"_s, u"10.0.0.2"_s, gossip::MemberStatus::Failed, serverTags(u"id-b"_s)));
    QVERIFY(list.adoptRotation(shuffled));
    QCOMPARE(list.rotation(), QStringList({u"10.0.0.1:8300"_s, u"10.0.0.3:8300"_s}));
    const QStringList before = list.rotation();
    QVERIFY(!list.adoptRotation({u"10.0.0.2:8300"_s, u"10.0.0.3:8300"_s, u"10.0.0.1:8300"_s}));
    QCOMPARE(list.rotation(), before);
}

// Consul's refreshServerRebalanceTimer: 2 min plus up to 1 min at random, longer once the LAN
// pool is so large that its clients would open more than 64 connections a second per server.
void TestServerList::rebalanceInterval()
{
    QCOMPARE(ServerRebalancer::interval(3, 10, 120000, 0), 120000);
    QCOMPARE(ServerRebalancer::interval(3, 10, 120000, 0.5), 150000);
    QVERIFY(ServerRebalancer::interval(3, 10, 120000, 0.999) < 180000);
    QCOMPARE(ServerRebalancer::interval(0, 10, 120000, 0), 120000);
    QCOMPARE(ServerRebalancer::interval(3, 100000, 120000, 0), 520833); // 100000 / (3 * 64) s
    QCOMPARE(ServerRebalancer::interval(5, 10000, 120000, 0), 120000);
}

QTEST_GUILESS_MAIN(TestServerList)
#include "tst_serverlist.moc"

// The LAN and WAN pools' merge rules (Consul's agent/consul/merge.go): which members a join, a
// push/pull or an alive message may bring into the pool.
#include "agent/GossipPools.h"

#include <QTest>

using qonsul::agent::GossipPools;
using qonsul::gossip::Member;
using qonsul::gossip::MemberStatus;

namespace {

const QString kDc = QStringLiteral("dc1");
const QString kOwnId = QStringLiteral("11111111-2222-3333-4444-555555555555");
const QString kOwnName = QStringLiteral("agent-one");

Member member(const QString &name, const QString &id, const QString &build = QStringLiteral("1.16.0:abcdef"),
              MemberStatus status = MemberStatus::Alive)
{
    Member m;
    m.name = name;
    m.status = status;
    m.tags = {{QStringLiteral("role"), QStringLiteral("node")},
              {QStringLiteral("dc"), kDc},
              {QStringLiteral("segment"), QString()},
              {QStringLiteral("build"), build}};
    if (!id.isEmpty())
        m.tags.insert(QStringLiteral("id"), id);
    return m;
}

QString lan(const QList<Member> &members)
{
    return GossipPools::refuseLanMembers(members, kDc, kOwnId, kOwnName, QString());
}

} // namespace

class TestLanMerge : public QObject
{
    Q_OBJECT

private Q_SLOTS:
    void healthyPoolMerges()
    {
        QCOMPARE(lan({member(kOwnName, kOwnId), member(QStringLiteral("b"), QStringLiteral("id-b")),
                      member(QStringLiteral("c"), QString())}),
                 QString());
    }

    void ownIdUnderAnotherNameRefused()
    {
        QCOMPARE(lan({member(QStringLiteral("copy"), kOwnId)}),
                 QStringLiteral("Member 'copy' has conflicting node ID '%1' with this agent's ID").arg(kOwnId));
    }

    void twoOtherMembersSharingAnIdRefused()
    {
        const QString id = QStringLiteral("aaaaaaaa-0000-0000-0000-000000000001");
        QCOMPARE(lan({member(QStringLiteral("b"), id), member(QStringLiteral("c"), id)}),
                 QStringLiteral("Member 'c' has conflicting node ID '%1' with member 'b'").arg(id));
    }

    void leftMembersAreExemptFromIdRules()
    {
        // A node that left may have its ID taken by its successor (a rebuilt machine).
        const QString id = QStringLiteral("aaaaaaaa-0000-0000-0000-000000000002");
        QCOMPARE(lan({member(QStringLiteral("old"), id, QStringLiteral("1.16.0"), MemberStatus::Left),
                      member(QStringLiteral("new"), id)}),
                 QString());
        QCOMPARE(lan({member(QStringLiteral("gone"), kOwnId, QStringLiteral("1.16.0"), MemberStatus::Left)}), QString());
    }

    void membersBuiltBeforeUniqueIdsDoNotClaimTheirId()
    {
        // Consul only insists on unique IDs from 0.8.5 on; an older member's ID claims nothing.
        const QString id = QStringLiteral("aaaaaaaa-0000-0000-0000-000000000003");
        QCOMPARE(lan({member(QStringLiteral("old"), id, QStringLiteral("0.8.4:deadbeef")),
                      member(QStringLiteral("new"), id)}),
                 QString());
        QCOMPARE(lan({member(QStringLiteral("a"), id, QStringLiteral("0.8.5")), member(QStringLiteral("b"), id)}),
                 QStringLiteral("Member 'b' has conflicting node ID '%1' with member 'a'").arg(id));
    }

    void wrongDatacenterOrSegmentRefused()
    {
        Member other = member(QStringLiteral("far"), QStringLiteral("id-far"));
        other.tags.insert(QStringLiteral("dc"), QStringLiteral("dc2"));
        QCOMPARE(lan({other}), QStringLiteral("Member 'far' part of wrong datacenter 'dc2'"));
        Member server = other;
        server.tags.insert(QStringLiteral("role"), QStringLiteral("consul"));
        QCOMPARE(lan({server}), QStringLiteral("Member 'far' part of wrong datacenter 'dc2'"));
        Member segmented = member(QStringLiteral("seg"), QStringLiteral("id-seg"));
        segmented.tags.insert(QStringLiteral("segment"), QStringLiteral("alpha"));
        QCOMPARE(lan({segmented}), QStringLiteral("Member 'seg' part of wrong segment 'alpha' (expected '')"));
    }

    void wanTakesOnlyServers()
    {
        Member server = member(QStringLiteral("s1.dc1"), QStringLiteral("id-s1"));
        server.tags.insert(QStringLiteral("role"), QStringLiteral("consul"));
        QCOMPARE(GossipPools::refuseWanMembers({server}), QString());
        QCOMPARE(GossipPools::refuseWanMembers({server, member(QStringLiteral("c1"), QStringLiteral("id-c1"))}),
                 QStringLiteral("Member 'c1' is not a server"));
    }
};

QTEST_GUILESS_MAIN(TestLanMerge)
#include "tst_lanmerge.moc"

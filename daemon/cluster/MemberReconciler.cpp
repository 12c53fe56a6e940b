#include "cluster/MemberReconciler.h"
#include "cluster/ClusterLogging.h"
#include "cluster/ServerNode.h"

#include "core/Clock.h"
#include "gossip/Serf.h"
#include "state/Command.h"
#include "state/Committer.h"
#include "state/StateStore.h"

#include <QJsonObject>

using namespace Qt::StringLiterals;

namespace qonsul::cluster {

namespace {
const QString kSerfCheck = u"serfHealth"_s;
const QString kAliveOutput = u"Agent alive and reachable"_s;
const QString kFailedOutput = u"Agent not live or unreachable"_s;

void logFailure(const state::ApplyResult &result, quint64, const QString &error)
{
    if (!error.isEmpty() || !result.error.isEmpty())
        qCWarning(lcServer).noquote() << "member reconcile failed:" << error << result.error;
}
} // namespace

MemberReconciler::MemberReconciler(Clock *clock, state::Committer *committer, const state::StateStore *store,
                                   ServerNode *server, QObject *parent)
    : QObject(parent)
    , m_clock(clock)
    , m_committer(committer)
    , m_store(store)
    , m_server(server)
{
    connect(server, &ServerNode::leadershipChanged, this, [this](bool leader) {
        if (leader)
            reconcileAll();
    });
}

void MemberReconciler::attach(gossip::Serf *lan)
{
    m_lan = lan;
    for (auto signal : {&gossip::Serf::memberJoined, &gossip::Serf::memberUpdated, &gossip::Serf::memberLeft,
                        &gossip::Serf::memberFailed, &gossip::Serf::memberReaped}) {
        connect(lan, signal, this, &MemberReconciler::reconcile);
    }
    reconcileAll();
}

void MemberReconciler::reconcileAll()
{
    if (!m_lan || !m_server->isLeader())
        return;
    for (const gossip::Member &m : m_lan->members())
        reconcile(m);
}

void MemberReconciler::reconcile(const gossip::Member &member)
{
    if (!m_server->isLeader())
        return;
    const api::Node *node = m_store->findNode(member.name);
    const bool gone = member.status == gossip::MemberStatus::Left || member.status == gossip::MemberStatus::None;
    if (gone || (m_lan && !m_lan->member(member.name))) {
        // Left, or reaped (no longer a member at all).
        if (node && member.name != m_lan->localMember().name) {
            qCInfo(lcServer).noquote() << "deregistering member:" << u"member=%1 reason=left"_s.arg(member.name);
            m_committer->propose(state::command::deregister(member.name, {}, {}, m_clock->wallMs()), logFailure);
        }
        return;
    }
    const bool failed = member.status == gossip::MemberStatus::Failed;
    // Consul's handleFailedMember ignores a member the catalog does not have.
    if (failed && !node)
        return;
    const QString status = failed ? u"critical"_s : u"passing"_s;
    const api::HealthCheck *check = node ? m_store->findCheck(member.name, kSerfCheck) : nullptr;
    if (node && node->address == member.addr && check && check->status == status)
        return;
    if (failed)
        qCInfo(lcServer).noquote() << "member failed, marking health critical:" << u"member=%1"_s.arg(member.name);
    QJsonObject body{{u"Node"_s, member.name},
                     {u"ID"_s, member.tags.value(u"id"_s)},
                     {u"Address"_s, member.addr},
                     {u"Check"_s, QJsonObject{{u"CheckID"_s, kSerfCheck},
                                               {u"Name"_s, u"Serf Health Status"_s},
                                               {u"Status"_s, status},
                                               {u"Output"_s, failed ? kFailedOutput : kAliveOutput}}}};
    // As Consul: a failed member only gets its check (SkipNodeUpdate); an alive one is written
    // whole with its gossip ID and address (a server rebuilt under an old name takes it over once
    // the old node's serfHealth is critical), keeping the tagged addresses and meta the node has
    // when this applies (Consul copies them when it reads the node; at apply time an agent's own
    // node info write that lands in between is not overwritten).
    if (failed) {
        body.insert(u"SkipNodeUpdate"_s, true);
        m_committer->propose(state::command::registerNode(body, m_clock->wallMs()), logFailure);
    } else {
        m_committer->propose(state::command::registerMember(body, m_clock->wallMs()), logFailure);
    }
}

} // namespace qonsul::cluster

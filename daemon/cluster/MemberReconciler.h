#pragma once
// A leader duty: the catalog follows the LAN pool. Every member is a node with a serfHealth
// check — alive: passing "Agent alive and reachable"; failed: critical "Agent not live or
// unreachable" (which invalidates sessions bound to it); left or reaped: the node is
// deregistered. The leader reconciles every member when it takes office and each change after.
#include <QObject>

namespace qonsul {
class Clock;
}
namespace qonsul::gossip {
class Serf;
struct Member;
} // namespace qonsul::gossip
namespace qonsul::state {
class Committer;
class StateStore;
} // namespace qonsul::state

namespace qonsul::cluster {

class ServerNode;

class MemberReconciler final : public QObject
{
    Q_OBJECT
public:
    MemberReconciler(Clock *clock, state::Committer *committer, const state::StateStore *store, ServerNode *server,
                     QObject *parent = nullptr);

    void attach(gossip::Serf *lan);
    void reconcile(const gossip::Member &member);

private:
    void reconcileAll();

    Clock *m_clock;
    state::Committer *m_committer;
    const state::StateStore *m_store;
    ServerNode *m_server;
    gossip::Serf *m_lan = nullptr;
};

} // namespace qonsul::cluster

#pragma once
// The committer of servers and client agents. A server that leads proposes to its own Raft
// node; anyone else sends the command to its upstream ("Raft.Apply": a follower to the leader,
// a client to a server), holding it through an election for up to rpc_hold_timeout.
#include "cluster/Upstream.h"
#include "raft/RaftCommitter.h"
#include "state/Committer.h"

#include <optional>

namespace qonsul::cluster {

inline const QString kApplyMethod = QStringLiteral("Raft.Apply");

class ForwardingCommitter final : public state::Committer
{
public:
    ForwardingCommitter(Clock *clock, rpc::ConnectionPool *pool, Upstream *upstream, qint64 holdMs);
    // The server's own Raft node, once it runs (client agents have none).
    void setLocal(raft::RaftNode *local);

    void propose(const QCborMap &command, Done done) override;
    bool isLeader() const override;
    QString leaderAddress() const override;
    qint64 lastContactMs() const override;
    quint64 currentTerm() const override { return m_local ? m_local->currentTerm() : 0; }

    // The server side of Raft.Apply: `args` as propose() sends them; the reply as it expects.
    void serveApply(const QCborValue &args, std::function<void(const QCborValue &, const QString &)> reply);

private:
    Clock *m_clock;
    rpc::ConnectionPool *m_pool;
    Upstream *m_upstream;
    qint64 m_holdMs;
    raft::RaftNode *m_local = nullptr;
    std::optional<raft::RaftCommitter> m_raft;
};

} // namespace qonsul::cluster

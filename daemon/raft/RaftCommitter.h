#pragma once
// The state store behind Raft: StoreStateMachine makes a StateStore Raft's state machine
// (commands are the CBOR bytes of state/Command.h maps), and RaftCommitter implements
// state::Committer on a RaftNode, so HTTP handlers propose writes exactly as in dev mode.
// Not wired into the agent yet (the cluster issue does that, with SQLite stores and a transport).
#include "raft/RaftNode.h"
#include "state/Committer.h"

namespace qonsul::raft {

class StoreStateMachine final : public StateMachine
{
public:
    explicit StoreStateMachine(state::StateStore *store) : m_store(store) {}
    // Applies at the entry's Raft index (indexes of no-op and configuration entries are skipped,
    // which the store allows: it only needs increasing indexes). Returns a state::ApplyResult.
    std::any apply(const LogEntry &entry) override;
    std::function<QByteArray()> capture() const override { return m_store->capture(); }
    bool restore(const QByteArray &data, const SnapshotMeta &meta) override;

private:
    state::StateStore *m_store;
};

class RaftCommitter final : public state::Committer
{
public:
    explicit RaftCommitter(RaftNode *node) : m_node(node) {}
    // On the leader: replicates and calls `done` once applied here. Elsewhere, or when
    // leadership is lost before the command commits, `done` gets index 0 and the error.
    void propose(const QCborMap &command, Done done) override;
    bool isLeader() const override { return m_node->isLeader(); }
    QString leaderAddress() const override;

private:
    RaftNode *m_node;
};

} // namespace qonsul::raft

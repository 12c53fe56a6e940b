#pragma once
// Where writes go: a command is proposed, committed (by Raft on servers), applied to the state
// store at its index, and `done` is called with the outcome. In dev mode LocalCommitter applies
// at once; the cluster issue puts Raft behind the same interface, so handlers never change.
#include <QCborMap>
#include <functional>

#include "state/StateStore.h"

namespace qonsul::state {

class Committer
{
public:
    // `index` is the log index the command was applied at; 0 with `error` set when the command
    // could not be committed at all (no leader, shutting down) — distinct from a command the
    // state machine rejected (ApplyResult::error).
    using Done = std::function<void(const ApplyResult &result, quint64 index, const QString &error)>;
    virtual ~Committer() = default;
    virtual void propose(const QCborMap &command, Done done) = 0;
    virtual bool isLeader() const = 0;
    virtual QString leaderAddress() const = 0; // "ip:port", empty when unknown
    // Milliseconds since this server last heard from the leader (X-Consul-LastContact).
    virtual qint64 lastContactMs() const { return 0; }
    // The consensus term, for snapshot metadata; a single node without Raft stays in term 1.
    virtual quint64 currentTerm() const { return 1; }
};

// Single-node, in-memory: applies each command immediately at the next index.
class LocalCommitter final : public Committer
{
public:
    LocalCommitter(StateStore *store, QString address)
        : m_store(store)
        , m_address(std::move(address))
    {
    }
    void propose(const QCborMap &command, Done done) override
    {
        const quint64 index = m_store->lastIndex() + 1;
        const ApplyResult result = m_store->apply(index, command);
        if (done)
            done(result, index, QString());
    }
    bool isLeader() const override { return true; }
    QString leaderAddress() const override { return m_address; }

private:
    StateStore *m_store;
    QString m_address;
};

} // namespace qonsul::state

#pragma once
// In-memory twins of the durable stores: for tests and the simulation, where an object that
// outlives a RaftNode stands for its disk. "Durable on return" holds trivially.
#include "raft/Interfaces.h"

namespace qonsul::raft {

class MemoryLogStore final : public LogStore
{
public:
    quint64 firstIndex() const override { return m_first; }
    quint64 lastIndex() const override { return m_first + quint64(m_entries.size()) - 1; }
    LogEntry entry(quint64 index) const override;
    bool append(const QList<LogEntry> &entries) override;
    bool truncateAfter(quint64 lastKept) override;
    bool truncateBefore(quint64 firstKept) override;

private:
    quint64 m_first = 1;
    QList<LogEntry> m_entries;
};

class MemoryStableStore final : public StableStore
{
public:
    quint64 currentTerm() const override { return m_term; }
    ServerId votedFor() const override { return m_vote; }
    void setTermAndVote(quint64 term, const ServerId &votedFor) override
    {
        m_term = term;
        m_vote = votedFor;
    }

private:
    quint64 m_term = 0;
    ServerId m_vote;
};

class MemorySnapshotStore final : public SnapshotStore
{
public:
    bool save(const SnapshotMeta &meta, const QByteArray &data) override
    {
        m_meta = meta;
        m_data = data;
        return true;
    }
    std::optional<SnapshotMeta> latest() const override { return m_meta; }
    QByteArray latestData() const override { return m_data; }

private:
    std::optional<SnapshotMeta> m_meta;
    QByteArray m_data;
};

} // namespace qonsul::raft

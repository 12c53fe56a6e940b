#pragma once
// Term and vote in the same SQLite database as the log (table `stable`, one row with a CRC-32C).
// setTermAndVote() is one transaction, on disk when it returns.
#include "raft/Interfaces.h"
#include "raft/storage/RaftDatabase.h"

namespace qonsul::raft {

class SqliteStableStore final : public StableStore
{
public:
    // nullptr and `error` when the row cannot be read or fails its checksum.
    static std::unique_ptr<SqliteStableStore> open(RaftDatabase *db, QString *error);

    quint64 currentTerm() const override { return m_term; }
    ServerId votedFor() const override { return m_vote; }
    // A term and vote that cannot be made durable must not be acted on, and the core cannot
    // undo them: the process stops with the error, as hashicorp/raft panics there.
    void setTermAndVote(quint64 term, const ServerId &votedFor) override;

    static quint32 checksum(quint64 term, const ServerId &votedFor);

private:
    explicit SqliteStableStore(RaftDatabase *db)
        : m_db(db)
    {
    }

    RaftDatabase *m_db;
    quint64 m_term = 0;
    ServerId m_vote;
};

} // namespace qonsul::raft

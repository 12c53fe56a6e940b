#pragma once
// The durable Raft log in the SQLite database (RaftDatabase): one row per entry with a CRC-32C
// over index, term, type and data. One append() of N entries is one transaction and so one fsync
// of the WAL: the leader batches the proposals of one event-loop turn into one append, which is
// what makes many concurrent proposals share one disk flush (group commit).
//
// The newest entries are also kept in memory (bounded by count and bytes), so replication and
// term lookups near the end of the log do not read the database.
#include <QSqlQuery>

#include <deque>
#include <functional>

#include "raft/Interfaces.h"
#include "raft/storage/RaftDatabase.h"

namespace qonsul::raft {

class SqliteLogStore final : public LogStore
{
public:
    // Loads the log's bounds and checks every row: indexes without gaps and intact checksums.
    // nullptr and `error` on any inconsistency; nothing is modified then.
    static std::unique_ptr<SqliteLogStore> open(RaftDatabase *db, QString *error);

    quint64 firstIndex() const override { return m_first; }
    quint64 lastIndex() const override { return m_last; }
    LogEntry entry(quint64 index) const override;
    // False (a full disk, an I/O error; logged) leaves the database and this object as they were.
    bool append(const QList<LogEntry> &entries) override;
    bool truncateAfter(quint64 lastKept) override;
    bool truncateBefore(quint64 firstKept) override;

    static quint32 checksum(const LogEntry &entry);

private:
    explicit SqliteLogStore(RaftDatabase *db);
    // Runs `body` in one transaction; false (logged) when it or the commit failed.
    bool transaction(const char *what, const std::function<bool(QString *)> &body);
    void cache(const LogEntry &entry);

    RaftDatabase *m_db;
    QSqlQuery m_insert; // prepared once: appends are the hot path
    QSqlQuery m_select;
    quint64 m_first = 1;
    quint64 m_last = 0;
    std::deque<LogEntry> m_cache; // the newest entries, contiguous, ending at m_last
    qsizetype m_cacheBytes = 0;
};

} // namespace qonsul::raft

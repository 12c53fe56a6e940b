#pragma once
// The SQLite database behind the log and stable stores: <data_dir>/raft/raft.db, one connection,
// WAL journal with synchronous=FULL, so a committed transaction is on disk when commit returns
// (one fsync of the WAL per transaction). EXCLUSIVE locking keeps a second process off the same
// data directory and keeps the WAL index in process memory (no -shm file).
//
// Qt SQL connections belong to the thread that opened them: open the storage on the thread that
// runs the RaftNode.
#include <QSqlDatabase>
#include <QString>

#include <memory>

namespace qonsul::raft {

class RaftDatabase
{
public:
    enum class Mode
    {
        ReadWrite, // creates the file and tables when missing
        ReadOnly, // for checking an existing database without changing a byte of it
    };
    // Opens the database. nullptr and `error` on failure.
    static std::unique_ptr<RaftDatabase> open(const QString &path, Mode mode, QString *error);
    ~RaftDatabase();
    RaftDatabase(const RaftDatabase &) = delete;
    RaftDatabase &operator=(const RaftDatabase &) = delete;

    QSqlDatabase &db() { return m_db; }
    const QString &path() const { return m_path; }
    // Runs one statement; false and a message naming `what` in *error on failure.
    bool exec(const QString &sql, const char *what, QString *error);

private:
    RaftDatabase(QString path, QString connection);

    QString m_path;
    QString m_connection;
    QSqlDatabase m_db;
};

} // namespace qonsul::raft

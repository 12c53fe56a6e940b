#include "raft/storage/RaftDatabase.h"

#include <QAtomicInteger>
#include <QSqlError>
#include <QSqlQuery>

using namespace Qt::StringLiterals;

namespace qonsul::raft {

RaftDatabase::RaftDatabase(QString path, QString connection)
    : m_path(std::move(path))
    , m_connection(std::move(connection))
{
}

RaftDatabase::~RaftDatabase()
{
    m_db.close();
    m_db = QSqlDatabase();
    QSqlDatabase::removeDatabase(m_connection);
}

std::unique_ptr<RaftDatabase> RaftDatabase::open(const QString &path, Mode mode, QString *error)
{
    static QAtomicInteger<quint64> counter;
    const QString connection = u"qonsul-raft-%1"_s.arg(counter.fetchAndAddRelaxed(1));
    std::unique_ptr<RaftDatabase> self(new RaftDatabase(path, connection));
    self->m_db = QSqlDatabase::addDatabase(u"QSQLITE"_s, connection);
    if (!self->m_db.isValid()) {
        *error = u"the Qt SQLite driver (QSQLITE) is not available"_s;
        return nullptr;
    }
    self->m_db.setDatabaseName(path);
    if (mode == Mode::ReadOnly)
        self->m_db.setConnectOptions(u"QSQLITE_OPEN_READONLY"_s);
    if (!self->m_db.open()) {
        *error = u"cannot open %1: %2"_s.arg(path, self->m_db.lastError().text());
        return nullptr;
    }
    // A read-only connection reads the WAL through a shared-memory index (a -shm file next to
    // the database, which the caller removes); it cannot build one in process memory.
    if (mode == Mode::ReadOnly)
        return self;
    // EXCLUSIVE before the first access in WAL mode: SQLite then never creates the shared-memory
    // index, and the first write takes the lock for the life of the connection.
    if (!self->exec(u"PRAGMA locking_mode=EXCLUSIVE"_s, "set the locking mode", error))
        return nullptr;
    QSqlQuery journal(self->m_db);
    if (!journal.exec(u"PRAGMA journal_mode=WAL"_s) || !journal.next()
        || journal.value(0).toString().compare(u"wal"_s, Qt::CaseInsensitive) != 0) {
        *error = u"cannot switch %1 to WAL mode: %2"_s.arg(path, journal.lastError().text());
        return nullptr;
    }
    journal.finish();
    if (!self->exec(u"PRAGMA synchronous=FULL"_s, "set synchronous=FULL", error)
        || !self->exec(u"CREATE TABLE IF NOT EXISTS log (idx INTEGER PRIMARY KEY, term INTEGER NOT NULL, "
                       "type INTEGER NOT NULL, data BLOB NOT NULL, crc INTEGER NOT NULL)"_s,
            "create the log table", error)
        || !self->exec(u"CREATE TABLE IF NOT EXISTS meta (key TEXT PRIMARY KEY, value INTEGER NOT NULL)"_s,
            "create the meta table", error)
        || !self->exec(u"CREATE TABLE IF NOT EXISTS stable (id INTEGER PRIMARY KEY CHECK (id = 1), "
                       "term INTEGER NOT NULL, vote TEXT NOT NULL, crc INTEGER NOT NULL)"_s,
            "create the stable table", error)) {
        return nullptr;
    }
    return self;
}

bool RaftDatabase::exec(const QString &sql, const char *what, QString *error)
{
    QSqlQuery q(m_db);
    if (q.exec(sql))
        return true;
    *error = u"cannot %1 in %2: %3"_s.arg(QLatin1StringView(what), m_path, q.lastError().text());
    return false;
}

} // namespace qonsul::raft

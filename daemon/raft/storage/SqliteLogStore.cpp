#include "raft/storage/SqliteLogStore.h"

#include <QSqlError>
#include <QVariant>
#include <QtEndian>

#include "raft/storage/Crc32c.h"
#include "raft/storage/StorageLog.h"

using namespace Qt::StringLiterals;

namespace qonsul::raft {

namespace {
constexpr size_t kCacheEntries = 8192;
constexpr qsizetype kCacheBytes = 64 << 20;

QString sqlError(const QSqlQuery &q)
{
    return q.lastError().text();
}
} // namespace

SqliteLogStore::SqliteLogStore(RaftDatabase *db)
    : m_db(db)
    , m_insert(db->db())
    , m_select(db->db())
{
}

quint32 SqliteLogStore::checksum(const LogEntry &entry)
{
    uchar header[17];
    qToLittleEndian<quint64>(entry.index, header);
    qToLittleEndian<quint64>(entry.term, header + 8);
    header[16] = uchar(entry.type);
    return crc32c(entry.data, crc32c(QByteArrayView(header, sizeof header)));
}

std::unique_ptr<SqliteLogStore> SqliteLogStore::open(RaftDatabase *db, QString *error)
{
    std::unique_ptr<SqliteLogStore> self(new SqliteLogStore(db));
    const QString path = db->path();
    if (!self->m_insert.prepare(u"INSERT INTO log (idx, term, type, data, crc) VALUES (:idx, :term, :type, :data, :crc)"_s)
        || !self->m_select.prepare(u"SELECT term, type, data, crc FROM log WHERE idx = ?"_s)) {
        *error = u"cannot prepare the log statements in %1: %2"_s.arg(path, sqlError(self->m_insert));
        return nullptr;
    }
    QSqlQuery q(db->db());
    q.setForwardOnly(true);
    if (!q.exec(u"SELECT value FROM meta WHERE key = 'first_index'"_s)) {
        *error = u"cannot read the log bounds in %1: %2"_s.arg(path, sqlError(q));
        return nullptr;
    }
    if (q.next())
        self->m_first = q.value(0).toULongLong();
    q.finish();
    if (self->m_first == 0) {
        *error = u"%1: the log's first index is 0"_s.arg(path);
        return nullptr;
    }
    self->m_last = self->m_first - 1;

    // Every row, in order: no gaps, intact checksums, terms never decreasing.
    if (!q.exec(u"SELECT idx, term, type, data, crc FROM log ORDER BY idx"_s)) {
        *error = u"cannot read the log in %1: %2"_s.arg(path, sqlError(q));
        return nullptr;
    }
    quint64 lastTerm = 0;
    while (q.next()) {
        LogEntry e;
        e.index = q.value(0).toULongLong();
        e.term = q.value(1).toULongLong();
        const int type = q.value(2).toInt();
        e.data = q.value(3).toByteArray();
        e.type = LogEntry::Type(type);
        if (e.index != self->m_last + 1) {
            *error = u"%1: the log is not contiguous: index %2 follows %3 (the log starts at %4)"_s.arg(path)
                         .arg(e.index)
                         .arg(self->m_last)
                         .arg(self->m_first);
            return nullptr;
        }
        if (type < 0 || type > int(LogEntry::Type::Configuration)
            || quint32(q.value(4).toLongLong()) != checksum(e)) {
            *error = u"%1: the log entry at index %2 is corrupt (checksum mismatch)"_s.arg(path).arg(e.index);
            return nullptr;
        }
        if (e.term < lastTerm) {
            *error
                = u"%1: the log entry at index %2 has term %3, lower than the term %4 before it"_s.arg(path)
                      .arg(e.index)
                      .arg(e.term)
                      .arg(lastTerm);
            return nullptr;
        }
        lastTerm = e.term;
        self->m_last = e.index;
        self->cache(e);
    }
    if (q.lastError().isValid()) {
        *error = u"cannot read the log in %1: %2"_s.arg(path, sqlError(q));
        return nullptr;
    }
    return self;
}

void SqliteLogStore::cache(const LogEntry &entry)
{
    m_cache.push_back(entry);
    m_cacheBytes += entry.data.size();
    while (m_cache.size() > kCacheEntries || (m_cacheBytes > kCacheBytes && m_cache.size() > 1)) {
        m_cacheBytes -= m_cache.front().data.size();
        m_cache.pop_front();
    }
}

LogEntry SqliteLogStore::entry(quint64 index) const
{
    Q_ASSERT(index >= m_first && index <= m_last);
    if (!m_cache.empty() && index >= m_cache.front().index)
        return m_cache[size_t(index - m_cache.front().index)];
    auto *self = const_cast<SqliteLogStore *>(this); // reading through a prepared statement
    QSqlQuery &q = self->m_select;
    q.bindValue(0, index);
    if (!q.exec() || !q.next())
        qFatal("raft storage: cannot read the log entry at index %llu from %s: %s", index,
            qPrintable(m_db->path()), qPrintable(q.lastError().text()));
    LogEntry e { index, q.value(0).toULongLong(), LogEntry::Type(q.value(1).toInt()),
        q.value(2).toByteArray() };
    const quint32 crc = quint32(q.value(3).toLongLong());
    q.finish();
    if (crc != checksum(e))
        qFatal("raft storage: the log entry at index %llu in %s is corrupt (checksum mismatch)", index,
            qPrintable(m_db->path()));
    return e;
}

bool SqliteLogStore::transaction(const char *what, const std::function<bool(QString *)> &body)
{
    QSqlDatabase &db = m_db->db();
    QString error;
    if (!db.transaction())
        error = u"cannot begin a transaction: %1"_s.arg(db.lastError().text());
    else if (!body(&error))
        db.rollback();
    else if (!db.commit()) {
        error = u"cannot commit: %1"_s.arg(db.lastError().text());
        db.rollback();
    }
    if (error.isEmpty())
        return true;
    qCWarning(lcRaftStorage).noquote() << "cannot" << what << "in" << m_db->path() << "-" << error;
    return false;
}

bool SqliteLogStore::append(const QList<LogEntry> &entries)
{
    if (entries.isEmpty())
        return true;
    quint64 next = m_last + 1;
    for (const LogEntry &e : entries) {
        if (e.index != next++)
            qFatal("raft storage: append of index %llu does not follow %llu", e.index, next - 2);
    }
    const bool ok = transaction("append to the log", [&](QString *error) {
        for (const LogEntry &e : entries) {
            // By name: Qt 6 turns every positional bind into a name (":%1".arg(i)) and looks
            // that up, which cost more than SQLite's own insert (~6,000 instructions per entry).
            m_insert.bindValue(u":idx"_s, e.index);
            m_insert.bindValue(u":term"_s, e.term);
            m_insert.bindValue(u":type"_s, int(e.type));
            m_insert.bindValue(u":data"_s, e.data.isNull() ? QByteArray("") : e.data); // NOT NULL column
            m_insert.bindValue(u":crc"_s, qint64(checksum(e)));
            if (!m_insert.exec()) {
                *error = u"index %1: %2"_s.arg(e.index).arg(sqlError(m_insert));
                return false;
            }
        }
        return true;
    });
    if (!ok)
        return false;
    for (const LogEntry &e : entries)
        cache(e);
    m_last = entries.last().index;
    return true;
}

bool SqliteLogStore::truncateAfter(quint64 lastKept)
{
    if (lastKept >= m_last)
        return true;
    const bool ok = transaction("truncate the log", [&](QString *error) {
        QSqlQuery q(m_db->db());
        q.prepare(u"DELETE FROM log WHERE idx > ?"_s);
        q.bindValue(0, lastKept);
        if (q.exec())
            return true;
        *error = u"after index %1: %2"_s.arg(lastKept).arg(sqlError(q));
        return false;
    });
    if (!ok)
        return false;
    m_last = std::max(lastKept, m_first - 1);
    while (!m_cache.empty() && m_cache.back().index > m_last) {
        m_cacheBytes -= m_cache.back().data.size();
        m_cache.pop_back();
    }
    return true;
}

bool SqliteLogStore::truncateBefore(quint64 firstKept)
{
    if (firstKept <= m_first)
        return true;
    const bool ok = transaction("compact the log", [&](QString *error) {
        QSqlQuery q(m_db->db());
        q.prepare(u"DELETE FROM log WHERE idx < ?"_s);
        q.bindValue(0, firstKept);
        QSqlQuery meta(m_db->db());
        meta.prepare(u"INSERT OR REPLACE INTO meta (key, value) VALUES ('first_index', ?)"_s);
        meta.bindValue(0, firstKept);
        if (q.exec() && meta.exec())
            return true;
        *error = u"before index %1: %2"_s.arg(firstKept).arg(sqlError(q.lastError().isValid() ? q : meta));
        return false;
    });
    if (!ok)
        return false;
    m_first = firstKept;
    m_last = std::max(m_last, firstKept - 1);
    while (!m_cache.empty() && m_cache.front().index < firstKept) {
        m_cacheBytes -= m_cache.front().data.size();
        m_cache.pop_front();
    }
    return true;
}

} // namespace qonsul::raft

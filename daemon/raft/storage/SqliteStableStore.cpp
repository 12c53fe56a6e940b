#include "raft/storage/SqliteStableStore.h"

#include <QSqlError>
#include <QSqlQuery>
#include <QVariant>
#include <QtEndian>

#include "raft/storage/Crc32c.h"

using namespace Qt::StringLiterals;

namespace qonsul::raft {

quint32 SqliteStableStore::checksum(quint64 term, const ServerId &votedFor)
{
    uchar header[8];
    qToLittleEndian<quint64>(term, header);
    return crc32c(votedFor.toUtf8(), crc32c(QByteArrayView(header, sizeof header)));
}

std::unique_ptr<SqliteStableStore> SqliteStableStore::open(RaftDatabase *db, QString *error)
{
    std::unique_ptr<SqliteStableStore> self(new SqliteStableStore(db));
    QSqlQuery q(db->db());
    if (!q.exec(u"SELECT term, vote, crc FROM stable WHERE id = 1"_s)) {
        *error = u"cannot read the current term in %1: %2"_s.arg(db->path(), q.lastError().text());
        return nullptr;
    }
    if (q.next()) {
        self->m_term = q.value(0).toULongLong();
        self->m_vote = q.value(1).toString();
        if (quint32(q.value(2).toLongLong()) != checksum(self->m_term, self->m_vote)) {
            *error = u"%1: the current term and vote are corrupt (checksum mismatch)"_s.arg(db->path());
            return nullptr;
        }
    }
    return self;
}

void SqliteStableStore::setTermAndVote(quint64 term, const ServerId &votedFor)
{
    // A single statement is its own transaction: committed, and so synced, when exec returns.
    QSqlQuery q(m_db->db());
    q.prepare(u"INSERT OR REPLACE INTO stable (id, term, vote, crc) VALUES (1, ?, ?, ?)"_s);
    q.bindValue(0, term);
    q.bindValue(1, votedFor.isNull() ? QString(u""_s) : votedFor);
    q.bindValue(2, qint64(checksum(term, votedFor)));
    if (!q.exec()) {
        qFatal("raft storage: cannot store term %llu and vote '%s' in %s: %s", term, qPrintable(votedFor),
            qPrintable(m_db->path()), qPrintable(q.lastError().text()));
    }
    m_term = term;
    m_vote = votedFor;
}

} // namespace qonsul::raft

#pragma once
// What a state snapshot holds, counted per record type the way `consul snapshot inspect` lists
// them (KVS, Register, Session, PreparedQuery, Tombstone, Index), with each record's encoded size.
#include <QByteArray>
#include <QList>
#include <QString>

namespace qonsul::state {

struct SnapshotTypeStat
{
    QString name;
    qint64 count = 0;
    qint64 size = 0;
};

struct SnapshotContents
{
    QList<SnapshotTypeStat> types;            // only types present
    QList<QPair<QString, qint64>> keySizes;   // every KV key with its record size
};

// False (and *error) for bytes that are not a state snapshot.
bool inspectSnapshot(const QByteArray &data, SnapshotContents *out, QString *error);

} // namespace qonsul::state

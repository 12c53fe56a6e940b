#include "raft/storage/RaftStorage.h"

#include <QDir>
#include <QFileInfo>

#include "raft/storage/FileSync.h"
#include "raft/storage/StorageLog.h"

Q_LOGGING_CATEGORY(lcRaftStorage, "qonsul.raft.storage", QtInfoMsg)

using namespace Qt::StringLiterals;

namespace qonsul::raft {

std::optional<RaftStorage> openRaftStorage(const QString &dataDir, QString *error)
{
    const QString raftDir = QDir(dataDir).absoluteFilePath(u"raft"_s);
    if (!QFileInfo::exists(raftDir)) {
        QString why;
        if (!QDir().mkpath(raftDir) || !syncPath(QFileInfo(raftDir).absolutePath(), &why)) {
            *error = u"cannot create %1: %2"_s.arg(raftDir, why);
            return std::nullopt;
        }
    }
    RaftStorage storage;
    storage.snapshots = FileSnapshotStore::open(raftDir + u"/snapshots"_s, &storage.warnings, error);
    if (!storage.snapshots)
        return std::nullopt;
    storage.database = RaftDatabase::open(raftDir + u"/raft.db"_s, error);
    if (!storage.database)
        return std::nullopt;
    storage.log = SqliteLogStore::open(storage.database.get(), error);
    if (!storage.log)
        return std::nullopt;
    storage.stable = SqliteStableStore::open(storage.database.get(), error);
    if (!storage.stable)
        return std::nullopt;

    // The log must continue the snapshot (RaftNode drops a log that ends before it, but a gap
    // between the snapshot and the log's first entry means committed entries are gone).
    if (const std::optional<SnapshotMeta> snap = storage.snapshots->latest()) {
        if (storage.log->firstIndex() > snap->index + 1) {
            *error = u"the log in %1 starts at index %2, but the latest intact snapshot (%3) ends at %4: "
                     "entries %5..%6 are missing"_s.arg(storage.database->path())
                         .arg(storage.log->firstIndex())
                         .arg(storage.snapshots->latestPath())
                         .arg(snap->index)
                         .arg(snap->index + 1)
                         .arg(storage.log->firstIndex() - 1);
            return std::nullopt;
        }
    }
    QString why;
    if (!syncPath(raftDir, &why)) {
        *error = why;
        return std::nullopt;
    }
    return storage;
}

} // namespace qonsul::raft

#include "raft/storage/RaftStorage.h"

#include <QDir>
#include <QFile>
#include <QFileInfo>

#include "raft/RaftCommitter.h"
#include "raft/storage/FileSync.h"
#include "raft/storage/PeersJson.h"
#include "raft/storage/StorageLog.h"
#include "raft/storage/WalCheck.h"
#include "state/StateStore.h"

Q_LOGGING_CATEGORY(lcRaftStorage, "qonsul.raft.storage", QtInfoMsg)

using namespace Qt::StringLiterals;

namespace qonsul::raft {

namespace {

// The log must continue the snapshot (RaftNode drops a log that ends before it, but a gap
// between the snapshot and the log's first entry means committed entries are gone).
bool logContinuesSnapshot(
    const SqliteLogStore &log, const FileSnapshotStore &snapshots, const QString &dbPath, QString *error)
{
    const std::optional<SnapshotMeta> snap = snapshots.latest();
    if (!snap || log.firstIndex() <= snap->index + 1)
        return true;
    *error = u"the log in %1 starts at index %2, but the latest intact snapshot (%3) ends at %4: "
             "entries %5..%6 are missing"_s.arg(dbPath)
                 .arg(log.firstIndex())
                 .arg(snapshots.latestPath())
                 .arg(snap->index)
                 .arg(snap->index + 1)
                 .arg(log.firstIndex() - 1);
    return false;
}

// Everything a database with a WAL holds (a crash left it), checked through a read-only
// connection, so a refusal leaves the files exactly as they were: a read-write connection would
// checkpoint the WAL into the database on close. Without a WAL (a clean shutdown) the read-write
// open below changes no byte until something is written.
bool verifyExisting(const QString &dbPath, const FileSnapshotStore &snapshots, QString *error)
{
    const QString shm = dbPath + u"-shm"_s;
    const bool hadShm = QFileInfo::exists(shm);
    bool ok = false;
    if (std::unique_ptr<RaftDatabase> db = RaftDatabase::open(dbPath, RaftDatabase::Mode::ReadOnly, error)) {
        std::unique_ptr<SqliteLogStore> log = SqliteLogStore::open(db.get(), error);
        ok = log && SqliteStableStore::open(db.get(), error)
            && logContinuesSnapshot(*log, snapshots, dbPath, error);
    }
    if (!hadShm)
        QFile::remove(shm);
    return ok;
}

// peers.json: replaces the configuration, then goes (Consul's manual outage recovery). The state
// machine it replays the log into is a scratch state store, dropped afterwards.
bool recoverFromPeersJson(RaftStorage &storage, const QString &peersPath, QString *error)
{
    qCInfo(lcRaftStorage).noquote() << "found" << peersPath << "- recovering the Raft configuration";
    const std::optional<Configuration> configuration = readPeersJson(peersPath, error);
    if (!configuration)
        return false;
    state::StateStore scratchStore;
    StoreStateMachine scratch(&scratchStore);
    QString why;
    if (!recoverCluster(*storage.log, *storage.stable, *storage.snapshots, scratch, *configuration, &why)) {
        *error = u"recovery from %1 failed: %2"_s.arg(peersPath, why);
        return false;
    }
    if (!QFile::remove(peersPath) || !syncPath(QFileInfo(peersPath).absolutePath(), &why)) {
        *error = u"recovered from %1 but could not delete it; delete it by hand before the next start"_s.arg(
            peersPath);
        return false;
    }
    QStringList servers;
    for (const Server &s : configuration->servers)
        servers.append(u"%1 (%2%3)"_s.arg(
            s.id, s.address, s.suffrage == Suffrage::Nonvoter ? u", non-voter"_s : QString()));
    const QString line = u"recovered the Raft configuration from %1 and deleted it: %2"_s.arg(
        peersPath, servers.join(u", "_s));
    qCInfo(lcRaftStorage).noquote() << line;
    storage.warnings.append(line);
    return true;
}

bool truncateFile(const QString &path, qint64 size, QString *error)
{
    QFile file(path);
    if (!file.open(QIODevice::ReadWrite) || !file.resize(size)) {
        *error = u"cannot truncate %1: %2"_s.arg(path, file.errorString());
        return false;
    }
    file.close();
    return syncPath(path, error);
}

} // namespace

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

    const QString dbPath = raftDir + u"/raft.db"_s;
    if (QFileInfo::exists(dbPath)) {
        const WalCheck wal = checkWal(dbPath + u"-wal"_s);
        if (wal.result == WalCheck::Result::Corrupt) {
            *error = wal.message;
            return std::nullopt;
        }
        if (wal.fileBytes > 0 && !verifyExisting(dbPath, *storage.snapshots, error))
            return std::nullopt;
        // SQLite would skip the incomplete transaction too; cutting it off makes sure no later
        // frame can ever be mistaken for part of the log.
        if (wal.result == WalCheck::Result::Torn) {
            if (!truncateFile(dbPath + u"-wal"_s, wal.validBytes, error))
                return std::nullopt;
            qCWarning(lcRaftStorage).noquote() << wal.message;
            storage.warnings.append(wal.message);
        }
    }

    storage.database = RaftDatabase::open(dbPath, RaftDatabase::Mode::ReadWrite, error);
    if (!storage.database)
        return std::nullopt;
    storage.log = SqliteLogStore::open(storage.database.get(), error);
    if (!storage.log)
        return std::nullopt;
    storage.stable = SqliteStableStore::open(storage.database.get(), error);
    if (!storage.stable)
        return std::nullopt;
    if (!logContinuesSnapshot(*storage.log, *storage.snapshots, dbPath, error))
        return std::nullopt;
    const QString peersPath = raftDir + u"/peers.json"_s;
    if (QFileInfo::exists(peersPath) && !recoverFromPeersJson(storage, peersPath, error))
        return std::nullopt;
    QString why;
    if (!syncPath(raftDir, &why)) {
        *error = why;
        return std::nullopt;
    }
    return storage;
}

} // namespace qonsul::raft

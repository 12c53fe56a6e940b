#pragma once
// The durable stores of one Raft server, opened together from its data directory:
//
//   <data_dir>/raft/raft.db          SQLite (WAL): the log and the current term and vote
//   <data_dir>/raft/snapshots/       <term>-<index>-<ms>/{state.bin,meta.json}, newest two kept
//   <data_dir>/raft/peers.json       only for manual outage recovery (PeersJson.h): applied and
//                                    deleted by the next open
//
// Hand the stores to RaftNode::Deps (log.get(), stable.get(), snapshots.get()); keep the
// RaftStorage alive longer than the node. Open it on the thread that runs the node.
#include <QStringList>

#include <memory>
#include <optional>

#include "raft/storage/FileSnapshotStore.h"
#include "raft/storage/RaftDatabase.h"
#include "raft/storage/SqliteLogStore.h"
#include "raft/storage/SqliteStableStore.h"

namespace qonsul::raft {

struct RaftStorage
{
    std::unique_ptr<RaftDatabase> database; // first: destroyed after the stores that use it
    std::unique_ptr<SqliteLogStore> log;
    std::unique_ptr<SqliteStableStore> stable;
    std::unique_ptr<FileSnapshotStore> snapshots;
    // What open repaired, skipped or recovered (a torn WAL tail, a corrupt newest snapshot,
    // peers.json), already logged (for the caller's own report).
    QStringList warnings;
};

// Opens (creating when missing) the stores under `dataDir`. On any corruption that cannot be
// repaired without losing committed data, returns nullopt with a message saying what is wrong
// and where, and leaves every file as it was: the server must not start on it.
std::optional<RaftStorage> openRaftStorage(const QString &dataDir, QString *error);

} // namespace qonsul::raft

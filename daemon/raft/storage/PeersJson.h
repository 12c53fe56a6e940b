#pragma once
// Manual recovery of a cluster that lost its quorum, as Consul documents it: the operator stops
// every remaining server, writes <data_dir>/raft/peers.json on each with the servers that are
// left, and starts them again. The file replaces the Raft configuration (hashicorp/raft's
// RecoverCluster) and is deleted once that is on disk.
//
// Format (Raft protocol 3): [{"id": "<node-id>", "address": "<ip>:<port>", "non_voter": false}, ...]
// The protocol 2 form, an array of "<ip>:<port>" strings (id = address, all voters), is accepted.
#include <optional>

#include "raft/Interfaces.h"

namespace qonsul::raft {

// nullopt and `error` when the file cannot be read or describes no usable configuration (an
// empty or duplicate id or address, no voter).
std::optional<Configuration> readPeersJson(const QString &path, QString *error);

// Makes `configuration` the cluster's: restores the latest snapshot into `scratch`, applies the
// whole log after it (committed or not, as RecoverCluster does), saves the result as a snapshot
// at the last index with the new configuration, and empties the log. Refuses a server with no
// Raft state at all (peers.json in a new data directory is an operator mistake).
bool recoverCluster(LogStore &log, const StableStore &stable, SnapshotStore &snapshots, StateMachine &scratch,
    const Configuration &configuration, QString *error);

} // namespace qonsul::raft

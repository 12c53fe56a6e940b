#pragma once
// Durable file writes: contents flushed to the device, and directory entries (creations,
// renames) made durable by syncing the directory that holds them.
#include <QString>

namespace qonsul::raft {

// Writes `data` to a new file at `path` and syncs it. False and `error` on failure.
bool writeFileSynced(const QString &path, QByteArrayView data, QString *error);
// fsync() of a file or directory by path.
bool syncPath(const QString &path, QString *error);

} // namespace qonsul::raft

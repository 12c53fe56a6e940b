#pragma once
// Snapshots as files, after hashicorp/raft's file snapshot store: <dir>/<term>-<index>-<ms>/
// holds state.bin (the state machine's bytes) and meta.json (index, term, configuration, size
// and the CRC-32C of state.bin). A snapshot is written under a ".tmp" name, synced, renamed into
// place and the directory synced, so a crash leaves either the whole snapshot or none. The
// newest two are kept: if the newest turns out corrupt, the one before it is still there.
#include <QMutex>
#include <QStringList>

#include "raft/Interfaces.h"

namespace qonsul::raft {

class FileSnapshotStore final : public SnapshotStore
{
public:
    // Creates `dir` when missing and finds the newest snapshot whose checksum holds. Corrupt
    // newer snapshots are skipped with a line in *warnings. nullptr and `error` when snapshots
    // exist but none is intact (the state they held cannot be rebuilt: nothing is touched).
    static std::unique_ptr<FileSnapshotStore> open(const QString &dir, QStringList *warnings, QString *error);

    bool save(const SnapshotMeta &meta, const QByteArray &data) override; // false: logged

    std::optional<SnapshotMeta> latest() const override;
    QByteArray latestData() const override;

    QString latestPath() const; // the snapshot directory, empty if none

private:
    explicit FileSnapshotStore(QString dir)
        : m_dir(std::move(dir))
    {
    }
    bool write(const SnapshotMeta &meta, const QByteArray &data, QString *error);
    void prune();

    QString m_dir;
    // save() runs on the snapshot thread while the owner's thread reads: the latest snapshot's
    // fields below, and pruning (which never removes the latest), are under this lock.
    mutable QMutex m_mutex;
    std::optional<SnapshotMeta> m_latest;
    QString m_latestPath;
    mutable QByteArray m_verified; // read and checked by open(), handed out once by latestData()
};

} // namespace qonsul::raft

#pragma once
// Reads SQLite's write-ahead log (raft.db-wal) before SQLite does, to tell a crash apart from
// damage. SQLite itself silently stops reading the WAL at the first frame whose checksum fails,
// which after a crash drops only the transaction that was being written (never acknowledged:
// its fsync had not returned), but after a flipped bit in an older frame would drop committed
// transactions without a word. Frame layout and checksum: https://www.sqlite.org/fileformat.html
#include <QString>

namespace qonsul::raft {

struct WalCheck
{
    enum class Result
    {
        Clean, // no WAL, or every frame belongs to a committed transaction
        Torn, // the last transaction is incomplete: a crash during its write
        Corrupt, // frames of committed transactions are unreadable: refuse to open
    };
    Result result = Result::Clean;
    qint64 validBytes = 0; // header plus every frame up to the last intact commit
    qint64 fileBytes = 0;
    QString message; // for Torn and Corrupt
};

WalCheck checkWal(const QString &walPath);

} // namespace qonsul::raft

#pragma once
// CRC-32C (Castagnoli), the checksum of every log row, the stable row and snapshot files: it
// catches flipped bits and torn data that SQLite's page format or the file system would hand back
// without complaint.
#include <QByteArrayView>

namespace qonsul::raft {

// `crc` is the value returned for the preceding bytes, so large inputs can be fed in pieces.
quint32 crc32c(QByteArrayView bytes, quint32 crc = 0);

} // namespace qonsul::raft

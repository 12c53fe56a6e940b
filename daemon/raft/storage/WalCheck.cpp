#include "raft/storage/WalCheck.h"

#include <QFile>
#include <QtEndian>

using namespace Qt::StringLiterals;

namespace qonsul::raft {

namespace {
constexpr qint64 kHeaderBytes = 32;
constexpr qint64 kFrameHeaderBytes = 24;

quint32 be32(const uchar *p)
{
    return qFromBigEndian<quint32>(p);
}

// SQLite's WAL checksum: pairs of 32-bit words, in the byte order the WAL magic announces.
void walChecksum(bool bigEndian, const uchar *p, qint64 n, quint32 *s0, quint32 *s1)
{
    for (qint64 i = 0; i + 8 <= n; i += 8) {
        const quint32 a = bigEndian ? qFromBigEndian<quint32>(p + i) : qFromLittleEndian<quint32>(p + i);
        const quint32 b
            = bigEndian ? qFromBigEndian<quint32>(p + i + 4) : qFromLittleEndian<quint32>(p + i + 4);
        *s0 += a + *s1;
        *s1 += b + *s0;
    }
}
} // namespace

WalCheck checkWal(const QString &walPath)
{
    WalCheck check;
    QFile file(walPath);
    if (!file.exists())
        return check;
    if (!file.open(QIODevice::ReadOnly)) {
        check.result = WalCheck::Result::Corrupt;
        check.message = u"cannot read %1: %2"_s.arg(walPath, file.errorString());
        return check;
    }
    const QByteArray bytes = file.readAll();
    const auto *p = reinterpret_cast<const uchar *>(bytes.constData());
    check.fileBytes = bytes.size();
    if (bytes.size() < kHeaderBytes) {
        // SQLite writes and syncs the header before any frame: a short file holds no frames.
        check.result = bytes.isEmpty() ? WalCheck::Result::Clean : WalCheck::Result::Torn;
        check.message = u"%1 ends inside its header (%2 bytes)"_s.arg(walPath).arg(bytes.size());
        return check;
    }
    const quint32 magic = be32(p);
    const bool bigEndian = magic == 0x377f0683;
    const quint32 pageSize = be32(p + 8);
    quint32 s0 = 0, s1 = 0;
    walChecksum(bigEndian, p, 24, &s0, &s1);
    if ((magic != 0x377f0682 && magic != 0x377f0683) || s0 != be32(p + 24) || s1 != be32(p + 28)
        || pageSize < 512 || pageSize > 65536 || (pageSize & (pageSize - 1)) != 0) {
        check.result = WalCheck::Result::Corrupt;
        check.message = u"%1 has a damaged header"_s.arg(walPath);
        return check;
    }
    const quint32 salt1 = be32(p + 16), salt2 = be32(p + 20);
    const qint64 frameBytes = kFrameHeaderBytes + pageSize;
    check.validBytes = kHeaderBytes;

    // The intact prefix: frames of this WAL generation whose running checksum holds.
    qint64 at = kHeaderBytes;
    for (; at + frameBytes <= bytes.size(); at += frameBytes) {
        const uchar *f = p + at;
        if (be32(f + 8) != salt1 || be32(f + 12) != salt2)
            break;
        quint32 c0 = s0, c1 = s1;
        walChecksum(bigEndian, f, 8, &c0, &c1);
        walChecksum(bigEndian, f + kFrameHeaderBytes, pageSize, &c0, &c1);
        if (c0 != be32(f + 16) || c1 != be32(f + 20))
            break;
        s0 = c0;
        s1 = c1;
        if (be32(f + 4) != 0) // a commit frame: the transaction ends here
            check.validBytes = at + frameBytes;
    }
    // After the intact prefix: frames of an older generation (already checkpointed, harmless),
    // at most one incomplete transaction (a crash while it was written), or damage. SQLite
    // writes a transaction only after the previous one was synced, so two or more commit frames
    // of this generation past the break mean committed transactions would be lost.
    int laterCommits = 0;
    bool sameGeneration = at > check.validBytes; // uncommitted intact frames at the break
    for (qint64 f = at; f + kFrameHeaderBytes <= bytes.size(); f += frameBytes) {
        if (be32(p + f + 8) != salt1 || be32(p + f + 12) != salt2)
            continue;
        sameGeneration = true;
        if (be32(p + f + 4) != 0)
            ++laterCommits;
    }
    if (laterCommits >= 2) {
        check.result = WalCheck::Result::Corrupt;
        check.message
            = u"%1 is damaged at byte %2: %3 committed transactions after it would be lost"_s.arg(walPath)
                  .arg(at)
                  .arg(laterCommits - 1);
    } else if (sameGeneration || (at < bytes.size() && at + frameBytes > bytes.size())) {
        check.result = WalCheck::Result::Torn;
        check.message = u"%1 ends with an incomplete transaction (bytes %2..%3), written when the process or "
                        "machine stopped; it was never acknowledged and is discarded"_s.arg(walPath)
                            .arg(check.validBytes)
                            .arg(bytes.size());
    }
    return check;
}

} // namespace qonsul::raft

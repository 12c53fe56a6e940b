#include "raft/storage/Crc32c.h"

#include <array>

namespace qonsul::raft {

namespace {
// Slicing-by-8 tables for the reflected polynomial 0x82F63B78.
constexpr std::array<std::array<quint32, 256>, 8> makeTables()
{
    std::array<std::array<quint32, 256>, 8> t {};
    for (quint32 i = 0; i < 256; ++i) {
        quint32 c = i;
        for (int k = 0; k < 8; ++k)
            c = (c & 1) ? (c >> 1) ^ 0x82F63B78u : c >> 1;
        t[0][i] = c;
    }
    for (int s = 1; s < 8; ++s) {
        for (quint32 i = 0; i < 256; ++i)
            t[s][i] = (t[s - 1][i] >> 8) ^ t[0][t[s - 1][i] & 0xff];
    }
    return t;
}
constexpr auto kTables = makeTables();
} // namespace

quint32 crc32c(QByteArrayView bytes, quint32 crc)
{
    const auto *p = reinterpret_cast<const uchar *>(bytes.data());
    qsizetype n = bytes.size();
    crc = ~crc;
    while (n >= 8) {
        const quint32 lo
            = crc ^ (quint32(p[0]) | quint32(p[1]) << 8 | quint32(p[2]) << 16 | quint32(p[3]) << 24);
        crc = kTables[7][lo & 0xff] ^ kTables[6][(lo >> 8) & 0xff] ^ kTables[5][(lo >> 16) & 0xff]
            ^ kTables[4][lo >> 24] ^ kTables[3][p[4]] ^ kTables[2][p[5]] ^ kTables[1][p[6]]
            ^ kTables[0][p[7]];
        p += 8;
        n -= 8;
    }
    while (n-- > 0)
        crc = (crc >> 8) ^ kTables[0][(crc ^ *p++) & 0xff];
    return ~crc;
}

} // namespace qonsul::raft

#pragma once
// The DNS wire format (RFC 1035, 2782, 3596, 6891, 7871) as pure functions: bytes in, a message
// or an error out; a message in, bytes out with name compression. No sockets, no state.
//
// Names are kept in presentation form, absolute, with a trailing dot ("web.service.consul.").
// A label byte that is '.', '\\' or outside 0x21..0x7e is written as \DDD, as dig prints it,
// so every wire name round-trips.
//
// Parsing is strict: every read is bounds-checked, compression pointers must point strictly
// backwards (so they cannot loop), labels are at most 63 bytes and names at most 255 on the
// wire, RDATA of the types we know must fill its RDLENGTH exactly, and trailing bytes after the
// last record are an error.
#include <QByteArray>
#include <QByteArrayView>
#include <QList>
#include <optional>

namespace qonsul::dns {

namespace type {
constexpr quint16 A = 1, NS = 2, CNAME = 5, SOA = 6, PTR = 12, TXT = 16, AAAA = 28, SRV = 33, OPT = 41,
                  MX = 15, AXFR = 252, IXFR = 251, ANY = 255;
}
namespace klass {
constexpr quint16 IN = 1, CH = 3, HS = 4, NONE = 254, ANY = 255;
}
namespace rcode {
constexpr quint16 NoError = 0, FormErr = 1, ServFail = 2, NXDomain = 3, NotImp = 4, Refused = 5, BadVers = 16;
}
namespace opcode {
constexpr quint8 Query = 0;
}
constexpr quint16 kEcsOption = 8; // EDNS0 client subnet (RFC 7871)

struct Header
{
    quint16 id = 0;
    bool qr = false;
    quint8 opcode = 0;
    bool aa = false;
    bool tc = false;
    bool rd = false;
    bool ra = false;
    bool z = false;
    bool ad = false;
    bool cd = false;
    quint8 rcode = 0; // low 4 bits; the upper 8 bits of an extended rcode live in the OPT record
};

struct Question
{
    QByteArray name; // presentation form, absolute
    quint16 qtype = 0;
    quint16 qclass = klass::IN;
};

struct EdnsOption
{
    quint16 code = 0;
    QByteArray data;
};

// One resource record. Which fields mean something depends on `type`; `rdata` holds the raw
// RDATA of types this codec does not know (and is ignored for the ones it does).
struct Record
{
    QByteArray name;
    quint16 type = 0;
    quint16 klass = klass::IN; // OPT: the UDP payload size
    quint32 ttl = 0;           // OPT: extended rcode, version, DO flag

    QByteArray address;             // A (4 bytes), AAAA (16 bytes)
    QByteArray target;              // NS, CNAME, PTR, SRV target, SOA mname
    QByteArray mbox;                // SOA rname
    quint16 priority = 0, weight = 0, port = 0; // SRV
    quint32 serial = 0, refresh = 0, retry = 0, expire = 0, minimum = 0; // SOA
    QList<QByteArray> texts;        // TXT character-strings (each <= 255 bytes)
    QList<EdnsOption> options;      // OPT
    QByteArray rdata;               // unknown types

    static Record a(const QByteArray &name, quint32 ttl, const QByteArray &addr4);
    static Record aaaa(const QByteArray &name, quint32 ttl, const QByteArray &addr16);
    static Record srv(const QByteArray &name, quint32 ttl, quint16 priority, quint16 weight, quint16 port,
                      const QByteArray &target);
    static Record txt(const QByteArray &name, quint32 ttl, QList<QByteArray> texts);
    static Record ptr(const QByteArray &name, quint32 ttl, const QByteArray &target);
    static Record ns(const QByteArray &name, quint32 ttl, const QByteArray &target);
    static Record cname(const QByteArray &name, quint32 ttl, const QByteArray &target);
};

// EDNS(0) as carried by an OPT pseudo-record in the additional section.
struct Edns
{
    quint16 udpSize = 512;
    quint8 extendedRcode = 0; // upper 8 bits of the 12-bit rcode
    quint8 version = 0;
    bool dnssecOk = false;
    QList<EdnsOption> options;
};

struct Message
{
    Header header;
    QList<Question> questions;
    QList<Record> answers;
    QList<Record> authority;
    QList<Record> additional; // without the OPT record, which is `edns`
    std::optional<Edns> edns;
};

enum class ParseError {
    None,
    ShortHeader,   // fewer than 12 bytes: no reply can be formed
    Truncated,     // a count or length points past the end
    BadName,       // label too long, name too long, reserved label type, bad pointer
    BadRdata,      // RDATA of a known type does not fill RDLENGTH exactly
    BadOpt,        // OPT not at the root, more than one OPT, OPT outside the additional section
    TrailingBytes, // bytes after the last record
};
const char *toString(ParseError e);

// Parses a whole message. On error *error is set and std::nullopt returned; when at least the
// header could be read, *header (if given) holds it so the caller can answer FORMERR with the ID.
std::optional<Message> parse(QByteArrayView wire, ParseError *error = nullptr, Header *header = nullptr);

struct EncodeOptions
{
    bool compress = true;
};
// Encodes a message. Names that are not valid (label over 63 bytes, name over 255 on the wire,
// empty label, bad escape) are encoded as the root so the output is always a valid message.
QByteArray encode(const Message &m, const EncodeOptions &options = {});

// Name helpers (presentation form).
// Appends the wire form of `name` (no compression) to *out; false if the name is invalid.
bool appendWireName(QByteArray *out, QByteArrayView name);
// Lower-cases ASCII letters only (DNS case-insensitivity, RFC 4343).
QByteArray lowerName(QByteArrayView name);
// True when `name` equals `zone` or ends with "." + zone, ASCII case-insensitively. Both absolute.
bool isSubdomain(QByteArrayView name, QByteArrayView zone);
// Splits an absolute name into its labels (escapes kept as written); the root gives none.
QList<QByteArrayView> splitLabels(QByteArrayView name);

// A reply skeleton for `query`: same id, opcode, rd and question, qr set, the given rcode.
Message replyTo(const Message &query, quint8 rcode);
// The smallest valid reply (header only, same id/opcode/rd, qr set) for a query that could only be
// partly parsed.
QByteArray errorReply(const Header &query, quint8 rcode);

} // namespace qonsul::dns

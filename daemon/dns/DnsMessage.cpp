// DNS wire codec: see DnsMessage.h.
#include "dns/DnsMessage.h"

#include <vector>

namespace qonsul::dns {

namespace {

constexpr int kHeaderSize = 12;
constexpr int kMaxNameWire = 255;
constexpr int kMaxLabel = 63;
constexpr int kMaxPointerTarget = 0x3FFF;

quint16 rd16(const uchar *p) { return quint16((p[0] << 8) | p[1]); }
quint32 rd32(const uchar *p) { return (quint32(p[0]) << 24) | (quint32(p[1]) << 16) | (quint32(p[2]) << 8) | p[3]; }

void put16(QByteArray *out, quint16 v)
{
    const char b[2] = {char(v >> 8), char(v & 0xFF)};
    out->append(b, 2);
}
void put32(QByteArray *out, quint32 v)
{
    const char b[4] = {char(v >> 24), char((v >> 16) & 0xFF), char((v >> 8) & 0xFF), char(v & 0xFF)};
    out->append(b, 4);
}
void set16(QByteArray *out, qsizetype at, quint16 v)
{
    char *d = out->data();
    d[at] = char(v >> 8);
    d[at + 1] = char(v & 0xFF);
}

// Appends one wire label in presentation form.
void appendEscapedLabel(QByteArray *out, const uchar *label, int len)
{
    for (int i = 0; i < len; ++i) {
        const uchar c = label[i];
        if (c == '.' || c == '\\') {
            out->append('\\');
            out->append(char(c));
        } else if (c < 0x21 || c > 0x7E) {
            const char esc[4] = {'\\', char('0' + c / 100), char('0' + (c / 10) % 10), char('0' + c % 10)};
            out->append(esc, 4);
        } else {
            out->append(char(c));
        }
    }
}

class Reader
{
public:
    Reader(QByteArrayView wire) : m_data(reinterpret_cast<const uchar *>(wire.data())), m_size(int(wire.size())) {}

    // Reads a (possibly compressed) name starting at *pos; *pos moves past its in-place bytes.
    ParseError name(int *pos, QByteArray *out) const
    {
        out->clear();
        int p = *pos;
        int lowest = p; // pointers must jump strictly below every position visited so far
        int end = -1;
        int wireLen = 0;
        for (;;) {
            if (p >= m_size)
                return ParseError::Truncated;
            const uchar len = m_data[p];
            if ((len & 0xC0) == 0xC0) {
                if (p + 1 >= m_size)
                    return ParseError::Truncated;
                const int target = ((len & 0x3F) << 8) | m_data[p + 1];
                if (target >= lowest)
                    return ParseError::BadName;
                if (end < 0)
                    end = p + 2;
                lowest = target;
                p = target;
                continue;
            }
            if (len & 0xC0)
                return ParseError::BadName; // 0x40 / 0x80: extended / reserved label types
            if (len == 0) {
                if (end < 0)
                    end = p + 1;
                break;
            }
            if (p + 1 + len > m_size)
                return ParseError::Truncated;
            wireLen += 1 + len;
            if (wireLen + 1 > kMaxNameWire)
                return ParseError::BadName;
            appendEscapedLabel(out, m_data + p + 1, len);
            out->append('.');
            p += 1 + len;
        }
        if (out->isEmpty())
            out->append('.');
        *pos = end;
        return ParseError::None;
    }

    ParseError record(int *pos, Record *r, bool *isOpt) const
    {
        if (ParseError e = name(pos, &r->name); e != ParseError::None)
            return e;
        int p = *pos;
        if (p + 10 > m_size)
            return ParseError::Truncated;
        r->type = rd16(m_data + p);
        r->klass = rd16(m_data + p + 2);
        r->ttl = rd32(m_data + p + 4);
        const int rdlen = rd16(m_data + p + 8);
        p += 10;
        const int rdEnd = p + rdlen;
        if (rdEnd > m_size)
            return ParseError::Truncated;
        *isOpt = r->type == type::OPT;
        switch (r->type) {
        case type::A:
        case type::AAAA:
            if (rdlen != (r->type == type::A ? 4 : 16))
                return ParseError::BadRdata;
            r->address = QByteArray(reinterpret_cast<const char *>(m_data + p), rdlen);
            break;
        case type::NS:
        case type::CNAME:
        case type::PTR: {
            int q = p;
            if (ParseError e = name(&q, &r->target); e != ParseError::None)
                return e;
            if (q != rdEnd)
                return ParseError::BadRdata;
            break;
        }
        case type::SRV: {
            if (rdlen < 7)
                return ParseError::BadRdata;
            r->priority = rd16(m_data + p);
            r->weight = rd16(m_data + p + 2);
            r->port = rd16(m_data + p + 4);
            int q = p + 6;
            if (ParseError e = name(&q, &r->target); e != ParseError::None)
                return e;
            if (q != rdEnd)
                return ParseError::BadRdata;
            break;
        }
        case type::SOA: {
            int q = p;
            if (ParseError e = name(&q, &r->target); e != ParseError::None)
                return e;
            if (ParseError e = name(&q, &r->mbox); e != ParseError::None)
                return e;
            if (q + 20 != rdEnd)
                return q + 20 > m_size ? ParseError::Truncated : ParseError::BadRdata;
            r->serial = rd32(m_data + q);
            r->refresh = rd32(m_data + q + 4);
            r->retry = rd32(m_data + q + 8);
            r->expire = rd32(m_data + q + 12);
            r->minimum = rd32(m_data + q + 16);
            break;
        }
        case type::TXT: {
            int q = p;
            while (q < rdEnd) {
                const int len = m_data[q];
                if (q + 1 + len > rdEnd)
                    return ParseError::BadRdata;
                r->texts.append(QByteArray(reinterpret_cast<const char *>(m_data + q + 1), len));
                q += 1 + len;
            }
            break;
        }
        case type::OPT: {
            int q = p;
            while (q < rdEnd) {
                if (q + 4 > rdEnd)
                    return ParseError::BadOpt;
                const quint16 code = rd16(m_data + q);
                const int len = rd16(m_data + q + 2);
                if (q + 4 + len > rdEnd)
                    return ParseError::BadOpt;
                r->options.append({code, QByteArray(reinterpret_cast<const char *>(m_data + q + 4), len)});
                q += 4 + len;
            }
            break;
        }
        default:
            r->rdata = QByteArray(reinterpret_cast<const char *>(m_data + p), rdlen);
            break;
        }
        *pos = rdEnd;
        return ParseError::None;
    }

    const uchar *m_data;
    int m_size;
};

// ---------------------------------------------------------------- encoding

// Converts a presentation-form name into its wire labels; false if invalid.
bool wireLabels(QByteArrayView name, QByteArray *wire)
{
    wire->resize(0); // keeps the capacity (clear() would free it)
    if (name.isEmpty() || name == ".") {
        wire->append('\0');
        return true;
    }
    // Each label is written straight into *wire behind a length byte patched when it ends.
    qsizetype lenAt = -1;
    auto open = [&] {
        if (lenAt < 0) {
            lenAt = wire->size();
            wire->append('\0');
        }
    };
    auto close = [&] {
        const qsizetype len = wire->size() - lenAt - 1;
        if (lenAt < 0 || len == 0 || len > kMaxLabel)
            return false;
        (*wire)[lenAt] = char(len);
        lenAt = -1;
        return true;
    };
    const qsizetype n = name.size();
    if (!name.contains('\\')) {
        // Fast path, no escapes: whole labels at a time.
        qsizetype start = 0;
        while (start < n) {
            qsizetype dot = name.indexOf('.', start);
            if (dot < 0)
                dot = n;
            const qsizetype len = dot - start;
            if (len == 0 || len > kMaxLabel)
                return false;
            wire->append(char(len));
            wire->append(name.data() + start, len);
            start = dot + 1;
        }
        wire->append('\0');
        return wire->size() <= kMaxNameWire;
    }
    for (qsizetype i = 0; i < n; ++i) {
        const char c = name[i];
        if (c == '\\') {
            if (i + 1 >= n)
                return false;
            open();
            const char d = name[i + 1];
            if (d >= '0' && d <= '9') {
                if (i + 3 >= n)
                    return false;
                int v = 0;
                for (int k = 1; k <= 3; ++k) {
                    const char e = name[i + k];
                    if (e < '0' || e > '9')
                        return false;
                    v = v * 10 + (e - '0');
                }
                if (v > 255)
                    return false;
                wire->append(char(v));
                i += 3;
            } else {
                wire->append(d);
                i += 1;
            }
        } else if (c == '.') {
            if (!close())
                return false;
        } else {
            open();
            wire->append(c);
        }
    }
    if (lenAt >= 0 && !close())
        return false;
    wire->append('\0');
    return wire->size() <= kMaxNameWire;
}

char lowerAscii(char c) { return (c >= 'A' && c <= 'Z') ? char(c + 32) : c; }

class Writer
{
public:
    explicit Writer(bool compress)
        : m_compress(compress)
        , m_scratch(scratch())
        , m_wire(m_scratch.wire)
        , m_lower(m_scratch.lower)
        , m_table(m_scratch.table)
        , m_arena(m_scratch.arena)
    {
        m_out.reserve(512);
        m_table.clear();
        m_arena.resize(0);
    }

    void name(QByteArrayView presentation, bool mayPoint)
    {
        if (!wireLabels(presentation, &m_wire))
            m_wire = QByteArray(1, '\0');
        m_lower.resize(m_wire.size()); // a reused buffer: no allocation per name
        for (qsizetype k = 0; k < m_wire.size(); ++k)
            m_lower.data()[k] = lowerAscii(m_wire.at(k));
        qsizetype i = 0;
        while (m_wire.at(i) != 0) {
            const QByteArrayView suffix(m_lower.constData() + i, m_lower.size() - i);
            const quint64 h = fnv(suffix);
            const int hit = find(h, suffix);
            if (hit >= 0 && mayPoint && m_compress) {
                put16(&m_out, quint16(0xC000 | hit));
                return;
            }
            if (hit < 0 && m_out.size() <= kMaxPointerTarget) {
                m_table.push_back({h, quint32(m_arena.size()), quint32(suffix.size()), quint16(m_out.size())});
                m_arena.append(suffix);
            }
            const int len = uchar(m_wire.at(i));
            m_out.append(m_wire.constData() + i, 1 + len);
            i += 1 + len;
        }
        m_out.append('\0');
    }

    void record(const Record &r)
    {
        name(r.name, true);
        put16(&m_out, r.type);
        put16(&m_out, r.klass);
        put32(&m_out, r.ttl);
        const qsizetype lenAt = m_out.size();
        put16(&m_out, 0);
        switch (r.type) {
        case type::A:
        case type::AAAA: {
            const int want = r.type == type::A ? 4 : 16;
            if (r.address.size() == want) {
                m_out.append(r.address);
            } else {
                QByteArray addr = r.address.left(want);
                addr.resize(want, '\0');
                m_out.append(addr);
            }
            break;
        }
        case type::NS:
        case type::CNAME:
        case type::PTR:
            name(r.target, true);
            break;
        case type::SRV:
            put16(&m_out, r.priority);
            put16(&m_out, r.weight);
            put16(&m_out, r.port);
            name(r.target, false); // RFC 2782: the target is not compressed
            break;
        case type::SOA:
            name(r.target, true);
            name(r.mbox, true);
            put32(&m_out, r.serial);
            put32(&m_out, r.refresh);
            put32(&m_out, r.retry);
            put32(&m_out, r.expire);
            put32(&m_out, r.minimum);
            break;
        case type::TXT:
            for (const QByteArray &t : r.texts) {
                qsizetype at = 0;
                do { // a string over 255 bytes goes out as several character-strings
                    const qsizetype len = std::min<qsizetype>(255, t.size() - at);
                    m_out.append(char(len));
                    m_out.append(t.constData() + at, len);
                    at += len;
                } while (at < t.size());
            }
            break;
        case type::OPT:
            for (const EdnsOption &o : r.options) {
                const QByteArray data = o.data.left(0xFFFF);
                put16(&m_out, o.code);
                put16(&m_out, quint16(data.size()));
                m_out.append(data);
            }
            break;
        default:
            m_out.append(r.rdata.left(0xFFFF));
            break;
        }
        const qsizetype rdlen = m_out.size() - lenAt - 2;
        set16(&m_out, lenAt, quint16(std::min<qsizetype>(rdlen, 0xFFFF)));
    }

    QByteArray m_out;

private:
    static quint64 fnv(QByteArrayView b)
    {
        quint64 h = 1469598103934665603ULL;
        for (char c : b)
            h = (h ^ uchar(c)) * 1099511628211ULL;
        return h;
    }
    // Offset in the message of an earlier name equal to `suffix` (lower-case wire form), or -1.
    int find(quint64 h, QByteArrayView suffix) const
    {
        for (const Entry &e : m_table) {
            if (e.hash == h && e.length == quint32(suffix.size())
                && QByteArrayView(m_arena.constData() + e.arena, e.length) == suffix)
                return e.offset;
        }
        return -1;
    }

    struct Entry
    {
        quint64 hash;
        quint32 arena, length;
        quint16 offset;
    };
    // Working buffers reused by every encode on this thread (their capacity survives, so a
    // typical reply allocates only its output).
    struct Scratch
    {
        QByteArray wire, lower, arena;
        std::vector<Entry> table;
    };
    static Scratch &scratch()
    {
        thread_local Scratch s;
        return s;
    }

    bool m_compress;
    Scratch &m_scratch;
    QByteArray &m_wire, &m_lower;
    // Names written so far that later names may point at: a flat table and one byte arena.
    std::vector<Entry> &m_table;
    QByteArray &m_arena;
};

quint16 flags(const Header &h)
{
    return quint16((h.qr ? 0x8000 : 0) | ((h.opcode & 0xF) << 11) | (h.aa ? 0x0400 : 0) | (h.tc ? 0x0200 : 0)
                   | (h.rd ? 0x0100 : 0) | (h.ra ? 0x0080 : 0) | (h.z ? 0x0040 : 0) | (h.ad ? 0x0020 : 0)
                   | (h.cd ? 0x0010 : 0) | (h.rcode & 0xF));
}

Header readHeader(const uchar *d)
{
    Header h;
    h.id = rd16(d);
    const quint16 f = rd16(d + 2);
    h.qr = f & 0x8000;
    h.opcode = (f >> 11) & 0xF;
    h.aa = f & 0x0400;
    h.tc = f & 0x0200;
    h.rd = f & 0x0100;
    h.ra = f & 0x0080;
    h.z = f & 0x0040;
    h.ad = f & 0x0020;
    h.cd = f & 0x0010;
    h.rcode = f & 0xF;
    return h;
}

} // namespace

// ---------------------------------------------------------------- records

Record Record::a(const QByteArray &name, quint32 ttl, const QByteArray &addr4)
{
    Record r;
    r.name = name;
    r.type = type::A;
    r.ttl = ttl;
    r.address = addr4;
    return r;
}

Record Record::aaaa(const QByteArray &name, quint32 ttl, const QByteArray &addr16)
{
    Record r = a(name, ttl, addr16);
    r.type = type::AAAA;
    return r;
}

Record Record::srv(const QByteArray &name, quint32 ttl, quint16 priority, quint16 weight, quint16 port,
                   const QByteArray &target)
{
    Record r;
    r.name = name;
    r.type = type::SRV;
    r.ttl = ttl;
    r.priority = priority;
    r.weight = weight;
    r.port = port;
    r.target = target;
    return r;
}

Record Record::txt(const QByteArray &name, quint32 ttl, QList<QByteArray> texts)
{
    Record r;
    r.name = name;
    r.type = type::TXT;
    r.ttl = ttl;
    r.texts = std::move(texts);
    return r;
}

Record Record::ptr(const QByteArray &name, quint32 ttl, const QByteArray &target)
{
    Record r;
    r.name = name;
    r.type = type::PTR;
    r.ttl = ttl;
    r.target = target;
    return r;
}

Record Record::ns(const QByteArray &name, quint32 ttl, const QByteArray &target)
{
    Record r = ptr(name, ttl, target);
    r.type = type::NS;
    return r;
}

Record Record::cname(const QByteArray &name, quint32 ttl, const QByteArray &target)
{
    Record r = ptr(name, ttl, target);
    r.type = type::CNAME;
    return r;
}

// ---------------------------------------------------------------- parse / encode

const char *toString(ParseError e)
{
    switch (e) {
    case ParseError::None: return "no error";
    case ParseError::ShortHeader: return "message shorter than a header";
    case ParseError::Truncated: return "message truncated";
    case ParseError::BadName: return "bad domain name";
    case ParseError::BadRdata: return "bad record data";
    case ParseError::BadOpt: return "bad OPT record";
    case ParseError::TrailingBytes: return "trailing bytes after the last record";
    }
    return "unknown error";
}

std::optional<Message> parse(QByteArrayView wire, ParseError *error, Header *header)
{
    ParseError dummy;
    ParseError &err = error ? *error : dummy;
    err = ParseError::None;
    if (wire.size() < kHeaderSize || wire.size() > 0xFFFF) {
        err = ParseError::ShortHeader;
        return std::nullopt;
    }
    const Reader in(wire);
    Message m;
    m.header = readHeader(in.m_data);
    if (header)
        *header = m.header;
    const int qd = rd16(in.m_data + 4), an = rd16(in.m_data + 6), ns = rd16(in.m_data + 8), ar = rd16(in.m_data + 10);
    // Every question takes at least 5 bytes and every record at least 11: refuse absurd counts
    // before reserving anything.
    if (qd * 5 + (an + ns + ar) * 11 > in.m_size - kHeaderSize) {
        err = ParseError::Truncated;
        return std::nullopt;
    }
    int pos = kHeaderSize;
    m.questions.reserve(qd);
    for (int i = 0; i < qd; ++i) {
        Question q;
        if ((err = in.name(&pos, &q.name)) != ParseError::None)
            return std::nullopt;
        if (pos + 4 > in.m_size) {
            err = ParseError::Truncated;
            return std::nullopt;
        }
        q.qtype = rd16(in.m_data + pos);
        q.qclass = rd16(in.m_data + pos + 2);
        pos += 4;
        m.questions.append(std::move(q));
    }
    QList<Record> *sections[3] = {&m.answers, &m.authority, &m.additional};
    const int counts[3] = {an, ns, ar};
    for (int s = 0; s < 3; ++s) {
        sections[s]->reserve(counts[s]);
        for (int i = 0; i < counts[s]; ++i) {
            Record r;
            bool isOpt = false;
            if ((err = in.record(&pos, &r, &isOpt)) != ParseError::None)
                return std::nullopt;
            if (isOpt) {
                if (s != 2 || m.edns || r.name != ".") {
                    err = ParseError::BadOpt;
                    return std::nullopt;
                }
                Edns e;
                e.udpSize = r.klass;
                e.extendedRcode = quint8(r.ttl >> 24);
                e.version = quint8((r.ttl >> 16) & 0xFF);
                e.dnssecOk = r.ttl & 0x8000;
                e.options = std::move(r.options);
                m.edns = std::move(e);
                continue;
            }
            sections[s]->append(std::move(r));
        }
    }
    if (pos != in.m_size) {
        err = ParseError::TrailingBytes;
        return std::nullopt;
    }
    return m;
}

QByteArray encode(const Message &m, const EncodeOptions &options)
{
    Writer w(options.compress);
    Header h = m.header;
    if (m.edns)
        h.rcode = m.header.rcode & 0xF;
    put16(&w.m_out, h.id);
    put16(&w.m_out, flags(h));
    const auto count = [](qsizetype n) { return quint16(std::min<qsizetype>(n, 0xFFFF)); };
    put16(&w.m_out, count(m.questions.size()));
    put16(&w.m_out, count(m.answers.size()));
    put16(&w.m_out, count(m.authority.size()));
    put16(&w.m_out, count(m.additional.size() + (m.edns ? 1 : 0)));
    for (const Question &q : m.questions) {
        w.name(q.name, true);
        put16(&w.m_out, q.qtype);
        put16(&w.m_out, q.qclass);
    }
    for (const QList<Record> *section : {&m.answers, &m.authority, &m.additional}) {
        for (const Record &r : *section)
            w.record(r);
    }
    if (m.edns) {
        Record opt;
        opt.name = ".";
        opt.type = type::OPT;
        opt.klass = m.edns->udpSize;
        const quint8 ext = m.edns->extendedRcode ? m.edns->extendedRcode : quint8(m.header.rcode >> 4);
        opt.ttl = (quint32(ext) << 24) | (quint32(m.edns->version) << 16) | (m.edns->dnssecOk ? 0x8000 : 0);
        opt.options = m.edns->options;
        w.record(opt);
    }
    return std::move(w.m_out);
}

bool appendWireName(QByteArray *out, QByteArrayView name)
{
    QByteArray wire;
    if (!wireLabels(name, &wire))
        return false;
    out->append(wire);
    return true;
}

QByteArray lowerName(QByteArrayView name)
{
    QByteArray out(name.data(), name.size());
    for (char &c : out)
        c = lowerAscii(c);
    return out;
}

bool isSubdomain(QByteArrayView name, QByteArrayView zone)
{
    if (zone == "." || zone.isEmpty())
        return true;
    if (name.size() < zone.size())
        return false;
    const qsizetype off = name.size() - zone.size();
    for (qsizetype i = 0; i < zone.size(); ++i) {
        if (lowerAscii(name[off + i]) != lowerAscii(zone[i]))
            return false;
    }
    if (off == 0)
        return true;
    // The byte before the zone must be an unescaped dot.
    if (name[off - 1] != '.')
        return false;
    qsizetype backslashes = 0;
    for (qsizetype i = off - 2; i >= 0 && name[i] == '\\'; --i)
        ++backslashes;
    return backslashes % 2 == 0;
}

QList<QByteArrayView> splitLabels(QByteArrayView name)
{
    QList<QByteArrayView> labels;
    qsizetype start = 0;
    for (qsizetype i = 0; i < name.size(); ++i) {
        if (name[i] == '\\') {
            ++i; // an escaped byte (a \DDD escape's digits are never dots)
            continue;
        }
        if (name[i] == '.') {
            if (i > start)
                labels.append(name.sliced(start, i - start));
            start = i + 1;
        }
    }
    if (start < name.size())
        labels.append(name.sliced(start));
    return labels;
}

Message replyTo(const Message &query, quint8 rc)
{
    Message r;
    r.header.id = query.header.id;
    r.header.qr = true;
    r.header.opcode = query.header.opcode;
    r.header.rd = query.header.rd;
    r.header.cd = query.header.cd;
    r.header.rcode = rc;
    r.questions = query.questions;
    return r;
}

QByteArray errorReply(const Header &query, quint8 rc)
{
    Header h;
    h.id = query.id;
    h.qr = true;
    h.opcode = query.opcode;
    h.rd = query.rd;
    h.rcode = rc & 0xF;
    QByteArray out;
    put16(&out, h.id);
    put16(&out, flags(h));
    put32(&out, 0);
    put32(&out, 0);
    return out;
}

} // namespace qonsul::dns

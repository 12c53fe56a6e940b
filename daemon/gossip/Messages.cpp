#include "gossip/Messages.h"

#include <QCborArray>
#include <QCborStreamReader>
#include <QCborValue>

namespace qonsul::gossip {

namespace {

enum Type : int { kPing = 0, kIndirectPing, kAck, kNack, kSuspect, kAlive, kDead, kUser, kPushPull };

QCborArray address(const Address &a) { return QCborArray{a.host, a.port}; }

// Field readers over one message array: any type mismatch marks the whole message bad.
class Fields
{
public:
    // Messages start reading after their type tag; nested records at 0.
    explicit Fields(const QCborArray &a, qsizetype first = 1) : m_a(a), m_i(first) {}
    bool ok() const { return m_ok; }
    bool atEnd() const { return m_i == m_a.size(); }
    QCborValue next()
    {
        if (m_i >= m_a.size()) {
            m_ok = false;
            return {};
        }
        return m_a.at(m_i++);
    }
    quint32 u32()
    {
        const QCborValue v = next();
        // Only an integer is read: Qt converts a double with toInteger(), undefined when it is huge.
        if (!v.isInteger() || v.toInteger() < 0 || v.toInteger() > 0xffffffffll) {
            m_ok = false;
            return 0;
        }
        return quint32(v.toInteger());
    }
    QString text(qsizetype max = 512)
    {
        const QCborValue v = next();
        if (!v.isString() || v.toString().size() > max)
            m_ok = false;
        return v.toString();
    }
    QByteArray bytes(qsizetype max)
    {
        const QCborValue v = next();
        if (!v.isByteArray() || v.toByteArray().size() > max)
            m_ok = false;
        return v.toByteArray();
    }
    bool boolean()
    {
        const QCborValue v = next();
        if (!v.isBool())
            m_ok = false;
        return v.toBool();
    }
    Address address()
    {
        const QCborValue v = next();
        const QCborArray a = v.toArray();
        if (!v.isArray() || a.size() != 2 || !a.at(0).isString() || !a.at(1).isInteger()
            || a.at(1).toInteger() < 0 || a.at(1).toInteger() > 65535 || a.at(0).toString().size() > 256) {
            m_ok = false;
            return {};
        }
        return Address{a.at(0).toString(), quint16(a.at(1).toInteger())};
    }
    QCborArray array()
    {
        const QCborValue v = next();
        if (!v.isArray())
            m_ok = false;
        return v.toArray();
    }

private:
    const QCborArray &m_a;
    qsizetype m_i;
    bool m_ok = true;
};

std::optional<PushNode> decodePushNode(const QCborValue &v)
{
    if (!v.isArray())
        return std::nullopt;
    const QCborArray a = v.toArray();
    Fields f(a, 0);
    PushNode n;
    n.name = f.text();
    n.addr = f.address();
    n.meta = f.bytes(kMaxMetaBytes);
    n.incarnation = f.u32();
    const quint32 state = f.u32();
    if (!f.ok() || !f.atEnd() || state > quint32(NodeState::Left) || n.name.isEmpty())
        return std::nullopt;
    n.state = NodeState(state);
    return n;
}

template<typename T>
std::optional<Message> finish(Fields &f, T &&m)
{
    if (!f.ok() || !f.atEnd())
        return std::nullopt;
    return Message(std::forward<T>(m));
}

// Suspect and Dead carry the same fields: incarnation, node (required), from.
template<typename T>
std::optional<Message> finishAccusation(Fields &f)
{
    T m;
    m.incarnation = f.u32();
    m.node = f.text();
    m.from = f.text();
    if (m.node.isEmpty())
        return std::nullopt;
    return finish(f, std::move(m));
}

std::optional<Message> decodeArray(const QCborArray &a)
{
    if (a.isEmpty() || !a.at(0).isInteger())
        return std::nullopt;
    Fields f(a);
    switch (a.at(0).toInteger()) {
    case kPing: {
        Ping m;
        m.seq = f.u32();
        m.target = f.text();
        m.source = f.text();
        m.sourceAddr = f.address();
        return finish(f, std::move(m));
    }
    case kIndirectPing: {
        IndirectPing m;
        m.seq = f.u32();
        m.target = f.text();
        m.targetAddr = f.address();
        m.nack = f.boolean();
        m.source = f.text();
        m.sourceAddr = f.address();
        return finish(f, std::move(m));
    }
    case kAck: {
        Ack m;
        m.seq = f.u32();
        m.payload = f.bytes(kMaxMetaBytes);
        return finish(f, std::move(m));
    }
    case kNack: {
        Nack m;
        m.seq = f.u32();
        return finish(f, std::move(m));
    }
    case kSuspect:
        return finishAccusation<Suspect>(f);
    case kAlive: {
        Alive m;
        m.incarnation = f.u32();
        m.node = f.text();
        m.addr = f.address();
        m.meta = f.bytes(kMaxMetaBytes);
        if (m.node.isEmpty())
            return std::nullopt;
        return finish(f, std::move(m));
    }
    case kDead:
        return finishAccusation<Dead>(f);
    case kUser: {
        UserMsg m;
        m.payload = f.bytes(kMaxStreamBytes);
        return finish(f, std::move(m));
    }
    case kPushPull: {
        PushPull m;
        m.join = f.boolean();
        const QCborArray nodes = f.array();
        m.userState = f.bytes(kMaxStreamBytes);
        if (!f.ok())
            return std::nullopt;
        m.nodes.reserve(nodes.size());
        for (const QCborValue &v : nodes) {
            auto n = decodePushNode(v);
            if (!n)
                return std::nullopt;
            m.nodes.append(std::move(*n));
        }
        return finish(f, std::move(m));
    }
    }
    return std::nullopt;
}

std::optional<QCborValue> parse(const QByteArray &bytes, qsizetype limit)
{
    if (bytes.isEmpty() || bytes.size() > limit)
        return std::nullopt;
    QCborParserError error;
    QCborValue v = QCborValue::fromCbor(bytes, &error);
    if (error.error != QCborError::NoError || error.offset != bytes.size())
        return std::nullopt; // trailing bytes: not one well-formed value
    return v;
}

} // namespace

QString Address::toString() const
{
    return host.contains(u':') ? QStringLiteral("[%1]:%2").arg(host).arg(port) : QStringLiteral("%1:%2").arg(host).arg(port);
}

std::optional<Address> Address::parse(const QString &text, quint16 defaultPort)
{
    const QString t = text.trimmed();
    if (t.isEmpty())
        return std::nullopt;
    QString host = t;
    QString port;
    if (t.startsWith(u'[')) {
        const qsizetype close = t.indexOf(u']');
        if (close < 0)
            return std::nullopt;
        host = t.mid(1, close - 1);
        const QString rest = t.mid(close + 1);
        if (!rest.isEmpty()) {
            if (!rest.startsWith(u':'))
                return std::nullopt;
            port = rest.mid(1);
        }
    } else if (t.count(u':') == 1) {
        host = t.section(u':', 0, 0);
        port = t.section(u':', 1);
    }
    quint16 p = defaultPort;
    if (!port.isNull()) {
        bool ok = false;
        const uint v = port.toUInt(&ok);
        if (!ok || v == 0 || v > 65535)
            return std::nullopt;
        p = quint16(v);
    }
    if (host.isEmpty())
        return std::nullopt;
    return Address{host, p};
}

QByteArray encodeMessage(const Message &message)
{
    QCborArray a;
    std::visit(
        [&a](const auto &m) {
            using T = std::decay_t<decltype(m)>;
            if constexpr (std::is_same_v<T, Ping>)
                a = {kPing, m.seq, m.target, m.source, address(m.sourceAddr)};
            else if constexpr (std::is_same_v<T, IndirectPing>)
                a = {kIndirectPing, m.seq, m.target, address(m.targetAddr), m.nack, m.source, address(m.sourceAddr)};
            else if constexpr (std::is_same_v<T, Ack>)
                a = {kAck, m.seq, m.payload};
            else if constexpr (std::is_same_v<T, Nack>)
                a = {kNack, m.seq};
            else if constexpr (std::is_same_v<T, Suspect>)
                a = {kSuspect, m.incarnation, m.node, m.from};
            else if constexpr (std::is_same_v<T, Alive>)
                a = {kAlive, m.incarnation, m.node, address(m.addr), m.meta};
            else if constexpr (std::is_same_v<T, Dead>)
                a = {kDead, m.incarnation, m.node, m.from};
            else if constexpr (std::is_same_v<T, UserMsg>)
                a = {kUser, m.payload};
            else {
                QCborArray nodes;
                for (const PushNode &n : m.nodes)
                    nodes.append(QCborArray{n.name, address(n.addr), n.meta, n.incarnation, int(n.state)});
                a = {kPushPull, m.join, nodes, m.userState};
            }
        },
        message);
    return QCborValue(a).toCbor();
}

int packetOverhead(int count) { return count < 24 ? 1 : 2; }

QByteArray encodePacket(const QList<QByteArray> &encodedMessages)
{
    Q_ASSERT(encodedMessages.size() <= kMaxMessagesPerPacket);
    QByteArray packet;
    const int n = int(encodedMessages.size());
    if (n < 24) {
        packet.append(char(0x80 | n)); // CBOR array header, short form
    } else {
        packet.append(char(0x98));
        packet.append(char(n));
    }
    for (const QByteArray &m : encodedMessages)
        packet.append(m);
    return packet;
}

std::optional<Message> decodeMessage(const QByteArray &bytes)
{
    const auto v = parse(bytes, kMaxStreamBytes);
    if (!v || !v->isArray())
        return std::nullopt;
    return decodeArray(v->toArray());
}

std::optional<QList<Message>> decodePacket(const QByteArray &packet)
{
    const auto v = parse(packet, kMaxPacketBytes);
    if (!v || !v->isArray())
        return std::nullopt;
    const QCborArray items = v->toArray();
    if (items.isEmpty() || items.size() > kMaxMessagesPerPacket)
        return std::nullopt;
    QList<Message> out;
    out.reserve(items.size());
    for (const QCborValue &item : items) {
        if (!item.isArray())
            return std::nullopt;
        auto m = decodeArray(item.toArray());
        if (!m || std::holds_alternative<PushPull>(*m))
            return std::nullopt; // full state travels on streams only
        out.append(std::move(*m));
    }
    return out;
}

} // namespace qonsul::gossip

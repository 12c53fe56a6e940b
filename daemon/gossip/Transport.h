#pragma once
// What the gossip protocol needs from a network, in two halves: unreliable packets (UDP) for
// probes and gossip, and reliable request/reply streams (TCP) for full state sync and the
// fallback probe. NetTransport implements it on Qt sockets; the simulation in tests/sim on a
// virtual clock and network.
#include <QByteArray>
#include <QHash>
#include <QString>

#include <functional>
#include <optional>

namespace qonsul::gossip {

struct Address
{
    QString host;
    quint16 port = 0;

    QString toString() const;
    bool isValid() const { return !host.isEmpty() && port != 0; }
    bool operator==(const Address &o) const { return port == o.port && host == o.host; }
    bool operator!=(const Address &o) const { return !(*this == o); }
    // "host", "host:port", "[v6]:port" or "v6"; nullopt when malformed.
    static std::optional<Address> parse(const QString &text, quint16 defaultPort);
};

inline size_t qHash(const Address &a, size_t seed = 0) { return qHashMulti(seed, a.host, a.port); }

class Transport
{
public:
    using PacketHandler = std::function<void(const QByteArray &packet, const Address &from)>;
    // Answers one request; an empty reply closes the stream without one.
    using StreamHandler = std::function<QByteArray(const QByteArray &request, const Address &from)>;
    using Reply = std::function<void(std::optional<QByteArray> reply)>; // nullopt: failed or timed out

    virtual ~Transport() = default;
    virtual void sendPacket(const Address &to, const QByteArray &packet) = 0;
    // Sends one request on a new stream and calls `done` exactly once, never synchronously.
    virtual void request(const Address &to, const QByteArray &request, qint64 timeoutMs, Reply done) = 0;

    virtual void setHandlers(PacketHandler onPacket, StreamHandler onStream)
    {
        m_onPacket = std::move(onPacket);
        m_onStream = std::move(onStream);
    }

protected:
    PacketHandler m_onPacket;
    StreamHandler m_onStream;
};

} // namespace qonsul::gossip

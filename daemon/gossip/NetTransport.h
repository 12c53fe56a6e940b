#pragma once
// The gossip Transport on real sockets: UDP packets and TCP streams on the same address and port
// (Consul's 8301 LAN, 8302 WAN). A stream carries one request and one reply, each framed by a
// 4-byte big-endian length; oversized or stalled streams are cut and counted.
#include "gossip/Transport.h"

#include <QHostAddress>
#include <QObject>

class QTcpServer;
class QUdpSocket;

namespace qonsul {
class Metrics;
}

namespace qonsul::gossip {

struct NetStats
{
    quint64 packetsIn = 0;
    quint64 packetsOut = 0;
    quint64 udpBytesIn = 0; // datagrams as they cross the socket
    quint64 udpBytesOut = 0;
    quint64 tcpBytesIn = 0; // stream frames (length prefix included)
    quint64 tcpBytesOut = 0;
    quint64 badStreams = 0; // oversized, truncated or timed out
};

class NetTransport final : public QObject, public Transport
{
    Q_OBJECT
public:
    explicit NetTransport(qint64 streamTimeoutMs, QObject *parent = nullptr);
    ~NetTransport() override;

    // Binds UDP and TCP on address:port; false with *error when either fails.
    bool bind(const QHostAddress &address, quint16 port, QString *error);
    quint16 port() const;

    void sendPacket(const Address &to, const QByteArray &packet) override;
    void request(const Address &to, const QByteArray &request, qint64 timeoutMs, Reply done) override;

    const NetStats &stats() const { return m_stats; }
    // Where memberlist's counters go (consul.memberlist.udp.sent, ...); none when null.
    void setMetrics(Metrics *metrics);

private:
    void readPackets();
    void acceptStream();
    void count(const QString &counter, qsizetype value);

    qint64 m_streamTimeoutMs;
    QUdpSocket *m_udp;
    QTcpServer *m_tcp;
    NetStats m_stats;
    Metrics *m_metrics = nullptr;
};

// Reads one length-framed message from `buffer`; nullopt while incomplete, an empty optional
// value is never produced. *bad is set when the announced length exceeds `limit`.
std::optional<QByteArray> takeFrame(QByteArray &buffer, qsizetype limit, bool *bad);
QByteArray frame(const QByteArray &payload);

} // namespace qonsul::gossip

#include "gossip/NetTransport.h"

#include "core/Metrics.h"
#include "gossip/Messages.h"

#include <QLoggingCategory>
#include <QNetworkDatagram>
#include <QNetworkProxy>
#include <QTcpServer>
#include <QTcpSocket>
#include <QTimer>
#include <QUdpSocket>
#include <QtEndian>

Q_LOGGING_CATEGORY(lcGossipNet, "agent.memberlist.net")

namespace qonsul::gossip {

namespace {
// memberlist's counters: bytes of every datagram and stream frame, and streams accepted and opened.
const QString kUdpSent = QStringLiteral("consul.memberlist.udp.sent");
const QString kUdpReceived = QStringLiteral("consul.memberlist.udp.received");
const QString kTcpSent = QStringLiteral("consul.memberlist.tcp.sent");
const QString kTcpAccept = QStringLiteral("consul.memberlist.tcp.accept");
const QString kTcpConnect = QStringLiteral("consul.memberlist.tcp.connect");

// Dual-stack sockets report IPv4 peers as ::ffff:a.b.c.d; members know them as a.b.c.d.
QString plainAddress(const QHostAddress &address)
{
    bool ok = false;
    const quint32 v4 = address.toIPv4Address(&ok);
    return ok ? QHostAddress(v4).toString() : address.toString();
}
} // namespace

QByteArray frame(const QByteArray &payload)
{
    QByteArray out(4, Qt::Uninitialized);
    qToBigEndian(quint32(payload.size()), out.data());
    return out + payload;
}

std::optional<QByteArray> takeFrame(QByteArray &buffer, qsizetype limit, bool *bad)
{
    *bad = false;
    if (buffer.size() < 4)
        return std::nullopt;
    const quint32 length = qFromBigEndian<quint32>(buffer.constData());
    if (length == 0 || qsizetype(length) > limit) {
        *bad = true;
        return std::nullopt;
    }
    if (buffer.size() < 4 + qsizetype(length))
        return std::nullopt;
    QByteArray payload = buffer.mid(4, length);
    buffer.remove(0, 4 + length);
    return payload;
}

NetTransport::NetTransport(qint64 streamTimeoutMs, QObject *parent)
    : QObject(parent)
    , m_streamTimeoutMs(streamTimeoutMs)
    , m_udp(new QUdpSocket(this))
    , m_tcp(new QTcpServer(this))
{
    // Gossip never goes through a proxy. Saying so also keeps Qt from asking for the system
    // proxy, which starts libproxy's thread and costs each agent ~0.5 MB RSS; every socket the
    // agent opens for itself (HTTP, DNS, RPC) does the same, so only checks may start it.
    m_udp->setProxy(QNetworkProxy::NoProxy);
    m_tcp->setProxy(QNetworkProxy::NoProxy);
    connect(m_udp, &QUdpSocket::readyRead, this, &NetTransport::readPackets);
    connect(m_tcp, &QTcpServer::newConnection, this, &NetTransport::acceptStream);
}

NetTransport::~NetTransport() = default;

bool NetTransport::bind(const QHostAddress &address, quint16 port, QString *error)
{
    if (!m_tcp->listen(address, port)) {
        *error = QStringLiteral("Failed to start TCP listener on \"%1\" port %2: %3")
                     .arg(address.toString())
                     .arg(port)
                     .arg(m_tcp->errorString());
        return false;
    }
    if (!m_udp->bind(address, m_tcp->serverPort())) {
        *error = QStringLiteral("Failed to start UDP listener on \"%1\" port %2: %3")
                     .arg(address.toString())
                     .arg(port)
                     .arg(m_udp->errorString());
        m_tcp->close();
        return false;
    }
    return true;
}

quint16 NetTransport::port() const { return m_tcp->serverPort(); }

void NetTransport::setMetrics(Metrics *metrics)
{
    m_metrics = metrics;
    for (const QString &name : {kUdpSent, kUdpReceived, kTcpSent, kTcpAccept, kTcpConnect})
        m_metrics->declareCounter(name);
}

void NetTransport::count(const QString &counter, qsizetype value)
{
    if (m_metrics)
        m_metrics->incrCounter(counter, double(value));
}

void NetTransport::sendPacket(const Address &to, const QByteArray &packet)
{
    const QHostAddress host(to.host);
    if (host.isNull())
        return; // members advertise IP addresses; anything else is not ours to resolve here
    ++m_stats.packetsOut;
    m_stats.udpBytesOut += quint64(packet.size());
    count(kUdpSent, packet.size());
    m_udp->writeDatagram(packet, host, to.port);
}

void NetTransport::readPackets()
{
    while (m_udp->hasPendingDatagrams()) {
        const QNetworkDatagram d = m_udp->receiveDatagram(kMaxPacketBytes);
        ++m_stats.packetsIn;
        m_stats.udpBytesIn += quint64(d.data().size());
        count(kUdpReceived, d.data().size());
        if (m_onPacket)
            m_onPacket(d.data(), Address{plainAddress(d.senderAddress()), quint16(d.senderPort())});
    }
}

void NetTransport::acceptStream()
{
    while (QTcpSocket *socket = m_tcp->nextPendingConnection()) {
        count(kTcpAccept, 1);
        auto *buffer = new QByteArray;
        auto *timer = new QTimer(socket);
        timer->setSingleShot(true);
        connect(timer, &QTimer::timeout, socket, [this, socket] {
            ++m_stats.badStreams;
            socket->abort();
        });
        timer->start(int(m_streamTimeoutMs));
        connect(socket, &QTcpSocket::disconnected, socket, &QObject::deleteLater);
        connect(socket, &QObject::destroyed, socket, [buffer] { delete buffer; });
        connect(socket, &QTcpSocket::readyRead, socket, [this, socket, buffer, timer] {
            *buffer += socket->readAll();
            bool bad = false;
            const auto request = takeFrame(*buffer, kMaxStreamBytes, &bad);
            if (bad) {
                ++m_stats.badStreams;
                socket->abort();
                return;
            }
            if (!request)
                return;
            m_stats.tcpBytesIn += quint64(request->size()) + 4;
            const Address from{plainAddress(socket->peerAddress()), socket->peerPort()};
            const QByteArray reply = m_onStream ? m_onStream(*request, from) : QByteArray();
            timer->stop();
            if (!reply.isEmpty()) {
                const QByteArray framed = frame(reply);
                m_stats.tcpBytesOut += quint64(framed.size());
                count(kTcpSent, framed.size());
                socket->write(framed);
            }
            socket->disconnectFromHost();
        });
    }
}

void NetTransport::request(const Address &to, const QByteArray &request, qint64 timeoutMs, Reply done)
{
    auto *socket = new QTcpSocket(this);
    socket->setProxy(QNetworkProxy::NoProxy);
    auto *buffer = new QByteArray;
    auto finished = std::make_shared<bool>(false);
    // Exactly once, and always from the event loop.
    auto finish = [this, socket, buffer, finished, done](std::optional<QByteArray> reply) {
        if (std::exchange(*finished, true))
            return;
        QMetaObject::invokeMethod(
            this, [done, reply] { done(reply); }, Qt::QueuedConnection);
        socket->disconnect();
        socket->abort();
        socket->deleteLater();
        delete buffer;
    };
    auto *timer = new QTimer(socket);
    timer->setSingleShot(true);
    connect(timer, &QTimer::timeout, socket, [this, finish] {
        ++m_stats.badStreams;
        finish(std::nullopt);
    });
    timer->start(int(std::max<qint64>(1, timeoutMs)));
    connect(socket, &QTcpSocket::connected, socket, [this, socket, request] {
        count(kTcpConnect, 1);
        const QByteArray framed = frame(request);
        m_stats.tcpBytesOut += quint64(framed.size());
        count(kTcpSent, framed.size());
        socket->write(framed);
    });
    connect(socket, &QTcpSocket::readyRead, socket, [this, socket, buffer, finish] {
        *buffer += socket->readAll();
        bool bad = false;
        const auto reply = takeFrame(*buffer, kMaxStreamBytes, &bad);
        if (bad) {
            ++m_stats.badStreams;
            finish(std::nullopt);
        } else if (reply) {
            m_stats.tcpBytesIn += quint64(reply->size()) + 4;
            finish(*reply);
        }
    });
    connect(socket, &QTcpSocket::errorOccurred, socket, [finish](QAbstractSocket::SocketError) { finish(std::nullopt); });
    connect(socket, &QTcpSocket::disconnected, socket, [finish] { finish(std::nullopt); });
    socket->connectToHost(to.host, to.port);
}

} // namespace qonsul::gossip

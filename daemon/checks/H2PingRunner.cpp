#include "checks/H2PingRunner.h"

#include "checks/CheckTls.h"

#include <QRandomGenerator>
#include <QSslConfiguration>
#include <QSslSocket>

#include <utility>

namespace qonsul::checks {

namespace {
enum FrameType : quint8 { Settings = 0x4, Ping = 0x6 };
constexpr quint8 kAck = 0x1;
constexpr quint32 kMaxFrameSize = 16384; // SETTINGS_MAX_FRAME_SIZE's default: we advertise no other

QByteArray frame(quint8 type, quint8 flags, const QByteArray &payload)
{
    QByteArray f(9, '\0');
    const quint32 n = quint32(payload.size());
    f[0] = char(n >> 16);
    f[1] = char(n >> 8);
    f[2] = char(n);
    f[3] = char(type);
    f[4] = char(flags);
    return f + payload; // stream 0
}
} // namespace

H2PingRunner::H2PingRunner(Clock *clock, SharedTlsBase tls, const CheckSpec &spec, Notify notify)
    : CheckRunner(clock, spec.effectiveInterval(), spec.effectiveTimeout(), std::move(notify))
    , m_target(spec.h2ping)
    , m_tls(spec.h2pingUseTls)
    , m_tlsSkipVerify(spec.tlsSkipVerify)
    , m_tlsServerName(spec.tlsServerName)
    , m_tlsBase(std::move(tls))
{
}

H2PingRunner::~H2PingRunner()
{
    stop();
}

void H2PingRunner::begin()
{
    QString host;
    quint16 port = 0;
    if (!splitHostPort(m_target, &host, &port)) {
        finish({QStringLiteral("critical"),
                QStringLiteral("Failed to dial to %1: dial tcp: address %1: missing port in address").arg(m_target)});
        return;
    }
    m_in.clear();
    m_dialed = false;
    m_ping = QByteArray(8, '\0');
    const quint64 r = QRandomGenerator::global()->generate64();
    memcpy(m_ping.data(), &r, 8);
    if (m_tls) {
        auto *ssl = new QSslSocket(this);
        QSslConfiguration config = checkTlsFor(*m_tlsBase, m_tlsSkipVerify);
        config.setAllowedNextProtocols({QByteArrayLiteral("h2")});
        ssl->setSslConfiguration(config);
        if (!m_tlsServerName.isEmpty())
            ssl->setPeerVerifyName(m_tlsServerName);
        m_socket = ssl;
        QObject::connect(ssl, &QSslSocket::encrypted, this, [this, ssl] {
            // A server that did not agree to HTTP/2 is not pinged, as Go's http2 transport
            // refuses such a connection when it dials (Consul's check dials by itself and
            // would send the preface anyway: docs/checks.md, TLS).
            const QByteArray alpn = ssl->sslConfiguration().nextNegotiatedProtocol();
            if (alpn != "h2") {
                fail(QStringLiteral("HTTP2 ping failed: http2: unexpected ALPN protocol \"%1\"; want \"h2\"")
                         .arg(QString::fromLatin1(alpn)));
                return;
            }
            connected();
        });
        const QString verified = m_tlsServerName.isEmpty() ? host : m_tlsServerName;
        QObject::connect(ssl, &QSslSocket::sslErrors, this, [this, verified](const QList<QSslError> &errors) {
            if (m_socket)
                fail(QStringLiteral("Failed to dial to %1: %2").arg(m_target, goTlsError(errors, verified)));
        });
        ssl->connectToHostEncrypted(host, port, m_tlsServerName.isEmpty() ? host : m_tlsServerName);
    } else {
        m_socket = new QTcpSocket(this);
        QObject::connect(m_socket, &QTcpSocket::connected, this, [this] { connected(); });
        m_socket->connectToHost(host, port);
    }
    QObject::connect(m_socket, &QTcpSocket::readyRead, this, [this] { readFrames(); });
    QObject::connect(m_socket, &QTcpSocket::errorOccurred, this, [this, host](QAbstractSocket::SocketError e) {
        if (!m_socket)
            return;
        if (m_dialed) {
            fail(QStringLiteral("HTTP2 ping failed: %1")
                     .arg(e == QAbstractSocket::RemoteHostClosedError ? QStringLiteral("EOF") : m_socket->errorString()));
            return;
        }
        QString reason;
        if (e == QAbstractSocket::ConnectionRefusedError)
            reason = QStringLiteral("dial tcp %1: connect: connection refused").arg(m_target);
        else if (e == QAbstractSocket::HostNotFoundError)
            reason = QStringLiteral("dial tcp: lookup %1: no such host").arg(host);
        else
            reason = goHandshakeError(m_socket->errorString());
        fail(QStringLiteral("Failed to dial to %1: %2").arg(m_target, reason));
    });
}

void H2PingRunner::connected()
{
    m_dialed = true;
    // Client preface, our (empty) SETTINGS, then the PING.
    m_socket->write(QByteArrayLiteral("PRI * HTTP/2.0\r\n\r\nSM\r\n\r\n") + frame(Settings, 0, {}) + frame(Ping, 0, m_ping));
}

void H2PingRunner::readFrames()
{
    m_in += m_socket->readAll();
    while (m_socket && m_in.size() >= 9) {
        const quint32 length = (quint32(quint8(m_in.at(0))) << 16) | (quint32(quint8(m_in.at(1))) << 8) | quint8(m_in.at(2));
        if (length > kMaxFrameSize) { // also what an HTTP/1.x answer looks like
            fail(QStringLiteral("HTTP2 ping failed: connection error: FRAME_SIZE_ERROR"));
            return;
        }
        if (quint32(m_in.size()) < 9 + length)
            return;
        const quint8 type = quint8(m_in.at(3));
        const quint8 flags = quint8(m_in.at(4));
        const QByteArray payload = m_in.mid(9, length);
        m_in.remove(0, 9 + length);
        if (type == Settings && !(flags & kAck)) {
            m_socket->write(frame(Settings, kAck, {}));
        } else if (type == Ping && !(flags & kAck)) {
            m_socket->write(frame(Ping, kAck, payload)); // the server's own PING
        } else if (type == Ping && payload == m_ping) {
            cancel();
            finish({QStringLiteral("passing"), QStringLiteral("HTTP2 ping was successful")});
            return;
        }
    }
}

void H2PingRunner::fail(const QString &output)
{
    cancel();
    finish({QStringLiteral("critical"), output});
}

void H2PingRunner::abort()
{
    fail(m_dialed ? QStringLiteral("HTTP2 ping failed: context deadline exceeded")
                  : QStringLiteral("Failed to dial to %1: dial tcp %1: i/o timeout").arg(m_target));
}

void H2PingRunner::cancel()
{
    if (QTcpSocket *s = std::exchange(m_socket, nullptr)) {
        s->disconnect(this);
        s->abort();
        s->deleteLater();
    }
}

} // namespace qonsul::checks

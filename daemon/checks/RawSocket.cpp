#include "checks/RawSocket.h"

#include <QHostInfo>
#include <QSocketNotifier>

#include <cerrno>
#include <cstring>
#include <net/if.h>
#include <netinet/in.h>
#include <unistd.h>
#include <utility>

namespace qonsul::checks {

socklen_t toSockaddr(const QHostAddress &address, quint16 port, sockaddr_storage *out)
{
    *out = sockaddr_storage{};
    if (address.protocol() == QAbstractSocket::IPv6Protocol) {
        auto *sa = reinterpret_cast<sockaddr_in6 *>(out);
        sa->sin6_family = AF_INET6;
        sa->sin6_port = htons(port);
        const Q_IPV6ADDR a = address.toIPv6Address();
        memcpy(&sa->sin6_addr, &a, 16);
        const QString scope = address.scopeId();
        if (!scope.isEmpty()) {
            bool numeric = false;
            const uint index = scope.toUInt(&numeric);
            sa->sin6_scope_id = numeric ? index : if_nametoindex(scope.toLatin1().constData());
        }
        return sizeof(sockaddr_in6);
    }
    auto *sa = reinterpret_cast<sockaddr_in *>(out);
    sa->sin_family = AF_INET;
    sa->sin_port = htons(port);
    sa->sin_addr.s_addr = htonl(address.toIPv4Address());
    return sizeof(sockaddr_in);
}

QString errnoText(int err)
{
    switch (err) {
    case ECONNREFUSED: return QStringLiteral("connection refused");
    case EHOSTUNREACH: return QStringLiteral("no route to host");
    case ENETUNREACH: return QStringLiteral("network is unreachable");
    case ETIMEDOUT: return QStringLiteral("connection timed out");
    default: return QString::fromLocal8Bit(strerror(err)).toLower();
    }
}

RawTcpConnection::RawTcpConnection(Callbacks callbacks, QObject *parent)
    : QObject(parent)
    , m_callbacks(std::move(callbacks))
    , m_write(new QSocketNotifier(QSocketNotifier::Write, this))
    , m_read(new QSocketNotifier(QSocketNotifier::Read, this))
{
    connect(m_write, &QSocketNotifier::activated, this, &RawTcpConnection::onWritable);
    connect(m_read, &QSocketNotifier::activated, this, &RawTcpConnection::onReadable);
}

RawTcpConnection::~RawTcpConnection()
{
    close();
}

void RawTcpConnection::open(const QString &host, quint16 port)
{
    close();
    m_port = port;
    if (host != m_literalHost) {
        QHostAddress literal;
        if (!literal.setAddress(host)) {
            const int generation = m_lookup;
            QHostInfo::lookupHost(host, this, [this, generation](const QHostInfo &info) {
                if (generation != m_lookup)
                    return;
                if (info.addresses().isEmpty()) {
                    m_callbacks.failed(0);
                    return;
                }
                m_addresses = info.addresses();
                connectNext();
            });
            return;
        }
        m_literalHost = host;
        m_literal = literal;
    }
    if (const int err = startConnect(m_literal))
        fail(err);
}

void RawTcpConnection::connectNext()
{
    int err = 0;
    while (!m_addresses.isEmpty()) {
        err = startConnect(m_addresses.takeFirst());
        if (err == 0)
            return;
    }
    fail(err);
}

int RawTcpConnection::startConnect(const QHostAddress &address)
{
    sockaddr_storage sa;
    const socklen_t len = toSockaddr(address, m_port, &sa);
    const int fd = ::socket(sa.ss_family, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
    if (fd < 0)
        return errno;
    if (::connect(fd, reinterpret_cast<sockaddr *>(&sa), len) != 0 && errno != EINPROGRESS) {
        const int err = errno;
        ::close(fd);
        return err;
    }
    // Connected or not, the socket turns writable when the attempt is over.
    m_fd = fd;
    m_write->setSocket(fd);
    m_write->setEnabled(true);
    return 0;
}

// Reported from the event loop: this may run inside open().
void RawTcpConnection::fail(int err)
{
    const int generation = m_lookup;
    QMetaObject::invokeMethod(
        this,
        [this, generation, err] {
            if (generation == m_lookup)
                m_callbacks.failed(err);
        },
        Qt::QueuedConnection);
}

void RawTcpConnection::onWritable()
{
    if (m_connected) {
        flush();
        return;
    }
    int err = 0;
    socklen_t len = sizeof err;
    if (::getsockopt(m_fd, SOL_SOCKET, SO_ERROR, &err, &len) != 0)
        err = errno;
    if (err != 0) {
        m_write->setEnabled(false);
        ::close(std::exchange(m_fd, -1));
        if (m_addresses.isEmpty()) {
            m_callbacks.failed(err);
            return;
        }
        connectNext();
        return;
    }
    m_connected = true;
    m_addresses.clear();
    flush();
    if (m_reading) {
        m_read->setSocket(m_fd);
        m_read->setEnabled(true);
    }
    if (m_callbacks.connected)
        m_callbacks.connected();
}

void RawTcpConnection::send(const QByteArray &data)
{
    m_out += data;
    if (m_connected)
        flush();
}

void RawTcpConnection::flush()
{
    while (!m_out.isEmpty()) {
        const ssize_t n = ::send(m_fd, m_out.constData(), size_t(m_out.size()), MSG_NOSIGNAL);
        if (n < 0 && errno == EINTR)
            continue;
        if (n < 0 && (errno == EAGAIN || errno == EWOULDBLOCK))
            break;
        if (n < 0) {
            // The peer is gone: what it answered before that is still read.
            m_out.clear();
            break;
        }
        m_out.remove(0, n);
    }
    m_write->setEnabled(!m_out.isEmpty());
}

void RawTcpConnection::onReadable()
{
    QByteArray data;
    bool closed = false;
    char buffer[16384];
    while (data.size() < (1 << 20)) { // the rest at the next readiness
        const ssize_t n = ::recv(m_fd, buffer, sizeof buffer, 0);
        if (n > 0) {
            data.append(buffer, n);
            continue;
        }
        if (n < 0 && errno == EINTR)
            continue;
        closed = n == 0 || (errno != EAGAIN && errno != EWOULDBLOCK); // EOF, or reset
        break;
    }
    if (closed)
        m_read->setEnabled(false);
    if ((!data.isEmpty() || closed) && m_callbacks.received)
        m_callbacks.received(data, closed);
}

void RawTcpConnection::close()
{
    ++m_lookup;
    m_addresses.clear();
    m_out.clear();
    m_connected = false;
    if (m_fd >= 0) {
        // Off the event dispatcher before the descriptor goes.
        m_write->setEnabled(false);
        m_read->setEnabled(false);
        ::close(std::exchange(m_fd, -1));
    }
}

} // namespace qonsul::checks

#include "http/HttpServer.h"

#include "http/HttpConnection.h"

#include "core/Burst.h"

#include <QPointer>

#include <QNetworkProxy>

#include <limits>

namespace qonsul::http {

// Hands each accepted descriptor to the server instead of wrapping it in a QTcpSocket.
class HttpServer::Listener final : public QTcpServer
{
public:
    explicit Listener(HttpServer *server)
        : QTcpServer(server)
        , m_server(server)
    {
        setProxy(QNetworkProxy::NoProxy); // a listener; see gossip/NetTransport
    }

protected:
    void incomingConnection(qintptr fd) override { m_server->onIncoming(fd); }

private:
    HttpServer *m_server;
};

HttpServer::HttpServer(HttpLimits limits, HttpHandler handler, QObject *parent)
    : QObject(parent)
    , m_limits(std::move(limits))
    , m_handler(std::move(handler))
    , m_burst(&HttpConnection::sendForBurst)
    , m_tcp(new Listener(this))
{
    m_clock.start();
    m_tcp->setListenBacklogSize(1024);

    // Timeouts are enforced by one sweep over the connections, not a timer per connection (which
    // would be restarted on every request). A deadline is missed by at most a quarter of it.
    int shortest = std::numeric_limits<int>::max();
    for (const int t : { m_limits.idleTimeoutMs, m_limits.headerTimeoutMs }) {
        if (t > 0)
            shortest = qMin(shortest, t);
    }
    const int interval = qBound(5, shortest / 4, 1000);
    m_sweepTimer.setInterval(interval);
    m_sweepTimer.setTimerType(interval < 1000 ? Qt::PreciseTimer : Qt::CoarseTimer);
    connect(&m_sweepTimer, &QTimer::timeout, this, &HttpServer::sweep);
}

HttpServer::~HttpServer()
{
    flushBurst(); // a connection must not go while another thread sends on it
    close();
    // Delete the connections now, while the limits and handler they refer to still exist.
    qDeleteAll(findChildren<HttpConnection *>(Qt::FindDirectChildrenOnly));
}

bool HttpServer::listen(const QHostAddress &address, quint16 port)
{
    return m_tcp->listen(address, port);
}

quint16 HttpServer::serverPort() const
{
    return m_tcp->serverPort();
}

QHostAddress HttpServer::serverAddress() const
{
    return m_tcp->serverAddress();
}

QString HttpServer::errorString() const
{
    return m_tcp->errorString();
}

void HttpServer::close()
{
    m_tcp->close();
    const auto connections = m_connections;
    for (HttpConnection *c : connections)
        c->abort();
    m_connections.clear();
    m_sweepTimer.stop();
}

int HttpServer::connectionCount() const
{
    return int(m_connections.size());
}

void HttpServer::onIncoming(qintptr fd)
{
    m_connections.insert(new HttpConnection(fd, this));
    if (!m_sweepTimer.isActive())
        m_sweepTimer.start();
}

void HttpServer::sendInBurst(HttpConnection *connection, qintptr fd, const QByteArray &bytes)
{
    if (m_burst.isEmpty())
        core::BurstScope::atEnd([self = QPointer<HttpServer>(this)] {
            if (self)
                self->flushBurst();
        });
    m_burst.add(fd, bytes, quintptr(connection));
}

void HttpServer::flushBurst()
{
    if (m_burst.isEmpty())
        return;
    m_burst.finish();
    // Connections closed meanwhile only deferred the close of their descriptor (deleteLater
    // cannot run before this, on the same thread): each is still there to hear the result.
    for (const ParallelSender::Item &item : m_burst.items())
        reinterpret_cast<HttpConnection *>(item.tag)->sendDone(item.sent, item.error);
    m_burst.clear();
}

void HttpServer::connectionClosed(HttpConnection *connection)
{
    m_connections.remove(connection);
    if (m_connections.isEmpty())
        m_sweepTimer.stop();
}

void HttpServer::sweep()
{
    const qint64 t = now();
    const auto connections = m_connections;
    for (HttpConnection *c : connections) {
        if (m_connections.contains(c))
            c->checkTimeout(t);
    }
}

} // namespace qonsul::http

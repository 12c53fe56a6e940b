#pragma once
// Qonsul's HTTP/1.1 server: QTcpServer's listening socket plus our own connections and parser, single-threaded on the Qt event loop.
// Keep-alive, pipelining (answered strictly in order), deferred and streamed replies, request
// limits and timeouts. See docs/http-server.md for why this replaced Qt HttpServer.
#include "http/HttpParser.h"
#include "http/HttpResponder.h"
#include "http/ParallelSender.h"
#include "http/SocketPoller.h"

#include <QElapsedTimer>
#include <QHostAddress>
#include <QObject>
#include <QSet>
#include <QTcpServer>
#include <QTimer>

namespace qonsul::http {

class HttpConnection;

class HttpServer : public QObject
{
    Q_OBJECT
public:
    // `handler` is called on the event loop for every complete request, in order per connection;
    // the next request on a connection is not parsed until the reply to the previous is finished.
    // The request reference is valid only during the call: copy what a deferred reply needs.
    explicit HttpServer(HttpLimits limits, HttpHandler handler, QObject *parent = nullptr);
    // Closes every connection (pending responders see onClosed). Not from inside the handler:
    // use deleteLater() there (close() is fine anywhere).
    ~HttpServer() override;

    bool listen(const QHostAddress &address, quint16 port); // port 0: any free port
    quint16 serverPort() const;
    QHostAddress serverAddress() const;
    QString errorString() const;
    // Stops listening and closes every connection at once.
    void close();
    int connectionCount() const;
    const HttpLimits &limits() const { return m_limits; }

private:
    friend class HttpConnection;
    class Listener;
    void onIncoming(qintptr fd);
    void connectionClosed(HttpConnection *connection);
    void sweep();
    qint64 now() const { return m_clock.elapsed(); }
    // A reply written during a burst (core/Burst.h): sent with the others when the burst ends.
    void sendInBurst(HttpConnection *connection, qintptr fd, const QByteArray &bytes);
    void flushBurst();

    // The bytes of the last complete response written and what they were made from. A write
    // under a watched prefix answers thousands of blocking queries with one shared response
    // object (same headers and body); HttpConnection::respond then reuses these bytes.
    struct LastReply
    {
        HeaderList headers;
        QByteArray body;
        QByteArray date;
        int status = 0;
        bool keepAlive = false;
        bool http10 = false;
        bool headRequest = false;
        bool close = false;
        QByteArray bytes;
    };

    HttpLimits m_limits;
    HttpHandler m_handler;
    SocketPoller m_poller; // the connections' descriptors
    LastReply m_lastReply;
    ParallelSender m_burst;
    Listener *m_tcp; // accepts; each descriptor goes straight to an HttpConnection
    QSet<HttpConnection *> m_connections;
    QTimer m_sweepTimer;
    QElapsedTimer m_clock;
};

} // namespace qonsul::http

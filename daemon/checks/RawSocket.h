#pragma once
// Plain non-blocking sockets for the checks that open thousands of short connections a
// second (TCP and plain http:// checks): a QTcpSocket per probe cost a QObject tree, extra
// system calls (fcntl, getsockname/getpeername, FIONREAD, ...) and a deferred deletion each
// time (docs/benchmarks.md, "HTTP and TCP checks at a 1 s interval").
#include <QByteArray>
#include <QHostAddress>
#include <QObject>
#include <QString>

#include <functional>

#ifndef Q_OS_WIN // the raw-socket checks are POSIX only so far; Windows would need Winsock here
#include <sys/socket.h>
#endif

class QSocketNotifier;

namespace qonsul::checks {

#ifndef Q_OS_WIN
// `address`:`port` as a socket address (IPv6 scope included); returns its length.
socklen_t toSockaddr(const QHostAddress &address, quint16 port, sockaddr_storage *out);
#endif

// A system error as Go's syscall.Errno prints it ("connection refused").
QString errnoText(int err);

// One outgoing TCP connection at a time, reused from probe to probe: the socket is made per
// connection, the two notifiers (writable while connecting or sending, readable while
// reading) are made once. Host names are resolved per connection (QHostInfo, asynchronous)
// and their addresses tried in order, as Go's dialer does; literals are parsed once.
// The callbacks run from the event loop, never from inside a call to this object, and none
// runs after close().
class RawTcpConnection final : public QObject
{
public:
    struct Callbacks
    {
        std::function<void()> connected;
        // The connection failed: `err` is the errno of the last address tried, or 0 when the
        // name did not resolve.
        std::function<void(int err)> failed;
        // Bytes arrived; `closed` once the peer ended the stream or it broke (the rest of a
        // reply that was cut short is what has arrived).
        std::function<void(const QByteArray &data, bool closed)> received;
    };

    RawTcpConnection(Callbacks callbacks, QObject *parent);
    ~RawTcpConnection() override;

    void open(const QString &host, quint16 port);
    // Queued until connected; then written as the socket takes it.
    void send(const QByteArray &data);
    // Reading starts once connected and goes on until close().
    void setReading(bool reading) { m_reading = reading; }
    // Ends the connection (or the attempt, or the lookup).
    void close();

private:
    void connectNext();
    int startConnect(const QHostAddress &address); // 0, or the errno of a failed start
    void onWritable();
    void onReadable();
    void fail(int err);
    void flush();

    Callbacks m_callbacks;
    QSocketNotifier *m_write;
    QSocketNotifier *m_read;
    int m_fd = -1;
    bool m_connected = false;
    bool m_reading = false;
    QByteArray m_out;
    QList<QHostAddress> m_addresses; // still to try
    quint16 m_port = 0;
    int m_lookup = 0; // generation: a lookup answered after close() is ignored
    QString m_literalHost; // the last host parsed as an address literal, and its address
    QHostAddress m_literal;
};

} // namespace qonsul::checks

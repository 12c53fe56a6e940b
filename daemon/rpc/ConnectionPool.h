#pragma once
// The client side of the server RPC: connections to servers ("ip:port"), opened on first use and
// reused. Requests to one server share one connection, matched to their replies by id; Raft
// messages take a second connection so a large reply never delays a heartbeat. A connection
// idle for idleTimeoutMs is closed. Every request ends in exactly one callback: a result, the
// server's error, or a local one (connect failure or timeout, connection lost, reply timeout).
#include <QCborValue>
#include <QHash>
#include <QObject>
#include <functional>

#include "rpc/Frame.h"

namespace qonsul::rpc {

class FramedSocket;

class ConnectionPool : public QObject
{
    Q_OBJECT
public:
    struct Options
    {
        QString datacenter = QStringLiteral("dc1");
        qsizetype maxFrameSize = kDefaultMaxFrameSize;
        int connectTimeoutMs = 5000;  // limits.rpc_handshake_timeout
        int idleTimeoutMs = 120000;   // Consul's pool closes streams idle for 2 minutes
        // Raft messages are dropped (Raft retries) while this much is already unsent to a peer.
        qint64 raftBacklogLimit = 64 * 1024 * 1024;
    };
    using Callback = std::function<void(const QCborValue &result, const QString &error)>;

    explicit ConnectionPool(Options options, QObject *parent = nullptr);
    ~ConnectionPool() override;

    void call(const QString &address, const QString &method, const QCborValue &args, int timeoutMs, Callback done);
    // One-way and best effort: dropped when the connection fails or its backlog is full.
    void sendRaft(const QString &address, const QCborValue &body);

    // True for errors of requests that surely never reached the server (no connection was
    // made), which a caller may send again elsewhere without risking a second execution.
    static bool neverSent(const QString &error);

    int openConnections() const { return int(m_channels.size()); }
    quint64 connectionsOpened() const { return m_opened; }

private:
    class Channel;
    Channel *channel(const QString &address, bool raft);
    void drop(Channel *channel);

    Options m_options;
    QHash<QString, Channel *> m_channels; // key: (raft ? "r:" : "q:") + address
    quint64 m_opened = 0;
};

} // namespace qonsul::rpc

#pragma once
// The server RPC listener (-server-port, default 8300, on bind_addr): one QTcpServer carrying
// both Raft traffic and requests forwarded by other agents, as Consul multiplexes its server
// port. Requests name a method; handlers answer asynchronously (a forwarded write answers once
// Raft committed it). Refused frames are counted and logged, never fatal.
#include <QCborValue>
#include <QHash>
#include <QHostAddress>
#include <QObject>
#include <QSet>
#include <functional>

#include "rpc/Frame.h"

class QTcpServer;

namespace qonsul::rpc {

class FramedSocket;

class RpcServer : public QObject
{
    Q_OBJECT
public:
    struct Options
    {
        QString datacenter = QStringLiteral("dc1");
        qsizetype maxFrameSize = kDefaultMaxFrameSize;
        int maxConnsPerClient = 100; // limits.rpc_max_conns_per_client
    };
    // Answers one request: `error` empty on success. May be called later; calls after the
    // connection closed are dropped.
    using Reply = std::function<void(const QCborValue &result, const QString &error)>;
    using Handler = std::function<void(const QCborValue &args, Reply reply)>;
    // Takes one Raft frame's body and the connection it came on (the same value for every frame
    // of one connection, until that connection closes); false with *error refuses the frame.
    using RaftHandler = std::function<bool(const QCborValue &body, quintptr connection, QString *error)>;
    // A connection closed (the peer closed it, or it broke): the value RaftHandler was given.
    using ClosedHandler = std::function<void(quintptr connection)>;

    explicit RpcServer(Options options, QObject *parent = nullptr);
    ~RpcServer() override;

    void setHandler(const QString &method, Handler handler);
    void setRaftHandler(RaftHandler handler, ClosedHandler closed = {})
    {
        m_raftHandler = std::move(handler);
        m_closedHandler = std::move(closed);
    }

    bool listen(const QHostAddress &address, quint16 port, QString *error);
    quint16 port() const;
    void close();

    quint64 refusedFrames() const { return m_refused; }
    quint64 requestsServed() const { return m_requests; }
    int connectionCount() const { return int(m_connections.size()); }

private:
    void onNewConnection();
    void onFrame(FramedSocket *connection, const Frame &frame);

    Options m_options;
    QTcpServer *m_server;
    QHash<QString, Handler> m_handlers;
    RaftHandler m_raftHandler;
    ClosedHandler m_closedHandler;
    QSet<FramedSocket *> m_connections;
    QHash<QHostAddress, int> m_perClient;
    quint64 m_refused = 0;
    quint64 m_requests = 0;
};

} // namespace qonsul::rpc

#include "rpc/RpcServer.h"
#include "rpc/FramedSocket.h"
#include "rpc/RpcLogging.h"

#include <QCborArray>
#include <QNetworkProxy>
#include <QPointer>
#include <QTcpServer>

using namespace Qt::StringLiterals;

namespace qonsul::rpc {

RpcServer::RpcServer(Options options, QObject *parent)
    : QObject(parent)
    , m_options(std::move(options))
    , m_server(new QTcpServer(this))
{
    m_server->setProxy(QNetworkProxy::NoProxy); // server RPC is never proxied; see NetTransport
    connect(m_server, &QTcpServer::pendingConnectionAvailable, this, &RpcServer::onNewConnection);
}

RpcServer::~RpcServer()
{
    close();
}

void RpcServer::setHandler(const QString &method, Handler handler)
{
    m_handlers.insert(method, std::move(handler));
}

bool RpcServer::listen(const QHostAddress &address, quint16 port, QString *error)
{
    if (m_server->listen(address, port))
        return true;
    *error = m_server->errorString();
    return false;
}

quint16 RpcServer::port() const
{
    return m_server->serverPort();
}

void RpcServer::close()
{
    m_server->close();
    const QSet<FramedSocket *> connections = std::exchange(m_connections, {});
    qDeleteAll(connections);
    m_perClient.clear();
}

void RpcServer::onNewConnection()
{
    while (QTcpSocket *socket = m_server->nextPendingConnection()) {
        const QHostAddress peer = socket->peerAddress();
        auto *connection = new FramedSocket(socket, m_options.datacenter, m_options.maxFrameSize, this);
        if (m_options.maxConnsPerClient > 0 && m_perClient.value(peer) >= m_options.maxConnsPerClient) {
            ++m_refused;
            qCWarning(lcRpc).noquote() << "RPC connection refused: too many connections from" << peer.toString();
            connection->refuse(u"too many connections from %1 (limits.rpc_max_conns_per_client)"_s.arg(peer.toString()));
            connection->deleteLater();
            continue;
        }
        m_perClient[peer] += 1;
        m_connections.insert(connection);
        connect(connection, &FramedSocket::frameReceived, this,
                [this, connection](const Frame &frame) { onFrame(connection, frame); });
        connect(connection, &FramedSocket::refused, this, [this, connection](const QString &reason) {
            ++m_refused;
            qCWarning(lcRpc).noquote() << "RPC frame refused:" << u"from=%1 error=\"%2\""_s.arg(connection->peer(), reason);
        });
        connect(connection, &FramedSocket::closed, this, [this, connection, peer] {
            if (!m_connections.remove(connection))
                return;
            if (--m_perClient[peer] <= 0)
                m_perClient.remove(peer);
            if (m_closedHandler)
                m_closedHandler(quintptr(connection));
            connection->deleteLater();
        });
    }
}

void RpcServer::onFrame(FramedSocket *connection, const Frame &frame)
{
    switch (frame.type) {
    case FrameType::Raft: {
        QString error = u"this agent is not a server"_s;
        if (!m_raftHandler || !m_raftHandler(frame.body, quintptr(connection), &error))
            connection->refuse(u"bad raft message: %1"_s.arg(error));
        return;
    }
    case FrameType::Request: {
        const QCborArray request = frame.body.toArray();
        const QString method = request.at(0).toString();
        const auto handler = m_handlers.constFind(method);
        if (!frame.body.isArray() || frame.id == 0 || handler == m_handlers.cend()) {
            // A well-formed frame for a method this server lacks: answer, keep the connection.
            ++m_refused;
            qCWarning(lcRpc).noquote() << "RPC request refused:" << u"from=%1 method=\"%2\""_s.arg(connection->peer(), method);
            Frame reply;
            reply.type = FrameType::Error;
            reply.id = frame.id;
            reply.body = method.isEmpty() ? u"malformed request"_s : u"rpc: can't find method %1"_s.arg(method);
            connection->send(reply);
            return;
        }
        ++m_requests;
        QPointer<FramedSocket> guard(connection);
        (*handler)(request.at(1), [guard, id = frame.id](const QCborValue &result, const QString &error) {
            if (!guard || !guard->isOpen())
                return;
            Frame reply;
            reply.id = id;
            reply.type = error.isEmpty() ? FrameType::Response : FrameType::Error;
            reply.body = error.isEmpty() ? result : QCborValue(error);
            guard->send(reply);
        });
        return;
    }
    case FrameType::Response:
    case FrameType::Error:
        connection->refuse(u"unexpected %1 frame on a server connection"_s.arg(frame.type == FrameType::Error ? u"error"_s : u"response"_s));
        return;
    }
}

} // namespace qonsul::rpc

#include "rpc/RaftTransport.h"
#include "rpc/RaftCodec.h"
#include "rpc/RpcLogging.h"
#include "rpc/RpcServer.h"

#include "raft/RaftNode.h"

#include <QCborArray>

using namespace Qt::StringLiterals;

namespace qonsul::rpc {

RaftTransport::RaftTransport(ConnectionPool *pool, QString localAddress)
    : m_pool(pool)
    , m_localAddress(std::move(localAddress))
{
}

QString RaftTransport::addressOf(const raft::ServerId &id) const
{
    if (m_node) {
        if (const raft::Server *s = m_node->configuration().find(id); s && !s->address.isEmpty())
            return s->address;
    }
    return m_learned.value(id);
}

void RaftTransport::send(const raft::Message &message)
{
    const QString address = addressOf(message.to);
    if (address.isEmpty()) {
        qCDebug(lcRpc).noquote() << "no address for raft peer" << message.to << "; dropping" << raft::toString(message.type);
        return;
    }
    ++m_sent;
    m_pool->sendRaft(address, QCborArray{encodeRaftMessage(message), m_localAddress});
}

void RaftTransport::serve(RpcServer *server)
{
    server->setRaftHandler([this](const QCborValue &body, quintptr connection,
                               QString *error) { return deliver(body, connection, error); },
        [this](quintptr connection) { connectionClosed(connection); });
}

bool RaftTransport::deliver(const QCborValue &body, quintptr connection, QString *error)
{
    const QCborArray parts = body.toArray();
    raft::Message message;
    if (!body.isArray() || parts.size() < 2 || !parts.at(1).isString()) {
        *error = u"raft frame without a sender address"_s;
        return false;
    }
    if (!decodeRaftMessage(parts.at(0), &message, error))
        return false;
    if (!m_node)
        return true; // not started yet: like a lost message
    if (message.to != m_node->id()) {
        // A server that was replaced at this address; Raft treats it as lost.
        qCDebug(lcRpc).noquote() << "raft message for" << message.to << "reached" << m_node->id();
        return true;
    }
    m_learned.insert(message.from, parts.at(1).toString());
    // A server that reconnected (its old connection may close later, or already did) is tracked
    // on its newest connection only: closing an older one says nothing about it.
    const quintptr previous = m_connectionOf.value(message.from);
    if (previous != connection) {
        m_senderOn.remove(previous);
        m_connectionOf.insert(message.from, connection);
        m_senderOn.insert(connection, message.from);
    }
    ++m_received;
    m_node->receive(message);
    return true;
}

void RaftTransport::connectionClosed(quintptr connection)
{
    const raft::ServerId from = m_senderOn.take(connection);
    if (from.isEmpty())
        return;
    m_connectionOf.remove(from);
    if (m_node)
        m_node->connectionLost(from);
}

} // namespace qonsul::rpc

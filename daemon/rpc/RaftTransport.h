#pragma once
// raft::Transport over the server RPC: each message travels as one Raft frame on the pool's
// Raft connection to the destination, together with the sender's RPC address, so a server
// that is not yet in the receiver's configuration (a new leader talking to a joining server)
// can still be answered. Destinations resolve through the latest Raft configuration first,
// then through addresses learned from incoming messages. A closed incoming connection reaches
// the node as RaftNode::connectionLost of the server whose messages it carried.
#include <QHash>

#include "raft/Interfaces.h"
#include "rpc/ConnectionPool.h"

namespace qonsul::raft {
class RaftNode;
}

namespace qonsul::rpc {

class RpcServer;

class RaftTransport final : public raft::Transport
{
public:
    RaftTransport(ConnectionPool *pool, QString localAddress);

    // Where received messages go; set once the node exists (messages before that are dropped).
    void setNode(raft::RaftNode *node) { m_node = node; }
    void send(const raft::Message &message) override;
    // Takes the Raft frames `server` receives, and hears from it when connections close: when
    // the connection a server's Raft messages last came on closes, the node learns that it lost
    // that server (RaftNode::connectionLost: a leader whose process died).
    void serve(RpcServer *server);

    QString addressOf(const raft::ServerId &id) const;
    quint64 sent() const { return m_sent; }
    quint64 received() const { return m_received; }

private:
    bool deliver(const QCborValue &body, quintptr connection, QString *error);
    void connectionClosed(quintptr connection);

    ConnectionPool *m_pool;
    QString m_localAddress;
    raft::RaftNode *m_node = nullptr;
    QHash<raft::ServerId, QString> m_learned;
    QHash<raft::ServerId, quintptr> m_connectionOf; // the connection a server's latest message came on
    QHash<quintptr, raft::ServerId> m_senderOn; // and back, for those connections only
    quint64 m_sent = 0;
    quint64 m_received = 0;
};

} // namespace qonsul::rpc

#pragma once
// SWIM failure detection and membership with HashiCorp's Lifeguard extensions, the layer Serf
// (and so Consul) builds on. One instance is one member of one pool. It runs entirely on the
// injected Clock, Transport and seed, so it behaves the same on sockets and in simulation.
//
// Per probe interval one member (round robin over a shuffled list) gets a Ping; without an Ack
// within the probe timeout, `indirectChecks` members are asked to ping it for us (answering
// Nack if it stays silent) and one Ping goes over a stream. Still no Ack at the end of the
// interval: the member becomes suspect. Lifeguard:
//  - local health awareness: every missed Nack and every refutation of our own suspicion raise
//    a score that multiplies our probe interval and timeout, a successful probe lowers it;
//  - suspicion timeouts start long and shrink as independent members confirm the suspicion;
//  - a suspected member refutes with a higher incarnation number.
// Alive/Suspect/Dead broadcasts ride on pings and on gossip packets to `gossipNodes` random
// members every gossip interval; full state is exchanged with one random member over a stream
// at the push/pull interval, and joining is a push/pull with a known address.
#include "gossip/BroadcastQueue.h"
#include "gossip/Config.h"
#include "gossip/Messages.h"
#include "core/SplitMix64.h"
#include "gossip/Transport.h"

#include "core/Clock.h"

#include <QHash>
#include <QSet>

#include <memory>

namespace qonsul::gossip {

struct NodeInfo
{
    QString name;
    Address addr;
    QByteArray meta;
    NodeState state = NodeState::Dead;
    quint32 incarnation = 0;
    qint64 stateChangeMs = 0;
};

// What the layer above (Serf) plugs in. Called synchronously from Memberlist.
class MemberlistDelegate
{
public:
    virtual ~MemberlistDelegate() = default;
    virtual void notifyJoin(const NodeInfo &node) = 0;
    virtual void notifyLeave(const NodeInfo &node) = 0; // dead or left
    virtual void notifyUpdate(const NodeInfo &node) = 0;
    virtual void notifyUserMessage(const QByteArray &payload) = 0;
    // Encoded user messages to piggyback, each costing `overhead` + its size, within `budget`.
    virtual QList<QByteArray> userBroadcasts(int overhead, int budget) = 0;
    virtual QByteArray localState(bool join) = 0;
    // Rides on our acks; and what a probed node's ack carried, with the round trip time.
    virtual QByteArray ackPayload() = 0;
    virtual void notifyPingComplete(const NodeInfo &node, qint64 rttMs, const QByteArray &payload) = 0;
    virtual void mergeRemoteState(const QByteArray &state, bool join) = 0;
    // memberlist's merge and alive delegates: a non-empty reason refuses the nodes, which drops
    // an alive message (one node), or a whole push/pull (every node it carries but this one, so a
    // join fails).
    virtual QString refuseNodes(const QList<NodeInfo> &nodes)
    {
        Q_UNUSED(nodes);
        return {};
    }
};

struct MemberlistStats
{
    quint64 packetsSent = 0;
    quint64 packetsReceived = 0;
    quint64 bytesSent = 0;
    quint64 bytesReceived = 0;
    quint64 droppedPackets = 0; // undecodable, oversized or misdirected
    quint64 streamsFailed = 0;
};

class Memberlist
{
public:
    Memberlist(const MemberlistConfig &config, const QString &name, const Address &advertise, Clock *clock,
               Transport *transport, quint64 seed, MemberlistDelegate *delegate);
    ~Memberlist();
    Memberlist(const Memberlist &) = delete;
    Memberlist &operator=(const Memberlist &) = delete;

    // Announces this node alive with `meta` and starts probing, gossip and push/pull.
    void start(const QByteArray &meta);
    // Push/pull with each address; `done(count of successes, error)` runs once all have
    // answered. With no success, `error` lists each address's reason as memberlist's multierror
    // does ("1 error occurred:\n\t* Failed to join <addr>: <reason>\n\n"), else it is empty.
    void join(const QList<Address> &addresses, std::function<void(int joined, const QString &error)> done);
    // Broadcasts our departure and calls `done` once it has been gossiped (or after timeoutMs).
    void leave(qint64 timeoutMs, std::function<void()> done);
    // Stops timers and ignores the network from now on.
    void shutdown();
    // New meta for this node: a higher incarnation, broadcast as alive.
    void setMeta(const QByteArray &meta);

    const QString &name() const { return m_name; }
    const NodeInfo *node(const QString &name) const;
    QList<NodeInfo> nodes() const;
    int aliveCount() const; // alive or suspect, including this node
    int healthScore() const { return m_awareness; }
    // Scaled by every member we know, dead ones included (memberlist's estNumNodes).
    int retransmitLimit() const { return m_config.retransmitLimit(int(m_nodes.size())); }
    const MemberlistStats &stats() const { return m_stats; }
    const MemberlistConfig &config() const { return m_config; }

private:
    struct Suspicion
    {
        QSet<QString> confirmations;
        int k = 0; // confirmations expected before the timeout reaches its minimum
        qint64 startMs = 0;
        qint64 minMs = 0;
        qint64 maxMs = 0;
        quint32 incarnation = 0;
        Clock::TimerId timer = 0;
    };
    struct AckHandler
    {
        std::function<void(const QByteArray &payload)> onAck;
        std::function<void()> onNack;
    };

    Clock::TimerId after(qint64 ms, std::function<void()> fn);
    void handlePacket(const QByteArray &packet, const Address &from);
    QByteArray handleStream(const QByteArray &request, const Address &from);
    void handle(const Message &message, const Address &from);
    void handlePing(const Ping &ping, const Address &from);
    void handleIndirectPing(const IndirectPing &req, const Address &from);
    void handleAck(const Ack &ack);
    void handleNack(quint32 seq);

    void aliveNode(const Alive &a, bool bootstrap);
    void suspectNode(const Suspect &s);
    void deadNode(const Dead &d);
    void refute(NodeInfo &self, quint32 accused);
    void startSuspicion(NodeInfo &node, const QString &from);
    void confirmSuspicion(const QString &node, const QString &from);
    void rearmSuspicion(const QString &node, Suspicion &s);

    void probeTick();
    void probe(const QString &target);
    void gossipTick();
    void pushPullTick();
    void sendMessage(const Address &to, const Message &message);
    void sendPacket(const Address &to, const QByteArray &packet);
    void broadcast(const QString &key, const Message &message, BroadcastQueue::Finished finished = {});
    PushPull localPushPull(bool join) const;
    // Empty, or why the remote state was refused whole (nothing of it merged).
    QString mergeRemote(const PushPull &remote);
    QList<QString> randomNodes(int count, const std::function<bool(const NodeInfo &)> &accept);
    void applyAwareness(int delta);
    qint64 scaled(qint64 ms) const { return ms * (m_awareness + 1); }
    quint32 nextSeq() { return ++m_seq; }
    void resetProbeOrder();

    MemberlistConfig m_config;
    QString m_name;
    Address m_advertise;
    Clock *m_clock;
    Transport *m_transport;
    SplitMix64 m_random;
    MemberlistDelegate *m_delegate;
    std::shared_ptr<bool> m_alive = std::make_shared<bool>(true); // guards scheduled callbacks

    QHash<QString, NodeInfo> m_nodes;
    QList<QString> m_probeOrder;
    int m_probeIndex = 0;
    QHash<QString, Suspicion> m_suspicions;
    QHash<quint32, AckHandler> m_acks;
    BroadcastQueue m_broadcasts;
    quint32 m_incarnation = 0;
    quint32 m_seq = 0;
    int m_awareness = 0;
    bool m_running = false;
    bool m_leaving = false;
    Clock::TimerId m_probeTimer = 0;
    Clock::TimerId m_gossipTimer = 0;
    Clock::TimerId m_pushPullTimer = 0;
    MemberlistStats m_stats;
};

} // namespace qonsul::gossip

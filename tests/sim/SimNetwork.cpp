#include "SimNetwork.h"

#include "SimClock.h"

namespace qonsul::sim {

SimNetwork::SimNetwork(test::SimClock *clock, SimRandom random, Deliver deliver, ConnectionLost lost)
    : m_clock(clock)
    , m_random(random)
    , m_deliver(std::move(deliver))
    , m_lost(std::move(lost))
{
}

void SimNetwork::closeConnections(const raft::ServerId &id, const QList<raft::ServerId> &all)
{
    for (const raft::ServerId &other : all) {
        if (other == id || !connected(id, other))
            continue;
        m_clock->schedule(m_faults.maxLatencyMs, [this, other, id] { m_lost(other, id); });
    }
}

void SimNetwork::isolate(const raft::ServerId &id, const QList<raft::ServerId> &all)
{
    for (const raft::ServerId &other : all) {
        if (other == id)
            continue;
        cut(id, other);
        cut(other, id);
    }
}

void SimNetwork::partition(const QList<raft::ServerId> &side, const QList<raft::ServerId> &all)
{
    for (const raft::ServerId &a : side) {
        for (const raft::ServerId &b : all) {
            if (side.contains(b))
                continue;
            cut(a, b);
            cut(b, a);
        }
    }
}

void SimNetwork::send(const raft::Message &message)
{
    ++m_sent;
    // A cut link drops at send time; a message already in flight still arrives (like TCP data
    // already in the peer's buffers).
    if (!connected(message.from, message.to) || m_random.chance(m_faults.dropRate))
        return;
    schedule(message);
    if (m_random.chance(m_faults.duplicateRate))
        schedule(message);
}

void SimNetwork::schedule(const raft::Message &message)
{
    const qint64 latency = m_random.between(m_faults.minLatencyMs, m_faults.maxLatencyMs);
    m_clock->schedule(latency, [this, message] {
        ++m_delivered;
        m_deliver(message);
    });
}

} // namespace qonsul::sim

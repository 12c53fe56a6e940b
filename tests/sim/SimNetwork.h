#pragma once
// The simulated network between Raft servers: every message becomes a SimClock event after a
// seeded latency. It can drop, duplicate and reorder (independent latencies), cut single
// directed links (asymmetric partitions), split the cluster, isolate a server and heal, and
// close a server's connections (as its kernel does when its process dies).
#include "raft/Types.h"
#include "SimRandom.h"

#include <QSet>

#include <functional>

namespace qonsul::test {
class SimClock;
}

namespace qonsul::sim {

class SimNetwork
{
public:
    struct Faults
    {
        qint64 minLatencyMs = 1;
        qint64 maxLatencyMs = 10;
        double dropRate = 0.0;      // each message independently
        double duplicateRate = 0.0; // delivered twice, with independent latencies
    };
    using Deliver = std::function<void(const raft::Message &)>;
    // `at` learns that its connection from `peer` closed.
    using ConnectionLost = std::function<void(const raft::ServerId &at, const raft::ServerId &peer)>;

    SimNetwork(test::SimClock *clock, SimRandom random, Deliver deliver, ConnectionLost lost);

    void send(const raft::Message &message);
    // `id`'s connections to the other servers close: every server that `id` can reach learns it
    // after the largest current latency, behind what `id` sent it before (a FIN follows the data
    // on its connection). Never dropped: TCP retransmits a FIN.
    void closeConnections(const raft::ServerId &id, const QList<raft::ServerId> &all);

    Faults &faults() { return m_faults; }
    void cut(const raft::ServerId &from, const raft::ServerId &to) { m_cut.insert(link(from, to)); }
    void isolate(const raft::ServerId &id, const QList<raft::ServerId> &all);
    void partition(const QList<raft::ServerId> &side, const QList<raft::ServerId> &all);
    void heal() { m_cut.clear(); }
    bool connected(const raft::ServerId &from, const raft::ServerId &to) const
    {
        return !m_cut.contains(link(from, to));
    }
    quint64 sent() const { return m_sent; }
    quint64 delivered() const { return m_delivered; }

private:
    static QString link(const raft::ServerId &from, const raft::ServerId &to) { return from + u'>' + to; }
    void schedule(const raft::Message &message);

    test::SimClock *m_clock;
    SimRandom m_random;
    Deliver m_deliver;
    ConnectionLost m_lost;
    Faults m_faults;
    QSet<QString> m_cut;
    quint64 m_sent = 0;
    quint64 m_delivered = 0;
};

} // namespace qonsul::sim

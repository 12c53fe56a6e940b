#pragma once
// A simulated network for gossip pools: every packet and stream is a SimClock event after a
// seeded latency. It can drop packets, crash members (they vanish without a word), slow a member
// down (everything it receives and sends waits longer, as on a starved machine), and split the
// members into groups that cannot reach each other.
#include "gossip/Serf.h"
#include "SimClock.h"
#include "SimRandom.h"

#include <QHash>

#include <memory>

namespace qonsul::sim {

class GossipNet
{
public:
    struct Faults
    {
        qint64 minLatencyMs = 1;
        qint64 maxLatencyMs = 20;
        double dropRate = 0.0;   // each packet independently (streams are reliable)
        qint64 slowExtraMs = 0;  // added, at random up to this, to every hop of a slow member
    };

    GossipNet(test::SimClock *clock, quint64 seed) : m_clock(clock), m_random(seed) {}
    ~GossipNet();

    // Adds a member (not started) at 10.x.y.z:8301; `adjust` may change its options (tags, refuseMembers).
    gossip::Serf *add(const QString &name, gossip::SerfConfig config,
                      const std::function<void(gossip::Serf::Options &)> &adjust = {});
    gossip::Serf *serf(int i) const { return m_nodes.at(i)->serf.get(); }
    gossip::Address address(int i) const { return m_nodes.at(i)->address; }
    int size() const { return int(m_nodes.size()); }

    void crash(int i); // the member's Serf is destroyed: serf(i) is null from then on
    void setSlow(int i, bool slow) { m_nodes[i]->slow = slow; }
    void setGroup(int i, int group) { m_nodes[i]->group = group; }
    void heal();
    Faults &faults() { return m_faults; }
    quint64 packets() const { return m_packets; }
    quint64 bytes() const { return m_bytes; }

private:
    class Link;
    struct Node
    {
        gossip::Address address;
        std::unique_ptr<Link> link;
        std::unique_ptr<gossip::Serf> serf;
        bool crashed = false;
        bool slow = false;
        int group = 0;
    };
    Node *find(const gossip::Address &a) const { return m_byAddress.value(a); }
    qint64 hopDelay(const Node *from, const Node *to);
    bool reachable(const Node *from, const Node *to) const
    {
        return to && !to->crashed && !from->crashed && from->group == to->group;
    }

    test::SimClock *m_clock;
    SimRandom m_random;
    Faults m_faults;
    QList<Node *> m_nodes;
    QHash<gossip::Address, Node *> m_byAddress;
    quint64 m_packets = 0;
    quint64 m_bytes = 0;
};

} // namespace qonsul::sim

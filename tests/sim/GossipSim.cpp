#include "GossipSim.h"

namespace qonsul::sim {

using gossip::Address;

class GossipNet::Link final : public gossip::Transport
{
public:
    Link(GossipNet *net, Node *self) : m_net(net), m_self(self) {}

    void sendPacket(const Address &to, const QByteArray &packet) override
    {
        Node *target = m_net->find(to);
        ++m_net->m_packets;
        m_net->m_bytes += quint64(packet.size());
        if (!m_net->reachable(m_self, target) || m_net->m_random.chance(m_net->m_faults.dropRate))
            return;
        const Address from = m_self->address;
        m_net->m_clock->schedule(m_net->hopDelay(m_self, target), [target, packet, from] {
            if (!target->crashed && target->link->m_onPacket)
                target->link->m_onPacket(packet, from);
        });
    }

    void request(const Address &to, const QByteArray &request, qint64 timeoutMs, Reply done) override
    {
        Node *target = m_net->find(to);
        Node *self = m_self;
        GossipNet *net = m_net;
        if (!net->reachable(self, target)) {
            // A crashed peer refuses at once; a partition is silence until the timeout.
            const bool refused = target && target->crashed && self->group == target->group;
            net->m_clock->schedule(refused ? net->hopDelay(self, target) : timeoutMs, [done] { done(std::nullopt); });
            return;
        }
        const qint64 there = net->hopDelay(self, target);
        const qint64 back = net->hopDelay(target, self);
        if (there + back > timeoutMs) {
            net->m_clock->schedule(timeoutMs, [done] { done(std::nullopt); });
            return;
        }
        const Address from = self->address;
        net->m_clock->schedule(there, [net, self, target, request, from, back, done] {
            QByteArray reply;
            if (net->reachable(self, target) && target->link->m_onStream)
                reply = target->link->m_onStream(request, from);
            net->m_clock->schedule(back, [net, self, reply, done] {
                if (reply.isEmpty() || self->crashed) {
                    done(std::nullopt);
                    return;
                }
                net->m_bytes += quint64(reply.size());
                done(reply);
            });
        });
    }

private:
    GossipNet *m_net;
    Node *m_self;
};

GossipNet::~GossipNet()
{
    for (Node *n : std::as_const(m_nodes))
        n->serf.reset(); // before the links they use
    qDeleteAll(m_nodes);
}

gossip::Serf *GossipNet::add(const QString &name, gossip::SerfConfig config,
                             const std::function<void(gossip::Serf::Options &)> &adjust)
{
    const int i = int(m_nodes.size()) + 1;
    auto *n = new Node;
    n->address = Address{QStringLiteral("10.%1.%2.%3").arg(i >> 16 & 255).arg(i >> 8 & 255).arg(i & 255), 8301};
    n->link = std::make_unique<Link>(this, n);
    gossip::Serf::Options o;
    o.name = name;
    o.advertise = n->address;
    o.tags = {{QStringLiteral("role"), QStringLiteral("node")}, {QStringLiteral("dc"), QStringLiteral("dc1")}};
    o.config = config;
    o.seed = m_random.next();
    if (adjust)
        adjust(o);
    n->serf = std::make_unique<gossip::Serf>(o, m_clock, n->link.get());
    m_nodes.append(n);
    m_byAddress.insert(n->address, n);
    return n->serf.get();
}

void GossipNet::crash(int i)
{
    m_nodes[i]->crashed = true;
    m_nodes[i]->serf.reset(); // its timers stop with it
}

void GossipNet::heal()
{
    for (Node *n : std::as_const(m_nodes))
        n->group = 0;
}

qint64 GossipNet::hopDelay(const Node *from, const Node *to)
{
    qint64 d = m_random.between(m_faults.minLatencyMs, m_faults.maxLatencyMs);
    for (const Node *n : {from, to}) {
        if (n && n->slow && m_faults.slowExtraMs > 0)
            d += m_random.between(0, m_faults.slowExtraMs);
    }
    return d;
}

} // namespace qonsul::sim

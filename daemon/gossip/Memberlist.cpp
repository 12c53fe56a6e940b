#include "gossip/Memberlist.h"

#include <QLoggingCategory>

#include <algorithm>
#include <cmath>

Q_LOGGING_CATEGORY(lcMemberlist, "agent.memberlist")

namespace qonsul::gossip {

namespace {
constexpr int kUserOverhead = 7; // the UserMsg wrapper: array, type and byte-string headers
}

Memberlist::Memberlist(const MemberlistConfig &config, const QString &name, const Address &advertise, Clock *clock,
                       Transport *transport, quint64 seed, MemberlistDelegate *delegate)
    : m_config(config)
    , m_name(name)
    , m_advertise(advertise)
    , m_clock(clock)
    , m_transport(transport)
    , m_random(seed)
    , m_delegate(delegate)
{
}

Memberlist::~Memberlist() { shutdown(); }

Clock::TimerId Memberlist::after(qint64 ms, std::function<void()> fn)
{
    std::weak_ptr<bool> alive = m_alive;
    return m_clock->schedule(ms, [alive, fn = std::move(fn)] {
        if (alive.lock())
            fn();
    });
}

void Memberlist::start(const QByteArray &meta)
{
    m_running = true;
    m_transport->setHandlers([this](const QByteArray &p, const Address &from) { handlePacket(p, from); },
                             [this](const QByteArray &r, const Address &from) { return handleStream(r, from); });
    aliveNode(Alive{++m_incarnation, m_name, m_advertise, meta}, true);
    // Spread the first ticks so members started together do not probe in lockstep.
    m_probeTimer = after(qint64(m_random.below(quint64(m_config.probeIntervalMs))) + 1, [this] { probeTick(); });
    m_gossipTimer = after(qint64(m_random.below(quint64(m_config.gossipIntervalMs))) + 1, [this] { gossipTick(); });
    m_pushPullTimer = after(m_config.pushPullIntervalMs + qint64(m_random.below(quint64(m_config.pushPullIntervalMs))),
                            [this] { pushPullTick(); });
}

void Memberlist::shutdown()
{
    if (!m_running)
        return;
    m_running = false;
    for (Clock::TimerId id : {m_probeTimer, m_gossipTimer, m_pushPullTimer})
        m_clock->cancel(id);
    for (const Suspicion &s : std::as_const(m_suspicions))
        m_clock->cancel(s.timer);
    m_suspicions.clear();
    m_acks.clear();
    m_alive = std::make_shared<bool>(true); // orphans every pending callback
    m_transport->setHandlers({}, {});
}

const NodeInfo *Memberlist::node(const QString &name) const
{
    const auto it = m_nodes.constFind(name);
    return it == m_nodes.constEnd() ? nullptr : &*it;
}

QList<NodeInfo> Memberlist::nodes() const { return m_nodes.values(); }

int Memberlist::aliveCount() const
{
    int n = 0;
    for (const NodeInfo &node : m_nodes)
        n += node.state == NodeState::Alive || node.state == NodeState::Suspect;
    return n;
}

void Memberlist::applyAwareness(int delta)
{
    m_awareness = std::clamp(m_awareness + delta, 0, m_config.awarenessMaxMultiplier - 1);
}

// ---- network ------------------------------------------------------------------------------

void Memberlist::sendPacket(const Address &to, const QByteArray &packet)
{
    ++m_stats.packetsSent;
    m_stats.bytesSent += quint64(packet.size());
    m_transport->sendPacket(to, packet);
}

void Memberlist::sendMessage(const Address &to, const Message &message)
{
    // Piggyback what fits of the broadcasts: ours first, then the layer above's.
    QList<QByteArray> parts{encodeMessage(message)};
    int budget = m_config.packetBudget - int(parts.first().size()) - packetOverhead(kMaxMessagesPerPacket);
    parts += m_broadcasts.take(0, budget, retransmitLimit()); // CBOR values need no framing
    for (qsizetype i = 1; i < parts.size(); ++i)
        budget -= int(parts.at(i).size());
    for (const QByteArray &user : m_delegate->userBroadcasts(kUserOverhead, budget))
        parts.append(encodeMessage(UserMsg{user}));
    while (parts.size() > kMaxMessagesPerPacket)
        parts.removeLast();
    sendPacket(to, encodePacket(parts));
}

void Memberlist::broadcast(const QString &key, const Message &message, BroadcastQueue::Finished finished)
{
    m_broadcasts.queue(key, encodeMessage(message), std::move(finished));
}

void Memberlist::handlePacket(const QByteArray &packet, const Address &from)
{
    if (!m_running)
        return;
    ++m_stats.packetsReceived;
    m_stats.bytesReceived += quint64(packet.size());
    const auto messages = decodePacket(packet);
    if (!messages) {
        ++m_stats.droppedPackets;
        qCDebug(lcMemberlist).noquote() << "Dropped an undecodable packet from" << from.toString();
        return;
    }
    for (const Message &m : *messages)
        handle(m, from);
}

QByteArray Memberlist::handleStream(const QByteArray &request, const Address &from)
{
    if (!m_running)
        return {};
    const auto message = decodeMessage(request);
    if (!message) {
        ++m_stats.droppedPackets;
        qCDebug(lcMemberlist).noquote() << "Dropped an undecodable stream from" << from.toString();
        return {};
    }
    if (const auto *ping = std::get_if<Ping>(&*message)) {
        if (!ping->target.isEmpty() && ping->target != m_name)
            return {};
        return encodeMessage(Ack{ping->seq, {}});
    }
    if (const auto *pp = std::get_if<PushPull>(&*message)) {
        // As memberlist: our state goes back even when theirs is refused.
        const QByteArray reply = encodeMessage(localPushPull(pp->join));
        if (const QString refused = mergeRemote(*pp); !refused.isEmpty())
            qCWarning(lcMemberlist).noquote() << QStringLiteral("Failed push/pull merge: %1 from=%2").arg(refused, from.toString());
        return reply;
    }
    ++m_stats.droppedPackets;
    return {};
}

void Memberlist::handle(const Message &message, const Address &from)
{
    std::visit(
        [&](const auto &m) {
            using T = std::decay_t<decltype(m)>;
            if constexpr (std::is_same_v<T, Ping>)
                handlePing(m, from);
            else if constexpr (std::is_same_v<T, IndirectPing>)
                handleIndirectPing(m, from);
            else if constexpr (std::is_same_v<T, Ack>)
                handleAck(m);
            else if constexpr (std::is_same_v<T, Nack>)
                handleNack(m.seq);
            else if constexpr (std::is_same_v<T, Suspect>)
                suspectNode(m);
            else if constexpr (std::is_same_v<T, Alive>)
                aliveNode(m, false);
            else if constexpr (std::is_same_v<T, Dead>)
                deadNode(m);
            else if constexpr (std::is_same_v<T, UserMsg>)
                m_delegate->notifyUserMessage(m.payload);
            else
                ++m_stats.droppedPackets; // push/pull only on streams (the decoder refuses it too)
        },
        message);
}

void Memberlist::handlePing(const Ping &ping, const Address &from)
{
    if (!ping.target.isEmpty() && ping.target != m_name) {
        ++m_stats.droppedPackets; // meant for whoever had this address before us
        return;
    }
    sendMessage(ping.sourceAddr.isValid() ? ping.sourceAddr : from, Ack{ping.seq, m_delegate->ackPayload()});
}

void Memberlist::handleIndirectPing(const IndirectPing &req, const Address &from)
{
    const Address origin = req.sourceAddr.isValid() ? req.sourceAddr : from;
    const quint32 seq = nextSeq();
    const quint32 theirs = req.seq;
    auto done = std::make_shared<bool>(false);
    m_acks.insert(seq, AckHandler{[this, origin, theirs, done](const QByteArray &) {
                                      *done = true;
                                      sendMessage(origin, Ack{theirs, {}});
                                  },
                                  {}});
    sendMessage(req.targetAddr, Ping{seq, req.target, m_name, m_advertise});
    after(m_config.probeTimeoutMs, [this, seq, origin, theirs, done, nack = req.nack] {
        m_acks.remove(seq);
        if (!*done && nack)
            sendMessage(origin, Nack{theirs});
    });
}

void Memberlist::handleAck(const Ack &ack)
{
    const auto it = m_acks.constFind(ack.seq);
    if (it != m_acks.constEnd() && it->onAck)
        it->onAck(ack.payload);
}

void Memberlist::handleNack(quint32 seq)
{
    const auto it = m_acks.constFind(seq);
    if (it != m_acks.constEnd() && it->onNack)
        it->onNack();
}

// ---- state transitions ----------------------------------------------------------------------

void Memberlist::aliveNode(const Alive &a, bool bootstrap)
{
    const bool isSelf = a.node == m_name;
    if (m_leaving && isSelf)
        return;
    if (!isSelf) {
        const QString refused = m_delegate->refuseNodes({NodeInfo{a.node, a.addr, a.meta, NodeState::Alive, a.incarnation, 0}});
        if (!refused.isEmpty()) {
            qCWarning(lcMemberlist).noquote() << QStringLiteral("ignoring alive message for '%1': %2").arg(a.node, refused);
            return;
        }
    }
    auto it = m_nodes.find(a.node);
    bool created = false;
    if (it == m_nodes.end()) {
        if (isSelf && !bootstrap)
            return; // gossip about a past life of ours before we started: refuted when it matters
        NodeInfo n;
        n.name = a.node;
        n.addr = a.addr;
        n.state = NodeState::Dead;
        n.stateChangeMs = m_clock->monotonicMs();
        it = m_nodes.insert(a.node, n);
        // A random place in the probe order, so a new member is not probed by everyone at once.
        m_probeOrder.insert(qsizetype(m_random.below(quint64(m_probeOrder.size()) + 1)), a.node);
        created = true;
    }
    NodeInfo &n = *it;
    bool reclaim = false;
    if (n.addr != a.addr) {
        const bool deadLongEnough = (n.state == NodeState::Dead || n.state == NodeState::Left)
            && m_clock->monotonicMs() - n.stateChangeMs >= m_config.deadNodeReclaimMs;
        if (!deadLongEnough) {
            qCWarning(lcMemberlist).noquote()
                << QStringLiteral("Conflicting address for %1. Mine: %2 Theirs: %3 Old state: %4")
                       .arg(a.node, n.addr.toString(), a.addr.toString())
                       .arg(int(n.state));
            return;
        }
        reclaim = true;
    }
    if (isSelf && !bootstrap) {
        if (a.incarnation < n.incarnation)
            return;
        if (a.incarnation == n.incarnation && a.meta == n.meta && a.addr == n.addr)
            return;
        refute(n, a.incarnation); // someone speaks for us with other data: overrule it
        return;
    }
    if (!created && !reclaim && a.incarnation <= n.incarnation)
        return;
    if (const auto s = m_suspicions.find(a.node); s != m_suspicions.end()) {
        m_clock->cancel(s->timer);
        m_suspicions.erase(s);
    }
    broadcast(a.node, a);
    const NodeState old = n.state;
    const bool changed = n.meta != a.meta || n.addr != a.addr;
    n.incarnation = a.incarnation;
    n.meta = a.meta;
    n.addr = a.addr;
    if (old != NodeState::Alive) {
        n.state = NodeState::Alive;
        n.stateChangeMs = m_clock->monotonicMs();
    }
    if (old == NodeState::Dead || old == NodeState::Left)
        m_delegate->notifyJoin(n);
    else if (changed)
        m_delegate->notifyUpdate(n);
}

void Memberlist::refute(NodeInfo &self, quint32 accused)
{
    m_incarnation = std::max(m_incarnation + 1, accused + 1);
    self.incarnation = m_incarnation;
    applyAwareness(1); // being suspected means we may be the slow one
    broadcast(m_name, Alive{self.incarnation, m_name, self.addr, self.meta});
}

void Memberlist::suspectNode(const Suspect &s)
{
    const auto it = m_nodes.find(s.node);
    if (it == m_nodes.end() || s.incarnation < it->incarnation)
        return;
    if (m_suspicions.contains(s.node)) {
        confirmSuspicion(s.node, s.from);
        return;
    }
    if (it->state != NodeState::Alive)
        return;
    if (s.node == m_name) {
        if (!m_leaving)
            refute(*it, s.incarnation);
        return;
    }
    broadcast(s.node, s);
    it->incarnation = s.incarnation;
    it->state = NodeState::Suspect;
    it->stateChangeMs = m_clock->monotonicMs();
    startSuspicion(*it, s.from);
}

void Memberlist::startSuspicion(NodeInfo &node, const QString &from)
{
    Suspicion s;
    const int n = aliveCount();
    s.k = m_config.suspicionMult - 2;
    if (n - 2 < s.k)
        s.k = 0; // too few members to expect independent confirmations
    s.minMs = m_config.suspicionMinMs(n);
    s.maxMs = qint64(m_config.suspicionMaxTimeoutMult) * s.minMs;
    s.startMs = m_clock->monotonicMs();
    s.incarnation = node.incarnation;
    s.confirmations.insert(from);
    rearmSuspicion(node.name, m_suspicions.insert(node.name, s).value());
}

void Memberlist::rearmSuspicion(const QString &name, Suspicion &s)
{
    // Lifeguard: timeout = max − (max − min) × log(c + 1) / log(k + 1), never below min, where c
    // counts confirmations beyond the first accuser.
    qint64 timeout = s.minMs;
    if (s.k >= 1) {
        const int c = int(s.confirmations.size()) - 1;
        const double frac = std::log(double(c) + 1.0) / std::log(double(s.k) + 1.0);
        timeout = std::max(s.minMs, qint64(std::floor(double(s.maxMs) - frac * double(s.maxMs - s.minMs))));
    }
    const qint64 remaining = std::max<qint64>(0, timeout - (m_clock->monotonicMs() - s.startMs));
    if (s.timer)
        m_clock->cancel(s.timer);
    s.timer = after(remaining, [this, name] {
        const auto sit = m_suspicions.find(name);
        if (sit == m_suspicions.end())
            return;
        const quint32 incarnation = sit->incarnation;
        m_suspicions.erase(sit);
        const auto nit = m_nodes.constFind(name);
        if (nit == m_nodes.constEnd() || nit->state != NodeState::Suspect || nit->incarnation != incarnation)
            return;
        qCInfo(lcMemberlist).noquote() << QStringLiteral("Marking %1 as failed, suspect timeout reached").arg(name);
        deadNode(Dead{incarnation, name, m_name});
    });
}

void Memberlist::confirmSuspicion(const QString &node, const QString &from)
{
    Suspicion &s = m_suspicions[node];
    if (int(s.confirmations.size()) - 1 >= s.k || s.confirmations.contains(from))
        return;
    s.confirmations.insert(from);
    rearmSuspicion(node, s);
    const NodeInfo &n = m_nodes[node];
    broadcast(node, Suspect{n.incarnation, node, from}); // pass the new confirmation on
}

void Memberlist::deadNode(const Dead &d)
{
    const auto it = m_nodes.find(d.node);
    if (it == m_nodes.end() || d.incarnation < it->incarnation)
        return;
    if (const auto s = m_suspicions.find(d.node); s != m_suspicions.end()) {
        m_clock->cancel(s->timer);
        m_suspicions.erase(s);
    }
    if (it->state == NodeState::Dead || it->state == NodeState::Left)
        return;
    if (d.node == m_name && !m_leaving) {
        refute(*it, d.incarnation);
        return;
    }
    broadcast(d.node, d);
    it->incarnation = d.incarnation;
    it->state = d.from == d.node ? NodeState::Left : NodeState::Dead;
    it->stateChangeMs = m_clock->monotonicMs();
    m_delegate->notifyLeave(*it);
}

// ---- periodic work --------------------------------------------------------------------------

void Memberlist::resetProbeOrder()
{
    // Forget members dead for longer than we gossip to them, then shuffle (Fisher–Yates).
    const qint64 now = m_clock->monotonicMs();
    for (auto it = m_nodes.begin(); it != m_nodes.end();) {
        const bool gone = (it->state == NodeState::Dead || it->state == NodeState::Left)
            && now - it->stateChangeMs > m_config.gossipToTheDeadMs && it->name != m_name;
        it = gone ? m_nodes.erase(it) : std::next(it);
    }
    m_probeOrder = m_nodes.keys();
    std::sort(m_probeOrder.begin(), m_probeOrder.end()); // hash order differs between runs
    for (qsizetype i = m_probeOrder.size() - 1; i > 0; --i)
        m_probeOrder.swapItemsAt(i, qsizetype(m_random.below(quint64(i) + 1)));
    m_probeIndex = 0;
}

void Memberlist::probeTick()
{
    m_probeTimer = after(scaled(m_config.probeIntervalMs), [this] { probeTick(); });
    for (int checked = 0; checked <= m_probeOrder.size(); ++checked) {
        if (m_probeIndex >= m_probeOrder.size()) {
            resetProbeOrder();
            if (m_probeOrder.isEmpty())
                return;
        }
        const QString name = m_probeOrder.at(m_probeIndex++);
        const auto it = m_nodes.constFind(name);
        if (it == m_nodes.constEnd() || name == m_name || it->state == NodeState::Dead || it->state == NodeState::Left)
            continue;
        probe(name);
        return;
    }
}

void Memberlist::probe(const QString &target)
{
    const NodeInfo node = m_nodes.value(target);
    const quint32 seq = nextSeq();
    const qint64 interval = scaled(m_config.probeIntervalMs);
    const qint64 timeout = scaled(m_config.probeTimeoutMs);
    struct Run
    {
        bool acked = false;
        int nacks = 0;
        int expectedNacks = 0;
    };
    auto run = std::make_shared<Run>();
    const qint64 sentMs = m_clock->monotonicMs();
    m_acks.insert(seq, AckHandler{[this, run, target, sentMs](const QByteArray &payload) {
                                      // Only a direct ack (it carries a payload) measures the round trip.
                                      if (!run->acked && !payload.isEmpty()) {
                                          if (const auto it = m_nodes.constFind(target); it != m_nodes.constEnd())
                                              m_delegate->notifyPingComplete(*it, m_clock->monotonicMs() - sentMs, payload);
                                      }
                                      run->acked = true;
                                  },
                                  [run] { ++run->nacks; }});
    sendMessage(node.addr, Ping{seq, target, m_name, m_advertise});

    after(timeout, [this, run, seq, node, interval, timeout] {
        if (run->acked)
            return;
        // Indirect probes through k other members, and one ping over a stream in case only
        // packets are being lost between us.
        const QList<QString> relays = randomNodes(m_config.indirectChecks, [&](const NodeInfo &n) {
            return n.name != node.name && n.state == NodeState::Alive;
        });
        for (const QString &relay : relays)
            sendMessage(m_nodes[relay].addr, IndirectPing{seq, node.name, node.addr, true, m_name, m_advertise});
        run->expectedNacks = int(relays.size());
        std::weak_ptr<bool> alive = m_alive;
        m_transport->request(node.addr, encodeMessage(Ping{seq, node.name, m_name, m_advertise}), interval - timeout,
                             [this, alive, run, seq](std::optional<QByteArray> reply) {
                                 if (!alive.lock())
                                     return;
                                 if (!reply) {
                                     ++m_stats.streamsFailed;
                                     return;
                                 }
                                 const auto m = decodeMessage(*reply);
                                 if (m && std::holds_alternative<Ack>(*m) && std::get<Ack>(*m).seq == seq)
                                     run->acked = true;
                             });
    });

    after(interval, [this, run, seq, node] {
        m_acks.remove(seq);
        if (run->acked) {
            applyAwareness(-1);
            return;
        }
        // Lifeguard: relays that did not even send a Nack suggest our own network is the problem.
        applyAwareness(run->expectedNacks > 0 ? run->expectedNacks - run->nacks : 1);
        const auto it = m_nodes.constFind(node.name);
        if (it == m_nodes.constEnd() || it->state == NodeState::Dead || it->state == NodeState::Left)
            return;
        qCDebug(lcMemberlist).noquote() << QStringLiteral("Suspect %1 has failed, no acks received").arg(node.name);
        suspectNode(Suspect{it->incarnation, node.name, m_name});
    });
}

QList<QString> Memberlist::randomNodes(int count, const std::function<bool(const NodeInfo &)> &accept)
{
    // Up to 3n random draws over the probe order, as memberlist's kRandomNodes does.
    QList<QString> out;
    const qsizetype n = m_probeOrder.size();
    for (qsizetype i = 0; i < 3 * n && out.size() < count; ++i) {
        const QString &name = m_probeOrder.at(qsizetype(m_random.below(quint64(n))));
        const auto it = m_nodes.constFind(name);
        if (name == m_name || it == m_nodes.constEnd() || out.contains(name) || !accept(*it))
            continue;
        out.append(name);
    }
    return out;
}

void Memberlist::gossipTick()
{
    m_gossipTimer = after(m_config.gossipIntervalMs, [this] { gossipTick(); });
    const qint64 now = m_clock->monotonicMs();
    // As memberlist: a dead member still gets gossip for a while (it may only seem dead, and
    // learns it so it can refute), one that left never: it is gone, and every transmit spent on it
    // is one fewer for the members still here (each broadcast goes out a fixed number of times).
    const QList<QString> targets = randomNodes(m_config.gossipNodes, [&](const NodeInfo &n) {
        if (n.state == NodeState::Alive || n.state == NodeState::Suspect)
            return true;
        return n.state == NodeState::Dead && now - n.stateChangeMs <= m_config.gossipToTheDeadMs;
    });
    for (const QString &t : targets) {
        QList<QByteArray> parts = m_broadcasts.take(0, m_config.packetBudget - 2, retransmitLimit());
        int used = 0;
        for (const QByteArray &p : parts)
            used += int(p.size());
        for (const QByteArray &user : m_delegate->userBroadcasts(kUserOverhead, m_config.packetBudget - 2 - used))
            parts.append(encodeMessage(UserMsg{user}));
        if (parts.isEmpty())
            return;
        while (parts.size() > kMaxMessagesPerPacket)
            parts.removeLast();
        sendPacket(m_nodes[t].addr, encodePacket(parts));
    }
}

void Memberlist::pushPullTick()
{
    m_pushPullTimer = after(m_config.pushPullScaled(aliveCount()), [this] { pushPullTick(); });
    const QList<QString> peer = randomNodes(1, [](const NodeInfo &n) { return n.state == NodeState::Alive; });
    if (peer.isEmpty())
        return;
    std::weak_ptr<bool> alive = m_alive;
    m_transport->request(m_nodes[peer.first()].addr, encodeMessage(localPushPull(false)), m_config.streamTimeoutMs,
                         [this, alive](std::optional<QByteArray> reply) {
                             if (!alive.lock())
                                 return;
                             const auto m = reply ? decodeMessage(*reply) : std::nullopt;
                             if (!m || !std::holds_alternative<PushPull>(*m)) {
                                 ++m_stats.streamsFailed;
                                 return;
                             }
                             if (const QString refused = mergeRemote(std::get<PushPull>(*m)); !refused.isEmpty())
                                 qCWarning(lcMemberlist).noquote() << "Failed push/pull merge:" << refused;
                         });
}

PushPull Memberlist::localPushPull(bool join) const
{
    PushPull pp;
    pp.join = join;
    pp.nodes.reserve(m_nodes.size());
    for (const NodeInfo &n : m_nodes)
        pp.nodes.append(PushNode{n.name, n.addr, n.meta, n.incarnation, n.state});
    std::sort(pp.nodes.begin(), pp.nodes.end(), [](const PushNode &a, const PushNode &b) { return a.name < b.name; });
    pp.userState = m_delegate->localState(join);
    return pp;
}

QString Memberlist::mergeRemote(const PushPull &remote)
{
    QList<NodeInfo> others;
    others.reserve(remote.nodes.size());
    for (const PushNode &n : remote.nodes) {
        if (n.name != m_name)
            others.append(NodeInfo{n.name, n.addr, n.meta, n.state, n.incarnation, 0});
    }
    if (const QString refused = m_delegate->refuseNodes(others); !refused.isEmpty())
        return refused;
    for (const PushNode &n : remote.nodes) {
        switch (n.state) {
        case NodeState::Alive:
            aliveNode(Alive{n.incarnation, n.name, n.addr, n.meta}, false);
            break;
        case NodeState::Left:
            deadNode(Dead{n.incarnation, n.name, n.name});
            break;
        case NodeState::Dead:
        case NodeState::Suspect:
            // Second-hand death is only a suspicion: we check for ourselves.
            suspectNode(Suspect{n.incarnation, n.name, m_name});
            break;
        }
    }
    if (!remote.userState.isEmpty())
        m_delegate->mergeRemoteState(remote.userState, remote.join);
    return {};
}

// ---- join, leave, meta ----------------------------------------------------------------------

void Memberlist::join(const QList<Address> &addresses, std::function<void(int joined, const QString &error)> done)
{
    struct Pending
    {
        int waiting;
        int joined = 0;
        std::function<void(int, const QString &)> done;
        QStringList errors;

        void finish()
        {
            // go-multierror's text, as Consul's join error shows it.
            QString text;
            if (joined == 0 && !errors.isEmpty()) {
                text = errors.size() == 1 ? QStringLiteral("1 error occurred:\n")
                                          : QStringLiteral("%1 errors occurred:\n").arg(errors.size());
                for (const QString &e : std::as_const(errors))
                    text += QStringLiteral("\t* ") + e + u'\n';
                text += u'\n';
            }
            done(joined, text);
        }
    };
    auto pending = std::make_shared<Pending>(Pending{int(addresses.size()), 0, std::move(done), {}});
    if (addresses.isEmpty()) {
        after(0, [pending] { pending->finish(); });
        return;
    }
    const QByteArray request = encodeMessage(localPushPull(true));
    std::weak_ptr<bool> alive = m_alive;
    for (const Address &a : addresses) {
        m_transport->request(a, request, m_config.streamTimeoutMs, [this, alive, pending, a](std::optional<QByteArray> reply) {
            if (alive.lock()) {
                const auto m = reply ? decodeMessage(*reply) : std::nullopt;
                const QString refused = !reply ? QStringLiteral("no reply from the member")
                                        : m && std::holds_alternative<PushPull>(*m) ? mergeRemote(std::get<PushPull>(*m))
                                                                                    : QStringLiteral("no push/pull reply");
                if (refused.isEmpty()) {
                    ++pending->joined;
                } else {
                    pending->errors.append(QStringLiteral("Failed to join %1: %2").arg(a.toString(), refused));
                    qCWarning(lcMemberlist).noquote() << pending->errors.constLast();
                }
            }
            if (--pending->waiting == 0)
                pending->finish();
        });
    }
}

void Memberlist::leave(qint64 timeoutMs, std::function<void()> done)
{
    auto finished = std::make_shared<std::function<void()>>(std::move(done));
    auto once = [finished] {
        if (*finished) {
            auto f = std::move(*finished);
            *finished = nullptr;
            f();
        }
    };
    const auto self = m_nodes.find(m_name);
    if (self == m_nodes.end() || !m_running) {
        after(0, once);
        return;
    }
    m_leaving = true;
    const bool anyoneElse = aliveCount() > 1;
    deadNode(Dead{self->incarnation, m_name, m_name});
    // deadNode queued the broadcast under our name; wait for it to be sent its share of times.
    if (!anyoneElse) {
        after(0, once);
        return;
    }
    m_broadcasts.queue(m_name, encodeMessage(Dead{self->incarnation, m_name, m_name}),
                       [this, once] { after(0, once); });
    after(timeoutMs, once);
}

void Memberlist::setMeta(const QByteArray &meta)
{
    const auto self = m_nodes.find(m_name);
    if (self == m_nodes.end())
        return;
    m_incarnation = std::max(m_incarnation, self->incarnation) + 1;
    aliveNode(Alive{m_incarnation, m_name, m_advertise, meta}, true);
}

} // namespace qonsul::gossip

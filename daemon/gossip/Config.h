#pragma once
// Tunables of the gossip layers, with Consul's defaults (memberlist's DefaultLANConfig and
// DefaultWANConfig as Consul applies them to its LAN and WAN pools, and Consul's Serf settings).
// Every duration is in milliseconds of the injected Clock.
#include <QtGlobal>

#include <cmath>

namespace qonsul::gossip {

struct MemberlistConfig
{
    // One member is probed every probeIntervalMs × (awareness + 1) (Lifeguard's local health
    // awareness lengthens it while this node itself misses acks). A probe not acked within
    // probeTimeoutMs × (awareness + 1) asks indirectChecks other members to probe it, and tries
    // the stream half once as a fallback.
    qint64 probeIntervalMs = 1000;
    qint64 probeTimeoutMs = 500;
    int indirectChecks = 3;
    int awarenessMaxMultiplier = 8;
    // Broadcasts are piggybacked on probes and sent to gossipNodes random members every
    // gossipIntervalMs, each at most retransmitMult × ceil(log10(N + 1)) times; members that are
    // dead still get gossip for gossipToTheDeadMs so they learn it and can refute.
    qint64 gossipIntervalMs = 200;
    int gossipNodes = 3;
    int retransmitMult = 4;
    qint64 gossipToTheDeadMs = 30000;
    // Lifeguard suspicion: a suspect is declared dead after a timeout that starts at
    // suspicionMaxTimeoutMult × min and shrinks, with each independent confirmation, to
    // min = suspicionMult × max(1, log10(N)) × probeIntervalMs.
    int suspicionMult = 4;
    int suspicionMaxTimeoutMult = 6;
    // Full state exchange over a stream with one random member every pushPullIntervalMs, scaled
    // up beyond 32 members (pushPullScale) so the total cost stays flat as the cluster grows.
    qint64 pushPullIntervalMs = 30000;
    qint64 streamTimeoutMs = 10000; // memberlist's TCPTimeout
    // Budget of one packet: messages are batched into a compound packet up to this size.
    int packetBudget = 1400; // memberlist's UDPBufferSize
    // A dead member's name may be taken by a new address after this long (0: at once).
    qint64 deadNodeReclaimMs = 0;

    static MemberlistConfig lan() { return {}; }
    static MemberlistConfig wan()
    {
        MemberlistConfig c;
        c.probeIntervalMs = 5000;
        c.probeTimeoutMs = 3000;
        c.gossipIntervalMs = 500;
        c.gossipNodes = 4;
        c.suspicionMult = 6;
        c.gossipToTheDeadMs = 60000;
        c.pushPullIntervalMs = 60000;
        c.streamTimeoutMs = 30000;
        return c;
    }

    // retransmitMult × ceil(log10(n + 1))
    int retransmitLimit(int n) const { return retransmitMult * int(std::ceil(std::log10(double(n) + 1.0))); }
    // memberlist's pushPullScale: the interval × (ceil(log2(n) − log2(32)) + 1) above 32 members.
    qint64 pushPullScaled(int n) const
    {
        if (n <= 32)
            return pushPullIntervalMs;
        const double mult = std::ceil(std::log2(double(n)) - std::log2(32.0)) + 1.0;
        return qint64(double(pushPullIntervalMs) * mult);
    }
    // suspicionMult × max(1, log10(n)) × probeIntervalMs
    qint64 suspicionMinMs(int n) const
    {
        const double nodeScale = std::max(1.0, std::log10(std::max(1.0, double(n))));
        return qint64(double(suspicionMult) * nodeScale * double(probeIntervalMs));
    }
};

struct SerfConfig
{
    MemberlistConfig memberlist;
    qint64 reapIntervalMs = 15000;
    qint64 reconnectIntervalMs = 30000;
    qint64 reconnectTimeoutMs = 72ll * 3600 * 1000; // Consul's reconnect_timeout
    qint64 tombstoneTimeoutMs = 24ll * 3600 * 1000; // left members are forgotten after this
    qint64 leavePropagateDelayMs = 3000;          // a leave waits this long for its gossip
    qint64 broadcastTimeoutMs = 5000;             // upper bound of waiting for a leave intent to go out
    int eventBufferSize = 512;                    // user events remembered for de-duplication
    int maxQueueDepth = 4096;                     // intents and events queued for gossip

    static SerfConfig lan() { return {}; }
    static SerfConfig wan()
    {
        SerfConfig c;
        c.memberlist = MemberlistConfig::wan();
        return c;
    }
};

} // namespace qonsul::gossip

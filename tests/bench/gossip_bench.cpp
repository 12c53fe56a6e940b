// qonsul-gossip-bench: the gossip layer in the deterministic simulation (tests/sim/GossipSim),
// with Consul's LAN timing (probe 1 s, gossip 200 ms to 3 members, retransmit mult 4), 1-20 ms
// links. For each cluster size it prints how long a user event takes to reach 50 / 99 / 99.9 /
// 100 % of the members, how long a crash takes to be known by all, and the gossip bytes per
// member and second at steady state.
//
//   qonsul-gossip-bench [sizes...]            default: 100 300 1000
//   qonsul-gossip-bench --model [sizes...]    default: 100 300 1000 2000 5000 10000
//
// The real code keeps a full member list in every member, so one process holding N of them
// needs N^2 member records (about 1.4 KB each here: ~490 MB at 600 members, ~140 GB at 10,000).
// --model therefore follows only the broadcast of one user event through N members, with the
// rules the real code applies to it: the same BroadcastQueue with the retransmit limit
// mult x ceil(log10(N + 1)), one take per gossip target (3 random members every 200 ms, each
// member on its own phase), piggybacking on every probe (one random member a second) and on
// its ack, and 1-20 ms links. Membership is static and complete, which is what the real
// simulation reaches before it fires its event. Ten seeds per size; it prints the mean of each
// percentile and the worst run.
#include "GossipSim.h"

#include <QCoreApplication>
#include <QElapsedTimer>
#include <QFile>
#include <QLoggingCategory>

#include "core/SplitMix64.h"
#include "gossip/BroadcastQueue.h"
#include "gossip/Config.h"

#include <algorithm>
#include <cstdio>
#include <memory>
#include <queue>
#include <vector>

using namespace qonsul;
using namespace qonsul::gossip;
using namespace qonsul::sim;

namespace {

struct Cluster
{
    test::SimClock clock;
    GossipNet net{&clock, 42};
    QList<qint64> eventAt; // per member: when the event arrived, -1 before
    QList<qint64> failedAt;
    int crashed = -1;

    explicit Cluster(int n)
    {
        for (int i = 0; i < n; ++i) {
            Serf *s = net.add(QStringLiteral("node-%1").arg(i), SerfConfig::lan());
            eventAt.append(-1);
            failedAt.append(-1);
            QObject::connect(s, &Serf::userEvent, [this, i](const UserEvent &) { eventAt[i] = clock.monotonicMs(); });
            QObject::connect(s, &Serf::memberFailed, [this, i](const Member &) {
                if (failedAt[i] < 0)
                    failedAt[i] = clock.monotonicMs();
            });
        }
    }
    bool converged() const
    {
        for (int i = 0; i < net.size(); ++i) {
            if (i != crashed && net.serf(i)->stats().alive != net.size() - (crashed >= 0))
                return false;
        }
        return true;
    }
};

// VmHWM: the most memory the process has held (every member's full member list).
double peakRssMb()
{
    QFile status(QStringLiteral("/proc/self/status"));
    if (!status.open(QIODevice::ReadOnly))
        return 0;
    for (const QByteArray &line : status.readAll().split('\n')) {
        if (line.startsWith("VmHWM:"))
            return line.mid(6).trimmed().split(' ').first().toDouble() / 1024.0;
    }
    return 0;
}

qint64 percentile(QList<qint64> times, double p)
{
    std::sort(times.begin(), times.end());
    const qsizetype index = std::min(times.size() - 1, qsizetype(double(times.size()) * p + 0.999999) - 1);
    return times.at(std::max<qsizetype>(0, index));
}

void run(int n)
{
    QElapsedTimer wall;
    wall.start();
    Cluster c(n);
    // Everyone joins through member 0, 5 ms apart, then the pool settles.
    for (int i = 0; i < n; ++i) {
        c.net.serf(i)->start();
        if (i > 0)
            c.net.serf(i)->join({c.net.address(0)}, [](int, const QString &) {});
        c.clock.advance(5);
    }
    qint64 settle = 0;
    while (!c.converged() && settle < 600000) {
        c.clock.advance(1000);
        settle += 1000;
    }
    c.clock.advance(30000); // queues drain
    // Steady state traffic over 60 s.
    const quint64 bytesBefore = c.net.bytes();
    const quint64 packetsBefore = c.net.packets();
    c.clock.advance(60000);
    const double bytesPerMemberSecond = double(c.net.bytes() - bytesBefore) / n / 60.0;
    const double packetsPerMemberSecond = double(c.net.packets() - packetsBefore) / n / 60.0;

    // One user event from member 0.
    const qint64 fired = c.clock.monotonicMs();
    QString error;
    c.net.serf(0)->fireEvent(QStringLiteral("bench"), "payload", &error);
    // Until every member has it (at most 20 s): arrival times are stamped as they happen.
    for (qint64 waited = 0; waited < 20000 && c.eventAt.contains(-1); waited += 250)
        c.clock.advance(250);
    QList<qint64> spread;
    int missed = 0;
    for (qint64 t : std::as_const(c.eventAt)) {
        if (t < 0)
            ++missed;
        else
            spread.append(t - fired);
    }

    // One crash.
    c.crashed = n / 2;
    const qint64 crashAt = c.clock.monotonicMs();
    c.net.crash(c.crashed);
    // Until every other member declared it failed (at most 120 s).
    auto allKnow = [&] {
        for (int i = 0; i < n; ++i) {
            if (i != c.crashed && c.failedAt[i] < 0)
                return false;
        }
        return true;
    };
    for (qint64 waited = 0; waited < 120000 && !allKnow(); waited += 250)
        c.clock.advance(250);
    QList<qint64> detect;
    int undetected = 0;
    for (int i = 0; i < n; ++i) {
        if (i == c.crashed)
            continue;
        if (c.failedAt[i] < 0)
            ++undetected;
        else
            detect.append(c.failedAt[i] - crashAt);
    }
    // Lifeguard's suspicion timeout for this size (docs/benchmarks.md derives the expected
    // detection time from it).
    const MemberlistConfig lan = MemberlistConfig::lan();
    const qint64 suspicionMin = lan.suspicionMinMs(n);
    std::printf("members=%d converged_after_joins_ms=%lld event_ms p50=%lld p99=%lld p99.9=%lld max=%lld missed=%d "
                "crash_known_ms first=%lld p50=%lld all=%lld undetected=%d suspicion_timeout_ms min=%lld max=%lld "
                "steady_bytes_per_member_s=%.0f packets_per_member_s=%.1f wall_s=%.1f peak_rss_mb=%.0f\n",
                n, settle, percentile(spread, 0.5), percentile(spread, 0.99), percentile(spread, 0.999),
                percentile(spread, 1.0), missed, percentile(detect, 0.0), percentile(detect, 0.5), percentile(detect, 1.0),
                undetected, suspicionMin, suspicionMin * lan.suspicionMaxTimeoutMult, bytesPerMemberSecond,
                packetsPerMemberSecond, double(wall.elapsed()) / 1000.0, peakRssMb());
    std::fflush(stdout);
}

// One event spreading through n members under the model above; per member the arrival time
// (ms after firing) or -1.
std::vector<qint64> modelSpread(int n, quint64 seed)
{
    const MemberlistConfig config = MemberlistConfig::lan();
    const int limit = config.retransmitLimit(n);
    SplitMix64 random(seed);
    enum Kind { Gossip, Probe, Deliver };
    struct Event
    {
        qint64 at;
        quint64 seq;
        Kind kind;
        int member;
        bool operator>(const Event &o) const { return at != o.at ? at > o.at : seq > o.seq; }
    };
    std::priority_queue<Event, std::vector<Event>, std::greater<>> events;
    quint64 seq = 0;
    auto schedule = [&](qint64 at, Kind kind, int member) { events.push(Event{at, seq++, kind, member}); };
    auto latency = [&] { return 1 + qint64(random.below(20)); };
    auto other = [&](int self) {
        const int o = int(random.below(quint64(n - 1)));
        return o >= self ? o + 1 : o;
    };
    std::vector<qint64> arrived(size_t(n), -1);
    std::vector<qint64> gossipPhase(static_cast<size_t>(n));
    std::vector<std::unique_ptr<BroadcastQueue>> queues(static_cast<size_t>(n));
    for (int i = 0; i < n; ++i) {
        gossipPhase[size_t(i)] = qint64(random.below(quint64(config.gossipIntervalMs)));
        schedule(qint64(random.below(quint64(config.probeIntervalMs))), Probe, i);
    }
    // Sends what member `from` has queued (one transmit) to `to`, if anything.
    auto piggyback = [&](int from, int to, qint64 now) {
        BroadcastQueue *q = queues[size_t(from)].get();
        if (q && !q->take(0, config.packetBudget, limit).isEmpty())
            schedule(now + latency(), Deliver, to);
    };
    auto receive = [&](int member, qint64 now) {
        if (arrived[size_t(member)] >= 0)
            return;
        arrived[size_t(member)] = now;
        queues[size_t(member)] = std::make_unique<BroadcastQueue>();
        queues[size_t(member)]->queue(QString(), QByteArray("event"));
        const qint64 phase = gossipPhase[size_t(member)];
        schedule(phase + ((now - phase) / config.gossipIntervalMs + 1) * config.gossipIntervalMs, Gossip, member);
    };
    receive(0, 0);
    int reached = 1;
    while (!events.empty() && reached < n) {
        const Event e = events.top();
        events.pop();
        switch (e.kind) {
        case Gossip: {
            BroadcastQueue *q = queues[size_t(e.member)].get();
            if (q->size() == 0)
                break; // sent `limit` times: this member has nothing more to gossip
            for (int i = 0; i < config.gossipNodes; ++i)
                piggyback(e.member, other(e.member), e.at);
            schedule(e.at + config.gossipIntervalMs, Gossip, e.member);
            break;
        }
        case Probe: {
            // A ping carries the prober's broadcasts; the ack, sent when the ping arrives,
            // the target's.
            const int target = other(e.member);
            piggyback(e.member, target, e.at);
            const qint64 pingArrives = e.at + latency();
            if (queues[size_t(target)] && arrived[size_t(target)] <= pingArrives)
                piggyback(target, e.member, pingArrives);
            schedule(e.at + config.probeIntervalMs, Probe, e.member);
            break;
        }
        case Deliver:
            if (arrived[size_t(e.member)] < 0)
                ++reached;
            receive(e.member, e.at);
            break;
        }
    }
    return arrived;
}

void runModel(int n)
{
    constexpr int kSeeds = 10;
    QElapsedTimer wall;
    wall.start();
    double sum[4] = {};
    qint64 worst[4] = {};
    int missed = 0;
    for (int seed = 1; seed <= kSeeds; ++seed) {
        QList<qint64> spread;
        for (qint64 t : modelSpread(n, quint64(seed) * 7919)) {
            if (t < 0)
                ++missed;
            else
                spread.append(t);
        }
        const double ps[4] = {0.5, 0.99, 0.999, 1.0};
        for (int i = 0; i < 4; ++i) {
            const qint64 v = percentile(spread, ps[i]);
            sum[i] += double(v);
            worst[i] = std::max(worst[i], v);
        }
    }
    std::printf("model members=%d seeds=%d event_ms mean p50=%.0f p99=%.0f p99.9=%.0f max=%.0f worst_p99.9=%lld worst_max=%lld "
                "missed=%d retransmit_limit=%d wall_s=%.1f\n",
                n, kSeeds, sum[0] / kSeeds, sum[1] / kSeeds, sum[2] / kSeeds, sum[3] / kSeeds, worst[2], worst[3], missed,
                MemberlistConfig::lan().retransmitLimit(n), double(wall.elapsed()) / 1000.0);
    std::fflush(stdout);
}

} // namespace

int main(int argc, char **argv)
{
    QCoreApplication app(argc, argv);
    QLoggingCategory::setFilterRules(QStringLiteral("agent.*=false"));
    QList<int> sizes;
    const bool model = argc > 1 && qstrcmp(argv[1], "--model") == 0;
    for (int i = model ? 2 : 1; i < argc; ++i)
        sizes.append(std::atoi(argv[i]));
    if (sizes.isEmpty())
        sizes = model ? QList<int>{100, 300, 1000, 2000, 5000, 10000} : QList<int>{100, 300, 1000};
    for (int n : sizes) {
        if (model)
            runModel(n);
        else
            run(n);
    }
    return 0;
}

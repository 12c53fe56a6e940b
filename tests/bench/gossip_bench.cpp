// qonsul-gossip-bench: the gossip layer in the deterministic simulation (tests/sim/GossipSim),
// with Consul's LAN timing (probe 1 s, gossip 200 ms to 3 members, retransmit mult 4), 1-20 ms
// links. For each cluster size it prints how long a user event takes to reach 50 / 99 / 99.9 /
// 100 % of the members, how long a crash takes to be known by all, and the gossip bytes per
// member and second at steady state.
//
//   qonsul-gossip-bench [sizes...]      default: 100 300 1000
#include "GossipSim.h"

#include <QCoreApplication>
#include <QElapsedTimer>
#include <QLoggingCategory>

#include <algorithm>
#include <cstdio>

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
            c.net.serf(i)->join({c.net.address(0)}, [](int) {});
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
    c.clock.advance(20000);
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
    c.clock.advance(120000);
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
    std::printf("members=%d converged_after_joins_ms=%lld event_ms p50=%lld p99=%lld p99.9=%lld max=%lld missed=%d "
                "crash_known_ms first=%lld p50=%lld all=%lld undetected=%d steady_bytes_per_member_s=%.0f "
                "packets_per_member_s=%.1f wall_s=%.1f\n",
                n, settle, percentile(spread, 0.5), percentile(spread, 0.99), percentile(spread, 0.999),
                percentile(spread, 1.0), missed, percentile(detect, 0.0), percentile(detect, 0.5), percentile(detect, 1.0),
                undetected, bytesPerMemberSecond, packetsPerMemberSecond, double(wall.elapsed()) / 1000.0);
    std::fflush(stdout);
}

} // namespace

int main(int argc, char **argv)
{
    QCoreApplication app(argc, argv);
    QLoggingCategory::setFilterRules(QStringLiteral("agent.*=false"));
    QList<int> sizes;
    for (int i = 1; i < argc; ++i)
        sizes.append(std::atoi(argv[i]));
    if (sizes.isEmpty())
        sizes = {100, 300, 1000};
    for (int n : sizes)
        run(n);
    return 0;
}

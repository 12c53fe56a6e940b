#pragma once
// Client agents spread over their datacenter's servers as Consul's server manager
// (agent/router/manager.go) makes them: every so often the client shuffles its rotation and
// moves to the first server of the new order that answers a Status.Ping, so clients that were
// started together, or that all fled one failed server, do not keep using one server for good.
//
// The pause between two rebalances is Consul's: at least the minimum reuse time (2 min) plus up
// to half of it at random, and longer in large clusters so that all clients together open at
// most 64 new connections per second and server.
#include <QString>
#include <QStringList>

#include <functional>
#include <memory>

namespace qonsul {
class Clock;
}
namespace qonsul::rpc {
class ConnectionPool;
}

namespace qonsul::cluster {

class ServerList;

// Consul's Status.Ping: any server answers it (true) without touching Raft.
inline const QString kPingMethod = QStringLiteral("Status.Ping");

class ServerRebalancer
{
public:
    // `lanMembers` counts the LAN pool (Consul scales the interval with it). `minReuseMs` is
    // Consul's clientRPCMinReuseDuration, 2 minutes; only tests shorten it.
    ServerRebalancer(Clock *clock, rpc::ConnectionPool *pool, ServerList *servers, std::function<int()> lanMembers,
                     qint64 minReuseMs, qint64 pingTimeoutMs);
    ~ServerRebalancer();

    void start();
    // The pause before the next rebalance; `jitter` in [0, 1) picks the random part.
    static qint64 interval(int servers, int lanMembers, qint64 minReuseMs, double jitter);

private:
    void scheduleNext();
    void rebalance();
    void tryFirst(QStringList order, int tried);

    Clock *m_clock;
    rpc::ConnectionPool *m_pool;
    ServerList *m_servers;
    std::function<int()> m_lanMembers;
    qint64 m_minReuseMs;
    qint64 m_pingTimeoutMs;
    quint64 m_timer = 0;
    std::shared_ptr<bool> m_alive = std::make_shared<bool>(true); // for pool callbacks after we are gone
};

} // namespace qonsul::cluster

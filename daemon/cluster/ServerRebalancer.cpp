#include "cluster/ServerRebalancer.h"
#include "cluster/ServerList.h"

#include "core/Clock.h"
#include "rpc/ConnectionPool.h"

#include <QLoggingCategory>
#include <QRandomGenerator>

#include <algorithm>

namespace qonsul::cluster {

namespace {
Q_LOGGING_CATEGORY(lcManager, "agent.client.manager")

// Consul's newRebalanceConnsPerSecPerServer.
constexpr double kConnsPerSecPerServer = 64;
} // namespace

ServerRebalancer::ServerRebalancer(Clock *clock, rpc::ConnectionPool *pool, ServerList *servers,
                                   std::function<int()> lanMembers, qint64 minReuseMs, qint64 pingTimeoutMs)
    : m_clock(clock)
    , m_pool(pool)
    , m_servers(servers)
    , m_lanMembers(std::move(lanMembers))
    , m_minReuseMs(minReuseMs)
    , m_pingTimeoutMs(pingTimeoutMs)
{
}

ServerRebalancer::~ServerRebalancer()
{
    if (m_timer)
        m_clock->cancel(m_timer);
}

void ServerRebalancer::start()
{
    scheduleNext();
}

qint64 ServerRebalancer::interval(int servers, int lanMembers, qint64 minReuseMs, double jitter)
{
    const qint64 low = minReuseMs + qint64(jitter * double(minReuseMs / 2));
    const double rate = double(servers) * kConnsPerSecPerServer;
    if (rate <= 0)
        return low;
    return std::max(low, qint64(1000.0 * double(lanMembers) / rate));
}

void ServerRebalancer::scheduleNext()
{
    const qint64 pause = interval(int(m_servers->rotation().size()), m_lanMembers(), m_minReuseMs,
                                  QRandomGenerator::global()->generateDouble());
    m_timer = m_clock->schedule(pause, [this] {
        m_timer = 0;
        rebalance();
    });
}

void ServerRebalancer::rebalance()
{
    QStringList order = m_servers->rotation();
    for (qsizetype i = order.size() - 1; i > 0; --i)
        order.swapItemsAt(i, qsizetype(QRandomGenerator::global()->bounded(quint32(i + 1))));
    tryFirst(std::move(order), 0);
}

void ServerRebalancer::tryFirst(QStringList order, int tried)
{
    if (order.isEmpty() || tried >= order.size()) {
        qCDebug(lcManager) << "No healthy servers during rebalance, aborting";
        scheduleNext();
        return;
    }
    const QString address = order.constFirst();
    m_pool->call(address, kPingMethod, {}, int(m_pingTimeoutMs),
                 [this, alive = std::weak_ptr<bool>(m_alive), order, tried, address](const QCborValue &, const QString &error) mutable {
                     if (!alive.lock())
                         return;
                     if (!error.isEmpty()) {
                         qCDebug(lcManager).noquote() << QStringLiteral("pinging server failed: server=\"%1\" error=\"%2\"")
                                                             .arg(m_servers->describe(address), error);
                         order.append(order.takeFirst());
                         tryFirst(std::move(order), tried + 1);
                         return;
                     }
                     // Gossip may have removed that server while it was pinged: then keep the
                     // current order until the next rebalance, as Consul does.
                     if (m_servers->adoptRotation(order))
                         qCDebug(lcManager).noquote() << QStringLiteral("Rebalanced servers, new active server: number_of_servers=%1 active_server=\"%2\"")
                                                             .arg(m_servers->rotation().size())
                                                             .arg(m_servers->describe(m_servers->target()));
                     scheduleNext();
                 });
}

} // namespace qonsul::cluster

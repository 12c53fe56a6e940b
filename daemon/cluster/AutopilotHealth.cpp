#include "cluster/AutopilotHealth.h"

#include "core/Duration.h"

namespace qonsul::cluster {

bool autopilotHealthy(const AutopilotStats &server, quint64 leaderTerm, quint64 leaderLastIndex,
                      const config::AutopilotConfig &config, qint64 heartbeatIntervalMs)
{
    if (server.nodeStatus != u"alive" || server.lastContactMs < 0)
        return false;
    const qint64 late = std::max<qint64>(0, server.lastContactMs - heartbeatIntervalMs);
    if (late * kMillisecond > config.lastContactThreshold)
        return false;
    if (server.lastTerm != leaderTerm)
        return false;
    return server.lastIndex + quint64(std::max(0, config.maxTrailingLogs)) >= leaderLastIndex;
}

qint64 AutopilotStability::observe(const QString &id, bool healthy, qint64 nowMs, qint64 wallMs)
{
    const auto it = m_servers.find(id);
    if (it == m_servers.end()) {
        m_servers.insert(id, Entry{healthy, nowMs, wallMs});
        return wallMs;
    }
    if (it->healthy != healthy)
        *it = Entry{healthy, nowMs, wallMs};
    return it->sinceWallMs;
}

bool AutopilotStability::stable(const QString &id, qint64 nowMs, qint64 stabilizationMs) const
{
    const auto it = m_servers.constFind(id);
    return it != m_servers.cend() && it->healthy && nowMs - it->sinceMs >= stabilizationMs;
}

void AutopilotStability::retainOnly(const QList<QString> &ids)
{
    m_servers.removeIf([&ids](const auto &entry) { return !ids.contains(entry.key()); });
}

} // namespace qonsul::cluster

#pragma once
// Autopilot's view of one server, as Consul's raft-autopilot keeps it on the leader: whether
// the server is healthy under the autopilot configuration, and since when it has been in its
// current health state (StableSince), which decides when a non-voter is promoted.
#include <QHash>
#include <QString>

#include "config/AgentConfig.h"

namespace qonsul::cluster {

struct AutopilotStats
{
    QString nodeStatus;        // alive, failed, left, unknown (as gossip shows the server)
    qint64 lastContactMs = -1; // since the leader last heard from it; -1 never in this term
    quint64 lastTerm = 0;      // the term it is known to be in (0: unknown)
    quint64 lastIndex = 0;     // how far its log is known to reach
};

// Healthy: alive in gossip, heard from within last_contact_threshold, in the leader's term, and
// at most max_trailing_logs behind the leader's last index. The leader sends heartbeats every
// `heartbeatIntervalMs`, so a server that answers each of them is in contact even when they are
// further apart than the threshold (raft_multiplier 5 sends one every 500 ms): only the time
// past the heartbeat it was due to answer counts.
bool autopilotHealthy(const AutopilotStats &server, quint64 leaderTerm, quint64 leaderLastIndex,
                      const config::AutopilotConfig &config, qint64 heartbeatIntervalMs);

// StableSince per server: the moment its health last changed (or it was first seen).
class AutopilotStability
{
public:
    // Records the server's health at `nowMs` (monotonic; `wallMs` the same moment on the wall
    // clock) and returns its StableSince on the wall clock.
    qint64 observe(const QString &id, bool healthy, qint64 nowMs, qint64 wallMs);
    // Healthy without a change for at least `stabilizationMs` (monotonic).
    bool stable(const QString &id, qint64 nowMs, qint64 stabilizationMs) const;
    qint64 stableSince(const QString &id) const { return m_servers.value(id).sinceWallMs; }
    void retainOnly(const QList<QString> &ids); // forget servers no longer in the configuration
    void clear() { m_servers.clear(); }         // a new leader starts over, as Consul's does

private:
    struct Entry
    {
        bool healthy = false;
        qint64 sinceMs = 0;
        qint64 sinceWallMs = 0;
    };
    QHash<QString, Entry> m_servers;
};

} // namespace qonsul::cluster

#include "cluster/AutopilotHealth.h"

#include "core/Duration.h"

#include <algorithm>

using namespace Qt::StringLiterals;

namespace qonsul::cluster {

bool autopilotHealthy(const QString &nodeStatus, const AutopilotStats &stats, quint64 leaderLastTerm,
                      quint64 leaderLastIndex, const config::AutopilotConfig &config, qint64 heartbeatIntervalMs)
{
    if (leaderLastIndex == 0 || leaderLastTerm == 0)
        return false; // Raft has no log yet: nothing is healthy
    if (nodeStatus != u"alive" || stats.lastContactMs < 0)
        return false;
    const qint64 late = std::max<qint64>(0, stats.lastContactMs - heartbeatIntervalMs);
    if (late * kMillisecond > config.lastContactThreshold)
        return false;
    if (stats.lastTerm != leaderLastTerm)
        return false;
    return stats.lastIndex + quint64(std::max(0, config.maxTrailingLogs)) >= leaderLastIndex;
}

QCborMap encodeRaftStats(const AutopilotStats &stats)
{
    return QCborMap{{u"LastContact"_s, stats.lastContactMs},
                    {u"LastTerm"_s, qint64(stats.lastTerm)},
                    {u"LastIndex"_s, qint64(stats.lastIndex)}};
}

bool decodeRaftStats(const QCborValue &value, AutopilotStats *out, QString *error)
{
    const QCborMap map = value.toMap();
    const QCborValue contact = map.value(u"LastContact"_s), term = map.value(u"LastTerm"_s),
                     index = map.value(u"LastIndex"_s);
    if (!value.isMap() || !contact.isInteger() || !term.isInteger() || !index.isInteger() || term.toInteger() < 0
        || index.toInteger() < 0) {
        *error = u"malformed raft stats"_s;
        return false;
    }
    *out = AutopilotStats{std::max<qint64>(0, contact.toInteger()), quint64(term.toInteger()), quint64(index.toInteger())};
    return true;
}

namespace {
using Server = http::v1::RaftBackend::AutopilotServer;

// raft-autopilot's ServerLessThan: the leader first, voters before the others, then healthy
// before unhealthy, the longer stable first among the healthy (the shorter among the
// unhealthy), and by ID when all else is equal.
bool serverLessThan(const Server &a, const Server &b)
{
    // (Irreflexive, as std::sort needs: the leader is not before itself.)
    if (a.status == u"leader" || b.status == u"leader")
        return a.status == u"leader" && b.status != u"leader";
    const bool aVoter = a.status == u"voter", bVoter = b.status == u"voter";
    if (aVoter != bVoter)
        return aVoter;
    if (a.healthy != b.healthy)
        return a.healthy;
    if (a.stableSinceMs < b.stableSinceMs)
        return a.healthy;
    if (b.stableSinceMs < a.stableSinceMs)
        return !a.healthy;
    return a.id < b.id;
}
} // namespace

QStringList serversToPrune(const QList<raft::Server> &configuration, const QSet<QString> &known,
                           const QStringList &failed, int minQuorum)
{
    QHash<QString, bool> remaining; // server ID → a current voter
    for (const raft::Server &s : configuration)
        remaining.insert(s.id, s.suffrage == raft::Suffrage::Voter);
    QStringList sorted = failed;
    std::sort(sorted.begin(), sorted.end());
    QStringList out;
    for (const bool voters : {false, true}) {
        int potential = 0; // raft-autopilot's adjudicateRemoval, one batch
        for (auto it = remaining.cbegin(); it != remaining.cend(); ++it)
            potential += known.contains(it.key());
        int maxRemoval = (potential - 1) / 2, removed = 0;
        QStringList batch;
        for (const QString &id : std::as_const(sorted)) {
            const auto server = remaining.constFind(id);
            if (server == remaining.cend() || *server != voters)
                continue;
            const bool potentialVoter = known.contains(id);
            if (potentialVoter && potential - removed - 1 < minQuorum)
                continue; // would leave fewer voters than min_quorum
            if (*server && maxRemoval < 1)
                continue; // removing a majority of the voters is not safe
            if (potentialVoter) {
                --maxRemoval;
                ++removed;
            }
            batch.append(id);
        }
        for (const QString &id : std::as_const(batch))
            remaining.remove(id);
        out += batch;
    }
    return out;
}

AutopilotTracker AutopilotTracker::next(const AutopilotInputs &in) const
{
    AutopilotTracker out;
    out.m_computed = true;
    View &view = out.m_view;
    int voters = 0, healthyVoters = 0;
    QList<Server> voterServers;
    for (const raft::Server &raftServer : in.configuration) {
        Server server;
        server.id = raftServer.id;
        const auto previous = std::find_if(m_view.servers.cbegin(), m_view.servers.cend(),
                                           [&raftServer](const Server &s) { return s.id == raftServer.id; });
        if (previous != m_view.servers.cend())
            server = *previous; // stats, health and what gossip said of it, until newer arrive
        server.address = raftServer.address;
        server.status = raftServer.suffrage == raft::Suffrage::Voter ? u"voter"_s : u"non-voter"_s;
        if (raftServer.id == in.leaderId)
            server.status = u"leader"_s;
        if (const auto known = in.known.constFind(raftServer.id); known != in.known.cend()) {
            server.name = known->name;
            server.nodeStatus = known->nodeStatus;
            server.version = known->version;
            server.meta = known->meta;
        } else {
            server.nodeStatus = u"left"_s; // raft-autopilot's status for a server gossip does not know
        }
        if (const auto stats = in.fetched.constFind(raftServer.id); stats != in.fetched.cend()) {
            server.lastContactMs = stats->lastContactMs;
            server.lastTerm = stats->lastTerm;
            server.lastIndex = stats->lastIndex;
        }
        const bool healthy = autopilotHealthy(server.nodeStatus, {server.lastContactMs, server.lastTerm, server.lastIndex},
                                              in.leaderLastTerm, in.leaderLastIndex, in.config, in.heartbeatIntervalMs);
        if (previous == m_view.servers.cend() || previous->healthy != healthy) {
            server.stableSinceMs = in.wallMs;
            out.m_sinceMs.insert(server.id, in.nowMs);
        } else {
            out.m_sinceMs.insert(server.id, m_sinceMs.value(server.id, in.nowMs));
        }
        server.healthy = healthy;
        view.healthy = view.healthy && healthy;
        if (server.status != u"non-voter") {
            if (server.status == u"leader")
                view.leader = server.id;
            ++voters;
            healthyVoters += healthy;
            voterServers.append(server);
        }
        view.servers.append(server);
    }
    view.failureTolerance = std::max(0, healthyVoters - (voters / 2 + 1));
    std::sort(voterServers.begin(), voterServers.end(), serverLessThan);
    for (const Server &s : std::as_const(voterServers))
        view.voters.append(s.id);
    return out;
}

bool AutopilotTracker::stable(const QString &id, qint64 nowMs, qint64 stabilizationMs) const
{
    const auto since = m_sinceMs.constFind(id);
    if (since == m_sinceMs.cend())
        return false;
    const auto server = std::find_if(m_view.servers.cbegin(), m_view.servers.cend(),
                                     [&id](const Server &s) { return s.id == id; });
    return server != m_view.servers.cend() && server->healthy && nowMs - *since >= stabilizationMs;
}

} // namespace qonsul::cluster

#pragma once
// Autopilot's state on the leader, computed as Consul's raft-autopilot does (nextState): one
// entry per server of the Raft configuration — never for servers gossip knows but Raft does not
// (yet) — with what gossip says of it (name, NodeStatus; "left" when gossip does not know it),
// the Raft stats the server itself reported (Status.RaftStats), its health under the autopilot
// configuration against the leader's own last log term and index, and since when that health
// has held (StableSince), which decides when a non-voter is promoted.
#include <QCborMap>
#include <QHash>
#include <QSet>
#include <QString>

#include "config/AgentConfig.h"
#include "http/v1/RaftBackend.h"
#include "raft/Types.h"

namespace qonsul::cluster {

// What Status.RaftStats answers: the server's own view.
struct AutopilotStats
{
    qint64 lastContactMs = 0; // since it last heard from a leader (0 on the leader and when never)
    quint64 lastTerm = 0;     // the term of its last log entry
    quint64 lastIndex = 0;    // its last log index
};

// Status.RaftStats on the wire: a CBOR map {LastContact (ms, -1 never), LastTerm, LastIndex}.
// Decoding refuses anything else; a LastContact of "never" counts as 0, as Consul's leader
// reads the "never" hashicorp/raft reports.
QCborMap encodeRaftStats(const AutopilotStats &stats);
bool decodeRaftStats(const QCborValue &value, AutopilotStats *out, QString *error);

// A server as the LAN gossip pool shows it (Consul's KnownServers delegate).
struct AutopilotKnownServer
{
    QString name;
    QString nodeStatus; // alive, failed, left, unknown
    QString version;
    std::optional<api::StringMap> meta; // its catalog node's, when registered
};

struct AutopilotInputs
{
    QList<raft::Server> configuration;
    QString leaderId;
    QHash<QString, AutopilotKnownServer> known;  // by server ID
    QHash<QString, AutopilotStats> fetched;      // answers of this round, by server ID
    quint64 leaderLastTerm = 0;                   // the leader's last log term and index
    quint64 leaderLastIndex = 0;
    config::AutopilotConfig config;
    qint64 heartbeatIntervalMs = 0;
    qint64 nowMs = 0;  // monotonic
    qint64 wallMs = 0; // the same moment on the wall clock
};

// Healthy: alive in gossip, heard from a leader within last_contact_threshold, its last log
// entry in the leader's last term, and at most max_trailing_logs behind the leader's last
// index; nothing is healthy before the leader has a log. A follower hears from the leader at
// heartbeats `heartbeatIntervalMs` apart, so one that hears each of them is in contact even
// when they are further apart than the threshold (raft_multiplier 5 sends one every 500 ms):
// only the time past the heartbeat it was due counts.
bool autopilotHealthy(const QString &nodeStatus, const AutopilotStats &stats, quint64 leaderLastTerm,
                      quint64 leaderLastIndex, const config::AutopilotConfig &config, qint64 heartbeatIntervalMs);

// raft-autopilot's limits on pruning dead servers (cleanup_dead_servers), as Consul CE has them
// (every server gossip knows is a potential voter, non-voters included): of the `failed` servers
// of `configuration`, those that may go now, in order — the failed non-voters first, then the
// failed voters, by ID — each batch removing at most (n-1)/2 of the n potential voters left and
// none that would leave fewer than `minQuorum` of them; a voter only while that bound allows.
QStringList serversToPrune(const QList<raft::Server> &configuration, const QSet<QString> &known,
                           const QStringList &failed, int minQuorum);

class AutopilotTracker
{
public:
    using View = http::v1::RaftBackend::AutopilotState;

    // The next state from this one: a server keeps its previous stats when it did not answer
    // this round, and what gossip last said of it (but NodeStatus "left") once gossip forgets it.
    AutopilotTracker next(const AutopilotInputs &inputs) const;

    const View &view() const { return m_view; }
    bool isEmpty() const { return !m_computed; }
    // Healthy without a change for at least `stabilizationMs` (monotonic `nowMs`).
    bool stable(const QString &id, qint64 nowMs, qint64 stabilizationMs) const;

private:
    View m_view;
    QHash<QString, qint64> m_sinceMs; // StableSince per server, on the monotonic clock
    bool m_computed = false;
};

} // namespace qonsul::cluster

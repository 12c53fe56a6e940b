#pragma once
// What the status and operator endpoints ask of a server's Raft (the cluster wires it in; dev
// agents have none and answer as a single server).
#include <QList>
#include <QString>
#include <QStringList>
#include <functional>
#include <optional>

#include "api/Types.h"

namespace qonsul::http::v1 {

class RaftBackend
{
public:
    struct Server
    {
        QString id;
        QString node; // node name as the catalog knows it, "(unknown)" otherwise
        QString address;
        bool leader = false;
        bool voter = true;
        quint64 lastIndex = 0; // how far its log is known to reach (the leader knows everyone's)
    };
    // One server in autopilot's state (raft-autopilot's ServerState as Consul shows it).
    struct AutopilotServer
    {
        QString id;
        QString name;    // from gossip; empty for a server gossip never showed this leader
        QString address; // as the Raft configuration has it
        QString nodeStatus; // alive, failed, left, unknown (raft-autopilot's NodeStatus)
        QString version;    // the server's build, empty while unknown
        std::optional<api::StringMap> meta; // its catalog node's meta; none until registered
        QString status; // leader, voter, non-voter, staging
        // The server's own Raft stats (Status.RaftStats): since it last heard from a leader,
        // the term of its last log entry and its last log index.
        qint64 lastContactMs = 0;
        quint64 lastTerm = 0;
        quint64 lastIndex = 0;
        bool healthy = false;
        qint64 stableSinceMs = 0; // wall clock: when `healthy` last changed
    };
    struct AutopilotState
    {
        bool healthy = true;
        int failureTolerance = 0; // healthy voters beyond a quorum
        QString leader;
        QStringList voters; // leader first, then by health and stability (raft-autopilot's order)
        QList<AutopilotServer> servers; // in Raft configuration order
    };
    using Done = std::function<void(const QString &error)>; // empty on success

    virtual ~RaftBackend() = default;
    virtual QList<Server> raftServers() const = 0; // latest configuration, possibly uncommitted
    virtual quint64 raftLastIndex() const = 0;
    // The leader's autopilot state, as of its last update; none elsewhere or before the first.
    virtual std::optional<AutopilotState> autopilotState() const = 0;
    // Leader only (requests reach the leader through forwarding).
    virtual void addRaftPeer(const QString &address, Done done) = 0;
    virtual void removeRaftPeer(const QString &id, const QString &address, Done done) = 0;
    virtual QString transferLeadership(const QString &id) = 0; // error, empty when started
};

} // namespace qonsul::http::v1

#pragma once
// What the status and operator endpoints ask of a server's Raft (the cluster wires it in; dev
// agents have none and answer as a single server).
#include <QList>
#include <QString>
#include <functional>

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
        quint64 lastTerm = 0;
        qint64 lastContactMs = -1; // since the leader last heard from it; -1 unknown
        QString serfStatus = QStringLiteral("none"); // alive, failed, left, none (not in gossip)
        // Autopilot's view, on the leader: healthy under the autopilot configuration, and since
        // when (wall clock ms) the server has been in its current health state.
        bool healthy = false;
        qint64 stableSinceMs = 0;
    };
    using Done = std::function<void(const QString &error)>; // empty on success

    virtual ~RaftBackend() = default;
    virtual QList<Server> raftServers() const = 0; // latest configuration, possibly uncommitted
    virtual quint64 raftLastIndex() const = 0;
    // Leader only (requests reach the leader through forwarding).
    virtual void addRaftPeer(const QString &address, Done done) = 0;
    virtual void removeRaftPeer(const QString &id, const QString &address, Done done) = 0;
    virtual QString transferLeadership(const QString &id) = 0; // error, empty when started
};

} // namespace qonsul::http::v1

#pragma once
// The other datacenters, as the WAN gossip pool shows them (Consul's router over the WAN area):
// every server gossips there as "<node>.<dc>" with the tags role=consul, dc and port, so a
// server knows which datacenters exist, which of their servers are alive, and — from the
// pool's network coordinates — how far each one is.
//
// Servers use it to answer /v1/catalog/datacenters (nearest first) and to send what a request
// for another datacenter (?dc=, <name>.service.<dc>.consul, prepared query failover) needs to
// one of that datacenter's servers over the server RPC, moving to another one when a server
// cannot be reached.
#include <QCborValue>
#include <QHash>
#include <QObject>
#include <functional>

#include "rpc/ConnectionPool.h"

namespace qonsul {
class Clock;
}
namespace qonsul::gossip {
class Serf;
}

namespace qonsul::cluster {

class ServerList;

// Consul's errors for a datacenter the WAN pool does not know, and for one whose servers are
// all failed.
inline const QString kNoDcPath = QStringLiteral("No path to datacenter");
inline const QString kDcNotAvailable = QStringLiteral("Remote DC has no server currently reachable");

class WanRouter final : public QObject
{
    Q_OBJECT
public:
    // `poolOptions` is the agent's server RPC client configuration; each remote datacenter gets
    // its own pool, whose frames name that datacenter.
    WanRouter(QString localDatacenter, Clock *clock, rpc::ConnectionPool::Options poolOptions, qint64 holdMs,
              QObject *parent = nullptr);
    ~WanRouter() override;

    // Follows the WAN pool from now on (null: this agent has none; only its own datacenter).
    void attach(gossip::Serf *wan);

    // Every datacenter with a server in the WAN pool that has not left, sorted by the median
    // estimated round trip time from this server to that datacenter's servers (this datacenter
    // first, at zero), then by name — Consul's GetDatacentersByDistance.
    QStringList datacentersByDistance() const;
    // This datacenter, or one with a server in the pool that has not left.
    bool knows(const QString &datacenter) const;

    // Calls `method` on an alive server of `datacenter`; `done` gets kNoDcPath for a datacenter
    // it does not know. Retries on another server only when a request surely never left.
    void call(const QString &datacenter, const QString &method, const QCborValue &args, qint64 replyTimeoutMs,
              std::function<void(const QCborValue &result, const QString &error)> done);

    quint64 forwarded() const { return m_forwarded; }

private:
    struct Remote;
    void update(const QString &datacenter);

    QString m_local;
    Clock *m_clock;
    rpc::ConnectionPool::Options m_poolOptions;
    qint64 m_holdMs;
    gossip::Serf *m_wan = nullptr;
    QHash<QString, Remote *> m_remotes; // by datacenter, created when first seen
    quint64 m_forwarded = 0;
};

} // namespace qonsul::cluster

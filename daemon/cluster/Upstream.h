#pragma once
// Where an agent sends what it cannot answer itself: a follower to the leader, a client agent
// to one of the servers. callUpstream() is the one retry loop both use.
#include <QCborValue>
#include <QString>
#include <functional>

namespace qonsul {
class Clock;
}
namespace qonsul::rpc {
class ConnectionPool;
}

namespace qonsul::cluster {

// Consul's error text when no server knows a leader.
inline const QString kNoLeader = QStringLiteral("No cluster leader");

class Upstream
{
public:
    virtual ~Upstream() = default;
    // The server RPC address ("ip:port") to use now; empty while there is none (no leader).
    virtual QString target() const = 0;
    // `address` could not be reached: prefer another next time.
    virtual void unreachable(const QString &address) { Q_UNUSED(address); }
    // The error when there is no target at all.
    virtual QString noTargetError() const;
};

// Calls `method` on the upstream, waiting while there is no target and trying again (another
// target, after a short pause) when the request surely did not reach it — no connection, or the
// server answered that it has no leader — until `holdMs` (rpc_hold_timeout) has passed since the
// first attempt. A request that may have reached a server is never sent twice. `replyTimeoutMs`
// bounds the wait for each reply. `done` runs exactly once.
void callUpstream(Clock *clock, rpc::ConnectionPool *pool, Upstream *upstream, const QString &method,
                  const QCborValue &args, qint64 holdMs, qint64 replyTimeoutMs,
                  std::function<void(const QCborValue &result, const QString &error)> done);


} // namespace qonsul::cluster

#pragma once
// What the v1 endpoints need from the running agent beyond the state store: its identity,
// its local services and checks, membership, events, metrics and lifecycle. The agent
// implements it; tests can fake it.
#include <QJsonArray>
#include <QJsonObject>
#include <QString>
#include <functional>

#include "state/WatchHub.h"
#include "state/NearSort.h"

namespace qonsul::http::v1 {

// An agent-side failure mapped to an HTTP status (400, 404, 500...) and a plain-text body.
struct AgentError
{
    int status = 0; // 0 = success
    QString message;
    explicit operator bool() const { return status != 0; }
};

class AgentBackend
{
public:
    virtual ~AgentBackend() = default;

    virtual QString nodeName() const = 0;
    virtual QString nodeId() const = 0;
    virtual QString datacenter() const = 0;
    // Every datacenter this agent knows of, nearest first (/v1/catalog/datacenters); servers
    // know them from the WAN pool.
    virtual QStringList datacenters() const { return {datacenter()}; }
    // Runs a prepared query ({"Query": definition, "Limit": n}) on a server of `dc` (prepared
    // query failover); `done` gets that server's execute reply or an error.
    virtual void executeQueryRemote(const QString &dc, const QJsonObject &args,
                                    std::function<void(const QJsonObject &reply, const QString &error)> done)
    {
        Q_UNUSED(dc);
        Q_UNUSED(args);
        done({}, QStringLiteral("No path to datacenter"));
    }
    virtual QString advertiseAddress() const = 0;
    virtual bool devMode() const = 0;

    virtual QJsonObject self() const = 0;
    virtual QJsonArray members(bool wan) const = 0;
    virtual QJsonObject metrics() const = 0;
    virtual QByteArray prometheusMetrics() const = 0;

    // Local services and checks (the agent's own view, synced to the catalog by anti-entropy).
    virtual QJsonObject localServices() const = 0;           // id -> AgentService
    virtual QJsonObject localChecks() const = 0;             // id -> HealthCheck
    virtual AgentError registerService(const QJsonObject &definition, bool replaceExistingChecks) = 0;
    virtual AgentError deregisterService(const QString &id) = 0;
    virtual AgentError registerCheck(const QJsonObject &definition) = 0;
    virtual AgentError deregisterCheck(const QString &id) = 0;
    virtual AgentError updateTtlCheck(const QString &id, const QString &status, const QString &output) = 0;
    virtual AgentError setNodeMaintenance(bool enable, const QString &reason) = 0;
    virtual AgentError setServiceMaintenance(const QString &serviceId, bool enable, const QString &reason) = 0;

    virtual AgentError reload() = 0;
    virtual void leave() = 0;
    // Answers once the join through `address` has succeeded or failed (a gossip round trip).
    virtual void join(const QString &address, bool wan, std::function<void(const AgentError &)> done) = 0;
    // A failed member becomes left (prune: forgotten at once). `wan`: in the WAN pool only, where
    // `node` is the member's full "<node>.<dc>" name; else in the LAN pool and, on servers, the
    // WAN pool under "<node>.<this dc>".
    virtual AgentError forceLeave(const QString &node, bool prune, bool wan) = 0;

    // Gossip keyring (/v1/operator/keyring): one KeyringResponse object per pool (WAN first), and
    // "install", "use" or "remove" of a base64 key on every member of both pools.
    virtual QJsonArray keyringList() const = 0;
    virtual AgentError keyringOperation(const QString &op, const QString &key) = 0;

    // The WAN pool's coordinates of its alive servers: [{"Node", "Segment", "Coord"}], this
    // one included (/v1/coordinate/datacenters).
    virtual QJsonArray wanCoordinates() const = 0;
    // The source of a ?near= sort or a prepared query's Near: `node` ("_agent": this agent's
    // node) and the round trips estimated from the LAN coordinates stored in the catalog (none
    // when the source has none there).
    virtual state::NearSource nearSource(const QString &node) const = 0;

    // User events (ring buffer of the last 256 on this agent).
    // An empty object with *error when the event is too large to gossip.
    virtual QJsonObject fireEvent(const QString &name, const QByteArray &payload, const QString &nodeFilter,
                                  const QString &serviceFilter, const QString &tagFilter, AgentError *error) = 0;
    virtual QJsonArray events() const = 0;
    // Fired with table "events" whenever an event arrives, for blocking /v1/event/list.
    virtual state::WatchHub &eventWatches() = 0;
};

} // namespace qonsul::http::v1

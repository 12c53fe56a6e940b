#pragma once
// The running agent: owns the state store, the committer, the HTTP API and the agent's local
// services and checks, and answers the API's agent-local questions (AgentBackend).
#include <QObject>
#include <QHash>
#include <QSslConfiguration>
#include <memory>

class QNetworkAccessManager;

#include "config/AgentConfig.h"
#include "core/Clock.h"
#include "core/Metrics.h"
#include "agent/LocalState.h"
#include "http/v1/AgentBackend.h"
#include "state/WatchHub.h"

namespace qonsul::state {
class StateStore;
class Committer;
class SessionTimers;
class TombstoneGc;
class CoordinateBatcher;
struct HealthEntry;
} // namespace qonsul::state

namespace qonsul::dns {
class DnsServer;
class DnsResolver;
} // namespace qonsul::dns

namespace qonsul::rpc {
class ConnectionPool;
}

namespace qonsul::cluster {
class ServerNode;
class ServerList;
class ServerRebalancer;
class RequestRouter;
class WanRouter;
class ForwardingCommitter;
class MemberReconciler;
} // namespace qonsul::cluster

namespace qonsul::http {
class HttpServer;
namespace v1 {
class Api;
}
} // namespace qonsul::http

namespace qonsul::gossip {
class Serf;
}

namespace qonsul::agent {

class GossipPools;

class Agent final : public QObject, public http::v1::AgentBackend
{
    Q_OBJECT
public:
    explicit Agent(config::AgentConfig config, QObject *parent = nullptr);
    ~Agent() override;

    // Binds the listeners and registers this node; false with *error when it cannot serve.
    bool start(QString *error);
    // The LAN (and on servers WAN) gossip pools; null before start(). See GossipPools.h.
    GossipPools *gossip() const { return m_gossip.get(); }
    // Leaves the gossip pools gracefully (leave_on_terminate, skip_leave_on_interrupt, /v1/agent/leave).
    void leaveGossip(std::function<void()> done);

    // AgentBackend
    QString nodeName() const override { return m_config.nodeName; }
    QString nodeId() const override { return m_config.nodeId; }
    QString datacenter() const override { return m_config.datacenter; }
    QStringList datacenters() const override;
    void executeQueryRemote(const QString &dc, const QJsonObject &args,
                            std::function<void(const QJsonObject &, const QString &)> done) override;
    QString advertiseAddress() const override;
    bool devMode() const override { return m_config.dev; }
    QJsonObject self() const override;
    QJsonArray members(bool wan) const override;
    QJsonObject metrics() const override;
    QByteArray prometheusMetrics() const override;
    QJsonObject localServices() const override;
    QJsonObject localChecks() const override;
    http::v1::AgentError registerService(const QJsonObject &definition, bool replaceExistingChecks) override;
    http::v1::AgentError deregisterService(const QString &id) override;
    http::v1::AgentError registerCheck(const QJsonObject &definition) override;
    http::v1::AgentError deregisterCheck(const QString &id) override;
    http::v1::AgentError updateTtlCheck(const QString &id, const QString &status, const QString &output) override;
    http::v1::AgentError setNodeMaintenance(bool enable, const QString &reason) override;
    http::v1::AgentError setServiceMaintenance(const QString &serviceId, bool enable, const QString &reason) override;
    http::v1::AgentError reload() override;
    void leave() override;
    void join(const QString &address, bool wan, std::function<void(const http::v1::AgentError &)> done) override;
    http::v1::AgentError forceLeave(const QString &node, bool prune, bool wan) override;
    QJsonArray keyringList() const override;
    QJsonArray wanCoordinates() const override;
    state::NearSource nearSource(const QString &node) const override;
    http::v1::AgentError keyringOperation(const QString &op, const QString &key) override;
    QJsonObject fireEvent(const QString &name, const QByteArray &payload, const QString &nodeFilter,
                          const QString &serviceFilter, const QString &tagFilter, http::v1::AgentError *error) override;
    QJsonArray events() const override { return m_events; }
    state::WatchHub &eventWatches() override { return m_eventWatches; }

Q_SIGNALS:
    void shutdownRequested();

private:
    QJsonObject member() const;
    QJsonObject stats() const;
    QJsonObject raftStats() const;
    void registerSelf();
    QJsonObject nodeInfo(const config::AgentConfig &config) const;
    void scheduleCoordinateSync();
    void sendCoordinate();
    LocalState::Options localOptions(const config::AgentConfig &config) const;
    // Cluster mode: the servers from gossip, and Raft with the server RPC on servers or the
    // forwarding committer on clients.
    void createCluster();
    void serveDnsForClients();
    void servePreparedQueryFailover();
    void askServerDns(const QByteArray &packet, bool tcp, std::function<void(const QByteArray &)> answer);
    void askDatacenterDns(const QByteArray &packet, bool tcp, const QString &datacenter, bool translateWan,
                          std::function<void(const QByteArray &)> answer);
    void dnsQueryFailover(const QJsonObject &definition,
                          std::function<void(const QByteArray &dc, const QList<state::HealthEntry> &entries)> done);
    QMap<QString, QString> gossipTags(bool wan) const;
    QJsonObject serfStats(const gossip::Serf *pool) const;
    QJsonObject memberJson(const QJsonObject &base, const QString &name, const QString &addr, int port,
                           const QJsonObject &tags, int status) const;
    void deliverEvent(QJsonObject event, quint64 ltime);

    config::AgentConfig m_config;
    SystemClock m_clock;
    Metrics m_metrics{&m_clock}; // counters and samples of /v1/agent/metrics
    std::unique_ptr<state::StateStore> m_store;
    // Cluster mode (not -dev): the server RPC client side and, on servers, the Raft server.
    std::unique_ptr<rpc::ConnectionPool> m_pool;
    std::unique_ptr<cluster::ServerList> m_servers;
    std::unique_ptr<cluster::ServerNode> m_server;           // servers
    std::unique_ptr<cluster::ForwardingCommitter> m_forwarder; // client agents
    std::unique_ptr<cluster::ServerRebalancer> m_rebalancer;   // client agents: spread over servers
    std::unique_ptr<cluster::MemberReconciler> m_reconciler;   // servers: catalog follows gossip
    std::unique_ptr<cluster::WanRouter> m_wan;                 // servers: the other datacenters
    std::unique_ptr<cluster::RequestRouter> m_router;
    std::unique_ptr<state::Committer> m_localCommitter; // -dev
    state::Committer *m_committer = nullptr;
    std::unique_ptr<state::SessionTimers> m_sessionTimers;
    std::unique_ptr<state::TombstoneGc> m_tombstoneGc;
    std::unique_ptr<state::CoordinateBatcher> m_coordinateBatcher;
    std::unique_ptr<QNetworkAccessManager> m_checkNam; // HTTP checks
    checks::SharedTlsBase m_checkTls;                  // TLS checks' base (checks/CheckTls.h)
    QString m_checkTlsError;                           // loading it failed: start() reports it
    std::unique_ptr<checks::LocalPersistence> m_persistence; // API registrations, TTL states (not in dev)
    std::unique_ptr<LocalState> m_local;
    std::unique_ptr<http::v1::Api> m_api;
    std::unique_ptr<GossipPools> m_gossip;
    QList<http::HttpServer *> m_httpServers;
    QList<dns::DnsServer *> m_dnsServers;
    std::unique_ptr<dns::DnsResolver> m_serverDns; // servers: answers client agents' DNS questions
    QJsonArray m_events;
    quint64 m_eventClock = 0;
    state::WatchHub m_eventWatches;
    qint64 m_startedMs = 0;
};

} // namespace qonsul::agent

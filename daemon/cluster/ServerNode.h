#pragma once
// A Consul server's consensus side: the Raft node over its stores, the state store as its state
// machine, the RPC listener on the server port (Raft traffic and forwarded requests), and what
// the rest of the agent asks of it — the committer, read barriers for Consul's consistency
// modes, the leader as upstream for followers, and Raft membership for the operator API.
#include <QObject>
#include <QSet>
#include <memory>

#include "cluster/AutopilotHealth.h"
#include "cluster/ForwardingCommitter.h"
#include "cluster/Upstream.h"
#include "config/AgentConfig.h"
#include "http/HttpResponder.h"
#include "http/v1/RaftBackend.h"
#include "raft/Types.h"

class QTimer;

namespace qonsul::state {
class StateStore;
}
namespace qonsul::raft {
class RaftNode;
struct RaftStorage;
class SnapshotRunner;
class StoreStateMachine;
} // namespace qonsul::raft
namespace qonsul::rpc {
class RpcServer;
class RaftTransport;
} // namespace qonsul::rpc

namespace qonsul::cluster {

class ServerList;

class ServerNode final : public QObject, public Upstream, public http::v1::RaftBackend
{
    Q_OBJECT
public:
    struct Options
    {
        QString nodeId;      // the Raft server ID
        QString nodeName;
        QString datacenter;
        QString rpcAddress;  // advertised "ip:port" of the server port
        QString bindAddress; // where the server port listens
        quint16 port = 8300;
        QString dataDir;     // the agent's data_dir: the Raft state lives in <dataDir>/raft
        bool bootstrap = false;
        int bootstrapExpect = 0; // bootstrap once this many servers are visible in LAN gossip
        raft::Options raft;
        qint64 rpcHoldMs = 7000;
        config::AutopilotConfig autopilot; // until an operator stores one through Raft
        QJsonArray configEntries;          // config_entries.bootstrap: written on taking office
    };
    using HttpHandler = std::function<void(const http::HttpRequest &, std::shared_ptr<http::HttpResponder>)>;

    ServerNode(Options options, Clock *clock, state::StateStore *store, rpc::ConnectionPool *pool,
               QObject *parent = nullptr);
    ~ServerNode() override;

    // Opens the Raft state, starts the node (bootstrapping a single-server cluster with
    // `bootstrap` on a server with no state) and listens on the server port.
    bool start(QString *error);
    // Follows the servers LAN gossip shows: bootstraps with bootstrap_expect, and as leader adds
    // servers that join to Raft as non-voters (autopilot promotes them once stable) and removes
    // servers that leave.
    void setServerList(ServerList *servers);
    // Where "Http.Request" RPCs go (the agent's request router).
    void setHttpHandler(HttpHandler handler) { m_httpHandler = std::move(handler); }

    state::Committer *committer() { return &m_committer; }
    raft::RaftNode *raft() const { return m_node.get(); }
    rpc::RpcServer *rpcServer() const { return m_rpc; }
    bool isLeader() const;
    // On the leader: `done` once a read in that mode may run (lease, or a quorum round for
    // ?consistent) and the store reflects everything committed before; error otherwise.
    void readBarrier(bool consistent, std::function<void(const QString &error)> done);

    // Upstream: the leader.
    QString target() const override;

    // RaftBackend
    QList<Server> raftServers() const override;
    quint64 raftLastIndex() const override;
    std::optional<AutopilotState> autopilotState() const override;
    void addRaftPeer(const QString &address, Done done) override;
    void removeRaftPeer(const QString &id, const QString &address, Done done) override;
    QString transferLeadership(const QString &id) override;

Q_SIGNALS:
    // This server became the leader or stopped being it.
    void leadershipChanged(bool leader);

private:
    bool openStores(QString *error);
    void registerRpcHandlers();
    void watchLeadership();
    void maybeBootstrap();
    void reconcile();
    void pruneDeadServers();
    // Autopilot on the leader: server health, promotion of stable non-voters, and the stored
    // configuration (the leader writes its own settings when none is stored, as Consul's does).
    config::AutopilotConfig autopilotConfig() const;
    void autopilotTick();
    void promoteStableServers();
    // Autopilot's state update (Consul's server_health_interval): every server's own Raft stats,
    // fetched in parallel, then the next state.
    struct StatsRound;
    void updateAutopilotState();
    void finishAutopilotUpdate(const std::shared_ptr<StatsRound> &round);
    AutopilotStats ownRaftStats() const;
    void storeDefaultAutopilotConfig();
    void bootstrapConfigEntries();
    void addServer(const QString &address, raft::Suffrage suffrage, Done done);

    Options m_options;
    Clock *m_clock;
    state::StateStore *m_store;
    rpc::ConnectionPool *m_pool;
    std::unique_ptr<rpc::RaftTransport> m_transport;
    std::unique_ptr<raft::RaftStorage> m_storage; // outlives m_node
    std::unique_ptr<raft::SnapshotRunner> m_snapshotRunner; // joins its thread before m_storage goes
    std::unique_ptr<raft::StoreStateMachine> m_fsm;
    std::unique_ptr<raft::RaftNode> m_node;
    ForwardingCommitter m_committer;
    rpc::RpcServer *m_rpc;
    QTimer *m_leaderWatch;
    HttpHandler m_httpHandler;
    ServerList *m_servers = nullptr;
    QTimer *m_reconcileTimer;
    QTimer *m_bootstrapTimer;
    bool m_bootstrapSettled = false; // set while the settle timer's check runs
    bool m_bootstrapInFlight = false;
    bool m_adding = false; // a server is being added to Raft
    bool m_pruning = false; // a dead server is being removed from Raft
    bool m_promoting = false; // a non-voter is being promoted
    bool m_storingAutopilot = false; // the default autopilot configuration is being written
    QTimer *m_autopilotTimer;
    QTimer *m_healthTimer;
    AutopilotTracker m_autopilot; // the leader's; empty elsewhere and before its first update
    std::shared_ptr<StatsRound> m_statsRound; // the update in progress
    QSet<QString> m_statsInFlight; // servers asked for their stats that have not answered yet
    bool m_wasLeader = false;
    QString m_lastLeader;
};

} // namespace qonsul::cluster

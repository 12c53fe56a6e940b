#include "cluster/ServerNode.h"
#include "cluster/HttpForward.h"
#include "cluster/ServerList.h"
#include "cluster/ServerRebalancer.h"
#include "config/Autopilot.h"

#include "cluster/ClusterLogging.h"
#include "rpc/RpcLogging.h"
#include "raft/storage/RaftStorage.h"
#include "raft/storage/ThreadSnapshotRunner.h"
#include "raft/RaftCommitter.h"
#include "raft/RaftNode.h"
#include "rpc/RaftTransport.h"
#include "rpc/RpcServer.h"
#include "state/Command.h"
#include "state/ConfigEntry.h"
#include "state/StateStore.h"

#include <QCborMap>
#include <QHostAddress>
#include <QRandomGenerator>
#include <QTimer>

using namespace Qt::StringLiterals;

namespace qonsul::cluster {

namespace {
const QString kHttpMethod = u"Http.Request"_s;
const QString kInfoMethod = u"Status.Info"_s;
const QString kRaftStatsMethod = u"Status.RaftStats"_s;
constexpr int kLeaderWatchMs = 20;
constexpr int kReconcileMs = 2000; // the leader re-checks Raft membership against gossip
constexpr int kBootstrapSettleMs = 1000; // the pool view must be still this long before bootstrap
constexpr int kAutopilotMs = 250; // the leader re-evaluates promotions
// Consul's server_health_interval: autopilot's state is updated this often; each update waits
// at most half of it for the servers' stats, as raft-autopilot does.
constexpr int kServerHealthMs = 2000;
constexpr int kStatsRpcTimeoutMs = 5000; // a stats request outstanding this long has failed
} // namespace

ServerNode::ServerNode(Options options, Clock *clock, state::StateStore *store, rpc::ConnectionPool *pool,
                       QObject *parent)
    : QObject(parent)
    , m_options(std::move(options))
    , m_clock(clock)
    , m_store(store)
    , m_pool(pool)
    , m_committer(clock, pool, this, m_options.rpcHoldMs)
    , m_rpc(nullptr)
    , m_leaderWatch(new QTimer(this))
    , m_reconcileTimer(new QTimer(this))
    , m_bootstrapTimer(new QTimer(this))
    , m_autopilotTimer(new QTimer(this))
    , m_healthTimer(new QTimer(this))
{
    rpc::RpcServer::Options rpcOptions;
    rpcOptions.datacenter = m_options.datacenter;
    m_rpc = new rpc::RpcServer(rpcOptions, this);
}

ServerNode::~ServerNode()
{
    m_rpc->close();
    m_committer.setLocal(nullptr);
    if (m_transport)
        m_transport->setNode(nullptr);
    m_node.reset(); // cancels its timers while the stores still exist
}

bool ServerNode::openStores(QString *error)
{
    std::optional<raft::RaftStorage> storage = raft::openRaftStorage(m_options.dataDir, error);
    if (!storage) {
        *error = u"Failed to open the Raft state in %1: %2"_s.arg(m_options.dataDir, *error);
        return false;
    }
    m_storage = std::make_unique<raft::RaftStorage>(std::move(*storage));
    return true;
}

bool ServerNode::start(QString *error)
{
    if (!openStores(error))
        return false;
    m_transport = std::make_unique<rpc::RaftTransport>(m_pool, m_options.rpcAddress);
    m_fsm = std::make_unique<raft::StoreStateMachine>(m_store);
    m_snapshotRunner = std::make_unique<raft::ThreadSnapshotRunner>(this);
    raft::RaftNode::Deps deps;
    deps.id = m_options.nodeId;
    deps.clock = m_clock;
    deps.transport = m_transport.get();
    deps.log = m_storage->log.get();
    deps.stable = m_storage->stable.get();
    deps.snapshots = m_storage->snapshots.get();
    deps.fsm = m_fsm.get();
    deps.snapshotRunner = m_snapshotRunner.get();
    deps.random = [] { return QRandomGenerator::system()->generate64(); };
    deps.options = m_options.raft;
    m_node = std::make_unique<raft::RaftNode>(deps);
    m_transport->setNode(m_node.get());
    m_committer.setLocal(m_node.get());
    if (m_options.bootstrap) {
        const raft::Configuration self{{raft::Server{m_options.nodeId, m_options.rpcAddress}}};
        if (m_node->bootstrap(self))
            qCInfo(lcServer).noquote() << "bootstrapped a single-server cluster:" << m_options.rpcAddress;
    }
    registerRpcHandlers();
    if (!m_rpc->listen(QHostAddress(m_options.bindAddress), m_options.port, error)) {
        *error = u"Failed to start the server RPC listener on %1:%2: %3"_s.arg(m_options.bindAddress).arg(m_options.port).arg(*error);
        return false;
    }
    qCInfo(lcRpc).noquote() << "listening:" << u"address=%1:%2"_s.arg(m_options.bindAddress).arg(m_rpc->port());
    connect(m_leaderWatch, &QTimer::timeout, this, &ServerNode::watchLeadership);
    m_leaderWatch->start(kLeaderWatchMs);
    connect(m_reconcileTimer, &QTimer::timeout, this, &ServerNode::reconcile);
    connect(m_autopilotTimer, &QTimer::timeout, this, &ServerNode::autopilotTick);
    connect(m_healthTimer, &QTimer::timeout, this, &ServerNode::updateAutopilotState);
    connect(this, &ServerNode::leadershipChanged, this, [this](bool leader) {
        m_autopilot = {}; // a new leader judges every server afresh, as Consul's autopilot does
        m_statsRound.reset();
        if (leader) {
            bootstrapConfigEntries();
            m_reconcileTimer->start(kReconcileMs);
            m_autopilotTimer->start(kAutopilotMs);
            m_healthTimer->start(kServerHealthMs);
        } else {
            m_reconcileTimer->stop();
            m_autopilotTimer->stop();
            m_healthTimer->stop();
        }
        reconcile();
        autopilotTick();
        updateAutopilotState();
    });
    return true;
}

void ServerNode::setServerList(ServerList *servers)
{
    m_servers = servers;
    m_bootstrapTimer->setSingleShot(true);
    connect(m_bootstrapTimer, &QTimer::timeout, this, [this] {
        m_bootstrapSettled = true;
        maybeBootstrap();
        m_bootstrapSettled = false;
    });
    connect(servers, &ServerList::serverAlive, this, [this] {
        maybeBootstrap();
        reconcile();
    });
    // A server that left (or was reaped) leaves Raft too; a failed one is autopilot's to prune.
    connect(servers, &ServerList::serverGone, this, [this](const ServerMember &server, bool left) {
        if (!left) {
            reconcile();
            return;
        }
        if (!isLeader() || server.id == m_options.nodeId || !m_node->configuration().find(server.id))
            return;
        removeRaftPeer(server.id, {}, [name = server.name](const QString &error) {
            if (!error.isEmpty())
                qCWarning(lcServer).noquote() << "failed to remove raft peer" << u"server=%1 error=\"%2\""_s.arg(name, error);
        });
    });
    maybeBootstrap();
}

void ServerNode::maybeBootstrap()
{
    if (!m_node || !m_servers || m_options.bootstrapExpect <= 0 || m_bootstrapInFlight)
        return;
    if (m_node->currentTerm() != 0 || m_node->lastIndex() != 0)
        return; // already part of a cluster (or bootstrapped before a restart)
    QList<ServerMember> servers;
    for (const ServerMember &s : m_servers->aliveServers()) {
        if (s.expect == 0)
            continue; // a server without bootstrap_expect never takes part in one
        if (s.expect != m_options.bootstrapExpect) {
            qCWarning(lcServer).noquote() << "Member has a conflicting expect value. All nodes should expect the same number."
                                          << u"member=%1"_s.arg(s.name);
            return;
        }
        servers.append(s);
    }
    if (servers.size() < m_options.bootstrapExpect)
        return;
    // Only one server writes the first configuration: two servers bootstrapping from different
    // views of the pool would put different entries at index 1. It is the first by name among
    // those visible, once the view has been still for a moment (gossip converges); the others
    // are in its configuration and simply wait for its AppendEntries.
    std::sort(servers.begin(), servers.end(), [](const ServerMember &a, const ServerMember &b) { return a.name < b.name; });
    if (servers.constFirst().id != m_options.nodeId)
        return;
    if (!m_bootstrapSettled) {
        m_bootstrapTimer->start(kBootstrapSettleMs); // restarted by every change of the view
        return;
    }
    // Never two clusters: ask every peer whether it already has Raft state; if any has, this
    // server waits to be added by that cluster's leader instead.
    m_bootstrapInFlight = true;
    auto remaining = std::make_shared<int>(int(servers.size()));
    auto blocked = std::make_shared<QString>();
    for (const ServerMember &s : std::as_const(servers)) {
        m_pool->call(s.rpcAddress, kInfoMethod, {}, 5000,
                     [this, s, servers, remaining, blocked](const QCborValue &result, const QString &error) {
                         const QCborMap info = result.toMap();
                         if (!error.isEmpty())
                             *blocked = u"cannot reach %1: %2"_s.arg(s.name, error);
                         else if (info.value(u"term"_s).toInteger() > 0 || info.value(u"lastIndex"_s).toInteger() > 0)
                             *blocked = u"%1 already has Raft state"_s.arg(s.name);
                         if (--*remaining > 0)
                             return;
                         m_bootstrapInFlight = false;
                         if (!blocked->isEmpty()) {
                             qCInfo(lcServer).noquote() << "Not bootstrapping:" << *blocked;
                             return;
                         }
                         raft::Configuration configuration;
                         QStringList names;
                         for (const ServerMember &peer : servers) {
                             configuration.servers.append(raft::Server{peer.id, peer.rpcAddress});
                             names.append(u"%1 (%2)"_s.arg(peer.id, peer.rpcAddress));
                         }
                         if (m_node->bootstrap(configuration))
                             qCInfo(lcServer).noquote() << "Found expected number of peers, attempting bootstrap:" << names.join(u',');
                     });
    }
}

void ServerNode::reconcile()
{
    if (!isLeader() || !m_servers)
        return;
    const raft::Configuration &configuration = m_node->configuration();
    for (const ServerMember &s : m_servers->all()) {
        const raft::Server *known = s.id.isEmpty() ? nullptr : configuration.find(s.id);
        if (s.alive && (!known || known->address != s.rpcAddress)) {
            if (m_adding || m_promoting || m_pruning)
                return; // one membership change at a time; the next reconcile continues
            m_adding = true;
            addServer(s.rpcAddress, raft::Suffrage::Nonvoter, [this, name = s.name](const QString &error) {
                m_adding = false;
                if (!error.isEmpty())
                    qCWarning(lcServer).noquote() << "failed to add raft peer" << u"server=%1 error=\"%2\""_s.arg(name, error);
            });
            return;
        }
    }
    pruneDeadServers();
}

// Autopilot's dead-server cleanup (cleanup_dead_servers): a server that gossip reports failed is
// removed from the Raft configuration within raft-autopilot's limits (serversToPrune), so that a
// partition of this leader from the rest never strips the configuration; one at a time, the next
// reconcile continues with what is left.
void ServerNode::pruneDeadServers()
{
    const config::AutopilotConfig autopilot = autopilotConfig();
    if (!autopilot.cleanupDeadServers || m_pruning || m_adding || m_promoting)
        return;
    const raft::Configuration &configuration = m_node->configuration();
    QSet<QString> known;
    QStringList failed;
    QHash<QString, ServerMember> byId;
    for (const ServerMember &s : m_servers->all()) {
        if (s.id.isEmpty() || !configuration.find(s.id))
            continue;
        known.insert(s.id);
        byId.insert(s.id, s);
        if (!s.alive && !s.left && s.id != m_options.nodeId)
            failed.append(s.id);
    }
    if (failed.isEmpty())
        return;
    const QStringList removable = serversToPrune(configuration.servers, known, failed, autopilot.minQuorum);
    if (removable.isEmpty()) {
        qCWarning(lcServer).noquote() << "Failed to remove dead servers: too many dead servers:"
                                      << u"failed=%1 voters=%2 min_quorum=%3"_s.arg(failed.size()).arg(configuration.voters().size()).arg(autopilot.minQuorum);
        return;
    }
    const ServerMember dead = byId.value(removable.constFirst());
    qCInfo(lcServer).noquote() << "Attempting removal of failed server node:" << u"id=%1 name=%2 address=%3"_s.arg(dead.id, dead.name, dead.rpcAddress);
    m_pruning = true;
    removeRaftPeer(dead.id, {}, [this, name = dead.name](const QString &error) {
        m_pruning = false;
        if (!error.isEmpty())
            qCWarning(lcServer).noquote() << "failed to remove dead server" << u"server=%1 error=\"%2\""_s.arg(name, error);
    });
}

config::AutopilotConfig ServerNode::autopilotConfig() const
{
    QJsonObject stored;
    m_store->autopilotConfiguration(&stored);
    return config::effectiveAutopilot(stored, m_options.autopilot);
}

void ServerNode::autopilotTick()
{
    if (!isLeader())
        return;
    storeDefaultAutopilotConfig();
    promoteStableServers();
}

// Consul's leader stores its own autopilot settings when it takes office and none are stored,
// so the configuration has a real ModifyIndex (check-and-set works from the first write).
// cas=0: an operator's configuration written meanwhile is never replaced.
void ServerNode::storeDefaultAutopilotConfig()
{
    QJsonObject stored;
    m_store->autopilotConfiguration(&stored);
    if (!stored.isEmpty() || m_storingAutopilot)
        return;
    m_storingAutopilot = true;
    m_committer.propose(state::command::autopilotSet(config::autopilotToJson(m_options.autopilot), 0),
                        [this](const state::ApplyResult &, quint64, const QString &) { m_storingAutopilot = false; });
}

// config_entries.bootstrap: each entry the files name, unless one of its kind and name is
// stored already (check-and-set 0), every time this server becomes the leader.
void ServerNode::bootstrapConfigEntries()
{
    QStringList errors;
    for (const QCborMap &command : state::configentry::bootstrapCommands(m_options.configEntries, &errors))
        m_committer.propose(command, [](const state::ApplyResult &, quint64, const QString &) {});
    for (const QString &error : std::as_const(errors))
        qCWarning(lcServer).noquote() << "Failed to bootstrap config entry:" << error;
}

// Server stabilization: a non-voter that has been healthy for server_stabilization_time
// becomes a voter, one at a time (Consul's stable promoter).
void ServerNode::promoteStableServers()
{
    if (m_promoting || m_adding || m_pruning)
        return;
    const qint64 stabilizationMs = autopilotConfig().serverStabilizationTime / kMillisecond;
    const qint64 now = m_clock->monotonicMs();
    for (const AutopilotServer &s : m_autopilot.view().servers) {
        const raft::Server *current = m_node->configuration().find(s.id);
        if (!current || current->suffrage == raft::Suffrage::Voter || !m_autopilot.stable(s.id, now, stabilizationMs))
            continue;
        qCInfo(lcServer).noquote() << "Promoting server:" << u"id=%1 address=%2 name=%3"_s.arg(s.id, current->address, s.name);
        m_promoting = true;
        m_node->addVoter(s.id, current->address, [this, name = s.name](quint64 index, const std::any &, const QString &error) {
            m_promoting = false;
            if (!index)
                qCWarning(lcServer).noquote() << "failed to promote server" << u"server=%1 error=\"%2\""_s.arg(name, error);
        });
        return;
    }
}

void ServerNode::registerRpcHandlers()
{
    m_transport->serve(m_rpc);
    m_rpc->setHandler(kApplyMethod, [this](const QCborValue &args, rpc::RpcServer::Reply reply) {
        m_committer.serveApply(args, std::move(reply));
    });
    m_rpc->setHandler(kInfoMethod, [this](const QCborValue &, rpc::RpcServer::Reply reply) {
        // term and lastIndex tell a server about to bootstrap whether this one already has Raft state.
        reply(QCborMap{{u"id"_s, m_options.nodeId}, {u"node"_s, m_options.nodeName}, {u"addr"_s, m_options.rpcAddress},
                       {u"dc"_s, m_options.datacenter}, {u"term"_s, qint64(m_node->currentTerm())},
                       {u"lastIndex"_s, qint64(m_node->lastIndex())}},
              {});
    });
    // Autopilot on the leader asks every server for its own view of Raft (Consul's RaftStats).
    m_rpc->setHandler(kRaftStatsMethod, [this](const QCborValue &, rpc::RpcServer::Reply reply) {
        reply(encodeRaftStats(ownRaftStats()), {});
    });
    m_rpc->setHandler(kPingMethod, [](const QCborValue &, rpc::RpcServer::Reply reply) { reply(true, {}); });
    m_rpc->setHandler(kHttpMethod, [this](const QCborValue &args, rpc::RpcServer::Reply reply) {
        http::HttpRequest request;
        QString error;
        if (!m_httpHandler || !decodeRequest(args, &request, &error)) {
            reply({}, error.isEmpty() ? u"this server does not take HTTP requests"_s : error);
            return;
        }
        m_httpHandler(request, http::HttpResponder::capture([reply](http::HttpResponse response) {
                          reply(encodeResponse(response), {});
                      }));
    });
}

void ServerNode::watchLeadership()
{
    const bool leader = isLeader();
    const QString leaderAddress = target();
    if (leaderAddress != m_lastLeader) {
        m_lastLeader = leaderAddress;
        if (!leaderAddress.isEmpty())
            qCInfo(lcServer).noquote() << "New leader elected:" << u"payload=%1"_s.arg(leaderAddress);
    }
    if (leader != m_wasLeader) {
        m_wasLeader = leader;
        qCInfo(lcServer).noquote() << (leader ? "cluster leadership acquired" : "cluster leadership lost");
        Q_EMIT leadershipChanged(leader);
    }
}

bool ServerNode::isLeader() const
{
    return m_node && m_node->isLeader();
}

QString ServerNode::target() const
{
    if (!m_node)
        return {};
    const QString leader = m_node->leaderId();
    if (leader.isEmpty())
        return {};
    if (leader == m_options.nodeId)
        return m_options.rpcAddress;
    const QString address = m_transport->addressOf(leader);
    return address;
}

void ServerNode::readBarrier(bool consistent, std::function<void(const QString &)> done)
{
    if (!m_node) {
        done(kNoLeader);
        return;
    }
    m_node->read(consistent ? raft::RaftNode::ReadMode::ReadIndex : raft::RaftNode::ReadMode::Lease,
                 [done = std::move(done)](quint64, const QString &error) { done(error.isEmpty() ? QString() : kNoLeader); });
}

QList<http::v1::RaftBackend::Server> ServerNode::raftServers() const
{
    QList<Server> out;
    if (!m_node)
        return out;
    QHash<QString, QString> names; // node ID → name, from the catalog
    QList<api::Node> nodes;
    m_store->nodes(&nodes);
    for (const api::Node &n : std::as_const(nodes))
        names.insert(n.id, n.node);
    const QString leader = m_node->leaderId();
    for (const raft::Server &s : m_node->configuration().servers) {
        QString name = s.id == m_options.nodeId ? m_options.nodeName : names.value(s.id);
        const quint64 lastIndex = s.id == m_options.nodeId ? m_node->lastIndex() : m_node->matchIndex(s.id).value_or(0);
        out.append(Server{s.id, name.isEmpty() ? u"(unknown)"_s : name, s.address, s.id == leader,
                          s.suffrage == raft::Suffrage::Voter, lastIndex});
    }
    return out;
}

std::optional<http::v1::RaftBackend::AutopilotState> ServerNode::autopilotState() const
{
    if (!isLeader() || m_autopilot.isEmpty())
        return std::nullopt;
    return m_autopilot.view();
}

AutopilotStats ServerNode::ownRaftStats() const
{
    return AutopilotStats{m_node->lastContactMs(), m_node->lastTerm(), m_node->lastIndex()};
}

struct ServerNode::StatsRound
{
    QHash<QString, AutopilotStats> fetched;
    int pending = 0;
    bool done = false;
};

// raft-autopilot's state update, every server_health_interval on the leader: every server the
// LAN pool shows that has not left is asked for its own Raft stats, in parallel and one request
// per server at a time (Consul's StatsFetcher); the next state is computed once all answered or
// half the interval passed. A server that did not answer keeps the stats it reported last.
void ServerNode::updateAutopilotState()
{
    if (!isLeader())
        return;
    auto round = std::make_shared<StatsRound>();
    round->pending = 1; // this loop's own hold: a request may fail at once, before the others went out
    m_statsRound = round;
    for (const ServerMember &s : m_servers ? m_servers->all() : QHash<QString, ServerMember>{}) {
        // Only servers of the Raft configuration are in the state. (Consul asks every server that
        // has not left, but its pruning force-leaves a failed server; Qonsul's only takes it out
        // of Raft, and asking it on would log a warning every interval until gossip reaps it.)
        if (s.left || s.id.isEmpty() || s.id == m_options.nodeId || !m_node->configuration().find(s.id))
            continue;
        if (m_statsInFlight.contains(s.id)) {
            qCWarning(lcServer).noquote() << "error getting server health from server:"
                                          << u"server=%1 error=\"last request still outstanding\""_s.arg(s.name);
            continue;
        }
        m_statsInFlight.insert(s.id);
        ++round->pending;
        m_pool->call(s.rpcAddress, kRaftStatsMethod, {}, kStatsRpcTimeoutMs,
                     [this, round, id = s.id, name = s.name](const QCborValue &result, const QString &error) {
                         m_statsInFlight.remove(id);
                         AutopilotStats stats;
                         QString problem = error;
                         if (problem.isEmpty() && decodeRaftStats(result, &stats, &problem) && !round->done)
                             round->fetched.insert(id, stats);
                         if (!problem.isEmpty())
                             qCWarning(lcServer).noquote() << "error getting server health from server:"
                                                           << u"server=%1 error=\"%2\""_s.arg(name, problem);
                         if (!round->done && --round->pending == 0)
                             finishAutopilotUpdate(round);
                     });
    }
    if (--round->pending == 0) {
        finishAutopilotUpdate(round);
        return;
    }
    QTimer::singleShot(kServerHealthMs / 2, this, [this, round] {
        if (!round->done)
            finishAutopilotUpdate(round);
    });
}

void ServerNode::finishAutopilotUpdate(const std::shared_ptr<StatsRound> &round)
{
    round->done = true;
    if (round != m_statsRound || !isLeader())
        return; // leadership changed meanwhile
    m_statsRound.reset();
    AutopilotInputs in;
    in.configuration = m_node->configuration().servers;
    in.leaderId = m_options.nodeId;
    in.fetched = round->fetched;
    const AutopilotStats own = ownRaftStats();
    in.fetched.insert(m_options.nodeId, own);
    in.leaderLastTerm = own.lastTerm;
    in.leaderLastIndex = own.lastIndex;
    in.config = autopilotConfig();
    in.heartbeatIntervalMs = m_options.raft.timing.heartbeatInterval();
    in.nowMs = m_clock->monotonicMs();
    in.wallMs = m_clock->wallMs();
    if (m_servers) {
        for (const ServerMember &s : m_servers->all()) {
            // Each server's own build (its gossip tag), and the meta of its catalog node.
            AutopilotKnownServer known{s.name, s.alive ? u"alive"_s : s.left ? u"left"_s : u"failed"_s, s.version, {}};
            if (const api::Node *node = m_store->findNode(s.name); node && node->id.compare(s.id, Qt::CaseInsensitive) == 0)
                known.meta = node->meta;
            in.known.insert(s.id, known);
        }
    }
    m_autopilot = m_autopilot.next(in);
}

quint64 ServerNode::raftLastIndex() const
{
    return m_node ? m_node->lastIndex() : 0;
}

// The operator's PUT /v1/operator/raft/peer (ours, for clusters without gossip) adds a voter
// at once: such servers are not in the LAN pool, which autopilot's health needs.
void ServerNode::addRaftPeer(const QString &address, Done done)
{
    addServer(address, raft::Suffrage::Voter, std::move(done));
}

void ServerNode::addServer(const QString &address, raft::Suffrage suffrage, Done done)
{
    if (!isLeader()) {
        done(kNoLeader);
        return;
    }
    // Ask the server at `address` who it is: Raft knows servers by ID.
    m_pool->call(address, kInfoMethod, {}, 5000, [this, address, suffrage, done](const QCborValue &result, const QString &error) {
        if (!error.isEmpty()) {
            done(u"cannot reach a server at %1: %2"_s.arg(address, error));
            return;
        }
        const QCborMap info = result.toMap();
        const QString id = info.value(u"id"_s).toString();
        if (id.isEmpty() || info.value(u"dc"_s).toString() != m_options.datacenter) {
            done(u"%1 is not a server of datacenter %2"_s.arg(address, m_options.datacenter));
            return;
        }
        if (!isLeader()) {
            done(kNoLeader);
            return;
        }
        const raft::Server *known = m_node->configuration().find(id);
        const auto committed = [done](quint64 index, const std::any &, const QString &error) {
            done(index ? QString() : error);
        };
        if (known && known->address == address && (known->suffrage == raft::Suffrage::Voter || suffrage == known->suffrage)) {
            done({});
        } else if (suffrage == raft::Suffrage::Voter || (known && known->suffrage == raft::Suffrage::Voter)) {
            qCInfo(lcServer).noquote() << "adding server:" << u"id=%1 address=%2"_s.arg(id, address);
            m_node->addVoter(id, address, committed); // a voter that moved stays one
        } else if (known) {
            // A non-voter at a new address: out first, the next reconcile adds it back there.
            m_node->removeServer(id, committed);
        } else {
            qCInfo(lcServer).noquote() << "adding server as non-voter:" << u"id=%1 address=%2"_s.arg(id, address);
            m_node->addNonvoter(id, address, committed);
        }
    });
}

void ServerNode::removeRaftPeer(const QString &id, const QString &address, Done done)
{
    if (!isLeader()) {
        done(kNoLeader);
        return;
    }
    for (const raft::Server &s : m_node->configuration().servers) {
        if ((!id.isEmpty() && s.id == id) || (!address.isEmpty() && s.address == address)) {
            qCInfo(lcServer).noquote() << "removing server:" << u"id=%1 address=%2"_s.arg(s.id, s.address);
            m_node->removeServer(s.id, [done](quint64 index, const std::any &, const QString &error) {
                done(index ? QString() : error);
            });
            return;
        }
    }
    done(id.isEmpty() ? u"address \"%1\" was not found in the Raft configuration"_s.arg(address)
                      : u"id \"%1\" was not found in the Raft configuration"_s.arg(id));
}

QString ServerNode::transferLeadership(const QString &id)
{
    if (!isLeader())
        return kNoLeader;
    QString target = id;
    if (target.isEmpty()) {
        // Any other voter, as Consul picks one when no ID is given.
        for (const raft::ServerId &voter : m_node->configuration().voters()) {
            if (voter != m_options.nodeId) {
                target = voter;
                break;
            }
        }
    }
    if (target.isEmpty() || !m_node->configuration().isVoter(target))
        return target.isEmpty() ? u"cannot transfer leadership: no other voter"_s
                                : u"cannot transfer leadership to %1: not a voter"_s.arg(target);
    if (!m_node->transferLeadership(target))
        return u"cannot transfer leadership to %1"_s.arg(target);
    return {};
}

} // namespace qonsul::cluster

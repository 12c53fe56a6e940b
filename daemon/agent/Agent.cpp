#include "agent/Agent.h"
#include "agent/GossipPools.h"
#include "agent/LocalState.h"
#include "checks/CheckTls.h"

#include "cluster/MemberReconciler.h"
#include "cluster/RemoteCatalog.h"
#include "cluster/RequestRouter.h"
#include "cluster/ServerList.h"
#include "cluster/ServerRebalancer.h"
#include "cluster/ServerNode.h"
#include "cluster/WanRouter.h"
#include "config/Autopilot.h"
#include "config/ConfigLoader.h"
#include "core/Duration.h"
#include "core/Logging.h"
#include "core/Version.h"
#include "dns/DnsResolver.h"
#include "dns/DnsServer.h"
#include "http/HttpServer.h"
#include "http/v1/Api.h"
#include "http/v1/QueryExecution.h"
#include "raft/RaftNode.h"
#include "rpc/ConnectionPool.h"
#include "rpc/RpcServer.h"
#include "state/Command.h"
#include "state/Committer.h"
#include "state/ConfigEntry.h"
#include "state/CoordinateBatcher.h"
#include "state/SessionTimers.h"
#include "state/StateStore.h"
#include "state/TombstoneGc.h"

#include <QCoreApplication>
#include <QDateTime>
#include <QFile>
#include <QJsonDocument>
#include <QNetworkAccessManager>
#include <QRandomGenerator>
#include <QRegularExpression>
#include <QSysInfo>
#include <QThread>
#include <QUuid>

namespace qonsul::agent {

using http::v1::AgentError;

namespace {
constexpr int kEventBufferSize = 256; // Consul keeps the last 256 user events per agent
constexpr int kServerPortDefault = 8300;
constexpr qint64 kRegisterRetryMs = 1000;
// Consul's sync_coordinate_rate_target: coordinate updates a second the whole pool sends at most.
constexpr qint64 kSyncCoordinateRateTarget = 64;

qint64 residentBytes()
{
    QFile status(QStringLiteral("/proc/self/statm"));
    if (!status.open(QIODevice::ReadOnly))
        return 0;
    const QList<QByteArray> fields = status.readAll().split(' ');
    return fields.size() > 1 ? fields.at(1).toLongLong() * 4096 : 0;
}

} // namespace

namespace {
// The recursors that parse as IP literals (the config loader has refused the others already).
QList<dns::Recursor> dnsRecursors(const config::AgentConfig &config)
{
    QList<dns::Recursor> recursors;
    for (const QString &r : std::as_const(config.recursors)) {
        dns::Recursor rec;
        if (dns::parseRecursor(r, &rec))
            recursors.append(rec);
    }
    return recursors;
}

std::optional<checks::TlsBase> checkTls(const config::AgentConfig &config, QString *error)
{
    return checks::checkTlsConfiguration({config.enableAgentTlsForChecks, config.checkTlsCaFile, config.checkTlsCaPath,
                                          config.checkTlsCertFile, config.checkTlsKeyFile, config.checkTlsMinVersion,
                                          config.checkTlsCipherSuites},
                                         error);
}
} // namespace

Agent::Agent(config::AgentConfig config, QObject *parent)
    : QObject(parent)
    , m_config(std::move(config))
    , m_store(std::make_unique<state::StateStore>())
{
    if (m_config.dev) {
        m_localCommitter = std::make_unique<state::LocalCommitter>(
            m_store.get(), QStringLiteral("%1:%2").arg(advertiseAddress()).arg(m_config.ports.server));
        m_committer = m_localCommitter.get();
        // Its own leader from the start: like Consul's, it stores its autopilot settings.
        m_committer->propose(state::command::autopilotSet(config::autopilotToJson(m_config.autopilot), 0), {});
        QStringList errors;
        for (const QCborMap &command : state::configentry::bootstrapCommands(m_config.configEntriesBootstrap, &errors))
            m_committer->propose(command, {});
        for (const QString &error : std::as_const(errors))
            qCWarning(lcAgent).noquote() << "Failed to bootstrap config entry:" << error;
    } else {
        createCluster();
    }
    m_sessionTimers = std::make_unique<state::SessionTimers>(&m_clock, m_committer);
    m_tombstoneGc = std::make_unique<state::TombstoneGc>(&m_clock, m_store.get(), m_committer);
    m_coordinateBatcher = std::make_unique<state::CoordinateBatcher>(
        &m_clock, m_committer,
        state::CoordinateBatcher::Options{m_config.coordinateUpdatePeriod / kMillisecond, m_config.coordinateUpdateBatchSize,
                                          m_config.coordinateUpdateMaxBatches});
    m_checkTls = std::make_shared<checks::TlsBase>(checkTls(m_config, &m_checkTlsError).value_or(checks::TlsBase()));
    // Made for the first HTTP or gRPC check: a QNetworkAccessManager costs an agent ~0.5 MB RSS.
    auto checkNam = [this] {
        if (!m_checkNam) {
            m_checkNam = std::make_unique<QNetworkAccessManager>();
            m_checkNam->setCache(new checks::NoStoreCache(m_checkNam.get())); // see NoStoreCache
        }
        return m_checkNam.get();
    };
    m_local = std::make_unique<LocalState>(&m_clock, m_committer, m_store.get(), checkNam,
                                           localOptions(m_config));
    if (!m_config.dev && !m_config.dataDir.isEmpty()) {
        m_persistence = std::make_unique<checks::LocalPersistence>(m_config.dataDir);
        m_local->setPersistence(m_persistence.get());
    }
    if (m_forwarder) {
        connect(m_servers.get(), &cluster::ServerList::serverAlive, this, [this] { m_local->serverUp(); });
        m_local->setRemoteCatalog([this](const QString &node, cluster::NodeCatalogDone done) {
            cluster::fetchNodeCatalog(&m_clock, m_pool.get(), m_servers.get(), m_config.rpcHoldTimeout / kMillisecond,
                                      node, std::move(done));
        });
    }
    http::v1::ApiContext ctx;
    ctx.store = m_store.get();
    ctx.committer = m_committer;
    ctx.raft = m_server.get();
    ctx.agent = this;
    ctx.clock = &m_clock;
    ctx.config = &m_config;
    ctx.sessionTimers = m_sessionTimers.get();
    ctx.coordinateBatcher = m_coordinateBatcher.get();
    m_api = std::make_unique<http::v1::Api>(ctx);
    if (!m_config.dev) {
        cluster::Upstream *upstream = m_server ? static_cast<cluster::Upstream *>(m_server.get()) : m_servers.get();
        m_router = std::make_unique<cluster::RequestRouter>(
            m_api.get(), &m_clock, m_pool.get(), upstream, m_server.get(), m_wan.get(),
            cluster::RequestRouter::Options{m_config.rpcHoldTimeout / kMillisecond, m_config.nodeName,
                                            m_config.datacenter, m_config.translateWanAddrs});
    }
    if (m_server) {
        m_server->setHttpHandler([this](const http::HttpRequest &req, std::shared_ptr<http::HttpResponder> out) {
            m_router->handle(req, out);
        });
    }
}

void Agent::createCluster()
{
    rpc::ConnectionPool::Options poolOptions;
    poolOptions.datacenter = m_config.datacenter;
    poolOptions.connectTimeoutMs = int(m_config.limits.rpcHandshakeTimeout / kMillisecond);
    m_pool = std::make_unique<rpc::ConnectionPool>(poolOptions);
    m_servers = std::make_unique<cluster::ServerList>(m_config.datacenter);
    if (!m_config.server) {
        m_forwarder = std::make_unique<cluster::ForwardingCommitter>(&m_clock, m_pool.get(), m_servers.get(),
                                                                     m_config.rpcHoldTimeout / kMillisecond);
        m_committer = m_forwarder.get();
        return;
    }
    cluster::ServerNode::Options o;
    o.nodeId = m_config.nodeId;
    o.nodeName = m_config.nodeName;
    o.datacenter = m_config.datacenter;
    o.rpcAddress = QStringLiteral("%1:%2").arg(advertiseAddress()).arg(m_config.ports.server);
    o.bindAddress = m_config.bindAddr;
    o.port = quint16(m_config.ports.server);
    o.dataDir = m_config.dataDir;
    o.bootstrap = m_config.bootstrap;
    o.bootstrapExpect = m_config.bootstrapExpect;
    o.raft.timing = raft::Timing{m_config.raft.heartbeatTimeout / kMillisecond, m_config.raft.electionTimeout / kMillisecond,
                                 m_config.raft.leaderLeaseTimeout / kMillisecond};
    o.raft.snapshotIntervalMs = m_config.raft.snapshotInterval / kMillisecond;
    o.raft.snapshotThreshold = quint64(m_config.raft.snapshotThreshold);
    o.raft.trailingLogs = quint64(m_config.raft.trailingLogs);
    o.rpcHoldMs = m_config.rpcHoldTimeout / kMillisecond;
    o.autopilot = m_config.autopilot;
    o.configEntries = m_config.configEntriesBootstrap;
    m_server = std::make_unique<cluster::ServerNode>(o, &m_clock, m_store.get(), m_pool.get());
    m_committer = m_server->committer();
    m_wan = std::make_unique<cluster::WanRouter>(m_config.datacenter, &m_clock, poolOptions, o.rpcHoldMs);
}

Agent::~Agent()
{
    // Listeners first, then every pending timer (blocked queries, TTLs, checks) while the store
    // and the watches their callbacks hold still exist.
    qDeleteAll(m_httpServers);
    m_httpServers.clear();
    qDeleteAll(m_dnsServers);
    m_dnsServers.clear();
    m_gossip.reset();
    m_clock.cancelAll();
}

QString Agent::advertiseAddress() const
{
    if (!m_config.advertiseAddr.isEmpty())
        return m_config.advertiseAddr;
    if (m_config.bindAddr.isEmpty() || m_config.bindAddr == u"0.0.0.0")
        return QStringLiteral("127.0.0.1");
    return m_config.bindAddr;
}

bool Agent::start(QString *error)
{
    m_startedMs = m_clock.monotonicMs();
    if (!m_checkTlsError.isEmpty()) {
        *error = QStringLiteral("Error starting agent: %1").arg(m_checkTlsError);
        return false;
    }
    if (m_server) {
        if (!m_server->start(error))
            return false;
        m_server->setServerList(m_servers.get());
        m_reconciler = std::make_unique<cluster::MemberReconciler>(&m_clock, m_committer, m_store.get(), m_server.get());
        serveDnsForClients();
        servePreparedQueryFailover();
        // Session TTLs are a leader duty: a new leader re-arms a full TTL for every session (as
        // Consul does), a former one drops its timers so it never destroys a renewed session.
        connect(m_server.get(), &cluster::ServerNode::leadershipChanged, this, [this](bool leader) {
            QList<api::Session> sessions;
            m_store->sessions(&sessions);
            for (const api::Session &session : std::as_const(sessions)) {
                if (leader)
                    m_sessionTimers->reset(session.id, parseDuration(session.ttl).value_or(0));
                else
                    m_sessionTimers->clear(session.id);
            }
        });
    }
    if (m_config.ports.http >= 0) {
        http::HttpLimits limits;
        limits.bodyLimit = [this](const http::HttpRequest &head) { return m_api->bodyLimit(head); };
        // http_config.response_headers, as Consul's HTTP handlers set them (canonical names, an
        // endpoint's own header of that name winning); read once: Consul does not reload them.
        http::HttpResponse extra;
        for (auto it = m_config.httpResponseHeaders.cbegin(); it != m_config.httpResponseHeaders.cend(); ++it)
            extra.setHeader(http::canonicalHeaderKey(it.key().toUtf8()), it.value().toUtf8());
        // Consul marks every answer of an agent that translates addresses (docs: translate_wan_addrs).
        if (m_config.translateWanAddrs)
            extra.setHeader("X-Consul-Translate-Addresses", "true");
        limits.responseHeaders = extra.headers;
        const QStringList addrs = m_config.httpAddrs.isEmpty() ? m_config.clientAddrs : m_config.httpAddrs;
        for (const QString &addr : addrs) {
            auto *server = new http::HttpServer(
                limits, [this](const http::HttpRequest &req, std::shared_ptr<http::HttpResponder> out) {
                    if (m_router)
                        m_router->handle(req, out);
                    else
                        m_api->handle(req, out);
                });
            m_httpServers.append(server);
            if (!server->listen(QHostAddress(addr), quint16(m_config.ports.http))) {
                *error = QStringLiteral("Failed to start HTTP server on %1:%2: %3")
                             .arg(addr)
                             .arg(m_config.ports.http)
                             .arg(server->errorString());
                return false;
            }
            qCInfo(lcAgent).noquote() << "Started HTTP server:" << QStringLiteral("address=%1:%2 network=tcp").arg(addr).arg(server->serverPort());
        }
    }
    if (m_config.ports.dns >= 0) {
        const QList<dns::Recursor> recursors = dnsRecursors(m_config);
        const QStringList addrs = m_config.dnsAddrs.isEmpty() ? m_config.clientAddrs : m_config.dnsAddrs;
        for (const QString &addr : addrs) {
            auto *server = new dns::DnsServer(m_store.get(), dns::DnsSettings::fromAgentConfig(m_config), recursors,
                                              m_config.dnsConfig.recursorStrategy, m_config.dnsConfig.recursorTimeout);
            m_dnsServers.append(server);
            server->resolver().setNearLookup([this](const QString &node) { return nearSource(node); });
            if (m_forwarder)
                server->setUpstream([this](const QByteArray &packet, bool tcp, std::function<void(const QByteArray &)> answer) {
                    askServerDns(packet, tcp, std::move(answer));
                });
            if (m_wan)
                server->setDatacenterForwarder([this](const QString &dc) { return m_wan->knows(dc); },
                                               [this](const QByteArray &packet, bool tcp, const QString &dc,
                                                      std::function<void(const QByteArray &)> answer) {
                                                   askDatacenterDns(packet, tcp, dc, m_config.translateWanAddrs,
                                                                    std::move(answer));
                                               });
            if (m_wan)
                server->setQueryFailover([this](const QJsonObject &definition, auto done) {
                    dnsQueryFailover(definition, std::move(done));
                });
            if (!server->listen(QHostAddress(addr), quint16(m_config.ports.dns), error)) {
                *error = QStringLiteral("Failed to start DNS server on %1:%2: %3").arg(addr).arg(m_config.ports.dns).arg(*error);
                return false;
            }
            for (const char *net : {"tcp", "udp"})
                qCInfo(lcAgent).noquote() << "Started DNS server:" << QStringLiteral("address=%1:%2 network=%3").arg(addr).arg(server->port()).arg(QLatin1StringView(net));
        }
    }
    m_gossip = std::make_unique<GossipPools>(m_config, advertiseAddress(), &m_clock, &m_metrics);
    if (!m_gossip->start(gossipTags(false), gossipTags(true), error))
        return false;
    if (gossip::Serf *lan = m_gossip->lan()) {
        connect(lan, &gossip::Serf::userEvent, this, [this](const gossip::UserEvent &e) {
            const QJsonDocument doc = QJsonDocument::fromJson(e.payload);
            if (doc.isObject())
                deliverEvent(doc.object(), e.ltime);
        });
        if (m_servers)
            m_servers->attach(lan); // the servers of this datacenter, as the LAN pool shows them
        if (m_forwarder) {
            m_rebalancer = std::make_unique<cluster::ServerRebalancer>(
                &m_clock, m_pool.get(), m_servers.get(),
                [this] { return m_gossip && m_gossip->lan() ? int(m_gossip->lan()->members().size()) : 0; },
                m_config.rebalanceMinReuse / kMillisecond, m_config.limits.rpcHandshakeTimeout / kMillisecond);
            m_rebalancer->start();
        }
        if (m_reconciler)
            m_reconciler->attach(lan); // the leader keeps the catalog's nodes in step with it
    }
    if (m_wan)
        m_wan->attach(m_gossip->wan()); // the other datacenters' servers
    connect(m_gossip.get(), &GossipPools::retryJoinExhausted, this, &Agent::shutdownRequested);
    m_gossip->startRetryJoin();
    registerSelf();
    scheduleCoordinateSync();
    // Services and checks from the config files, then anti-entropy and the reaper.
    if (const AgentError e = m_local->applyConfigDefinitions(m_config.services, m_config.checks)) {
        *error = QStringLiteral("Error starting agent: %1").arg(e.message);
        return false;
    }
    m_local->loadPersisted();
    m_local->start();
    return true;
}

// Client agents have no catalog: their DNS questions for the Consul domains are answered by a
// server ("Dns.Query"), from its own store, so stale as Consul's DNS reads are by default.
void Agent::serveDnsForClients()
{
    m_serverDns = std::make_unique<dns::DnsResolver>(m_store.get(), dns::DnsSettings::fromAgentConfig(m_config));
    m_serverDns->setRemoteDatacenters([this](const QString &dc) { return m_wan->knows(dc); });
    m_serverDns->setNearLookup([this](const QString &node) { return nearSource(node); });
    m_server->rpcServer()->setHandler(QStringLiteral("Dns.Query"), [this](const QCborValue &args, rpc::RpcServer::Reply reply) {
        const QCborMap query = args.toMap();
        const QByteArray packet = query.value(QStringLiteral("p")).toByteArray();
        const bool tcp = query.value(QStringLiteral("t")).toBool();
        // "w": a server of another datacenter asks for an agent with translate_wan_addrs; "x":
        // a client agent of this one says whether it has translate_wan_addrs.
        dns::DnsResolver::Outcome out = m_serverDns->handle(packet, tcp, query.value(QStringLiteral("w")).toBool());
        if (out.action == dns::DnsResolver::Action::Reply) {
            reply(out.reply, {});
        } else if (out.action == dns::DnsResolver::Action::Failover) {
            dnsQueryFailover(out.definition, [this, reply, q = out.query, tcp, definition = out.definition](
                                                 const QByteArray &dc, const QList<state::HealthEntry> &entries) {
                reply(m_serverDns->answerFailover(q, tcp, definition, dc, entries), {});
            });
        } else if (out.action == dns::DnsResolver::Action::Forward) {
            askDatacenterDns(packet, tcp, QString::fromUtf8(out.datacenter), query.value(QStringLiteral("x")).toBool(),
                             [this, reply, q = out.query](const QByteArray &bytes) {
                                 reply(bytes.isEmpty() ? m_serverDns->forwardFailed(q) : bytes, {});
                             });
        } else {
            reply({}, QStringLiteral("not a question this server answers"));
        }
    });
}

// <name>.query.<domain> with no healthy instance here: the query's Failover runs as for
// /v1/query/<id>/execute, and the instances of the datacenter that had some are the answer.
void Agent::dnsQueryFailover(const QJsonObject &definition,
                             std::function<void(const QByteArray &, const QList<state::HealthEntry> &)> done)
{
    const QJsonObject failover = definition.value(u"Service").toObject().value(u"Failover").toObject();
    const QStringList dcs = http::v1::failoverDatacenters(m_api->context(), failover);
    const QJsonObject none{{QStringLiteral("Datacenter"), m_config.datacenter}, {QStringLiteral("Nodes"), QJsonArray()}};
    http::v1::failover(m_api->context(), definition, 0, dcs, 0, none, [done = std::move(done)](const QJsonObject &body) {
        QList<state::HealthEntry> entries;
        for (const QJsonValue &v : body.value(u"Nodes").toArray()) {
            const QJsonObject o = v.toObject();
            state::HealthEntry e;
            QString error;
            bool ok = api::fromJson(o.value(u"Node").toObject(), &e.node, &error)
                && api::fromJson(o.value(u"Service").toObject(), &e.service, &error);
            for (const QJsonValue &c : o.value(u"Checks").toArray()) {
                api::HealthCheck check;
                ok = ok && api::fromJson(c.toObject(), &check, &error);
                e.checks.append(check);
            }
            if (ok)
                entries.append(e);
        }
        done(body.value(u"Datacenter").toString().toUtf8(), entries);
    });
}

// A question for another datacenter: a server there answers the same packet from its catalog.
void Agent::askDatacenterDns(const QByteArray &packet, bool tcp, const QString &datacenter, bool translateWan,
                             std::function<void(const QByteArray &)> answer)
{
    constexpr qint64 kDnsReplyMs = 2000;
    m_wan->call(datacenter, QStringLiteral("Dns.Query"),
                QCborMap{{QStringLiteral("p"), packet}, {QStringLiteral("t"), tcp}, {QStringLiteral("w"), translateWan}},
                kDnsReplyMs, [answer = std::move(answer)](const QCborValue &result, const QString &error) {
                    answer(error.isEmpty() ? result.toByteArray() : QByteArray());
                });
}

void Agent::askServerDns(const QByteArray &packet, bool tcp, std::function<void(const QByteArray &)> answer)
{
    constexpr qint64 kDnsHoldMs = 2000; // DNS clients retry after a few seconds themselves
    cluster::callUpstream(&m_clock, m_pool.get(), m_servers.get(), QStringLiteral("Dns.Query"),
                          QCborMap{{QStringLiteral("p"), packet}, {QStringLiteral("t"), tcp},
                                   {QStringLiteral("x"), m_config.translateWanAddrs}},
                          kDnsHoldMs, kDnsHoldMs,
                          [answer = std::move(answer)](const QCborValue &result, const QString &error) {
                              answer(error.isEmpty() ? result.toByteArray() : QByteArray());
                          });
}

QStringList Agent::datacenters() const
{
    return m_wan ? m_wan->datacentersByDistance() : QStringList{m_config.datacenter};
}

// Prepared query failover: a server of another datacenter runs the query's definition here
// (Consul's PreparedQuery.ExecuteRemote), from this server's copy of the catalog.
void Agent::servePreparedQueryFailover()
{
    m_server->rpcServer()->setHandler(QStringLiteral("PreparedQuery.ExecuteRemote"),
                                      [this](const QCborValue &args, rpc::RpcServer::Reply reply) {
                                          const QJsonObject a = args.toJsonValue().toObject();
                                          const QJsonObject body = http::v1::executePreparedQuery(
                                              m_api->context(), a.value(u"Query").toObject(), a.value(u"Limit").toInt(), QString());
                                          reply(QCborValue::fromJsonValue(body), {});
                                      });
}

void Agent::executeQueryRemote(const QString &dc, const QJsonObject &args,
                               std::function<void(const QJsonObject &, const QString &)> done)
{
    constexpr qint64 kReplyMs = 10000;
    if (!m_wan) {
        done({}, cluster::kNoDcPath);
        return;
    }
    m_wan->call(dc, QStringLiteral("PreparedQuery.ExecuteRemote"), QCborValue::fromJsonValue(args), kReplyMs,
                [done = std::move(done)](const QCborValue &result, const QString &error) {
                    done(result.toJsonValue().toObject(), error);
                });
}

LocalState::Options Agent::localOptions(const config::AgentConfig &config) const
{
    LocalState::Options o;
    o.node = config.nodeName;
    o.nodeInfo = nodeInfo(config);
    o.outputMaxSize = config.checkOutputMaxSize;
    o.checkUpdateInterval = config.checkUpdateInterval;
    o.discardCheckOutput = config.discardCheckOutput;
    o.enableScriptChecks = config.enableScriptChecks;
    o.enableLocalScriptChecks = config.enableLocalScriptChecks;
    o.checkTls = m_checkTls; // read at start, replaced in place on reload (checkTls())
    o.sidecarPorts = {config.ports.sidecarMinPort, config.ports.sidecarMaxPort};
    return o;
}

// This node's part of a registration, as Consul's agent sends it (its local state's config and
// metadata).
QJsonObject Agent::nodeInfo(const config::AgentConfig &config) const
{
    const QString addr = advertiseAddress();
    const QString wan = config.advertiseAddrWan.isEmpty() ? addr : config.advertiseAddrWan;
    QJsonObject meta = api::stringMapJson(config.nodeMeta);
    meta.insert(QStringLiteral("consul-network-segment"), QString());
    meta.insert(QStringLiteral("consul-version"), consulCompatVersion());
    return QJsonObject{
        {QStringLiteral("ID"), config.nodeId},
        {QStringLiteral("Address"), addr},
        {QStringLiteral("Datacenter"), config.datacenter},
        {QStringLiteral("TaggedAddresses"), QJsonObject{{QStringLiteral("lan"), addr},
                                                        {QStringLiteral("lan_ipv4"), addr},
                                                        {QStringLiteral("wan"), wan},
                                                        {QStringLiteral("wan_ipv4"), wan}}},
        {QStringLiteral("NodeMeta"), meta},
    };
}

// The node info with the agent's serfHealth check (and, on a server, its `consul` service).
void Agent::registerSelf()
{
    QJsonObject self{
        {QStringLiteral("Check"),
         QJsonObject{{QStringLiteral("CheckID"), QStringLiteral("serfHealth")},
                     {QStringLiteral("Name"), QStringLiteral("Serf Health Status")},
                     {QStringLiteral("Status"), QStringLiteral("passing")},
                     {QStringLiteral("Output"), QStringLiteral("Agent alive and reachable")},
                     {QStringLiteral("Type"), QString()}}},
    };
    if (m_config.server || m_config.dev) {
        // Servers are instances of the `consul` service (client agents are not).
        self.insert(QStringLiteral("Service"), QJsonObject{{QStringLiteral("ID"), QStringLiteral("consul")},
                                                           {QStringLiteral("Service"), QStringLiteral("consul")},
                                                           {QStringLiteral("Port"), m_config.ports.server}});
    }
    m_local->syncNodeInfo(self, [this](bool ok) {
        // In a cluster the servers may have no leader yet: try again, as Consul's anti-entropy
        // keeps syncing the node.
        if (!ok && !m_config.dev)
            m_clock.schedule(kRegisterRetryMs, [this] { registerSelf(); });
    });
    if (m_config.dev)
        qCInfo(lcAgent).noquote() << "New leader elected:" << QStringLiteral("payload=%1").arg(m_config.nodeName);
}

// As Consul's agent, each one reports its own LAN coordinate to the servers every
// sync_coordinate_interval_min (15 s), less often in pools so big that would exceed 64
// updates a second, plus a random stagger of up to one interval.
void Agent::scheduleCoordinateSync()
{
    const gossip::Serf *lan = m_gossip ? m_gossip->lan() : nullptr;
    if (!lan || m_config.disableCoordinates)
        return;
    const qint64 interval = std::max(m_config.syncCoordinateIntervalMin / kMillisecond,
                                     qint64(lan->members().size()) * 1000 / kSyncCoordinateRateTarget);
    m_clock.schedule(interval + qint64(QRandomGenerator::global()->bounded(double(interval))), [this] {
        sendCoordinate();
        scheduleCoordinateSync();
    });
}

// The report is a PUT /v1/coordinate/update of our own (Consul's Coordinate.Update RPC): a
// client forwards it to a server and a follower to the leader, whose batcher writes it with the
// others' at its next period.
void Agent::sendCoordinate()
{
    const QHash<QString, gossip::Coordinate> all = m_gossip->lan()->coordinates();
    const auto self = all.constFind(m_config.nodeName);
    if (self == all.constEnd())
        return;
    http::HttpRequest request;
    request.method = "PUT";
    request.path = QStringLiteral("/v1/coordinate/update");
    request.target = request.path.toUtf8();
    request.body = QJsonDocument(QJsonObject{{QStringLiteral("Node"), m_config.nodeName},
                                             {QStringLiteral("Segment"), QString()},
                                             {QStringLiteral("Coord"), self->toJson()}})
                       .toJson(QJsonDocument::Compact);
    const auto reply = http::HttpResponder::capture([](const http::HttpResponse &response) {
        if (response.status != 200)
            qCWarning(lcAgent).noquote() << "Coordinate update error:" << QString::fromUtf8(response.body);
    });
    if (m_router)
        m_router->handle(request, reply);
    else
        m_api->handle(request, reply);
}

QMap<QString, QString> Agent::gossipTags(bool wan) const
{
    QMap<QString, QString> tags;
    const QJsonObject json = member().value(u"Tags").toObject();
    for (auto it = json.begin(); it != json.end(); ++it)
        tags.insert(it.key(), it.value().toString());
    if (wan)
        tags.remove(QStringLiteral("segment")); // the WAN pool has no segments
    return tags;
}

QJsonObject Agent::memberJson(const QJsonObject &base, const QString &name, const QString &addr, int port,
                              const QJsonObject &tags, int status) const
{
    QJsonObject m = base;
    m.insert(QStringLiteral("Name"), name);
    m.insert(QStringLiteral("Addr"), addr);
    m.insert(QStringLiteral("Port"), port);
    m.insert(QStringLiteral("Tags"), tags);
    m.insert(QStringLiteral("Status"), status);
    return m;
}

QJsonObject Agent::member() const
{
    QJsonObject tags{{QStringLiteral("build"), QString(consulCompatVersion() + u':' + buildRevision())},
                     {QStringLiteral("dc"), m_config.datacenter},
                     {QStringLiteral("id"), m_config.nodeId},
                     {QStringLiteral("role"), m_config.server ? QStringLiteral("consul") : QStringLiteral("node")},
                     {QStringLiteral("segment"), QString()},
                     {QStringLiteral("vsn"), QStringLiteral("2")},
                     {QStringLiteral("vsn_max"), QStringLiteral("3")},
                     {QStringLiteral("vsn_min"), QStringLiteral("2")}};
    if (m_config.server) {
        tags.insert(QStringLiteral("port"), QString::number(m_config.ports.server));
        tags.insert(QStringLiteral("raft_vsn"), QStringLiteral("3"));
        if (m_config.bootstrap)
            tags.insert(QStringLiteral("bootstrap"), QStringLiteral("1"));
        if (m_config.bootstrapExpect > 0)
            tags.insert(QStringLiteral("expect"), QString::number(m_config.bootstrapExpect));
        tags.insert(QStringLiteral("wan_join_port"), QString::number(m_config.ports.serfWan));
    }
    return QJsonObject{{QStringLiteral("Name"), m_config.nodeName},
                       {QStringLiteral("Addr"), advertiseAddress()},
                       {QStringLiteral("Port"), m_config.ports.serfLan},
                       {QStringLiteral("Tags"), tags},
                       {QStringLiteral("Status"), 1},
                       {QStringLiteral("ProtocolMin"), 1},
                       {QStringLiteral("ProtocolMax"), 5},
                       {QStringLiteral("ProtocolCur"), 2},
                       {QStringLiteral("DelegateMin"), 2},
                       {QStringLiteral("DelegateMax"), 5},
                       {QStringLiteral("DelegateCur"), 4}};
}

QJsonObject Agent::raftStats() const
{
    auto str = [](auto v) { return QString::number(v); };
    const raft::RaftNode *node = m_server ? m_server->raft() : nullptr;
    if (!m_config.dev && !node)
        return {}; // client agents have no Raft: Consul shows no raft section for them
    // -dev: one in-memory server that applies every write at once.
    QString state = QStringLiteral("Leader"), lastContact = QStringLiteral("0"), configuration;
    quint64 applied = m_store->lastIndex(), commit = applied, lastIndex = applied, term = 1, snapshotIndex = 0;
    int peers = 0;
    if (node) {
        static const char *const names[] = {"Follower", "Candidate", "Candidate", "Leader"}; // pre-vote counts as candidate
        state = QString::fromLatin1(names[int(node->state())]);
        const qint64 contact = node->lastContactMs();
        lastContact = node->isLeader() ? QStringLiteral("0")
            : contact < 0              ? QStringLiteral("never")
                                       : formatDuration(contact * kMillisecond);
        applied = node->lastApplied();
        commit = node->commitIndex();
        lastIndex = node->lastIndex();
        term = node->currentTerm();
        snapshotIndex = node->snapshotIndex();
        QStringList servers;
        for (const raft::Server &sv : node->configuration().servers) {
            servers << QStringLiteral("{Suffrage:%1 ID:%2 Address:%3}")
                           .arg(sv.suffrage == raft::Suffrage::Voter ? u"Voter" : u"Nonvoter", sv.id, sv.address);
        }
        configuration = u'[' + servers.join(u' ') + u']';
        peers = std::max<int>(0, int(node->configuration().voters().size()) - 1);
    } else {
        configuration = QStringLiteral("[{Suffrage:Voter ID:%1 Address:%2}]").arg(m_config.nodeId, m_committer->leaderAddress());
    }
    return QJsonObject{{QStringLiteral("applied_index"), str(applied)},
                       {QStringLiteral("commit_index"), str(commit)},
                       {QStringLiteral("fsm_pending"), QStringLiteral("0")},
                       {QStringLiteral("last_contact"), lastContact},
                       {QStringLiteral("last_log_index"), str(lastIndex)},
                       {QStringLiteral("last_log_term"), str(term)},
                       {QStringLiteral("last_snapshot_index"), str(snapshotIndex)},
                       {QStringLiteral("last_snapshot_term"), QStringLiteral("0")},
                       {QStringLiteral("latest_configuration"), configuration},
                       {QStringLiteral("latest_configuration_index"), QStringLiteral("0")},
                       {QStringLiteral("num_peers"), str(peers)},
                       {QStringLiteral("protocol_version"), QStringLiteral("3")},
                       {QStringLiteral("protocol_version_max"), QStringLiteral("3")},
                       {QStringLiteral("protocol_version_min"), QStringLiteral("0")},
                       {QStringLiteral("snapshot_version_max"), QStringLiteral("1")},
                       {QStringLiteral("snapshot_version_min"), QStringLiteral("0")},
                       {QStringLiteral("state"), state},
                       {QStringLiteral("term"), str(term)}};
}

QJsonObject Agent::serfStats(const gossip::Serf *pool) const
{
    auto str = [](auto v) { return QString::number(v); };
    const gossip::SerfStats st = pool ? pool->stats() : gossip::SerfStats{1, 0, 0, 1, m_eventClock + 1, 0, 0, 0, {}};
    return QJsonObject{{QStringLiteral("coordinate_resets"), QStringLiteral("0")},
                       {QStringLiteral("encrypted"), m_config.encrypt.isEmpty() ? QStringLiteral("false") : QStringLiteral("true")},
                       {QStringLiteral("event_queue"), str(st.eventQueue)},
                       {QStringLiteral("event_time"), str(st.eventTime)},
                       {QStringLiteral("failed"), str(st.failed)},
                       {QStringLiteral("health_score"), str(st.healthScore)},
                       {QStringLiteral("intent_queue"), str(st.intentQueue)},
                       {QStringLiteral("left"), str(st.left)},
                       {QStringLiteral("member_time"), str(st.memberTime)},
                       {QStringLiteral("members"), str(st.alive + st.failed + st.left)},
                       {QStringLiteral("query_queue"), QStringLiteral("0")},
                       {QStringLiteral("query_time"), QStringLiteral("1")}};
}

QJsonObject Agent::stats() const
{
    auto str = [](auto v) { return QString::number(v); };
    const QString leaderAddr = m_committer->leaderAddress();
    QJsonObject out{
        {QStringLiteral("agent"),
         QJsonObject{{QStringLiteral("check_monitors"), str(m_local->scriptCheckCount())},
                     {QStringLiteral("check_ttls"), str(m_local->ttlCheckCount())},
                     {QStringLiteral("checks"), str(m_local->checks().size())},
                     {QStringLiteral("services"), str(m_local->services().size())}}},
        {QStringLiteral("build"),
         QJsonObject{{QStringLiteral("prerelease"), QString()},
                     {QStringLiteral("revision"), buildRevision()},
                     {QStringLiteral("version"), consulCompatVersion()},
                     {QStringLiteral("version_metadata"), QString(QStringLiteral("qonsul-") + qonsulVersion())}}},
        {QStringLiteral("consul"),
         m_forwarder
             // A client agent reports the servers it knows instead of Raft's view (as Consul's).
             ? QJsonObject{{QStringLiteral("acl"), QStringLiteral("disabled")},
                           {QStringLiteral("known_servers"), str(m_servers->aliveServers().size())},
                           {QStringLiteral("server"), QStringLiteral("false")}}
             : QJsonObject{{QStringLiteral("acl"), QStringLiteral("disabled")},
                           {QStringLiteral("bootstrap"), m_config.bootstrap || m_config.dev ? QStringLiteral("true") : QStringLiteral("false")},
                           {QStringLiteral("known_datacenters"), QStringLiteral("1")},
                           {QStringLiteral("leader"), m_committer->isLeader() ? QStringLiteral("true") : QStringLiteral("false")},
                           {QStringLiteral("leader_addr"), leaderAddr},
                           {QStringLiteral("server"), m_config.server ? QStringLiteral("true") : QStringLiteral("false")}}},
        {QStringLiteral("raft"), raftStats()},
        {QStringLiteral("runtime"),
         QJsonObject{{QStringLiteral("arch"), QSysInfo::buildCpuArchitecture()},
                     {QStringLiteral("cpu_count"), str(QThread::idealThreadCount())},
                     {QStringLiteral("goroutines"), QStringLiteral("1")},
                     {QStringLiteral("max_procs"), str(QThread::idealThreadCount())},
                     {QStringLiteral("os"), QSysInfo::kernelType()},
                     {QStringLiteral("version"), QString(QStringLiteral("Qt ") + QString::fromLatin1(qVersion()))}}},
        {QStringLiteral("serf_lan"), serfStats(m_gossip ? m_gossip->lan() : nullptr)},
    };
    if (out.value(QStringLiteral("raft")).toObject().isEmpty())
        out.remove(QStringLiteral("raft"));
    // Servers (dev agents included) are in the WAN pool too, and Consul reports it.
    if (m_config.server)
        out.insert(QStringLiteral("serf_wan"), serfStats(m_gossip ? m_gossip->wan() : nullptr));
    return out;
}

QJsonObject Agent::self() const
{
    return QJsonObject{
        {QStringLiteral("Config"),
         QJsonObject{{QStringLiteral("Datacenter"), m_config.datacenter},
                     {QStringLiteral("PrimaryDatacenter"),
                      m_config.primaryDatacenter.isEmpty() ? m_config.datacenter : m_config.primaryDatacenter},
                     {QStringLiteral("NodeName"), m_config.nodeName},
                     {QStringLiteral("NodeID"), m_config.nodeId},
                     {QStringLiteral("Revision"), buildRevision()},
                     {QStringLiteral("Server"), m_config.server},
                     {QStringLiteral("Version"), consulCompatVersion()},
                     {QStringLiteral("BuildDate"), buildDate()}}},
        {QStringLiteral("DebugConfig"), config::sanitizedRaw(m_config)},
        {QStringLiteral("Coord"),
         (m_gossip && m_gossip->lan() ? m_gossip->lan()->coordinate() : gossip::Coordinate{}).toJson()},
        {QStringLiteral("Member"), member()},
        {QStringLiteral("Stats"), stats()},
        {QStringLiteral("Meta"), api::stringMapJson(m_config.nodeMeta)},
    };
}

QJsonArray Agent::members(bool wan) const
{
    if (wan && !m_config.server)
        return {};
    const QJsonObject self = member();
    const gossip::Serf *pool = !m_gossip ? nullptr : wan ? m_gossip->wan() : m_gossip->lan();
    if (!pool) {
        QJsonObject m = self;
        if (wan)
            m.insert(QStringLiteral("Name"), QString(m_config.nodeName + u'.' + m_config.datacenter));
        return QJsonArray{m};
    }
    QList<gossip::Member> all = pool->members();
    std::sort(all.begin(), all.end(), [](const gossip::Member &a, const gossip::Member &b) { return a.name < b.name; });
    QJsonArray out;
    for (const gossip::Member &m : std::as_const(all)) {
        QJsonObject tags;
        for (auto it = m.tags.cbegin(); it != m.tags.cend(); ++it) {
            if (it.key() != gossip::kKeyringTag) // ours, not Consul's
                tags.insert(it.key(), it.value());
        }
        out.append(memberJson(self, m.name, m.addr, m.port, tags, int(m.status)));
    }
    return out;
}

QJsonObject Agent::metrics() const
{
    auto gauge = [](const QString &name, double value) {
        return QJsonObject{{QStringLiteral("Name"), name}, {QStringLiteral("Value"), value}, {QStringLiteral("Labels"), QJsonObject()}};
    };
    const QJsonArray gauges{
        gauge(QStringLiteral("consul.runtime.alloc_bytes"), double(residentBytes())),
        gauge(QStringLiteral("consul.runtime.num_goroutines"), 1),
        gauge(QStringLiteral("consul.kvs.entries"), double(m_store->kvCount())),
        gauge(QStringLiteral("consul.session_ttl.active"), double(m_sessionTimers->count())),
        gauge(QStringLiteral("consul.http.blocking_queries"), double(m_store->watches().watchCount())),
        gauge(QStringLiteral("consul.raft.applied_index"), double(m_store->lastIndex())),
        gauge(QStringLiteral("consul.agent.uptime_seconds"), double(m_clock.monotonicMs() - m_startedMs) / 1000.0),
    };
    // Counters and samples of the last finished 10 s interval, as Consul's in-memory sink shows.
    const QDateTime interval = QDateTime::fromMSecsSinceEpoch(m_metrics.displayedIntervalStartMs(), Qt::UTC);
    return QJsonObject{
        {QStringLiteral("Timestamp"), interval.toString(QStringLiteral("yyyy-MM-dd HH:mm:ss +0000 'UTC'"))},
        {QStringLiteral("Gauges"), gauges},
        {QStringLiteral("Points"), QJsonArray()},
        {QStringLiteral("Counters"), m_metrics.counters()},
        {QStringLiteral("Samples"), m_metrics.samples()}};
}

QByteArray Agent::prometheusMetrics() const
{
    QByteArray out;
    for (const QJsonValue &g : metrics().value(u"Gauges").toArray()) {
        const QByteArray name = g.toObject().value(u"Name").toString().toLatin1().replace('.', '_');
        out += "# HELP " + name + ' ' + name + "\n# TYPE " + name + " gauge\n" + name + ' '
            + QByteArray::number(g.toObject().value(u"Value").toDouble(), 'g', 15) + '\n';
    }
    // The same counters and samples as the JSON, as running totals (Prometheus counters and
    // summaries' _sum and _count), as Consul's prometheus sink keeps them.
    const QMap<QString, double> counters = m_metrics.counterTotals();
    for (auto it = counters.begin(); it != counters.end(); ++it) {
        const QByteArray n = it.key().toLatin1().replace('.', '_');
        out += "# HELP " + n + ' ' + n + "\n# TYPE " + n + " counter\n" + n + ' '
            + QByteArray::number(it.value(), 'g', 15) + '\n';
    }
    const QMap<QString, Metrics::SampleTotals> samples = m_metrics.sampleTotals();
    for (auto it = samples.begin(); it != samples.end(); ++it) {
        const QByteArray n = it.key().toLatin1().replace('.', '_');
        out += "# HELP " + n + ' ' + n + "\n# TYPE " + n + " summary\n" + n + "_sum "
            + QByteArray::number(it.value().sum, 'g', 15) + '\n' + n + "_count " + QByteArray::number(it.value().count) + '\n';
    }
    return out;
}

QJsonObject Agent::localServices() const
{
    QJsonObject out;
    for (const api::Service &s : m_local->services()) {
        QJsonObject o = api::toJson(s);
        o.remove(QStringLiteral("CreateIndex"));
        o.remove(QStringLiteral("ModifyIndex"));
        o.insert(QStringLiteral("Datacenter"), m_config.datacenter);
        out.insert(s.id, o);
    }
    return out;
}

QJsonObject Agent::localChecks() const
{
    QJsonObject out;
    for (const api::HealthCheck &c : m_local->checks()) {
        QJsonObject o = api::toJson(c);
        o.remove(QStringLiteral("CreateIndex"));
        o.remove(QStringLiteral("ModifyIndex"));
        out.insert(c.checkId, o);
    }
    return out;
}

AgentError Agent::registerService(const QJsonObject &definition, bool replaceExistingChecks)
{
    return m_local->addService(definition, replaceExistingChecks, LocalState::Source::Remote);
}

AgentError Agent::deregisterService(const QString &id)
{
    return m_local->removeService(id);
}

AgentError Agent::registerCheck(const QJsonObject &definition)
{
    return m_local->addCheck(definition, LocalState::Source::Remote);
}

AgentError Agent::deregisterCheck(const QString &id)
{
    return m_local->removeCheck(id);
}

AgentError Agent::updateTtlCheck(const QString &id, const QString &status, const QString &output)
{
    return m_local->updateTtl(id, status, output);
}

AgentError Agent::setNodeMaintenance(bool enable, const QString &reason)
{
    return m_local->setNodeMaintenance(enable, reason);
}

AgentError Agent::setServiceMaintenance(const QString &serviceId, bool enable, const QString &reason)
{
    return m_local->setServiceMaintenance(serviceId, enable, reason);
}

AgentError Agent::reload()
{
    // Re-reads flags and files as at start; the reloadable parts take effect, and the services
    // and checks from the files replace the previous file-defined ones. A config that does not
    // load or validate is rejected whole and the running one stays.
    qCInfo(lcAgent).noquote() << "Reloading configuration...";
    config::LoadResult loaded = config::loadAgentConfig(m_config.commandLine);
    if (!loaded.config) {
        qCCritical(lcAgent).noquote() << "Failed to reload configs:" << loaded.error;
        return {500, QStringLiteral("Failed to reload configs: %1").arg(loaded.error)};
    }
    for (const QString &warning : std::as_const(loaded.warnings))
        qCWarning(lcConfig).noquote() << warning;
    const config::AgentConfig &next = *loaded.config;
    // The checks' TLS files are read again; every TLS check uses them from its next probe.
    QString tlsError;
    const std::optional<checks::TlsBase> nextTls = checkTls(next, &tlsError);
    if (!nextTls) {
        qCCritical(lcAgent).noquote() << "Failed to reload configs:" << tlsError;
        return {500, QStringLiteral("Failed to reload configs: %1").arg(tlsError)};
    }
    const LocalState::Options previous = localOptions(m_config);
    LocalState::Options nextOptions = localOptions(next);
    // Of the node info only node_meta reloads, as in Consul; the ID and addresses stay.
    nextOptions.nodeInfo = previous.nodeInfo;
    nextOptions.nodeInfo.insert(QStringLiteral("NodeMeta"), nodeInfo(next).value(QStringLiteral("NodeMeta")));
    m_local->setOptions(nextOptions);
    if (const AgentError e = m_local->applyConfigDefinitions(next.services, next.checks)) {
        m_local->setOptions(previous);
        qCCritical(lcAgent).noquote() << "Failed to reload configs:" << e.message;
        return {500, QStringLiteral("Failed to reload configs: %1").arg(e.message)};
    }
    m_config.services = next.services;
    m_config.checks = next.checks;
    m_config.nodeMeta = next.nodeMeta;
    m_config.logLevel = next.logLevel;
    m_config.checkUpdateInterval = next.checkUpdateInterval;
    m_config.checkOutputMaxSize = next.checkOutputMaxSize;
    m_config.discardCheckOutput = next.discardCheckOutput;
    m_config.enableScriptChecks = next.enableScriptChecks;
    m_config.enableLocalScriptChecks = next.enableLocalScriptChecks;
    // dns_config and recursors are reloadable, as in Consul (domain and alt_domain are not).
    m_config.dnsConfig = next.dnsConfig;
    m_config.recursors = next.recursors;
    for (dns::DnsServer *server : std::as_const(m_dnsServers))
        server->reconfigure(dns::DnsSettings::fromAgentConfig(m_config), dnsRecursors(m_config),
                            m_config.dnsConfig.recursorStrategy, m_config.dnsConfig.recursorTimeout);
    *m_checkTls = *nextTls; // in place: the runners share it (checks::SharedTlsBase)
    // Qt would go on using a cached connection with the TLS settings it was made with.
    if (m_checkNam)
        m_checkNam->clearConnectionCache();
    if (const auto level = parseLogLevel(m_config.logLevel))
        LogHub::setLevel(*level);
    return {};
}

void Agent::leaveGossip(std::function<void()> done)
{
    qCInfo(lcAgent).noquote() << "Gracefully shutting down agent...";
    if (!m_gossip) {
        done();
        return;
    }
    m_gossip->leave([done] {
        qCInfo(lcAgent).noquote() << "Graceful leave complete";
        done();
    });
}

void Agent::leave()
{
    leaveGossip([this] { QMetaObject::invokeMethod(this, &Agent::shutdownRequested, Qt::QueuedConnection); });
}

void Agent::join(const QString &address, bool wan, std::function<void(const AgentError &)> done)
{
    if (!m_gossip) {
        done({500, QStringLiteral("gossip is not running on this agent")});
        return;
    }
    m_gossip->join(address, wan, [done](const QString &error) {
        done(error.isEmpty() ? AgentError{} : AgentError{500, error});
    });
}

AgentError Agent::forceLeave(const QString &node, bool prune, bool wan)
{
    gossip::Serf *lanPool = m_gossip ? m_gossip->lan() : nullptr;
    gossip::Serf *wanPool = m_gossip ? m_gossip->wan() : nullptr;
    if (wan) {
        qCInfo(lcAgent).noquote() << QStringLiteral("(WAN) Force leaving node: node=%1").arg(node);
        if (!wanPool)
            return { 500, QStringLiteral("Must be a server to force-leave a node from the WAN cluster") };
        // Consul's error names the LAN name it was given, which a WAN-only force-leave has none of.
        if (!wanPool->forceLeave(node, prune))
            return { 500, QStringLiteral("agent: No node found with name ''") };
        return {};
    }
    qCInfo(lcAgent).noquote() << QStringLiteral("Force leaving node: node=%1").arg(node);
    // The WAN pool knows servers as "<node>.<dc>": this datacenter's suffix is added unless the
    // name has it (a server of another datacenter takes ?wan).
    const QString suffix = u'.' + m_config.datacenter;
    const QString wanNode = node.endsWith(suffix) ? node : node + suffix;
    const bool inLan = lanPool && lanPool->forceLeave(node, prune);
    const bool inWan = wanPool && wanPool->forceLeave(wanNode, prune);
    if (!inLan && !inWan)
        return { 500, QStringLiteral("agent: No node found with name '%1'").arg(node) };
    return {};
}

QJsonArray Agent::wanCoordinates() const
{
    QJsonArray out;
    const gossip::Serf *pool = m_gossip ? m_gossip->wan() : nullptr;
    if (!pool)
        return out;
    const QHash<QString, gossip::Coordinate> all = pool->coordinates();
    QStringList names = all.keys();
    names.sort();
    for (const QString &name : std::as_const(names)) {
        out.append(QJsonObject{{QStringLiteral("Node"), name},
                               {QStringLiteral("Segment"), QString()},
                               {QStringLiteral("Coord"), all.value(name).toJson()}});
    }
    return out;
}

// As Consul's servers: distances from the coordinates stored in the catalog (what agents
// reported), not from this agent's own gossip view. No stored coordinate for the source: no sort.
state::NearSource Agent::nearSource(const QString &node) const
{
    state::NearSource source;
    source.node = node == u"_agent" ? m_config.nodeName : node;
    if (source.node.isEmpty())
        return source;
    QJsonArray own;
    m_store->coordinate(source.node, &own);
    if (own.isEmpty())
        return source;
    // Coordinates compare only within a segment: the source's first one and the others' of it.
    const QJsonObject from = own.first().toObject();
    const QString segment = from.value(u"Segment").toString();
    const gossip::Coordinate origin = gossip::Coordinate::fromJson(from.value(u"Coord").toObject());
    QJsonArray all;
    m_store->coordinates(&all);
    for (const QJsonValue &v : std::as_const(all)) {
        const QJsonObject c = v.toObject();
        if (c.value(u"Segment").toString() == segment)
            source.rtt.insert(c.value(u"Node").toString(), origin.distanceTo(gossip::Coordinate::fromJson(c.value(u"Coord").toObject())));
    }
    return source;
}

QJsonArray Agent::keyringList() const
{
    QJsonArray out;
    if (!m_gossip)
        return out;
    auto counts = [](const QMap<QString, int> &map) {
        QJsonObject o;
        for (auto it = map.cbegin(); it != map.cend(); ++it)
            o.insert(it.key(), it.value());
        return o;
    };
    for (const auto &[wan, status] : m_gossip->keyringStatus()) {
        out.append(QJsonObject{{QStringLiteral("WAN"), wan},
                               {QStringLiteral("Datacenter"), m_config.datacenter},
                               {QStringLiteral("Segment"), QString()},
                               {QStringLiteral("Keys"), counts(status.keys)},
                               {QStringLiteral("PrimaryKeys"), counts(status.primaryKeys)},
                               {QStringLiteral("NumNodes"), status.numNodes}});
    }
    return out;
}

AgentError Agent::keyringOperation(const QString &op, const QString &key)
{
    if (!m_gossip)
        return {500, QStringLiteral("gossip is not running on this agent")};
    const gossip::KeyringOp::Op kind = op == u"install" ? gossip::KeyringOp::Install
        : op == u"use"                                  ? gossip::KeyringOp::Use
                                                        : gossip::KeyringOp::Remove;
    const QString error = m_gossip->keyringOperation(kind, key);
    if (!error.isEmpty())
        return {500, error};
    qCInfo(lcAgent).noquote() << QStringLiteral("Keyring %1 applied and gossiped").arg(op);
    return {};
}

QJsonObject Agent::fireEvent(const QString &name, const QByteArray &payload, const QString &nodeFilter,
                             const QString &serviceFilter, const QString &tagFilter, AgentError *error)
{
    const QJsonObject event{{QStringLiteral("ID"), QUuid::createUuid().toString(QUuid::WithoutBraces)},
                            {QStringLiteral("Name"), name},
                            {QStringLiteral("Payload"), payload.isEmpty() ? QJsonValue() : QJsonValue(QString::fromLatin1(payload.toBase64()))},
                            {QStringLiteral("NodeFilter"), nodeFilter},
                            {QStringLiteral("ServiceFilter"), serviceFilter},
                            {QStringLiteral("TagFilter"), tagFilter},
                            {QStringLiteral("Version"), 1}};
    quint64 ltime = 0;
    if (gossip::Serf *lan = m_gossip ? m_gossip->lan() : nullptr) {
        // Gossiped to every member, this one included (Serf delivers it here synchronously).
        QString tooLarge;
        const auto fired = lan->fireEvent(name, QJsonDocument(event).toJson(QJsonDocument::Compact), &tooLarge);
        if (!fired) {
            *error = {500, tooLarge};
            return {};
        }
        ltime = *fired;
    } else {
        ltime = ++m_eventClock;
        deliverEvent(event, ltime);
    }
    QJsonObject fired = event;
    fired.insert(QStringLiteral("LTime"), double(ltime));
    qCDebug(lcAgent).noquote() << "Fired user event:" << name;
    return fired;
}

void Agent::deliverEvent(QJsonObject event, quint64 ltime)
{
    event.insert(QStringLiteral("LTime"), double(ltime));
    const QString nodeFilter = event.value(u"NodeFilter").toString();
    const QString serviceFilter = event.value(u"ServiceFilter").toString();
    const QString tagFilter = event.value(u"TagFilter").toString();
    // Kept by this agent when its filters match it.
    bool matches = nodeFilter.isEmpty() || QRegularExpression(nodeFilter).match(m_config.nodeName).hasMatch();
    if (matches && !serviceFilter.isEmpty()) {
        const QRegularExpression serviceRe(serviceFilter), tagRe(tagFilter);
        bool any = false;
        for (const api::Service &s : m_local->services()) {
            if (!serviceRe.match(s.service).hasMatch())
                continue;
            if (tagFilter.isEmpty() || std::any_of(s.tags.begin(), s.tags.end(), [&](const QString &t) { return tagRe.match(t).hasMatch(); }))
                any = true;
        }
        matches = any;
    }
    if (matches) {
        m_events.append(event);
        while (m_events.size() > kEventBufferSize)
            m_events.removeFirst();
        state::ChangeSet changes;
        changes.table(u"events");
        m_eventWatches.notify(changes);
    }
}

} // namespace qonsul::agent

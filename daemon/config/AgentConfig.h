#pragma once
// The agent's configuration after defaults, files and flags are merged and validated
// (Consul's keys, defaults and precedence; see docs/configuration.md). A plain value: the
// agent reads it, `reload` replaces the reloadable parts. Built by config::loadAgentConfig()
// (ConfigLoader.h); every "resolved" field below already has its fallback applied.
#include <QHostAddress>
#include <QJsonArray>
#include <QJsonObject>
#include <QMap>
#include <QString>
#include <QStringList>

#include "core/Duration.h"

namespace qonsul::config {

// Ports; -1 means disabled (Consul turns every value <= 0 into -1).
struct Ports
{
    int dns = 8600;
    int http = 8500;
    int https = -1;
    int grpc = -1;
    int grpcTls = -1;
    int serfLan = 8301;
    int serfWan = 8302;
    int server = 8300;
    // Connect.SidecarService's automatic ports; -1 (0 in the files) turns them off.
    int sidecarMinPort = 21000;
    int sidecarMaxPort = 21255;
};

struct Limits
{
    qint64 kvMaxValueSize = 524288;
    qint64 txnMaxReqLen = 524288;
    int httpMaxConnsPerClient = 200;
    int rpcMaxConnsPerClient = 100;
    double rpcRate = -1; // requests/s; < 0 = unlimited
    int rpcMaxBurst = 1000;
    Nanoseconds rpcHandshakeTimeout = 5 * kSecond;
    Nanoseconds httpsHandshakeTimeout = 5 * kSecond;
};

struct DnsSoa
{
    quint32 refresh = 3600;
    quint32 retry = 600;
    quint32 expire = 86400;
    quint32 minTtl = 0;
};

struct DnsConfig
{
    bool allowStale = true;
    Nanoseconds maxStale = 87600 * kHour;
    Nanoseconds nodeTtl = 0;
    QMap<QString, Nanoseconds> serviceTtl; // "*" and prefix wildcards as written
    bool enableTruncate = false;
    bool onlyPassing = false;
    QString recursorStrategy = QStringLiteral("sequential"); // or "random"
    Nanoseconds recursorTimeout = 2 * kSecond;
    bool disableCompression = false;
    int udpAnswerLimit = 3;
    int aRecordLimit = 0;
    bool enableAdditionalNodeMetaTxt = true;
    DnsSoa soa;
    bool useCache = false;
    Nanoseconds cacheMaxAge = 0;
};

// Memberlist tuning (gossip_lan / gossip_wan). Defaults are Consul's effective ones; -dev
// shortens the intervals to 100ms and suspicion_mult to 3.
struct GossipConfig
{
    int gossipNodes = 3;
    Nanoseconds gossipInterval = 200 * kMillisecond;
    Nanoseconds probeInterval = 1 * kSecond;
    Nanoseconds probeTimeout = 500 * kMillisecond;
    int suspicionMult = 4;
    int retransmitMult = 4;
};

// Raft timing, already multiplied by performance.raft_multiplier (Consul's base values are
// 1s / 1s / 500ms; -dev uses 52ms / 35ms / 20ms with multiplier 1).
struct RaftConfig
{
    Nanoseconds electionTimeout = 5 * kSecond;
    Nanoseconds heartbeatTimeout = 5 * kSecond;
    Nanoseconds leaderLeaseTimeout = 2500 * kMillisecond;
    int snapshotThreshold = 16384;
    Nanoseconds snapshotInterval = 30 * kSecond;
    int trailingLogs = 10240;
};

struct AutopilotConfig
{
    bool cleanupDeadServers = true;
    Nanoseconds lastContactThreshold = 200 * kMillisecond;
    int maxTrailingLogs = 250;
    int minQuorum = 0;
    Nanoseconds serverStabilizationTime = 10 * kSecond;
};

struct AclTokens
{
    QString initialManagement; // legacy acl_master_token / acl.tokens.master
    QString defaultToken; // acl.tokens.default (legacy acl_token)
    QString agent; // legacy acl_agent_token
    QString agentRecovery; // legacy acl_agent_master_token / acl.tokens.agent_master
    QString replication;
};

struct AgentConfig
{
    // Where values came from, in merge order: "dev", config file paths, "command line".
    QStringList sources;
    // The arguments loadAgentConfig() was called with; `reload` calls it again with these.
    QStringList commandLine;

    bool dev = false;
    bool server = false;
    // Resolved: also true in -dev mode on a server (Consul's dev server bootstraps itself)
    // and when bootstrap_expect = 1 (Consul turns that into bootstrap mode with a warning).
    bool bootstrap = false;
    int bootstrapExpect = 0;
    QString datacenter = QStringLiteral("dc1"); // lower-cased
    QString primaryDatacenter; // resolved: = datacenter when not set
    QString nodeName; // resolved: machine host name when not set
    QString nodeId; // lower-cased when set; empty → ensureNodeId() generates/persists one
    bool disableHostNodeId = true;
    QMap<QString, QString> nodeMeta;
    QString dataDir; // empty only in -dev mode (state in memory)
    // Addresses are IP literals after go-sockaddr template expansion ("::" for "[::]").
    QString bindAddr = QStringLiteral("0.0.0.0");
    // Resolved: = bindAddr unless bindAddr is 0.0.0.0/:: (then empty: the gossip layer picks
    // the single private IPv4, as Consul does).
    QString advertiseAddr;
    QString advertiseAddrWan; // resolved: = advertiseAddr when not set
    QString serfBindAddrLan; // `serf_lan` / -serf-lan-bind; empty → bindAddr
    QString serfBindAddrWan; // `serf_wan` / -serf-wan-bind; empty → bindAddr
    QStringList clientAddrs { QStringLiteral("127.0.0.1") }; // space-separated in files and flags
    // Resolved listener addresses: addresses.<x> when set, else clientAddrs. http/https/grpc
    // entries may be "unix:///path".
    QStringList httpAddrs;
    QStringList httpsAddrs;
    QStringList dnsAddrs;
    QStringList grpcAddrs;
    QMap<QString, QString> taggedAddresses; // user-supplied extra node tagged addresses
    Ports ports;
    QString domain = QStringLiteral("consul."); // always ends with '.'
    QString altDomain; // "" or ends with '.'
    QStringList recursors; // template-expanded, de-duplicated, "ip" or "ip:port"
    DnsConfig dnsConfig;

    // start_join / -join are deprecated in Consul 1.15+ and folded into retryJoin (as Consul
    // does); startJoin/startJoinWan keep the original values for display only.
    QStringList retryJoin;
    QStringList retryJoinWan;
    QStringList startJoin;
    QStringList startJoinWan;
    Nanoseconds retryInterval = 30 * kSecond;
    Nanoseconds retryIntervalWan = 30 * kSecond;
    int retryMax = 0;
    int retryMaxWan = 0;
    bool rejoinAfterLeave = false;
    bool leaveOnTerminate = false; // resolved: false for servers, true for clients unless set
    bool skipLeaveOnInterrupt = true; // resolved: true for servers, false for clients unless set
    Nanoseconds reconnectTimeout = 72 * kHour; // resolved (0 in config → 72h)
    Nanoseconds reconnectTimeoutWan = 72 * kHour; // resolved (0 in config → 72h)
    QString encrypt; // base64 of 16, 24 or 32 bytes (validated)
    bool encryptVerifyIncoming = true;
    bool encryptVerifyOutgoing = true;
    bool disableKeyringFile = false;
    GossipConfig gossipLan;
    GossipConfig gossipWan;
    int protocol = 2;
    int raftProtocol = 3;

    QString logLevel = QStringLiteral("INFO"); // upper-cased, validated (TRACE..ERROR)
    bool logJson = false;
    QString logFile;
    Nanoseconds logRotateDuration = 0;
    int logRotateBytes = 0;
    int logRotateMaxFiles = 0;
    bool enableSyslog = false;
    QString pidFile;
    bool enableDebug = false;
    bool enableScriptChecks = false;
    bool enableLocalScriptChecks = false; // resolved: defaults to enableScriptChecks
    bool disableRemoteExec = true;
    bool discardCheckOutput = false;
    // enable_agent_tls_for_checks, and the internal-RPC TLS files the checks then use
    // (tls.internal_rpc.*, each falling back to tls.defaults.*; the pre-1.12 top-level keys
    // are moved to tls.defaults by the schema), with tls_min_version (TLSv1_0 … TLSv1_3,
    // TLS_AUTO) and tls_cipher_suites (IANA names) resolved as Consul's builder does.
    bool enableAgentTlsForChecks = false;
    QString checkTlsCaFile;
    QString checkTlsCaPath;
    QString checkTlsCertFile;
    QString checkTlsKeyFile;
    QString checkTlsMinVersion;
    QStringList checkTlsCipherSuites;
    bool uiEnabled = false;
    QString uiDir;
    QString uiContentPath = QStringLiteral("/ui/"); // normalised to "/x/"

    Limits limits;
    Nanoseconds defaultQueryTime = 300 * kSecond;
    Nanoseconds maxQueryTime = 600 * kSecond;
    Nanoseconds sessionTtlMin = 10 * kSecond;
    Nanoseconds checkUpdateInterval = 5 * kMinute;
    int checkOutputMaxSize = 4096;
    int raftMultiplier = 5;
    Nanoseconds leaveDrainTime = 5 * kSecond;
    Nanoseconds rpcHoldTimeout = 7 * kSecond;
    // Client agents: the least time between two server rebalances (Consul's fixed
    // clientRPCMinReuseDuration). Test-only: `consul.test_rebalance_interval`, not Consul's.
    Nanoseconds rebalanceMinReuse = 120 * kSecond;
    // Servers write the coordinates agents report through Raft in batches: every
    // coordinateUpdatePeriod (-dev: 100ms) at most coordinateUpdateMaxBatches entries of
    // coordinateUpdateBatchSize updates. Consul fixes these (its consul.coordinate.update_period,
    // update_batch_size, update_max_batches) and so does an agent's own report interval,
    // sync_coordinate_interval_min (15s, longer in pools of over 960 members); files may set
    // them for tests, as Consul's own tests do.
    Nanoseconds coordinateUpdatePeriod = 5 * kSecond;
    int coordinateUpdateBatchSize = 128;
    int coordinateUpdateMaxBatches = 5;
    Nanoseconds syncCoordinateIntervalMin = 15 * kSecond;
    RaftConfig raft;
    AutopilotConfig autopilot;
    bool disableCoordinates = false;
    bool translateWanAddrs = false;
    QMap<QString, QString> httpResponseHeaders; // http_config.response_headers
    QStringList httpBlockEndpoints; // http_config.block_endpoints
    QStringList allowWriteHttpFrom; // http_config.allow_write_http_from (CIDRs)
    bool httpUseCache = true;
    bool aclEnabled = false;
    QString aclDefaultPolicy = QStringLiteral("allow");
    QString aclDownPolicy = QStringLiteral("extend-cache");
    Nanoseconds aclTokenTtl = 30 * kSecond;
    Nanoseconds aclPolicyTtl = 30 * kSecond;
    Nanoseconds aclRoleTtl = 0;
    bool aclEnableTokenPersistence = false;
    bool aclEnableTokenReplication = false;
    AclTokens aclTokens;

    // Service and check definitions from files, normalised to snake_case JSON objects with
    // canonical key names (Consul's aliases and PascalCase spellings translated):
    // top-level `service`/`services` and `check`/`checks` are merged into these lists in file
    // order, and inside each service `check`/`checks` are merged into its `checks` array.
    // Values are as written (durations stay strings); the checks issue validates semantics.
    QJsonArray services;
    QJsonArray configEntriesBootstrap; // config_entries.bootstrap, written by the leader
    QJsonArray checks;
    QJsonArray watches;

    // The full merged configuration as JSON (defaults, -dev, files, flags) with canonical
    // snake_case keys, for /v1/agent/self DebugConfig. Contains secrets: use sanitizedRaw().
    QJsonObject raw;
};

} // namespace qonsul::config

#pragma once
// The agent's configuration after defaults, files and flags are merged and validated
// (Consul's keys, defaults and precedence; see docs/configuration.md). A plain value: the
// agent reads it, `reload` replaces the reloadable parts.
#include <QHostAddress>
#include <QJsonArray>
#include <QJsonObject>
#include <QMap>
#include <QString>
#include <QStringList>

#include "core/Duration.h"

namespace qonsul::config {

struct Ports
{
    int dns = 8600;
    int http = 8500;
    int https = -1;
    int grpc = -1;
    int serfLan = 8301;
    int serfWan = 8302;
    int server = 8300;
};

struct Limits
{
    qint64 kvMaxValueSize = 524288;
    qint64 txnMaxReqLen = 524288;
    int httpMaxConnsPerClient = 200;
};

struct DnsConfig
{
    bool allowStale = true;
    Nanoseconds maxStale = 87600 * kHour;
    Nanoseconds nodeTtl = 0;
    QMap<QString, Nanoseconds> serviceTtl;
    bool enableTruncate = false;
    bool onlyPassing = false;
    QString recursorStrategy = QStringLiteral("sequential");
    Nanoseconds recursorTimeout = 2 * kSecond;
    bool disableCompression = false;
    int udpAnswerLimit = 3;
    int aRecordLimit = 0;
    bool enableAdditionalNodeMetaTxt = true;
};

struct AgentConfig
{
    // Where each value came from, for error messages: "file.json" or "command line".
    QStringList sources;

    bool dev = false;
    bool server = false;
    bool bootstrap = false;
    int bootstrapExpect = 0;
    QString datacenter = QStringLiteral("dc1");
    QString primaryDatacenter; // empty → datacenter
    QString nodeName;          // empty → host name
    QString nodeId;            // empty → generated (persisted in data_dir/node-id when there is one)
    QMap<QString, QString> nodeMeta;
    QString dataDir;
    QString bindAddr = QStringLiteral("0.0.0.0");
    QString advertiseAddr;    // empty → bind address
    QString advertiseAddrWan; // empty → advertise address
    QStringList clientAddrs{QStringLiteral("127.0.0.1")}; // space-separated in files and flags
    QStringList httpAddrs; // addresses.http; empty → clientAddrs
    QStringList dnsAddrs;  // addresses.dns; empty → clientAddrs
    Ports ports;
    QString domain = QStringLiteral("consul.");
    QString altDomain;
    QStringList recursors;
    DnsConfig dnsConfig;

    QStringList retryJoin;
    QStringList retryJoinWan;
    QStringList startJoin;
    QStringList startJoinWan;
    Nanoseconds retryInterval = 30 * kSecond;
    Nanoseconds retryIntervalWan = 30 * kSecond;
    int retryMax = 0;
    int retryMaxWan = 0;
    bool rejoinAfterLeave = false;
    bool leaveOnTerminate = false;   // resolved: false for servers, true for clients unless set
    bool skipLeaveOnInterrupt = true; // resolved: true for servers, false for clients unless set
    QString encrypt;
    bool encryptVerifyIncoming = true;
    bool encryptVerifyOutgoing = true;

    QString logLevel = QStringLiteral("INFO");
    bool logJson = false;
    QString logFile;
    QString pidFile;
    bool enableScriptChecks = false;
    bool enableLocalScriptChecks = false;
    bool disableRemoteExec = true;
    bool uiEnabled = false;
    QString uiContentPath = QStringLiteral("/ui/");

    Limits limits;
    Nanoseconds defaultQueryTime = 300 * kSecond;
    Nanoseconds maxQueryTime = 600 * kSecond;
    Nanoseconds sessionTtlMin = 10 * kSecond;
    Nanoseconds checkUpdateInterval = 5 * kMinute;
    int checkOutputMaxSize = 4096;
    int raftMultiplier = 5;
    bool disableCoordinates = false;
    QMap<QString, QString> httpResponseHeaders; // http_config.response_headers
    bool aclEnabled = false;
    QString aclDefaultPolicy = QStringLiteral("allow");

    // Service and check definitions from files, normalised to snake_case JSON objects
    // (`service`/`services` and `check`/`checks` merged into these lists); used by the checks issue.
    QJsonArray services;
    QJsonArray checks;
    QJsonArray watches;

    // The full merged configuration as JSON, for /v1/agent/self DebugConfig.
    QJsonObject raw;
};

} // namespace qonsul::config

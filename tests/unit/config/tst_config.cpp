// Unit tests for the agent configuration loader: flags, files, directories, precedence,
// merging, validation errors (each naming the file and the key), and `qonsul validate`.
#include <QDir>
#include <QFile>
#include <QJsonArray>
#include <QJsonObject>
#include <QNetworkInterface>
#include <QSysInfo>
#include <QTemporaryDir>
#include <QTest>

#include <memory>

#include "config/ConfigLoader.h"
#include "config/ConfigSchema.h"
#include "config/SockAddrTemplate.h"

using namespace qonsul;
using namespace qonsul::config;

class TstConfig : public QObject
{
    Q_OBJECT

private:
    std::unique_ptr<QTemporaryDir> m_tmp;

    QString path(const QString &rel) const { return m_tmp->filePath(rel); }
    QString dataDir() const { return path(QStringLiteral("data")); }

    QString write(const QString &rel, const QByteArray &content)
    {
        const QString p = path(rel);
        QDir().mkpath(QFileInfo(p).absolutePath());
        QFile f(p);
        if (!f.open(QIODevice::WriteOnly | QIODevice::Truncate))
            qFatal("cannot write %s", qPrintable(p));
        f.write(content);
        return p;
    }

    // Loads and fails the test (with the loader's error) when loading fails.
    AgentConfig mustLoad(const QStringList &args, QStringList *warnings = nullptr)
    {
        const LoadResult r = loadAgentConfig(args);
        if (!r.config)
            qWarning("load error: %s", qPrintable(r.error));
        if (warnings)
            *warnings = r.warnings;
        return r.config.value_or(AgentConfig {});
    }

    QString loadError(const QStringList &args)
    {
        const LoadResult r = loadAgentConfig(args);
        return r.config ? QStringLiteral("<no error>") : r.error;
    }

    QStringList withData(QStringList args)
    {
        return QStringList { QStringLiteral("-data-dir"), dataDir() } + args;
    }

    static QStringList names(const QJsonArray &items)
    {
        QStringList out;
        for (const QJsonValue &v : items)
            out.append(v.toObject().value(u"name").toString());
        return out;
    }

private Q_SLOTS:
    void init();
    void defaults();
    void devMode();
    void dataDirRequired();
    void flagSyntax();
    void flagErrors_data();
    void flagErrors();
    void precedenceFilesDirsFlags();
    void listsAppend();
    void blocksMerge();
    void unknownKeys_data();
    void unknownKeys();
    void keysWeDoNotActOnAreAccepted();
    void typeErrors_data();
    void typeErrors();
    void syntaxErrorNamesFileAndPosition();
    void singleElementListsUnwrap();
    void valueErrors_data();
    void valueErrors();
    void valueErrorFromFlagNamesCommandLine();
    void laterSourceCanFixEarlierValue();
    void bootstrapRules();
    void leaveDefaultsFollowRole();
    void deprecatedKeys();
    void checkTlsVersionAndCipherSuites();
    void keysAreCaseInsensitive();
    void serviceDefinitionsAreNormalised();
    void seedServerConfig();
    void seedServiceFileAndCommands();
    void configFormatOverridesExtension();
    void addresses();
    void sockAddrTemplates();
    void durations();
    void nodeId();
    void rawAndSanitized();
    void validateCommand();
};

// Slot bodies live outside the class: Qt 6.4's moc cannot parse raw string literals.

void TstConfig::init()
{
    m_tmp = std::make_unique<QTemporaryDir>();
    QVERIFY(m_tmp->isValid());
}

void TstConfig::defaults()
{
    const LoadResult r = loadAgentConfig(withData({}));
    QVERIFY2(r.config, qPrintable(r.error));
    const AgentConfig &c = *r.config;
    QCOMPARE(c.datacenter, QStringLiteral("dc1"));
    QCOMPARE(c.primaryDatacenter, QStringLiteral("dc1"));
    QCOMPARE(c.dataDir, dataDir());
    QVERIFY(!c.server);
    QVERIFY(!c.bootstrap);
    QVERIFY(!c.dev);
    QCOMPARE(c.nodeName, QSysInfo::machineHostName());
    QVERIFY(c.nodeId.isEmpty());
    QCOMPARE(c.ports.dns, 8600);
    QCOMPARE(c.ports.http, 8500);
    QCOMPARE(c.ports.https, -1);
    QCOMPARE(c.ports.grpc, -1);
    QCOMPARE(c.ports.serfLan, 8301);
    QCOMPARE(c.ports.serfWan, 8302);
    QCOMPARE(c.ports.server, 8300);
    QCOMPARE(c.bindAddr, QStringLiteral("0.0.0.0"));
    QVERIFY(c.advertiseAddr.isEmpty()); // bind 0.0.0.0: the gossip layer picks one
    QCOMPARE(c.clientAddrs, QStringList { QStringLiteral("127.0.0.1") });
    QCOMPARE(c.httpAddrs, c.clientAddrs);
    QCOMPARE(c.dnsAddrs, c.clientAddrs);
    QCOMPARE(c.domain, QStringLiteral("consul."));
    QCOMPARE(c.logLevel, QStringLiteral("INFO"));
    QVERIFY(c.leaveOnTerminate);
    QVERIFY(!c.skipLeaveOnInterrupt);
    QCOMPARE(c.retryInterval, 30 * kSecond);
    QVERIFY(!c.uiEnabled);
    QCOMPARE(c.uiContentPath, QStringLiteral("/ui/"));
    QCOMPARE(c.raftMultiplier, 5);
    QCOMPARE(c.raft.electionTimeout, 5 * kSecond);
    QCOMPARE(c.coordinateUpdatePeriod, 5 * kSecond);
    QCOMPARE(c.coordinateUpdateBatchSize, 128);
    QCOMPARE(c.coordinateUpdateMaxBatches, 5);
    QCOMPARE(c.syncCoordinateIntervalMin, 15 * kSecond);
    QCOMPARE(c.limits.kvMaxValueSize, qint64(524288));
    QCOMPARE(c.limits.httpMaxConnsPerClient, 200);
    QCOMPARE(c.dnsConfig.maxStale, 87600 * kHour);
    QCOMPARE(c.dnsConfig.udpAnswerLimit, 3);
    QCOMPARE(c.defaultQueryTime, 300 * kSecond);
    QCOMPARE(c.maxQueryTime, 600 * kSecond);
    QCOMPARE(c.checkUpdateInterval, 5 * kMinute);
    QCOMPARE(c.reconnectTimeout, 72 * kHour);
    QCOMPARE(c.gossipLan.probeInterval, 1 * kSecond);
    QCOMPARE(c.gossipWan.probeInterval, 5 * kSecond);
    QVERIFY(c.disableRemoteExec);
    QVERIFY(!c.enableScriptChecks);
    QVERIFY(!c.enableLocalScriptChecks);
    QCOMPARE(c.aclDefaultPolicy, QStringLiteral("allow"));
    QCOMPARE(c.aclDownPolicy, QStringLiteral("extend-cache"));
    QCOMPARE(c.sources, QStringList { QStringLiteral("command line") });
    QCOMPARE(c.commandLine, withData({}));
    QVERIFY(r.warnings.isEmpty());
}

void TstConfig::devMode()
{
    QStringList warnings;
    const AgentConfig c = mustLoad({ QStringLiteral("-dev") }, &warnings);
    QVERIFY(c.dev);
    QVERIFY(c.server);
    QVERIFY(c.bootstrap);
    QVERIFY(c.dataDir.isEmpty());
    QCOMPARE(c.bindAddr, QStringLiteral("127.0.0.1"));
    QCOMPARE(c.advertiseAddr, QStringLiteral("127.0.0.1"));
    QCOMPARE(c.clientAddrs, QStringList { QStringLiteral("127.0.0.1") });
    QVERIFY(c.uiEnabled);
    QCOMPARE(c.logLevel, QStringLiteral("DEBUG"));
    QCOMPARE(c.ports.grpc, 8502);
    QCOMPARE(c.raftMultiplier, 1);
    QCOMPARE(c.raft.electionTimeout, 52 * kMillisecond);
    QCOMPARE(c.coordinateUpdatePeriod, 100 * kMillisecond);
    QCOMPARE(c.gossipLan.probeInterval, 100 * kMillisecond);
    QCOMPARE(c.gossipLan.suspicionMult, 3);
    QVERIFY(!c.leaveOnTerminate);
    QVERIFY(c.skipLeaveOnInterrupt);
    QVERIFY(c.enableDebug);
    QVERIFY(c.disableKeyringFile);
    QCOMPARE(c.sources, QStringList { QStringLiteral("dev") });
    QVERIFY2(warnings.isEmpty(), qPrintable(warnings.join(u'\n')));

    // Files and flags still override -dev defaults.
    const QString f = write(QStringLiteral("a.json"), R"({"log_level":"warn","ports":{"grpc":9502}})");
    const AgentConfig o = mustLoad(
        { QStringLiteral("-dev"), QStringLiteral("-config-file"), f, QStringLiteral("-client=0.0.0.0") });
    QCOMPARE(o.logLevel, QStringLiteral("WARN"));
    QCOMPARE(o.ports.grpc, 9502);
    QCOMPARE(o.clientAddrs, QStringList { QStringLiteral("0.0.0.0") });

    QCOMPARE(loadError({ QStringLiteral("-dev"), QStringLiteral("-bootstrap-expect=3") }),
        QStringLiteral("'bootstrap_expect > 0' not allowed in dev mode (from command line)"));
}

void TstConfig::dataDirRequired()
{
    QCOMPARE(loadError({}), QStringLiteral("data_dir cannot be empty"));
    const QString file = write(QStringLiteral("notadir"), "x");
    QCOMPARE(loadError({ QStringLiteral("-data-dir"), file }),
        QStringLiteral("data_dir \"%1\" is not a directory (from command line)").arg(file));
}

void TstConfig::flagSyntax()
{
    const AgentConfig c = mustLoad(withData({
        QStringLiteral("--http-port"),
        QStringLiteral("8501"),
        QStringLiteral("-dns-port=8601"),
        QStringLiteral("--server"),
        QStringLiteral("-bootstrap-expect=3"),
        QStringLiteral("-ui=false"),
        QStringLiteral("-node"),
        QStringLiteral("n1"),
        QStringLiteral("-log-json"),
        QStringLiteral("-retry-join"),
        QStringLiteral("10.0.0.1"),
        QStringLiteral("-retry-join=10.0.0.2"),
        QStringLiteral("-node-meta"),
        QStringLiteral("rack:r1"),
        QStringLiteral("-node-meta=zone:z:1"),
        QStringLiteral("-node-meta=flag"),
        QStringLiteral("-enable-script-checks=t"),
        QStringLiteral("-datacenter=East"),
        QStringLiteral("-domain=example"),
        QStringLiteral("-alt-domain"),
        QStringLiteral("alt.example"),
        QStringLiteral("-recursor=8.8.8.8"),
        QStringLiteral("-retry-interval=5s"),
        QStringLiteral("-retry-max=4"),
        QStringLiteral("-rejoin"),
        QStringLiteral("-pid-file=/tmp/q.pid"),
        QStringLiteral("-raft-protocol=3"),
        QStringLiteral("-disable-host-node-id=false"),
        QStringLiteral("-ui-content-path=dash"),
        QStringLiteral("-serf-lan-port=9301"),
        QStringLiteral("-server-port=9300"),
        QStringLiteral("-https-port=8443"),
        QStringLiteral("-grpc-port=8502"),
    }));
    QCOMPARE(c.ports.http, 8501);
    QCOMPARE(c.ports.dns, 8601);
    QCOMPARE(c.ports.serfLan, 9301);
    QCOMPARE(c.ports.server, 9300);
    QCOMPARE(c.ports.https, 8443);
    QCOMPARE(c.ports.grpc, 8502);
    QVERIFY(c.server);
    QCOMPARE(c.bootstrapExpect, 3);
    QVERIFY(!c.uiEnabled);
    QCOMPARE(c.nodeName, QStringLiteral("n1"));
    QVERIFY(c.logJson);
    QCOMPARE(c.retryJoin, (QStringList { QStringLiteral("10.0.0.1"), QStringLiteral("10.0.0.2") }));
    QCOMPARE(c.nodeMeta.value(QStringLiteral("rack")), QStringLiteral("r1"));
    QCOMPARE(c.nodeMeta.value(QStringLiteral("zone")), QStringLiteral("z:1"));
    QVERIFY(c.nodeMeta.contains(QStringLiteral("flag")));
    QVERIFY(c.enableScriptChecks);
    QVERIFY(c.enableLocalScriptChecks); // defaults to enable_script_checks
    QCOMPARE(c.datacenter, QStringLiteral("east"));
    QCOMPARE(c.domain, QStringLiteral("example."));
    QCOMPARE(c.altDomain, QStringLiteral("alt.example."));
    QCOMPARE(c.recursors, QStringList { QStringLiteral("8.8.8.8") });
    QCOMPARE(c.retryInterval, 5 * kSecond);
    QCOMPARE(c.retryMax, 4);
    QVERIFY(c.rejoinAfterLeave);
    QCOMPARE(c.pidFile, QStringLiteral("/tmp/q.pid"));
    QVERIFY(!c.disableHostNodeId);
    QCOMPARE(c.uiContentPath, QStringLiteral("/dash/"));

    // Port 0 disables, as in Consul.
    QCOMPARE(mustLoad(withData({ QStringLiteral("-dns-port=0") })).ports.dns, -1);
}

void TstConfig::flagErrors_data()
{
    QTest::addColumn<QStringList>("args");
    QTest::addColumn<QString>("error");
    QTest::newRow("unknown") << QStringList { QStringLiteral("-nope") }
                             << QStringLiteral("flag provided but not defined: -nope");
    QTest::newRow("unknown double dash") << QStringList { QStringLiteral("--nope=1") }
                                         << QStringLiteral("flag provided but not defined: -nope");
    QTest::newRow("missing value") << QStringList { QStringLiteral("-http-port") }
                                   << QStringLiteral("flag needs an argument: -http-port");
    QTest::newRow("bad int") << QStringList { QStringLiteral("-http-port"), QStringLiteral("abc") }
                             << QStringLiteral("invalid value \"abc\" for flag -http-port: parse error");
    QTest::newRow("bad bool") << QStringList { QStringLiteral("-server=maybe") }
                              << QStringLiteral("invalid boolean value \"maybe\" for -server: parse error");
    QTest::newRow("bad syntax") << QStringList { QStringLiteral("---x") }
                                << QStringLiteral("bad flag syntax: ---x");
    QTest::newRow("extra args") << QStringList { QStringLiteral("-dev"), QStringLiteral("extra") }
                                << QStringLiteral("Unexpected extra arguments: [extra]");
    // Go's flag package never lets a boolean consume the next argument.
    QTest::newRow("bool takes no separate value")
        << QStringList { QStringLiteral("-dev"), QStringLiteral("-server"), QStringLiteral("true") }
        << QStringLiteral("Unexpected extra arguments: [true]");
    QTest::newRow("config format") << QStringList { QStringLiteral("-dev"),
        QStringLiteral("-config-format=yaml") }
                                   << QStringLiteral("config: -config-format must be either 'hcl' or 'json'");
    QTest::newRow("help") << QStringList { QStringLiteral("-h") } << QStringLiteral("flag: help requested");
}

void TstConfig::flagErrors()
{
    QFETCH(QStringList, args);
    QFETCH(QString, error);
    QCOMPARE(loadError(args), error);
}

void TstConfig::precedenceFilesDirsFlags()
{
    write(QStringLiteral("d/a.json"), R"({"datacenter":"dca","node_name":"from-a","log_level":"warn"})");
    write(QStringLiteral("d/b.json"), R"({"datacenter":"dcb"})");
    write(QStringLiteral("d/notes.txt"), "not config");
    write(QStringLiteral("d/sub/z.json"), R"({"datacenter":"from-subdir"})");
    const QString c = write(QStringLiteral("c.json"), R"({"node_name":"from-c","datacenter":"dcc"})");
    const QString d = path(QStringLiteral("d"));

    // Dir then file: the file wins; the flag beats both.
    QStringList warnings;
    AgentConfig cfg = mustLoad(withData({ QStringLiteral("-config-dir"), d, QStringLiteral("-config-file"), c,
                                   QStringLiteral("-log-level=err") }),
        &warnings);
    QCOMPARE(cfg.nodeName, QStringLiteral("from-c"));
    QCOMPARE(cfg.datacenter, QStringLiteral("dcc"));
    QCOMPARE(cfg.logLevel, QStringLiteral("ERR"));
    QCOMPARE(cfg.sources,
        (QStringList { path(QStringLiteral("d/a.json")), path(QStringLiteral("d/b.json")), c,
            QStringLiteral("command line") }));
    QVERIFY(warnings.contains(QStringLiteral("skipping file %1, extension must be .hcl or .json, or config "
                                             "format must be set")
                                  .arg(path(QStringLiteral("d/notes.txt")))));

    // File then dir: the dir's last file wins; sub-directories are not read.
    cfg = mustLoad(withData({ QStringLiteral("-config-file"), c, QStringLiteral("-config-dir"), d }));
    QCOMPARE(cfg.datacenter, QStringLiteral("dcb"));
    QCOMPARE(cfg.nodeName, QStringLiteral("from-a"));
    QCOMPARE(cfg.logLevel, QStringLiteral("WARN"));

    // Lexical (byte) order inside a directory: "10-..." sorts before "9-...".
    write(QStringLiteral("e/9-last.json"), R"({"node_name":"nine"})");
    write(QStringLiteral("e/10-first.json"), R"({"node_name":"ten"})");
    cfg = mustLoad(withData({ QStringLiteral("-config-dir"), path(QStringLiteral("e")) }));
    QCOMPARE(cfg.nodeName, QStringLiteral("nine"));
}

void TstConfig::listsAppend()
{
    write(QStringLiteral("d/a.json"), R"({
        "retry_join": ["a1"],
        "services": [{"name": "s1"}],
        "check": {"name": "c1", "ttl": "10s"},
        "recursors": ["8.8.8.8"],
        "watches": [{"type": "key", "key": "x", "args": ["true"]}]
    })");
    write(QStringLiteral("d/b.json"), R"({
        "retry_join": ["b1"],
        "service": {"name": "s2"},
        "services": [{"name": "s3"}],
        "checks": [{"name": "c2", "ttl": "5s"}],
        "recursors": ["8.8.8.8", "1.1.1.1:53"],
        "watches": [{"type": "nodes", "args": ["true"]}]
    })");
    const AgentConfig c = mustLoad(withData({ QStringLiteral("-retry-join=f1"),
        QStringLiteral("-recursor=9.9.9.9"), QStringLiteral("-config-dir"), path(QStringLiteral("d")) }));
    // List flags come before the files (Consul merges them first).
    QCOMPARE(c.retryJoin, (QStringList { QStringLiteral("f1"), QStringLiteral("a1"), QStringLiteral("b1") }));
    QCOMPARE(c.recursors,
        (QStringList { QStringLiteral("9.9.9.9"), QStringLiteral("8.8.8.8"), QStringLiteral("1.1.1.1:53") }));
    QCOMPARE(names(c.services),
        (QStringList { QStringLiteral("s1"), QStringLiteral("s3"), QStringLiteral("s2") }));
    QCOMPARE(names(c.checks), (QStringList { QStringLiteral("c1"), QStringLiteral("c2") }));
    QCOMPARE(c.watches.size(), 2);
    QCOMPARE(c.watches.at(1).toObject().value(u"type").toString(), QStringLiteral("nodes"));
}

void TstConfig::blocksMerge()
{
    write(QStringLiteral("d/a.json"), R"({
        "ports": {"http": 8501},
        "limits": {"kv_max_value_size": 1000},
        "dns_config": {"node_ttl": "10s", "service_ttl": {"*": "5s"}},
        "node_meta": {"a": "1"},
        "acl": {"enabled": true},
        "telemetry": {"disable_hostname": true},
        "http_config": {"response_headers": {"X-A": "1"}}
    })");
    write(QStringLiteral("d/b.json"), R"({
        "ports": {"dns": 8601},
        "limits": {"txn_max_req_len": 2000},
        "dns_config": {"only_passing": true},
        "node_meta": {"b": "2"},
        "acl": {"default_policy": "deny"}
    })");
    const AgentConfig c = mustLoad(withData({ QStringLiteral("-config-dir"), path(QStringLiteral("d")) }));
    QCOMPARE(c.ports.http, 8501);
    QCOMPARE(c.ports.dns, 8601);
    QCOMPARE(c.ports.serfLan, 8301);
    QCOMPARE(c.limits.kvMaxValueSize, qint64(1000));
    QCOMPARE(c.limits.txnMaxReqLen, qint64(2000));
    QCOMPARE(c.limits.httpMaxConnsPerClient, 200);
    QCOMPARE(c.dnsConfig.nodeTtl, 10 * kSecond);
    QVERIFY(c.dnsConfig.onlyPassing);
    QCOMPARE(c.dnsConfig.serviceTtl.value(QStringLiteral("*")), 5 * kSecond);
    QVERIFY(c.aclEnabled);
    QCOMPARE(c.aclDefaultPolicy, QStringLiteral("deny"));
    QCOMPARE(c.httpResponseHeaders.value(QStringLiteral("X-A")), QStringLiteral("1"));
    // node_meta is a free-form map: as in Consul, a later non-empty map replaces it.
    QCOMPARE(c.nodeMeta, (QMap<QString, QString> { { QStringLiteral("b"), QStringLiteral("2") } }));
    const QJsonObject telemetry = c.raw.value(u"telemetry").toObject();
    QCOMPARE(telemetry.value(u"disable_hostname").toBool(), true);
    QCOMPARE(telemetry.value(u"metrics_prefix").toString(), QStringLiteral("consul"));

    // -node-meta flags replace the files' map; several flags build one map.
    const AgentConfig f = mustLoad(withData({ QStringLiteral("-config-dir"), path(QStringLiteral("d")),
        QStringLiteral("-node-meta=x:1"), QStringLiteral("-node-meta=y:2") }));
    QCOMPARE(f.nodeMeta,
        (QMap<QString, QString> {
            { QStringLiteral("x"), QStringLiteral("1") }, { QStringLiteral("y"), QStringLiteral("2") } }));
}

void TstConfig::unknownKeys_data()
{
    QTest::addColumn<QByteArray>("json");
    QTest::addColumn<QString>("key");
    QTest::newRow("top") << QByteArray(R"({"foo": 1})") << QStringLiteral("foo");
    QTest::newRow("nested") << QByteArray(R"({"limits": {"foo": 1}})") << QStringLiteral("limits.foo");
    QTest::newRow("deep") << QByteArray(R"({"dns_config": {"soa": {"x": 1}}})")
                          << QStringLiteral("dns_config.soa.x");
    QTest::newRow("service") << QByteArray(R"({"service": {"name": "x", "foo": 1}})")
                             << QStringLiteral("service.foo");
    QTest::newRow("services check") << QByteArray(R"({"services": [{"name": "x", "check": {"bar": 1}}]})")
                                    << QStringLiteral("services[0].check.bar");
    QTest::newRow("checks") << QByteArray(R"({"checks": [{"name": "a"}, {"name": "b", "nope": true}]})")
                            << QStringLiteral("checks[1].nope");
}

void TstConfig::unknownKeys()
{
    QFETCH(QByteArray, json);
    QFETCH(QString, key);
    const QString f = write(QStringLiteral("bad.json"), json);
    QCOMPARE(loadError(withData({ QStringLiteral("-config-file"), f })),
        QStringLiteral("failed to parse %1: invalid config key %2").arg(f, key));
}

void TstConfig::keysWeDoNotActOnAreAccepted()
{
    const QString f = write(QStringLiteral("extra.json"), R"({
        "telemetry": {"prometheus_retention_time": "30s", "statsd_address": "127.0.0.1:8125"},
        "tls": {"defaults": {"verify_incoming": false}},
        "auto_encrypt": {"allow_tls": false},
        "connect": {"enabled": true, "ca_config": {"anything": {"goes": 1}}},
        "autopilot": {"min_quorum": 3},
        "audit": {"enabled": false},
        "snapshot_agent": {"whatever": true},
        "config_entries": {"bootstrap": [{"kind": "proxy-defaults", "name": "global"}]},
        "raft_logstore": {"backend": "wal"},
        "ae_interval": "1m"
    })");
    const LoadResult r = loadAgentConfig(withData({ QStringLiteral("-config-file"), f }));
    QVERIFY2(r.config, qPrintable(r.error));
    QCOMPARE(
        r.config->raw.value(u"raft_logstore").toObject().value(u"backend").toString(), QStringLiteral("wal"));
    QCOMPARE(r.config->autopilot.minQuorum, 3);
}

void TstConfig::typeErrors_data()
{
    QTest::addColumn<QByteArray>("json");
    QTest::addColumn<QString>("detail");
    QTest::newRow("bool") << QByteArray(R"({"server": "yes"})")
                          << QStringLiteral("'server' expected type 'bool', got unconvertible type 'string', "
                                            "value: 'yes'");
    QTest::newRow("int") << QByteArray(R"({"ports": {"http": "8500"}})")
                         << QStringLiteral(
                                "'ports.http' expected type 'int', got unconvertible type 'string', "
                                "value: '8500'");
    QTest::newRow("fraction") << QByteArray(R"({"bootstrap_expect": 1.5})")
                              << QStringLiteral(
                                     "'bootstrap_expect' expected type 'int', got unconvertible type "
                                     "'float64', value: '1.5'");
    QTest::newRow("string") << QByteArray(R"({"datacenter": 5})")
                            << QStringLiteral("'datacenter' expected type 'string', got unconvertible type "
                                              "'float64', value: '5'");
    QTest::newRow("list") << QByteArray(R"({"retry_join": "1.2.3.4"})")
                          << QStringLiteral(
                                 "'retry_join': source data must be an array or slice, got string");
    QTest::newRow("list item") << QByteArray(R"({"retry_join": ["a", 1]})")
                               << QStringLiteral(
                                      "'retry_join[1]' expected type 'string', got unconvertible type "
                                      "'float64', value: '1'");
    QTest::newRow("map value") << QByteArray(R"({"node_meta": {"a": 1}})")
                               << QStringLiteral(
                                      "'node_meta[a]' expected type 'string', got unconvertible type "
                                      "'float64', value: '1'");
    QTest::newRow("block") << QByteArray(R"({"limits": 5})")
                           << QStringLiteral("'limits' expected a map, got 'float64'");
    QTest::newRow("service port") << QByteArray(R"({"service": {"name": "w", "port": "80"}})")
                                  << QStringLiteral(
                                         "'service.port' expected type 'int', got unconvertible type "
                                         "'string', value: '80'");
    QTest::newRow("negative uint") << QByteArray(R"({"limits": {"kv_max_value_size": -1}})")
                                   << QStringLiteral("'limits.kv_max_value_size' expected type 'uint', got "
                                                     "unconvertible type 'float64', value: '-1'");
    QTest::newRow("not an object") << QByteArray("[1]")
                                   << QStringLiteral("json: cannot unmarshal array into Go value of type "
                                                     "map[string]interface {}");
}

void TstConfig::typeErrors()
{
    QFETCH(QByteArray, json);
    QFETCH(QString, detail);
    const QString f = write(QStringLiteral("bad.json"), json);
    QCOMPARE(loadError(withData({ QStringLiteral("-config-file"), f })),
        QStringLiteral("failed to parse %1: %2").arg(f, detail));
}

void TstConfig::syntaxErrorNamesFileAndPosition()
{
    const QString f = write(QStringLiteral("broken.json"), "{\n  \"server\": true,\n  oops\n}");
    const QString err = loadError(withData({ QStringLiteral("-config-file"), f }));
    QVERIFY2(err.startsWith(QStringLiteral("failed to parse %1: invalid JSON: ").arg(f)), qPrintable(err));
    QVERIFY2(err.contains(QStringLiteral("line 3")), qPrintable(err));
}

void TstConfig::singleElementListsUnwrap()
{
    // Consul decodes a one-element list where one value is expected (HCL's block form).
    const QString f
        = write(QStringLiteral("a.json"), R"({"node_meta": [{"k": "v"}], "ports": [{"http": 8555}]})");
    const AgentConfig c = mustLoad(withData({ QStringLiteral("-config-file"), f }));
    QCOMPARE(c.nodeMeta.value(QStringLiteral("k")), QStringLiteral("v"));
    QCOMPARE(c.ports.http, 8555);
}

void TstConfig::valueErrors_data()
{
    QTest::addColumn<QByteArray>("json");
    QTest::addColumn<QString>("message"); // the file name is appended as " (from <file>)"
    QTest::newRow("duration") << QByteArray(R"({"retry_interval": "10x"})")
                              << QStringLiteral(
                                     "retry_interval: invalid duration: \"10x\": time: invalid duration "
                                     "\"10x\"");
    QTest::newRow("nested duration") << QByteArray(R"({"dns_config": {"max_stale": "soon"}})")
                                     << QStringLiteral(
                                            "dns_config.max_stale: invalid duration: \"soon\": time: "
                                            "invalid duration \"soon\"");
    QTest::newRow("service ttl") << QByteArray(R"({"dns_config": {"service_ttl": {"*": "5x"}}})")
                                 << QStringLiteral(
                                        "dns_config.service_ttl[\"*\"]: invalid duration: \"5x\": time: "
                                        "invalid duration \"5x\"");
    QTest::newRow("gossip interval") << QByteArray(R"({"gossip_lan": {"probe_interval": "0s"}})")
                                     << QStringLiteral("gossip_lan.probe_interval must be at least 1ms");
    QTest::newRow("gossip timeout") << QByteArray(R"({"gossip_wan": {"probe_timeout": "500us"}})")
                                    << QStringLiteral("gossip_wan.probe_timeout must be at least 1ms");
    QTest::newRow("gossip mult") << QByteArray(R"({"gossip_wan": {"suspicion_mult": 0}})")
                                 << QStringLiteral("gossip_wan.suspicion_mult must be positive");
    QTest::newRow("port") << QByteArray(R"({"ports": {"http": 70000}})")
                          << QStringLiteral("ports.http: invalid port: 70000");
    QTest::newRow("raft multiplier") << QByteArray(R"({"performance": {"raft_multiplier": 11}})")
                                     << QStringLiteral(
                                            "performance.raft_multiplier cannot be 11. Must be between "
                                            "1 and 10");
    QTest::newRow("bootstrap expect")
        << QByteArray(R"({"server": true, "bootstrap_expect": -1})")
        << QStringLiteral("bootstrap_expect cannot be -1. Must be greater than or "
                          "equal to zero");
    QTest::newRow("datacenter") << QByteArray(R"({"datacenter": "dc 1"})")
                                << QStringLiteral(
                                       "datacenter can only contain lowercase alphanumeric, - or _ "
                                       "characters. received: \"dc 1\"");
    QTest::newRow("log level") << QByteArray(R"({"log_level": "loud"})")
                               << QStringLiteral(
                                      "Invalid log level: loud. Valid log levels are: [TRACE DEBUG INFO "
                                      "WARN ERR]");
    QTest::newRow("encrypt") << QByteArray(R"({"encrypt": "not base64!"})")
                             << QStringLiteral("encrypt has invalid key: illegal base64 data");
    QTest::newRow("encrypt size") << QByteArray(R"({"encrypt": "c2hvcnQ="})")
                                  << QStringLiteral(
                                         "encrypt has invalid key: key size must be 16, 24 or 32 bytes, "
                                         "got 5");
    QTest::newRow("node meta") << QByteArray(R"({"node_meta": {"consul-x": "1"}})")
                               << QStringLiteral(
                                      "node_meta invalid: Couldn't load metadata pair ('consul-x', '1'): "
                                      "Key prefix 'consul-' is reserved for internal use");
    QTest::newRow("bind") << QByteArray(R"({"bind_addr": "not-an-ip"})")
                          << QStringLiteral("bind_addr: invalid ip address: not-an-ip");
    QTest::newRow("bind multiple") << QByteArray(R"({"bind_addr": "10.0.0.1 10.0.0.2"})")
                                   << QStringLiteral("bind_addr cannot contain multiple addresses. Use "
                                                     "'addresses.{dns,http,https}' instead.");
    QTest::newRow("client") << QByteArray(R"({"client_addr": "127.0.0.1 bogus"})")
                            << QStringLiteral("client_addr: invalid ip address: bogus");
    QTest::newRow("client shorthand") << QByteArray(R"({"client_addr": "127.1"})")
                                      << QStringLiteral("client_addr: invalid ip address: 127.1");
    QTest::newRow("client unix") << QByteArray(R"({"client_addr": "unix:///tmp/s"})")
                                 << QStringLiteral("client_addr cannot be a unix socket");
    QTest::newRow("dns unix") << QByteArray(R"({"addresses": {"dns": "unix:///tmp/s"}})")
                              << QStringLiteral("DNS address cannot be a unix socket");
    QTest::newRow("advertise any") << QByteArray(R"({"advertise_addr": "0.0.0.0"})")
                                   << QStringLiteral("Advertise address cannot be 0.0.0.0, :: or [::]");
    QTest::newRow("template") << QByteArray(R"({"bind_addr": "{{ Nope }}"})")
                              << QStringLiteral(
                                     "bind_addr: error parsing \"{{ Nope }}\": unsupported go-sockaddr "
                                     "function Nope (supported: GetPrivateIP, GetPublicIP, "
                                     "GetPrivateIPs, GetPublicIPs, GetInterfaceIP, GetInterfaceIPs, "
                                     "GetAllInterfaces, GetDefaultInterfaces, GetPrivateInterfaces, "
                                     "GetPublicInterfaces)");
    QTest::newRow("recursor strategy")
        << QByteArray(R"({"dns_config": {"recursor_strategy": "x"}})")
        << QStringLiteral("dns_config.recursor_strategy: invalid strategy: \"x\"");
    QTest::newRow("recursor any") << QByteArray(R"({"recursors": ["0.0.0.0:53"]})")
                                  << QStringLiteral("DNS recursor address cannot be 0.0.0.0, :: or [::]");
    QTest::newRow("node id") << QByteArray(R"({"node_id": "xyz"})")
                             << QStringLiteral(
                                    "node_id \"xyz\" is not a valid UUID (expected 36 hex characters "
                                    "like adf4238a-882b-9ddc-4a9d-5b6758e4159e)");
    QTest::newRow("alt domain") << QByteArray(R"({"alt_domain": "service.consul"})")
                                << QStringLiteral(
                                       "alt_domain cannot start with {service,connect,node,query,addr,"
                                       "dc1}");
    QTest::newRow("content path") << QByteArray(R"({"ui_config": {"content_path": "/v1/"}})")
                                  << QStringLiteral(
                                         "ui-content-path cannot have 'v[0-9]'. received: \"/v1/\"");
    QTest::newRow("check output") << QByteArray(R"({"check_output_max_size": 0})")
                                  << QStringLiteral(
                                         "check_output_max_size must be positive, to discard check "
                                         "output use the discard_check_output flag");
    QTest::newRow("raft protocol") << QByteArray(R"({"raft_protocol": 2})")
                                   << QStringLiteral(
                                          "raft_protocol version 2 is not supported by this version of "
                                          "Consul");
    QTest::newRow("ports order") << QByteArray(
        R"({"ports": {"sidecar_min_port": 300, "sidecar_max_port": 200}})")
                                 << QStringLiteral("sidecar_min_port must be less than sidecar_max_port. To "
                                                   "disable, set both to zero.");
    QTest::newRow("ui and dir") << QByteArray(R"({"ui_config": {"enabled": true, "dir": "/srv/ui"}})")
                                << QStringLiteral(
                                       "Both the ui_config.enabled and ui_config.dir (or -ui and -ui-dir) "
                                       "were specified, please provide only one. If trying to use your "
                                       "own web UI resources, use ui_config.dir or the -ui-dir flag. "
                                       "The web UI is included in the binary so use ui_config.enabled "
                                       "or the -ui flag to enable it");
    QTest::newRow("write cidr") << QByteArray(R"({"http_config": {"allow_write_http_from": ["nope"]}})")
                                << QStringLiteral("allow_write_http_from: invalid cidr: nope");
    QTest::newRow("tls version") << QByteArray(R"({"tls": {"defaults": {"tls_min_version": "tls12"}}})")
                                 << QStringLiteral("tls.defaults.tls_min_version: invalid TLS version: no matching "
                                                   "TLS version found for tls12");
    QTest::newRow("tls version in a stanza")
        << QByteArray(R"({"tls": {"internal_rpc": {"tls_min_version": "TLSv1_4"}}})")
        << QStringLiteral("tls.internal_rpc.tls_min_version: invalid TLS version: no matching TLS version found "
                          "for TLSv1_4");
    QTest::newRow("tls cipher suites")
        << QByteArray(R"({"tls": {"https": {"tls_cipher_suites": "TLS_RSA_WITH_AES_128_GCM_SHA256,TLS_ECDHE_RSA_WITH_AES_128_GCM_SHA256,BOGUS"}}})")
        << QStringLiteral("tls.https.tls_cipher_suites: invalid TLS cipher suites: no matching Consul Agent TLS "
                          "cipher suite found for TLS_RSA_WITH_AES_128_GCM_SHA256,BOGUS");
    QTest::newRow("tls 1.3 cipher suites")
        << QByteArray(R"({"tls": {"defaults": {"tls_min_version": "TLSv1_3", "tls_cipher_suites": "TLS_ECDHE_RSA_WITH_AES_128_GCM_SHA256"}}})")
        << QStringLiteral("tls.defaults.tls_cipher_suites: TLS 1.3 cipher suites are not configurable");
}

void TstConfig::valueErrors()
{
    QFETCH(QByteArray, json);
    QFETCH(QString, message);
    const QString f = write(QStringLiteral("bad.json"), json);
    QCOMPARE(loadError(withData({ QStringLiteral("-config-file"), f })),
        QStringLiteral("%1 (from %2)").arg(message, f));
}

void TstConfig::valueErrorFromFlagNamesCommandLine()
{
    QCOMPARE(loadError(withData({ QStringLiteral("-retry-interval=soon") })),
        QStringLiteral("retry_interval: invalid duration: \"soon\": time: invalid duration \"soon\" (from "
                       "command line)"));
    QCOMPARE(loadError(withData({ QStringLiteral("-http-port=70000") })),
        QStringLiteral("ports.http: invalid port: 70000 (from command line)"));
}

void TstConfig::laterSourceCanFixEarlierValue()
{
    // Values are checked after merging, as in Consul: a later file may correct one.
    write(QStringLiteral("d/a.json"), R"({"retry_interval": "10x", "ports": {"http": 70000}})");
    write(QStringLiteral("d/b.json"), R"({"retry_interval": "7s"})");
    const AgentConfig c = mustLoad(withData(
        { QStringLiteral("-config-dir"), path(QStringLiteral("d")), QStringLiteral("-http-port=8080") }));
    QCOMPARE(c.retryInterval, 7 * kSecond);
    QCOMPARE(c.ports.http, 8080);
}

void TstConfig::bootstrapRules()
{
    QCOMPARE(loadError(withData({ QStringLiteral("-server"), QStringLiteral("-bootstrap"),
                 QStringLiteral("-bootstrap-expect=3") })),
        QStringLiteral("'bootstrap_expect > 0' and 'bootstrap = true' are mutually exclusive (from command "
                       "line)"));
    QCOMPARE(loadError(withData({ QStringLiteral("-bootstrap-expect=3") })),
        QStringLiteral("'bootstrap_expect > 0' requires 'server = true' (from command line)"));
    QCOMPARE(loadError(withData({ QStringLiteral("-bootstrap") })),
        QStringLiteral("'bootstrap = true' requires 'server = true' (from command line)"));

    QStringList warnings;
    AgentConfig c
        = mustLoad(withData({ QStringLiteral("-server"), QStringLiteral("-bootstrap-expect=1") }), &warnings);
    QVERIFY(c.bootstrap);
    QCOMPARE(c.bootstrapExpect, 0);
    QVERIFY(warnings.contains(
        QStringLiteral("BootstrapExpect is set to 1; this is the same as Bootstrap mode.")));

    c = mustLoad(withData({ QStringLiteral("-server"), QStringLiteral("-bootstrap-expect=2") }), &warnings);
    QCOMPARE(c.bootstrapExpect, 2);
    QVERIFY(warnings.first().startsWith(QStringLiteral("bootstrap_expect = 2: A cluster with 2 servers")));

    c = mustLoad(withData({ QStringLiteral("-server"), QStringLiteral("-bootstrap") }), &warnings);
    QVERIFY(c.bootstrap);
    QVERIFY(warnings.contains(QStringLiteral("bootstrap = true: do not enable unless necessary")));
}

void TstConfig::leaveDefaultsFollowRole()
{
    AgentConfig c = mustLoad(withData({ QStringLiteral("-server") }));
    QVERIFY(!c.leaveOnTerminate);
    QVERIFY(c.skipLeaveOnInterrupt);
    const QString f = write(
        QStringLiteral("a.json"), R"({"leave_on_terminate": true, "skip_leave_on_interrupt": false})");
    c = mustLoad(withData({ QStringLiteral("-server"), QStringLiteral("-config-file"), f }));
    QVERIFY(c.leaveOnTerminate);
    QVERIFY(!c.skipLeaveOnInterrupt);
    const QString g = write(QStringLiteral("b.json"), R"({"skip_leave_on_interrupt": true})");
    c = mustLoad(withData({ QStringLiteral("-config-file"), g }));
    QVERIFY(c.leaveOnTerminate); // client default
    QVERIFY(c.skipLeaveOnInterrupt);
}

void TstConfig::deprecatedKeys()
{
    const QString f = write(QStringLiteral("old.json"), R"({
        "ui": true,
        "acl_datacenter": "DC2",
        "start_join": ["1.2.3.4"],
        "acl_master_token": "root",
        "acl_token": "anon",
        "verify_incoming": true,
        "ca_file": "/etc/ca.pem",
        "acl_enforce_version_8": false
    })");
    QStringList warnings;
    const AgentConfig c = mustLoad(
        withData({ QStringLiteral("-config-file"), f, QStringLiteral("-join=5.6.7.8") }), &warnings);
    QVERIFY(c.uiEnabled);
    QCOMPARE(c.primaryDatacenter, QStringLiteral("dc2"));
    QVERIFY(c.aclEnabled); // acl_datacenter implied ACLs
    QCOMPARE(c.retryJoin, (QStringList { QStringLiteral("5.6.7.8"), QStringLiteral("1.2.3.4") }));
    QCOMPARE(c.startJoin, (QStringList { QStringLiteral("5.6.7.8"), QStringLiteral("1.2.3.4") }));
    QCOMPARE(c.aclTokens.initialManagement, QStringLiteral("root"));
    QCOMPARE(c.aclTokens.defaultToken, QStringLiteral("anon"));
    const QJsonObject tls = c.raw.value(u"tls").toObject();
    QCOMPARE(tls.value(u"defaults").toObject().value(u"verify_incoming").toBool(), true);
    QCOMPARE(tls.value(u"defaults").toObject().value(u"ca_file").toString(), QStringLiteral("/etc/ca.pem"));
    QCOMPARE(tls.value(u"grpc").toObject().value(u"verify_incoming").toBool(), false);
    QVERIFY(!c.raw.contains(u"verify_incoming"));
    QVERIFY(!c.raw.contains(u"acl_datacenter"));
    QVERIFY(
        warnings.contains(QStringLiteral("The 'ui' field is deprecated. Use the 'ui_config.enabled' field "
                                         "instead.")));
    QVERIFY(warnings.contains(QStringLiteral("The 'acl_datacenter' field is deprecated. Use the "
                                             "'primary_datacenter' field instead.")));
    QVERIFY(
        warnings.contains(QStringLiteral("The 'start_join' field is deprecated. Use the 'retry_join' field "
                                         "instead.")));
    QVERIFY(
        warnings.contains(QStringLiteral("config key \"acl_enforce_version_8\" is deprecated and should be "
                                         "removed")));

    // ui_config.enabled wins over the legacy key whatever the order.
    const QString g = write(QStringLiteral("new.json"), R"({"ui_config": {"enabled": false}})");
    QVERIFY(!mustLoad(withData({ QStringLiteral("-config-file"), g, QStringLiteral("-config-file"), f }))
                 .uiEnabled);
}

void TstConfig::checkTlsVersionAndCipherSuites()
{
    // Consul's builder: a stanza's own settings, else tls.defaults' (cipher suites only where
    // its version is not TLS 1.3); the checks take tls.internal_rpc's.
    AgentConfig c = mustLoad(withData({}));
    QCOMPARE(c.checkTlsMinVersion, QStringLiteral("TLSv1_2"));
    QVERIFY(c.checkTlsCipherSuites.isEmpty());

    const QString suites = QStringLiteral("TLS_ECDHE_ECDSA_WITH_AES_128_GCM_SHA256,TLS_ECDHE_RSA_WITH_AES_256_GCM_SHA384");
    const QString inherited = write(QStringLiteral("inherited.json"),
        QStringLiteral(R"({"tls": {"defaults": {"tls_min_version": "TLSv1_1", "tls_cipher_suites": "%1"}}})").arg(suites).toUtf8());
    c = mustLoad(withData({ QStringLiteral("-config-file"), inherited }));
    QCOMPARE(c.checkTlsMinVersion, QStringLiteral("TLSv1_1"));
    QCOMPARE(c.checkTlsCipherSuites, suites.split(u','));

    // A stanza at TLS 1.3 does not inherit the defaults' suites (and is no error).
    const QString own = write(QStringLiteral("own.json"),
        QStringLiteral(R"({"tls": {"defaults": {"tls_cipher_suites": "%1"}, "internal_rpc": {"tls_min_version": "TLSv1_3"}}})")
            .arg(suites)
            .toUtf8());
    c = mustLoad(withData({ QStringLiteral("-config-file"), own }));
    QCOMPARE(c.checkTlsMinVersion, QStringLiteral("TLSv1_3"));
    QVERIFY(c.checkTlsCipherSuites.isEmpty());

    // The pre-1.12 top-level key and its values.
    const QString old = write(QStringLiteral("old-tls.json"), R"({"tls_min_version": "tls13"})");
    QStringList warnings;
    c = mustLoad(withData({ QStringLiteral("-config-file"), old }), &warnings);
    QCOMPARE(c.checkTlsMinVersion, QStringLiteral("TLSv1_3"));
    QVERIFY(warnings.contains(QStringLiteral("'tls_min_version' value 'tls13' is deprecated, please specify 'TLSv1_3' instead")));
    QVERIFY(warnings.contains(QStringLiteral("The 'tls_min_version' field is deprecated. Use the "
                                             "'tls.defaults.tls_min_version' field instead.")));
}

void TstConfig::keysAreCaseInsensitive()
{
    const QString f = write(QStringLiteral("a.json"), R"({"Datacenter": "dcx", "PORTS": {"HTTP": 8081}})");
    const AgentConfig c = mustLoad(withData({ QStringLiteral("-config-file"), f }));
    QCOMPARE(c.datacenter, QStringLiteral("dcx"));
    QCOMPARE(c.ports.http, 8081);
    QVERIFY(c.raw.contains(u"datacenter"));
}

void TstConfig::serviceDefinitionsAreNormalised()
{
    const QString f = write(QStringLiteral("svc.json"), R"({"service": {
        "Name": "api", "ID": "api1", "Port": 8080, "Tags": ["a"], "EnableTagOverride": true,
        "Meta": {"v": "1"},
        "Check": {"HTTP": "http://127.0.0.1:8080/health", "Interval": "10s",
                  "DeregisterCriticalServiceAfter": "1m"},
        "Checks": [{"TTL": "30s", "ServiceID": "api1"}, {"ScriptArgs": ["/bin/true"], "Interval": 5000000000}]
    }})");
    const AgentConfig c = mustLoad(withData({ QStringLiteral("-config-file"), f }));
    QCOMPARE(c.services.size(), 1);
    const QJsonObject s = c.services.at(0).toObject();
    QCOMPARE(s.value(u"name").toString(), QStringLiteral("api"));
    QCOMPARE(s.value(u"id").toString(), QStringLiteral("api1"));
    QCOMPARE(s.value(u"port").toInt(), 8080);
    QCOMPARE(s.value(u"enable_tag_override").toBool(), true);
    QCOMPARE(s.value(u"meta").toObject().value(u"v").toString(), QStringLiteral("1"));
    QVERIFY(!s.contains(u"check"));
    const QJsonArray checks = s.value(u"checks").toArray();
    QCOMPARE(checks.size(), 3); // `check` first, then `checks`, as Consul's CheckTypes() orders them
    QCOMPARE(
        checks.at(0).toObject().value(u"http").toString(), QStringLiteral("http://127.0.0.1:8080/health"));
    QCOMPARE(
        checks.at(0).toObject().value(u"deregister_critical_service_after").toString(), QStringLiteral("1m"));
    QCOMPARE(checks.at(1).toObject().value(u"ttl").toString(), QStringLiteral("30s"));
    QCOMPARE(checks.at(1).toObject().value(u"service_id").toString(), QStringLiteral("api1"));
    QCOMPARE(checks.at(2).toObject().value(u"args").toArray().at(0).toString(), QStringLiteral("/bin/true"));
    QCOMPARE(checks.at(2).toObject().value(u"interval").toDouble(), 5e9);

    QString err;
    const QJsonObject api = normalizeServiceDefinition(
        QJsonObject { { QStringLiteral("Name"), QStringLiteral("x") }, { QStringLiteral("Bogus"), 1 } },
        &err);
    QVERIFY(api.isEmpty());
    QCOMPARE(err, QStringLiteral("invalid config key Bogus"));
    const QJsonObject chk
        = normalizeCheckDefinition(QJsonObject { { QStringLiteral("CheckID"), QStringLiteral("c") },
                                       { QStringLiteral("TCP"), QStringLiteral("h:1") } },
            &err);
    QVERIFY2(err.isEmpty(), qPrintable(err));
    QCOMPARE(chk.value(u"id").toString(), QStringLiteral("c"));
    QCOMPARE(chk.value(u"tcp").toString(), QStringLiteral("h:1"));
}

// The seed tutorial's server config (001) and its client variant.
void TstConfig::seedServerConfig()
{
    const QString f = write(QStringLiteral("server.json"), R"({
        "datacenter": "dc1", "data_dir": "/opt/consul/data", "log_level": "INFO",
        "node_name": "server1", "server": true, "bootstrap_expect": 3,
        "bind_addr": "172.29.150.25", "client_addr": "0.0.0.0", "ui": true,
        "retry_join": ["172.29.150.25", "172.29.150.26", "172.29.150.27"],
        "retry_interval": "3s", "rejoin_after_leave": true, "skip_leave_on_interrupt": true
    })");
    QStringList warnings;
    const AgentConfig c = mustLoad({ QStringLiteral("-config-file"), f }, &warnings);
    QCOMPARE(c.datacenter, QStringLiteral("dc1"));
    QCOMPARE(c.dataDir, QStringLiteral("/opt/consul/data"));
    QCOMPARE(c.nodeName, QStringLiteral("server1"));
    QVERIFY(c.server);
    QCOMPARE(c.bootstrapExpect, 3);
    QVERIFY(!c.bootstrap);
    QCOMPARE(c.bindAddr, QStringLiteral("172.29.150.25"));
    QCOMPARE(c.advertiseAddr, QStringLiteral("172.29.150.25"));
    QCOMPARE(c.clientAddrs, QStringList { QStringLiteral("0.0.0.0") });
    QCOMPARE(c.httpAddrs, QStringList { QStringLiteral("0.0.0.0") });
    QVERIFY(c.uiEnabled);
    QCOMPARE(c.retryJoin.size(), 3);
    QCOMPARE(c.retryInterval, 3 * kSecond);
    QVERIFY(c.rejoinAfterLeave);
    QVERIFY(c.skipLeaveOnInterrupt);
    QVERIFY(!c.leaveOnTerminate);
    QVERIFY(warnings.contains(QStringLiteral("bootstrap_expect > 0: expecting 3 servers")));

    const QString client = write(QStringLiteral("client.json"), R"({
        "datacenter": "xxx-test-consul", "data_dir": "/consul/data", "server": false, "ui": false,
        "bind_addr": "172.16.5.45", "client_addr": "0.0.0.0", "bootstrap_expect": 0,
        "retry_join": ["172.16.150.25", "172.16.150.26", "172.16.150.27"],
        "retry_interval": "10s", "rejoin_after_leave": true, "skip_leave_on_interrupt": true
    })");
    const AgentConfig k = mustLoad({ QStringLiteral("-config-file"), client });
    QCOMPARE(k.datacenter, QStringLiteral("xxx-test-consul"));
    QVERIFY(!k.server);
    QVERIFY(!k.uiEnabled);
    QCOMPARE(k.retryInterval, 10 * kSecond);
}

// The seed tutorial's (000) service file and agent command lines.
void TstConfig::seedServiceFileAndCommands()
{
    write(QStringLiteral("consul-cli-0.d/web.json"),
        R"({"service": {"name": "web", "tags": ["rails"], "port": 80,
  "check": {"script": "curl localhost >/dev/null 2>&1", "interval": "10s"}}})");
    const AgentConfig c = mustLoad({
        QStringLiteral("-node=cli-0"),
        QStringLiteral("-join"),
        QStringLiteral("127.0.0.2"),
        QStringLiteral("-join"),
        QStringLiteral("127.0.0.3"),
        QStringLiteral("-join"),
        QStringLiteral("127.0.0.4"),
        QStringLiteral("-bind=127.0.0.1"),
        QStringLiteral("-data-dir=") + path(QStringLiteral("consul-cli-0")),
        QStringLiteral("-config-dir=") + path(QStringLiteral("consul-cli-0.d")),
    });
    QCOMPARE(c.nodeName, QStringLiteral("cli-0"));
    QCOMPARE(c.retryJoin,
        (QStringList {
            QStringLiteral("127.0.0.2"), QStringLiteral("127.0.0.3"), QStringLiteral("127.0.0.4") }));
    QCOMPARE(c.bindAddr, QStringLiteral("127.0.0.1"));
    QCOMPARE(c.services.size(), 1);
    const QJsonObject web = c.services.at(0).toObject();
    QCOMPARE(web.value(u"name").toString(), QStringLiteral("web"));
    QCOMPARE(web.value(u"tags").toArray(), QJsonArray { QStringLiteral("rails") });
    QCOMPARE(web.value(u"port").toInt(), 80);
    const QJsonObject check = web.value(u"checks").toArray().at(0).toObject();
    QCOMPARE(check.value(u"script").toString(), QStringLiteral("curl localhost >/dev/null 2>&1"));
    QCOMPARE(check.value(u"interval").toString(), QStringLiteral("10s"));

    QStringList warnings;
    const AgentConfig s = mustLoad(
        { QStringLiteral("-server"), QStringLiteral("-dns-port=4001"), QStringLiteral("-http-port=4101"),
            QStringLiteral("-ui"), QStringLiteral("-bootstrap-expect=2"),
            QStringLiteral("-data-dir=") + path(QStringLiteral("consul-0")),
            QStringLiteral("-node=agent-one"), QStringLiteral("-bind=127.0.0.2"),
            QStringLiteral("-config-dir=") + path(QStringLiteral("consul-cli-0.d")) },
        &warnings);
    QVERIFY(s.server);
    QCOMPARE(s.ports.dns, 4001);
    QCOMPARE(s.ports.http, 4101);
    QVERIFY(s.uiEnabled);
    QCOMPARE(s.bootstrapExpect, 2);
    QCOMPARE(s.advertiseAddr, QStringLiteral("127.0.0.2"));
    QVERIFY(!warnings.isEmpty());
}

void TstConfig::configFormatOverridesExtension()
{
    // -config-format=json reads files whatever their extension.
    const QString conf = write(QStringLiteral("x.conf"), R"({"node_name": "conf"})");
    QCOMPARE(
        mustLoad(withData({ QStringLiteral("-config-format=json"), QStringLiteral("-config-file"), conf }))
            .nodeName,
        QStringLiteral("conf"));
    QCOMPARE(loadError(withData({ QStringLiteral("-config-file"), path(QStringLiteral("missing.json")) })),
        QStringLiteral("config: Open failed on %1. open %1: no such file or directory")
            .arg(path(QStringLiteral("missing.json"))));
    // An empty file is no source at all.
    const QString empty = write(QStringLiteral("empty.json"), "");
    QVERIFY(loadAgentConfig(withData({ QStringLiteral("-config-file"), empty })).config);
}

void TstConfig::addresses()
{
    const QString f = write(QStringLiteral("a.json"), R"({
        "client_addr": "127.0.0.1 ::1",
        "addresses": {"http": "unix:///tmp/qonsul-http.sock"},
        "bind_addr": "[::]",
        "advertise_addr_wan": "203.0.113.9"
    })");
    const AgentConfig c = mustLoad(withData({ QStringLiteral("-config-file"), f }));
    QCOMPARE(c.clientAddrs, (QStringList { QStringLiteral("127.0.0.1"), QStringLiteral("::1") }));
    QCOMPARE(c.httpAddrs, QStringList { QStringLiteral("unix:///tmp/qonsul-http.sock") });
    QCOMPARE(c.dnsAddrs, c.clientAddrs);
    QCOMPARE(c.bindAddr, QStringLiteral("::"));
    QVERIFY(c.advertiseAddr.isEmpty());
    QCOMPARE(c.advertiseAddrWan, QStringLiteral("203.0.113.9"));

    QCOMPARE(loadError(withData({ QStringLiteral("-bind=127.0.0.1"), QStringLiteral("-dns-port=8500") })),
        QStringLiteral("HTTP address 127.0.0.1:8500 already configured for DNS"));
    QCOMPARE(
        loadError(withData({ QStringLiteral("-bind=127.0.0.1"), QStringLiteral("-serf-lan-port=8300") })),
        QStringLiteral("Serf Advertise LAN address 127.0.0.1:8300 already configured for RPC Advertise"));
}

void TstConfig::sockAddrTemplates()
{
    bool haveLo = false;
    for (const QNetworkInterface &i : QNetworkInterface::allInterfaces())
        haveLo = haveLo || i.name() == u"lo";
    if (!haveLo)
        QSKIP("no interface named lo");
    QString err;
    QCOMPARE(expandSockAddrTemplate(QStringLiteral("{{ GetInterfaceIP \"lo\" }}"), &err).value_or(err),
        QStringLiteral("127.0.0.1"));
    QCOMPARE(
        expandSockAddrTemplate(QStringLiteral("{{ GetAllInterfaces | include \"name\" \"^lo$\" | include "
                                              "\"type\" \"IPv4\" | attr \"address\" }}"),
            &err)
            .value_or(err),
        QStringLiteral("127.0.0.1"));
    QCOMPARE(
        expandSockAddrTemplate(QStringLiteral("{{ GetAllInterfaces | include \"flags\" \"loopback\" | join "
                                              "\"address\" \",\" }}"),
            &err)
            .value_or(err)
            .split(u',')
            .contains(QStringLiteral("127.0.0.1")),
        true);
    QCOMPARE(expandSockAddrTemplate(QStringLiteral("plain 10.0.0.1"), &err).value_or(err),
        QStringLiteral("plain 10.0.0.1"));
    QVERIFY(!expandSockAddrTemplate(QStringLiteral("{{ GetAllInterfaces | frobnicate }}"), &err));
    QCOMPARE(err, QStringLiteral("unsupported template function frobnicate"));

    const QString f = write(QStringLiteral("t.json"), R"({"bind_addr": "{{ GetInterfaceIP \"lo\" }}",
        "client_addr": "{{ GetAllInterfaces | include \"name\" \"^lo$\" | join \"address\" \" \" }}",
        "retry_join": ["{{ GetInterfaceIP \"lo\" }}", "provider=aws tag_key=x tag_value=y"]})");
    const AgentConfig c = mustLoad(withData({ QStringLiteral("-config-file"), f }));
    QCOMPARE(c.bindAddr, QStringLiteral("127.0.0.1"));
    QVERIFY(c.clientAddrs.contains(QStringLiteral("127.0.0.1")));
    QCOMPARE(c.retryJoin,
        (QStringList { QStringLiteral("127.0.0.1"), QStringLiteral("provider=aws tag_key=x tag_value=y") }));

    // GetPrivateIP must expand to something parseable (or nothing) on any host.
    const std::optional<QString> priv = expandSockAddrTemplate(QStringLiteral("{{ GetPrivateIP }}"), &err);
    QVERIFY(priv);
    QVERIFY(priv->isEmpty() || !QHostAddress(*priv).isNull());
    for (const QString &ip : privateIPv4Addresses())
        QCOMPARE(QHostAddress(ip).protocol(), QAbstractSocket::IPv4Protocol);
}

void TstConfig::durations()
{
    const QString f = write(QStringLiteral("a.json"), R"({
        "retry_interval": "1m30s", "session_ttl_min": "15s", "max_query_time": "1.5h",
        "dns_config": {"service_ttl": {"*": "5s", "web": "1h"}, "node_ttl": "250ms"},
        "reconnect_timeout": "8h", "performance": {"rpc_hold_timeout": "0"}
    })");
    const AgentConfig c = mustLoad(withData({ QStringLiteral("-config-file"), f }));
    QCOMPARE(c.retryInterval, 90 * kSecond);
    QCOMPARE(c.sessionTtlMin, 15 * kSecond);
    QCOMPARE(c.maxQueryTime, 90 * kMinute);
    QCOMPARE(c.dnsConfig.serviceTtl.value(QStringLiteral("web")), 1 * kHour);
    QCOMPARE(c.dnsConfig.nodeTtl, 250 * kMillisecond);
    QCOMPARE(c.reconnectTimeout, 8 * kHour);
    QCOMPARE(c.rpcHoldTimeout, Nanoseconds(0));
    // Values Consul fixes, taken from files for tests as Consul's own tests do.
    const QString h = write(QStringLiteral("c.json"), R"({
        "consul": {"coordinate": {"update_period": "250ms", "update_batch_size": 10, "update_max_batches": 1}},
        "sync_coordinate_interval_min": "1s"
    })");
    const AgentConfig fixed = mustLoad(withData({ QStringLiteral("-config-file"), h }));
    QCOMPARE(fixed.coordinateUpdatePeriod, 250 * kMillisecond);
    QCOMPARE(fixed.coordinateUpdateBatchSize, 10);
    QCOMPARE(fixed.coordinateUpdateMaxBatches, 1);
    QCOMPARE(fixed.syncCoordinateIntervalMin, 1 * kSecond);
    // Top-level durations are strings in Consul's files; a number is a type error.
    const QString g = write(QStringLiteral("b.json"), R"({"retry_interval": 30})");
    QCOMPARE(loadError(withData({ QStringLiteral("-config-file"), g })),
        QStringLiteral("failed to parse %1: 'retry_interval' expected type 'string', got unconvertible type "
                       "'float64', value: '30'")
            .arg(g));
}

void TstConfig::nodeId()
{
    AgentConfig c = mustLoad(withData({}));
    QString err;
    const QString id = ensureNodeId(c, &err);
    QVERIFY2(err.isEmpty(), qPrintable(err));
    QVERIFY(QUuid::fromString(id).isNull() == false);
    QCOMPARE(id, id.toLower());
    QFile f(QDir(dataDir()).filePath(QStringLiteral("node-id")));
    QVERIFY(f.open(QIODevice::ReadOnly));
    QCOMPARE(QString::fromUtf8(f.readAll()), id);
    f.close();
    QCOMPARE(ensureNodeId(c, &err), id); // persisted

    QVERIFY(f.open(QIODevice::WriteOnly | QIODevice::Truncate));
    f.write("garbage");
    f.close();
    QVERIFY(ensureNodeId(c, &err).isEmpty());
    QVERIFY2(err.contains(f.fileName()), qPrintable(err));

    // No data dir (-dev): a fresh ID every start.
    const AgentConfig dev = mustLoad({ QStringLiteral("-dev") });
    const QString a = ensureNodeId(dev, &err);
    QVERIFY(!a.isEmpty());
    QVERIFY(ensureNodeId(dev, &err) != a);

    // An explicit node ID is lower-cased and used as is.
    c = mustLoad(withData({ QStringLiteral("-node-id=ADF4238A-882B-9DDC-4A9D-5B6758E4159E") }));
    QCOMPARE(c.nodeId, QStringLiteral("adf4238a-882b-9ddc-4a9d-5b6758e4159e"));
    QCOMPARE(ensureNodeId(c, &err), c.nodeId);

    // disable_host_node_id=false derives a stable ID from the machine.
    if (!QSysInfo::machineUniqueId().isEmpty()) {
        const AgentConfig h
            = mustLoad({ QStringLiteral("-dev"), QStringLiteral("-disable-host-node-id=false") });
        QCOMPARE(ensureNodeId(h, &err), ensureNodeId(h, &err));
    }
}

void TstConfig::rawAndSanitized()
{
    const QString f = write(QStringLiteral("a.json"), R"({
        "datacenter": "dcr", "encrypt": "pUqJrVyVRj5jsiYEkM/tFQYfWyJIv4s3XkvDwy7Cu5s=",
        "acl": {"tokens": {"initial_management": "secret-root", "agent": ""}},
        "service": {"name": "w", "token": "svc-secret"}
    })");
    const AgentConfig c = mustLoad(withData({ QStringLiteral("-config-file"), f }));
    QCOMPARE(c.encrypt, QStringLiteral("pUqJrVyVRj5jsiYEkM/tFQYfWyJIv4s3XkvDwy7Cu5s="));
    QCOMPARE(c.raw.value(u"datacenter").toString(), QStringLiteral("dcr"));
    QCOMPARE(c.raw.value(u"data_dir").toString(), dataDir());
    QCOMPARE(c.raw.value(u"ports").toObject().value(u"http").toInt(), 8500);
    QCOMPARE(c.raw.value(u"services").toArray().size(), 1);
    const QJsonObject s = sanitizedRaw(c);
    QCOMPARE(s.value(u"encrypt").toString(), QStringLiteral("hidden"));
    const QJsonObject tokens = s.value(u"acl").toObject().value(u"tokens").toObject();
    QCOMPARE(tokens.value(u"initial_management").toString(), QStringLiteral("hidden"));
    QCOMPARE(tokens.value(u"agent").toString(), QString());
    QCOMPARE(
        s.value(u"services").toArray().at(0).toObject().value(u"token").toString(), QStringLiteral("hidden"));
    QCOMPARE(s.value(u"datacenter").toString(), QStringLiteral("dcr"));
}

void TstConfig::validateCommand()
{
    write(QStringLiteral("ok/a.json"),
        QStringLiteral(R"({"bind_addr": "10.0.0.1", "data_dir": "%1"})").arg(dataDir()).toUtf8());
    QString outText, errText;
    {
        QTextStream out(&outText), err(&errText);
        QCOMPARE(runValidate({ path(QStringLiteral("ok")) }, out, err), 0);
    }
    QCOMPARE(outText, QStringLiteral("Configuration is valid!\n"));
    QCOMPARE(errText, QString());

    outText.clear();
    {
        QTextStream out(&outText), err(&errText);
        QCOMPARE(runValidate({ QStringLiteral("-quiet"), path(QStringLiteral("ok")) }, out, err), 0);
    }
    QCOMPARE(outText, QString());

    const QString bad = write(QStringLiteral("bad/a.json"), R"({"limits": {"foo": 1}, "data_dir": "/x"})");
    {
        QTextStream out(&outText), err(&errText);
        QCOMPARE(runValidate({ path(QStringLiteral("bad")) }, out, err), 1);
    }
    QCOMPARE(errText,
        QStringLiteral("Config validation failed: failed to parse %1: invalid config key limits.foo\n")
            .arg(bad));

    // An empty file fails the agent's own checks, as in Consul.
    const QString empty = write(QStringLiteral("empty.json"), "");
    errText.clear();
    {
        QTextStream out(&outText), err(&errText);
        QCOMPARE(runValidate({ empty }, out, err), 1);
    }
    QCOMPARE(errText, QStringLiteral("Config validation failed: data_dir cannot be empty\n"));

    errText.clear();
    {
        QTextStream out(&outText), err(&errText);
        QCOMPARE(runValidate({}, out, err), 1);
    }
    QCOMPARE(errText, QStringLiteral("Must specify at least one config file or directory\n"));

    const QString conf
        = write(QStringLiteral("json.conf"), QStringLiteral(R"({"data_dir": "%1"})").arg(dataDir()).toUtf8());
    outText.clear();
    {
        QTextStream out(&outText), err(&errText);
        QCOMPARE(
            runValidate({ QStringLiteral("--config-format"), QStringLiteral("json"), conf }, out, err), 0);
    }
    QCOMPARE(outText, QStringLiteral("Configuration is valid!\n"));
}

QTEST_GUILESS_MAIN(TstConfig)
#include "tst_config.moc"

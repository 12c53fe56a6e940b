#include "config/ConfigLoader.h"

#include "config/ConfigSchema.h"
#include "config/Hcl.h"
#include "config/SockAddrTemplate.h"
#include "core/Logging.h"

#include <QCryptographicHash>
#include <QDir>
#include <QFile>
#include <QFileInfo>
#include <QJsonArray>
#include <QJsonDocument>
#include <QRegularExpression>
#include <QSaveFile>
#include <QSysInfo>
#include <QUuid>

#include <algorithm>

namespace qonsul::config {

namespace {

const QString kCommandLine = QStringLiteral("command line");
const QString kDefaultSource = QStringLiteral("default");
const QString kDevSource = QStringLiteral("dev");

// ---------------------------------------------------------------------------------------
// Built-in sources (Consul's DefaultSource and DevSource, agent/config/default.go).

QJsonObject parseBuiltin(const char *json)
{
    return QJsonDocument::fromJson(QByteArray(json)).object();
}

const QJsonObject &defaultSource()
{
    static const QJsonObject s = parseBuiltin(R"({
        "acl": {"token_ttl": "30s", "policy_ttl": "30s", "default_policy": "allow",
                "down_policy": "extend-cache"},
        "bind_addr": "0.0.0.0",
        "bootstrap": false,
        "bootstrap_expect": 0,
        "check_output_max_size": 4096,
        "check_update_interval": "5m",
        "client_addr": "127.0.0.1",
        "datacenter": "dc1",
        "default_query_time": "300s",
        "disable_coordinates": false,
        "disable_host_node_id": true,
        "disable_remote_exec": true,
        "domain": "consul.",
        "enable_central_service_config": true,
        "encrypt_verify_incoming": true,
        "encrypt_verify_outgoing": true,
        "log_level": "INFO",
        "max_query_time": "600s",
        "primary_gateways_interval": "30s",
        "protocol": 2,
        "retry_interval": "30s",
        "retry_interval_wan": "30s",
        "segment_limit": 64,
        "server": false,
        "server_rejoin_age_max": "168h",
        "session_ttl_min": "10s",
        "syslog_facility": "LOCAL0",
        "tls": {"defaults": {"tls_min_version": "TLSv1_2"}},
        "autopilot": {"cleanup_dead_servers": true, "last_contact_threshold": "200ms",
                      "max_trailing_logs": 250, "server_stabilization_time": "10s"},
        "gossip_lan": {"gossip_interval": "200ms", "gossip_nodes": 3, "retransmit_mult": 4,
                       "probe_interval": "1s", "probe_timeout": "500ms", "suspicion_mult": 4},
        "gossip_wan": {"gossip_interval": "500ms", "gossip_nodes": 3, "retransmit_mult": 4,
                       "probe_interval": "5s", "probe_timeout": "3s", "suspicion_mult": 6},
        "dns_config": {"allow_stale": true, "a_record_limit": 0, "udp_answer_limit": 3,
                       "max_stale": "87600h", "recursor_timeout": "2s"},
        "limits": {"http_max_conns_per_client": 200, "https_handshake_timeout": "5s",
                   "request_limits": {"mode": "disabled", "read_rate": -1, "write_rate": -1},
                   "rpc_handshake_timeout": "5s", "rpc_client_timeout": "60s", "rpc_rate": -1,
                   "rpc_max_burst": 1000, "rpc_max_conns_per_client": 100,
                   "kv_max_value_size": 524288, "txn_max_req_len": 524288},
        "performance": {"leave_drain_time": "5s", "raft_multiplier": 5, "rpc_hold_timeout": "7s"},
        "ports": {"dns": 8600, "http": 8500, "https": -1, "grpc": -1, "serf_lan": 8301,
                  "serf_wan": 8302, "server": 8300, "proxy_min_port": 20000,
                  "proxy_max_port": 20255, "sidecar_min_port": 21000, "sidecar_max_port": 21255,
                  "expose_min_port": 21500, "expose_max_port": 21755},
        "raft_protocol": 3,
        "telemetry": {"metrics_prefix": "consul", "filter_default": true, "prefix_filter": [],
                      "retry_failed_connection": true},
        "raft_snapshot_threshold": 16384,
        "raft_snapshot_interval": "30s",
        "raft_trailing_logs": 10240,
        "raft_logstore": {"backend": "boltdb", "wal": {"segment_size_mb": 64}},
        "xds": {"update_max_per_second": 250},
        "connect": {"enabled": true},
        "peering": {"enabled": true}
    })");
    return s;
}

const QJsonObject &devSource()
{
    static const QJsonObject s = parseBuiltin(R"({
        "bind_addr": "127.0.0.1",
        "disable_anonymous_signature": true,
        "disable_keyring_file": true,
        "enable_debug": true,
        "ui_config": {"enabled": true},
        "log_level": "DEBUG",
        "server": true,
        "gossip_lan": {"gossip_interval": "100ms", "probe_interval": "100ms",
                       "probe_timeout": "100ms", "suspicion_mult": 3},
        "gossip_wan": {"gossip_interval": "100ms", "probe_interval": "100ms",
                       "probe_timeout": "100ms", "suspicion_mult": 3},
        "connect": {"enabled": true},
        "peering": {"enabled": true},
        "performance": {"raft_multiplier": 1},
        "ports": {"grpc": 8502}
    })");
    return s;
}

// ---------------------------------------------------------------------------------------
// Flags (Consul's agent/config/flags.go, parsed with Go's flag package rules).

enum class FlagType
{
    Bool,
    Int,
    String,
    List,
    Map,
    ConfigPath,
    ConfigFormat,
    Dev,
    Hcl
};

struct FlagDef
{
    const char *name;
    FlagType type;
    const char *path; // config key (dotted) the flag sets
};

constexpr FlagDef kFlags[] = {
    { "advertise", FlagType::String, "advertise_addr" },
    { "advertise-wan", FlagType::String, "advertise_addr_wan" },
    { "allow-write-http-from", FlagType::List, "http_config.allow_write_http_from" },
    { "alt-domain", FlagType::String, "alt_domain" },
    { "auto-reload-config", FlagType::Bool, "auto_reload_config" },
    { "bind", FlagType::String, "bind_addr" },
    { "bootstrap", FlagType::Bool, "bootstrap" },
    { "bootstrap-expect", FlagType::Int, "bootstrap_expect" },
    { "check_output_max_size", FlagType::Int, "check_output_max_size" },
    { "client", FlagType::String, "client_addr" },
    { "config-dir", FlagType::ConfigPath, nullptr },
    { "config-file", FlagType::ConfigPath, nullptr },
    { "config-format", FlagType::ConfigFormat, nullptr },
    { "data-dir", FlagType::String, "data_dir" },
    { "datacenter", FlagType::String, "datacenter" },
    { "default-query-time", FlagType::String, "default_query_time" },
    { "dev", FlagType::Dev, nullptr },
    { "disable-host-node-id", FlagType::Bool, "disable_host_node_id" },
    { "disable-keyring-file", FlagType::Bool, "disable_keyring_file" },
    { "dns-port", FlagType::Int, "ports.dns" },
    { "domain", FlagType::String, "domain" },
    { "enable-local-script-checks", FlagType::Bool, "enable_local_script_checks" },
    { "enable-script-checks", FlagType::Bool, "enable_script_checks" },
    { "encrypt", FlagType::String, "encrypt" },
    { "grpc-port", FlagType::Int, "ports.grpc" },
    { "grpc-tls-port", FlagType::Int, "ports.grpc_tls" },
    { "hcl", FlagType::Hcl, nullptr },
    { "http-port", FlagType::Int, "ports.http" },
    { "https-port", FlagType::Int, "ports.https" },
    { "join", FlagType::List, "start_join" },
    { "join-wan", FlagType::List, "start_join_wan" },
    { "log-file", FlagType::String, "log_file" },
    { "log-json", FlagType::Bool, "log_json" },
    { "log-level", FlagType::String, "log_level" },
    { "log-rotate-bytes", FlagType::Int, "log_rotate_bytes" },
    { "log-rotate-duration", FlagType::String, "log_rotate_duration" },
    { "log-rotate-max-files", FlagType::Int, "log_rotate_max_files" },
    { "max-query-time", FlagType::String, "max_query_time" },
    { "node", FlagType::String, "node_name" },
    { "node-id", FlagType::String, "node_id" },
    { "node-meta", FlagType::Map, "node_meta" },
    { "non-voting-server", FlagType::Bool, "read_replica" },
    { "pid-file", FlagType::String, "pid_file" },
    { "primary-gateway", FlagType::List, "primary_gateways" },
    { "protocol", FlagType::Int, "protocol" },
    { "raft-protocol", FlagType::Int, "raft_protocol" },
    { "read-replica", FlagType::Bool, "read_replica" },
    { "recursor", FlagType::List, "recursors" },
    { "rejoin", FlagType::Bool, "rejoin_after_leave" },
    { "retry-interval", FlagType::String, "retry_interval" },
    { "retry-interval-wan", FlagType::String, "retry_interval_wan" },
    { "retry-join", FlagType::List, "retry_join" },
    { "retry-join-wan", FlagType::List, "retry_join_wan" },
    { "retry-max", FlagType::Int, "retry_max" },
    { "retry-max-wan", FlagType::Int, "retry_max_wan" },
    { "segment", FlagType::String, "segment" },
    { "serf-lan-allowed-cidrs", FlagType::List, "serf_lan_allowed_cidrs" },
    { "serf-lan-bind", FlagType::String, "serf_lan" },
    { "serf-lan-port", FlagType::Int, "ports.serf_lan" },
    { "serf-wan-allowed-cidrs", FlagType::List, "serf_wan_allowed_cidrs" },
    { "serf-wan-bind", FlagType::String, "serf_wan" },
    { "serf-wan-port", FlagType::Int, "ports.serf_wan" },
    { "server", FlagType::Bool, "server" },
    { "server-port", FlagType::Int, "ports.server" },
    { "syslog", FlagType::Bool, "enable_syslog" },
    { "ui", FlagType::Bool, "ui_config.enabled" },
    { "ui-content-path", FlagType::String, "ui_config.content_path" },
    { "ui-dir", FlagType::String, "ui_config.dir" },
};

const FlagDef *findFlag(const QString &name)
{
    for (const FlagDef &f : kFlags) {
        if (name == QLatin1String(f.name))
            return &f;
    }
    return nullptr;
}

// strconv.ParseBool.
std::optional<bool> parseGoBool(const QString &s)
{
    static const QStringList yes { QStringLiteral("1"), QStringLiteral("t"), QStringLiteral("T"),
        QStringLiteral("TRUE"), QStringLiteral("true"), QStringLiteral("True") };
    static const QStringList no { QStringLiteral("0"), QStringLiteral("f"), QStringLiteral("F"),
        QStringLiteral("FALSE"), QStringLiteral("false"), QStringLiteral("False") };
    if (yes.contains(s))
        return true;
    if (no.contains(s))
        return false;
    return std::nullopt;
}

// strconv.Atoi: optional sign, decimal digits.
std::optional<qint64> parseGoInt(const QString &s)
{
    static const QRegularExpression re(QStringLiteral("^[+-]?[0-9]+$"));
    if (!re.match(s).hasMatch())
        return std::nullopt;
    bool ok = false;
    const qint64 v = s.toLongLong(&ok);
    return ok ? std::optional<qint64>(v) : std::nullopt;
}

struct ParsedFlags
{
    QJsonObject slices; // top-level list flags: merged before the files, like Consul
    QJsonObject values; // everything else: merged after the files
    QStringList configPaths;
    QString configFormat;
    bool dev = false;
    QStringList hcl;
    QStringList positional;
    QString error;
};

// Go's flag package: "-name", "--name", "-name=value", "-name value" (not for booleans);
// parsing stops at "--" or the first argument that is not a flag.
ParsedFlags parseFlags(const QStringList &args)
{
    ParsedFlags r;
    qsizetype i = 0;
    for (; i < args.size(); ++i) {
        const QString &arg = args.at(i);
        if (arg.size() < 2 || !arg.startsWith(u'-'))
            break;
        QString body = arg.mid(1);
        if (body.startsWith(u'-')) {
            body = body.mid(1);
            if (body.isEmpty()) { // "--" ends the flags
                ++i;
                break;
            }
        }
        if (body.isEmpty() || body.startsWith(u'-') || body.startsWith(u'=')) {
            r.error = QStringLiteral("bad flag syntax: %1").arg(arg);
            return r;
        }
        QString name = body;
        QString value;
        bool hasValue = false;
        if (const qsizetype eq = body.indexOf(u'='); eq > 0) {
            name = body.left(eq);
            value = body.mid(eq + 1);
            hasValue = true;
        }
        if (name == u"h" || name == u"help") {
            r.error = QStringLiteral("flag: help requested");
            return r;
        }
        const FlagDef *def = findFlag(name);
        if (!def) {
            r.error = QStringLiteral("flag provided but not defined: -%1").arg(name);
            return r;
        }
        const bool isBool = def->type == FlagType::Bool || def->type == FlagType::Dev;
        if (isBool) {
            bool v = true;
            if (hasValue) {
                const std::optional<bool> b = parseGoBool(value);
                if (!b) {
                    r.error = QStringLiteral("invalid boolean value \"%1\" for -%2: parse error")
                                  .arg(value, name);
                    return r;
                }
                v = *b;
            }
            if (def->type == FlagType::Dev)
                r.dev = v;
            else
                setValueAtPath(r.values, QLatin1String(def->path), v);
            continue;
        }
        if (!hasValue) {
            if (i + 1 >= args.size()) {
                r.error = QStringLiteral("flag needs an argument: -%1").arg(name);
                return r;
            }
            value = args.at(++i);
        }
        const QString path = def->path ? QLatin1String(def->path) : QString();
        switch (def->type) {
        case FlagType::Int: {
            const std::optional<qint64> n = parseGoInt(value);
            if (!n) {
                r.error = QStringLiteral("invalid value \"%1\" for flag -%2: parse error").arg(value, name);
                return r;
            }
            setValueAtPath(r.values, path, *n);
            break;
        }
        case FlagType::String:
            setValueAtPath(r.values, path, value);
            break;
        case FlagType::List: {
            QJsonObject &target = path.contains(u'.') ? r.values : r.slices;
            QJsonArray a = valueAtPath(target, path).toArray();
            a.append(value);
            setValueAtPath(target, path, a);
            break;
        }
        case FlagType::Map: {
            // "key:value"; a missing ':' gives an empty value (Consul's stringMapValue).
            const qsizetype colon = value.indexOf(u':');
            QJsonObject m = valueAtPath(r.values, path).toObject();
            m.insert(colon < 0 ? value : value.left(colon), colon < 0 ? QString() : value.mid(colon + 1));
            setValueAtPath(r.values, path, m);
            break;
        }
        case FlagType::ConfigPath:
            r.configPaths.append(value);
            break;
        case FlagType::ConfigFormat:
            r.configFormat = value;
            break;
        case FlagType::Hcl:
            r.hcl.append(value);
            break;
        case FlagType::Bool:
        case FlagType::Dev:
            break;
        }
    }
    r.positional = args.mid(i);
    return r;
}

// ---------------------------------------------------------------------------------------
// Config files and directories

struct Source
{
    QString name;
    QJsonObject config;
};

struct LoadOptions
{
    QStringList commandLine;
    ParsedFlags flags;
};

QString formatFromExtension(const QString &path)
{
    if (path.endsWith(QLatin1String(".json")))
        return QStringLiteral("json");
    if (path.endsWith(QLatin1String(".hcl")))
        return QStringLiteral("hcl");
    return {};
}

QString lineColumn(const QByteArray &data, int offset)
{
    const TextPosition p = textPosition(data, offset);
    return QStringLiteral("line %1, column %2").arg(p.line).arg(p.column);
}

bool loadData(const QString &path, const QByteArray &data, const QString &fmt, QList<Source> &sources,
    QStringList &warnings, QString *error);

// Reads one file; returns false with *error set on failure. An empty file is no source.
bool loadFile(
    const QString &path, const QString &format, QList<Source> &sources, QStringList &warnings, QString *error)
{
    QFile f(path);
    if (!f.open(QIODevice::ReadOnly)) {
        *error = QStringLiteral("config: failed to read %1: %2").arg(path, f.errorString());
        return false;
    }
    const QByteArray data = f.readAll();
    const QString fmt = format.isEmpty() ? formatFromExtension(path) : format;
    return loadData(path, data, fmt, sources, warnings, error);
}

// Parses one source's text (fmt "json" or "hcl") named `path` in errors.
bool loadData(const QString &path, const QByteArray &data, const QString &fmt, QList<Source> &sources,
    QStringList &warnings, QString *error)
{
    if (data.isEmpty())
        return true; // Consul skips sources without data
    QJsonObject object;
    if (fmt == u"hcl") {
        QString hclError;
        const std::optional<QJsonObject> parsed = parseHcl(data, &hclError);
        if (!parsed) {
            *error = QStringLiteral("failed to parse %1: %2").arg(path, hclError);
            return false;
        }
        object = *parsed;
    } else {
        QJsonParseError pe;
        const QJsonDocument doc = QJsonDocument::fromJson(data, &pe);
        if (pe.error != QJsonParseError::NoError) {
            *error = QStringLiteral("failed to parse %1: invalid JSON: %2 at %3")
                         .arg(path, pe.errorString(), lineColumn(data, pe.offset));
            return false;
        }
        if (!doc.isObject()) {
            *error = QStringLiteral("failed to parse %1: json: cannot unmarshal array into Go value of type "
                                    "map[string]interface {}")
                         .arg(path);
            return false;
        }
        object = doc.object();
    }
    DecodedSource d = decodeSource(object, fmt == u"hcl");
    if (!d.errors.isEmpty()) {
        *error = QStringLiteral("failed to parse %1: %2").arg(path, d.errors.join(QStringLiteral("; ")));
        return false;
    }
    warnings += d.warnings;
    sources.append({ path, d.config });
    return true;
}

bool shouldParse(const QString &path, const QString &format)
{
    return !format.isEmpty() || !formatFromExtension(path).isEmpty();
}

QString skipWarning(const QString &path)
{
    return QStringLiteral("skipping file %1, extension must be .hcl or .json, or config format must be set")
        .arg(path);
}

// A file, or every file directly inside a directory (sorted by name, sub-directories skipped).
bool loadPath(
    const QString &path, const QString &format, QList<Source> &sources, QStringList &warnings, QString *error)
{
    const QFileInfo info(path);
    if (!info.exists()) {
        *error = QStringLiteral("config: Open failed on %1. open %1: no such file or directory").arg(path);
        return false;
    }
    if (!info.isDir()) {
        if (!shouldParse(path, format)) {
            warnings.append(skipWarning(path));
            return true;
        }
        return loadFile(path, format, sources, warnings, error);
    }
    // QDir lists an unreadable directory as empty; the agent would start without its config.
    if (!info.isReadable()) {
        *error = QStringLiteral("config: Open failed on %1. open %1: permission denied").arg(path);
        return false;
    }
    QDir dir(path);
    QStringList names
        = dir.entryList(QDir::AllEntries | QDir::NoDotAndDotDot | QDir::Hidden | QDir::System, QDir::NoSort);
    // Go sorts by byte value of the name.
    std::sort(names.begin(), names.end(),
        [](const QString &a, const QString &b) { return a.toUtf8() < b.toUtf8(); });
    for (const QString &name : std::as_const(names)) {
        QString fp = QDir::cleanPath(path + u'/' + name);
        QFileInfo fi(fp);
        if (fi.isSymLink()) {
            const QString target = fi.canonicalFilePath();
            if (target.isEmpty()) {
                *error = QStringLiteral("lstat %1: no such file or directory").arg(fi.symLinkTarget());
                return false;
            }
            fp = target;
            fi = QFileInfo(fp);
        }
        if (fi.isDir())
            continue;
        if (!shouldParse(fp, format)) {
            warnings.append(skipWarning(fp));
            continue;
        }
        if (!loadFile(fp, format, sources, warnings, error))
            return false;
    }
    return true;
}

// ---------------------------------------------------------------------------------------
// Building the AgentConfig from the merged JSON (Consul's builder.build and validate).

// Go's net.ParseIP: dotted-quad IPv4 or IPv6 without zone; QHostAddress alone also accepts
// shorthands such as "1" or "127.1".
bool isIpLiteral(const QString &text)
{
    static const QRegularExpression v4(QStringLiteral("^\\d{1,3}(\\.\\d{1,3}){3}$"));
    if (text.contains(u'%') || text.contains(u'/'))
        return false;
    if (!text.contains(u':') && !v4.match(text).hasMatch())
        return false;
    return !QHostAddress(text).isNull();
}

bool isAnyAddress(const QString &ip)
{
    return ip == u"0.0.0.0" || ip == u"::" || ip == u"[::]";
}

QString fqdn(const QString &domain)
{
    if (domain.isEmpty() || domain.endsWith(u'.'))
        return domain;
    return domain + u'.';
}

QString hostPort(const QString &ip, int port)
{
    return (ip.contains(u':') ? u'[' + ip + u']' : ip) + u':' + QString::number(port);
}

// The host part of a recursor ("8.8.8.8", "8.8.8.8:53", "[::1]:53").
QString recursorHost(const QString &r)
{
    if (r.startsWith(u'[')) {
        const qsizetype close = r.indexOf(u']');
        return close > 0 ? r.mid(1, close - 1) : r;
    }
    if (r.count(u':') == 1)
        return r.left(r.indexOf(u':'));
    return r;
}

QString uiPath(const QString &configured)
{
    if (configured.isEmpty())
        return QStringLiteral("/ui/");
    QString p = configured;
    while (p.startsWith(u'/'))
        p.remove(0, 1);
    while (p.endsWith(u'/'))
        p.chop(1);
    return u'/' + p + u'/';
}

class Builder
{
public:
    Builder(const QJsonObject &merged, const Provenance &provenance, bool dev)
        : c(merged)
        , prov(provenance)
        , dev(dev)
    {
    }

    QStringList warnings;
    QString error;

    std::optional<AgentConfig> build()
    {
        AgentConfig cfg;
        cfg.dev = dev;
        buildAddresses(cfg);
        buildGeneral(cfg);
        if (!error.isEmpty())
            return std::nullopt;
        validate(cfg);
        if (!error.isEmpty())
            return std::nullopt;
        // Consul's -dev server bootstraps itself (the raft layer checks DevMode).
        if (cfg.dev && cfg.server)
            cfg.bootstrap = true;
        return cfg;
    }

private:
    const QJsonObject &c;
    const Provenance &prov;
    bool dev;

    QJsonValue v(const QString &path) const { return valueAtPath(c, path); }
    bool has(const QString &path) const { return !v(path).isUndefined() && !v(path).isNull(); }
    bool b(const QString &path, bool def = false) const { return has(path) ? v(path).toBool() : def; }
    qint64 i(const QString &path, qint64 def = 0) const
    {
        return v(path).isDouble() ? static_cast<qint64>(v(path).toDouble()) : def;
    }
    double f(const QString &path, double def = 0) const
    {
        return v(path).isDouble() ? v(path).toDouble() : def;
    }
    QString s(const QString &path) const { return v(path).toString(); }
    QStringList list(const QString &path) const
    {
        QStringList out;
        for (const QJsonValue &x : v(path).toArray())
            out.append(x.toString());
        return out;
    }
    QMap<QString, QString> map(const QString &path) const
    {
        QMap<QString, QString> out;
        const QJsonObject o = v(path).toObject();
        for (auto it = o.begin(); it != o.end(); ++it)
            out.insert(it.key(), it.value().toString());
        return out;
    }

    // " (from <source>)" for values a user set; nothing for built-in defaults.
    QString from(const QString &path) const
    {
        QString p = path;
        while (!p.isEmpty()) {
            const QString src = prov.value(p);
            if (!src.isEmpty())
                return src == kDefaultSource || src == kDevSource ? QString()
                                                                  : QStringLiteral(" (from %1)").arg(src);
            const qsizetype dot = p.lastIndexOf(u'.');
            p = dot < 0 ? QString() : p.left(dot);
        }
        return {};
    }

    void fail(const QString &message, const QString &path = {})
    {
        if (error.isEmpty())
            error = message + (path.isEmpty() ? QString() : from(path));
    }

    Nanoseconds dur(const QString &path, Nanoseconds def = 0)
    {
        if (!has(path))
            return def;
        const QString text = s(path);
        const std::optional<Nanoseconds> d = parseDuration(text);
        if (!d) {
            fail(
                QStringLiteral("%1: invalid duration: \"%2\": time: invalid duration \"%2\"").arg(path, text),
                path);
            return def;
        }
        return *d;
    }

    // Consul's builder (buildTLSConfig's mapCommon): each stanza's tls_min_version, else
    // tls.defaults'; its tls_cipher_suites, else tls.defaults' unless its version is TLS 1.3.
    // Every stanza is validated; the checks use tls.internal_rpc's.
    void tlsVersionsAndCiphers(AgentConfig &cfg)
    {
        const QString defaultsMin = tlsVersion(QStringLiteral("tls.defaults.tls_min_version"));
        const QStringList defaultsSuites
            = tlsCipherSuites(QStringLiteral("tls.defaults.tls_cipher_suites"), defaultsMin);
        for (const QString &stanza : {QStringLiteral("internal_rpc"), QStringLiteral("https"), QStringLiteral("grpc")}) {
            const QString minPath = QStringLiteral("tls.%1.tls_min_version").arg(stanza);
            const QString suitesPath = QStringLiteral("tls.%1.tls_cipher_suites").arg(stanza);
            const QString min = has(minPath) ? tlsVersion(minPath) : defaultsMin;
            const QStringList suites = has(suitesPath) ? tlsCipherSuites(suitesPath, min)
                : min == u"TLSv1_3"                   ? QStringList()
                                                      : defaultsSuites;
            if (stanza == u"internal_rpc") {
                cfg.checkTlsMinVersion = min;
                cfg.checkTlsCipherSuites = suites;
            }
        }
    }

    QString tlsVersion(const QString &path)
    {
        const QString version = s(path);
        static const QStringList known{QStringLiteral("TLS_AUTO"), QStringLiteral("TLSv1_0"), QStringLiteral("TLSv1_1"),
                                       QStringLiteral("TLSv1_2"), QStringLiteral("TLSv1_3")};
        if (version.isEmpty())
            return QStringLiteral("TLS_AUTO");
        if (!known.contains(version))
            fail(QStringLiteral("%1: invalid TLS version: no matching TLS version found for %2").arg(path, version), path);
        return version;
    }

    QStringList tlsCipherSuites(const QString &path, const QString &minVersion)
    {
        if (!has(path))
            return {};
        if (minVersion == u"TLSv1_3") {
            fail(QStringLiteral("%1: TLS 1.3 cipher suites are not configurable").arg(path), path);
            return {};
        }
        const QString text = s(path).trimmed();
        if (text.isEmpty())
            return {};
        static const QStringList agentSuites{
            QStringLiteral("TLS_ECDHE_ECDSA_WITH_CHACHA20_POLY1305_SHA256"), QStringLiteral("TLS_ECDHE_ECDSA_WITH_AES_128_CBC_SHA"),
            QStringLiteral("TLS_ECDHE_ECDSA_WITH_AES_128_GCM_SHA256"), QStringLiteral("TLS_ECDHE_ECDSA_WITH_AES_256_CBC_SHA"),
            QStringLiteral("TLS_ECDHE_ECDSA_WITH_AES_256_GCM_SHA384"), QStringLiteral("TLS_ECDHE_RSA_WITH_CHACHA20_POLY1305_SHA256"),
            QStringLiteral("TLS_ECDHE_RSA_WITH_AES_128_CBC_SHA"), QStringLiteral("TLS_ECDHE_RSA_WITH_AES_128_GCM_SHA256"),
            QStringLiteral("TLS_ECDHE_RSA_WITH_AES_256_CBC_SHA"), QStringLiteral("TLS_ECDHE_RSA_WITH_AES_256_GCM_SHA384")};
        const QStringList suites = text.split(u','); // each name as written, as Consul splits them
        QStringList unmatched;
        for (const QString &suite : suites) {
            if (!agentSuites.contains(suite))
                unmatched.append(suite);
        }
        if (!unmatched.isEmpty()) {
            fail(QStringLiteral("%1: invalid TLS cipher suites: no matching Consul Agent TLS cipher suite found for %2")
                     .arg(path, unmatched.join(u',')),
                 path);
            return {};
        }
        return suites;
    }

    int port(const QString &path)
    {
        const qint64 p = i(path, -1);
        if (p <= 0)
            return -1;
        if (p > 65535) {
            fail(QStringLiteral("%1: invalid port: %2").arg(path).arg(p), path);
            return -1;
        }
        return int(p);
    }

    // go-sockaddr expansion → IP literals or unix:// paths; nullopt after fail().
    std::optional<QStringList> expandAddrs(const QString &path)
    {
        const QString text = s(path);
        if (text.isEmpty())
            return QStringList();
        QString err;
        const std::optional<QString> expanded = expandSockAddrTemplate(text, &err);
        if (!expanded) {
            fail(QStringLiteral("%1: error parsing \"%2\": %3").arg(path, text, err), path);
            return std::nullopt;
        }
        QStringList out;
        for (const QString &a :
            expanded->split(QRegularExpression(QStringLiteral("\\s+")), Qt::SkipEmptyParts)) {
            if (a.startsWith(QLatin1String("unix://"))) {
                out.append(a);
                continue;
            }
            const QString ip = a == u"[::]" ? QStringLiteral("::") : a;
            if (!isIpLiteral(ip)) {
                fail(QStringLiteral("%1: invalid ip address: %2").arg(path, a), path);
                return std::nullopt;
            }
            out.append(QHostAddress(ip).toString());
        }
        return out;
    }

    // A single optional IP (advertise_addr, serf_lan, ...).
    QString expandFirstIP(const QString &path)
    {
        const std::optional<QStringList> addrs = expandAddrs(path);
        if (!addrs || addrs->isEmpty())
            return {};
        if (addrs->size() > 1) {
            fail(QStringLiteral("%1: multiple addresses found: %2").arg(path, addrs->join(u' ')), path);
            return {};
        }
        if (addrs->first().startsWith(QLatin1String("unix://"))) {
            fail(QStringLiteral("%1 cannot be a unix socket").arg(path), path);
            return {};
        }
        return addrs->first();
    }

    // retry_join & co: templates expand to several entries; anything else passes through
    // (host names and cloud auto-join strings included).
    QStringList expandOptional(const QString &path)
    {
        QStringList out;
        for (const QString &entry : list(path)) {
            if (!entry.contains(QLatin1String("{{"))) {
                out.append(entry);
                continue;
            }
            QString err;
            const std::optional<QString> expanded = expandSockAddrTemplate(entry, &err);
            if (!expanded) {
                fail(QStringLiteral("%1: error parsing \"%2\": %3").arg(path, entry, err), path);
                return {};
            }
            out += expanded->split(QRegularExpression(QStringLiteral("\\s+")), Qt::SkipEmptyParts);
        }
        return out;
    }

    void buildAddresses(AgentConfig &cfg)
    {
        Ports &p = cfg.ports;
        p.dns = port(QStringLiteral("ports.dns"));
        p.http = port(QStringLiteral("ports.http"));
        p.https = port(QStringLiteral("ports.https"));
        p.server = port(QStringLiteral("ports.server"));
        p.grpc = port(QStringLiteral("ports.grpc"));
        p.grpcTls = port(QStringLiteral("ports.grpc_tls"));
        p.serfLan = port(QStringLiteral("ports.serf_lan"));
        p.serfWan = port(QStringLiteral("ports.serf_wan"));
        p.sidecarMinPort = port(QStringLiteral("ports.sidecar_min_port"));
        p.sidecarMaxPort = port(QStringLiteral("ports.sidecar_max_port"));
        for (const char *kind : { "proxy", "sidecar", "expose" }) {
            const QString minKey = QStringLiteral("ports.%1_min_port").arg(QLatin1String(kind));
            const QString maxKey = QStringLiteral("ports.%1_max_port").arg(QLatin1String(kind));
            if (port(maxKey) < port(minKey))
                fail(
                    QStringLiteral("%1_min_port must be less than %1_max_port. To disable, set both to zero.")
                        .arg(QLatin1String(kind)),
                    maxKey);
        }

        const std::optional<QStringList> binds = expandAddrs(QStringLiteral("bind_addr"));
        if (!binds)
            return;
        if (binds->isEmpty())
            return fail(QStringLiteral("bind_addr cannot be empty"));
        if (binds->size() > 1)
            return fail(QStringLiteral("bind_addr cannot contain multiple addresses. Use "
                                       "'addresses.{dns,http,https}' instead."),
                QStringLiteral("bind_addr"));
        if (binds->first().startsWith(QLatin1String("unix://")))
            return fail(QStringLiteral("bind_addr cannot be a unix socket"), QStringLiteral("bind_addr"));
        cfg.bindAddr = binds->first();

        const QString advertise = expandFirstIP(QStringLiteral("advertise_addr"));
        if (isAnyAddress(advertise))
            return fail(QStringLiteral("Advertise address cannot be 0.0.0.0, :: or [::]"),
                QStringLiteral("advertise_addr"));
        const QString advertiseWan = expandFirstIP(QStringLiteral("advertise_addr_wan"));
        if (isAnyAddress(advertiseWan))
            return fail(QStringLiteral("Advertise WAN address cannot be 0.0.0.0, :: or [::]"),
                QStringLiteral("advertise_addr_wan"));
        cfg.advertiseAddr = !advertise.isEmpty() ? advertise
            : isAnyAddress(cfg.bindAddr)         ? QString()
                                                 : cfg.bindAddr;
        cfg.advertiseAddrWan = advertiseWan.isEmpty() ? cfg.advertiseAddr : advertiseWan;
        cfg.serfBindAddrLan = expandFirstIP(QStringLiteral("serf_lan"));
        cfg.serfBindAddrWan = expandFirstIP(QStringLiteral("serf_wan"));

        const std::optional<QStringList> clients = expandAddrs(QStringLiteral("client_addr"));
        if (!clients)
            return;
        for (const QString &a : *clients) {
            if (a.startsWith(QLatin1String("unix://")))
                return fail(
                    QStringLiteral("client_addr cannot be a unix socket"), QStringLiteral("client_addr"));
        }
        if (clients->isEmpty())
            warnings.append(
                QStringLiteral("client_addr is empty, client services (DNS, HTTP, HTTPS, GRPC) will "
                               "not be listening for connections"));
        cfg.clientAddrs = *clients;
        auto listeners = [&](const char *key) -> QStringList {
            const std::optional<QStringList> own
                = expandAddrs(QStringLiteral("addresses.%1").arg(QLatin1String(key)));
            return own && !own->isEmpty() ? *own : cfg.clientAddrs;
        };
        cfg.dnsAddrs = listeners("dns");
        cfg.httpAddrs = listeners("http");
        cfg.httpsAddrs = listeners("https");
        cfg.grpcAddrs = listeners("grpc");
        for (const QString &a : std::as_const(cfg.dnsAddrs)) {
            if (a.startsWith(QLatin1String("unix://")))
                return fail(
                    QStringLiteral("DNS address cannot be a unix socket"), QStringLiteral("addresses.dns"));
        }

        // Recursors: templates expand, unix sockets are refused, duplicates dropped.
        for (const QString &r : list(QStringLiteral("recursors"))) {
            QString err;
            const std::optional<QString> expanded = expandSockAddrTemplate(r, &err);
            if (!expanded)
                return fail(QStringLiteral("Invalid DNS recursor template \"%1\": %2").arg(r, err),
                    QStringLiteral("recursors"));
            for (const QString &a :
                expanded->split(QRegularExpression(QStringLiteral("\\s+")), Qt::SkipEmptyParts)) {
                if (a.startsWith(QLatin1String("unix://")))
                    return fail(QStringLiteral("DNS Recursors cannot be unix sockets: %1").arg(a),
                        QStringLiteral("recursors"));
                if (isAnyAddress(recursorHost(a)))
                    return fail(QStringLiteral("DNS recursor address cannot be 0.0.0.0, :: or [::]"),
                        QStringLiteral("recursors"));
                if (!cfg.recursors.contains(a))
                    cfg.recursors.append(a);
            }
        }
        cfg.taggedAddresses = map(QStringLiteral("tagged_addresses"));
    }

    void buildGeneral(AgentConfig &cfg)
    {
        cfg.datacenter = s(QStringLiteral("datacenter")).toLower();
        cfg.primaryDatacenter = s(QStringLiteral("primary_datacenter")).toLower();
        if (cfg.primaryDatacenter.isEmpty())
            cfg.primaryDatacenter = cfg.datacenter;
        cfg.server = b(QStringLiteral("server"));
        cfg.bootstrap = b(QStringLiteral("bootstrap"));
        cfg.bootstrapExpect = int(i(QStringLiteral("bootstrap_expect")));
        cfg.nodeName = s(QStringLiteral("node_name")).trimmed();
        if (cfg.nodeName.isEmpty())
            cfg.nodeName = QSysInfo::machineHostName().trimmed();
        cfg.nodeId = s(QStringLiteral("node_id")).trimmed().toLower();
        cfg.disableHostNodeId = b(QStringLiteral("disable_host_node_id"), true);
        cfg.nodeMeta = map(QStringLiteral("node_meta"));
        cfg.dataDir = s(QStringLiteral("data_dir"));
        cfg.domain = fqdn(s(QStringLiteral("domain")));
        cfg.altDomain = fqdn(s(QStringLiteral("alt_domain")));

        // DNS
        DnsConfig &d = cfg.dnsConfig;
        d.allowStale = b(QStringLiteral("dns_config.allow_stale"));
        d.maxStale = dur(QStringLiteral("dns_config.max_stale"));
        d.nodeTtl = dur(QStringLiteral("dns_config.node_ttl"));
        const QJsonObject ttl = v(QStringLiteral("dns_config.service_ttl")).toObject();
        for (auto it = ttl.begin(); it != ttl.end(); ++it) {
            const std::optional<Nanoseconds> t = parseDuration(it.value().toString());
            if (!t)
                fail(QStringLiteral("dns_config.service_ttl[\"%1\"]: invalid duration: \"%2\": time: invalid "
                                    "duration \"%2\"")
                         .arg(it.key(), it.value().toString()),
                    QStringLiteral("dns_config.service_ttl"));
            else
                d.serviceTtl.insert(it.key(), *t);
        }
        d.enableTruncate = b(QStringLiteral("dns_config.enable_truncate"));
        d.onlyPassing = b(QStringLiteral("dns_config.only_passing"));
        const QString strategy = s(QStringLiteral("dns_config.recursor_strategy"));
        if (strategy.isEmpty() || strategy == u"sequential" || strategy == u"random")
            d.recursorStrategy = strategy.isEmpty() ? QStringLiteral("sequential") : strategy;
        else
            fail(QStringLiteral("dns_config.recursor_strategy: invalid strategy: \"%1\"").arg(strategy),
                QStringLiteral("dns_config.recursor_strategy"));
        d.recursorTimeout = dur(QStringLiteral("dns_config.recursor_timeout"));
        d.disableCompression = b(QStringLiteral("dns_config.disable_compression"));
        d.udpAnswerLimit = int(i(QStringLiteral("dns_config.udp_answer_limit")));
        d.aRecordLimit = int(i(QStringLiteral("dns_config.a_record_limit")));
        d.enableAdditionalNodeMetaTxt = b(QStringLiteral("dns_config.enable_additional_node_meta_txt"), true);
        d.soa.refresh = quint32(i(QStringLiteral("dns_config.soa.refresh"), 3600));
        d.soa.retry = quint32(i(QStringLiteral("dns_config.soa.retry"), 600));
        d.soa.expire = quint32(i(QStringLiteral("dns_config.soa.expire"), 86400));
        d.soa.minTtl = quint32(i(QStringLiteral("dns_config.soa.min_ttl"), 0));
        d.useCache = b(QStringLiteral("dns_config.use_cache"));
        d.cacheMaxAge = dur(QStringLiteral("dns_config.cache_max_age"));

        // Joining and leaving
        cfg.retryJoin = expandOptional(QStringLiteral("retry_join"));
        cfg.retryJoinWan = expandOptional(QStringLiteral("retry_join_wan"));
        cfg.startJoin = list(QStringLiteral("start_join"));
        cfg.startJoinWan = list(QStringLiteral("start_join_wan"));
        cfg.retryInterval = dur(QStringLiteral("retry_interval"));
        cfg.retryIntervalWan = dur(QStringLiteral("retry_interval_wan"));
        cfg.retryMax = int(i(QStringLiteral("retry_max")));
        cfg.retryMaxWan = int(i(QStringLiteral("retry_max_wan")));
        cfg.rejoinAfterLeave = b(QStringLiteral("rejoin_after_leave"));
        cfg.leaveOnTerminate = b(QStringLiteral("leave_on_terminate"), !cfg.server);
        cfg.skipLeaveOnInterrupt = b(QStringLiteral("skip_leave_on_interrupt"), cfg.server);
        cfg.reconnectTimeout = dur(QStringLiteral("reconnect_timeout"));
        if (cfg.reconnectTimeout == 0)
            cfg.reconnectTimeout = 72 * kHour;
        cfg.reconnectTimeoutWan = dur(QStringLiteral("reconnect_timeout_wan"));
        if (cfg.reconnectTimeoutWan == 0)
            cfg.reconnectTimeoutWan = 72 * kHour;

        // Gossip
        cfg.encrypt = s(QStringLiteral("encrypt"));
        cfg.encryptVerifyIncoming = b(QStringLiteral("encrypt_verify_incoming"), true);
        cfg.encryptVerifyOutgoing = b(QStringLiteral("encrypt_verify_outgoing"), true);
        cfg.disableKeyringFile = b(QStringLiteral("disable_keyring_file"));
        for (auto [key, g] : { std::pair { QStringLiteral("gossip_lan"), &cfg.gossipLan },
                 std::pair { QStringLiteral("gossip_wan"), &cfg.gossipWan } }) {
            g->gossipNodes = int(i(key + u".gossip_nodes", g->gossipNodes));
            g->gossipInterval = dur(key + u".gossip_interval", g->gossipInterval);
            g->probeInterval = dur(key + u".probe_interval", g->probeInterval);
            g->probeTimeout = dur(key + u".probe_timeout", g->probeTimeout);
            g->suspicionMult = int(i(key + u".suspicion_mult", g->suspicionMult));
            g->retransmitMult = int(i(key + u".retransmit_mult", g->retransmitMult));
            // Zero would make memberlist's timers spin (Consul's Go tickers panic on it); the
            // pools count in whole milliseconds.
            for (auto [field, ok] : {std::pair{QStringLiteral("gossip_nodes"), g->gossipNodes > 0},
                                     std::pair{QStringLiteral("suspicion_mult"), g->suspicionMult > 0},
                                     std::pair{QStringLiteral("retransmit_mult"), g->retransmitMult > 0}}) {
                if (!ok)
                    fail(QStringLiteral("%1.%2 must be positive").arg(key, field), key + u'.' + field);
            }
            for (auto [field, d] : {std::pair{QStringLiteral("gossip_interval"), g->gossipInterval},
                                    std::pair{QStringLiteral("probe_interval"), g->probeInterval},
                                    std::pair{QStringLiteral("probe_timeout"), g->probeTimeout}}) {
                if (d < kMillisecond)
                    fail(QStringLiteral("%1.%2 must be at least 1ms").arg(key, field), key + u'.' + field);
            }
        }
        cfg.protocol = int(i(QStringLiteral("protocol"), 2));
        cfg.raftProtocol = int(i(QStringLiteral("raft_protocol"), 3));

        // Logging and local behaviour
        const QString level = s(QStringLiteral("log_level"));
        if (!parseLogLevel(level))
            fail(QStringLiteral("Invalid log level: %1. Valid log levels are: [TRACE DEBUG INFO WARN ERR]")
                     .arg(level),
                QStringLiteral("log_level"));
        cfg.logLevel = level.toUpper();
        cfg.logJson = b(QStringLiteral("log_json"));
        cfg.logFile = s(QStringLiteral("log_file"));
        cfg.logRotateDuration = dur(QStringLiteral("log_rotate_duration"));
        cfg.logRotateBytes = int(i(QStringLiteral("log_rotate_bytes")));
        cfg.logRotateMaxFiles = int(i(QStringLiteral("log_rotate_max_files")));
        cfg.enableSyslog = b(QStringLiteral("enable_syslog"));
        cfg.pidFile = s(QStringLiteral("pid_file"));
        cfg.enableDebug = b(QStringLiteral("enable_debug"));
        cfg.enableScriptChecks = b(QStringLiteral("enable_script_checks"));
        cfg.enableLocalScriptChecks = b(QStringLiteral("enable_local_script_checks"), cfg.enableScriptChecks);
        cfg.disableRemoteExec = b(QStringLiteral("disable_remote_exec"), true);
        cfg.discardCheckOutput = b(QStringLiteral("discard_check_output"));
        cfg.enableAgentTlsForChecks = b(QStringLiteral("enable_agent_tls_for_checks"));
        const auto internalRpcTls = [&](const QString &key) {
            const QString own = s(QStringLiteral("tls.internal_rpc.") + key);
            return own.isEmpty() ? s(QStringLiteral("tls.defaults.") + key) : own;
        };
        cfg.checkTlsCaFile = internalRpcTls(QStringLiteral("ca_file"));
        cfg.checkTlsCaPath = internalRpcTls(QStringLiteral("ca_path"));
        cfg.checkTlsCertFile = internalRpcTls(QStringLiteral("cert_file"));
        cfg.checkTlsKeyFile = internalRpcTls(QStringLiteral("key_file"));
        tlsVersionsAndCiphers(cfg);

        // UI, with the pre-1.9 top-level keys as fallbacks.
        const auto deprecatedUi = [&](const QString &oldKey, const QString &newKey) {
            if (has(oldKey))
                warnings.append(QStringLiteral("The '%1' field is deprecated. Use the '%2' field instead.")
                                    .arg(oldKey, newKey));
            return has(newKey) ? v(newKey) : v(oldKey);
        };
        cfg.uiEnabled = deprecatedUi(QStringLiteral("ui"), QStringLiteral("ui_config.enabled")).toBool();
        cfg.uiDir = deprecatedUi(QStringLiteral("ui_dir"), QStringLiteral("ui_config.dir")).toString();
        cfg.uiContentPath
            = uiPath(deprecatedUi(QStringLiteral("ui_content_path"), QStringLiteral("ui_config.content_path"))
                         .toString());

        // Limits and timing
        Limits &l = cfg.limits;
        l.kvMaxValueSize = i(QStringLiteral("limits.kv_max_value_size"), l.kvMaxValueSize);
        l.txnMaxReqLen = i(QStringLiteral("limits.txn_max_req_len"), l.txnMaxReqLen);
        l.httpMaxConnsPerClient
            = int(i(QStringLiteral("limits.http_max_conns_per_client"), l.httpMaxConnsPerClient));
        l.rpcMaxConnsPerClient
            = int(i(QStringLiteral("limits.rpc_max_conns_per_client"), l.rpcMaxConnsPerClient));
        l.rpcRate = f(QStringLiteral("limits.rpc_rate"), l.rpcRate);
        l.rpcMaxBurst = int(i(QStringLiteral("limits.rpc_max_burst"), l.rpcMaxBurst));
        l.rpcHandshakeTimeout = dur(QStringLiteral("limits.rpc_handshake_timeout"), l.rpcHandshakeTimeout);
        l.httpsHandshakeTimeout
            = dur(QStringLiteral("limits.https_handshake_timeout"), l.httpsHandshakeTimeout);
        cfg.defaultQueryTime = dur(QStringLiteral("default_query_time"));
        cfg.maxQueryTime = dur(QStringLiteral("max_query_time"));
        cfg.sessionTtlMin = dur(QStringLiteral("session_ttl_min"), cfg.sessionTtlMin);
        cfg.checkUpdateInterval = dur(QStringLiteral("check_update_interval"));
        cfg.checkOutputMaxSize = int(i(QStringLiteral("check_output_max_size"), 4096));
        cfg.leaveDrainTime = dur(QStringLiteral("performance.leave_drain_time"));
        cfg.rpcHoldTimeout = dur(QStringLiteral("performance.rpc_hold_timeout"));
        // Test-only (Consul fixes it at 2 minutes): lets tests watch clients rebalance.
        cfg.rebalanceMinReuse = dur(QStringLiteral("consul.test_rebalance_interval"), cfg.rebalanceMinReuse);
        cfg.coordinateUpdatePeriod
            = dur(QStringLiteral("consul.coordinate.update_period"), dev ? 100 * kMillisecond : cfg.coordinateUpdatePeriod);
        cfg.coordinateUpdateBatchSize
            = int(i(QStringLiteral("consul.coordinate.update_batch_size"), cfg.coordinateUpdateBatchSize));
        cfg.coordinateUpdateMaxBatches
            = int(i(QStringLiteral("consul.coordinate.update_max_batches"), cfg.coordinateUpdateMaxBatches));
        if (cfg.coordinateUpdatePeriod <= 0 || cfg.coordinateUpdateBatchSize < 1 || cfg.coordinateUpdateMaxBatches < 1)
            fail(QStringLiteral("consul.coordinate: update_period, update_batch_size and update_max_batches must be positive"),
                 QStringLiteral("consul.coordinate"));
        cfg.syncCoordinateIntervalMin
            = dur(QStringLiteral("sync_coordinate_interval_min"), cfg.syncCoordinateIntervalMin);
        if (cfg.syncCoordinateIntervalMin <= 0)
            cfg.syncCoordinateIntervalMin = 15 * kSecond;
        cfg.raftMultiplier = int(i(QStringLiteral("performance.raft_multiplier")));
        if (cfg.raftMultiplier < 1 || cfg.raftMultiplier > 10)
            fail(QStringLiteral("performance.raft_multiplier cannot be %1. Must be between 1 and 10")
                     .arg(cfg.raftMultiplier),
                QStringLiteral("performance.raft_multiplier"));
        const Nanoseconds m = cfg.raftMultiplier;
        cfg.raft.electionTimeout = (dev ? 52 * kMillisecond : 1 * kSecond) * m;
        cfg.raft.heartbeatTimeout = (dev ? 35 * kMillisecond : 1 * kSecond) * m;
        cfg.raft.leaderLeaseTimeout = (dev ? 20 * kMillisecond : 500 * kMillisecond) * m;
        cfg.raft.snapshotThreshold
            = int(i(QStringLiteral("raft_snapshot_threshold"), cfg.raft.snapshotThreshold));
        cfg.raft.snapshotInterval = dur(QStringLiteral("raft_snapshot_interval"), cfg.raft.snapshotInterval);
        cfg.raft.trailingLogs = int(i(QStringLiteral("raft_trailing_logs"), cfg.raft.trailingLogs));
        AutopilotConfig &ap = cfg.autopilot;
        ap.cleanupDeadServers = b(QStringLiteral("autopilot.cleanup_dead_servers"), true);
        ap.lastContactThreshold
            = dur(QStringLiteral("autopilot.last_contact_threshold"), ap.lastContactThreshold);
        ap.maxTrailingLogs = int(i(QStringLiteral("autopilot.max_trailing_logs"), ap.maxTrailingLogs));
        ap.minQuorum = int(i(QStringLiteral("autopilot.min_quorum")));
        ap.serverStabilizationTime
            = dur(QStringLiteral("autopilot.server_stabilization_time"), ap.serverStabilizationTime);
        cfg.disableCoordinates = b(QStringLiteral("disable_coordinates"));
        cfg.translateWanAddrs = b(QStringLiteral("translate_wan_addrs"));

        // HTTP
        cfg.httpResponseHeaders = map(QStringLiteral("http_config.response_headers"));
        cfg.httpBlockEndpoints = list(QStringLiteral("http_config.block_endpoints"));
        cfg.allowWriteHttpFrom = list(QStringLiteral("http_config.allow_write_http_from"));
        for (const QString &cidr : std::as_const(cfg.allowWriteHttpFrom)) {
            if (QHostAddress::parseSubnet(cidr.trimmed()).first.isNull())
                fail(QStringLiteral("allow_write_http_from: invalid cidr: %1").arg(cidr),
                    QStringLiteral("http_config.allow_write_http_from"));
        }
        cfg.httpUseCache = b(QStringLiteral("http_config.use_cache"), true);

        // ACL
        cfg.aclEnabled = b(QStringLiteral("acl.enabled"));
        cfg.aclDefaultPolicy = s(QStringLiteral("acl.default_policy"));
        cfg.aclDownPolicy = s(QStringLiteral("acl.down_policy"));
        cfg.aclTokenTtl = dur(QStringLiteral("acl.token_ttl"));
        cfg.aclPolicyTtl = dur(QStringLiteral("acl.policy_ttl"));
        cfg.aclRoleTtl = dur(QStringLiteral("acl.role_ttl"));
        cfg.aclEnableTokenPersistence = b(QStringLiteral("acl.enable_token_persistence"));
        cfg.aclEnableTokenReplication = b(QStringLiteral("acl.enable_token_replication"));
        cfg.aclTokens.initialManagement = s(QStringLiteral("acl.tokens.initial_management"));
        cfg.aclTokens.defaultToken = s(QStringLiteral("acl.tokens.default"));
        cfg.aclTokens.agent = s(QStringLiteral("acl.tokens.agent"));
        cfg.aclTokens.agentRecovery = s(QStringLiteral("acl.tokens.agent_recovery"));
        cfg.aclTokens.replication = s(QStringLiteral("acl.tokens.replication"));

        // Durations Consul parses even though we do not act on them yet.
        for (const char *key : { "advertise_reconnect_timeout", "discovery_max_stale",
                 "primary_gateways_interval", "server_rejoin_age_max", "limits.rpc_client_timeout",
                 "telemetry.prometheus_retention_time", "connect.test_ca_leaf_root_change_spread" })
            dur(QLatin1String(key));

        cfg.services = v(QStringLiteral("services")).toArray();
        cfg.configEntriesBootstrap = v(QStringLiteral("config_entries.bootstrap")).toArray();
        cfg.checks = v(QStringLiteral("checks")).toArray();
        cfg.watches = v(QStringLiteral("watches")).toArray();
        cfg.raw = c;

        if (cfg.bootstrapExpect == 1) {
            cfg.bootstrap = true;
            cfg.bootstrapExpect = 0;
            warnings.append(
                QStringLiteral("BootstrapExpect is set to 1; this is the same as Bootstrap mode."));
        }
    }

    void validateBasicName(const QString &field, const QString &value, bool allowEmpty, const QString &path)
    {
        static const QRegularExpression re(QStringLiteral("^[a-z0-9_-]+$"));
        if (value.isEmpty()) {
            if (!allowEmpty)
                fail(QStringLiteral("%1 cannot be empty").arg(field), path);
            return;
        }
        if (!re.match(value).hasMatch())
            fail(QStringLiteral(
                     "%1 can only contain lowercase alphanumeric, - or _ characters. received: \"%2\"")
                     .arg(field, value),
                path);
    }

    void validateNodeMeta(const AgentConfig &cfg)
    {
        static const QRegularExpression keyRe(QStringLiteral("^[a-zA-Z0-9_-]+$"));
        if (cfg.nodeMeta.size() > 64)
            return fail(QStringLiteral(
                            "node_meta invalid: Node metadata cannot contain more than 64 key/value pairs"),
                QStringLiteral("node_meta"));
        for (auto it = cfg.nodeMeta.begin(); it != cfg.nodeMeta.end(); ++it) {
            QString why;
            if (it.key().isEmpty())
                why = QStringLiteral("Key cannot be blank");
            else if (!keyRe.match(it.key()).hasMatch())
                why = QStringLiteral("Key contains invalid characters");
            else if (it.key().size() > 128)
                why = QStringLiteral("Key is too long (limit: 128 characters)");
            else if (it.key().startsWith(QLatin1String("consul-")))
                why = QStringLiteral("Key prefix 'consul-' is reserved for internal use");
            else if (it.value().size() > 512)
                why = QStringLiteral("Value is too long (limit: 512 characters)");
            if (!why.isEmpty())
                return fail(QStringLiteral("node_meta invalid: Couldn't load metadata pair ('%1', '%2'): %3")
                                .arg(it.key(), it.value(), why),
                    QStringLiteral("node_meta"));
        }
    }

    void validateUniqueAddresses(const AgentConfig &cfg)
    {
        QMap<QString, QString> inUse;
        auto add = [&](const QString &name, const QString &network, const QString &ip, int p) {
            if (p <= 0 || ip.isEmpty() || ip.startsWith(QLatin1String("unix://")) || !error.isEmpty())
                return;
            const QString addr = hostPort(ip, p);
            const QString key = network + u':' + addr;
            if (inUse.contains(key))
                return fail(QStringLiteral("%1 address %2 already configured for %3")
                                .arg(name, addr, inUse.value(key)));
            inUse.insert(key, name);
        };
        for (const QString &a : cfg.dnsAddrs) {
            add(QStringLiteral("DNS"), QStringLiteral("tcp"), a, cfg.ports.dns);
            add(QStringLiteral("DNS"), QStringLiteral("udp"), a, cfg.ports.dns);
        }
        for (const QString &a : cfg.httpAddrs)
            add(QStringLiteral("HTTP"), QStringLiteral("tcp"), a, cfg.ports.http);
        for (const QString &a : cfg.httpsAddrs)
            add(QStringLiteral("HTTPS"), QStringLiteral("tcp"), a, cfg.ports.https);
        add(QStringLiteral("RPC Advertise"), QStringLiteral("tcp"), cfg.advertiseAddr, cfg.ports.server);
        add(QStringLiteral("Serf Advertise LAN"), QStringLiteral("tcp"), cfg.advertiseAddr,
            cfg.ports.serfLan);
        add(QStringLiteral("Serf Advertise WAN"), QStringLiteral("tcp"), cfg.advertiseAddrWan,
            cfg.ports.serfWan);
    }

    // Consul's builder.validate, in its order, plus our own checks of values we act on.
    void validate(AgentConfig &cfg)
    {
        if (cfg.raftProtocol != 3)
            return fail(QStringLiteral("raft_protocol version %1 is not supported by this version of Consul")
                            .arg(cfg.raftProtocol),
                QStringLiteral("raft_protocol"));
        validateBasicName(QStringLiteral("datacenter"), cfg.datacenter, false, QStringLiteral("datacenter"));
        if (cfg.dataDir.isEmpty() && !cfg.dev)
            fail(QStringLiteral("data_dir cannot be empty"));
        static const QRegularExpression contentPathRe(QStringLiteral("^[A-Za-z0-9/_-]+$"));
        static const QRegularExpression versionRe(QStringLiteral("^/v\\d+/$"));
        if (!contentPathRe.match(cfg.uiContentPath).hasMatch())
            fail(QStringLiteral("ui-content-path can only contain alphanumeric, -, _, or /. received: \"%1\"")
                     .arg(cfg.uiContentPath),
                QStringLiteral("ui_config.content_path"));
        if (versionRe.match(cfg.uiContentPath).hasMatch())
            fail(QStringLiteral("ui-content-path cannot have 'v[0-9]'. received: \"%1\"")
                     .arg(cfg.uiContentPath),
                QStringLiteral("ui_config.content_path"));
        if (!cfg.dev && !cfg.dataDir.isEmpty()) {
            const QFileInfo fi(cfg.dataDir);
            if (fi.exists() && !fi.isDir())
                fail(QStringLiteral("data_dir \"%1\" is not a directory").arg(cfg.dataDir),
                    QStringLiteral("data_dir"));
        }
        static const QRegularExpression invalidDnsName(QStringLiteral("[^A-Za-z0-9\\-]+"));
        if (cfg.nodeName.isEmpty())
            fail(QStringLiteral("node_name cannot be empty"));
        else if (invalidDnsName.match(cfg.nodeName).hasMatch())
            warnings.append(
                QStringLiteral("Node name \"%1\" will not be discoverable via DNS due to invalid "
                               "characters. Valid characters include all alpha-numerics and dashes.")
                    .arg(cfg.nodeName));
        else if (cfg.nodeName.toUtf8().size() > 63)
            warnings.append(
                QStringLiteral("Node name \"%1\" will not be discoverable via DNS due to it being too "
                               "long. Valid lengths are between 1 and 63 bytes.")
                    .arg(cfg.nodeName));
        static const QRegularExpression uuidRe(
            QStringLiteral("^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$"));
        if (!cfg.nodeId.isEmpty() && !uuidRe.match(cfg.nodeId).hasMatch())
            fail(QStringLiteral("node_id \"%1\" is not a valid UUID (expected 36 hex characters like "
                                "adf4238a-882b-9ddc-4a9d-5b6758e4159e)")
                     .arg(cfg.nodeId),
                QStringLiteral("node_id"));
        if (!cfg.altDomain.isEmpty()) {
            const QString dc = QRegularExpression::escape(cfg.datacenter);
            const QRegularExpression re(
                QStringLiteral("^(service|connect|node|query|addr|%1)\\.(%1\\.)?").arg(dc));
            if (re.match(cfg.altDomain).hasMatch())
                fail(QStringLiteral("alt_domain cannot start with {service,connect,node,query,addr,%1}")
                         .arg(cfg.datacenter),
                    QStringLiteral("alt_domain"));
        }
        if (cfg.bootstrap && !cfg.server)
            fail(QStringLiteral("'bootstrap = true' requires 'server = true'"), QStringLiteral("bootstrap"));
        if (cfg.bootstrapExpect < 0)
            fail(QStringLiteral("bootstrap_expect cannot be %1. Must be greater than or equal to zero")
                     .arg(cfg.bootstrapExpect),
                QStringLiteral("bootstrap_expect"));
        if (cfg.bootstrapExpect > 0 && !cfg.server)
            fail(QStringLiteral("'bootstrap_expect > 0' requires 'server = true'"),
                QStringLiteral("bootstrap_expect"));
        if (cfg.bootstrapExpect > 0 && cfg.dev)
            fail(QStringLiteral("'bootstrap_expect > 0' not allowed in dev mode"),
                QStringLiteral("bootstrap_expect"));
        if (cfg.bootstrapExpect > 0 && cfg.bootstrap)
            fail(QStringLiteral("'bootstrap_expect > 0' and 'bootstrap = true' are mutually exclusive"),
                QStringLiteral("bootstrap_expect"));
        if (cfg.checkOutputMaxSize < 1)
            fail(QStringLiteral("check_output_max_size must be positive, to discard check output use the "
                                "discard_check_output flag"),
                QStringLiteral("check_output_max_size"));
        if (cfg.autopilot.maxTrailingLogs < 0)
            fail(QStringLiteral(
                     "autopilot.max_trailing_logs cannot be %1. Must be greater than or equal to zero")
                     .arg(cfg.autopilot.maxTrailingLogs),
                QStringLiteral("autopilot.max_trailing_logs"));
        validateBasicName(QStringLiteral("primary_datacenter"), cfg.primaryDatacenter, true,
            QStringLiteral("primary_datacenter"));
        if (!cfg.dev && cfg.uiEnabled && !cfg.uiDir.isEmpty())
            fail(QStringLiteral(
                     "Both the ui_config.enabled and ui_config.dir (or -ui and -ui-dir) were specified, "
                     "please provide only one. If trying to use your own web UI resources, use "
                     "ui_config.dir or the -ui-dir flag. The web UI is included in the binary so use "
                     "ui_config.enabled or the -ui flag to enable it"),
                QStringLiteral("ui_config.dir"));
        if (cfg.dnsConfig.udpAnswerLimit < 0)
            fail(QStringLiteral(
                     "dns_config.udp_answer_limit cannot be %1. Must be greater than or equal to zero")
                     .arg(cfg.dnsConfig.udpAnswerLimit),
                QStringLiteral("dns_config.udp_answer_limit"));
        if (cfg.dnsConfig.aRecordLimit < 0)
            fail(QStringLiteral(
                     "dns_config.a_record_limit cannot be %1. Must be greater than or equal to zero")
                     .arg(cfg.dnsConfig.aRecordLimit),
                QStringLiteral("dns_config.a_record_limit"));
        validateNodeMeta(cfg);
        if (!cfg.encrypt.isEmpty()) {
            const auto decoded = QByteArray::fromBase64Encoding(
                cfg.encrypt.toLatin1(), QByteArray::AbortOnBase64DecodingErrors);
            if (!decoded)
                fail(QStringLiteral("encrypt has invalid key: illegal base64 data"),
                    QStringLiteral("encrypt"));
            else if (const auto n = decoded.decoded.size(); n != 16 && n != 24 && n != 32)
                fail(QStringLiteral("encrypt has invalid key: key size must be 16, 24 or 32 bytes, got %1")
                         .arg(n),
                    QStringLiteral("encrypt"));
        }
        validateUniqueAddresses(cfg);
        if (cfg.server && b(QStringLiteral("auto_encrypt.tls")))
            fail(QStringLiteral("auto_encrypt.tls can only be used on a client."),
                QStringLiteral("auto_encrypt.tls"));
        if (!cfg.server && b(QStringLiteral("auto_encrypt.allow_tls")))
            fail(QStringLiteral("auto_encrypt.allow_tls can only be used on a server."),
                QStringLiteral("auto_encrypt.allow_tls"));
        if (cfg.server && has(QStringLiteral("advertise_reconnect_timeout"))
            && parseDuration(s(QStringLiteral("advertise_reconnect_timeout"))).value_or(0) != 0)
            fail(QStringLiteral("advertise_reconnect_timeout can only be used on a client"),
                QStringLiteral("advertise_reconnect_timeout"));

        // Warnings
        if (cfg.server && !cfg.dev && !cfg.bootstrap && cfg.bootstrapExpect == 2)
            warnings.append(
                QStringLiteral("bootstrap_expect = 2: A cluster with 2 servers will provide no failure "
                               "tolerance. See https://www.consul.io/docs/internals/"
                               "consensus.html#deployment-table"));
        if (cfg.server && !cfg.bootstrap && cfg.bootstrapExpect > 2 && cfg.bootstrapExpect % 2 == 0)
            warnings.append(
                QStringLiteral("bootstrap_expect is even number: A cluster with an even number of servers "
                               "does not achieve optimum fault tolerance. See https://www.consul.io/docs/"
                               "internals/consensus.html#deployment-table"));
        if (cfg.server && cfg.bootstrap && cfg.bootstrapExpect == 0)
            warnings.append(QStringLiteral("bootstrap = true: do not enable unless necessary"));
        if (cfg.server && !cfg.dev && !cfg.bootstrap && cfg.bootstrapExpect > 1)
            warnings.append(
                QStringLiteral("bootstrap_expect > 0: expecting %1 servers").arg(cfg.bootstrapExpect));
        if (cfg.enableScriptChecks && !cfg.aclEnabled && cfg.allowWriteHttpFrom.isEmpty())
            warnings.append(
                QStringLiteral("using enable-script-checks without ACLs and without "
                               "allow_write_http_from is DANGEROUS, use enable-local-script-checks "
                               "instead, see https://www.hashicorp.com/blog/"
                               "protecting-consul-from-rce-risk-in-specific-configurations/"));
    }
};

LoadResult load(const LoadOptions &opts)
{
    LoadResult result;
    const ParsedFlags &flags = opts.flags;
    if (!flags.configFormat.isEmpty() && flags.configFormat != u"json" && flags.configFormat != u"hcl") {
        result.error = QStringLiteral("config: -config-format must be either 'hcl' or 'json'");
        return result;
    }
    // Sources in merge order: head, files, tail.
    QList<Source> sources;
    sources.append({ kDefaultSource, defaultSource() });
    if (flags.dev)
        sources.append({ kDevSource, devSource() });
    QStringList warnings;
    auto addFlagSource = [&](const QJsonObject &object) -> bool {
        if (object.isEmpty())
            return true;
        DecodedSource d = decodeSource(object);
        if (!d.errors.isEmpty()) {
            result.error = d.errors.join(QStringLiteral("; "));
            return false;
        }
        warnings += d.warnings;
        sources.append({ kCommandLine, d.config });
        return true;
    };
    // List flags go first so that files append after them (Consul's splitSlicesAndValues).
    if (!addFlagSource(flags.slices))
        return result;
    for (const QString &path : flags.configPaths) {
        QString err;
        if (!loadPath(path, flags.configFormat, sources, warnings, &err)) {
            result.error = err;
            result.warnings = warnings;
            return result;
        }
    }
    if (!addFlagSource(flags.values))
        return result;
    // -hcl fragments come after every other flag, each a source of its own (Consul's order).
    for (qsizetype i = 0; i < flags.hcl.size(); ++i) {
        QString err;
        const QString name = QStringLiteral("flags-%1.hcl").arg(i);
        if (!loadData(name, flags.hcl.at(i).toUtf8(), QStringLiteral("hcl"), sources, warnings, &err)) {
            result.error = err;
            result.warnings = warnings;
            return result;
        }
    }

    QJsonObject merged;
    Provenance provenance;
    QStringList sourceNames;
    for (const Source &s : std::as_const(sources)) {
        mergeSource(merged, s.config, s.name, provenance);
        if (s.name != kDefaultSource && !sourceNames.contains(s.name))
            sourceNames.append(s.name);
    }

    Builder builder(merged, provenance, flags.dev);
    std::optional<AgentConfig> cfg = builder.build();
    result.warnings = warnings + builder.warnings;
    if (!cfg) {
        result.error = builder.error;
        return result;
    }
    cfg->sources = sourceNames;
    cfg->commandLine = opts.commandLine;
    result.config = std::move(cfg);
    return result;
}

QString formatUuid(const QByteArray &bytes)
{
    const QByteArray hex = bytes.left(16).toHex();
    return QString::fromLatin1(hex.mid(0, 8) + '-' + hex.mid(8, 4) + '-' + hex.mid(12, 4) + '-'
        + hex.mid(16, 4) + '-' + hex.mid(20, 12));
}

QString newNodeId(const AgentConfig &config)
{
    if (!config.disableHostNodeId) {
        const QByteArray machine = QSysInfo::machineUniqueId();
        if (!machine.isEmpty())
            return formatUuid(QCryptographicHash::hash(machine, QCryptographicHash::Sha512));
    }
    return QUuid::createUuid().toString(QUuid::WithoutBraces).toLower();
}

bool isUuid(const QString &id)
{
    static const QRegularExpression re(
        QStringLiteral("^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$"));
    return re.match(id).hasMatch();
}

} // namespace

LoadResult loadAgentConfig(const QStringList &args)
{
    LoadOptions opts;
    opts.commandLine = args;
    opts.flags = parseFlags(args);
    if (!opts.flags.error.isEmpty())
        return LoadResult { std::nullopt, opts.flags.error, {} };
    if (!opts.flags.positional.isEmpty()) {
        return LoadResult { std::nullopt,
            QStringLiteral("Unexpected extra arguments: [%1]").arg(opts.flags.positional.join(u' ')), {} };
    }
    return load(opts);
}

QString ensureNodeId(const AgentConfig &config, QString *error)
{
    if (error)
        error->clear();
    if (!config.nodeId.isEmpty())
        return config.nodeId.toLower();
    if (config.dataDir.isEmpty())
        return newNodeId(config);

    const QString path = QDir(config.dataDir).filePath(QStringLiteral("node-id"));
    QFile file(path);
    if (file.exists()) {
        if (!file.open(QIODevice::ReadOnly)) {
            if (error)
                *error = QStringLiteral("Failed to read node ID from %1: %2").arg(path, file.errorString());
            return {};
        }
        const QString id = QString::fromUtf8(file.readAll()).trimmed().toLower();
        if (!isUuid(id)) {
            if (error)
                *error = QStringLiteral("Node ID \"%1\" in %2 is invalid: expected a UUID like "
                                        "adf4238a-882b-9ddc-4a9d-5b6758e4159e")
                             .arg(id, path);
            return {};
        }
        return id;
    }

    const QString id = newNodeId(config);
    if (!QDir().mkpath(config.dataDir)) {
        if (error)
            *error = QStringLiteral("Failed to create data directory %1").arg(config.dataDir);
        return {};
    }
    QSaveFile out(path);
    if (!out.open(QIODevice::WriteOnly) || out.write(id.toUtf8()) != id.toUtf8().size() || !out.commit()) {
        if (error)
            *error = QStringLiteral("Failed to write node ID to %1: %2").arg(path, out.errorString());
        return {};
    }
    QFile::setPermissions(path, QFileDevice::ReadOwner | QFileDevice::WriteOwner);
    return id;
}

int runValidate(const QStringList &args, QTextStream &out, QTextStream &err)
{
    bool quiet = false;
    QString format;
    qsizetype i = 0;
    for (; i < args.size(); ++i) {
        const QString &arg = args.at(i);
        if (arg == u"--") {
            ++i;
            break;
        }
        if (arg.size() < 2 || !arg.startsWith(u'-'))
            break;
        QString body = arg.mid(arg.startsWith(QLatin1String("--")) ? 2 : 1);
        QString value;
        bool hasValue = false;
        if (const qsizetype eq = body.indexOf(u'='); eq > 0) {
            value = body.mid(eq + 1);
            body = body.left(eq);
            hasValue = true;
        }
        if (body == u"h" || body == u"help") {
            out << "Usage: qonsul validate [options] FILE_OR_DIRECTORY...\n\n"
                   "  Performs a thorough sanity test on Qonsul configuration files. For each file\n"
                   "  or directory given, the validate command will attempt to parse the contents\n"
                   "  just as the \"qonsul agent\" command would, and catch any errors.\n\n"
                   "  Returns 0 if the configuration is valid, or 1 if there are problems.\n\n"
                   "Command Options\n\n"
                   "  -config-format=<string>\n"
                   "     Config files are in this format irrespective of their extension.\n"
                   "     Must be 'hcl' or 'json'\n\n"
                   "  -quiet\n"
                   "     When given, a successful run will produce no output.\n";
            out.flush();
            return 0;
        }
        if (body == u"quiet") {
            if (hasValue) {
                const std::optional<bool> v = parseGoBool(value);
                if (!v) {
                    err << QStringLiteral("invalid boolean value \"%1\" for -quiet: parse error").arg(value)
                        << '\n';
                    err.flush();
                    return 1;
                }
                quiet = *v;
            } else {
                quiet = true;
            }
        } else if (body == u"config-format") {
            if (!hasValue) {
                if (i + 1 >= args.size()) {
                    err << "flag needs an argument: -config-format\n";
                    err.flush();
                    return 1;
                }
                value = args.at(++i);
            }
            format = value;
        } else {
            err << QStringLiteral("flag provided but not defined: -%1").arg(body) << '\n';
            err.flush();
            return 1;
        }
    }
    const QStringList paths = args.mid(i);
    if (paths.isEmpty()) {
        err << "Must specify at least one config file or directory\n";
        err.flush();
        return 1;
    }
    if (!format.isEmpty() && format != u"json" && format != u"hcl") {
        err << "-config-format must be either 'hcl' or 'json'\n";
        err.flush();
        return 1;
    }

    LoadOptions opts;
    opts.flags.configPaths = paths;
    opts.flags.configFormat = format;
    const LoadResult result = load(opts);
    if (!result.config) {
        err << "Config validation failed: " << result.error << '\n';
        err.flush();
        return 1;
    }
    if (!quiet) {
        for (const QString &w : result.warnings)
            err << w << '\n';
        out << "Configuration is valid!\n";
    }
    out.flush();
    err.flush();
    return 0;
}

QJsonObject sanitizedRaw(const AgentConfig &config)
{
    return sanitizeConfig(config.raw);
}

} // namespace qonsul::config

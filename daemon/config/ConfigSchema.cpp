#include "config/ConfigSchema.h"

#include "api/Types.h"

#include <QJsonArray>
#include <QJsonDocument>
#include <QJsonValue>

#include <cmath>
#include <initializer_list>
#include <optional>
#include <vector>

namespace qonsul::config {

namespace {

enum class Kind
{
    Bool,
    Int,
    UInt,
    Float,
    String,
    Duration, // Go duration string ("10s"); value checked when the config is built
    DurationOrNumber, // check definitions: string or nanoseconds, as the HTTP API accepts
    StringList, // appends
    StringMap, // replaced by a later non-empty map
    HeaderMap, // map of string lists; replaced by a later non-empty map
    Object, // a block with its own schema; merges key by key
    ObjectList, // list of blocks with a schema; appends
    ObjectMap, // map of blocks with a schema; replaced by a later non-empty map
    AnyMap, // opaque object (Go map[string]interface{}); replaced by a later non-empty one
    AnyStruct, // opaque block we do not model; merges key by key, deeply
    AnyObjectList, // list of opaque objects; appends
};

struct Schema;

struct Field
{
    Field(const char *n, Kind k, const Schema *c = nullptr, std::initializer_list<const char *> a = {})
        : name(QLatin1String(n))
        , kind(k)
        , child(c)
    {
        for (const char *alias : a)
            aliases.push_back(QLatin1String(alias));
    }
    QLatin1String name;
    Kind kind;
    const Schema *child;
    std::vector<QLatin1String> aliases;
};

struct Schema
{
    Schema(std::initializer_list<Field> f, bool l = false)
        : fields(f)
        , lenient(l)
    {
    }
    std::vector<Field> fields;
    // Service and check definitions also accept the HTTP API's spellings ("EnableTagOverride"):
    // keys match ignoring case and underscores.
    bool lenient;

    const Field *find(const QString &key) const
    {
        for (const Field &f : fields) {
            if (key == f.name)
                return &f;
        }
        // mapstructure matches field names case-insensitively; aliases likewise.
        for (const Field &f : fields) {
            if (key.compare(f.name, Qt::CaseInsensitive) == 0)
                return &f;
            for (const QLatin1String &a : f.aliases) {
                if (key.compare(a, Qt::CaseInsensitive) == 0)
                    return &f;
            }
        }
        if (lenient) {
            const QString k = api::normaliseKey(key);
            for (const Field &f : fields) {
                if (k == api::normaliseKey(QString(f.name)))
                    return &f;
                for (const QLatin1String &a : f.aliases) {
                    if (k == api::normaliseKey(QString(a)))
                        return &f;
                }
            }
        }
        return nullptr;
    }
};

using K = Kind;

const Schema &checkSchema()
{
    static const Schema s { {
                                { "id", K::String, nullptr, { "check_id" } },
                                { "name", K::String },
                                { "notes", K::String },
                                { "service_id", K::String, nullptr, { "serviceid" } },
                                { "token", K::String },
                                { "status", K::String },
                                { "args", K::StringList, nullptr, { "scriptargs" } },
                                { "script", K::String }, // pre-1.0 form, run through the shell
                                { "http", K::String },
                                { "header", K::HeaderMap },
                                { "method", K::String },
                                { "body", K::String },
                                { "disable_redirects", K::Bool },
                                { "output_max_size", K::Int },
                                { "tcp", K::String },
                                { "tcp_use_tls", K::Bool },
                                { "udp", K::String },
                                { "interval", K::DurationOrNumber },
                                { "docker_container_id", K::String, nullptr, { "dockercontainerid" } },
                                { "shell", K::String },
                                { "grpc", K::String },
                                { "grpc_use_tls", K::Bool },
                                { "tls_server_name", K::String },
                                { "tls_skip_verify", K::Bool, nullptr, { "tlsskipverify" } },
                                { "alias_node", K::String },
                                { "alias_service", K::String },
                                { "timeout", K::DurationOrNumber },
                                { "ttl", K::DurationOrNumber },
                                { "h2ping", K::String },
                                { "h2ping_use_tls", K::Bool },
                                { "os_service", K::String },
                                { "success_before_passing", K::Int },
                                { "failures_before_warning", K::Int },
                                { "failures_before_critical", K::Int },
                                { "deregister_critical_service_after", K::DurationOrNumber, nullptr,
                                    { "deregistercriticalserviceafter" } },
                                { "namespace", K::String },
                                { "partition", K::String },
                            },
        true };
    return s;
}

const Schema &serviceAddressSchema()
{
    static const Schema s { { { "address", K::String }, { "port", K::Int } }, true };
    return s;
}

const Schema &weightsSchema()
{
    static const Schema s { { { "passing", K::Int }, { "warning", K::Int } }, true };
    return s;
}

const Schema &serviceSchema()
{
    static const Schema s { {
                                { "kind", K::String },
                                { "id", K::String },
                                { "name", K::String },
                                { "tags", K::StringList },
                                { "address", K::String },
                                { "tagged_addresses", K::ObjectMap, &serviceAddressSchema() },
                                { "meta", K::StringMap },
                                { "port", K::Int },
                                { "socket_path", K::String },
                                { "check", K::Object, &checkSchema() },
                                { "checks", K::ObjectList, &checkSchema() },
                                { "token", K::String },
                                { "weights", K::Object, &weightsSchema() },
                                { "enable_tag_override", K::Bool },
                                { "proxy", K::AnyMap },
                                { "connect", K::AnyMap },
                                { "locality", K::AnyMap },
                                { "namespace", K::String },
                                { "partition", K::String },
                            },
        true };
    return s;
}

const Schema &aclTokensSchema()
{
    static const Schema s { {
        { "initial_management", K::String }, { "replication", K::String }, { "agent_recovery", K::String },
        { "default", K::String }, { "agent", K::String }, { "config_file_service_registration", K::String },
        { "dns", K::String }, { "managed_service_provider", K::AnyObjectList },
        { "master", K::String }, // deprecated → initial_management
        { "agent_master", K::String }, // deprecated → agent_recovery
    } };
    return s;
}

const Schema &aclSchema()
{
    static const Schema s { {
        { "enabled", K::Bool },
        { "enable_token_replication", K::Bool },
        { "policy_ttl", K::Duration },
        { "role_ttl", K::Duration },
        { "token_ttl", K::Duration },
        { "down_policy", K::String },
        { "default_policy", K::String },
        { "enable_key_list_policy", K::Bool },
        { "tokens", K::Object, &aclTokensSchema() },
        { "enable_token_persistence", K::Bool },
        { "msp_disable_bootstrap", K::Bool },
    } };
    return s;
}

const Schema &addressesSchema()
{
    static const Schema s { {
        { "dns", K::String },
        { "http", K::String },
        { "https", K::String },
        { "grpc", K::String },
        { "grpc_tls", K::String },
    } };
    return s;
}

const Schema &autopilotSchema()
{
    static const Schema s { {
        { "cleanup_dead_servers", K::Bool },
        { "last_contact_threshold", K::Duration },
        { "max_trailing_logs", K::Int },
        { "min_quorum", K::UInt },
        { "server_stabilization_time", K::Duration },
        { "disable_upgrade_migration", K::Bool },
        { "redundancy_zone_tag", K::String },
        { "upgrade_version_tag", K::String },
    } };
    return s;
}

const Schema &cacheSchema()
{
    static const Schema s { { { "entry_fetch_max_burst", K::Int }, { "entry_fetch_rate", K::Float } } };
    return s;
}

const Schema &configEntriesSchema()
{
    static const Schema s { { { "bootstrap", K::AnyObjectList } } };
    return s;
}

const Schema &autoEncryptSchema()
{
    static const Schema s { {
        { "tls", K::Bool },
        { "dns_san", K::StringList },
        { "ip_san", K::StringList },
        { "allow_tls", K::Bool },
    } };
    return s;
}

const Schema &connectSchema()
{
    static const Schema s { {
        { "enabled", K::Bool },
        { "ca_provider", K::String },
        { "ca_config", K::AnyMap },
        { "enable_mesh_gateway_wan_federation", K::Bool },
        { "enable_serverless_plugin", K::Bool },
        { "test_ca_leaf_root_change_spread", K::Duration },
    } };
    return s;
}

const Schema &soaSchema()
{
    static const Schema s { {
        { "refresh", K::UInt },
        { "retry", K::UInt },
        { "expire", K::UInt },
        { "min_ttl", K::UInt },
    } };
    return s;
}

const Schema &dnsSchema()
{
    static const Schema s { {
        { "allow_stale", K::Bool },
        { "a_record_limit", K::Int },
        { "disable_compression", K::Bool },
        { "enable_truncate", K::Bool },
        { "max_stale", K::Duration },
        { "node_ttl", K::Duration },
        { "only_passing", K::Bool },
        { "recursor_strategy", K::String },
        { "recursor_timeout", K::Duration },
        { "service_ttl", K::StringMap },
        { "udp_answer_limit", K::Int },
        { "enable_additional_node_meta_txt", K::Bool },
        { "soa", K::Object, &soaSchema() },
        { "use_cache", K::Bool },
        { "cache_max_age", K::Duration },
        { "prefer_namespace", K::Bool },
    } };
    return s;
}

const Schema &gossipSchema()
{
    static const Schema s { {
        { "gossip_nodes", K::Int },
        { "gossip_interval", K::Duration },
        { "probe_interval", K::Duration },
        { "probe_timeout", K::Duration },
        { "suspicion_mult", K::Int },
        { "retransmit_mult", K::Int },
    } };
    return s;
}

const Schema &httpConfigSchema()
{
    static const Schema s { {
        { "block_endpoints", K::StringList },
        { "allow_write_http_from", K::StringList },
        { "response_headers", K::StringMap },
        { "use_cache", K::Bool },
        { "max_header_bytes", K::Int },
    } };
    return s;
}

const Schema &requestLimitsSchema()
{
    static const Schema s { { { "mode", K::String }, { "read_rate", K::Float },
        { "write_rate", K::Float } } };
    return s;
}

const Schema &limitsSchema()
{
    static const Schema s { {
        { "http_max_conns_per_client", K::Int },
        { "https_handshake_timeout", K::Duration },
        { "request_limits", K::Object, &requestLimitsSchema() },
        { "rpc_client_timeout", K::Duration },
        { "rpc_handshake_timeout", K::Duration },
        { "rpc_max_burst", K::Int },
        { "rpc_max_conns_per_client", K::Int },
        { "rpc_rate", K::Float },
        { "kv_max_value_size", K::UInt },
        { "txn_max_req_len", K::UInt },
    } };
    return s;
}

const Schema &localitySchema()
{
    static const Schema s { { { "region", K::String }, { "zone", K::String } } };
    return s;
}

const Schema &peeringSchema()
{
    static const Schema s { { { "enabled", K::Bool }, { "test_allow_peer_registrations", K::Bool } } };
    return s;
}

const Schema &performanceSchema()
{
    static const Schema s { {
        { "leave_drain_time", K::Duration },
        { "raft_multiplier", K::Int },
        { "rpc_hold_timeout", K::Duration },
    } };
    return s;
}

const Schema &portsSchema()
{
    static const Schema s { {
        { "dns", K::Int },
        { "http", K::Int },
        { "https", K::Int },
        { "serf_lan", K::Int },
        { "serf_wan", K::Int },
        { "server", K::Int },
        { "grpc", K::Int },
        { "grpc_tls", K::Int },
        { "proxy_min_port", K::Int },
        { "proxy_max_port", K::Int },
        { "sidecar_min_port", K::Int },
        { "sidecar_max_port", K::Int },
        { "expose_min_port", K::Int },
        { "expose_max_port", K::Int },
    } };
    return s;
}

const Schema &rpcSchema()
{
    static const Schema s { { { "enable_streaming", K::Bool } } };
    return s;
}

const Schema &telemetrySchema()
{
    static const Schema s { {
        { "circonus_api_app", K::String },
        { "circonus_api_token", K::String },
        { "circonus_api_url", K::String },
        { "circonus_broker_id", K::String },
        { "circonus_broker_select_tag", K::String },
        { "circonus_check_display_name", K::String },
        { "circonus_check_force_metric_activation", K::String },
        { "circonus_check_id", K::String },
        { "circonus_check_instance_id", K::String },
        { "circonus_check_search_tag", K::String },
        { "circonus_check_tags", K::String },
        { "circonus_submission_interval", K::String },
        { "circonus_submission_url", K::String },
        { "disable_hostname", K::Bool },
        { "disable_per_tenancy_usage_metrics", K::Bool },
        { "dogstatsd_addr", K::String },
        { "dogstatsd_tags", K::StringList },
        { "enable_host_metrics", K::Bool },
        { "retry_failed_connection", K::Bool },
        { "filter_default", K::Bool },
        { "prefix_filter", K::StringList },
        { "metrics_prefix", K::String },
        { "prometheus_retention_time", K::Duration },
        { "statsd_address", K::String },
        { "statsite_address", K::String },
    } };
    return s;
}

const Schema &tlsProtocolSchema()
{
    static const Schema s { {
        { "ca_file", K::String },
        { "ca_path", K::String },
        { "cert_file", K::String },
        { "key_file", K::String },
        { "tls_min_version", K::String },
        { "tls_cipher_suites", K::String },
        { "verify_incoming", K::Bool },
        { "verify_outgoing", K::Bool },
        { "verify_server_hostname", K::Bool },
        { "use_auto_cert", K::Bool },
    } };
    return s;
}

const Schema &tlsSchema()
{
    static const Schema s { {
        { "defaults", K::Object, &tlsProtocolSchema() },
        { "internal_rpc", K::Object, &tlsProtocolSchema() },
        { "https", K::Object, &tlsProtocolSchema() },
        { "grpc", K::Object, &tlsProtocolSchema() },
    } };
    return s;
}

const Schema &uiConfigSchema()
{
    static const Schema s { {
        { "enabled", K::Bool },
        { "dir", K::String },
        { "content_path", K::String },
        { "metrics_provider", K::String },
        { "metrics_provider_files", K::StringList },
        { "metrics_provider_options_json", K::String },
        { "metrics_proxy", K::AnyStruct },
        { "dashboard_url_templates", K::StringMap },
    } };
    return s;
}

const Schema &unixSocketsSchema()
{
    static const Schema s { { { "group", K::String }, { "mode", K::String }, { "user", K::String } } };
    return s;
}

const Schema &xdsSchema()
{
    static const Schema s { { { "update_max_per_second", K::Float } } };
    return s;
}

// Consul's Config and DeprecatedConfig (agent/config/config.go, deprecated.go), 1.17.
const Schema &topSchema()
{
    static const Schema s { {
        { "acl", K::Object, &aclSchema() },
        { "addresses", K::Object, &addressesSchema() },
        { "advertise_addr", K::String },
        { "advertise_addr_ipv4", K::String },
        { "advertise_addr_ipv6", K::String },
        { "advertise_addr_wan", K::String },
        { "advertise_addr_wan_ipv4", K::String },
        { "advertise_addr_wan_ipv6", K::String },
        { "advertise_reconnect_timeout", K::Duration },
        { "alt_domain", K::String },
        { "audit", K::AnyStruct },
        { "auto_config", K::AnyStruct },
        { "auto_encrypt", K::Object, &autoEncryptSchema() },
        { "auto_reload_config", K::Bool },
        { "autopilot", K::Object, &autopilotSchema() },
        { "bind_addr", K::String },
        { "bootstrap", K::Bool },
        { "bootstrap_expect", K::Int },
        { "cache", K::Object, &cacheSchema() },
        { "check", K::Object, &checkSchema() },
        { "check_output_max_size", K::Int },
        { "check_update_interval", K::Duration },
        { "checks", K::ObjectList, &checkSchema() },
        { "client_addr", K::String },
        { "cloud", K::AnyStruct },
        { "config_entries", K::Object, &configEntriesSchema() },
        { "connect", K::Object, &connectSchema() },
        { "data_dir", K::String },
        { "datacenter", K::String },
        { "default_query_time", K::Duration },
        { "disable_anonymous_signature", K::Bool },
        { "disable_coordinates", K::Bool },
        { "disable_host_node_id", K::Bool },
        { "disable_http_unprintable_char_filter", K::Bool },
        { "disable_keyring_file", K::Bool },
        { "disable_remote_exec", K::Bool },
        { "disable_update_check", K::Bool },
        { "discard_check_output", K::Bool },
        { "discovery_max_stale", K::Duration },
        { "dns_config", K::Object, &dnsSchema() },
        { "domain", K::String },
        { "enable_agent_tls_for_checks", K::Bool },
        { "enable_central_service_config", K::Bool },
        { "enable_debug", K::Bool },
        { "enable_local_script_checks", K::Bool },
        { "enable_script_checks", K::Bool },
        { "enable_syslog", K::Bool },
        { "encrypt", K::String },
        { "encrypt_verify_incoming", K::Bool },
        { "encrypt_verify_outgoing", K::Bool },
        { "experiments", K::StringList },
        { "gossip_lan", K::Object, &gossipSchema() },
        { "gossip_wan", K::Object, &gossipSchema() },
        { "http_config", K::Object, &httpConfigSchema() },
        { "leave_on_terminate", K::Bool },
        { "license_path", K::String },
        { "limits", K::Object, &limitsSchema() },
        { "locality", K::Object, &localitySchema() },
        { "log_file", K::String },
        { "log_json", K::Bool },
        { "log_level", K::String },
        { "log_rotate_bytes", K::Int },
        { "log_rotate_duration", K::Duration },
        { "log_rotate_max_files", K::Int },
        { "log_sublevels", K::StringMap },
        { "max_query_time", K::Duration },
        { "node_id", K::String },
        { "node_meta", K::StringMap },
        { "node_name", K::String },
        { "partition", K::String },
        { "peering", K::Object, &peeringSchema() },
        { "performance", K::Object, &performanceSchema() },
        { "pid_file", K::String },
        { "ports", K::Object, &portsSchema() },
        { "primary_datacenter", K::String },
        { "primary_gateways", K::StringList },
        { "primary_gateways_interval", K::Duration },
        { "protocol", K::Int },
        { "raft_logstore", K::AnyStruct },
        { "raft_protocol", K::Int },
        { "raft_snapshot_interval", K::Duration },
        { "raft_snapshot_threshold", K::Int },
        { "raft_trailing_logs", K::Int },
        { "read_replica", K::Bool, nullptr, { "non_voting_server" } },
        { "reconnect_timeout", K::Duration },
        { "reconnect_timeout_wan", K::Duration },
        { "recursors", K::StringList },
        { "rejoin_after_leave", K::Bool },
        { "reporting", K::AnyStruct },
        { "retry_interval", K::Duration },
        { "retry_interval_wan", K::Duration },
        { "retry_join", K::StringList },
        { "retry_join_wan", K::StringList },
        { "retry_max", K::Int },
        { "retry_max_wan", K::Int },
        { "rpc", K::Object, &rpcSchema() },
        { "segment", K::String },
        { "segments", K::AnyObjectList },
        { "serf_lan", K::String },
        { "serf_lan_allowed_cidrs", K::StringList },
        { "serf_wan", K::String },
        { "serf_wan_allowed_cidrs", K::StringList },
        { "server", K::Bool },
        { "server_name", K::String },
        { "server_rejoin_age_max", K::Duration },
        { "service", K::Object, &serviceSchema() },
        { "services", K::ObjectList, &serviceSchema() },
        { "session_ttl_min", K::Duration },
        { "skip_leave_on_interrupt", K::Bool },
        { "snapshot_agent", K::AnyMap },
        { "syslog_facility", K::String },
        { "tagged_addresses", K::StringMap },
        { "telemetry", K::Object, &telemetrySchema() },
        { "tls", K::Object, &tlsSchema() },
        { "translate_wan_addrs", K::Bool },
        { "ui", K::Bool }, // deprecated → ui_config.enabled
        { "ui_config", K::Object, &uiConfigSchema() },
        { "ui_content_path", K::String }, // deprecated → ui_config.content_path
        { "ui_dir", K::String }, // deprecated → ui_config.dir
        { "unix_sockets", K::Object, &unixSocketsSchema() },
        { "use_streaming_backend", K::Bool },
        { "watches", K::AnyObjectList },
        { "xds", K::Object, &xdsSchema() },
        // Values Consul fixes itself but still accepts in files: no effect here either, except
        // for tests `consul.coordinate.*`, `consul.test_rebalance_interval` and
        // `sync_coordinate_interval_min` (docs/configuration.md).
        { "ae_interval", K::Duration },
        { "build_date", K::String },
        { "check_deregister_interval_min", K::Duration },
        { "check_reap_interval", K::Duration },
        { "consul", K::AnyStruct },
        { "license_poll_base_time", K::Duration },
        { "license_poll_max_time", K::Duration },
        { "license_update_base_time", K::Duration },
        { "license_update_max_time", K::Duration },
        { "revision", K::String },
        { "segment_limit", K::Int },
        { "segment_name_limit", K::Int },
        { "sync_coordinate_interval_min", K::Duration },
        { "sync_coordinate_rate_target", K::Float },
        { "version", K::String },
        { "version_metadata", K::String },
        { "version_prerelease", K::String },
        // Deprecated top-level keys, translated by applyDeprecated().
        { "acl_agent_master_token", K::String },
        { "acl_agent_token", K::String },
        { "acl_datacenter", K::String },
        { "acl_default_policy", K::String },
        { "acl_down_policy", K::String },
        { "acl_enable_key_list_policy", K::Bool },
        { "acl_enforce_version_8", K::Bool },
        { "acl_master_token", K::String },
        { "acl_replication_token", K::String },
        { "acl_token", K::String },
        { "acl_ttl", K::Duration },
        { "ca_file", K::String },
        { "ca_path", K::String },
        { "cert_file", K::String },
        { "enable_acl_replication", K::Bool },
        { "key_file", K::String },
        { "raft_boltdb", K::AnyStruct },
        { "start_join", K::StringList },
        { "start_join_wan", K::StringList },
        { "tls_cipher_suites", K::String },
        { "tls_min_version", K::String },
        { "tls_prefer_server_cipher_suites", K::Bool },
        { "verify_incoming", K::Bool },
        { "verify_incoming_https", K::Bool },
        { "verify_incoming_rpc", K::Bool },
        { "verify_outgoing", K::Bool },
        { "verify_server_hostname", K::Bool },
    } };
    return s;
}

// ---------------------------------------------------------------------------------------
// Decoding

QString join(const QString &prefix, const QString &key)
{
    return prefix.isEmpty() ? key : prefix + u'.' + key;
}

// The Go type json.Unmarshal gives a value, as mapstructure names it in its errors.
QString goType(const QJsonValue &v)
{
    switch (v.type()) {
    case QJsonValue::Bool:
        return QStringLiteral("bool");
    case QJsonValue::Double:
        return QStringLiteral("float64");
    case QJsonValue::String:
        return QStringLiteral("string");
    case QJsonValue::Array:
        return QStringLiteral("[]interface {}");
    case QJsonValue::Object:
        return QStringLiteral("map[string]interface {}");
    default:
        return QStringLiteral("<nil>");
    }
}

QString goValue(const QJsonValue &v)
{
    switch (v.type()) {
    case QJsonValue::Bool:
        return v.toBool() ? QStringLiteral("true") : QStringLiteral("false");
    case QJsonValue::Double:
        return QString::number(v.toDouble(), 'g', 17);
    case QJsonValue::String:
        return v.toString();
    case QJsonValue::Array:
        return QString::fromUtf8(QJsonDocument(v.toArray()).toJson(QJsonDocument::Compact));
    case QJsonValue::Object:
        return QString::fromUtf8(QJsonDocument(v.toObject()).toJson(QJsonDocument::Compact));
    default:
        return QStringLiteral("<nil>");
    }
}

bool isIntegral(const QJsonValue &v)
{
    if (!v.isDouble())
        return false;
    const double d = v.toDouble();
    return std::isfinite(d) && std::floor(d) == d && std::fabs(d) < 9.2e18;
}

class Decoder
{
public:
    QStringList unknown;
    QStringList typeErrors;
    bool fromHcl = false;

    QJsonObject object(const QJsonObject &in, const Schema &schema, const QString &prefix)
    {
        QJsonObject out;
        for (auto it = in.begin(); it != in.end(); ++it) {
            const Field *f = schema.find(it.key());
            if (!f) {
                unknown.append(join(prefix, it.key()));
                continue;
            }
            const QString path = join(prefix, QString(f->name));
            if (std::optional<QJsonValue> v = value(it.value(), *f, path))
                out.insert(QString(f->name), *v);
        }
        return out;
    }

private:
    void typeError(const QString &path, const char *want, const QJsonValue &got)
    {
        typeErrors.append(QStringLiteral("'%1' expected type '%2', got unconvertible type '%3', value: '%4'")
                              .arg(path, QLatin1String(want), goType(got), goValue(got)));
    }
    void notMap(const QString &path, const QJsonValue &got)
    {
        typeErrors.append(QStringLiteral("'%1' expected a map, got '%2'").arg(path, goType(got)));
    }
    void notSlice(const QString &path, const QJsonValue &got)
    {
        typeErrors.append(
            QStringLiteral("'%1': source data must be an array or slice, got %2").arg(path, goType(got)));
    }

    std::optional<QJsonValue> stringList(const QJsonValue &v, const QString &path)
    {
        if (!v.isArray()) {
            notSlice(path, v);
            return std::nullopt;
        }
        const QJsonArray a = v.toArray();
        for (qsizetype i = 0; i < a.size(); ++i) {
            if (!a.at(i).isString()) {
                typeError(path + u'[' + QString::number(i) + u']', "string", a.at(i));
                return std::nullopt;
            }
        }
        return a;
    }

    std::optional<QJsonValue> value(QJsonValue v, const Field &f, const QString &path)
    {
        if (v.isNull() || v.isUndefined())
            return std::nullopt; // like Go's nil: the key stays unset
        const bool listKind
            = f.kind == K::StringList || f.kind == K::ObjectList || f.kind == K::AnyObjectList;
        // Consul's HCL decoder reads every block as a list of objects, so `services { ... }`
        // given once is a list of one.
        if (fromHcl && v.isObject() && (f.kind == K::ObjectList || f.kind == K::AnyObjectList))
            v = QJsonArray { v };
        // Consul's HookWeakDecodeFromSlice: a one-element list where a single value is
        // expected is unwrapped (HCL writes blocks as lists of objects).
        if (!listKind && v.isArray() && v.toArray().size() == 1)
            v = v.toArray().at(0);

        switch (f.kind) {
        case K::Bool:
            if (!v.isBool()) {
                typeError(path, "bool", v);
                return std::nullopt;
            }
            return v;
        case K::Int:
            if (!isIntegral(v)) {
                typeError(path, "int", v);
                return std::nullopt;
            }
            return QJsonValue(static_cast<qint64>(v.toDouble()));
        case K::UInt:
            if (!isIntegral(v) || v.toDouble() < 0) {
                typeError(path, "uint", v);
                return std::nullopt;
            }
            return QJsonValue(static_cast<qint64>(v.toDouble()));
        case K::Float:
            if (!v.isDouble()) {
                typeError(path, "float64", v);
                return std::nullopt;
            }
            return v;
        case K::String:
        case K::Duration:
            if (!v.isString()) {
                typeError(path, "string", v);
                return std::nullopt;
            }
            return v;
        case K::DurationOrNumber:
            if (!v.isString() && !v.isDouble()) {
                typeError(path, "string", v);
                return std::nullopt;
            }
            return v;
        case K::StringList:
            return stringList(v, path);
        case K::StringMap: {
            if (!v.isObject()) {
                notMap(path, v);
                return std::nullopt;
            }
            const QJsonObject o = v.toObject();
            for (auto it = o.begin(); it != o.end(); ++it) {
                if (!it.value().isString()) {
                    typeError(path + u'[' + it.key() + u']', "string", it.value());
                    return std::nullopt;
                }
            }
            return o;
        }
        case K::HeaderMap: {
            if (!v.isObject()) {
                notMap(path, v);
                return std::nullopt;
            }
            const QJsonObject o = v.toObject();
            for (auto it = o.begin(); it != o.end(); ++it) {
                if (!stringList(it.value(), path + u'[' + it.key() + u']'))
                    return std::nullopt;
            }
            return o;
        }
        case K::Object:
            if (!v.isObject()) {
                notMap(path, v);
                return std::nullopt;
            }
            return object(v.toObject(), *f.child, path);
        case K::ObjectList: {
            if (!v.isArray()) {
                notSlice(path, v);
                return std::nullopt;
            }
            const QJsonArray in = v.toArray();
            QJsonArray out;
            for (qsizetype i = 0; i < in.size(); ++i) {
                const QString itemPath = path + u'[' + QString::number(i) + u']';
                if (!in.at(i).isObject()) {
                    notMap(itemPath, in.at(i));
                    return std::nullopt;
                }
                out.append(object(in.at(i).toObject(), *f.child, itemPath));
            }
            return out;
        }
        case K::ObjectMap: {
            if (!v.isObject()) {
                notMap(path, v);
                return std::nullopt;
            }
            const QJsonObject in = v.toObject();
            QJsonObject out;
            for (auto it = in.begin(); it != in.end(); ++it) {
                const QString itemPath = path + u'[' + it.key() + u']';
                if (!it.value().isObject()) {
                    notMap(itemPath, it.value());
                    return std::nullopt;
                }
                out.insert(it.key(), object(it.value().toObject(), *f.child, itemPath));
            }
            return out;
        }
        case K::AnyMap:
        case K::AnyStruct:
            if (!v.isObject()) {
                notMap(path, v);
                return std::nullopt;
            }
            return v;
        case K::AnyObjectList: {
            if (!v.isArray()) {
                notSlice(path, v);
                return std::nullopt;
            }
            const QJsonArray a = v.toArray();
            for (qsizetype i = 0; i < a.size(); ++i) {
                if (!a.at(i).isObject()) {
                    notMap(path + u'[' + QString::number(i) + u']', a.at(i));
                    return std::nullopt;
                }
            }
            return a;
        }
        }
        return std::nullopt;
    }
};

// ---------------------------------------------------------------------------------------
// Dotted-path access into nested objects

QJsonValue getPath(const QJsonObject &o, const QString &path)
{
    const qsizetype dot = path.indexOf(u'.');
    if (dot < 0)
        return o.value(path);
    return getPath(o.value(path.left(dot)).toObject(), path.mid(dot + 1));
}

void setPath(QJsonObject &o, const QString &path, const QJsonValue &v)
{
    const qsizetype dot = path.indexOf(u'.');
    if (dot < 0) {
        o.insert(path, v);
        return;
    }
    const QString head = path.left(dot);
    QJsonObject sub = o.value(head).toObject();
    setPath(sub, path.mid(dot + 1), v);
    o.insert(head, sub);
}

void removePath(QJsonObject &o, const QString &path)
{
    const qsizetype dot = path.indexOf(u'.');
    if (dot < 0) {
        o.remove(path);
        return;
    }
    const QString head = path.left(dot);
    if (!o.value(head).isObject())
        return;
    QJsonObject sub = o.value(head).toObject();
    removePath(sub, path.mid(dot + 1));
    o.insert(head, sub);
}

bool hasPath(const QJsonObject &o, const QString &path)
{
    return !getPath(o, path).isUndefined();
}

QString deprecationWarning(const QString &oldKey, const QString &newKey)
{
    return QStringLiteral("The '%1' field is deprecated. Use the '%2' field instead.").arg(oldKey, newKey);
}

// Consul's applyDeprecatedConfig: per source, the old key fills the new one unless the same
// source also sets the new one; the old key is dropped.
void applyDeprecated(QJsonObject &c, QStringList &warnings)
{
    auto move = [&](const QString &oldKey, const QString &newKey) -> bool {
        if (!hasPath(c, oldKey))
            return false;
        if (!hasPath(c, newKey))
            setPath(c, newKey, getPath(c, oldKey));
        removePath(c, oldKey);
        warnings.append(deprecationWarning(oldKey, newKey));
        return true;
    };
    move(QStringLiteral("acl.tokens.agent_master"), QStringLiteral("acl.tokens.agent_recovery"));
    move(QStringLiteral("acl_agent_master_token"), QStringLiteral("acl.tokens.agent_recovery"));
    move(QStringLiteral("acl_agent_token"), QStringLiteral("acl.tokens.agent"));
    move(QStringLiteral("acl_token"), QStringLiteral("acl.tokens.default"));
    move(QStringLiteral("acl.tokens.master"), QStringLiteral("acl.tokens.initial_management"));
    move(QStringLiteral("acl_master_token"), QStringLiteral("acl.tokens.initial_management"));
    if (move(QStringLiteral("acl_replication_token"), QStringLiteral("acl.tokens.replication")))
        setPath(c, QStringLiteral("acl.enable_token_replication"), true);
    move(QStringLiteral("enable_acl_replication"), QStringLiteral("acl.enable_token_replication"));
    if (move(QStringLiteral("acl_datacenter"), QStringLiteral("primary_datacenter")))
        setPath(c, QStringLiteral("acl.enabled"), true); // acl_datacenter implied ACLs on
    move(QStringLiteral("acl_default_policy"), QStringLiteral("acl.default_policy"));
    move(QStringLiteral("acl_down_policy"), QStringLiteral("acl.down_policy"));
    move(QStringLiteral("acl_ttl"), QStringLiteral("acl.token_ttl"));
    move(QStringLiteral("acl_enable_key_list_policy"), QStringLiteral("acl.enable_key_list_policy"));
    if (c.contains(u"acl_enforce_version_8")) {
        c.remove(u"acl_enforce_version_8");
        warnings.append(
            QStringLiteral("config key \"acl_enforce_version_8\" is deprecated and should be removed"));
    }

    // start_join(_wan) are appended to retry_join(_wan); the originals stay for display.
    for (const auto &[oldKey, newKey] :
        { std::pair { QStringLiteral("start_join"), QStringLiteral("retry_join") },
            std::pair { QStringLiteral("start_join_wan"), QStringLiteral("retry_join_wan") } }) {
        if (!c.contains(oldKey))
            continue;
        QJsonArray joined = c.value(newKey).toArray();
        for (const QJsonValue &v : c.value(oldKey).toArray())
            joined.append(v);
        c.insert(newKey, joined);
        warnings.append(deprecationWarning(oldKey, newKey));
    }
    move(QStringLiteral("raft_boltdb"), QStringLiteral("raft_logstore.boltdb"));

    // Pre-1.12 flat TLS keys.
    move(QStringLiteral("ca_file"), QStringLiteral("tls.defaults.ca_file"));
    move(QStringLiteral("ca_path"), QStringLiteral("tls.defaults.ca_path"));
    move(QStringLiteral("cert_file"), QStringLiteral("tls.defaults.cert_file"));
    move(QStringLiteral("key_file"), QStringLiteral("tls.defaults.key_file"));
    move(QStringLiteral("tls_cipher_suites"), QStringLiteral("tls.defaults.tls_cipher_suites"));
    if (hasPath(c, QStringLiteral("tls_min_version")) && !hasPath(c, QStringLiteral("tls.defaults.tls_min_version"))) {
        // The pre-1.12 values tls10 … tls13 name Consul's TLSv1_0 … TLSv1_3.
        const QString old = c.value(u"tls_min_version").toString();
        static const QStringList deprecated{QStringLiteral("tls10"), QStringLiteral("tls11"), QStringLiteral("tls12"),
                                            QStringLiteral("tls13")};
        if (deprecated.contains(old)) {
            const QString version = QStringLiteral("TLSv1_%1").arg(old.back());
            warnings.append(QStringLiteral("'tls_min_version' value '%1' is deprecated, please specify '%2' instead")
                                .arg(old, version));
            c.insert(u"tls_min_version", version);
        }
    }
    move(QStringLiteral("tls_min_version"), QStringLiteral("tls.defaults.tls_min_version"));
    if (hasPath(c, QStringLiteral("verify_incoming"))
        && !hasPath(c, QStringLiteral("tls.grpc.verify_incoming"))) {
        // Before 1.12 verify_incoming never applied to the gRPC port.
        setPath(c, QStringLiteral("tls.grpc.verify_incoming"), false);
    }
    move(QStringLiteral("verify_incoming"), QStringLiteral("tls.defaults.verify_incoming"));
    move(QStringLiteral("verify_incoming_https"), QStringLiteral("tls.https.verify_incoming"));
    move(QStringLiteral("verify_incoming_rpc"), QStringLiteral("tls.internal_rpc.verify_incoming"));
    move(QStringLiteral("verify_outgoing"), QStringLiteral("tls.defaults.verify_outgoing"));
    move(QStringLiteral("verify_server_hostname"), QStringLiteral("tls.internal_rpc.verify_server_hostname"));
    if (c.contains(u"tls_prefer_server_cipher_suites")) {
        c.remove(u"tls_prefer_server_cipher_suites");
        warnings.append(
            QStringLiteral("The 'tls_prefer_server_cipher_suites' field is deprecated and will be ignored."));
    }
}

// A single `check` joins the `checks` list (after it), as Consul's builder does.
void foldSingle(QJsonObject &o, const QString &single, const QString &list, bool first = false)
{
    if (!o.contains(single))
        return;
    QJsonArray a = o.value(list).toArray();
    if (first)
        a.prepend(o.value(single));
    else
        a.append(o.value(single));
    o.remove(single);
    o.insert(list, a);
}

QJsonObject foldServiceChecks(QJsonObject service)
{
    // A service's `check` comes before its `checks`, as Consul numbers them (service:<id>:<n>).
    foldSingle(service, QStringLiteral("check"), QStringLiteral("checks"), true);
    return service;
}

// ---------------------------------------------------------------------------------------
// Merging

void deepMerge(QJsonObject &dst, const QJsonObject &src)
{
    for (auto it = src.begin(); it != src.end(); ++it) {
        const QJsonValue cur = dst.value(it.key());
        if (cur.isObject() && it.value().isObject()) {
            QJsonObject sub = cur.toObject();
            deepMerge(sub, it.value().toObject());
            dst.insert(it.key(), sub);
        } else if (cur.isArray() && it.value().isArray()) {
            QJsonArray a = cur.toArray();
            for (const QJsonValue &v : it.value().toArray())
                a.append(v);
            dst.insert(it.key(), a);
        } else {
            dst.insert(it.key(), it.value());
        }
    }
}

void mergeObject(QJsonObject &dst, const QJsonObject &src, const Schema &schema, const QString &prefix,
    const QString &source, Provenance &provenance)
{
    for (auto it = src.begin(); it != src.end(); ++it) {
        const Field *f = schema.find(it.key());
        const QString path = join(prefix, it.key());
        const Kind kind = f ? f->kind : K::String;
        switch (kind) {
        case K::Object: {
            QJsonObject sub = dst.value(it.key()).toObject();
            mergeObject(sub, it.value().toObject(), *f->child, path, source, provenance);
            dst.insert(it.key(), sub);
            break;
        }
        case K::AnyStruct: {
            QJsonObject sub = dst.value(it.key()).toObject();
            deepMerge(sub, it.value().toObject());
            dst.insert(it.key(), sub);
            provenance.insert(path, source);
            break;
        }
        case K::StringList:
        case K::ObjectList:
        case K::AnyObjectList: {
            QJsonArray a = dst.value(it.key()).toArray();
            for (const QJsonValue &v : it.value().toArray())
                a.append(v);
            dst.insert(it.key(), a);
            provenance.insert(path, source);
            break;
        }
        case K::StringMap:
        case K::HeaderMap:
        case K::ObjectMap:
        case K::AnyMap:
            if (!it.value().toObject().isEmpty() || !dst.contains(it.key())) {
                dst.insert(it.key(), it.value());
                provenance.insert(path, source);
            }
            break;
        default:
            dst.insert(it.key(), it.value());
            provenance.insert(path, source);
            break;
        }
    }
}

QJsonObject normalizeWith(const QJsonObject &in, const Schema &schema, QString *error)
{
    Decoder d;
    QJsonObject out = d.object(in, schema, {});
    QStringList errors;
    for (const QString &k : std::as_const(d.unknown))
        errors.append(QStringLiteral("invalid config key %1").arg(k));
    errors += d.typeErrors;
    if (!errors.isEmpty()) {
        if (error)
            *error = errors.join(QStringLiteral("; "));
        return {};
    }
    if (error)
        error->clear();
    return out;
}

bool isSecretKey(const QString &key)
{
    static const QStringList secrets {
        QStringLiteral("token"),
        QStringLiteral("encrypt"),
        QStringLiteral("key_file"),
        QStringLiteral("intro_token"),
        QStringLiteral("client_secret"),
        QStringLiteral("circonus_api_token"),
        QStringLiteral("secret_id"),
    };
    return secrets.contains(key);
}

QJsonValue sanitizeValue(const QJsonValue &v, bool secretBlock);

// Secrets become "hidden" (empty strings stay empty so "not set" remains visible); everything
// under acl.tokens is secret, and the CA provider config is hidden whole.
QJsonObject sanitizeObject(const QJsonObject &o, bool secretBlock)
{
    QJsonObject out;
    for (auto it = o.begin(); it != o.end(); ++it) {
        const QJsonValue &v = it.value();
        if (it.key() == u"ca_config" && v.isObject() && !v.toObject().isEmpty())
            out.insert(it.key(), QStringLiteral("hidden"));
        else if ((secretBlock || isSecretKey(it.key())) && v.isString() && !v.toString().isEmpty())
            out.insert(it.key(), QStringLiteral("hidden"));
        else
            out.insert(it.key(), sanitizeValue(v, secretBlock || it.key() == u"tokens"));
    }
    return out;
}

QJsonValue sanitizeValue(const QJsonValue &v, bool secretBlock)
{
    if (v.isObject())
        return sanitizeObject(v.toObject(), secretBlock);
    if (v.isArray()) {
        QJsonArray out;
        for (const QJsonValue &item : v.toArray())
            out.append(sanitizeValue(item, secretBlock));
        return out;
    }
    if (secretBlock && v.isString() && !v.toString().isEmpty())
        return QStringLiteral("hidden");
    return v;
}

} // namespace

DecodedSource decodeSource(const QJsonObject &input, bool fromHcl)
{
    DecodedSource result;
    Decoder d;
    d.fromHcl = fromHcl;
    QJsonObject c = d.object(input, topSchema(), {});
    for (const QString &k : std::as_const(d.unknown))
        result.errors.append(QStringLiteral("invalid config key %1").arg(k));
    result.errors += d.typeErrors;
    if (!result.errors.isEmpty())
        return result;

    applyDeprecated(c, result.warnings);
    foldSingle(c, QStringLiteral("check"), QStringLiteral("checks"));
    foldSingle(c, QStringLiteral("service"), QStringLiteral("services"));
    if (c.contains(u"services")) {
        QJsonArray services;
        for (const QJsonValue &s : c.value(u"services").toArray())
            services.append(foldServiceChecks(s.toObject()));
        c.insert(QStringLiteral("services"), services);
    }
    result.config = c;
    return result;
}

void mergeSource(QJsonObject &dst, const QJsonObject &src, const QString &sourceName, Provenance &provenance)
{
    mergeObject(dst, src, topSchema(), {}, sourceName, provenance);
}

QJsonObject normalizeServiceDefinition(const QJsonObject &service, QString *error)
{
    QJsonObject out = normalizeWith(service, serviceSchema(), error);
    return out.isEmpty() ? out : foldServiceChecks(out);
}

QJsonObject normalizeCheckDefinition(const QJsonObject &check, QString *error)
{
    return normalizeWith(check, checkSchema(), error);
}

QJsonValue valueAtPath(const QJsonObject &object, const QString &path)
{
    return getPath(object, path);
}

void setValueAtPath(QJsonObject &object, const QString &path, const QJsonValue &value)
{
    setPath(object, path, value);
}

QJsonObject sanitizeConfig(const QJsonObject &raw)
{
    return sanitizeObject(raw, false);
}

} // namespace qonsul::config

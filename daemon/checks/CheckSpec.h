#pragma once
// One check definition as the HTTP API (PascalCase) or a config file (snake_case) gives it,
// parsed and validated with Consul's rules and error texts (structs.CheckType.Validate):
//   - exactly one kind, chosen in Consul's order (CheckType.Type): grpc, http, ttl, tcp, udp,
//     alias, docker (args or script + docker_container_id), script (args / legacy script),
//     h2ping, os_service;
//   - interval checks need interval > 0 (clamped to 1s minimum by the agent), TTL checks a
//     ttl > 0, alias checks neither;
//   - timeout defaults to 10s (30s for scripts); output_max_size only lowers the agent cap.
#include <QJsonObject>
#include <QMap>
#include <QString>
#include <QStringList>

#include "core/Duration.h"

namespace qonsul::checks {

enum class Kind { Ttl, Http, Tcp, Udp, Script, Alias, Grpc, H2Ping, Docker, OsService };

QString kindName(Kind kind); // Consul's HealthCheck.Type: "ttl", "http", "tcp", "udp", "script", "alias", "grpc",
                             // "h2ping", "docker", "os_service"

constexpr Nanoseconds kMinInterval = kSecond;
constexpr Nanoseconds kDefaultTimeout = 10 * kSecond;
constexpr Nanoseconds kDefaultScriptTimeout = 30 * kSecond;
constexpr int kDefaultOutputMaxSize = 4096;
constexpr Nanoseconds kMinDeregisterAfter = kMinute;

struct CheckSpec
{
    Kind kind = Kind::Ttl;
    // http
    QString http;
    QString method; // empty = GET
    QMap<QString, QStringList> header;
    QString body;
    QString tlsServerName;
    bool tlsSkipVerify = false;
    bool disableRedirects = false;
    // grpc: "host:port" or "host:port/service"; TLS (ALPN h2) when grpcUseTls
    QString grpc;
    bool grpcUseTls = false;
    // h2ping: "host:port"; TLS (ALPN h2) when h2pingUseTls
    QString h2ping;
    bool h2pingUseTls = false;
    // os_service: a systemd unit
    QString osService;
    // docker: args (or script, run with shell -c) executed in the container
    QString dockerContainerId;
    QString shell; // empty = $SHELL, else /bin/sh
    // tcp / udp: "host:port"
    QString tcp;
    bool tcpUseTls = false; // tcp_use_tls (Consul 1.16)
    QString udp;
    // script
    QStringList args;
    QString script; // legacy: run with /bin/sh -c
    // alias
    QString aliasService;
    QString aliasNode;

    Nanoseconds interval = 0; // as given; see effectiveInterval()
    Nanoseconds timeout = 0;  // as given; see effectiveTimeout()
    Nanoseconds ttl = 0;
    Nanoseconds deregisterCriticalServiceAfter = 0;
    int successBeforePassing = 0;
    int failuresBeforeWarning = 0; // resolved: = failuresBeforeCritical when not given
    int failuresBeforeCritical = 0;
    int outputMaxSize = 0; // 0 = agent default

    // Script and Docker checks run commands: both need enable_script_checks.
    bool isScript() const { return kind == Kind::Script || kind == Kind::Docker; }
    bool needsRunner() const { return kind != Kind::Ttl && kind != Kind::Alias; }
    Nanoseconds effectiveInterval() const { return interval < kMinInterval ? kMinInterval : interval; }
    Nanoseconds effectiveTimeout() const
    {
        if (timeout > 0)
            return timeout;
        // Consul: 30s for scripts and OS services; Docker checks have no timeout there (ours
        // takes the script default).
        return kind == Kind::Script || kind == Kind::Docker || kind == Kind::OsService ? kDefaultScriptTimeout
                                                                                      : kDefaultTimeout;
    }
    // The agent cap (check_output_max_size) lowered by the check's own output_max_size.
    int outputLimit(int agentCap) const
    {
        const int cap = agentCap > 0 ? agentCap : kDefaultOutputMaxSize;
        return outputMaxSize > 0 && outputMaxSize < cap ? outputMaxSize : cap;
    }
};

// Parses the kind-specific and common fields of `definition` (either spelling). On failure
// returns false with *error set to Consul's text without the "Invalid check: " prefix the HTTP
// API adds, e.g. "Interval must be > 0 for Script, HTTP, H2PING, TCP, UDP or OSService checks".
bool parseCheckSpec(const QJsonObject &definition, CheckSpec *spec, QString *error);

// A duration field: a Go duration string ("10s") or a number of nanoseconds; absent → 0.
bool durationField(const QJsonObject &o, QStringView key, Nanoseconds *out, QString *error);

} // namespace qonsul::checks

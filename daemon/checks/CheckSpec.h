#pragma once
// One check definition as the HTTP API (PascalCase) or a config file (snake_case) gives it,
// parsed and validated with Consul's rules and error texts (structs.CheckType.Validate):
//   - exactly one kind: script (args / legacy script), http, tcp, udp, ttl, alias; gRPC,
//     H2PING, Docker and OS-service checks are refused as not supported yet;
//   - interval checks need interval > 0 (clamped to 1s minimum by the agent), TTL checks a
//     ttl > 0, alias checks neither;
//   - timeout defaults to 10s (30s for scripts); output_max_size only lowers the agent cap.
#include <QJsonObject>
#include <QMap>
#include <QString>
#include <QStringList>

#include "core/Duration.h"

namespace qonsul::checks {

enum class Kind { Ttl, Http, Tcp, Udp, Script, Alias };

QString kindName(Kind kind); // Consul's HealthCheck.Type: "ttl", "http", "tcp", "udp", "script", "alias"

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
    // tcp / udp: "host:port"
    QString tcp;
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

    bool isScript() const { return kind == Kind::Script; }
    bool needsRunner() const { return kind != Kind::Ttl && kind != Kind::Alias; }
    Nanoseconds effectiveInterval() const { return interval < kMinInterval ? kMinInterval : interval; }
    Nanoseconds effectiveTimeout() const
    {
        if (timeout > 0)
            return timeout;
        return kind == Kind::Script ? kDefaultScriptTimeout : kDefaultTimeout;
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
// API adds, e.g. "Interval must be > 0 for Script, HTTP, H2PING, TCP or UDP checks".
bool parseCheckSpec(const QJsonObject &definition, CheckSpec *spec, QString *error);

// A duration field: a Go duration string ("10s") or a number of nanoseconds; absent → 0.
bool durationField(const QJsonObject &o, QStringView key, Nanoseconds *out, QString *error);

} // namespace qonsul::checks

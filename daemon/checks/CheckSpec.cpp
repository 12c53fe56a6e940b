#include "checks/CheckSpec.h"

#include "api/Types.h"

#include <QJsonArray>
#include <cmath>

namespace qonsul::checks {

namespace {
bool present(const QJsonValue &v)
{
    if (v.isUndefined() || v.isNull())
        return false;
    if (v.isString())
        return !v.toString().isEmpty();
    if (v.isArray())
        return !v.toArray().isEmpty();
    return true;
}

bool stringField(const QJsonObject &o, QStringView key, QString *out, QString *error)
{
    const QJsonValue v = api::lookup(o, key);
    if (v.isUndefined() || v.isNull())
        return true;
    if (!v.isString()) {
        *error = QStringLiteral("Request decode failed: field %1: expected string").arg(key);
        return false;
    }
    *out = v.toString();
    return true;
}

bool intField(const QJsonObject &o, QStringView key, int *out, QString *error)
{
    const QJsonValue v = api::lookup(o, key);
    if (v.isUndefined() || v.isNull())
        return true;
    if (!v.isDouble() || v.toDouble() != std::floor(v.toDouble()) || std::abs(v.toDouble()) > 2147483647.0) {
        *error = QStringLiteral("Request decode failed: field %1: expected integer").arg(key);
        return false;
    }
    *out = int(v.toDouble());
    return true;
}

bool boolField(const QJsonObject &o, QStringView key, bool *out, QString *error)
{
    const QJsonValue v = api::lookup(o, key);
    if (v.isUndefined() || v.isNull())
        return true;
    if (!v.isBool()) {
        *error = QStringLiteral("Request decode failed: field %1: expected bool").arg(key);
        return false;
    }
    *out = v.toBool();
    return true;
}
} // namespace

QString kindName(Kind kind)
{
    switch (kind) {
    case Kind::Ttl: return QStringLiteral("ttl");
    case Kind::Http: return QStringLiteral("http");
    case Kind::Tcp: return QStringLiteral("tcp");
    case Kind::Udp: return QStringLiteral("udp");
    case Kind::Script: return QStringLiteral("script");
    case Kind::Alias: return QStringLiteral("alias");
    case Kind::Grpc: return QStringLiteral("grpc");
    case Kind::H2Ping: return QStringLiteral("h2ping");
    case Kind::Docker: return QStringLiteral("docker");
    case Kind::OsService: return QStringLiteral("os_service");
    }
    return {};
}

bool durationField(const QJsonObject &o, QStringView key, Nanoseconds *out, QString *error)
{
    const QJsonValue v = api::lookup(o, key);
    if (v.isUndefined() || v.isNull() || (v.isString() && v.toString().isEmpty())) {
        *out = 0;
        return true;
    }
    if (v.isDouble()) {
        const double d = v.toDouble();
        if (std::abs(d) > 9.2e18 || d != std::floor(d)) {
            *error = QStringLiteral("Request decode failed: field %1: invalid duration %2").arg(key).arg(d);
            return false;
        }
        *out = Nanoseconds(d);
        return true;
    }
    if (!v.isString()) {
        *error = QStringLiteral("Request decode failed: field %1: expected duration").arg(key);
        return false;
    }
    const auto parsed = parseDuration(v.toString());
    if (!parsed) {
        *error = QStringLiteral("Request decode failed: time: invalid duration \"%1\"").arg(v.toString());
        return false;
    }
    *out = *parsed;
    return true;
}

bool parseCheckSpec(const QJsonObject &def, CheckSpec *spec, QString *error)
{
    CheckSpec s;
    QJsonValue args = api::lookup(def, u"Args");
    if (!present(args))
        args = api::lookup(def, u"ScriptArgs");
    if (present(args)) {
        if (!args.isArray()) {
            *error = QStringLiteral("Request decode failed: field Args: expected list of strings");
            return false;
        }
        for (const QJsonValue &a : args.toArray()) {
            if (!a.isString()) {
                *error = QStringLiteral("Request decode failed: field Args: expected list of strings");
                return false;
            }
            s.args.append(a.toString());
        }
    }
    if (!stringField(def, u"Script", &s.script, error) || !stringField(def, u"HTTP", &s.http, error)
        || !stringField(def, u"Method", &s.method, error) || !stringField(def, u"Body", &s.body, error)
        || !stringField(def, u"TLSServerName", &s.tlsServerName, error)
        || !boolField(def, u"TLSSkipVerify", &s.tlsSkipVerify, error)
        || !boolField(def, u"DisableRedirects", &s.disableRedirects, error)
        || !stringField(def, u"GRPC", &s.grpc, error) || !boolField(def, u"GRPCUseTLS", &s.grpcUseTls, error)
        || !stringField(def, u"H2PING", &s.h2ping, error) || !boolField(def, u"H2PingUseTLS", &s.h2pingUseTls, error)
        || !stringField(def, u"OSService", &s.osService, error)
        || !stringField(def, u"DockerContainerID", &s.dockerContainerId, error)
        || !stringField(def, u"Shell", &s.shell, error)
        || !stringField(def, u"TCP", &s.tcp, error) || !boolField(def, u"TCPUseTLS", &s.tcpUseTls, error)
        || !stringField(def, u"UDP", &s.udp, error)
        || !stringField(def, u"AliasService", &s.aliasService, error)
        || !stringField(def, u"AliasNode", &s.aliasNode, error)
        || !durationField(def, u"Interval", &s.interval, error) || !durationField(def, u"Timeout", &s.timeout, error)
        || !durationField(def, u"TTL", &s.ttl, error)
        || !durationField(def, u"DeregisterCriticalServiceAfter", &s.deregisterCriticalServiceAfter, error)
        || !intField(def, u"SuccessBeforePassing", &s.successBeforePassing, error)
        || !intField(def, u"FailuresBeforeCritical", &s.failuresBeforeCritical, error)
        || !intField(def, u"OutputMaxSize", &s.outputMaxSize, error))
        return false;
    const QJsonValue warn = api::lookup(def, u"FailuresBeforeWarning");
    if (warn.isUndefined() || warn.isNull())
        s.failuresBeforeWarning = s.failuresBeforeCritical;
    else if (!intField(def, u"FailuresBeforeWarning", &s.failuresBeforeWarning, error))
        return false;
    const QJsonValue header = api::lookup(def, u"Header");
    if (present(header)) {
        if (!header.isObject()) {
            *error = QStringLiteral("Request decode failed: field Header: expected map of string lists");
            return false;
        }
        const QJsonObject h = header.toObject();
        for (auto it = h.begin(); it != h.end(); ++it) {
            QStringList values;
            if (it.value().isString()) {
                values.append(it.value().toString());
            } else if (it.value().isArray()) {
                for (const QJsonValue &v : it.value().toArray())
                    values.append(v.toString());
            } else {
                *error = QStringLiteral("Request decode failed: field Header: expected map of string lists");
                return false;
            }
            s.header.insert(it.key(), values);
        }
    }

    const bool script = !s.args.isEmpty() || !s.script.isEmpty();
    const bool alias = !s.aliasService.isEmpty() || !s.aliasNode.isEmpty();
    const bool intervalCheck = script || !s.http.isEmpty() || !s.tcp.isEmpty() || !s.udp.isEmpty() || !s.grpc.isEmpty()
        || !s.h2ping.isEmpty() || !s.osService.isEmpty();
    if (s.interval < 0 || s.timeout < 0 || s.ttl < 0 || s.deregisterCriticalServiceAfter < 0) {
        *error = QStringLiteral("Durations must not be negative");
        return false;
    }
    if (s.interval > 0 && s.ttl > 0) {
        *error = QStringLiteral("Interval and TTL cannot both be specified");
        return false;
    }
    if (intervalCheck && s.interval <= 0) {
        *error = QStringLiteral("Interval must be > 0 for Script, HTTP, H2PING, TCP, UDP or OSService checks");
        return false;
    }
    if (intervalCheck && alias) {
        *error = QStringLiteral("Interval cannot be set for Alias checks");
        return false;
    }
    if (alias && s.ttl > 0) {
        *error = QStringLiteral("TTL must be not be set for Alias checks");
        return false;
    }
    if (!intervalCheck && !alias && s.ttl <= 0) {
        *error = QStringLiteral("TTL must be > 0 for TTL checks");
        return false;
    }
    if (s.outputMaxSize < 0) {
        *error = QStringLiteral("MaxOutputMaxSize must be positive");
        return false;
    }
    if (s.successBeforePassing < 0 || s.failuresBeforeCritical < 0 || s.failuresBeforeWarning < 0) {
        *error = QStringLiteral("Counters (success_before_passing, failures_before_warning, "
                                "failures_before_critical) must not be negative");
        return false;
    }
    // Consul's precedence (CheckType.Type) when a definition names several kinds.
    if (!s.grpc.isEmpty())
        s.kind = Kind::Grpc;
    else if (!s.http.isEmpty())
        s.kind = Kind::Http;
    else if (s.ttl > 0)
        s.kind = Kind::Ttl;
    else if (!s.tcp.isEmpty())
        s.kind = Kind::Tcp;
    else if (!s.udp.isEmpty())
        s.kind = Kind::Udp;
    else if (alias)
        s.kind = Kind::Alias;
    else if (script && !s.dockerContainerId.isEmpty())
        s.kind = Kind::Docker;
    else if (script)
        s.kind = Kind::Script;
    else if (!s.h2ping.isEmpty())
        s.kind = Kind::H2Ping;
    else if (!s.osService.isEmpty())
        s.kind = Kind::OsService;
    else
        s.kind = Kind::Ttl;
    *spec = s;
    return true;
}

} // namespace qonsul::checks

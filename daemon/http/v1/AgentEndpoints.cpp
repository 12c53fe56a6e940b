// /v1/agent/*: the local agent — identity, members, local services and checks, maintenance,
// lifecycle, metrics and the log stream.
#include "http/v1/AgentBackend.h"
#include "http/v1/Api.h"
#include "http/v1/Common.h"

#include "core/Logging.h"
#include "filter/GoStrconv_p.h"

#include <QCryptographicHash>
#include <QJsonDocument>

namespace qonsul::http::v1 {

namespace {
void reply(const ApiContext &ctx, const HttpRequest &req, const Responder &out, const AgentError &error)
{
    Q_UNUSED(ctx);
    Q_UNUSED(req);
    if (error)
        sendError(out, error.status, error.message);
    else
        sendEmpty(out);
}

QJsonObject filteredMap(const QueryOptions &opts, const QJsonObject &map)
{
    if (!opts.filter)
        return map;
    QJsonObject kept;
    for (auto it = map.begin(); it != map.end(); ++it) {
        if (opts.filter->matches(it.value()))
            kept.insert(it.key(), it.value());
    }
    return kept;
}
// ?enable of the maintenance endpoints, required and a Go bool; nullopt (the 400 sent) otherwise.
std::optional<bool> parseEnable(const HttpRequest &req, const Responder &out)
{
    if (!req.hasQuery(u"enable")) {
        sendError(out, 400, QStringLiteral("Missing value for enable"));
        return std::nullopt;
    }
    const QString raw = req.queryValue(u"enable");
    const std::optional<bool> enable = parseBool(raw);
    if (!enable)
        sendError(out, 400, QStringLiteral("Invalid value for enable: %1").arg(filter::detail::goQuote(raw)));
    return enable;
}

// ?wan of /v1/agent/members and /v1/agent/join: Consul takes any non-empty value, "false" too
// (req.URL.Query().Get("wan") != ""), and a bare ?wan as the LAN.
bool wanRequested(const HttpRequest &req)
{
    return !req.queryValue(u"wan").isEmpty();
}

// Consul's returnTextPlain: an Accept of text/plain, or ?format=text.
bool wantsText(const HttpRequest &req)
{
    if (req.header("accept").startsWith("text/plain"))
        return true;
    return req.hasQuery(u"format") && !req.queryValue(u"format").isEmpty() && req.queryValue(u"format") == u"text";
}

// One local service's health as /v1/agent/health/service/* reports it: its checks and the
// node's own checks, aggregated (maintenance > critical > warning > passing) and mapped to
// 200 (passing), 429 (warning) or 503 (critical, maintenance).
struct LocalServiceHealth
{
    int code = 200;
    QString status;
    QJsonArray checks;
};

LocalServiceHealth localServiceHealth(const QString &serviceId, const QJsonObject &localChecks)
{
    LocalServiceHealth h;
    bool passing = false, warning = false, critical = false, maintenance = false;
    for (auto it = localChecks.begin(); it != localChecks.end(); ++it) {
        const QJsonObject c = it.value().toObject();
        const QString sid = c.value(u"ServiceID").toString();
        if (!sid.isEmpty() && sid != serviceId)
            continue;
        const QString id = c.value(u"CheckID").toString();
        const QString status = c.value(u"Status").toString();
        h.checks.append(QJsonObject{{QStringLiteral("Node"), c.value(u"Node")},
                                    {QStringLiteral("CheckID"), id},
                                    {QStringLiteral("Name"), c.value(u"Name")},
                                    {QStringLiteral("Status"), status},
                                    {QStringLiteral("Notes"), c.value(u"Notes")},
                                    {QStringLiteral("Output"), c.value(u"Output")},
                                    {QStringLiteral("ServiceID"), sid},
                                    {QStringLiteral("ServiceName"), c.value(u"ServiceName")},
                                    {QStringLiteral("ServiceTags"), c.value(u"ServiceTags")},
                                    {QStringLiteral("Type"), QString()},
                                    {QStringLiteral("Interval"), QString()},
                                    {QStringLiteral("Timeout"), QString()},
                                    {QStringLiteral("ExposedPort"), 0},
                                    {QStringLiteral("Definition"), QJsonObject()},
                                    {QStringLiteral("CreateIndex"), 0},
                                    {QStringLiteral("ModifyIndex"), 0}});
        if (id == u"_node_maintenance" || id.startsWith(u"_service_maintenance:"))
            maintenance = true;
        else if (status == u"passing")
            passing = true;
        else if (status == u"warning")
            warning = true;
        else if (status == u"critical")
            critical = true;
    }
    Q_UNUSED(passing);
    h.status = maintenance ? QStringLiteral("maintenance")
        : critical         ? QStringLiteral("critical")
        : warning          ? QStringLiteral("warning")
                           : QStringLiteral("passing");
    h.code = h.status == u"passing" ? 200 : h.status == u"warning" ? 429 : 503;
    return h;
}

void sendHealth(const ApiContext &ctx, const HttpRequest &req, const Responder &out, int code, const QString &text,
                const QJsonValue &body)
{
    if (wantsText(req)) {
        out->send(HttpResponse::text(code, text));
        return;
    }
    sendJson(ctx, req, out, body, std::nullopt, code);
}
} // namespace

void Api::registerAgent()
{
    const ApiContext ctx = m_ctx;
    AgentBackend *agent = ctx.agent;
    const QStringList get{QStringLiteral("GET")};
    const QStringList put{QStringLiteral("PUT")};
    // python-consul 0.7.1 and older clients use GET for these writes; Consul accepts both.
    const QStringList getOrPut{QStringLiteral("GET"), QStringLiteral("PUT")};

    add(QStringLiteral("/v1/agent/self"), false, get,
        [ctx, agent](const HttpRequest &req, const QString &, const Responder &out) {
            sendJson(ctx, req, out, agent->self());
        });
    add(QStringLiteral("/v1/agent/version"), false, get,
        [ctx, agent](const HttpRequest &req, const QString &, const Responder &out) {
            const QJsonObject config = agent->self().value(u"Config").toObject();
            sendJson(ctx, req, out,
                     QJsonObject{{QStringLiteral("SHA"), config.value(u"Revision")},
                                 {QStringLiteral("BuildDate"), config.value(u"BuildDate")},
                                 {QStringLiteral("HumanVersion"), config.value(u"Version")},
                                 {QStringLiteral("FIPS"), QString()}});
        });
    add(QStringLiteral("/v1/agent/members"), false, get,
        [ctx, agent](const HttpRequest &req, const QString &, const Responder &out) {
            QueryOptions opts;
            if (!parseQueryOptions(ctx, req, out, &opts))
                return;
            const bool wan = wanRequested(req);
            const QString segment = req.queryValue(u"segment");
            if (wan && !segment.isEmpty() && segment != u"_all") {
                sendError(out, 400, QStringLiteral("Cannot provide a segment with wan=true"));
                return;
            }
            sendJson(ctx, req, out, filtered(opts, agent->members(wan)));
        });
    add(QStringLiteral("/v1/agent/services"), false, get,
        [ctx, agent](const HttpRequest &req, const QString &, const Responder &out) {
            QueryOptions opts;
            if (!parseQueryOptions(ctx, req, out, &opts))
                return;
            sendJson(ctx, req, out, filteredMap(opts, agent->localServices()));
        });
    add(QStringLiteral("/v1/agent/checks"), false, get,
        [ctx, agent](const HttpRequest &req, const QString &, const Responder &out) {
            QueryOptions opts;
            if (!parseQueryOptions(ctx, req, out, &opts))
                return;
            sendJson(ctx, req, out, filteredMap(opts, agent->localChecks()));
        });
    add(QStringLiteral("/v1/agent/service/"), true, get,
        [ctx, agent](const HttpRequest &req, const QString &id, const Responder &out) {
            const QJsonValue service = agent->localServices().value(id);
            if (!service.isObject()) {
                sendError(out, 404, QStringLiteral("unknown service ID: %1").arg(id));
                return;
            }
            QJsonObject o = service.toObject();
            const QByteArray hash = QCryptographicHash::hash(QJsonDocument(o).toJson(QJsonDocument::Compact),
                                                             QCryptographicHash::Sha256)
                                        .toHex()
                                        .left(16);
            o.insert(QStringLiteral("ContentHash"), QString::fromLatin1(hash));
            HttpResponse r;
            r.body = renderJson(ctx, req, o);
            r.setHeader("Content-Type", "application/json");
            r.setHeader("X-Consul-ContentHash", hash);
            out->send(std::move(r));
        });
    add(QStringLiteral("/v1/agent/health/service/id/"), true, get,
        [ctx, agent](const HttpRequest &req, const QString &id, const Responder &out) {
            if (id.isEmpty()) {
                sendError(out, 400, QStringLiteral("Missing serviceID"));
                return;
            }
            const QJsonValue service = agent->localServices().value(id);
            if (!service.isObject()) {
                const QString reason = QStringLiteral("ServiceId %1 not found").arg(id);
                sendHealth(ctx, req, out, 404, reason,
                           QJsonObject{{QStringLiteral("AggregatedStatus"), QStringLiteral("critical")},
                                       {QStringLiteral("Service"), QJsonValue()},
                                       {QStringLiteral("Checks"), QJsonValue()}});
                return;
            }
            const LocalServiceHealth h = localServiceHealth(id, agent->localChecks());
            sendHealth(ctx, req, out, h.code, h.status,
                       QJsonObject{{QStringLiteral("AggregatedStatus"), h.status},
                                   {QStringLiteral("Service"), service},
                                   {QStringLiteral("Checks"), h.checks}});
        });
    add(QStringLiteral("/v1/agent/health/service/name/"), true, get,
        [ctx, agent](const HttpRequest &req, const QString &name, const Responder &out) {
            if (name.isEmpty()) {
                sendError(out, 400, QStringLiteral("Missing service Name"));
                return;
            }
            int code = 404;
            QString status = QStringLiteral("ServiceName %1 Not Found").arg(name);
            QJsonArray result;
            const QJsonObject services = agent->localServices();
            const QJsonObject checks = agent->localChecks();
            for (auto it = services.begin(); it != services.end(); ++it) {
                const QJsonObject service = it.value().toObject();
                if (service.value(u"Service").toString() != name)
                    continue;
                const LocalServiceHealth h = localServiceHealth(it.key(), checks);
                result.append(QJsonObject{{QStringLiteral("AggregatedStatus"), h.status},
                                          {QStringLiteral("Service"), service},
                                          {QStringLiteral("Checks"), h.checks}});
                // The worst wins: passing 200 < warning 429 < critical 503.
                if (code == 404 || code < h.code) {
                    code = h.code;
                    status = h.status;
                }
            }
            sendHealth(ctx, req, out, code, status, result);
        });
    add(QStringLiteral("/v1/agent/service/register"), false, put,
        [ctx, agent](const HttpRequest &req, const QString &, const Responder &out) {
            QJsonObject body;
            if (!parseJsonObject(req, out, &body))
                return;
            reply(ctx, req, out, agent->registerService(body, queryFlag(req, u"replace-existing-checks")));
        });
    add(QStringLiteral("/v1/agent/service/deregister/"), true, getOrPut,
        [ctx, agent](const HttpRequest &req, const QString &id, const Responder &out) {
            reply(ctx, req, out, agent->deregisterService(id));
        });
    add(QStringLiteral("/v1/agent/service/maintenance/"), true, put,
        [ctx, agent](const HttpRequest &req, const QString &id, const Responder &out) {
            if (id.isEmpty()) {
                sendError(out, 400, QStringLiteral("Missing service ID"));
                return;
            }
            const std::optional<bool> enable = parseEnable(req, out);
            if (!enable)
                return;
            reply(ctx, req, out, agent->setServiceMaintenance(id, *enable, req.queryValue(u"reason")));
        });
    add(QStringLiteral("/v1/agent/maintenance"), false, put,
        [ctx, agent](const HttpRequest &req, const QString &, const Responder &out) {
            const std::optional<bool> enable = parseEnable(req, out);
            if (!enable)
                return;
            reply(ctx, req, out, agent->setNodeMaintenance(*enable, req.queryValue(u"reason")));
        });
    add(QStringLiteral("/v1/agent/check/register"), false, put,
        [ctx, agent](const HttpRequest &req, const QString &, const Responder &out) {
            QJsonObject body;
            if (!parseJsonObject(req, out, &body))
                return;
            reply(ctx, req, out, agent->registerCheck(body));
        });
    add(QStringLiteral("/v1/agent/check/deregister/"), true, getOrPut,
        [ctx, agent](const HttpRequest &req, const QString &id, const Responder &out) {
            reply(ctx, req, out, agent->deregisterCheck(id));
        });
    const QList<QPair<QString, QString>> ttlVerbs{{QStringLiteral("pass"), QStringLiteral("passing")},
                                                  {QStringLiteral("warn"), QStringLiteral("warning")},
                                                  {QStringLiteral("fail"), QStringLiteral("critical")}};
    for (const auto &[verb, status] : ttlVerbs) {
        add(QStringLiteral("/v1/agent/check/%1/").arg(verb), true, getOrPut,
            [ctx, agent, status](const HttpRequest &req, const QString &id, const Responder &out) {
                reply(ctx, req, out, agent->updateTtlCheck(id, status, req.queryValue(u"note")));
            });
    }
    add(QStringLiteral("/v1/agent/check/update/"), true, put,
        [ctx, agent](const HttpRequest &req, const QString &id, const Responder &out) {
            QJsonObject body;
            if (!parseJsonObject(req, out, &body))
                return;
            const QString status = api::lookup(body, u"Status").toString();
            if (!api::isValidStatus(status)) {
                sendError(out, 400, QStringLiteral("Invalid check status: '%1'").arg(status));
                return;
            }
            reply(ctx, req, out, agent->updateTtlCheck(id, status, api::lookup(body, u"Output").toString()));
        });
    add(QStringLiteral("/v1/agent/reload"), false, put,
        [ctx, agent](const HttpRequest &req, const QString &, const Responder &out) {
            reply(ctx, req, out, agent->reload());
        });
    add(QStringLiteral("/v1/agent/leave"), false, put,
        [agent](const HttpRequest &, const QString &, const Responder &out) {
            sendEmpty(out);
            agent->leave();
        });
    add(QStringLiteral("/v1/agent/join/"), true, getOrPut,
        [ctx, agent](const HttpRequest &req, const QString &address, const Responder &out) {
            agent->join(address, wanRequested(req),
                [ctx, req, out](const AgentError &error) { reply(ctx, req, out, error); });
        });
    add(QStringLiteral("/v1/agent/force-leave/"), true, getOrPut,
        [ctx, agent](const HttpRequest &req, const QString &node, const Responder &out) {
            // Consul takes the parameters' presence, whatever their value (?wan=false is the WAN).
            reply(ctx, req, out, agent->forceLeave(node, req.hasQuery(u"prune"), req.hasQuery(u"wan")));
        });
    add(QStringLiteral("/v1/agent/metrics"), false, get,
        [ctx, agent](const HttpRequest &req, const QString &, const Responder &out) {
            if (req.queryValue(u"format") == u"prometheus"
                || req.header("accept").contains("application/openmetrics-text")) {
                HttpResponse r;
                r.body = agent->prometheusMetrics();
                r.setHeader("Content-Type", "text/plain; version=0.0.4; charset=utf-8");
                out->send(std::move(r));
                return;
            }
            sendJson(ctx, req, out, agent->metrics());
        });
    add(QStringLiteral("/v1/agent/monitor"), false, get,
        [](const HttpRequest &req, const QString &, const Responder &out) {
            const QString levelName = req.queryValue(u"loglevel");
            const auto level = levelName.isEmpty() ? std::optional<LogLevel>(LogLevel::Info) : parseLogLevel(levelName);
            if (!level) {
                sendError(out, 400, QStringLiteral("Unknown log level: %1").arg(levelName));
                return;
            }
            out->beginStream(200, {{QByteArrayLiteral("Content-Type"), QByteArrayLiteral("text/plain")}});
            // The sink keeps the stream alive; the close hook removes the sink, and with it the stream.
            // A reader slower than the log drops lines instead of growing the agent's memory without
            // bound (Consul drops them too); the stream says how many once it catches up.
            const int sink = LogHub::addSink(*level, [out, dropped = qint64(0)](LogLevel, const QByteArray &line) mutable {
                constexpr qint64 kMonitorBacklog = 1024 * 1024;
                if (out->bufferedBytes() > kMonitorBacklog) {
                    ++dropped;
                    return;
                }
                if (dropped > 0) {
                    out->writeChunk(LogHub::format(LogLevel::Warn, "agent",
                        QStringLiteral("Monitor dropped logs during monitor request: dropped_count=%1").arg(dropped), false));
                    dropped = 0;
                }
                out->writeChunk(line);
            });
            out->setOnClosed([sink] { LogHub::removeSink(sink); });
            qCInfo(lcHttp).noquote() << "monitor: streaming logs at level" << (levelName.isEmpty() ? QStringLiteral("info") : levelName);
        });
}

} // namespace qonsul::http::v1

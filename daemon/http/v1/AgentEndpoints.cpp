// /v1/agent/*: the local agent — identity, members, local services and checks, maintenance,
// lifecycle, metrics and the log stream.
#include "http/v1/AgentBackend.h"
#include "http/v1/Api.h"
#include "http/v1/Common.h"

#include "core/Logging.h"

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
            sendJson(ctx, req, out, filtered(opts, agent->members(queryFlag(req, u"wan"))));
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
            const auto enable = parseBool(req.queryValue(u"enable"));
            if (!req.hasQuery(u"enable") || !enable) {
                sendError(out, 400, req.hasQuery(u"enable") ? QStringLiteral("Invalid value for \"enable\"")
                                                            : QStringLiteral("Missing value for enable"));
                return;
            }
            reply(ctx, req, out, agent->setServiceMaintenance(id, *enable, req.queryValue(u"reason")));
        });
    add(QStringLiteral("/v1/agent/maintenance"), false, put,
        [ctx, agent](const HttpRequest &req, const QString &, const Responder &out) {
            const auto enable = parseBool(req.queryValue(u"enable"));
            if (!req.hasQuery(u"enable") || !enable) {
                sendError(out, 400, req.hasQuery(u"enable") ? QStringLiteral("Invalid value for \"enable\"")
                                                            : QStringLiteral("Missing value for enable"));
                return;
            }
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
            reply(ctx, req, out, agent->join(address, queryFlag(req, u"wan")));
        });
    add(QStringLiteral("/v1/agent/force-leave/"), true, getOrPut,
        [ctx, agent](const HttpRequest &req, const QString &node, const Responder &out) {
            reply(ctx, req, out, agent->forceLeave(node, queryFlag(req, u"prune")));
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
            const int sink = LogHub::addSink(*level, [out](LogLevel, const QByteArray &line) { out->writeChunk(line); });
            out->setOnClosed([sink] { LogHub::removeSink(sink); });
            qCInfo(lcHttp).noquote() << "monitor: streaming logs at level" << (levelName.isEmpty() ? QStringLiteral("info") : levelName);
        });
}

} // namespace qonsul::http::v1

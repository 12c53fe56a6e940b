// /v1/query: prepared queries — create, list, read, update, delete, execute and explain.
#include "http/v1/AgentBackend.h"
#include "http/v1/Api.h"
#include "http/v1/Common.h"
#include "http/v1/QueryExecution.h"

#include "state/Command.h"
#include "state/PreparedQuery.h"

#include <QRandomGenerator>
#include <QUuid>

#include <algorithm>

namespace qonsul::http::v1 {

namespace {

const QString kQueryNotFound = QStringLiteral("Query not found");

// The freshness fields Consul's execute and explain replies carry in their bodies (its
// QueryMeta is embedded in those response structs). Neither is a blocking query: Consul's
// servers never set their Index, so the body says 0 and X-Consul-Index 1 (its floor), whichever
// datacenter answered an execution.
void addQueryMeta(const ApiContext &ctx, const QueryOptions &opts, QJsonObject *o)
{
    o->insert(QStringLiteral("Index"), 0);
    o->insert(QStringLiteral("LastContact"), 0);
    o->insert(QStringLiteral("KnownLeader"), knownLeader(ctx));
    o->insert(QStringLiteral("ConsistencyLevel"),
        opts.consistent  ? QStringLiteral("consistent")
            : opts.stale ? QStringLiteral("stale")
                         : QStringLiteral("leader"));
    o->insert(QStringLiteral("NotModified"), false);
    o->insert(QStringLiteral("Backend"), 0);
}

// Decodes and validates a create/update body; sends the error and returns false when it is bad.
bool readDefinition(const HttpRequest &req, const Responder &out, QJsonObject *definition)
{
    QJsonObject body;
    if (!parseJsonObject(req, out, &body))
        return false;
    bool decodeError = false;
    const QString error = state::preparedquery::normalise(body, definition, &decodeError);
    if (!error.isEmpty()) {
        sendError(out, decodeError ? 400 : 500, error);
        return false;
    }
    return true;
}

void write(const ApiContext &ctx, const QCborMap &command, const Responder &out, std::function<void()> done)
{
    propose(ctx, command, out, [out, done](const state::ApplyResult &r, quint64) {
        if (!r.error.isEmpty()) {
            sendError(out, 500, r.error);
            return;
        }
        done();
    });
}

// The query an execute or explain names (by ID, name or template prefix); sends Consul's error
// and returns false when there is none.
bool resolve(const ApiContext &ctx, const QString &idOrName, const Responder &out,
    std::optional<state::PreparedQuery> *query)
{
    QString error;
    ctx.store->resolvePreparedQuery(idOrName, query, &error);
    if (!error.isEmpty()) {
        sendError(out, 500, error);
        return false;
    }
    if (!*query) {
        sendError(out, 404, kQueryNotFound);
        return false;
    }
    return true;
}

} // namespace

// The datacenters a query with no healthy instance here tries, in order (Consul's
// queryFailover): the NearestN nearest other datacenters, then those Datacenters (or Targets)
// name that are known and not tried already.
QStringList failoverDatacenters(const ApiContext &ctx, const QJsonObject &failover)
{
    QStringList nearest = ctx.agent->datacenters();
    nearest.removeAll(ctx.agent->datacenter());
    QStringList out = nearest.mid(0, std::max<qsizetype>(0, failover.value(u"NearestN").toInteger()));
    QStringList listed;
    const QJsonArray targets = failover.value(u"Targets").toArray();
    for (const QJsonValue &target : targets) {
        if (!target.toObject().value(u"Datacenter").toString().isEmpty())
            listed.append(target.toObject().value(u"Datacenter").toString());
    }
    if (targets.isEmpty()) {
        for (const QJsonValue &dc : failover.value(u"Datacenters").toArray())
            listed.append(dc.toString());
    }
    for (const QString &dc : std::as_const(listed)) {
        if (nearest.contains(dc) && !out.contains(dc))
            out.append(dc);
    }
    return out;
}

// Runs the query in dcs[next], then the following ones, until one has instances; `done` gets
// the last answer that came back, with Failovers = how many datacenters were tried.
void failover(const ApiContext &ctx, const QJsonObject &definition, int limit, const QStringList &dcs, int next,
              QJsonObject body, std::function<void(QJsonObject)> done)
{
    if (next >= dcs.size()) {
        body.insert(QStringLiteral("Failovers"), int(dcs.size()));
        done(std::move(body));
        return;
    }
    const QJsonObject args{{QStringLiteral("Query"), definition}, {QStringLiteral("Limit"), limit}};
    ctx.agent->executeQueryRemote(dcs.at(next), args,
        [ctx, definition, limit, dcs, next, body, done](const QJsonObject &reply, const QString &error) mutable {
            if (error.isEmpty())
                body = reply; // Service, Nodes, DNS, Datacenter of that datacenter
            if (error.isEmpty() && !reply.value(u"Nodes").toArray().isEmpty()) {
                body.insert(QStringLiteral("Failovers"), next + 1);
                done(std::move(body));
                return;
            }
            failover(ctx, definition, limit, dcs, next + 1, std::move(body), std::move(done));
        });
}

namespace {

void execute(const ApiContext &ctx, const HttpRequest &req, const QString &idOrName, const Responder &out)
{
    QueryOptions opts;
    if (!parseQueryOptions(ctx, req, out, &opts))
        return;
    int limit = 0;
    if (req.hasQuery(u"limit")) {
        bool ok = false;
        limit = req.queryValue(u"limit").toInt(&ok);
        if (!ok || limit < 0) {
            sendError(out, 400, QStringLiteral("Invalid limit: %1").arg(req.queryValue(u"limit")));
            return;
        }
    }
    std::optional<state::PreparedQuery> query;
    if (!resolve(ctx, idOrName, out, &query))
        return;
    const QJsonObject service = query->definition.value(u"Service").toObject();
    if (service.value(u"Connect").toBool() || queryFlag(req, u"connect")) {
        sendError(out, 400, QStringLiteral("Connect-only prepared queries are not supported by this agent"));
        return;
    }
    const QString near = req.queryValue(u"near");
    QJsonObject body = executePreparedQuery(ctx, query->definition, limit,
                                            nearNode(ctx, req, near.isEmpty() ? service.value(u"Near").toString() : near));
    auto reply = [ctx, req, out, opts](QJsonObject body) {
        addQueryMeta(ctx, opts, &body);
        sendJson(ctx, req, out, body, 0);
    };
    const QStringList failovers = failoverDatacenters(ctx, service.value(u"Failover").toObject());
    if (!body.value(u"Nodes").toArray().isEmpty() || failovers.isEmpty()) {
        reply(std::move(body));
        return;
    }
    failover(ctx, query->definition, limit, failovers, 0, std::move(body), std::move(reply));
}

void explain(const ApiContext &ctx, const HttpRequest &req, const QString &idOrName, const Responder &out)
{
    QueryOptions opts;
    if (!parseQueryOptions(ctx, req, out, &opts))
        return;
    std::optional<state::PreparedQuery> query;
    if (!resolve(ctx, idOrName, out, &query))
        return;
    QJsonObject body { { QStringLiteral("Query"), state::preparedquery::toJson(*query) } };
    addQueryMeta(ctx, opts, &body);
    sendJson(ctx, req, out, body, 0);
}

} // namespace

QJsonObject executePreparedQuery(const ApiContext &ctx, const QJsonObject &definition, int limit, const QString &near)
{
    const QJsonObject service = definition.value(u"Service").toObject();
    QList<state::HealthEntry> instances;
    ctx.store->healthService(service.value(u"Service").toString(), &instances);
    QList<state::HealthEntry> nodes = state::preparedquery::filter(definition, instances);
    // Shuffled, then sorted by distance from `near` (without coordinates the order stays random),
    // the source's own instance first.
    std::shuffle(nodes.begin(), nodes.end(), *QRandomGenerator::global());
    state::sortPreparedQueryNear(&nodes, ctx.agent->nearSource(near), [](const state::HealthEntry &e) { return e.node.node; });
    if (limit > 0 && nodes.size() > limit)
        nodes.resize(limit);
    QJsonArray list;
    for (const state::HealthEntry &e : std::as_const(nodes))
        list.append(toJson(e));
    return QJsonObject { { QStringLiteral("Service"), service.value(u"Service") },
        { QStringLiteral("Nodes"), list }, { QStringLiteral("DNS"), definition.value(u"DNS") },
        { QStringLiteral("Datacenter"), ctx.agent->datacenter() }, { QStringLiteral("Failovers"), 0 } };
}

void Api::registerQuery()
{
    const ApiContext ctx = m_ctx;
    add(QStringLiteral("/v1/query"), false, { QStringLiteral("GET"), QStringLiteral("POST") },
        [ctx](const HttpRequest &req, const QString &, const Responder &out) {
            if (req.method == "GET") {
                QueryOptions opts;
                if (!parseQueryOptions(ctx, req, out, &opts))
                    return;
                blockingQuery(ctx, req, out, opts, [ctx, opts](state::WatchSet *ws, QueryReply *reply) {
                    QList<state::PreparedQuery> queries;
                    const quint64 index = ctx.store->preparedQueries(&queries, ws);
                    QJsonArray list;
                    for (const state::PreparedQuery &q : std::as_const(queries))
                        list.append(state::preparedquery::toJson(q));
                    reply->body = filtered(opts, list);
                    return index;
                });
                return;
            }
            QJsonObject definition;
            if (!checkDatacenter(ctx, req, out) || !readDefinition(req, out, &definition))
                return;
            const QString id = QUuid::createUuid().toString(QUuid::WithoutBraces);
            definition.insert(QStringLiteral("ID"), id);
            write(ctx, state::command::querySet(definition, true), out, [ctx, req, out, id] {
                sendJson(ctx, req, out, QJsonObject { { QStringLiteral("ID"), id } });
            });
        });
    add(QStringLiteral("/v1/query/"), true,
        { QStringLiteral("GET"), QStringLiteral("PUT"), QStringLiteral("DELETE") },
        [ctx](const HttpRequest &req, const QString &tail, const Responder &out) {
            for (const QLatin1StringView action :
                { QLatin1StringView("/execute"), QLatin1StringView("/explain") }) {
                if (!tail.endsWith(action))
                    continue;
                if (req.method != "GET") {
                    HttpResponse r = HttpResponse::text(
                        405, QStringLiteral("method %1 not allowed").arg(QString::fromLatin1(req.method)));
                    r.setHeader("Allow", "OPTIONS,GET");
                    out->send(std::move(r));
                    return;
                }
                const QString idOrName = tail.chopped(action.size());
                if (action == QLatin1StringView("/execute"))
                    execute(ctx, req, idOrName, out);
                else
                    explain(ctx, req, idOrName, out);
                return;
            }
            if (req.method == "GET") {
                QueryOptions opts;
                if (!parseQueryOptions(ctx, req, out, &opts))
                    return;
                blockingQuery(ctx, req, out, opts, [ctx, tail](state::WatchSet *ws, QueryReply *reply) {
                    std::optional<state::PreparedQuery> query;
                    const quint64 index = ctx.store->preparedQuery(tail, &query, ws);
                    if (query) {
                        reply->body = QJsonArray { state::preparedquery::toJson(*query) };
                    } else {
                        reply->status = 404;
                        reply->raw = kQueryNotFound.toUtf8();
                        reply->rawContentType = "text/plain; charset=utf-8";
                    }
                    return index;
                });
                return;
            }
            if (!checkDatacenter(ctx, req, out))
                return;
            if (req.method == "DELETE") {
                write(ctx, state::command::queryDelete(tail), out, [out] { sendEmpty(out); });
                return;
            }
            QJsonObject definition;
            if (!readDefinition(req, out, &definition))
                return;
            definition.insert(QStringLiteral("ID"), tail);
            write(ctx, state::command::querySet(definition, false), out, [out] { sendEmpty(out); });
        });
}

} // namespace qonsul::http::v1

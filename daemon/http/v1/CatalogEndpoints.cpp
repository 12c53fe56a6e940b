// /v1/catalog/*: register, deregister, datacenters, nodes, services, service/<name>,
// node/<node>, node-services/<node>.
#include "http/v1/AgentBackend.h"
#include "http/v1/Api.h"
#include "http/v1/Common.h"

#include "core/Clock.h"
#include "state/Command.h"
#include "state/StateStore.h"

namespace qonsul::http::v1 {

namespace {

// ?node-meta=k:v (repeatable): every pair must match.
bool nodeMetaMatches(const HttpRequest &req, const api::Node &node)
{
    for (const QString &pair : req.queryValues(u"node-meta")) {
        const qsizetype colon = pair.indexOf(u':');
        const QString key = colon < 0 ? pair : pair.left(colon);
        const QString value = colon < 0 ? QString() : pair.mid(colon + 1);
        if (!node.meta.contains(key) || node.meta.value(key) != value)
            return false;
    }
    return true;
}

// ?tag=a&tag=b: the service must carry every tag.
bool tagsMatch(const HttpRequest &req, const api::Service &s)
{
    for (const QString &tag : req.queryValues(u"tag")) {
        if (!s.tags.contains(tag, Qt::CaseInsensitive))
            return false;
    }
    return true;
}

using Read = std::function<quint64(const HttpRequest &, const QString &, state::WatchSet *, QueryReply *,
                                   const QueryOptions &)>;

RouteHandler blockingRead(const ApiContext &ctx, const QString &missingName, Read read)
{
    return [ctx, missingName, read](const HttpRequest &req, const QString &tail, const Responder &out) {
        QueryOptions opts;
        if (!parseQueryOptions(ctx, req, out, &opts))
            return;
        if (!missingName.isEmpty() && tail.isEmpty()) {
            sendError(out, 400, missingName);
            return;
        }
        blockingQuery(ctx, req, out, opts, [req, tail, read, opts](state::WatchSet *ws, QueryReply *reply) {
            return read(req, tail, ws, reply, opts);
        });
    };
}

} // namespace

void Api::registerCatalog()
{
    const ApiContext ctx = m_ctx;
    const QStringList get{QStringLiteral("GET")};
    const QStringList put{QStringLiteral("PUT")};

    add(QStringLiteral("/v1/catalog/register"), false, put,
        [ctx](const HttpRequest &req, const QString &, const Responder &out) {
            QJsonObject body;
            if (!checkDatacenter(ctx, req, out) || !parseJsonObject(req, out, &body))
                return;
            state::Registration decoded;
            QString error;
            if (!state::decodeRegistration(body, &decoded, &error)) {
                sendError(out, 400, error);
                return;
            }
            propose(ctx, state::command::registerNode(body, ctx.clock->wallMs()), out,
                    [ctx, req, out](const state::ApplyResult &r, quint64) {
                        // What Catalog.Register and the state store refuse (a missing node or
                        // address, a node ID conflict, ...) is a plain RPC error: a 500 in Consul.
                        if (!r.error.isEmpty())
                            sendError(out, 500, r.error);
                        else
                            sendJson(ctx, req, out, true);
                    });
        });
    add(QStringLiteral("/v1/catalog/deregister"), false, put,
        [ctx](const HttpRequest &req, const QString &, const Responder &out) {
            QJsonObject body;
            if (!checkDatacenter(ctx, req, out) || !parseJsonObject(req, out, &body))
                return;
            const auto cmd = state::command::deregister(api::lookup(body, u"Node").toString(),
                                                        api::lookup(body, u"ServiceID").toString(),
                                                        api::lookup(body, u"CheckID").toString(), ctx.clock->wallMs());
            propose(ctx, cmd, out, [ctx, req, out](const state::ApplyResult &r, quint64) {
                if (!r.error.isEmpty())
                    sendError(out, 400, r.error);
                else
                    sendJson(ctx, req, out, true);
            });
        });
    add(QStringLiteral("/v1/catalog/datacenters"), false, get,
        [ctx](const HttpRequest &req, const QString &, const Responder &out) {
            sendJson(ctx, req, out, QJsonArray::fromStringList(ctx.agent->datacenters()));
        });
    add(QStringLiteral("/v1/catalog/nodes"), false, get,
        blockingRead(ctx, {}, [ctx](const HttpRequest &req, const QString &, state::WatchSet *ws, QueryReply *reply,
                                    const QueryOptions &opts) {
            QList<api::Node> nodes;
            const quint64 index = ctx.store->nodes(&nodes, ws);
            QJsonArray array;
            for (const api::Node &n : std::as_const(nodes)) {
                if (nodeMetaMatches(req, n))
                    array.append(api::toJson(n));
            }
            reply->body = sortedNear(ctx, nearNode(ctx, req, req.queryValue(u"near")), filtered(opts, array));
            return index;
        }));
    add(QStringLiteral("/v1/catalog/services"), false, get,
        blockingRead(ctx, {}, [ctx](const HttpRequest &req, const QString &, state::WatchSet *ws, QueryReply *reply,
                                    const QueryOptions &) {
            QMap<QString, QStringList> services;
            quint64 index;
            if (req.hasQuery(u"node-meta")) {
                // Only services on nodes whose meta matches.
                QList<api::Node> nodes;
                index = std::max(ctx.store->nodes(&nodes, ws), ctx.store->services(&services, ws));
                services.clear();
                for (const api::Node &n : std::as_const(nodes)) {
                    if (!nodeMetaMatches(req, n))
                        continue;
                    QList<api::Service> list;
                    std::optional<api::Node> ignored;
                    ctx.store->node(n.node, &ignored, &list, ws);
                    for (const api::Service &s : std::as_const(list)) {
                        QStringList &tags = services[s.service];
                        for (const QString &t : s.tags) {
                            if (!tags.contains(t))
                                tags.append(t);
                        }
                    }
                }
            } else {
                index = ctx.store->services(&services, ws);
            }
            QJsonObject o;
            for (auto it = services.begin(); it != services.end(); ++it)
                o.insert(it.key(), QJsonArray::fromStringList(it.value()));
            reply->body = o;
            return index;
        }));
    add(QStringLiteral("/v1/catalog/service/"), true, get,
        blockingRead(ctx, QStringLiteral("Missing service name"),
                     [ctx](const HttpRequest &req, const QString &name, state::WatchSet *ws, QueryReply *reply,
                           const QueryOptions &opts) {
                         QList<state::ServiceInstance> instances;
                         const quint64 index = ctx.store->serviceNodes(name, &instances, ws);
                         QJsonArray array;
                         for (const state::ServiceInstance &i : std::as_const(instances)) {
                             if (tagsMatch(req, i.service) && nodeMetaMatches(req, i.node))
                                 array.append(api::catalogServiceJson(i.node, i.service));
                         }
                         reply->body = sortedNear(ctx, nearNode(ctx, req, req.queryValue(u"near")), filtered(opts, array));
                         return index;
                     }));
    add(QStringLiteral("/v1/catalog/node/"), true, get,
        blockingRead(ctx, QStringLiteral("Missing node name"),
                     [ctx](const HttpRequest &, const QString &name, state::WatchSet *ws, QueryReply *reply,
                           const QueryOptions &opts) {
                         std::optional<api::Node> node;
                         QList<api::Service> services;
                         const quint64 index = ctx.store->node(name, &node, &services, ws);
                         if (!node) {
                             reply->body = QJsonValue(QJsonValue::Null);
                             return index;
                         }
                         QJsonObject map;
                         for (const api::Service &s : std::as_const(services)) {
                             const QJsonObject json = api::toJson(s);
                             if (!opts.filter || opts.filter->matches(json))
                                 map.insert(s.id, json);
                         }
                         reply->body = QJsonObject{{QStringLiteral("Node"), api::toJson(*node)},
                                                   {QStringLiteral("Services"), map}};
                         return index;
                     }));
    add(QStringLiteral("/v1/catalog/node-services/"), true, get,
        blockingRead(ctx, QStringLiteral("Missing node name"),
                     [ctx](const HttpRequest &, const QString &name, state::WatchSet *ws, QueryReply *reply,
                           const QueryOptions &opts) {
                         std::optional<api::Node> node;
                         QList<api::Service> services;
                         const quint64 index = ctx.store->node(name, &node, &services, ws);
                         if (!node) {
                             reply->status = 404;
                             reply->rawContentType = "text/plain; charset=utf-8";
                             reply->raw = QStringLiteral("Node not found").toUtf8();
                             return index;
                         }
                         QJsonArray list;
                         for (const api::Service &s : std::as_const(services))
                             list.append(api::toJson(s));
                         reply->body = QJsonObject{{QStringLiteral("Node"), api::toJson(*node)},
                                                   {QStringLiteral("Services"), filtered(opts, list)}};
                         return index;
                     }));
}

} // namespace qonsul::http::v1

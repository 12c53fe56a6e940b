// /v1/coordinate/*: network coordinates. nodes and node/<n> are the LAN coordinates agents
// report and servers store through Raft (blocking queries on the coordinates table, as Consul's);
// datacenters is the WAN pool's view of the servers; update queues a report for the server's
// next batched Raft write (state/CoordinateBatcher), as Consul's Coordinate.Update does.
#include "http/v1/AgentBackend.h"
#include "http/v1/Api.h"
#include "http/v1/Common.h"

#include "api/Types.h"
#include "config/AgentConfig.h"
#include "state/CoordinateBatcher.h"

#include <cmath>

namespace qonsul::http::v1 {

namespace {

// The dimensionality of Consul's (and our) Vivaldi coordinates; others are "incompatible".
constexpr qsizetype kDimensions = 8;

// Consul's ?segment=: only the coordinates of that segment ("" is the default one).
QJsonArray inSegment(const HttpRequest &req, const QJsonArray &coordinates)
{
    if (!req.hasQuery(u"segment"))
        return coordinates;
    const QString segment = req.queryValue(u"segment");
    QJsonArray out;
    for (const QJsonValue &c : coordinates) {
        if (c.toObject().value(u"Segment").toString() == segment)
            out.append(c);
    }
    return out;
}

// disable_coordinates: Consul answers every coordinate endpoint with 401.
bool coordinatesDisabled(const ApiContext &ctx, const Responder &out)
{
    if (!ctx.config || !ctx.config->disableCoordinates)
        return false;
    sendError(out, 401, QStringLiteral("Coordinate support disabled"));
    return true;
}

// The body's Coord in canonical form; *error says why not: a decode error (a field of the wrong
// type, 400) or Consul's "invalid coordinate" / "incompatible coordinate" (500, as its RPC
// errors are answered).
std::optional<QJsonObject> parseCoord(const QJsonValue &value, QString *error, int *status)
{
    *status = 500;
    if (!value.isObject()) {
        *error = QStringLiteral("invalid coordinate");
        return std::nullopt;
    }
    const QJsonObject o = value.toObject();
    QJsonObject coord;
    for (const char *name : {"Adjustment", "Error", "Height"}) {
        const QJsonValue v = api::lookup(o, QString::fromLatin1(name));
        if (!v.isUndefined() && !v.isNull() && !v.isDouble()) {
            *status = 400;
            *error = QStringLiteral("Request decode failed: Coord.%1 is not a number").arg(QLatin1String(name));
            return std::nullopt;
        }
        coord.insert(QLatin1String(name), v.toDouble());
    }
    const QJsonValue vecValue = api::lookup(o, u"Vec");
    if (!vecValue.isUndefined() && !vecValue.isNull() && !vecValue.isArray()) {
        *status = 400;
        *error = QStringLiteral("Request decode failed: Coord.Vec is not an array of numbers");
        return std::nullopt;
    }
    QJsonArray vec;
    for (const QJsonValue &v : vecValue.toArray()) {
        if (!v.isDouble()) {
            *status = 400;
            *error = QStringLiteral("Request decode failed: Coord.Vec is not an array of numbers");
            return std::nullopt;
        }
        vec.append(v);
    }
    for (const QJsonValue &v : coord) {
        if (!std::isfinite(v.toDouble())) {
            *error = QStringLiteral("invalid coordinate");
            return std::nullopt;
        }
    }
    if (vec.size() != kDimensions) {
        *error = QStringLiteral("incompatible coordinate");
        return std::nullopt;
    }
    coord.insert(QStringLiteral("Vec"), vec);
    return coord;
}

} // namespace

void Api::registerCoordinate()
{
    const ApiContext ctx = m_ctx;
    AgentBackend *agent = ctx.agent;
    const QStringList get{QStringLiteral("GET")};
    add(QStringLiteral("/v1/coordinate/datacenters"), false, get,
        [ctx, agent](const HttpRequest &req, const QString &, const Responder &out) {
            if (coordinatesDisabled(ctx, out))
                return;
            QJsonArray servers = agent->wanCoordinates();
            const QJsonObject area{{QStringLiteral("Datacenter"), ctx.config->datacenter},
                                   {QStringLiteral("AreaID"), QStringLiteral("wan")},
                                   {QStringLiteral("Coordinates"), servers}};
            sendJson(ctx, req, out, servers.isEmpty() ? QJsonArray{} : QJsonArray{area});
        });
    add(QStringLiteral("/v1/coordinate/nodes"), false, get,
        [ctx](const HttpRequest &req, const QString &, const Responder &out) {
            QueryOptions opts;
            if (coordinatesDisabled(ctx, out) || !parseQueryOptions(ctx, req, out, &opts))
                return;
            blockingQuery(ctx, req, out, opts, [ctx, req](state::WatchSet *ws, QueryReply *reply) {
                QJsonArray all;
                const quint64 index = ctx.store->coordinates(&all, ws);
                reply->body = inSegment(req, all);
                return index;
            });
        });
    // 404 (with the index headers) when the node has no coordinate, as Consul answers.
    add(QStringLiteral("/v1/coordinate/node/"), true, get,
        [ctx](const HttpRequest &req, const QString &node, const Responder &out) {
            QueryOptions opts;
            if (coordinatesDisabled(ctx, out) || !parseQueryOptions(ctx, req, out, &opts))
                return;
            blockingQuery(ctx, req, out, opts, [ctx, req, node](state::WatchSet *ws, QueryReply *reply) {
                QJsonArray found;
                const quint64 index = ctx.store->coordinate(node, &found, ws);
                found = inSegment(req, found);
                if (found.isEmpty())
                    reply->status = 404;
                else
                    reply->body = found;
                return index;
            });
        });
    // {"Node", "Segment", "Coord"}: validated here, then written by the server's next batch (a
    // node the catalog does not know is dropped there, as in Consul); 200 with no body at once.
    add(QStringLiteral("/v1/coordinate/update"), false, {QStringLiteral("PUT")},
        [ctx](const HttpRequest &req, const QString &, const Responder &out) {
            QJsonObject body;
            if (coordinatesDisabled(ctx, out) || !checkDatacenter(ctx, req, out) || !parseJsonObject(req, out, &body))
                return;
            QString error;
            int status = 0;
            const auto coord = parseCoord(api::lookup(body, u"Coord"), &error, &status);
            if (!coord) {
                sendError(out, status, error);
                return;
            }
            ctx.coordinateBatcher->queue(QJsonObject{{QStringLiteral("Node"), api::lookup(body, u"Node").toString()},
                                                     {QStringLiteral("Segment"), api::lookup(body, u"Segment").toString()},
                                                     {QStringLiteral("Coord"), *coord}});
            sendEmpty(out);
        });
}

} // namespace qonsul::http::v1

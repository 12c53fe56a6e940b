// /v1/coordinate/*: the Vivaldi network coordinates the gossip pools compute from probe round
// trips — the LAN pool's members (nodes, node/<n>) and the WAN pool's servers (datacenters) —
// and the ones nodes report through Raft (update; agents send their own, as Consul's do).
#include "http/v1/AgentBackend.h"
#include "http/v1/Api.h"
#include "http/v1/Common.h"

#include "api/Types.h"
#include "config/AgentConfig.h"
#include "state/Command.h"

#include <cmath>
#include <map>

namespace qonsul::http::v1 {

namespace {

// The dimensionality of Consul's (and our) Vivaldi coordinates; others are "incompatible".
constexpr qsizetype kDimensions = 8;

// LAN coordinates: those stored through Raft, and for nodes without one the gossip pool's view
// of its members (which a server agent has before the first update arrives), by node name.
QJsonArray lanCoordinates(const ApiContext &ctx)
{
    QJsonArray stored;
    ctx.store->coordinates(&stored);
    std::multimap<QString, QJsonValue> byNode; // keeps insertion (segment) order per node
    for (const QJsonValue &c : std::as_const(stored))
        byNode.emplace(c.toObject().value(u"Node").toString(), c);
    for (const QJsonValue &c : ctx.agent->coordinates(false)) {
        const QString node = c.toObject().value(u"Node").toString();
        if (byNode.count(node) == 0)
            byNode.emplace(node, c);
    }
    QJsonArray out;
    for (const auto &[node, c] : byNode)
        out.append(c);
    return out;
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
            QJsonArray servers = agent->coordinates(true);
            const QJsonObject area{{QStringLiteral("Datacenter"), ctx.config->datacenter},
                                   {QStringLiteral("AreaID"), QStringLiteral("wan")},
                                   {QStringLiteral("Coordinates"), servers}};
            sendJson(ctx, req, out, servers.isEmpty() ? QJsonArray{} : QJsonArray{area});
        });
    add(QStringLiteral("/v1/coordinate/nodes"), false, get,
        [ctx, agent](const HttpRequest &req, const QString &, const Responder &out) {
            if (!checkDatacenter(ctx, req, out))
                return;
            sendJson(ctx, req, out, lanCoordinates(ctx));
        });
    add(QStringLiteral("/v1/coordinate/node/"), true, get,
        [ctx](const HttpRequest &req, const QString &node, const Responder &out) {
            if (!checkDatacenter(ctx, req, out))
                return;
            QJsonArray found;
            for (const QJsonValue &c : lanCoordinates(ctx)) {
                if (c.toObject().value(u"Node").toString() == node)
                    found.append(c);
            }
            if (found.isEmpty()) {
                sendError(out, 404, QString());
                return;
            }
            sendJson(ctx, req, out, found);
        });
    // {"Node", "Segment", "Coord"}: stored through Raft (Consul batches these every few seconds;
    // here each is its own entry). A node the catalog does not know is dropped there, as in
    // Consul; success is 200 with no body.
    add(QStringLiteral("/v1/coordinate/update"), false, {QStringLiteral("PUT")},
        [ctx](const HttpRequest &req, const QString &, const Responder &out) {
            QJsonObject body;
            if (!checkDatacenter(ctx, req, out) || !parseJsonObject(req, out, &body))
                return;
            QString error;
            int status = 0;
            const auto coord = parseCoord(api::lookup(body, u"Coord"), &error, &status);
            if (!coord) {
                sendError(out, status, error);
                return;
            }
            const QJsonObject update{{QStringLiteral("Node"), api::lookup(body, u"Node").toString()},
                                     {QStringLiteral("Segment"), api::lookup(body, u"Segment").toString()},
                                     {QStringLiteral("Coord"), *coord}};
            propose(ctx, state::command::coordinateBatch({update}), out,
                    [out](const state::ApplyResult &r, quint64) {
                        if (!r.error.isEmpty())
                            sendError(out, 500, r.error);
                        else
                            sendEmpty(out);
                    });
        });
}

} // namespace qonsul::http::v1

// /v1/coordinate/*: the Vivaldi network coordinates the gossip pools compute from probe round
// trips — the LAN pool's members (nodes, node/<n>) and the WAN pool's servers (datacenters).
#include "http/v1/AgentBackend.h"
#include "http/v1/Api.h"
#include "http/v1/Common.h"

#include "config/AgentConfig.h"

namespace qonsul::http::v1 {

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
            sendJson(ctx, req, out, agent->coordinates(false));
        });
    add(QStringLiteral("/v1/coordinate/node/"), true, get,
        [ctx, agent](const HttpRequest &req, const QString &node, const Responder &out) {
            if (!checkDatacenter(ctx, req, out))
                return;
            QJsonArray found;
            for (const QJsonValue &c : agent->coordinates(false)) {
                if (c.toObject().value(u"Node").toString() == node)
                    found.append(c);
            }
            if (found.isEmpty()) {
                sendError(out, 404, QString());
                return;
            }
            sendJson(ctx, req, out, found);
        });
}

} // namespace qonsul::http::v1

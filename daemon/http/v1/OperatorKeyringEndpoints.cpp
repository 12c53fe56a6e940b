// /v1/operator/keyring: the gossip encryption keys — list (GET), install (POST), make primary
// (PUT) and remove (DELETE), on every member of the agent's pools.
#include "http/v1/AgentBackend.h"
#include "http/v1/Api.h"
#include "http/v1/Common.h"

namespace qonsul::http::v1 {

namespace {
// Consul's relay-factor: 0-5 (replies relayed through that many members; ours are not).
bool validRelayFactor(const HttpRequest &req, const Responder &out)
{
    const QString text = req.queryValue(u"relay-factor");
    if (text.isEmpty())
        return true;
    bool ok = false;
    const int factor = text.toInt(&ok);
    if (ok && factor >= 0 && factor <= 5)
        return true;
    sendError(out, 400, QStringLiteral("Error parsing relay factor: Relay factor must be in range: [0, 5]"));
    return false;
}
} // namespace

void Api::registerOperatorKeyring()
{
    const ApiContext ctx = m_ctx;
    AgentBackend *agent = ctx.agent;
    add(QStringLiteral("/v1/operator/keyring"), false,
        {QStringLiteral("GET"), QStringLiteral("POST"), QStringLiteral("PUT"), QStringLiteral("DELETE")},
        [ctx, agent](const HttpRequest &req, const QString &, const Responder &out) {
            if (!validRelayFactor(req, out))
                return;
            if (req.method == "GET") {
                sendJson(ctx, req, out, agent->keyringList());
                return;
            }
            QJsonValue body;
            if (!parseJsonBody(req, out, &body))
                return;
            const QString key = body.toObject().value(u"Key").toString();
            if (key.isEmpty()) {
                sendError(out, 400, QStringLiteral("Request decode failed: missing Key"));
                return;
            }
            const QString op = req.method == "POST" ? QStringLiteral("install")
                : req.method == "PUT"                ? QStringLiteral("use")
                                                     : QStringLiteral("remove");
            const AgentError error = agent->keyringOperation(op, key);
            if (error)
                sendError(out, error.status, error.message);
            else
                sendEmpty(out);
        });
}

} // namespace qonsul::http::v1

// /v1/status/*, /v1/event/*.
#include "http/v1/AgentBackend.h"
#include "http/v1/Api.h"
#include "http/v1/Common.h"
#include "http/v1/RaftBackend.h"

#include "state/Committer.h"


#include <QRegularExpression>
#include <QUuid>

namespace qonsul::http::v1 {

namespace {
// Consul's event index: the newest event's UUID folded to 64 bits.
quint64 eventIndex(const QJsonArray &events)
{
    if (events.isEmpty())
        return 0;
    const QUuid id(events.last().toObject().value(u"ID").toString());
    const QByteArray raw = id.toRfc4122();
    quint64 lo = 0, hi = 0;
    for (int i = 0; i < 8; ++i) {
        hi = (hi << 8) | quint8(raw[i]);
        lo = (lo << 8) | quint8(raw[i + 8]);
    }
    return lo ^ hi;
}

bool validRegex(const QString &pattern, const Responder &out)
{
    if (pattern.isEmpty() || QRegularExpression(pattern).isValid())
        return true;
    sendError(out, 400, QStringLiteral("Invalid regular expression: %1").arg(pattern));
    return false;
}
} // namespace

void Api::registerMisc()
{
    const ApiContext ctx = m_ctx;
    AgentBackend *agent = ctx.agent;
    const QStringList get{QStringLiteral("GET")};

    add(QStringLiteral("/v1/status/leader"), false, get,
        [ctx](const HttpRequest &req, const QString &, const Responder &out) {
            if (checkDatacenter(ctx, req, out))
                sendJson(ctx, req, out, ctx.committer->leaderAddress());
        });
    add(QStringLiteral("/v1/status/peers"), false, get,
        [ctx](const HttpRequest &req, const QString &, const Responder &out) {
            if (!checkDatacenter(ctx, req, out))
                return;
            QJsonArray peers;
            if (ctx.raft) {
                for (const RaftBackend::Server &s : ctx.raft->raftServers()) {
                    if (s.voter)
                        peers.append(s.address);
                }
            } else if (const QString leader = ctx.committer->leaderAddress(); !leader.isEmpty()) {
                peers.append(leader);
            }
            sendJson(ctx, req, out, peers);
        });
    add(QStringLiteral("/v1/event/fire/"), true, {QStringLiteral("PUT")},
        [ctx, agent](const HttpRequest &req, const QString &name, const Responder &out) {
            if (!checkDatacenter(ctx, req, out))
                return;
            if (name.isEmpty()) {
                sendError(out, 400, QStringLiteral("Missing name"));
                return;
            }
            if (name.startsWith(u'_')) {
                sendError(out, 403, QStringLiteral("Permission denied: event names beginning with '_' are reserved"));
                return;
            }
            const QString node = req.queryValue(u"node"), service = req.queryValue(u"service"),
                          tag = req.queryValue(u"tag");
            if (!validRegex(node, out) || !validRegex(service, out) || !validRegex(tag, out))
                return;
            if (!tag.isEmpty() && service.isEmpty()) {
                sendError(out, 400, QStringLiteral("Cannot provide tag filter without service filter."));
                return;
            }
            AgentError error;
            const QJsonObject event = agent->fireEvent(name, req.body, node, service, tag, &error);
            if (error)
                sendError(out, error.status, error.message);
            else
                sendJson(ctx, req, out, event);
        });
    add(QStringLiteral("/v1/event/list"), false, get,
        [ctx, agent](const HttpRequest &req, const QString &, const Responder &out) {
            QueryOptions opts;
            if (!parseQueryOptions(ctx, req, out, &opts))
                return;
            opts.indexIsHash = true;
            const QString name = req.queryValue(u"name");
            blockingQuery(
                ctx, req, out, opts,
                [agent, name, opts](state::WatchSet *ws, QueryReply *reply) {
                    if (ws)
                        ws->addTable(u"events");
                    QJsonArray events;
                    for (const QJsonValue &e : agent->events()) {
                        if (name.isEmpty() || e.toObject().value(u"Name").toString() == name)
                            events.append(e);
                    }
                    reply->body = filtered(opts, events);
                    return eventIndex(events);
                },
                &agent->eventWatches());
        });
}

} // namespace qonsul::http::v1

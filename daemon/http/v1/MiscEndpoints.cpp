// /v1/status/*, /v1/event/*, /v1/operator/autopilot/health.
#include "http/v1/AgentBackend.h"
#include "http/v1/Api.h"
#include "http/v1/Common.h"
#include "http/v1/RaftBackend.h"

#include "config/AgentConfig.h"
#include "core/Duration.h"
#include "core/Version.h"
#include "state/Committer.h"

#include <QDateTime>

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
    // Autopilot's view of server health: from Raft on servers (the leader knows every server's
    // log and last contact), one healthy voter on a dev agent.
    add(QStringLiteral("/v1/operator/autopilot/health"), false, get,
        [ctx, agent](const HttpRequest &req, const QString &, const Responder &out) {
            if (!checkDatacenter(ctx, req, out))
                return;
            static const QString stableSince = QDateTime::currentDateTimeUtc().toString(Qt::ISODateWithMs);
            QList<RaftBackend::Server> servers;
            if (ctx.raft) {
                servers = ctx.raft->raftServers();
            } else {
                RaftBackend::Server self{agent->nodeId(), agent->nodeName(), ctx.committer->leaderAddress(),
                                         ctx.committer->isLeader(), true, ctx.store->lastIndex()};
                self.lastTerm = 1;
                self.lastContactMs = 0;
                self.serfStatus = QStringLiteral("alive");
                servers.append(self);
            }
            const Nanoseconds threshold = ctx.config ? ctx.config->autopilot.lastContactThreshold : 200 * kMillisecond;
            const quint64 maxTrailing = quint64(ctx.config ? ctx.config->autopilot.maxTrailingLogs : 250);
            quint64 leaderIndex = 0;
            for (const RaftBackend::Server &s : std::as_const(servers)) {
                if (s.leader)
                    leaderIndex = s.lastIndex;
            }
            QJsonArray list;
            int voters = 0, healthyVoters = 0;
            bool allHealthy = true;
            for (const RaftBackend::Server &s : std::as_const(servers)) {
                const bool contact = s.leader || (s.lastContactMs >= 0 && s.lastContactMs * kMillisecond <= threshold);
                const bool healthy = s.serfStatus == u"alive" && contact && leaderIndex <= s.lastIndex + maxTrailing;
                allHealthy = allHealthy && healthy;
                voters += s.voter;
                healthyVoters += s.voter && healthy;
                list.append(QJsonObject{{QStringLiteral("ID"), s.id},
                                        {QStringLiteral("Name"), s.node},
                                        {QStringLiteral("Address"), s.address},
                                        {QStringLiteral("SerfStatus"), s.serfStatus},
                                        {QStringLiteral("Version"), consulCompatVersion()},
                                        {QStringLiteral("Leader"), s.leader},
                                        {QStringLiteral("LastContact"),
                                         s.lastContactMs < 0 ? QStringLiteral("-1ns") : formatDuration(s.lastContactMs * kMillisecond)},
                                        {QStringLiteral("LastTerm"), double(s.lastTerm)},
                                        {QStringLiteral("LastIndex"), double(s.lastIndex)},
                                        {QStringLiteral("Healthy"), healthy},
                                        {QStringLiteral("Voter"), s.voter},
                                        {QStringLiteral("StableSince"), stableSince}});
            }
            sendJson(ctx, req, out,
                     QJsonObject{{QStringLiteral("Healthy"), allHealthy},
                                 {QStringLiteral("FailureTolerance"), std::max(0, healthyVoters - (voters / 2 + 1))},
                                 {QStringLiteral("Servers"), list}});
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

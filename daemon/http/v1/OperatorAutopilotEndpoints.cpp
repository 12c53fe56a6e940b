// /v1/operator/autopilot/*: the configuration (kept in Raft, replaced whole, with check-and-set)
// and autopilot's view of server health.
#include "http/v1/AgentBackend.h"
#include "http/v1/Api.h"
#include "http/v1/Common.h"
#include "http/v1/RaftBackend.h"

#include "config/Autopilot.h"
#include "core/Duration.h"
#include "core/Version.h"
#include "state/Command.h"
#include "state/Committer.h"
#include "state/StateStore.h"

#include <QDateTime>

namespace qonsul::http::v1 {

namespace {
config::AutopilotConfig effective(const ApiContext &ctx)
{
    QJsonObject stored;
    ctx.store->autopilotConfiguration(&stored);
    return config::effectiveAutopilot(stored, ctx.config ? ctx.config->autopilot : config::AutopilotConfig{});
}
} // namespace

void Api::registerOperatorAutopilot()
{
    const ApiContext ctx = m_ctx;
    AgentBackend *agent = ctx.agent;
    const QStringList get{QStringLiteral("GET")};

    add(QStringLiteral("/v1/operator/autopilot/configuration"), false, {QStringLiteral("GET"), QStringLiteral("PUT")},
        [ctx](const HttpRequest &req, const QString &, const Responder &out) {
            if (!checkDatacenter(ctx, req, out))
                return;
            if (req.method == "GET") {
                QJsonObject stored;
                ctx.store->autopilotConfiguration(&stored);
                if (stored.isEmpty()) {
                    // Until an operator sets one, the servers' own settings, at index 0: a
                    // check-and-set with cas=0 succeeds only while none is stored.
                    stored = config::autopilotToJson(effective(ctx));
                    stored.insert(QStringLiteral("CreateIndex"), 0);
                    stored.insert(QStringLiteral("ModifyIndex"), 0);
                }
                sendJson(ctx, req, out, stored);
                return;
            }
            QJsonObject body;
            if (!parseJsonObject(req, out, &body))
                return;
            QString error;
            const std::optional<config::AutopilotConfig> parsed = config::autopilotFromJson(body, &error);
            if (!parsed) {
                sendError(out, 400, QStringLiteral("Error parsing autopilot config: %1").arg(error));
                return;
            }
            std::optional<quint64> cas;
            if (req.hasQuery(u"cas")) {
                bool ok = false;
                cas = req.queryValue(u"cas").toULongLong(&ok);
                if (!ok) {
                    sendError(out, 400, QStringLiteral("Error parsing cas value: %1").arg(req.queryValue(u"cas")));
                    return;
                }
            }
            propose(ctx, state::command::autopilotSet(config::autopilotToJson(*parsed), cas), out,
                    [ctx, req, out, cas](const state::ApplyResult &result, quint64) {
                        if (!result.error.isEmpty())
                            sendError(out, 500, result.error);
                        else
                            sendJson(ctx, req, out, cas ? result.value.toBool() : true); // as Consul does
                    });
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
            const config::AutopilotConfig autopilot = effective(ctx);
            const Nanoseconds threshold = autopilot.lastContactThreshold;
            const quint64 maxTrailing = quint64(autopilot.maxTrailingLogs);
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
                                 {QStringLiteral("Servers"), list}},
                     std::nullopt, allHealthy ? 200 : 429); // Consul's status for an unhealthy cluster
        });
}

} // namespace qonsul::http::v1

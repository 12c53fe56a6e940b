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

// What /health and /state show: the servers as the leader judges them (ServerNode), with
// FailureTolerance = healthy voters beyond a quorum.
struct AutopilotView
{
    QList<RaftBackend::Server> servers;
    bool healthy = true;
    int failureTolerance = 0;
};

AutopilotView autopilotView(const ApiContext &ctx, AgentBackend *agent)
{
    static const qint64 started = QDateTime::currentMSecsSinceEpoch(); // a dev agent's StableSince
    AutopilotView view;
    if (ctx.raft) {
        view.servers = ctx.raft->raftServers();
    } else {
        RaftBackend::Server self{agent->nodeId(), agent->nodeName(), ctx.committer->leaderAddress(),
                                 ctx.committer->isLeader(), true, ctx.store->lastIndex()};
        self.lastTerm = 1;
        self.lastContactMs = 0;
        self.serfStatus = QStringLiteral("alive");
        self.healthy = true;
        self.stableSinceMs = started;
        view.servers.append(self);
    }
    int voters = 0, healthyVoters = 0;
    for (const RaftBackend::Server &s : std::as_const(view.servers)) {
        view.healthy = view.healthy && s.healthy;
        voters += s.voter;
        healthyVoters += s.voter && s.healthy;
    }
    view.failureTolerance = std::max(0, healthyVoters - (voters / 2 + 1));
    return view;
}

QString lastContact(const RaftBackend::Server &s)
{
    return s.lastContactMs < 0 ? QStringLiteral("-1ns") : formatDuration(s.lastContactMs * kMillisecond);
}

// Go's encoding of a time.Time in UTC: RFC 3339 with the fraction's trailing zeros dropped.
QString rfc3339(qint64 wallMs)
{
    QString text = QDateTime::fromMSecsSinceEpoch(wallMs, Qt::UTC).toString(u"yyyy-MM-ddTHH:mm:ss.zzz");
    while (text.endsWith(u'0'))
        text.chop(1);
    if (text.endsWith(u'.'))
        text.chop(1);
    return text + u'Z';
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
    // Autopilot's view of the servers: the leader's (it knows every server's log and last
    // contact, and since when each has been healthy), one healthy voter on a dev agent.
    add(QStringLiteral("/v1/operator/autopilot/health"), false, get,
        [ctx, agent](const HttpRequest &req, const QString &, const Responder &out) {
            if (!checkDatacenter(ctx, req, out))
                return;
            const AutopilotView view = autopilotView(ctx, agent);
            QJsonArray list;
            for (const RaftBackend::Server &s : view.servers) {
                list.append(QJsonObject{{QStringLiteral("ID"), s.id},
                                        {QStringLiteral("Name"), s.node},
                                        {QStringLiteral("Address"), s.address},
                                        {QStringLiteral("SerfStatus"), s.serfStatus},
                                        {QStringLiteral("Version"), consulCompatVersion()},
                                        {QStringLiteral("Leader"), s.leader},
                                        {QStringLiteral("LastContact"), lastContact(s)},
                                        {QStringLiteral("LastTerm"), double(s.lastTerm)},
                                        {QStringLiteral("LastIndex"), double(s.lastIndex)},
                                        {QStringLiteral("Healthy"), s.healthy},
                                        {QStringLiteral("Voter"), s.voter},
                                        // Consul rounds it to the second here (not in /state).
                                        {QStringLiteral("StableSince"), rfc3339((s.stableSinceMs + 500) / 1000 * 1000)}});
            }
            sendJson(ctx, req, out,
                     QJsonObject{{QStringLiteral("Healthy"), view.healthy},
                                 {QStringLiteral("FailureTolerance"), view.failureTolerance},
                                 {QStringLiteral("Servers"), list}},
                     std::nullopt, view.healthy ? 200 : 429); // Consul's status for an unhealthy cluster
        });
    // The same view in the form of Consul's raft-autopilot state (Consul CE: no redundancy
    // zones, read replicas or upgrades; every server's desired type is "voter").
    add(QStringLiteral("/v1/operator/autopilot/state"), false, get,
        [ctx, agent](const HttpRequest &req, const QString &, const Responder &out) {
            if (!checkDatacenter(ctx, req, out))
                return;
            const AutopilotView view = autopilotView(ctx, agent);
            QJsonObject servers;
            QJsonArray voters;
            QString leader;
            for (const RaftBackend::Server &s : view.servers) {
                if (s.leader)
                    leader = s.id;
                if (s.voter)
                    voters.append(s.id);
                QJsonObject meta;
                if (const api::Node *node = ctx.store->findNode(s.node)) {
                    for (auto it = node->meta.cbegin(); it != node->meta.cend(); ++it)
                        meta.insert(it.key(), it.value());
                }
                const QString status = s.leader ? QStringLiteral("leader") : s.voter ? QStringLiteral("voter") : QStringLiteral("non-voter");
                servers.insert(s.id, QJsonObject{{QStringLiteral("ID"), s.id},
                                                 {QStringLiteral("Name"), s.node},
                                                 {QStringLiteral("Address"), s.address},
                                                 {QStringLiteral("NodeStatus"), s.serfStatus == u"none" ? QStringLiteral("unknown") : s.serfStatus},
                                                 {QStringLiteral("Version"), consulCompatVersion()},
                                                 {QStringLiteral("LastContact"), lastContact(s)},
                                                 {QStringLiteral("LastTerm"), double(s.lastTerm)},
                                                 {QStringLiteral("LastIndex"), double(s.lastIndex)},
                                                 {QStringLiteral("Healthy"), s.healthy},
                                                 {QStringLiteral("StableSince"), rfc3339(s.stableSinceMs)},
                                                 {QStringLiteral("ReadReplica"), false},
                                                 {QStringLiteral("Status"), status},
                                                 {QStringLiteral("Meta"), meta},
                                                 {QStringLiteral("NodeType"), QStringLiteral("voter")}});
            }
            sendJson(ctx, req, out,
                     QJsonObject{{QStringLiteral("Healthy"), view.healthy},
                                 {QStringLiteral("FailureTolerance"), view.failureTolerance},
                                 {QStringLiteral("OptimisticFailureTolerance"), 0}, // Enterprise only; 0 in Consul CE
                                 {QStringLiteral("Servers"), servers},
                                 {QStringLiteral("Leader"), leader},
                                 {QStringLiteral("Voters"), voters}});
        });
}

} // namespace qonsul::http::v1

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

// What /health and /state show: the leader's autopilot state (ServerNode), one healthy voter
// on a dev agent.
std::optional<RaftBackend::AutopilotState> autopilotState(const ApiContext &ctx, AgentBackend *agent)
{
    static const qint64 started = QDateTime::currentMSecsSinceEpoch(); // a dev agent's StableSince
    if (ctx.raft)
        return ctx.raft->autopilotState();
    RaftBackend::AutopilotServer self;
    self.id = agent->nodeId();
    self.name = agent->nodeName();
    self.address = ctx.committer->leaderAddress();
    self.nodeStatus = QStringLiteral("alive");
    self.version = consulCompatVersion();
    if (const api::Node *node = ctx.store->findNode(agent->nodeName()))
        self.meta = node->meta;
    self.status = QStringLiteral("leader");
    self.lastTerm = 1;
    self.lastIndex = ctx.store->lastIndex();
    self.healthy = true;
    self.stableSinceMs = started;
    return RaftBackend::AutopilotState{true, 0, self.id, {self.id}, {self}};
}

QString lastContact(const RaftBackend::AutopilotServer &s)
{
    return formatDuration(s.lastContactMs * kMillisecond);
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
    // Autopilot's view of the servers: the leader's state (every server's own Raft stats and
    // since when each has been healthy), one healthy voter on a dev agent.
    add(QStringLiteral("/v1/operator/autopilot/health"), false, get,
        [ctx, agent](const HttpRequest &req, const QString &, const Responder &out) {
            if (!checkDatacenter(ctx, req, out))
                return;
            const std::optional<RaftBackend::AutopilotState> state = autopilotState(ctx, agent);
            if (!state) {
                // Consul's answer before the leader's autopilot computed its first state.
                sendJson(ctx, req, out,
                         QJsonObject{{QStringLiteral("Healthy"), false},
                                     {QStringLiteral("FailureTolerance"), 0},
                                     {QStringLiteral("Servers"), QJsonValue::Null}},
                         std::nullopt, 429);
                return;
            }
            QJsonArray list;
            for (const RaftBackend::AutopilotServer &s : state->servers) {
                const bool known = s.nodeStatus == u"alive" || s.nodeStatus == u"failed" || s.nodeStatus == u"left";
                list.append(QJsonObject{{QStringLiteral("ID"), s.id},
                                        {QStringLiteral("Name"), s.name},
                                        {QStringLiteral("Address"), s.address},
                                        {QStringLiteral("SerfStatus"), known ? s.nodeStatus : QStringLiteral("none")},
                                        {QStringLiteral("Version"), s.version},
                                        {QStringLiteral("Leader"), s.status == u"leader"},
                                        {QStringLiteral("LastContact"), lastContact(s)},
                                        {QStringLiteral("LastTerm"), double(s.lastTerm)},
                                        {QStringLiteral("LastIndex"), double(s.lastIndex)},
                                        {QStringLiteral("Healthy"), s.healthy},
                                        {QStringLiteral("Voter"), s.status == u"leader" || s.status == u"voter"},
                                        // Consul rounds it to the second here (not in /state).
                                        {QStringLiteral("StableSince"), rfc3339((s.stableSinceMs + 500) / 1000 * 1000)}});
            }
            sendJson(ctx, req, out,
                     QJsonObject{{QStringLiteral("Healthy"), state->healthy},
                                 {QStringLiteral("FailureTolerance"), state->failureTolerance},
                                 {QStringLiteral("Servers"), list}},
                     std::nullopt, state->healthy ? 200 : 429); // Consul's status for an unhealthy cluster
        });
    // The state itself, as Consul's raft-autopilot keeps it (Consul CE: no redundancy zones,
    // read replicas or upgrades; every server's desired type is "voter").
    add(QStringLiteral("/v1/operator/autopilot/state"), false, get,
        [ctx, agent](const HttpRequest &req, const QString &, const Responder &out) {
            if (!checkDatacenter(ctx, req, out))
                return;
            const std::optional<RaftBackend::AutopilotState> state = autopilotState(ctx, agent);
            if (!state) {
                sendError(out, 500, QStringLiteral("Failed to get autopilot state: no state found"));
                return;
            }
            QJsonObject servers;
            for (const RaftBackend::AutopilotServer &s : state->servers) {
                QJsonValue meta; // null until the server's node is in the catalog, as in Consul
                if (s.meta) {
                    QJsonObject object;
                    for (auto it = s.meta->cbegin(); it != s.meta->cend(); ++it)
                        object.insert(it.key(), it.value());
                    meta = object;
                }
                servers.insert(s.id, QJsonObject{{QStringLiteral("ID"), s.id},
                                                 {QStringLiteral("Name"), s.name},
                                                 {QStringLiteral("Address"), s.address},
                                                 {QStringLiteral("NodeStatus"), s.nodeStatus},
                                                 {QStringLiteral("Version"), s.version},
                                                 {QStringLiteral("LastContact"), lastContact(s)},
                                                 {QStringLiteral("LastTerm"), double(s.lastTerm)},
                                                 {QStringLiteral("LastIndex"), double(s.lastIndex)},
                                                 {QStringLiteral("Healthy"), s.healthy},
                                                 {QStringLiteral("StableSince"), rfc3339(s.stableSinceMs)},
                                                 {QStringLiteral("ReadReplica"), false},
                                                 {QStringLiteral("Status"), s.status},
                                                 {QStringLiteral("Meta"), meta},
                                                 {QStringLiteral("NodeType"), QStringLiteral("voter")}});
            }
            sendJson(ctx, req, out,
                     QJsonObject{{QStringLiteral("Healthy"), state->healthy},
                                 {QStringLiteral("FailureTolerance"), state->failureTolerance},
                                 // Consul CE has no redundancy zones: the optimistic count is the same.
                                 {QStringLiteral("OptimisticFailureTolerance"), state->failureTolerance},
                                 {QStringLiteral("Servers"), servers},
                                 {QStringLiteral("Leader"), state->leader},
                                 {QStringLiteral("Voters"), QJsonArray::fromStringList(state->voters)}});
        });
}

} // namespace qonsul::http::v1

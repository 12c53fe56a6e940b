// /v1/session/*: create, destroy, info, node, list, renew.
#include "http/v1/AgentBackend.h"
#include "http/v1/Api.h"
#include "http/v1/Common.h"

#include "config/AgentConfig.h"
#include "core/Clock.h"
#include "state/Command.h"
#include "state/SessionTimers.h"

#include <QUuid>

namespace qonsul::http::v1 {

namespace {
constexpr Nanoseconds kMaxSessionTtl = 24 * kHour;
constexpr Nanoseconds kMaxLockDelay = 60 * kSecond;
constexpr qint64 kLockDelaySecondsThreshold = 1000; // smaller numbers are seconds, as in Consul

QJsonArray sessionsJson(const QList<api::Session> &list)
{
    QJsonArray a;
    for (const api::Session &s : list)
        a.append(api::toJson(s));
    return a;
}

// Validates and normalises a create request; returns an error text (and HTTP status) or fills `out`.
QString normaliseSession(const ApiContext &ctx, const QJsonObject &in, QJsonObject *out, int *status, Nanoseconds *ttl)
{
    *status = 400;
    QString node = api::lookup(in, u"Node").toString();
    if (node.isEmpty())
        node = ctx.agent->nodeName();
    Nanoseconds lockDelay = 15 * kSecond;
    const QJsonValue ld = api::lookup(in, u"LockDelay");
    if (ld.isString()) {
        const auto parsed = parseDuration(ld.toString());
        if (!parsed)
            return QStringLiteral("Request decode failed: invalid LockDelay \"%1\"").arg(ld.toString());
        lockDelay = *parsed;
    } else if (ld.isDouble()) {
        const qint64 n = qint64(ld.toDouble());
        lockDelay = n < kLockDelaySecondsThreshold ? n * kSecond : n;
    }
    lockDelay = std::clamp<Nanoseconds>(lockDelay, 0, kMaxLockDelay);
    const QString behavior = api::lookup(in, u"Behavior").toString(QStringLiteral("release"));
    if (behavior != u"release" && behavior != u"delete") {
        *status = 500;
        return QStringLiteral("Invalid Behavior setting '%1'").arg(behavior);
    }
    QString ttlText = api::lookup(in, u"TTL").toString();
    *ttl = 0;
    if (!ttlText.isEmpty()) {
        const auto parsed = parseDuration(ttlText);
        if (!parsed) {
            *status = 500;
            return QStringLiteral("Session TTL '%1' invalid: time: invalid duration \"%1\"").arg(ttlText);
        }
        const Nanoseconds min = ctx.config ? ctx.config->sessionTtlMin : 10 * kSecond;
        if (*parsed != 0 && (*parsed < min || *parsed > kMaxSessionTtl)) {
            *status = 500;
            return QStringLiteral("Invalid Session TTL '%1', must be between [%2=%3]")
                .arg(*parsed)
                .arg(formatDuration(min), formatDuration(kMaxSessionTtl));
        }
        *ttl = *parsed;
        ttlText = *parsed ? formatDuration(*parsed) : QString();
    }
    QJsonArray nodeChecks;
    const QJsonValue legacy = api::lookup(in, u"Checks");
    const QJsonValue explicitNodeChecks = api::lookup(in, u"NodeChecks");
    if (explicitNodeChecks.isArray())
        nodeChecks = explicitNodeChecks.toArray();
    if (legacy.isArray())
        for (const QJsonValue &c : legacy.toArray())
            nodeChecks.append(c);
    if (!legacy.isArray() && !explicitNodeChecks.isArray())
        nodeChecks.append(QStringLiteral("serfHealth"));
    QJsonArray serviceChecks;
    for (const QJsonValue &c : api::lookup(in, u"ServiceChecks").toArray())
        serviceChecks.append(c.isObject() ? api::lookup(c.toObject(), u"ID").toString() : c.toString());
    *out = QJsonObject{{QStringLiteral("Name"), api::lookup(in, u"Name").toString()},
                       {QStringLiteral("Node"), node},
                       {QStringLiteral("LockDelay"), double(lockDelay)},
                       {QStringLiteral("Behavior"), behavior},
                       {QStringLiteral("TTL"), ttlText},
                       {QStringLiteral("NodeChecks"), nodeChecks},
                       {QStringLiteral("ServiceChecks"), serviceChecks}};
    return {};
}

RouteHandler sessionRead(const ApiContext &ctx, bool needsArg,
                         std::function<quint64(const QString &, QList<api::Session> *, state::WatchSet *)> read)
{
    return [ctx, needsArg, read](const HttpRequest &req, const QString &arg, const Responder &out) {
        QueryOptions opts;
        if (!parseQueryOptions(ctx, req, out, &opts))
            return;
        if (needsArg && arg.isEmpty()) {
            sendError(out, 400, QStringLiteral("Missing session"));
            return;
        }
        blockingQuery(ctx, req, out, opts, [arg, read](state::WatchSet *ws, QueryReply *reply) {
            QList<api::Session> list;
            const quint64 index = read(arg, &list, ws);
            reply->body = sessionsJson(list);
            return index;
        });
    };
}
} // namespace

void Api::registerSession()
{
    const ApiContext ctx = m_ctx;
    const QStringList get{QStringLiteral("GET")};
    const QStringList put{QStringLiteral("PUT")};
    state::StateStore *store = ctx.store;

    add(QStringLiteral("/v1/session/create"), false, put,
        [ctx](const HttpRequest &req, const QString &, const Responder &out) {
            QJsonObject body, session;
            if (!checkDatacenter(ctx, req, out) || !parseJsonObject(req, out, &body))
                return;
            int status = 0;
            Nanoseconds ttl = 0;
            const QString error = normaliseSession(ctx, body, &session, &status, &ttl);
            if (!error.isEmpty()) {
                sendError(out, status, error);
                return;
            }
            const QString id = QUuid::createUuid().toString(QUuid::WithoutBraces);
            propose(ctx, state::command::sessionCreate(id, session, ctx.clock->wallMs()), out,
                    [ctx, req, out, id, ttl](const state::ApplyResult &r, quint64) {
                        if (!r.error.isEmpty()) {
                            sendError(out, 500, r.error);
                            return;
                        }
                        if (ctx.sessionTimers)
                            ctx.sessionTimers->reset(id, ttl);
                        sendJson(ctx, req, out, QJsonObject{{QStringLiteral("ID"), id}});
                    });
        });
    add(QStringLiteral("/v1/session/destroy/"), true, put,
        [ctx](const HttpRequest &req, const QString &id, const Responder &out) {
            if (!checkDatacenter(ctx, req, out))
                return;
            if (id.isEmpty()) {
                sendError(out, 400, QStringLiteral("Missing session"));
                return;
            }
            propose(ctx, state::command::sessionDestroy(id, ctx.clock->wallMs()), out,
                    [ctx, req, out, id](const state::ApplyResult &, quint64) {
                        if (ctx.sessionTimers)
                            ctx.sessionTimers->clear(id);
                        sendJson(ctx, req, out, true);
                    });
        });
    add(QStringLiteral("/v1/session/renew/"), true, put,
        [ctx](const HttpRequest &req, const QString &id, const Responder &out) {
            if (!checkDatacenter(ctx, req, out))
                return;
            if (id.isEmpty()) {
                sendError(out, 400, QStringLiteral("Missing session"));
                return;
            }
            std::optional<api::Session> session;
            const quint64 index = ctx.store->session(id, &session);
            if (!session) {
                sendError(out, 404, QStringLiteral("Session id '%1' not found").arg(id));
                return;
            }
            if (ctx.sessionTimers)
                ctx.sessionTimers->reset(id, parseDuration(session->ttl).value_or(0));
            sendJson(ctx, req, out, QJsonArray{api::toJson(*session)}, index);
        });
    add(QStringLiteral("/v1/session/info/"), true, get,
        sessionRead(ctx, true, [store](const QString &id, QList<api::Session> *list, state::WatchSet *ws) {
            std::optional<api::Session> s;
            const quint64 index = store->session(id, &s, ws);
            if (s)
                list->append(*s);
            return index;
        }));
    add(QStringLiteral("/v1/session/node/"), true, get,
        sessionRead(ctx, true, [store](const QString &node, QList<api::Session> *list, state::WatchSet *ws) {
            return store->nodeSessions(node, list, ws);
        }));
    add(QStringLiteral("/v1/session/list"), false, get,
        sessionRead(ctx, false, [store](const QString &, QList<api::Session> *list, state::WatchSet *ws) {
            return store->sessions(list, ws);
        }));
}

} // namespace qonsul::http::v1

// /v1/kv/<key>: read (single, recurse, keys, raw), write (flags, cas, acquire, release), delete.
#include "http/v1/Api.h"
#include "http/v1/Common.h"

#include "config/AgentConfig.h"
#include "core/Clock.h"
#include "state/Command.h"

namespace qonsul::http::v1 {

namespace {

bool parseUint(const HttpRequest &req, QStringView key, quint64 *out)
{
    if (!req.hasQuery(key))
        return true;
    bool ok = false;
    *out = req.queryValue(key).toULongLong(&ok);
    return ok;
}

void kvGet(const ApiContext &ctx, const HttpRequest &req, const QString &key, const Responder &out)
{
    QueryOptions opts;
    if (!parseQueryOptions(ctx, req, out, &opts))
        return;
    const bool keys = req.hasQuery(u"keys");
    const bool recurse = req.hasQuery(u"recurse");
    if (key.isEmpty() && !keys && !recurse) {
        sendError(out, 400, QStringLiteral("Missing key name"));
        return;
    }
    const bool raw = req.hasQuery(u"raw");
    const QString separator = req.queryValue(u"separator");
    const bool pretty = req.hasQuery(u"pretty") || (ctx.config && ctx.config->dev);
    blockingQuery(ctx, req, out, opts, [ctx, key, keys, recurse, raw, separator, pretty](state::WatchSet *ws, QueryReply *reply) {
        if (keys) {
            QStringList list;
            const quint64 index = ctx.store->kvKeys(key, separator, &list, ws);
            if (list.isEmpty())
                reply->status = 404;
            else
                reply->body = QJsonArray::fromStringList(list);
            return index;
        }
        if (recurse) {
            QList<api::KvEntry> entries;
            const quint64 index = ctx.store->kvList(key, &entries, ws);
            if (entries.isEmpty()) {
                reply->status = 404;
                return index;
            }
            reply->raw = api::encodeKvEntries(entries, pretty);
            reply->rawContentType = QByteArrayLiteral("application/json");
            return index;
        }
        std::optional<api::KvEntry> entry;
        const quint64 index = ctx.store->kvGet(key, &entry, ws);
        if (!entry) {
            reply->status = 404;
        } else if (raw) {
            reply->raw = entry->value;
            reply->rawContentType = QByteArrayLiteral("text/plain");
        } else {
            reply->raw = api::encodeKvEntries({*entry}, pretty);
            reply->rawContentType = QByteArrayLiteral("application/json");
        }
        return index;
    });
}

void kvPut(const ApiContext &ctx, const HttpRequest &req, const QString &key, const Responder &out)
{
    if (!checkDatacenter(ctx, req, out))
        return;
    if (key.isEmpty()) {
        sendError(out, 400, QStringLiteral("Missing key name"));
        return;
    }
    const qint64 limit = ctx.config ? ctx.config->limits.kvMaxValueSize : 524288;
    if (req.body.size() > limit) {
        sendError(out, 413,
                  QStringLiteral("Request body(%1 bytes) too large, max size: %2 bytes.").arg(req.body.size()).arg(limit));
        return;
    }
    quint64 flags = 0, cas = 0;
    if (!parseUint(req, u"flags", &flags)) {
        sendError(out, 400, QStringLiteral("Invalid flags"));
        return;
    }
    if (!parseUint(req, u"cas", &cas)) {
        sendError(out, 400, QStringLiteral("Invalid cas"));
        return;
    }
    QString verb = QStringLiteral("set");
    QString session;
    if (req.hasQuery(u"acquire")) {
        verb = QStringLiteral("lock");
        session = req.queryValue(u"acquire");
    } else if (req.hasQuery(u"release")) {
        verb = QStringLiteral("unlock");
        session = req.queryValue(u"release");
    } else if (req.hasQuery(u"cas")) {
        verb = QStringLiteral("cas");
    }
    if ((verb == u"lock" || verb == u"unlock") && session.isEmpty()) {
        sendError(out, 400, QStringLiteral("Missing session"));
        return;
    }
    const QCborMap cmd = state::command::kv(verb, key, req.body, flags, cas, session, ctx.clock->wallMs());
    propose(ctx, cmd, out, [ctx, req, out](const state::ApplyResult &result, quint64) {
        if (!result.error.isEmpty())
            sendError(out, 500, result.error);
        else
            sendJson(ctx, req, out, result.value.toBool());
    });
}

void kvDelete(const ApiContext &ctx, const HttpRequest &req, const QString &key, const Responder &out)
{
    if (!checkDatacenter(ctx, req, out))
        return;
    const bool recurse = req.hasQuery(u"recurse");
    if (key.isEmpty() && !recurse) {
        sendError(out, 400, QStringLiteral("Missing key name"));
        return;
    }
    quint64 cas = 0;
    if (!parseUint(req, u"cas", &cas)) {
        sendError(out, 400, QStringLiteral("Invalid cas"));
        return;
    }
    QString verb = QStringLiteral("delete");
    if (recurse)
        verb = QStringLiteral("delete-tree");
    else if (req.hasQuery(u"cas"))
        verb = QStringLiteral("delete-cas");
    const QCborMap cmd = state::command::kv(verb, key, {}, 0, cas, {}, ctx.clock->wallMs());
    propose(ctx, cmd, out, [ctx, req, out](const state::ApplyResult &result, quint64) {
        sendJson(ctx, req, out, result.value.toBool());
    });
}

} // namespace

void Api::registerKv()
{
    const ApiContext ctx = m_ctx;
    add(QStringLiteral("/v1/kv/"), true, {QStringLiteral("GET"), QStringLiteral("PUT"), QStringLiteral("DELETE")},
        [ctx](const HttpRequest &req, const QString &key, const Responder &out) {
            if (req.method == "GET")
                kvGet(ctx, req, key, out);
            else if (req.method == "PUT")
                kvPut(ctx, req, key, out);
            else
                kvDelete(ctx, req, key, out);
        });
}

} // namespace qonsul::http::v1

// /v1/config: config entries — apply (PUT /v1/config, ?cas), read one (GET /v1/config/<kind>/<name>),
// list a kind (GET /v1/config/<kind>), delete (DELETE /v1/config/<kind>/<name>, ?cas).
#include "http/v1/Api.h"
#include "http/v1/Common.h"

#include "state/Command.h"
#include "state/ConfigEntry.h"

#include <QJsonDocument>

namespace qonsul::http::v1 {

namespace {

// ?cas as Consul parses it (strconv.ParseUint; its error is a 500). Unset when absent.
bool parseCas(const HttpRequest &req, const Responder &out, std::optional<quint64> *cas)
{
    if (!req.hasQuery(u"cas") || req.queryValue(u"cas").isEmpty())
        return true;
    bool ok = false;
    const quint64 value = req.queryValue(u"cas").toULongLong(&ok);
    if (!ok) {
        sendError(out, 500,
            QStringLiteral("strconv.ParseUint: parsing \"%1\": invalid syntax").arg(req.queryValue(u"cas")));
        return false;
    }
    *cas = value;
    return true;
}

void apply(const ApiContext &ctx, const HttpRequest &req, const Responder &out)
{
    if (!checkDatacenter(ctx, req, out))
        return;
    QJsonParseError parseError;
    const QJsonDocument doc = QJsonDocument::fromJson(req.body, &parseError);
    if (parseError.error != QJsonParseError::NoError || !doc.isObject()) {
        sendError(out, 400,
            QStringLiteral("Request decoding failed: %1")
                .arg(doc.isObject() || parseError.error != QJsonParseError::NoError
                        ? parseError.errorString()
                        : QStringLiteral("the body is not a JSON object")));
        return;
    }
    QJsonObject entry;
    bool decodeError = false;
    if (const QString error = state::configentry::normalise(doc.object(), &entry, &decodeError);
        !error.isEmpty()) {
        sendError(out, decodeError ? 400 : 500, error);
        return;
    }
    std::optional<quint64> cas;
    if (!parseCas(req, out, &cas))
        return;
    propose(ctx, state::command::configSet(entry, cas), out,
        [ctx, req, out](const state::ApplyResult &r, quint64) {
            if (!r.error.isEmpty()) {
                sendError(out, 500, r.error);
                return;
            }
            sendJson(ctx, req, out, r.value.toBool());
        });
}

void readEntries(const ApiContext &ctx, const HttpRequest &req, const QString &kind, const QString &name,
    bool one, const Responder &out)
{
    QueryOptions opts;
    if (!parseQueryOptions(ctx, req, out, &opts))
        return;
    if (!kind.isEmpty() && !state::configentry::isKnownKind(kind)) {
        sendError(out, 500, state::configentry::unknownKindError(kind));
        return;
    }
    blockingQuery(ctx, req, out, opts, [ctx, opts, kind, name, one](state::WatchSet *ws, QueryReply *reply) {
        if (one) {
            std::optional<QJsonObject> entry;
            const quint64 index = ctx.store->configEntry(kind, name, &entry, ws);
            if (entry) {
                reply->body = *entry;
            } else {
                reply->status = 404;
                reply->raw
                    = QStringLiteral("Config entry not found for \"%1\" / \"%2\"").arg(kind, name).toUtf8();
                reply->rawContentType = "text/plain; charset=utf-8";
            }
            return index;
        }
        QList<QJsonObject> entries;
        const quint64 index = ctx.store->configEntries(kind, &entries, ws);
        QJsonArray list;
        for (const QJsonObject &e : std::as_const(entries))
            list.append(e);
        reply->body = filtered(opts, list);
        return index;
    });
}

void deleteEntry(const ApiContext &ctx, const HttpRequest &req, const QString &kind, const QString &name,
    const Responder &out)
{
    if (!checkDatacenter(ctx, req, out))
        return;
    if (!state::configentry::isKnownKind(kind)) {
        sendError(out, 400, state::configentry::unknownKindError(kind));
        return;
    }
    std::optional<quint64> cas;
    if (!parseCas(req, out, &cas))
        return;
    // The singletons are stored under their fixed names.
    const QString stored = kind == u"proxy-defaults" && name.isEmpty() ? QStringLiteral("global")
        : kind == u"mesh"                                              ? QStringLiteral("mesh")
                                                                       : name;
    propose(ctx, state::command::configDelete(kind, stored, cas), out,
        [ctx, req, out, cas](const state::ApplyResult &r, quint64) {
            if (!r.error.isEmpty()) {
                sendError(out, 500, r.error);
                return;
            }
            // Consul answers a plain delete with {} and a check-and-set one with whether it deleted.
            sendJson(ctx, req, out, cas ? QJsonValue(r.value.toBool()) : QJsonValue(QJsonObject()));
        });
}

} // namespace

void Api::registerConfig()
{
    const ApiContext ctx = m_ctx;
    add(QStringLiteral("/v1/config"), false, { QStringLiteral("PUT") },
        [ctx](const HttpRequest &req, const QString &, const Responder &out) { apply(ctx, req, out); });
    add(QStringLiteral("/v1/config/"), true, { QStringLiteral("GET"), QStringLiteral("DELETE") },
        [ctx](const HttpRequest &req, const QString &tail, const Responder &out) {
            const qsizetype slash = tail.indexOf(u'/');
            const QString kind = slash < 0 ? tail : tail.left(slash);
            const QString name = slash < 0 ? QString() : tail.mid(slash + 1);
            if (req.method == "DELETE") {
                if (slash < 0) {
                    sendError(out, 404, QStringLiteral("Must provide both a kind and name to delete"));
                    return;
                }
                deleteEntry(ctx, req, kind, name, out);
                return;
            }
            readEntries(ctx, req, kind, name, slash >= 0, out);
        });
}

} // namespace qonsul::http::v1

// PUT /v1/txn: KV, node, service and check operations applied atomically.
#include "http/v1/Api.h"
#include "http/v1/Common.h"

#include "core/Clock.h"
#include "state/Command.h"

#include <QCborArray>
#include <QJsonDocument>

namespace qonsul::http::v1 {

namespace {
constexpr int kMaxTxnOps = 128;

// Turns one API operation into a command op; returns an error text for a malformed one.
QString translateOp(const QJsonObject &op, QCborMap *out)
{
    const QJsonValue kv = api::lookup(op, u"KV");
    if (kv.isObject()) {
        const QJsonObject o = kv.toObject();
        const QString verb = api::lookup(o, u"Verb").toString();
        const QByteArray value = QByteArray::fromBase64(api::lookup(o, u"Value").toString().toLatin1());
        *out = state::command::kv(verb, api::lookup(o, u"Key").toString(), value,
                                  quint64(api::lookup(o, u"Flags").toDouble()),
                                  quint64(api::lookup(o, u"Index").toDouble()), api::lookup(o, u"Session").toString());
        out->remove(QStringLiteral("t"));
        out->insert(QStringLiteral("kind"), QStringLiteral("kv"));
        if (verb.isEmpty())
            return QStringLiteral("missing KV verb");
        return {};
    }
    const QJsonValue node = api::lookup(op, u"Node");
    if (node.isObject()) {
        const QJsonObject o = node.toObject();
        const QJsonObject n = api::lookup(o, u"Node").toObject();
        *out = QCborMap{{QStringLiteral("kind"), QStringLiteral("node")},
                        {QStringLiteral("verb"), api::lookup(o, u"Verb").toString()},
                        {QStringLiteral("node"), state::command::fromJson(n)},
                        {QStringLiteral("index"), qint64(api::lookup(n, u"ModifyIndex").toDouble())}};
        return {};
    }
    const QJsonValue service = api::lookup(op, u"Service");
    if (service.isObject()) {
        const QJsonObject o = service.toObject();
        const QJsonObject s = api::lookup(o, u"Service").toObject();
        *out = QCborMap{{QStringLiteral("kind"), QStringLiteral("service")},
                        {QStringLiteral("verb"), api::lookup(o, u"Verb").toString()},
                        {QStringLiteral("node"), api::lookup(o, u"Node").toString()},
                        {QStringLiteral("service"), state::command::fromJson(s)},
                        {QStringLiteral("index"), qint64(api::lookup(s, u"ModifyIndex").toDouble())}};
        return {};
    }
    const QJsonValue check = api::lookup(op, u"Check");
    if (check.isObject()) {
        const QJsonObject o = check.toObject();
        const QJsonObject c = api::lookup(o, u"Check").toObject();
        *out = QCborMap{{QStringLiteral("kind"), QStringLiteral("check")},
                        {QStringLiteral("verb"), api::lookup(o, u"Verb").toString()},
                        {QStringLiteral("check"), state::command::fromJson(c)},
                        {QStringLiteral("index"), qint64(api::lookup(c, u"ModifyIndex").toDouble())}};
        return {};
    }
    return QStringLiteral("unknown operation type");
}
} // namespace

void Api::registerTxn()
{
    const ApiContext ctx = m_ctx;
    add(QStringLiteral("/v1/txn"), false, {QStringLiteral("PUT")},
        [ctx](const HttpRequest &req, const QString &, const Responder &out) {
            if (!checkDatacenter(ctx, req, out))
                return;
            QJsonParseError parseError;
            const QJsonDocument doc = QJsonDocument::fromJson(req.body, &parseError);
            if (parseError.error != QJsonParseError::NoError || !doc.isArray()) {
                sendError(out, 400,
                          QStringLiteral("Failed to parse body: %1")
                              .arg(doc.isArray() || parseError.error != QJsonParseError::NoError
                                       ? parseError.errorString()
                                       : QStringLiteral("expected a JSON array of operations")));
                return;
            }
            const QJsonArray ops = doc.array();
            if (ops.size() > kMaxTxnOps) {
                sendError(out, 413,
                          QStringLiteral("Transaction contains too many operations (%1 > %2)").arg(ops.size()).arg(kMaxTxnOps));
                return;
            }
            QCborArray translated;
            QJsonArray errors;
            for (qsizetype i = 0; i < ops.size(); ++i) {
                QCborMap op;
                const QString error = translateOp(ops.at(i).toObject(), &op);
                if (!error.isEmpty())
                    errors.append(QJsonObject{{QStringLiteral("OpIndex"), int(i)}, {QStringLiteral("What"), error}});
                translated.append(op);
            }
            if (!errors.isEmpty()) {
                sendJson(ctx, req, out,
                         QJsonObject{{QStringLiteral("Results"), QJsonValue()}, {QStringLiteral("Errors"), errors}},
                         std::nullopt, 409);
                return;
            }
            propose(ctx, state::command::txn(translated, ctx.clock->wallMs()), out,
                    [ctx, req, out](const state::ApplyResult &result, quint64 index) {
                        const QJsonObject r = result.value.toJsonValue().toObject();
                        const bool failed = r.contains(u"Errors");
                        const QJsonObject reply{{QStringLiteral("Results"), failed ? QJsonValue() : r.value(u"Results")},
                                                {QStringLiteral("Errors"), failed ? r.value(u"Errors") : QJsonValue()}};
                        sendJson(ctx, req, out, reply, failed ? std::nullopt : std::optional<quint64>(index),
                                 failed ? 409 : 200);
                    });
        });
}

} // namespace qonsul::http::v1

#include "http/v1/Api.h"
#include "http/v1/Common.h"

#include "config/AgentConfig.h"

namespace qonsul::http::v1 {

Api::Api(ApiContext context)
    : m_ctx(context)
{
    registerKv();
    registerTxn();
    registerCatalog();
    registerHealth();
    registerAgent();
    registerAcl();
    registerSession();
    registerMisc();
    registerQuery();
    registerConfig();
    registerOperatorRaft();
    registerOperatorAutopilot();
    registerOperatorKeyring();
    registerCoordinate();
    registerSnapshot();
    std::sort(m_prefixes.begin(), m_prefixes.end(),
              [](const Route &a, const Route &b) { return a.path.size() > b.path.size(); });
}

Api::~Api() = default;

void Api::add(const QString &path, bool prefix, QStringList methods, RouteHandler handler)
{
    Route route{path, prefix, std::move(methods), std::move(handler)};
    if (prefix)
        m_prefixes.append(std::move(route));
    else
        m_exact.insert(path, std::move(route));
}

namespace {
constexpr qsizetype kMaxSnapshotUpload = qsizetype(1) << 30; // a restore carries the whole state
} // namespace

qsizetype Api::bodyLimit(const HttpRequest &head) const
{
    const qint64 kv = m_ctx.config ? m_ctx.config->limits.kvMaxValueSize : 524288;
    const qint64 txn = m_ctx.config ? m_ctx.config->limits.txnMaxReqLen : 524288;
    if (head.path.startsWith(u"/v1/kv/"))
        return kv;
    if (head.path == u"/v1/txn")
        return std::max(kv, txn);
    if (head.path == u"/v1/snapshot")
        return kMaxSnapshotUpload;
    return 32 * 1024 * 1024;
}

namespace {
bool hasControlCharacters(const QString &path)
{
    for (QChar c : path) {
        if (c.unicode() < 0x20 || c.unicode() == 0x7f)
            return true;
    }
    return false;
}
} // namespace

void Api::handle(const HttpRequest &req, const Responder &out)
{
    if (hasControlCharacters(req.path)) {
        sendError(out, 400, QStringLiteral("Invalid characters in request path"));
        return;
    }
    const Route *route = nullptr;
    QString tail;
    const auto exact = m_exact.constFind(req.path);
    if (exact != m_exact.constEnd()) {
        route = &*exact;
    } else {
        for (const Route &r : m_prefixes) {
            if (req.path.startsWith(r.path)) {
                route = &r;
                tail = req.path.mid(r.path.size());
                break;
            }
        }
    }
    if (!route) {
        if (req.path == u"/") {
            HttpResponse r = HttpResponse::text(200, QStringLiteral("Consul Agent"));
            if (m_ctx.config && m_ctx.config->uiEnabled) {
                r = HttpResponse{};
                r.status = 301;
                r.setHeader("Location", m_ctx.config->uiContentPath.toUtf8());
            }
            out->send(std::move(r));
            return;
        }
        sendEmpty(out, 404);
        return;
    }
    const QString method = QString::fromLatin1(req.method);
    if (method == u"OPTIONS" || !route->methods.contains(method)) {
        HttpResponse r;
        r.setHeader("Allow", QStringLiteral("OPTIONS,%1").arg(route->methods.join(u',')).toLatin1());
        if (method != u"OPTIONS") {
            r.status = 405;
            r.body = QStringLiteral("method %1 not allowed").arg(method).toUtf8();
            r.setHeader("Content-Type", "text/plain; charset=utf-8");
        }
        out->send(std::move(r));
        return;
    }
    route->handler(req, tail, out);
}

} // namespace qonsul::http::v1

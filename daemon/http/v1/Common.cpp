#include "http/v1/Common.h"
#include "http/v1/AgentBackend.h"

#include "config/AgentConfig.h"
#include "core/Burst.h"
#include "core/Clock.h"
#include "state/Committer.h"

#include <QJsonDocument>
#include <QRandomGenerator>

#include <vector>

namespace qonsul::http::v1 {

void sendError(const Responder &out, int status, const QString &message)
{
    out->send(HttpResponse::text(status, message));
}

void sendEmpty(const Responder &out, int status)
{
    HttpResponse r;
    r.status = status;
    out->send(std::move(r));
}

namespace {

bool wantsPretty(const ApiContext &ctx, const HttpRequest &req)
{
    return req.hasQuery(u"pretty") || (ctx.config && ctx.config->dev);
}

QByteArray renderJson(const QJsonValue &value, bool pretty)
{
    const auto format = pretty ? QJsonDocument::Indented : QJsonDocument::Compact;
    switch (value.type()) {
    case QJsonValue::Object:
        return QJsonDocument(value.toObject()).toJson(format);
    case QJsonValue::Array:
        return QJsonDocument(value.toArray()).toJson(format);
    case QJsonValue::Bool:
        return value.toBool() ? QByteArrayLiteral("true") : QByteArrayLiteral("false");
    case QJsonValue::Double:
        return QByteArray::number(value.toDouble(), 'g', 17);
    case QJsonValue::String: {
        // A top-level string: wrap in an array to reuse the encoder's escaping.
        const QByteArray a = QJsonDocument(QJsonArray{value}).toJson(QJsonDocument::Compact);
        return a.mid(1, a.size() - 2);
    }
    default:
        return QByteArrayLiteral("null");
    }
}

} // namespace

QByteArray renderJson(const ApiContext &ctx, const HttpRequest &req, const QJsonValue &value)
{
    return renderJson(value, wantsPretty(ctx, req));
}

bool knownLeader(const ApiContext &ctx)
{
    return !ctx.committer || !ctx.committer->leaderAddress().isEmpty();
}

HeaderList blockingHeaders(const ApiContext &ctx, quint64 index)
{
    const bool leader = knownLeader(ctx);
    return {{QByteArrayLiteral("X-Consul-Index"), QByteArray::number(std::max<quint64>(index, 1))},
            {QByteArrayLiteral("X-Consul-KnownLeader"), leader ? QByteArrayLiteral("true") : QByteArrayLiteral("false")},
            {QByteArrayLiteral("X-Consul-LastContact"),
             QByteArray::number(ctx.committer ? ctx.committer->lastContactMs() : 0)}};
}

void sendJson(const ApiContext &ctx, const HttpRequest &req, const Responder &out, const QJsonValue &value,
              std::optional<quint64> index, int status)
{
    HttpResponse r;
    r.status = status;
    r.body = renderJson(ctx, req, value);
    r.headers.append({QByteArrayLiteral("Content-Type"), QByteArrayLiteral("application/json")});
    if (index)
        r.headers.append(blockingHeaders(ctx, *index));
    out->send(std::move(r));
}

QJsonObject toJson(const state::HealthEntry &entry)
{
    QJsonArray checks;
    for (const api::HealthCheck &c : entry.checks)
        checks.append(api::toJson(c));
    return QJsonObject{{QStringLiteral("Node"), api::toJson(entry.node)},
                       {QStringLiteral("Service"), api::toJson(entry.service)},
                       {QStringLiteral("Checks"), checks}};
}

std::optional<bool> parseBool(const QString &t)
{
    if (t == u"1" || t == u"t" || t == u"T" || t == u"true" || t == u"TRUE" || t == u"True")
        return true;
    if (t == u"0" || t == u"f" || t == u"F" || t == u"false" || t == u"FALSE" || t == u"False")
        return false;
    return std::nullopt;
}

bool queryFlag(const HttpRequest &req, QStringView key)
{
    if (!req.hasQuery(key))
        return false;
    const QString v = req.queryValue(key);
    return v.isEmpty() || parseBool(v).value_or(true);
}

bool checkDatacenter(const ApiContext &ctx, const HttpRequest &req, const Responder &out)
{
    const QString dc = req.queryValue(u"dc");
    if (dc.isEmpty() || !ctx.agent || dc == ctx.agent->datacenter())
        return true;
    sendError(out, 500, QStringLiteral("No path to datacenter"));
    return false;
}

bool parseQueryOptions(const ApiContext &ctx, const HttpRequest &req, const Responder &out, QueryOptions *opts)
{
    if (!checkDatacenter(ctx, req, out))
        return false;
    opts->stale = req.hasQuery(u"stale");
    opts->consistent = req.hasQuery(u"consistent");
    if (opts->stale && opts->consistent) {
        sendError(out, 400, QStringLiteral("Cannot specify ?stale with ?consistent, conflicting semantics."));
        return false;
    }
    const Nanoseconds maxWait = ctx.config ? ctx.config->maxQueryTime : 600 * kSecond;
    const Nanoseconds defaultWait = ctx.config ? ctx.config->defaultQueryTime : 300 * kSecond;
    Nanoseconds wait = defaultWait;
    if (req.hasQuery(u"wait")) {
        const auto parsed = parseDuration(req.queryValue(u"wait"));
        if (!parsed || *parsed < 0) {
            sendError(out, 400, QStringLiteral("Invalid wait time"));
            return false;
        }
        wait = *parsed ? *parsed : defaultWait;
    }
    opts->waitMs = std::min(wait, maxWait) / kMillisecond;
    if (req.hasQuery(u"index")) {
        bool ok = false;
        opts->minIndex = req.queryValue(u"index").toULongLong(&ok);
        if (!ok) {
            sendError(out, 400, QStringLiteral("Invalid index"));
            return false;
        }
    }
    const QString expression = req.queryValue(u"filter");
    if (!expression.isEmpty()) {
        QString error;
        opts->filter = filter::Filter::parse(expression, &error);
        if (!opts->filter) {
            sendError(out, 400, QStringLiteral("Failed to create boolean expression evaluator: %1").arg(error));
            return false;
        }
    }
    return true;
}

QJsonArray filtered(const QueryOptions &opts, const QJsonArray &items)
{
    if (!opts.filter)
        return items;
    QJsonArray kept;
    for (const QJsonValue &v : items) {
        if (opts.filter->matches(v))
            kept.append(v);
    }
    return kept;
}

QString nearNode(const ApiContext &ctx, const HttpRequest &req, const QString &near)
{
    if (near != u"_agent" || !ctx.config)
        return near;
    const QByteArray origin = req.header(kAgentNodeHeader);
    return origin.isEmpty() ? ctx.config->nodeName : QString::fromUtf8(origin);
}

QJsonArray sortedNear(const ApiContext &ctx, const QString &near, const QJsonArray &items)
{
    if (near.isEmpty())
        return items;
    QList<QJsonValue> list(items.begin(), items.end());
    state::sortByDistance(&list, ctx.agent->nearSource(near), [](const QJsonValue &v) {
        const QJsonValue node = v.toObject().value(u"Node");
        return node.isObject() ? node.toObject().value(u"Node").toString() : node.toString();
    });
    QJsonArray out;
    for (const QJsonValue &v : std::as_const(list))
        out.append(v);
    return out;
}

namespace {

HttpResponse replyResponse(const ApiContext &ctx, bool pretty, quint64 index, const QueryReply &reply)
{
    HttpResponse r;
    r.status = reply.status;
    if (!reply.rawContentType.isEmpty()) {
        r.body = reply.raw;
        r.headers.append({QByteArrayLiteral("Content-Type"), reply.rawContentType});
    } else if (!reply.body.isUndefined()) {
        r.body = renderJson(reply.body, pretty);
        r.headers.append({QByteArrayLiteral("Content-Type"), QByteArrayLiteral("application/json")});
    }
    r.headers.append(blockingHeaders(ctx, index));
    return r;
}

void sendReply(const ApiContext &ctx, bool pretty, const Responder &out, quint64 index, const QueryReply &reply)
{
    out->send(replyResponse(ctx, pretty, index, reply));
}

// Many clients often block on the same query (thousands watching one prefix). A write wakes
// them one after another inside one notify, with the store unchanged in between, so the first
// re-run's result serves the rest. Only store-backed queries share: the store's last index
// then identifies the data exactly.
struct SharedRun
{
    const state::StateStore *store = nullptr;
    quint64 storeIndex = 0;
    QString key;
    quint64 index = 0;
    QueryReply reply;
    state::WatchSet ws;
    std::shared_ptr<const QueryRun> run; // handed to the later watchers of the same query
    // The reply rendered once (compact / pretty) for every watcher it answers: the connection
    // layer then also reuses the bytes of the whole response (HttpConnection::respond).
    std::optional<HttpResponse> rendered[2];

    const HttpResponse &response(const ApiContext &ctx, bool pretty)
    {
        std::optional<HttpResponse> &r = rendered[pretty ? 1 : 0];
        if (!r)
            r = replyResponse(ctx, pretty, index, reply);
        return *r;
    }
};
SharedRun &lastRun()
{
    static SharedRun run;
    return run;
}

// The request minus the parameters that only say how long to block.
QString sharedRunKey(const HttpRequest &req)
{
    QString key = req.path;
    for (const auto &[name, value] : req.query) {
        if (name != u"index" && name != u"wait")
            key += u'&' + name + u'=' + value;
    }
    return key;
}

// One blocked request: the current watch and deadline timer. Owned by the shared_ptr that the
// watch callback, the timer and the responder's close hook hold. Thousands may be parked at once,
// so it keeps only what a re-run and the reply need (not the request), and watchers of the same
// query share one run closure and one key string.
struct BlockedQuery : std::enable_shared_from_this<BlockedQuery>
{
    ApiContext ctx;
    Responder out;
    QueryOptions opts;
    std::shared_ptr<const QueryRun> run;
    state::WatchHub *hub = nullptr;
    QString sharedKey; // empty when the query is not store-backed
    std::unique_ptr<state::WatchHub::Watch> watch;
    Clock::TimerId timer = 0;
    bool pretty = false;
    bool done = false;

    void finish(quint64 index, const QueryReply &reply, SharedRun *shared)
    {
        done = true;
        if (out->isOpen()) {
            if (shared)
                out->send(shared->response(ctx, pretty));
            else
                sendReply(ctx, pretty, out, index, reply);
        }
        // When one write wakes thousands of queries, each one's teardown (the watch, the timer,
        // and with it this object) waits until every reply of the burst has been sent: done
        // in between, it delayed the later replies by about a third (docs/benchmarks.md).
        if (core::BurstScope::active())
            releaseAfterBurst(shared_from_this());
        else
            release();
    }

    void release()
    {
        watch.reset();
        if (timer)
            ctx.clock->cancel(timer);
        timer = 0;
    }

    static void releaseAfterBurst(std::shared_ptr<BlockedQuery> q)
    {
        static std::vector<std::shared_ptr<BlockedQuery>> finished;
        if (finished.empty())
            core::BurstScope::atEnd([] {
                std::vector<std::shared_ptr<BlockedQuery>> list;
                std::swap(list, finished);
                for (const auto &q : list)
                    q->release();
            });
        finished.push_back(std::move(q));
    }

    // Runs the query; answers when the index moved past minIndex (or `final`), else re-arms.
    void attempt(bool final)
    {
        if (done)
            return;
        state::WatchSet ws;
        QueryReply reply;
        quint64 index = 0;
        SharedRun &shared = lastRun();
        if (!sharedKey.isEmpty() && shared.store == ctx.store && shared.storeIndex == ctx.store->lastIndex()
            && shared.key == sharedKey) {
            index = shared.index;
            reply = shared.reply;
            ws = shared.ws;
            sharedKey = shared.key;
            run = shared.run;
        } else {
            index = (*run)(&ws, &reply);
            if (!sharedKey.isEmpty())
                shared = SharedRun{ctx.store, ctx.store->lastIndex(), sharedKey, index, reply, ws, run, {}};
        }
        const bool moved = opts.indexIsHash ? index != opts.minIndex : index > opts.minIndex;
        if (final || opts.minIndex == 0 || moved || ws.isEmpty()) {
            finish(index, reply, sharedKey.isEmpty() ? nullptr : &shared);
            return;
        }
        std::weak_ptr<BlockedQuery> self = shared_from_this();
        watch = hub->watch(ws, [self] {
            if (auto q = self.lock())
                q->attempt(false);
        });
    }
};

} // namespace

void blockingQuery(const ApiContext &ctx, const HttpRequest &req, const Responder &out, const QueryOptions &opts,
                   QueryRun run, state::WatchHub *hub)
{
    if (opts.minIndex == 0) {
        QueryReply reply;
        const quint64 index = run(nullptr, &reply);
        sendReply(ctx, wantsPretty(ctx, req), out, index, reply);
        return;
    }
    auto q = std::make_shared<BlockedQuery>();
    q->ctx = ctx;
    q->opts = opts;
    q->run = std::make_shared<const QueryRun>(std::move(run));
    q->out = out;
    q->hub = hub ? hub : &ctx.store->watches();
    if (q->hub == &ctx.store->watches())
        q->sharedKey = sharedRunKey(req);
    q->pretty = wantsPretty(ctx, req);
    q->attempt(false);
    if (q->done)
        return;
    // Jitter spreads the wake-ups of many clients that started together (Consul: up to wait/16).
    const qint64 jitter = opts.waitMs >= 16 ? qint64(QRandomGenerator::global()->bounded(quint64(opts.waitMs / 16))) : 0;
    q->timer = ctx.clock->schedule(opts.waitMs + jitter, [q] {
        q->timer = 0;
        q->attempt(true);
    });
    out->setOnClosed([weak = std::weak_ptr<BlockedQuery>(q)] {
        if (auto q = weak.lock()) {
            q->done = true;
            q->release();
        }
    });
}

bool parseJsonBody(const HttpRequest &req, const Responder &out, QJsonValue *value)
{
    if (req.body.trimmed().isEmpty()) {
        *value = QJsonObject();
        return true;
    }
    QJsonParseError error;
    const QJsonDocument doc = QJsonDocument::fromJson(req.body, &error);
    if (error.error != QJsonParseError::NoError) {
        sendError(out, 400, QStringLiteral("Request decode failed: %1").arg(error.errorString()));
        return false;
    }
    *value = doc.isArray() ? QJsonValue(doc.array()) : QJsonValue(doc.object());
    return true;
}

bool parseJsonObject(const HttpRequest &req, const Responder &out, QJsonObject *object)
{
    QJsonValue v;
    if (!parseJsonBody(req, out, &v))
        return false;
    if (!v.isObject()) {
        sendError(out, 400, QStringLiteral("Request decode failed: expected a JSON object"));
        return false;
    }
    *object = v.toObject();
    return true;
}

void propose(const ApiContext &ctx, const QCborMap &command, const Responder &out,
             std::function<void(const state::ApplyResult &, quint64)> done)
{
    ctx.committer->propose(command, [out, done = std::move(done)](const state::ApplyResult &result, quint64 index,
                                                                   const QString &error) {
        if (!error.isEmpty()) {
            sendError(out, 500, error);
            return;
        }
        done(result, index);
    });
}

} // namespace qonsul::http::v1

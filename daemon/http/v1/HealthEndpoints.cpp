// /v1/health/*: node/<node>, checks/<service>, service/<service>, state/<state>.
#include "http/v1/Api.h"
#include "http/v1/Common.h"

namespace qonsul::http::v1 {

namespace {
QJsonArray checksJson(const QList<api::HealthCheck> &checks)
{
    QJsonArray a;
    for (const api::HealthCheck &c : checks)
        a.append(api::toJson(c));
    return a;
}

using CheckRead = std::function<quint64(const QString &, QList<api::HealthCheck> *, state::WatchSet *)>;

// `near`: whether ?near= sorts the list (Consul offers it on checks/<service> and state/<state>).
RouteHandler checkList(const ApiContext &ctx, const QString &missing, bool near, CheckRead read,
                       std::function<bool(const QString &, const Responder &)> validate = {})
{
    return [ctx, missing, near, read, validate](const HttpRequest &req, const QString &tail, const Responder &out) {
        QueryOptions opts;
        if (!parseQueryOptions(ctx, req, out, &opts))
            return;
        if (tail.isEmpty()) {
            sendError(out, 400, missing);
            return;
        }
        if (validate && !validate(tail, out))
            return;
        const QString source = near ? nearNode(ctx, req, req.queryValue(u"near")) : QString();
        blockingQuery(ctx, req, out, opts, [ctx, tail, read, opts, source](state::WatchSet *ws, QueryReply *reply) {
            QList<api::HealthCheck> checks;
            const quint64 index = read(tail, &checks, ws);
            reply->body = sortedNear(ctx, source, filtered(opts, checksJson(checks)));
            return index;
        });
    };
}
} // namespace

void Api::registerHealth()
{
    const ApiContext ctx = m_ctx;
    const QStringList get{QStringLiteral("GET")};
    state::StateStore *store = ctx.store;

    add(QStringLiteral("/v1/health/node/"), true, get,
        checkList(ctx, QStringLiteral("Missing node name"), false,
                  [store](const QString &n, QList<api::HealthCheck> *c, state::WatchSet *ws) {
                      return store->nodeChecks(n, c, ws);
                  }));
    add(QStringLiteral("/v1/health/checks/"), true, get,
        checkList(ctx, QStringLiteral("Missing service name"), true,
                  [store](const QString &s, QList<api::HealthCheck> *c, state::WatchSet *ws) {
                      return store->serviceChecks(s, c, ws);
                  }));
    add(QStringLiteral("/v1/health/state/"), true, get,
        checkList(
            ctx, QStringLiteral("Missing check state"), true,
            [store](const QString &s, QList<api::HealthCheck> *c, state::WatchSet *ws) {
                return store->checksInState(s, c, ws);
            },
            [](const QString &state, const Responder &out) {
                if (state == u"any" || api::isValidStatus(state))
                    return true;
                sendError(out, 400, QStringLiteral("Bad check state"));
                return false;
            }));
    add(QStringLiteral("/v1/health/service/"), true, get,
        [ctx](const HttpRequest &req, const QString &name, const Responder &out) {
            QueryOptions opts;
            if (!parseQueryOptions(ctx, req, out, &opts))
                return;
            if (name.isEmpty()) {
                sendError(out, 400, QStringLiteral("Missing service name"));
                return;
            }
            bool passingOnly = false;
            if (req.hasQuery(u"passing")) {
                const QString v = req.queryValue(u"passing");
                const auto b = v.isEmpty() ? std::optional<bool>(true) : parseBool(v);
                if (!b) {
                    sendError(out, 400, QStringLiteral("Invalid value for ?passing"));
                    return;
                }
                passingOnly = *b;
            }
            const QStringList tags = req.queryValues(u"tag");
            const QStringList nodeMeta = req.queryValues(u"node-meta");
            const QString near = nearNode(ctx, req, req.queryValue(u"near"));
            blockingQuery(ctx, req, out, opts,
                          [ctx, name, passingOnly, tags, nodeMeta, opts, near](state::WatchSet *ws, QueryReply *reply) {
                              QList<state::HealthEntry> entries;
                              const quint64 index = ctx.store->healthService(name, &entries, ws);
                              QJsonArray array;
                              for (const state::HealthEntry &e : std::as_const(entries)) {
                                  bool keep = true;
                                  for (const QString &t : tags)
                                      keep = keep && e.service.tags.contains(t, Qt::CaseInsensitive);
                                  for (const QString &pair : nodeMeta) {
                                      const qsizetype colon = pair.indexOf(u':');
                                      const QString key = colon < 0 ? pair : pair.left(colon);
                                      keep = keep && e.node.meta.contains(key)
                                          && e.node.meta.value(key) == (colon < 0 ? QString() : pair.mid(colon + 1));
                                  }
                                  if (passingOnly) {
                                      for (const api::HealthCheck &c : e.checks)
                                          keep = keep && c.status == u"passing";
                                  }
                                  if (!keep)
                                      continue;
                                  array.append(toJson(e));
                              }
                              reply->body = sortedNear(ctx, near, filtered(opts, array));
                              return index;
                          });
        });
}

} // namespace qonsul::http::v1

#include "cluster/RemoteCatalog.h"
#include "cluster/ClusterLogging.h"
#include "cluster/HttpForward.h"
#include "cluster/Upstream.h"

#include <QJsonArray>
#include <QJsonDocument>
#include <QJsonObject>
#include <QUrl>

using namespace Qt::StringLiterals;

namespace qonsul::cluster {

namespace {
constexpr qint64 kReplyTimeoutMs = 30000;

void forwardedGet(Clock *clock, rpc::ConnectionPool *pool, Upstream *upstream, qint64 holdMs, const QString &path,
                  std::function<void(bool ok, const QJsonDocument &body)> done)
{
    http::HttpRequest request;
    request.method = "GET";
    request.path = path;
    request.target = QUrl::toPercentEncoding(path, "/");
    callUpstream(clock, pool, upstream, u"Http.Request"_s, encodeRequest(request), holdMs, kReplyTimeoutMs,
                 [done = std::move(done), path](const QCborValue &result, const QString &error) {
                     http::HttpResponse response;
                     QString decodeError;
                     if (!error.isEmpty() || !decodeResponse(result, &response, &decodeError)) {
                         qCWarning(lcServer).noquote() << "anti-entropy read failed:" << path << error << decodeError;
                         done(false, {});
                         return;
                     }
                     // 404: the node is not in the catalog yet, which is an empty catalog.
                     done(response.status == 200 || response.status == 404,
                          response.status == 200 ? QJsonDocument::fromJson(response.body) : QJsonDocument());
                 });
}
} // namespace

void fetchNodeCatalog(Clock *clock, rpc::ConnectionPool *pool, Upstream *upstream, qint64 holdMs, const QString &node,
                      NodeCatalogDone done)
{
    struct Pending
    {
        int waiting = 2;
        bool ok = true;
        std::optional<api::Node> node;
        QList<api::Service> services;
        QList<api::HealthCheck> checks;
        NodeCatalogDone done;
    };
    auto pending = std::make_shared<Pending>();
    pending->done = std::move(done);
    auto finish = [pending] {
        if (--pending->waiting == 0)
            pending->done(pending->ok, pending->node, pending->services, pending->checks);
    };
    forwardedGet(clock, pool, upstream, holdMs, u"/v1/catalog/node/"_s + node, [pending, finish](bool ok, const QJsonDocument &body) {
        pending->ok = pending->ok && ok;
        if (const QJsonValue node = body.object().value(u"Node"); node.isObject()) {
            api::Node n;
            QString error;
            if (api::fromJson(node.toObject(), &n, &error))
                pending->node = n;
            else
                pending->ok = false;
        }
        const QJsonObject services = body.object().value(u"Services").toObject();
        for (auto it = services.begin(); it != services.end(); ++it) {
            api::Service s;
            QString error;
            if (api::fromJson(it.value().toObject(), &s, &error))
                pending->services.append(s);
            else
                pending->ok = false;
        }
        finish();
    });
    forwardedGet(clock, pool, upstream, holdMs, u"/v1/health/node/"_s + node, [pending, finish](bool ok, const QJsonDocument &body) {
        pending->ok = pending->ok && ok;
        for (const QJsonValue &v : body.array()) {
            api::HealthCheck c;
            QString error;
            if (api::fromJson(v.toObject(), &c, &error))
                pending->checks.append(c);
            else
                pending->ok = false;
        }
        finish();
    });
}

} // namespace qonsul::cluster

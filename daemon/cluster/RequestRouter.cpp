#include "cluster/RequestRouter.h"
#include "cluster/HttpForward.h"
#include "cluster/ServerNode.h"
#include "cluster/Upstream.h"
#include "cluster/WanAddressTranslation.h"
#include "cluster/WanRouter.h"

#include "core/Duration.h"
#include "http/v1/Api.h"
#include "http/v1/Common.h"

#include <QCborValue>
#include <QJsonDocument>
#include <QJsonObject>

using namespace Qt::StringLiterals;

namespace qonsul::cluster {

namespace {
const QString kHttpMethod = u"Http.Request"_s;
constexpr qint64 kReplyTimeoutMs = 60000;        // a forwarded non-blocking request
constexpr qint64 kBlockingMarginMs = 15000;      // on top of a blocking query's wait
constexpr qint64 kDefaultBlockingWaitMs = 300000; // Consul's default ?wait

bool agentLocal(const QString &path)
{
    return !path.startsWith(u"/v1/") || path.startsWith(u"/v1/agent/") || path.startsWith(u"/v1/event/");
}

// What every server answers from its own copy of the Raft state (and its WAN pool).
bool serverLocalRead(const QString &path)
{
    return path.startsWith(u"/v1/status/") || path == u"/v1/catalog/datacenters";
}

// Autopilot's server health lives on the leader alone: Consul sends these there whatever the
// consistency mode (?stale is ignored).
bool leaderOnly(const QString &path)
{
    return path == u"/v1/operator/autopilot/health" || path == u"/v1/operator/autopilot/state";
}

// Endpoints whose ?dc= names the datacenter that answers (the agent's own endpoints and the
// lists of datacenters ignore it, as Consul's do).
bool takesDatacenter(const QString &path)
{
    if (path == u"/v1/catalog/datacenters" || path == u"/v1/coordinate/datacenters")
        return false;
    return path.startsWith(u"/v1/event/fire/") || !agentLocal(path);
}

bool isRead(const http::HttpRequest &r)
{
    return r.method == "GET" || r.method == "HEAD";
}

int hops(const http::HttpRequest &r)
{
    return r.header(kForwardedHeader).toInt();
}

qint64 replyTimeout(const http::HttpRequest &r)
{
    if (!r.hasQuery(u"index"))
        return kReplyTimeoutMs;
    const auto wait = r.hasQuery(u"wait") ? parseDuration(r.queryValue(u"wait")) : std::nullopt;
    const qint64 waitMs = wait && *wait > 0 ? *wait / kMillisecond : kDefaultBlockingWaitMs;
    return waitMs + waitMs / 16 + kBlockingMarginMs;
}

// The answer of the server a request was forwarded to, headers (X-Consul-Index, KnownLeader,
// LastContact) and all, or the RPC error as Consul's HTTP layer shows one.
void sendForwardedReply(const std::shared_ptr<http::HttpResponder> &out, const QCborValue &result, const QString &error)
{
    if (!out->isOpen())
        return;
    http::HttpResponse response;
    QString decodeError;
    if (!error.isEmpty())
        out->send(http::HttpResponse::text(500, error));
    else if (!decodeResponse(result, &response, &decodeError))
        out->send(http::HttpResponse::text(500, decodeError));
    else
        out->send(std::move(response));
}
} // namespace

RequestRouter::RequestRouter(http::v1::Api *api, Clock *clock, rpc::ConnectionPool *pool, Upstream *upstream,
                             ServerNode *server, WanRouter *wan, Options options)
    : m_api(api)
    , m_clock(clock)
    , m_pool(pool)
    , m_upstream(upstream)
    , m_server(server)
    , m_wan(wan)
    , m_options(std::move(options))
{
}

void RequestRouter::handle(const http::HttpRequest &request, const std::shared_ptr<http::HttpResponder> &out)
{
    if (hops(request) == 0 && request.hasHeader(http::v1::kAgentNodeHeader)) {
        http::HttpRequest own = request; // only agents name the agent a request came through
        own.headers.removeIf([](const auto &h) { return h.first == http::v1::kAgentNodeHeader; });
        handle(own, out);
        return;
    }
    // Only what this agent's own HTTP clients get back (hop 0): an agent forwarding to us
    // translates by its own setting, as each Consul agent does.
    if (m_options.translateWanAddrs && hops(request) == 0 && isRead(request) && answersWithAddresses(request.path)) {
        const QString dc = request.queryValue(u"dc");
        route(request, translating(request, !dc.isEmpty() && dc != m_options.datacenter, out));
        return;
    }
    route(request, out);
}

std::shared_ptr<http::HttpResponder> RequestRouter::translating(const http::HttpRequest &request, bool otherDatacenter,
                                                                const std::shared_ptr<http::HttpResponder> &out) const
{
    return http::HttpResponder::capture([out, path = request.path, local = m_options.datacenter, otherDatacenter,
                                         pretty = request.hasQuery(u"pretty")](http::HttpResponse response) {
        if (!out->isOpen())
            return;
        if (response.status == 200)
            response.body = translateWanAddresses(path, response.body, local, otherDatacenter, pretty);
        out->send(std::move(response));
    });
}

void RequestRouter::route(const http::HttpRequest &request, const std::shared_ptr<http::HttpResponder> &out)
{
    const QString dc = request.queryValue(u"dc");
    if (!dc.isEmpty() && dc != m_options.datacenter && takesDatacenter(request.path)) {
        if (m_wan)
            forwardToDatacenter(dc, request, out);
        else
            forward(request, out); // a client agent: its servers know the other datacenters
        return;
    }
    if (agentLocal(request.path)) {
        m_api->handle(request, out);
        return;
    }
    if (!m_server) {
        forward(request, out);
        return;
    }
    const bool read = isRead(request);
    if (read && ((request.hasQuery(u"stale") && !leaderOnly(request.path)) || serverLocalRead(request.path))) {
        m_api->handle(request, out);
        return;
    }
    if (!m_server->isLeader()) {
        forward(request, out);
        return;
    }
    if (!read) {
        m_api->handle(request, out);
        return;
    }
    m_server->readBarrier(request.hasQuery(u"consistent"), [this, request, out](const QString &error) {
        if (!out->isOpen())
            return;
        if (!error.isEmpty())
            out->send(http::HttpResponse::text(500, error));
        else
            m_api->handle(request, out);
    });
}

void RequestRouter::forward(http::HttpRequest request, const std::shared_ptr<http::HttpResponder> &out)
{
    const int hop = hops(request);
    if (hop >= kMaxForwardHops) {
        out->send(http::HttpResponse::text(500, kNoLeader));
        return;
    }
    request.headers.removeIf([](const auto &h) { return h.first == kForwardedHeader; });
    request.headers.append({kForwardedHeader.toByteArray(), QByteArray::number(hop + 1)});
    if (hop == 0) // "_agent" is this agent, wherever the request is answered
        request.headers.append({http::v1::kAgentNodeHeader.toByteArray(), m_options.nodeName.toUtf8()});
    // A session belongs to the node of the agent it was created through (Consul's client fills
    // in its own node before the RPC).
    if (!m_server && request.method == "PUT" && request.path == u"/v1/session/create") {
        QJsonObject body = QJsonDocument::fromJson(request.body).object();
        if (!body.contains(u"Node") && (request.body.trimmed().isEmpty() || !body.isEmpty())) {
            body.insert(u"Node"_s, m_options.nodeName);
            request.body = QJsonDocument(body).toJson(QJsonDocument::Compact);
        }
    }
    ++m_forwarded;
    callUpstream(m_clock, m_pool, m_upstream, kHttpMethod, encodeRequest(request), m_options.holdMs,
                 replyTimeout(request), [out](const QCborValue &result, const QString &error) {
                     sendForwardedReply(out, result, error);
                 });
}

void RequestRouter::forwardToDatacenter(const QString &datacenter, http::HttpRequest request,
                                        const std::shared_ptr<http::HttpResponder> &out)
{
    // The hop count guards against loops inside one datacenter; over there the request starts
    // afresh (it names that datacenter, so it never comes back).
    request.headers.removeIf([](const auto &h) { return h.first == kForwardedHeader; });
    ++m_forwarded;
    m_wan->call(datacenter, kHttpMethod, encodeRequest(request), replyTimeout(request),
                [out](const QCborValue &result, const QString &error) { sendForwardedReply(out, result, error); });
}

} // namespace qonsul::cluster

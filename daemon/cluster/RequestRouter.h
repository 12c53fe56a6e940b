#pragma once
// Decides where an HTTP API request is answered, as Consul's RPC forwarding does:
//   - agent-local endpoints (/v1/agent/*, /v1/event/*, the UI) on this agent;
//   - on the leader: writes at once, reads after the read barrier of their consistency mode
//     (default: the leader lease; ?consistent: a quorum round);
//   - on a follower: ?stale reads and the server's own Raft view (/v1/status/*) locally,
//     everything else forwarded to the leader;
//   - on a client agent: everything else forwarded to a server;
//   - a request for another datacenter (?dc=): a client agent sends it to a server, a server to
//     a server of that datacenter (WanRouter), where it meets the same rules.
// Forwarded requests travel whole over the server RPC ("Http.Request") and run through the
// receiving server's router, so they meet the same rules there. With translate_wan_addrs the
// agent a client asked rewrites the answer's addresses (WanAddressTranslation.h).
#include <memory>

#include "http/HttpResponder.h"

namespace qonsul {
class Clock;
}
namespace qonsul::http::v1 {
class Api;
}
namespace qonsul::rpc {
class ConnectionPool;
}

namespace qonsul::cluster {

class ServerNode;
class Upstream;
class WanRouter;

class RequestRouter
{
public:
    struct Options
    {
        qint64 holdMs = 7000;  // rpc_hold_timeout
        QString nodeName;      // the agent's node: the default Node of sessions created through it
        QString datacenter;    // this agent's
        bool translateWanAddrs = false; // translate_wan_addrs: see WanAddressTranslation.h
    };
    // `server` and `wan` are null on client agents.
    RequestRouter(http::v1::Api *api, Clock *clock, rpc::ConnectionPool *pool, Upstream *upstream, ServerNode *server,
                  WanRouter *wan, Options options);

    void handle(const http::HttpRequest &request, const std::shared_ptr<http::HttpResponder> &out);

    quint64 forwarded() const { return m_forwarded; }

private:
    void route(const http::HttpRequest &request, const std::shared_ptr<http::HttpResponder> &out);
    // `out` behind a responder that translates the answer's addresses to WAN ones.
    std::shared_ptr<http::HttpResponder> translating(const http::HttpRequest &request, bool otherDatacenter,
                                                     const std::shared_ptr<http::HttpResponder> &out) const;
    void forward(http::HttpRequest request, const std::shared_ptr<http::HttpResponder> &out);
    void forwardToDatacenter(const QString &datacenter, http::HttpRequest request,
                             const std::shared_ptr<http::HttpResponder> &out);

    http::v1::Api *m_api;
    Clock *m_clock;
    rpc::ConnectionPool *m_pool;
    Upstream *m_upstream;
    ServerNode *m_server;
    WanRouter *m_wan;
    Options m_options;
    quint64 m_forwarded = 0;
};

} // namespace qonsul::cluster

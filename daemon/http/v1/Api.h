#pragma once
// Consul's HTTP API v1: routing, the common request handling of Consul's HTTP wrapper (dc,
// pretty, consistency, filter, errors, OPTIONS/405), and the endpoint groups. Plugs into
// HttpServer as its handler.
#include <QHash>
#include <functional>
#include <memory>

#include "http/HttpMessage.h"

namespace qonsul {
class Clock;
namespace config {
struct AgentConfig;
}
namespace state {
class StateStore;
class Committer;
class SessionTimers;
class CoordinateBatcher;
} // namespace state
} // namespace qonsul

namespace qonsul::http {
class HttpResponder;
}

namespace qonsul::http::v1 {

class AgentBackend;
class RaftBackend;

struct ApiContext
{
    state::StateStore *store = nullptr;
    state::Committer *committer = nullptr;
    AgentBackend *agent = nullptr;
    Clock *clock = nullptr;
    const config::AgentConfig *config = nullptr;
    state::SessionTimers *sessionTimers = nullptr;
    RaftBackend *raft = nullptr; // servers only
    state::CoordinateBatcher *coordinateBatcher = nullptr; // where PUT /v1/coordinate/update goes
};

using Responder = std::shared_ptr<HttpResponder>;
// `tail` is the path after the route's prefix (the key for /v1/kv/, the name for /v1/catalog/service/).
using RouteHandler = std::function<void(const HttpRequest &req, const QString &tail, const Responder &out)>;

class Api
{
public:
    explicit Api(ApiContext context);
    ~Api();

    void handle(const HttpRequest &request, const Responder &out);
    // The body limit the connection layer applies before reading a body (413 above it).
    qsizetype bodyLimit(const HttpRequest &head) const;

    const ApiContext &context() const { return m_ctx; }

private:
    struct Route
    {
        QString path;
        bool prefix = false;
        QStringList methods; // without OPTIONS
        RouteHandler handler;
    };
    void add(const QString &path, bool prefix, QStringList methods, RouteHandler handler);
    void registerKv();
    void registerTxn();
    void registerCatalog();
    void registerHealth();
    void registerAgent();
    void registerAcl();
    void registerSession();
    void registerMisc();
    void registerQuery();
    void registerConfig();
    void registerOperatorRaft();
    void registerOperatorAutopilot();
    void registerOperatorKeyring();
    void registerCoordinate();
    void registerSnapshot();

    ApiContext m_ctx;
    QHash<QString, Route> m_exact;
    QList<Route> m_prefixes; // longest first
};

} // namespace qonsul::http::v1

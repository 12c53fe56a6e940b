#pragma once
// Request helpers shared by the v1 endpoint groups: JSON replies (with ?pretty), plain-text
// errors, query options (index, wait, stale, consistent, filter), blocking queries, body
// decoding, and proposing writes.
#include <QJsonArray>
#include <QJsonValue>
#include <optional>

#include "filter/Filter.h"
#include "http/HttpResponder.h"
#include "http/v1/Api.h"
#include "state/StateStore.h"

namespace qonsul::http::v1 {

void sendError(const Responder &out, int status, const QString &message);
void sendEmpty(const Responder &out, int status = 200);
// Renders `value` as JSON (indented with ?pretty or in dev mode, like Consul). When `index` is
// set, adds X-Consul-Index (never 0), X-Consul-KnownLeader and X-Consul-LastContact.
void sendJson(const ApiContext &ctx, const HttpRequest &req, const Responder &out, const QJsonValue &value,
              std::optional<quint64> index = std::nullopt, int status = 200);
HeaderList blockingHeaders(const ApiContext &ctx, quint64 index);
bool knownLeader(const ApiContext &ctx);
QByteArray renderJson(const ApiContext &ctx, const HttpRequest &req, const QJsonValue &value);

struct QueryOptions
{
    quint64 minIndex = 0;
    qint64 waitMs = 0;
    bool stale = false;
    bool consistent = false;
    std::optional<filter::Filter> filter;
    bool indexIsHash = false; // the index is a content hash (events): any change answers
};

// Parses index/wait/stale/consistent/filter/dc; on a bad value sends the 400 and returns false.
bool parseQueryOptions(const ApiContext &ctx, const HttpRequest &req, const Responder &out, QueryOptions *opts);
// Checks ?dc= names this datacenter; otherwise sends Consul's error and returns false.
bool checkDatacenter(const ApiContext &ctx, const HttpRequest &req, const Responder &out);

// One run of a blockable read: fills the reply, records what it read in the WatchSet, returns the index.
struct QueryReply
{
    QJsonValue body{QJsonValue::Undefined}; // undefined: no body (a 404)
    int status = 200;
    QByteArray raw;            // when set, sent as-is with rawContentType instead of JSON
    QByteArray rawContentType;
};
using QueryRun = std::function<quint64(state::WatchSet *ws, QueryReply *reply)>;

// Runs `run`; with ?index=N it re-runs whenever what it read changes until the index passes N
// or ?wait (plus up to wait/16 jitter) runs out. Stops if the client goes away.
void blockingQuery(const ApiContext &ctx, const HttpRequest &req, const Responder &out, const QueryOptions &opts,
                   QueryRun run, state::WatchHub *hub = nullptr);

QJsonArray filtered(const QueryOptions &opts, const QJsonArray &items);
// ?near=<node> (or "_agent"): items (each naming its node in "Node", as a name or a node object)
// sorted by the round trip estimated from that node's network coordinate, nodes without one
// last. Unchanged when `near` is empty or that node has no coordinate, as in Consul.
QJsonArray sortedNear(const ApiContext &ctx, const QString &near, const QJsonArray &items);
// A client agent forwarding a request names itself in this header, so that "_agent" in a
// ?near= or a prepared query's Near means the agent the client asked, as in Consul (whose
// agents resolve it before their RPC). Only agents set it: one arriving from an HTTP client
// is removed.
inline constexpr QByteArrayView kAgentNodeHeader = "x-qonsul-agent-node";
// `near` with "_agent" replaced by that agent's node name.
QString nearNode(const ApiContext &ctx, const HttpRequest &req, const QString &near);

// One service instance with its node and checks, as /v1/health/service and query execute show it.
QJsonObject toJson(const state::HealthEntry &entry);

// Decodes a JSON body (empty body → empty object). On error sends 400 "Request decode failed: ..."
bool parseJsonBody(const HttpRequest &req, const Responder &out, QJsonValue *value);
bool parseJsonObject(const HttpRequest &req, const Responder &out, QJsonObject *object);

// Proposes a write; on a commit failure sends 500 with the reason, else calls `done`.
void propose(const ApiContext &ctx, const QCborMap &command, const Responder &out,
             std::function<void(const state::ApplyResult &, quint64 index)> done);

// Go's strconv.ParseBool, which Consul uses for boolean query parameters.
std::optional<bool> parseBool(const QString &text);
bool queryFlag(const HttpRequest &req, QStringView key); // present and not "false"

} // namespace qonsul::http::v1

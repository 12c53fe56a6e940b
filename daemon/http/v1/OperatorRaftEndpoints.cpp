// /v1/operator/raft/*: the Raft configuration, removing a peer, leadership transfer, and (a
// Qonsul addition until servers find each other through gossip) adding a server by address.
// A dev agent has no Raft and reports itself as the only voter.
#include "http/v1/AgentBackend.h"
#include "http/v1/Api.h"
#include "http/v1/Common.h"
#include "http/v1/RaftBackend.h"

#include "state/Committer.h"

namespace qonsul::http::v1 {

namespace {
QJsonObject serverJson(const RaftBackend::Server &s)
{
    return QJsonObject{{QStringLiteral("ID"), s.id},
                       {QStringLiteral("Node"), s.node},
                       {QStringLiteral("Address"), s.address},
                       {QStringLiteral("Leader"), s.leader},
                       {QStringLiteral("ProtocolVersion"), QStringLiteral("3")},
                       {QStringLiteral("Voter"), s.voter},
                       {QStringLiteral("LastIndex"), double(s.lastIndex)}};
}

RaftBackend::Done replyWhenDone(const Responder &out)
{
    return [out](const QString &error) {
        if (error.isEmpty())
            sendEmpty(out);
        else
            sendError(out, 500, error);
    };
}
} // namespace

void Api::registerOperatorRaft()
{
    const ApiContext ctx = m_ctx;
    AgentBackend *agent = ctx.agent;

    add(QStringLiteral("/v1/operator/raft/configuration"), false, {QStringLiteral("GET")},
        [ctx, agent](const HttpRequest &req, const QString &, const Responder &out) {
            if (!checkDatacenter(ctx, req, out))
                return;
            QJsonArray servers;
            quint64 index = ctx.store->lastIndex();
            if (ctx.raft) {
                index = ctx.raft->raftLastIndex();
                for (const RaftBackend::Server &s : ctx.raft->raftServers())
                    servers.append(serverJson(s));
            } else {
                servers.append(serverJson({agent->nodeId(), agent->nodeName(), ctx.committer->leaderAddress(),
                                           ctx.committer->isLeader(), true, index}));
            }
            sendJson(ctx, req, out,
                     QJsonObject{{QStringLiteral("Servers"), servers}, {QStringLiteral("Index"), double(index)}});
        });
    add(QStringLiteral("/v1/operator/raft/peer"), false, {QStringLiteral("DELETE"), QStringLiteral("PUT")},
        [ctx](const HttpRequest &req, const QString &, const Responder &out) {
            if (!checkDatacenter(ctx, req, out))
                return;
            const QString id = req.queryValue(u"id"), address = req.queryValue(u"address");
            if (!ctx.raft) {
                sendError(out, 500, QStringLiteral("Raft is not running on this agent (dev mode)"));
                return;
            }
            if (req.method == "PUT") {
                if (address.isEmpty()) {
                    sendError(out, 400, QStringLiteral("Must specify ?address with the server's RPC address"));
                    return;
                }
                ctx.raft->addRaftPeer(address, replyWhenDone(out));
                return;
            }
            if (id.isEmpty() == address.isEmpty()) {
                sendError(out, 400, QStringLiteral("Must specify either ?id with the server's ID or ?address with IP:port of peer to remove"));
                return;
            }
            ctx.raft->removeRaftPeer(id, address, replyWhenDone(out));
        });
    add(QStringLiteral("/v1/operator/raft/transfer-leader"), false, {QStringLiteral("POST"), QStringLiteral("PUT")},
        [ctx](const HttpRequest &req, const QString &, const Responder &out) {
            if (!checkDatacenter(ctx, req, out))
                return;
            const QString error = ctx.raft ? ctx.raft->transferLeadership(req.queryValue(u"id"))
                                           : QStringLiteral("Raft is not running on this agent (dev mode)");
            if (!error.isEmpty()) {
                sendError(out, 500, error);
                return;
            }
            sendJson(ctx, req, out, QJsonObject{{QStringLiteral("Success"), true}});
        });
}

} // namespace qonsul::http::v1

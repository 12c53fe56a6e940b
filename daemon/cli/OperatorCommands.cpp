// `qonsul operator raft list-peers | remove-peer | transfer-leader`, over /v1/operator/raft/*.
#include "cli/Command.h"
#include "cli/Output.h"

#include <QJsonArray>
#include <QJsonDocument>
#include <QJsonObject>

namespace qonsul::cli {

namespace {

using client::Request;
using client::Response;

class RaftListPeers final : public Command
{
public:
    RaftListPeers()
    {
        m_http.addClientFlags(m_flags);
        m_http.addServerFlags(m_flags);
    }
    QString synopsis() const override { return QStringLiteral("Display the current Raft peer configuration"); }
    QString usage() const override
    {
        return QStringLiteral("Usage: qonsul operator raft list-peers [options]\n\n"
                              "  Displays the current Raft peer configuration.");
    }
    int run(const QStringList &args) override
    {
        auto client = parseAndConnect(args);
        if (!client)
            return 1;
        Request req{"GET", QStringLiteral("/v1/operator/raft/configuration")};
        if (m_http.stale())
            req.param(QStringLiteral("stale"));
        const auto r = callOrReport(*client, req, QStringLiteral("Error getting peers: Failed to retrieve raft configuration"));
        if (!r)
            return 1;
        const QJsonArray servers = QJsonDocument::fromJson(r->body).object().value(u"Servers").toArray();
        quint64 leaderIndex = 0;
        for (const QJsonValue &v : servers) {
            if (v.toObject().value(u"Leader").toBool())
                leaderIndex = quint64(v.toObject().value(u"LastIndex").toDouble());
        }
        QList<QStringList> rows{{QStringLiteral("Node"), QStringLiteral("ID"), QStringLiteral("Address"),
                                 QStringLiteral("State"), QStringLiteral("Voter"), QStringLiteral("RaftProtocol"),
                                 QStringLiteral("Commit Index"), QStringLiteral("Trails Leader By")}};
        for (const QJsonValue &v : servers) {
            const QJsonObject s = v.toObject();
            const bool leader = s.value(u"Leader").toBool();
            const quint64 index = quint64(s.value(u"LastIndex").toDouble());
            const quint64 behind = leaderIndex > index ? leaderIndex - index : 0;
            QString protocol = s.value(u"ProtocolVersion").toString();
            if (protocol.isEmpty())
                protocol = QStringLiteral("<=1");
            rows << QStringList{s.value(u"Node").toString(),
                                s.value(u"ID").toString(),
                                s.value(u"Address").toString(),
                                leader ? QStringLiteral("leader") : QStringLiteral("follower"),
                                s.value(u"Voter").toBool() ? QStringLiteral("true") : QStringLiteral("false"),
                                protocol,
                                QString::number(index),
                                leader ? QStringLiteral("_")
                                       : QStringLiteral("%1 %2").arg(behind).arg(behind <= 1 ? u"Commit" : u"Commits")};
        }
        out(columnize(rows));
        return 0;
    }
};

class RaftRemovePeer final : public Command
{
public:
    RaftRemovePeer()
    {
        m_flags.addString(QStringLiteral("address"), &m_address,
                          QStringLiteral("The address to remove from the Raft configuration."));
        m_flags.addString(QStringLiteral("id"), &m_id, QStringLiteral("The ID to remove from the Raft configuration."));
        m_http.addClientFlags(m_flags);
        m_http.addServerFlags(m_flags);
    }
    QString synopsis() const override { return QStringLiteral("Remove a Consul server from the Raft configuration"); }
    QString usage() const override
    {
        return QStringLiteral("Usage: qonsul operator raft remove-peer [options]\n\n"
                              "  Remove the Consul server with given -address (or -id) from the Raft\n"
                              "  configuration, for a server that left the quorum behind. A server that still\n"
                              "  shows in \"qonsul members\" is better removed with \"qonsul force-leave\".");
    }
    int run(const QStringList &args) override
    {
        if (!m_flags.parse(args))
            return 1;
        if (m_address.isEmpty() == m_id.isEmpty()) {
            err(QStringLiteral("Error removing peer: %1")
                    .arg(m_address.isEmpty() ? QStringLiteral("an address or id is required for the peer to remove")
                                             : QStringLiteral("cannot give both an address and id")));
            return 1;
        }
        auto client = connectOrReport(m_http);
        if (!client)
            return 1;
        Request req{"DELETE", QStringLiteral("/v1/operator/raft/peer")};
        req.param(m_address.isEmpty() ? QStringLiteral("id") : QStringLiteral("address"),
                  m_address.isEmpty() ? m_id : m_address);
        const auto r = callOrReport(*client, req, QStringLiteral("Error removing peer"));
        if (!r)
            return 1;
        out(m_address.isEmpty() ? QStringLiteral("Removed peer with id \"%1\"").arg(m_id)
                                : QStringLiteral("Removed peer with address \"%1\"").arg(m_address));
        return 0;
    }

private:
    QString m_address;
    QString m_id;
};

class RaftTransferLeader final : public Command
{
public:
    RaftTransferLeader()
    {
        m_flags.addString(QStringLiteral("id"), &m_id, QStringLiteral("The ID of the node to transfer leadership to."));
        m_http.addClientFlags(m_flags);
        m_http.addServerFlags(m_flags);
    }
    QString synopsis() const override { return QStringLiteral("Transfer raft leadership to another node"); }
    QString usage() const override
    {
        return QStringLiteral("Usage: qonsul operator raft transfer-leader [options]\n\n"
                              "  Transfer raft leadership to another node.");
    }
    int run(const QStringList &args) override
    {
        auto client = parseAndConnect(args);
        if (!client)
            return 1;
        Request req{"POST", QStringLiteral("/v1/operator/raft/transfer-leader")};
        if (!m_id.isEmpty())
            req.param(QStringLiteral("id"), m_id);
        const Response r = client->call(req);
        if (!r.ok()) {
            err(QStringLiteral("Error transfering leadership: Failed to transfer leadership %1").arg(r.errorText()));
            return 1;
        }
        if (!QJsonDocument::fromJson(r.body).object().value(u"Success").toBool()) {
            err(QStringLiteral("Error transfering leadership: Failed to transfer leadership"));
            return 1;
        }
        out(QStringLiteral("Success"));
        return 0;
    }

private:
    QString m_id;
};

} // namespace

void addOperatorCommands(CommandTable &table)
{
    table[QStringLiteral("operator")] = [] {
        return std::make_unique<ParentCommand>(
            QStringLiteral("Provides cluster-level tools for Consul operators"),
            QStringLiteral("Usage: qonsul operator <subcommand> [options]\n\n"
                           "  Provides cluster-level tools for Consul operators, such as interacting with\n"
                           "  the Raft subsystem."));
    };
    table[QStringLiteral("operator raft")] = [] {
        return std::make_unique<ParentCommand>(
            QStringLiteral("Provides cluster-level tools for Consul operators"),
            QStringLiteral("Usage: qonsul operator raft <subcommand> [options]\n\n"
                           "  The Raft operator command is used to interact with Consul's Raft subsystem. The\n"
                           "  command can be used to verify Raft peers or in rare cases to recover quorum by\n"
                           "  removing invalid peers."));
    };
    table[QStringLiteral("operator raft list-peers")] = [] { return std::make_unique<RaftListPeers>(); };
    table[QStringLiteral("operator raft remove-peer")] = [] { return std::make_unique<RaftRemovePeer>(); };
    table[QStringLiteral("operator raft transfer-leader")] = [] { return std::make_unique<RaftTransferLeader>(); };
}

} // namespace qonsul::cli

// `qonsul rtt [-wan] node1 [node2]`: the round trip time the network coordinates estimate
// between two nodes (node2 defaults to the agent's own node).
#include "cli/Command.h"
#include "cli/Output.h"

#include "client/ApiClient.h"
#include "gossip/Coordinate.h"

#include <QJsonArray>
#include <QJsonDocument>
#include <QJsonObject>

namespace qonsul::cli {

using client::Request;
using client::Response;

namespace {

class Rtt final : public Command
{
public:
    Rtt()
    {
        m_flags.addBool(QStringLiteral("wan"), &m_wan,
            QStringLiteral("Use WAN coordinates instead of LAN coordinates."));
        m_http.addClientFlags(m_flags);
    }
    QString synopsis() const override { return QStringLiteral("Estimates network round trip time between nodes"); }
    QString usage() const override
    {
        return QStringLiteral("Usage: qonsul rtt [options] node1 [node2]\n\n"
                              "  Estimates the round trip time between two nodes from the network\n"
                              "  coordinates gossip maintains. Without node2 the agent's own node is used.\n"
                              "  With -wan, nodes are servers named <node>.<datacenter>.");
    }
    int run(const QStringList &args) override
    {
        if (!m_flags.parse(args))
            return 1;
        QStringList nodes = m_flags.args();
        if (nodes.isEmpty() || nodes.size() > 2) {
            err(QStringLiteral("One or two node names must be specified"));
            err(QString());
            err(help());
            return 1;
        }
        auto client = connectOrReport(m_http);
        if (!client)
            return 1;
        if (nodes.size() == 1) {
            const auto self = callOrReport(*client, { "GET", QStringLiteral("/v1/agent/self") }, QStringLiteral("Unable to look up agent info"));
            if (!self)
                return 1;
            const QJsonObject config = QJsonDocument::fromJson(self->body).object().value(u"Config").toObject();
            QString own = config.value(u"NodeName").toString();
            if (m_wan)
                own += u'.' + config.value(u"Datacenter").toString();
            nodes.append(own);
        }
        QJsonArray entries;
        if (m_wan) {
            const auto r = callOrReport(*client, { "GET", QStringLiteral("/v1/coordinate/datacenters") }, QStringLiteral("Error getting coordinates"));
            if (!r)
                return 1;
            for (const QJsonValue &dc : QJsonDocument::fromJson(r->body).array()) {
                for (const QJsonValue &c : dc.toObject().value(u"Coordinates").toArray())
                    entries.append(c);
            }
        } else {
            const auto r = callOrReport(*client, { "GET", QStringLiteral("/v1/coordinate/nodes") }, QStringLiteral("Error getting coordinates"));
            if (!r)
                return 1;
            entries = QJsonDocument::fromJson(r->body).array();
        }
        std::optional<gossip::Coordinate> coords[2];
        for (const QJsonValue &e : std::as_const(entries)) {
            for (int i = 0; i < 2; ++i) {
                if (e.toObject().value(u"Node").toString() == nodes[i])
                    coords[i] = gossip::Coordinate::fromJson(e.toObject().value(u"Coord").toObject());
            }
        }
        for (int i = 0; i < 2; ++i) {
            if (!coords[i]) {
                err(QStringLiteral("Could not find a coordinate for node \"%1\"").arg(nodes[i]));
                return 1;
            }
        }
        const double ms = coords[0]->distanceTo(*coords[1]) * 1000.0;
        out(QStringLiteral("Estimated %1 <-> %2 rtt: %3 ms (using %4 coordinates)")
                .arg(nodes[0], nodes[1], QString::number(ms, 'f', 3), m_wan ? u"WAN" : u"LAN"));
        return 0;
    }

private:
    bool m_wan = false;
};

} // namespace

void addRttCommand(CommandTable &table)
{
    table[QStringLiteral("rtt")] = [] { return std::make_unique<Rtt>(); };
}

} // namespace qonsul::cli

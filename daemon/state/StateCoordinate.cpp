// Network coordinates as nodes report them: written through Raft in batches of updates (as
// Consul's Coordinate.Update endpoint flushes them), read by /v1/coordinate/nodes and /node/<n>.
#include "state/Command.h"
#include "state/StateStore.h"

#include <QCborArray>
#include <QJsonArray>

namespace qonsul::state {

namespace {
const QString kCoordinates = QStringLiteral("coordinates");

QJsonObject entry(const QString &node, const QString &segment, const QJsonObject &coord)
{
    return QJsonObject{{QStringLiteral("Node"), node}, {QStringLiteral("Segment"), segment}, {QStringLiteral("Coord"), coord}};
}
} // namespace

quint64 StateStore::coordinates(QJsonArray *out, WatchSet *ws) const
{
    if (ws)
        ws->addTable(kCoordinates);
    for (auto it = m_coordinates.begin(); it != m_coordinates.end(); ++it) {
        for (auto seg = it.value().begin(); seg != it.value().end(); ++seg)
            out->append(entry(it.key(), seg.key(), seg.value()));
    }
    return std::max<quint64>(m_tableIndex.value(kCoordinates), 1);
}

quint64 StateStore::coordinate(const QString &node, QJsonArray *out, WatchSet *ws) const
{
    if (ws)
        ws->addTable(kCoordinates);
    // Consul's coordinates index their node in lower case.
    const api::Node *n = findNodeAnyCase(node);
    const auto it = n ? m_coordinates.constFind(n->node) : m_coordinates.constEnd();
    if (it != m_coordinates.constEnd()) {
        for (auto seg = it.value().begin(); seg != it.value().end(); ++seg)
            out->append(entry(it.key(), seg.key(), seg.value()));
    }
    return std::max<quint64>(m_tableIndex.value(kCoordinates), 1);
}

ApplyResult StateStore::applyCoordinateBatch(const QCborMap &cmd)
{
    bool changed = false;
    for (const QCborValue &v : cmd.value(QStringLiteral("updates")).toArray()) {
        const QJsonObject update = command::toJson(v);
        const QString node = update.value(u"Node").toString();
        // Coordinates go when their node is deregistered, so one for a node the catalog does
        // not know is dropped, as Consul does.
        if (!m_nodes.contains(node))
            continue;
        m_coordinates[node].insert(update.value(u"Segment").toString(), update.value(u"Coord").toObject());
        changed = true;
    }
    if (changed)
        touchTable(kCoordinates);
    return {};
}

} // namespace qonsul::state

#pragma once
// Consul's ordering by network distance (?near= on catalog and health reads, a prepared query's
// Near): results sorted by the round trip time estimated from the source node's network
// coordinate. The agent supplies the estimates (from the coordinates stored in the catalog);
// these helpers only order, so the HTTP API and the DNS resolver sort the same way.
#include <QHash>
#include <QList>
#include <QString>

#include <algorithm>
#include <limits>
#include <vector>

namespace qonsul::state {

struct NearSource
{
    QString node;               // the source, with "_agent" already replaced by the agent's node
    QHash<QString, double> rtt; // estimated seconds to each node with a coordinate; empty: no sort
};

// Stable sort by estimated round trip from the source, nodes without a coordinate last (in their
// previous order). Does nothing when the source itself has no coordinate, as Consul does.
template<typename T, typename NodeOf>
void sortByDistance(QList<T> *items, const NearSource &source, NodeOf nodeOf)
{
    if (source.rtt.isEmpty())
        return;
    std::vector<std::pair<double, qsizetype>> keys;
    keys.reserve(size_t(items->size()));
    for (qsizetype i = 0; i < items->size(); ++i)
        keys.emplace_back(source.rtt.value(nodeOf(items->at(i)), std::numeric_limits<double>::infinity()), i);
    std::stable_sort(keys.begin(), keys.end(), [](const auto &a, const auto &b) { return a.first < b.first; });
    QList<T> sorted;
    sorted.reserve(items->size());
    for (const auto &k : keys)
        sorted.append(std::move((*items)[k.second]));
    *items = std::move(sorted);
}

// A prepared query's order after the distance sort: the source node's own instance, when it is
// among the first ten, moves to the front (Consul's "the node queried for is in position 0").
template<typename T, typename NodeOf>
void sortPreparedQueryNear(QList<T> *items, const NearSource &source, NodeOf nodeOf)
{
    sortByDistance(items, source, nodeOf);
    if (source.node.isEmpty())
        return;
    for (qsizetype i = 0; i < items->size() && i < 10; ++i) {
        if (nodeOf(items->at(i)).compare(source.node, Qt::CaseInsensitive) == 0) {
            items->swapItemsAt(0, i);
            return;
        }
    }
}

} // namespace qonsul::state

#pragma once
// What the catalog holds for one node, read from a server: a client agent's anti-entropy
// compares its node info, local services and checks with it (servers read their own store).
#include <QList>
#include <optional>

#include "api/Types.h"
#include "cluster/Upstream.h"

namespace qonsul::cluster {

using NodeCatalogDone = std::function<void(bool ok, const std::optional<api::Node> &node,
                                           const QList<api::Service> &services, const QList<api::HealthCheck> &checks)>;

// Two forwarded reads (the node with its services, its checks); `done` once both answered, ok
// false when either failed. No node: the catalog does not have it.
void fetchNodeCatalog(Clock *clock, rpc::ConnectionPool *pool, Upstream *upstream, qint64 holdMs, const QString &node,
                      NodeCatalogDone done);

} // namespace qonsul::cluster

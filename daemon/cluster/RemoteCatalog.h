#pragma once
// What the catalog holds for one node, read from a server: a client agent's anti-entropy
// compares its local services and checks with it (servers read their own store).
#include <QList>

#include "api/Types.h"
#include "cluster/Upstream.h"

namespace qonsul::cluster {

using NodeCatalogDone = std::function<void(bool ok, const QList<api::Service> &services,
                                           const QList<api::HealthCheck> &checks)>;

// Two forwarded reads (the node's services, its checks); `done` once both answered, ok false
// when either failed.
void fetchNodeCatalog(Clock *clock, rpc::ConnectionPool *pool, Upstream *upstream, qint64 holdMs, const QString &node,
                      NodeCatalogDone done);

} // namespace qonsul::cluster

#pragma once
// Alias checks mirror the health of another service (alias_service) and/or node (alias_node):
// the worst status among the aliased node's node-level checks and the aliased service's checks.
// Consul's texts: "No checks found." / "All checks passing." (passing), "Aliased check %q
// failing: <output>" (warning/critical), "Service <id> could not be found on node <node>".
#include <QList>

#include "api/Types.h"
#include "checks/CheckRunner.h"

namespace qonsul::checks {

// `checks` are the checks of the aliased node (node-level and service checks);
// serviceExists tells whether alias_service is registered there.
CheckResult evaluateAlias(const QList<api::HealthCheck> &checks, const QString &aliasNode,
                          const QString &aliasService, bool serviceExists);

} // namespace qonsul::checks

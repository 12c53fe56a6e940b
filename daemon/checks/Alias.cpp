#include "checks/Alias.h"

namespace qonsul::checks {

CheckResult evaluateAlias(const QList<api::HealthCheck> &checks, const QString &aliasNode,
                          const QString &aliasService, bool serviceExists)
{
    QString health = QStringLiteral("passing");
    QString msg = QStringLiteral("No checks found.");
    bool serviceFound = false;
    for (const api::HealthCheck &chk : checks) {
        if (!aliasNode.isEmpty() && !chk.node.isEmpty() && chk.node != aliasNode)
            continue;
        const bool serviceMatch = !aliasService.isEmpty() && chk.serviceId == aliasService;
        if (!chk.serviceId.isEmpty() && !serviceMatch)
            continue;
        if (serviceMatch)
            serviceFound = true;
        if (chk.status == u"critical" || chk.status == u"warning") {
            health = chk.status;
            msg = QStringLiteral("Aliased check \"%1\" failing: %2").arg(chk.name, chk.output);
            if (chk.status == u"critical")
                break;
        } else if (health == u"passing") {
            msg = QStringLiteral("All checks passing.");
        }
    }
    if (!serviceFound && !aliasService.isEmpty() && !serviceExists) {
        health = QStringLiteral("critical");
        msg = QStringLiteral("Service %1 could not be found on node %2").arg(aliasService, aliasNode);
    }
    return {health, msg};
}

} // namespace qonsul::checks

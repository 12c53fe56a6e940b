#pragma once
// The agent's own services and checks, kept apart from the catalog and pushed to it through the
// committer whenever they change (Consul's anti-entropy, single-node form). TTL checks expire
// here: a TTL that is not renewed in time turns the check critical with "TTL expired".
#include <QHash>
#include <QMap>

#include "api/Types.h"
#include "core/Clock.h"
#include "http/v1/AgentBackend.h"

namespace qonsul::state {
class Committer;
}

namespace qonsul::agent {

class LocalState
{
public:
    LocalState(Clock *clock, state::Committer *committer, QString node, QString address, int outputMaxSize);
    ~LocalState();

    // Definitions as the HTTP API and config files give them (PascalCase or snake_case).
    http::v1::AgentError addService(const QJsonObject &definition, bool replaceExistingChecks, bool scriptsAllowed);
    http::v1::AgentError addCheck(const QJsonObject &definition, bool scriptsAllowed);
    http::v1::AgentError removeService(const QString &id);
    http::v1::AgentError removeCheck(const QString &id);
    http::v1::AgentError updateTtl(const QString &id, const QString &status, const QString &output);
    http::v1::AgentError setNodeMaintenance(bool enable, const QString &reason);
    http::v1::AgentError setServiceMaintenance(const QString &id, bool enable, const QString &reason);

    const QMap<QString, api::Service> &services() const { return m_services; }
    const QMap<QString, api::HealthCheck> &checks() const { return m_checks; }
    int ttlCheckCount() const { return int(m_ttl.size()); }

private:
    // Parses a check definition; serviceId/serviceName set for checks embedded in a service.
    http::v1::AgentError parseCheck(const QJsonObject &def, bool scriptsAllowed, api::HealthCheck *check,
                                    Nanoseconds *ttl) const;
    void putCheck(const api::HealthCheck &check, Nanoseconds ttl);
    void armTtl(const QString &id);
    void syncService(const QString &id);
    void syncCheck(const QString &id);
    void deregisterFromCatalog(const QString &serviceId, const QString &checkId);

    Clock *m_clock;
    state::Committer *m_committer;
    QString m_node;
    QString m_address;
    int m_outputMaxSize;
    QMap<QString, api::Service> m_services;
    QMap<QString, api::HealthCheck> m_checks;
    QHash<QString, Nanoseconds> m_ttl;
    QHash<QString, Clock::TimerId> m_ttlTimers;
};

} // namespace qonsul::agent

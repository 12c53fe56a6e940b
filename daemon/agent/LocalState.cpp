#include "agent/LocalState.h"

#include "core/Logging.h"
#include "state/Command.h"
#include "state/Committer.h"

namespace qonsul::agent {

using http::v1::AgentError;

namespace {
const QString kNodeMaintenance = QStringLiteral("_node_maintenance");
const QString kServiceMaintenancePrefix = QStringLiteral("_service_maintenance:");

// Check kinds that need a runner (the health-checks issue); named in the refusal.
const char *const kRunnerKinds[] = {"HTTP", "TCP", "UDP", "GRPC", "H2PING", "DockerContainerID", "AliasNode",
                                    "AliasService", "OSService"};

QString truncateOutput(const QString &output, int max)
{
    const QByteArray bytes = output.toUtf8();
    if (max <= 0 || bytes.size() <= max)
        return output;
    return QString::fromUtf8(bytes.left(max))
        + QStringLiteral(" ... (captured %1 of %2 bytes)").arg(max).arg(bytes.size());
}
} // namespace

LocalState::LocalState(Clock *clock, state::Committer *committer, QString node, QString address, int outputMaxSize)
    : m_clock(clock)
    , m_committer(committer)
    , m_node(std::move(node))
    , m_address(std::move(address))
    , m_outputMaxSize(outputMaxSize)
{
}

LocalState::~LocalState()
{
    for (Clock::TimerId t : std::as_const(m_ttlTimers))
        m_clock->cancel(t);
}

AgentError LocalState::parseCheck(const QJsonObject &def, bool scriptsAllowed, api::HealthCheck *check,
                                  Nanoseconds *ttl) const
{
    QString error;
    if (!api::fromJson(def, check, &error))
        return {400, error};
    if (check->name.isEmpty())
        return {400, QStringLiteral("Missing check name")};
    if (check->checkId.isEmpty())
        check->checkId = check->name;
    if (!api::isValidStatus(check->status))
        return {400, QStringLiteral("Invalid check status: '%1'").arg(check->status)};
    const bool script = !api::lookup(def, u"Args").isUndefined() || !api::lookup(def, u"ScriptArgs").isUndefined()
        || !api::lookup(def, u"Script").isUndefined();
    if (script && !scriptsAllowed)
        return {400, QStringLiteral("Scripts are disabled on this agent; to enable, configure "
                                    "'enable_script_checks' or 'enable_local_script_checks' to true")};
    for (const char *kind : kRunnerKinds) {
        const QJsonValue v = api::lookup(def, QString::fromLatin1(kind));
        if (script || (!v.isUndefined() && !v.isNull() && v != QJsonValue(QString())))
            return {400, QStringLiteral("Check type %1 is not supported by this agent yet; use a TTL check")
                             .arg(script ? QStringLiteral("script") : QString::fromLatin1(kind))};
    }
    const QJsonValue ttlValue = api::lookup(def, u"TTL");
    if (ttlValue.isUndefined() || ttlValue.toString().isEmpty())
        return {400, QStringLiteral("Invalid check: TTL must be > 0 for TTL checks")};
    const auto parsed = parseDuration(ttlValue.toString());
    if (!parsed || *parsed <= 0)
        return {400, QStringLiteral("Invalid check: TTL must be > 0 for TTL checks")};
    *ttl = *parsed;
    check->type = QStringLiteral("ttl");
    check->node = m_node;
    check->output = truncateOutput(check->output, m_outputMaxSize);
    return {};
}

AgentError LocalState::addService(const QJsonObject &def, bool replaceExistingChecks, bool scriptsAllowed)
{
    api::Service service;
    QString error;
    if (!api::fromJson(def, &service, &error))
        return {400, error};
    if (service.service.isEmpty())
        return {400, QStringLiteral("Missing service name")};
    if (service.port < 0 || service.port > 65535)
        return {400, QStringLiteral("Invalid Service Port: %1").arg(service.port)};
    if (service.meta.size() > 64)
        return {400, QStringLiteral("Invalid Service Meta: Node metadata cannot contain more than 64 key/value pairs")};
    for (auto it = service.meta.begin(); it != service.meta.end(); ++it) {
        if (it.key().startsWith(u"consul-"))
            return {400, QStringLiteral("Invalid Service Meta: Key prefix 'consul-' is reserved for internal use")};
        if (it.key().size() > 128 || it.value().size() > 512)
            return {400, QStringLiteral("Invalid Service Meta: Key or value too long")};
    }
    // Embedded checks: "service:<id>" for one, "service:<id>:<n>" for several (Consul's ids).
    QJsonArray defs = api::lookup(def, u"Checks").toArray();
    const QJsonValue single = api::lookup(def, u"Check");
    if (single.isObject() && !single.toObject().isEmpty())
        defs.prepend(single);
    QList<QPair<api::HealthCheck, Nanoseconds>> checks;
    for (qsizetype i = 0; i < defs.size(); ++i) {
        QJsonObject c = defs.at(i).toObject();
        if (api::lookup(c, u"Name").toString().isEmpty())
            c.insert(QStringLiteral("Name"), QStringLiteral("Service '%1' check").arg(service.service));
        if (api::lookup(c, u"CheckID").toString().isEmpty() && api::lookup(c, u"ID").toString().isEmpty())
            c.insert(QStringLiteral("CheckID"), defs.size() == 1 ? QStringLiteral("service:%1").arg(service.id)
                                                                 : QStringLiteral("service:%1:%2").arg(service.id).arg(i + 1));
        api::HealthCheck check;
        Nanoseconds ttl = 0;
        if (const AgentError e = parseCheck(c, scriptsAllowed, &check, &ttl))
            return e;
        check.serviceId = service.id;
        check.serviceName = service.service;
        check.serviceTags = service.tags;
        checks.append({check, ttl});
    }
    if (replaceExistingChecks) {
        QStringList stale;
        for (const api::HealthCheck &c : std::as_const(m_checks)) {
            if (c.serviceId == service.id && !c.checkId.startsWith(kServiceMaintenancePrefix))
                stale.append(c.checkId);
        }
        for (const QString &id : std::as_const(stale))
            removeCheck(id);
    }
    m_services.insert(service.id, service);
    for (const auto &[check, ttl] : std::as_const(checks)) {
        api::HealthCheck c = check;
        // Re-registering keeps the status a TTL check already reported.
        const auto existing = m_checks.constFind(c.checkId);
        if (existing != m_checks.constEnd() && m_ttl.contains(c.checkId)) {
            c.status = existing->status;
            c.output = existing->output;
        }
        m_checks.insert(c.checkId, c);
        m_ttl.insert(c.checkId, ttl);
        armTtl(c.checkId);
    }
    syncService(service.id);
    qCInfo(lcAgent).noquote() << "Synced service:" << QStringLiteral("service=%1").arg(service.id);
    return {};
}

AgentError LocalState::addCheck(const QJsonObject &def, bool scriptsAllowed)
{
    api::HealthCheck check;
    Nanoseconds ttl = 0;
    if (const AgentError e = parseCheck(def, scriptsAllowed, &check, &ttl))
        return e;
    if (!check.serviceId.isEmpty()) {
        const auto service = m_services.constFind(check.serviceId);
        if (service == m_services.constEnd())
            return {400, QStringLiteral("ServiceID \"%1\" does not exist").arg(check.serviceId)};
        check.serviceName = service->service;
        check.serviceTags = service->tags;
    }
    putCheck(check, ttl);
    return {};
}

void LocalState::putCheck(const api::HealthCheck &check, Nanoseconds ttl)
{
    m_checks.insert(check.checkId, check);
    if (ttl > 0) {
        m_ttl.insert(check.checkId, ttl);
        armTtl(check.checkId);
    }
    syncCheck(check.checkId);
}

void LocalState::armTtl(const QString &id)
{
    if (const Clock::TimerId t = m_ttlTimers.take(id))
        m_clock->cancel(t);
    const Nanoseconds ttl = m_ttl.value(id);
    if (ttl <= 0)
        return;
    m_ttlTimers.insert(id, m_clock->schedule(ttl / kMillisecond, [this, id] {
        m_ttlTimers.remove(id);
        auto it = m_checks.find(id);
        if (it == m_checks.end())
            return;
        qCWarning(lcAgent).noquote() << "Check missed TTL, is now critical:" << QStringLiteral("check=%1").arg(id);
        it->status = QStringLiteral("critical");
        it->output = QStringLiteral("TTL expired");
        syncCheck(id);
    }));
}

AgentError LocalState::removeService(const QString &id)
{
    if (!m_services.contains(id))
        return {404, QStringLiteral("Unknown service ID \"%1\". Ensure that the service ID is passed, not the service name.").arg(id)};
    m_services.remove(id);
    QStringList doomed;
    for (const api::HealthCheck &c : std::as_const(m_checks)) {
        if (c.serviceId == id)
            doomed.append(c.checkId);
    }
    for (const QString &checkId : std::as_const(doomed)) {
        m_checks.remove(checkId);
        m_ttl.remove(checkId);
        if (const Clock::TimerId t = m_ttlTimers.take(checkId))
            m_clock->cancel(t);
    }
    deregisterFromCatalog(id, {});
    qCInfo(lcAgent).noquote() << "Deregistered service:" << QStringLiteral("service=%1").arg(id);
    return {};
}

AgentError LocalState::removeCheck(const QString &id)
{
    if (!m_checks.contains(id))
        return {404, QStringLiteral("Unknown check ID \"%1\". Ensure that the check ID is passed, not the check name.").arg(id)};
    m_checks.remove(id);
    m_ttl.remove(id);
    if (const Clock::TimerId t = m_ttlTimers.take(id))
        m_clock->cancel(t);
    deregisterFromCatalog({}, id);
    return {};
}

AgentError LocalState::updateTtl(const QString &id, const QString &status, const QString &output)
{
    auto it = m_checks.find(id);
    if (it == m_checks.end())
        return {404, QStringLiteral("Unknown check ID \"%1\". Ensure that the check ID is passed, not the check name.").arg(id)};
    if (!m_ttl.contains(id))
        return {500, QStringLiteral("CheckID \"%1\" does not have associated TTL").arg(id)};
    it->status = status;
    it->output = truncateOutput(output, m_outputMaxSize);
    armTtl(id);
    syncCheck(id);
    return {};
}

AgentError LocalState::setNodeMaintenance(bool enable, const QString &reason)
{
    if (!enable)
        return m_checks.contains(kNodeMaintenance) ? removeCheck(kNodeMaintenance) : AgentError{};
    api::HealthCheck c;
    c.node = m_node;
    c.checkId = kNodeMaintenance;
    c.name = QStringLiteral("Node Maintenance Mode");
    c.notes = reason.isEmpty() ? QStringLiteral("Maintenance mode is enabled for this node, but no reason was "
                                                "provided. This is a default message.")
                               : reason;
    c.status = QStringLiteral("critical");
    c.type = QStringLiteral("maintenance");
    putCheck(c, 0);
    return {};
}

AgentError LocalState::setServiceMaintenance(const QString &id, bool enable, const QString &reason)
{
    const auto service = m_services.constFind(id);
    if (service == m_services.constEnd())
        return {404, QStringLiteral("No service registered with ID \"%1\"").arg(id)};
    const QString checkId = kServiceMaintenancePrefix + id;
    if (!enable)
        return m_checks.contains(checkId) ? removeCheck(checkId) : AgentError{};
    api::HealthCheck c;
    c.node = m_node;
    c.checkId = checkId;
    c.name = QStringLiteral("Service Maintenance Mode");
    c.notes = reason.isEmpty() ? QStringLiteral("Maintenance mode is enabled for this service, but no reason was "
                                                "provided. This is a default message.")
                               : reason;
    c.status = QStringLiteral("critical");
    c.serviceId = id;
    c.serviceName = service->service;
    c.serviceTags = service->tags;
    c.type = QStringLiteral("maintenance");
    putCheck(c, 0);
    return {};
}

void LocalState::syncService(const QString &id)
{
    const api::Service &service = m_services[id];
    QJsonArray checks;
    for (const api::HealthCheck &c : std::as_const(m_checks)) {
        if (c.serviceId == id)
            checks.append(api::toJson(c));
    }
    const QJsonObject body{{QStringLiteral("Node"), m_node},
                           {QStringLiteral("Address"), m_address},
                           {QStringLiteral("SkipNodeUpdate"), true},
                           {QStringLiteral("Service"), api::toJson(service)},
                           {QStringLiteral("Checks"), checks}};
    m_committer->propose(state::command::registerNode(body, m_clock->wallMs()),
                         [id](const state::ApplyResult &r, quint64, const QString &error) {
                             if (!error.isEmpty() || !r.error.isEmpty())
                                 qCWarning(lcAgent).noquote() << "Failed to sync service" << id << error << r.error;
                         });
}

void LocalState::syncCheck(const QString &id)
{
    const QJsonObject body{{QStringLiteral("Node"), m_node},
                           {QStringLiteral("Address"), m_address},
                           {QStringLiteral("SkipNodeUpdate"), true},
                           {QStringLiteral("Check"), api::toJson(m_checks[id])}};
    m_committer->propose(state::command::registerNode(body, m_clock->wallMs()),
                         [id](const state::ApplyResult &r, quint64, const QString &error) {
                             if (!error.isEmpty() || !r.error.isEmpty())
                                 qCWarning(lcAgent).noquote() << "Failed to sync check" << id << error << r.error;
                         });
}

void LocalState::deregisterFromCatalog(const QString &serviceId, const QString &checkId)
{
    m_committer->propose(state::command::deregister(m_node, serviceId, checkId, m_clock->wallMs()), {});
}

} // namespace qonsul::agent

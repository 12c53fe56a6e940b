#include "agent/LocalState.h"

#include "checks/Alias.h"
#include "core/Logging.h"
#include "state/Command.h"
#include "state/Committer.h"
#include "state/StateStore.h"

#include <QJsonArray>
#include <QRandomGenerator>

namespace qonsul::agent {

using http::v1::AgentError;

namespace {
const QString kNodeMaintenance = QStringLiteral("_node_maintenance");
const QString kServiceMaintenancePrefix = QStringLiteral("_service_maintenance:");
const QString kConsulServiceId = QStringLiteral("consul");
const QString kSerfCheckId = QStringLiteral("serfHealth");

qint64 stagger(qint64 ms)
{
    return ms > 0 ? qint64(QRandomGenerator::global()->bounded(quint64(ms))) : 0;
}

// Consul's anti-entropy timings: a failed sync is retried after retryFailIntv plus a stagger of
// up to as much; a server joining brings the full sync forward to within serverUpIntv.
constexpr qint64 kRetryFailMs = 15000;
constexpr qint64 kServerUpMs = 3000;

// What the catalog keeps of a check or service, for the full sync's comparison.
QJsonObject comparable(QJsonObject o)
{
    for (const char *key : {"CreateIndex", "ModifyIndex", "Interval", "Timeout", "Definition", "ExposedPort"})
        o.remove(QLatin1String(key));
    return o;
}
} // namespace

LocalState::LocalState(Clock *clock, state::Committer *committer, const state::StateStore *store,
                       NamFactory nam, Options options)
    : m_clock(clock)
    , m_committer(committer)
    , m_store(store)
    , m_nam(std::move(nam))
    , m_options(std::move(options))
{
}

LocalState::~LocalState()
{
    for (auto &[id, st] : m_state) {
        if (st.runner)
            st.runner->stop();
        if (st.ttlTimer)
            m_clock->cancel(st.ttlTimer);
        if (st.deferTimer)
            m_clock->cancel(st.deferTimer);
    }
    for (Clock::TimerId t : {m_fullSyncTimer, m_reapTimer, m_remoteAliasTimer}) {
        if (t)
            m_clock->cancel(t);
    }
}

void LocalState::start()
{
    scheduleFullSync(m_options.fullSyncIntervalMs + stagger(m_options.fullSyncIntervalMs / 4));
    scheduleReap();
}

void LocalState::scheduleReap()
{
    m_reapTimer = m_clock->schedule(m_options.reapIntervalMs, [this] {
        m_reapTimer = 0;
        reapCriticalServices();
        scheduleReap();
    });
}

void LocalState::scheduleRemoteAliasPoll()
{
    if (m_remoteAliasTimer)
        return;
    // Aliases of other nodes read the catalog once a second.
    m_remoteAliasTimer = m_clock->schedule(1000, [this] {
        m_remoteAliasTimer = 0;
        bool any = false;
        for (const auto &[id, st] : m_state)
            any |= st.spec.kind == checks::Kind::Alias && !st.spec.aliasNode.isEmpty() && st.spec.aliasNode != m_options.node;
        if (!any)
            return;
        refreshAliases();
        scheduleRemoteAliasPoll();
    });
}

void LocalState::setOptions(const Options &options)
{
    m_options.checkUpdateInterval = options.checkUpdateInterval;
    m_options.discardCheckOutput = options.discardCheckOutput;
    m_options.enableScriptChecks = options.enableScriptChecks;
    m_options.enableLocalScriptChecks = options.enableLocalScriptChecks;
    m_options.outputMaxSize = options.outputMaxSize;
    m_options.checkTls = options.checkTls;
    m_options.sidecarPorts = options.sidecarPorts;
    // Reloaded node meta: written to the catalog at once (Consul's loadMetadata marks the node
    // info out of sync).
    if (options.nodeInfo != m_options.nodeInfo) {
        m_options.nodeInfo = options.nodeInfo;
        m_nodeInfoInSync = false;
        fullSyncWithin(0);
    }
}

int LocalState::ttlCheckCount() const
{
    int n = 0;
    for (const auto &[id, st] : m_state)
        n += !st.maintenance && st.spec.kind == checks::Kind::Ttl;
    return n;
}

int LocalState::scriptCheckCount() const
{
    int n = 0;
    for (const auto &[id, st] : m_state)
        n += st.spec.kind == checks::Kind::Script;
    return n;
}

QString LocalState::truncate(const QString &output) const
{
    const int max = m_options.outputMaxSize > 0 ? m_options.outputMaxSize : checks::kDefaultOutputMaxSize;
    const QByteArray bytes = output.toUtf8();
    if (bytes.size() <= max)
        return output;
    return QString::fromUtf8(bytes.left(max))
        + QStringLiteral(" ... (captured %1 of %2 bytes)").arg(max).arg(bytes.size());
}

// ---------------------------------------------------------------------------------------
// Definitions

AgentError LocalState::prepareCheck(
    const QJsonObject &def, Source source, const QString &invalidStatus, PreparedCheck *out) const
{
    api::HealthCheck check;
    QString error;
    if (!api::fromJson(def, &check, &error))
        return {400, error};
    if (check.name.isEmpty())
        return {400, QStringLiteral("Missing check name")};
    if (check.checkId.isEmpty())
        check.checkId = check.name;
    if (!api::isValidStatus(check.status))
        return { 400, invalidStatus };
    checks::CheckSpec spec;
    if (!checks::parseCheckSpec(def, &spec, &error))
        return {400, error.startsWith(u"Request decode failed") ? error : QStringLiteral("Invalid check: ") + error};
    if (spec.isScript()) {
        if (source == Source::Local && !m_options.enableLocalScriptChecks)
            return {400, QStringLiteral("Scripts are disabled on this agent; to enable, configure "
                                        "'enable_script_checks' or 'enable_local_script_checks' to true")};
        if (source == Source::Remote && !m_options.enableScriptChecks)
            return {400, QStringLiteral("Scripts are disabled on this agent from remote calls; to enable, "
                                        "configure 'enable_script_checks' to true")};
    }
    check.type = checks::kindName(spec.kind);
    check.node = m_options.node;
    check.output = truncate(check.output);
    if (spec.needsRunner()) {
        if (spec.interval < checks::kMinInterval)
            qCWarning(lcAgent).noquote() << "check has interval below minimum:"
                                         << QStringLiteral("check=%1 minimum_interval=1s").arg(check.checkId);
        check.interval = spec.effectiveInterval();
        check.timeout = spec.timeout;
    }
    out->check = check;
    out->spec = spec;
    out->definition = def;
    return {};
}

AgentError LocalState::prepareService(const QJsonObject &def, Source source, api::Service *serviceOut,
                                      QList<PreparedCheck> *checksOut) const
{
    api::Service service;
    QString error;
    if (!api::fromJson(def, &service, &error))
        return {400, error};
    if (service.service.isEmpty())
        return {400, QStringLiteral("Missing service name")};
    if (service.id.isEmpty())
        service.id = service.service;
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
    for (qsizetype i = 0; i < defs.size(); ++i) {
        QJsonObject c = defs.at(i).toObject();
        if (api::lookup(c, u"Name").toString().isEmpty())
            c.insert(QStringLiteral("Name"), QStringLiteral("Service '%1' check").arg(service.service));
        if (api::lookup(c, u"CheckID").toString().isEmpty() && api::lookup(c, u"ID").toString().isEmpty())
            c.insert(QStringLiteral("CheckID"), defs.size() == 1 ? QStringLiteral("service:%1").arg(service.id)
                                                                 : QStringLiteral("service:%1:%2").arg(service.id).arg(i + 1));
        PreparedCheck prepared;
        if (const AgentError e = prepareCheck(c, source,
                QStringLiteral("Status for checks must 'passing', 'warning', 'critical'"), &prepared))
            return e;
        prepared.check.serviceId = service.id;
        prepared.check.serviceName = service.service;
        prepared.check.serviceTags = service.tags;
        checksOut->append(prepared);
    }
    *serviceOut = service;
    return {};
}

AgentError LocalState::addService(const QJsonObject &def, bool replaceExistingChecks, Source source)
{
    // Everything is validated before anything changes: the parent, then its sidecar.
    QJsonObject own, sidecarDef;
    if (const AgentError e = expandSidecar(def, m_services, m_options.sidecarPorts, &own, &sidecarDef))
        return e;
    api::Service service, sidecar;
    QList<PreparedCheck> checks, sidecarChecks;
    if (const AgentError e = prepareService(own, source, &service, &checks))
        return e;
    if (!sidecarDef.isEmpty()) {
        if (const AgentError e = prepareService(sidecarDef, source, &sidecar, &sidecarChecks))
            return e;
    }
    installService(def, service, checks, replaceExistingChecks, source, QString());
    QString error;
    if (m_persist && source == Source::Remote && !m_persist->saveService(service.id, def, QString(), &error))
        qCWarning(lcAgent).noquote() << "failed to persist service" << service.id << error;
    // The sidecar is not persisted on its own: its parent's definition brings it back.
    if (!sidecarDef.isEmpty())
        installService(sidecarDef, sidecar, sidecarChecks, replaceExistingChecks, source, service.id);
    syncChanges();
    refreshAliases();
    return {};
}

void LocalState::installService(const QJsonObject &def, const api::Service &service, const QList<PreparedCheck> &checks,
                                bool replaceExistingChecks, Source source, const QString &sidecarOf)
{
    if (replaceExistingChecks) {
        QSet<QString> keep;
        for (const PreparedCheck &p : checks)
            keep.insert(p.check.checkId);
        QStringList stale;
        for (const api::HealthCheck &c : std::as_const(m_checks)) {
            if (c.serviceId == service.id && !keep.contains(c.checkId) && !c.checkId.startsWith(kServiceMaintenancePrefix))
                stale.append(c.checkId);
        }
        for (const QString &id : std::as_const(stale))
            dropCheck(id);
    }
    m_deletedServices.remove(service.id);
    m_services.insert(service.id, service);
    m_serviceMeta.insert(service.id, ServiceMeta{def, source, false, sidecarOf});
    m_unsyncedServices.insert(service.id);
    // Checks already there (and the maintenance check) follow the service's name and tags.
    for (api::HealthCheck &c : m_checks) {
        if (c.serviceId == service.id) {
            c.serviceName = service.service;
            c.serviceTags = service.tags;
        }
    }
    for (const PreparedCheck &p : checks)
        installCheck(p, source);
    qCDebug(lcAgent).noquote() << "added service" << service.id;
}

AgentError LocalState::addCheck(const QJsonObject &def, Source source)
{
    PreparedCheck prepared;
    if (const AgentError e = prepareCheck(def, source, QStringLiteral("Bad check status"), &prepared))
        return e;
    if (!prepared.check.serviceId.isEmpty()) {
        const auto service = m_services.constFind(prepared.check.serviceId);
        if (service == m_services.constEnd())
            return { 404, QStringLiteral("ServiceID \"%1\" does not exist").arg(prepared.check.serviceId) };
        prepared.check.serviceName = service->service;
        prepared.check.serviceTags = service->tags;
    }
    installCheck(prepared, source);
    QString error;
    if (m_persist && source == Source::Remote && !m_persist->saveCheck(prepared.check.checkId, def, QString(), &error))
        qCWarning(lcAgent).noquote() << "failed to persist check" << prepared.check.checkId << error;
    syncChanges();
    refreshAliases();
    return {};
}

void LocalState::installCheck(const PreparedCheck &p, Source source)
{
    const QString id = p.check.checkId;
    m_deletedChecks.remove(id);
    auto existing = m_state.find(id);
    if (existing != m_state.end() && existing->second.definition == p.definition && existing->second.source == source
        && m_checks.value(id).serviceId == p.check.serviceId) {
        // Unchanged: keep its status, counters, runner and schedule.
        api::HealthCheck &c = m_checks[id];
        c.serviceName = p.check.serviceName;
        c.serviceTags = p.check.serviceTags;
        markCheckUnsynced(id);
        return;
    }
    api::HealthCheck check = p.check;
    if (existing != m_state.end()) {
        // Re-registering a TTL check keeps the status it already reported.
        if (existing->second.spec.kind == checks::Kind::Ttl && p.spec.kind == checks::Kind::Ttl) {
            check.status = m_checks.value(id).status;
            check.output = m_checks.value(id).output;
        }
        dropCheck(id);
        m_deletedChecks.remove(id);
    }
    m_checks.insert(id, check);
    CheckState &st = m_state[id];
    st.spec = p.spec;
    if (p.spec.kind == checks::Kind::Alias)
        m_aliasChecks.insert(id);
    else
        m_aliasChecks.remove(id);
    st.definition = p.definition;
    st.source = source;
    st.handler = checks::StatusHandler(p.spec.successBeforePassing, p.spec.failuresBeforeWarning,
                                       p.spec.failuresBeforeCritical);
    st.criticalSinceMs = check.status == u"critical" ? m_clock->monotonicMs() : -1;
    if (p.spec.kind == checks::Kind::Ttl) {
        armTtl(id);
    } else if (p.spec.needsRunner()) {
        const bool usesNam = p.spec.kind == checks::Kind::Http || p.spec.kind == checks::Kind::Grpc;
        st.runner = checks::makeRunner(m_clock, usesNam && m_nam ? m_nam() : nullptr, m_options.checkTls, p.spec,
                                       p.spec.outputLimit(m_options.outputMaxSize),
                                       [this, id](const checks::CheckResult &r) { onResult(id, r); });
        st.runner->start();
    }
    if (p.spec.kind == checks::Kind::Alias && !p.spec.aliasNode.isEmpty() && p.spec.aliasNode != m_options.node)
        scheduleRemoteAliasPoll();
    if (p.spec.deregisterCriticalServiceAfter > 0 && p.spec.deregisterCriticalServiceAfter < checks::kMinDeregisterAfter)
        qCWarning(lcAgent).noquote() << "check has deregister interval below minimum:"
                                     << QStringLiteral("check=%1 minimum_interval=1m0s").arg(id);
    markCheckUnsynced(id);
}

void LocalState::dropCheck(const QString &id)
{
    if (m_persist) {
        m_persist->removeCheck(id);
        m_persist->removeCheckState(id);
    }
    auto it = m_state.find(id);
    if (it != m_state.end()) {
        if (it->second.runner)
            it->second.runner->stop();
        if (it->second.ttlTimer)
            m_clock->cancel(it->second.ttlTimer);
        if (it->second.deferTimer)
            m_clock->cancel(it->second.deferTimer);
        m_state.erase(it);
    }
    m_aliasChecks.remove(id);
    if (m_checks.remove(id))
        m_deletedChecks.insert(id);
}

AgentError LocalState::removeService(const QString &id)
{
    if (!m_services.contains(id))
        return {404, QStringLiteral("Unknown service ID \"%1\". Ensure that the service ID is passed, not the service name.").arg(id)};
    m_services.remove(id);
    m_serviceMeta.remove(id);
    if (m_persist)
        m_persist->removeService(id);
    QStringList doomed;
    for (const api::HealthCheck &c : std::as_const(m_checks)) {
        if (c.serviceId == id)
            doomed.append(c.checkId);
    }
    for (const QString &checkId : std::as_const(doomed)) {
        dropCheck(checkId);
        m_deletedChecks.remove(checkId); // the service's deregistration takes its checks along
    }
    m_deletedServices.insert(id);
    // A sidecar registered through this service goes with it (not a service that only has its ID).
    const QString sidecar = sidecarId(id);
    if (m_serviceMeta.contains(sidecar) && m_serviceMeta.value(sidecar).sidecarOf == id)
        return removeService(sidecar);
    syncChanges();
    refreshAliases();
    return {};
}

AgentError LocalState::removeCheck(const QString &id)
{
    if (!m_checks.contains(id))
        return {404, QStringLiteral("Unknown check ID \"%1\". Ensure that the check ID is passed, not the check name.").arg(id)};
    dropCheck(id);
    syncChanges();
    refreshAliases();
    return {};
}

// ---------------------------------------------------------------------------------------
// Results

void LocalState::armTtl(const QString &id, qint64 afterMs)
{
    auto it = m_state.find(id);
    if (it == m_state.end())
        return;
    CheckState &st = it->second;
    if (st.ttlTimer)
        m_clock->cancel(st.ttlTimer);
    st.ttlTimer = 0;
    if (st.spec.ttl <= 0)
        return;
    st.ttlTimer = m_clock->schedule(qMax<qint64>(1, afterMs >= 0 ? afterMs : st.spec.ttl / kMillisecond), [this, id] {
        auto it = m_state.find(id);
        if (it == m_state.end())
            return;
        it->second.ttlTimer = 0;
        qCWarning(lcAgent).noquote() << "Check missed TTL, is now critical:" << QStringLiteral("check=%1").arg(id);
        const QString last = it->second.lastTtlOutput;
        updateCheck(id, QStringLiteral("critical"),
                    last.isEmpty() ? QStringLiteral("TTL expired")
                                   : QStringLiteral("TTL expired (last output before timeout follows): %1").arg(last));
    });
}

AgentError LocalState::updateTtl(const QString &id, const QString &status, const QString &output)
{
    if (!m_checks.contains(id))
        return {404, QStringLiteral("Unknown check ID \"%1\". Ensure that the check ID is passed, not the check name.").arg(id)};
    auto it = m_state.find(id);
    if (it == m_state.end() || it->second.maintenance || it->second.spec.kind != checks::Kind::Ttl)
        return {500, QStringLiteral("CheckID \"%1\" does not have associated TTL").arg(id)};
    const QString out = truncate(output);
    it->second.lastTtlOutput = out;
    armTtl(id);
    updateCheck(id, status, out);
    persistTtl(id);
    return {};
}

void LocalState::persistTtl(const QString &id)
{
    const auto it = m_state.find(id);
    if (!m_persist || it == m_state.end())
        return;
    const api::HealthCheck &c = m_checks[id];
    QString error;
    if (!m_persist->saveCheckState({id, c.status, c.output, m_clock->wallMs() + it->second.spec.ttl / kMillisecond},
                                   &error))
        qCWarning(lcAgent).noquote() << "failed to persist check state" << id << error;
}

void LocalState::loadPersisted()
{
    if (!m_persist)
        return;
    QStringList warnings;
    for (const checks::LocalPersistence::Entry &e : m_persist->services(&warnings)) {
        if (m_services.contains(e.id))
            continue; // defined in a config file
        if (const AgentError err = addService(e.definition, false, Source::Remote))
            warnings << QStringLiteral("persisted service %1: %2").arg(e.id, err.message);
    }
    for (const checks::LocalPersistence::Entry &e : m_persist->checks(&warnings)) {
        if (m_checks.contains(e.id))
            continue;
        if (const AgentError err = addCheck(e.definition, Source::Remote))
            warnings << QStringLiteral("persisted check %1: %2").arg(e.id, err.message);
    }
    for (const QString &w : std::as_const(warnings))
        qCWarning(lcAgent).noquote() << "skipped" << w;
    // TTL statuses that had not expired come back with the time they had left.
    const qint64 now = m_clock->wallMs();
    for (auto &[id, st] : m_state) {
        if (st.spec.kind != checks::Kind::Ttl)
            continue;
        const std::optional<checks::PersistedCheckState> saved = m_persist->checkState(id, now);
        if (!saved)
            continue;
        st.lastTtlOutput = saved->output;
        armTtl(id, saved->expiresWallMs - now);
        updateCheck(id, saved->status, saved->output);
    }
}

void LocalState::onResult(const QString &id, const checks::CheckResult &result)
{
    auto it = m_state.find(id);
    if (it == m_state.end())
        return;
    if (result.bypassCounters) {
        updateCheck(id, result.status, result.output);
        return;
    }
    if (const auto update = it->second.handler.update(result.status, result.output))
        updateCheck(id, update->status, update->output);
    else
        qCWarning(lcAgent).noquote() << "Check result below threshold:"
                                     << QStringLiteral("check=%1 status=%2 success_count=%3 failure_count=%4")
                                            .arg(id, result.status)
                                            .arg(it->second.handler.successCounter())
                                            .arg(it->second.handler.failuresCounter());
}

void LocalState::updateCheck(const QString &id, const QString &status, const QString &rawOutput)
{
    auto cit = m_checks.find(id);
    auto sit = m_state.find(id);
    if (cit == m_checks.end() || sit == m_state.end())
        return;
    const QString output = m_options.discardCheckOutput ? QString() : rawOutput;
    CheckState &st = sit->second;
    if (status == u"critical") {
        if (st.criticalSinceMs < 0)
            st.criticalSinceMs = m_clock->monotonicMs();
    } else {
        st.criticalSinceMs = -1;
    }
    if (cit->status == status && cit->output == output)
        return;
    const qint64 deferMs = m_options.checkUpdateInterval / kMillisecond;
    if (deferMs > 0 && cit->status == status) {
        // Output-only change: keep it locally, write it back later.
        cit->output = output;
        if (!st.deferTimer) {
            st.deferTimer = m_clock->schedule(deferMs / 2 + stagger(deferMs), [this, id] {
                auto it = m_state.find(id);
                if (it == m_state.end())
                    return;
                it->second.deferTimer = 0;
                markCheckUnsynced(id);
                syncChanges();
            });
        }
        return;
    }
    if (status != cit->status)
        qCDebug(lcAgent).noquote() << "Check status updated:" << QStringLiteral("check=%1 status=%2").arg(id, status);
    cit->status = status;
    cit->output = output;
    markCheckUnsynced(id);
    syncChanges();
    refreshAliases();
}

void LocalState::refreshAliases()
{
    if (m_refreshingAliases) {
        m_aliasesDirty = true;
        return;
    }
    m_refreshingAliases = true;
    for (int round = 0; round < 8; ++round) {
        m_aliasesDirty = false;
        QList<QPair<QString, checks::CheckResult>> results;
        // Only the alias checks, in ID order: a scan of every check on each status change
        // was quadratic with 10,000 TTL checks (docs/benchmarks.md, "TTL checks").
        QStringList aliases = m_aliasChecks.values();
        std::sort(aliases.begin(), aliases.end());
        for (const QString &id : std::as_const(aliases)) {
            const auto found = m_state.find(id);
            if (found == m_state.end())
                continue;
            const CheckState &st = found->second;
            const QString node = st.spec.aliasNode;
            const QString svc = st.spec.aliasService;
            QList<api::HealthCheck> list;
            bool exists = false;
            if (node.isEmpty() || node == m_options.node) {
                for (const api::HealthCheck &c : std::as_const(m_checks)) {
                    if (c.checkId != id)
                        list.append(c);
                }
                exists = !svc.isEmpty() && m_services.contains(svc);
            } else if (m_store) {
                m_store->nodeChecks(node, &list);
                exists = !svc.isEmpty() && m_store->findService(node, svc);
            }
            results.append({id, checks::evaluateAlias(list, node, svc, exists)});
        }
        for (const auto &[id, r] : std::as_const(results))
            updateCheck(id, r.status, r.output);
        if (!m_aliasesDirty)
            break;
    }
    m_refreshingAliases = false;
}

void LocalState::reapCriticalServices()
{
    const qint64 now = m_clock->monotonicMs();
    QSet<QString> doomed;
    for (const auto &[id, st] : m_state) {
        const Nanoseconds after = st.spec.deregisterCriticalServiceAfter;
        const QString serviceId = m_checks.value(id).serviceId;
        if (after <= 0 || serviceId.isEmpty() || st.criticalSinceMs < 0)
            continue;
        const qint64 limitMs = qMax(after, checks::kMinDeregisterAfter) / kMillisecond;
        if (now - st.criticalSinceMs > limitMs)
            doomed.insert(serviceId);
    }
    for (const QString &serviceId : std::as_const(doomed)) {
        if (!m_services.contains(serviceId))
            continue;
        removeService(serviceId);
        qCInfo(lcAgent).noquote() << "Check for service has been critical for too long; deregistered service:"
                                  << QStringLiteral("service=%1").arg(serviceId);
    }
}

// ---------------------------------------------------------------------------------------
// Maintenance

void LocalState::putMaintenanceCheck(const api::HealthCheck &check)
{
    m_deletedChecks.remove(check.checkId);
    if (m_state.count(check.checkId))
        dropCheck(check.checkId);
    m_deletedChecks.remove(check.checkId);
    m_checks.insert(check.checkId, check);
    CheckState &st = m_state[check.checkId];
    st.maintenance = true;
    st.spec.kind = checks::Kind::Ttl; // no runner, no TTL
    st.spec.ttl = 0;
    st.criticalSinceMs = -1; // maintenance never reaps
    markCheckUnsynced(check.checkId);
    syncChanges();
    refreshAliases();
}

AgentError LocalState::setNodeMaintenance(bool enable, const QString &reason)
{
    if (!enable)
        return m_checks.contains(kNodeMaintenance) ? removeCheck(kNodeMaintenance) : AgentError{};
    api::HealthCheck c;
    c.node = m_options.node;
    c.checkId = kNodeMaintenance;
    c.name = QStringLiteral("Node Maintenance Mode");
    c.notes = reason.isEmpty() ? QStringLiteral("Maintenance mode is enabled for this node, but no reason was "
                                                "provided. This is a default message.")
                               : reason;
    c.status = QStringLiteral("critical");
    c.type = QStringLiteral("maintenance");
    putMaintenanceCheck(c);
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
    c.node = m_options.node;
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
    putMaintenanceCheck(c);
    return {};
}

// ---------------------------------------------------------------------------------------
// Config files and reload

AgentError LocalState::applyConfigDefinitions(const QJsonArray &serviceDefs, const QJsonArray &checkDefs)
{
    // Validate everything before touching anything.
    struct PreparedService
    {
        QJsonObject def;
        api::Service service;
    };
    QList<PreparedService> services;
    QSet<QString> serviceIds;
    for (const QJsonValue &v : serviceDefs) {
        PreparedService p;
        p.def = v.toObject();
        QList<PreparedCheck> unused;
        if (const AgentError e = prepareService(p.def, Source::Local, &p.service, &unused))
            return {e.status, QStringLiteral("failed to register service %1: %2")
                                  .arg(p.def.value(u"name").toString(p.service.service), e.message)};
        serviceIds.insert(p.service.id);
        if (wantsSidecar(p.def))
            serviceIds.insert(sidecarId(p.service.id));
        services.append(p);
    }
    QList<QJsonObject> checks;
    QSet<QString> checkIds;
    for (const QJsonValue &v : checkDefs) {
        PreparedCheck p;
        const QString status = api::lookup(v.toObject(), u"Status").toString();
        if (const AgentError e = prepareCheck(
                v.toObject(), Source::Local, QStringLiteral("Invalid check status: '%1'").arg(status), &p))
            return {e.status, QStringLiteral("failed to register check %1: %2")
                                  .arg(v.toObject().value(u"name").toString(), e.message)};
        const QString sid = p.check.serviceId;
        if (!sid.isEmpty() && !serviceIds.contains(sid)
            && !(m_services.contains(sid) && m_serviceMeta.value(sid).source == Source::Remote))
            return {400, QStringLiteral("failed to register check %1: ServiceID \"%2\" does not exist")
                             .arg(p.check.name, sid)};
        checkIds.insert(p.check.checkId);
        checks.append(v.toObject());
    }

    // Removed: file-defined services and checks that are no longer in the files.
    QStringList goneServices;
    for (auto it = m_serviceMeta.cbegin(); it != m_serviceMeta.cend(); ++it) {
        if (it->source == Source::Local && !serviceIds.contains(it.key()))
            goneServices.append(it.key());
    }
    for (const QString &id : std::as_const(goneServices)) {
        qCInfo(lcAgent).noquote() << "Removing service no longer in the configuration:" << QStringLiteral("service=%1").arg(id);
        removeService(id);
    }
    QStringList goneChecks;
    for (const auto &[id, st] : m_state) {
        const api::HealthCheck c = m_checks.value(id);
        if (st.source == Source::Local && !st.maintenance && !checkIds.contains(id)
            && (c.serviceId.isEmpty() || m_serviceMeta.value(c.serviceId).source == Source::Remote))
            goneChecks.append(id);
    }
    for (const QString &id : std::as_const(goneChecks))
        removeCheck(id);

    // Added or changed (unchanged ones keep their state inside addService/addCheck).
    for (const PreparedService &p : std::as_const(services)) {
        const auto meta = m_serviceMeta.constFind(p.service.id);
        if (meta != m_serviceMeta.constEnd() && meta->source == Source::Local && meta->definition == p.def)
            continue;
        if (const AgentError e = addService(p.def, true, Source::Local))
            return e; // cannot happen: validated above
    }
    for (const QJsonObject &def : std::as_const(checks)) {
        if (const AgentError e = addCheck(def, Source::Local))
            return e;
    }
    return {};
}

// ---------------------------------------------------------------------------------------
// Anti-entropy

void LocalState::serverUp()
{
    fullSyncWithin(stagger(kServerUpMs));
}

void LocalState::fullSyncWithin(qint64 delayMs)
{
    if (!m_fullSyncTimer || m_clock->monotonicMs() + delayMs < m_fullSyncDueMs)
        scheduleFullSync(delayMs);
}

void LocalState::scheduleFullSync(qint64 delayMs)
{
    if (m_fullSyncTimer)
        m_clock->cancel(m_fullSyncTimer);
    m_fullSyncDueMs = m_clock->monotonicMs() + delayMs;
    m_fullSyncTimer = m_clock->schedule(delayMs, [this] {
        m_fullSyncTimer = 0;
        fullSync();
        scheduleFullSync(m_options.fullSyncIntervalMs + stagger(m_options.fullSyncIntervalMs / 4));
    });
}

void LocalState::fullSync()
{
    if (m_remoteCatalog) {
        // A client agent has no catalog of its own: a server tells what it holds for this node.
        m_remoteCatalog(m_options.node, [this, alive = std::weak_ptr<bool>(m_alive)](
                                            bool ok, const std::optional<api::Node> &node,
                                            const QList<api::Service> &services, const QList<api::HealthCheck> &checks) {
            if (alive.expired())
                return;
            if (ok)
                compareWithCatalog(node, services, checks);
            syncChanges();
        });
        return;
    }
    if (m_store) {
        std::optional<api::Node> node;
        QList<api::Service> remoteServices;
        m_store->node(m_options.node, &node, &remoteServices);
        QList<api::HealthCheck> remoteChecks;
        m_store->nodeChecks(m_options.node, &remoteChecks);
        compareWithCatalog(node, remoteServices, remoteChecks);
    }
    syncChanges();
}

void LocalState::compareWithCatalog(const std::optional<api::Node> &remoteNode,
                                    const QList<api::Service> &remoteServices, const QList<api::HealthCheck> &remoteChecks)
{
    // What Consul's updateSyncState compares of the node: its ID, tagged addresses and meta.
    api::Node local;
    QString ignored;
    api::fromJson(m_options.nodeInfo, &local, &ignored);
    if (!remoteNode || remoteNode->id != local.id || remoteNode->taggedAddresses != local.taggedAddresses
        || remoteNode->meta != local.meta)
        m_nodeInfoInSync = false;
    QHash<QString, QJsonObject> rs;
    for (const api::Service &s : std::as_const(remoteServices)) {
        rs.insert(s.id, comparable(api::toJson(s)));
        // enable_tag_override: the catalog's tags win and become the agent's (as Consul's
        // anti-entropy copies them), so tags changed by something else are not reverted.
        const auto local = m_services.find(s.id);
        if (local != m_services.end() && local->enableTagOverride)
            local->tags = s.tags;
    }
    for (auto it = m_services.cbegin(); it != m_services.cend(); ++it) {
        const auto r = rs.constFind(it.key());
        if (r == rs.cend() || *r != comparable(api::toJson(*it)))
            markServiceUnsynced(it.key());
    }
    for (const QString &id : rs.keys()) {
        if (!m_services.contains(id) && id != kConsulServiceId)
            m_deletedServices.insert(id);
    }
    for (const api::HealthCheck &rc : std::as_const(remoteChecks)) {
        if (!m_checks.contains(rc.checkId)) {
            if (rc.checkId != kSerfCheckId && !m_deletedServices.contains(rc.serviceId))
                m_deletedChecks.insert(rc.checkId);
            continue;
        }
        auto st = m_state.find(rc.checkId);
        QJsonObject local = comparable(api::toJson(m_checks.value(rc.checkId)));
        QJsonObject remote = comparable(api::toJson(rc));
        if (st != m_state.end() && st->second.deferTimer) {
            // Output written back by its own timer.
            local.remove(QStringLiteral("Output"));
            remote.remove(QStringLiteral("Output"));
        }
        if (st != m_state.end() && local != remote)
            markCheckUnsynced(st->first);
    }
    QSet<QString> remoteIds;
    for (const api::HealthCheck &rc : std::as_const(remoteChecks))
        remoteIds.insert(rc.checkId);
    for (auto &[id, st] : m_state) {
        if (!remoteIds.contains(id))
            markCheckUnsynced(id);
    }
}

void LocalState::syncChanges()
{
    // First, as Consul does, so the node info gets there even when service or check writes fail.
    if (!m_nodeInfoInSync)
        syncNodeInfo();
    for (const QString &id : std::as_const(m_deletedServices)) {
        ++m_syncWrites;
        m_committer->propose(state::command::deregister(m_options.node, id, {}, m_clock->wallMs()), {});
        qCInfo(lcAgent).noquote() << "Deregistered service:" << QStringLiteral("service=%1").arg(id);
    }
    m_deletedServices.clear();
    for (const QString &id : std::as_const(m_deletedChecks)) {
        ++m_syncWrites;
        m_committer->propose(state::command::deregister(m_options.node, {}, id, m_clock->wallMs()), {});
        qCInfo(lcAgent).noquote() << "Deregistered check:" << QStringLiteral("check=%1").arg(id);
    }
    m_deletedChecks.clear();
    // Only what was marked: a scan of every service and check per change made 10,000 status
    // changes at once cost minutes of CPU (docs/benchmarks.md, "TTL checks").
    for (const QString &id : std::exchange(m_unsyncedServices, {})) {
        const auto it = m_serviceMeta.constFind(id);
        if (it != m_serviceMeta.cend() && !it->inSync)
            syncService(id);
    }
    QStringList checks = std::exchange(m_unsyncedChecks, {}).values();
    std::sort(checks.begin(), checks.end()); // the order the full scan had
    for (const QString &id : std::as_const(checks)) {
        const auto it = m_state.find(id);
        if (it != m_state.end() && !it->second.inSync)
            syncCheck(id);
    }
}

void LocalState::markCheckUnsynced(const QString &id)
{
    m_state[id].inSync = false;
    m_unsyncedChecks.insert(id);
}

void LocalState::markServiceUnsynced(const QString &id)
{
    m_serviceMeta[id].inSync = false;
    m_unsyncedServices.insert(id);
}

QJsonObject LocalState::registration(const QJsonObject &what) const
{
    QJsonObject body = what;
    body.insert(QStringLiteral("Node"), m_options.node);
    for (auto it = m_options.nodeInfo.begin(); it != m_options.nodeInfo.end(); ++it)
        body.insert(it.key(), it.value());
    // Consul's SkipNodeUpdate = nodeInfoInSync (the address stays: it creates a node the catalog lost).
    body.insert(QStringLiteral("SkipNodeUpdate"), m_nodeInfoInSync);
    return body;
}

void LocalState::syncNodeInfo(const QJsonObject &extra, std::function<void(bool ok)> done)
{
    if (m_nodeInfoWriting) {
        if (done)
            done(false);
        return;
    }
    ++m_syncWrites;
    m_nodeInfoWriting = true;
    m_committer->propose(state::command::registerNode(registration(extra), m_clock->wallMs()),
                         [this, alive = std::weak_ptr<bool>(m_alive), done = std::move(done)](
                             const state::ApplyResult &r, quint64, const QString &error) {
                             if (alive.expired())
                                 return;
                             m_nodeInfoWriting = false;
                             const bool ok = error.isEmpty() && r.error.isEmpty();
                             if (ok) {
                                 m_nodeInfoInSync = true;
                                 qCInfo(lcAgent).noquote() << "Synced node info";
                             } else {
                                 qCWarning(lcAgent).noquote() << "Syncing node info failed." << error << r.error;
                             }
                             if (done)
                                 done(ok);
                             else if (!ok)
                                 fullSyncWithin(kRetryFailMs + stagger(kRetryFailMs));
                         });
}

void LocalState::syncService(const QString &id)
{
    QJsonArray checks;
    for (const api::HealthCheck &c : std::as_const(m_checks)) {
        if (c.serviceId != id)
            continue;
        checks.append(api::toJson(c));
        auto st = m_state.find(c.checkId);
        if (st != m_state.end())
            st->second.inSync = true;
    }
    const QJsonObject body = registration(QJsonObject{{QStringLiteral("Service"), api::toJson(m_services.value(id))},
                                                      {QStringLiteral("Checks"), checks}});
    ++m_syncWrites;
    m_serviceMeta[id].inSync = true;
    const bool carriesNodeInfo = !body.value(QStringLiteral("SkipNodeUpdate")).toBool();
    m_committer->propose(state::command::registerNode(body, m_clock->wallMs()),
                         [this, id, carriesNodeInfo](const state::ApplyResult &r, quint64, const QString &error) {
                             if (!error.isEmpty() || !r.error.isEmpty()) {
                                 qCWarning(lcAgent).noquote() << "Failed to sync service" << id << error << r.error;
                                 if (m_serviceMeta.contains(id))
                                     markServiceUnsynced(id);
                                 fullSyncWithin(kRetryFailMs + stagger(kRetryFailMs));
                                 return;
                             }
                             // A registration that carried the node info put it in the catalog.
                             if (carriesNodeInfo)
                                 m_nodeInfoInSync = true;
                         });
    qCInfo(lcAgent).noquote() << "Synced service:" << QStringLiteral("service=%1").arg(id);
}

void LocalState::syncCheck(const QString &id)
{
    const QJsonObject body = registration(QJsonObject{{QStringLiteral("Check"), api::toJson(m_checks.value(id))}});
    ++m_syncWrites;
    m_state[id].inSync = true;
    const bool carriesNodeInfo = !body.value(QStringLiteral("SkipNodeUpdate")).toBool();
    m_committer->propose(state::command::registerNode(body, m_clock->wallMs()),
                         [this, id, carriesNodeInfo](const state::ApplyResult &r, quint64, const QString &error) {
                             if (!error.isEmpty() || !r.error.isEmpty()) {
                                 qCWarning(lcAgent).noquote() << "Failed to sync check" << id << error << r.error;
                                 if (m_state.find(id) != m_state.end())
                                     markCheckUnsynced(id);
                                 fullSyncWithin(kRetryFailMs + stagger(kRetryFailMs));
                                 return;
                             }
                             if (carriesNodeInfo)
                                 m_nodeInfoInSync = true;
                         });
    qCDebug(lcAgent).noquote() << "Synced check:" << QStringLiteral("check=%1").arg(id);
}

} // namespace qonsul::agent

#pragma once
// The agent's own services and checks, kept apart from the catalog (Consul's agent/local
// State), the check runners that feed them, and the anti-entropy that pushes them to the
// catalog through the committer:
//   - every change marks the entry out of sync and is pushed at once (sync on change);
//   - a periodic full sync (every minute, staggered) compares local state with what the
//     catalog holds for this node, re-registers what differs and removes what the agent no
//     longer has (except the `consul` service and `serfHealth`);
//   - a check whose status stays the same but whose output changes is updated locally and
//     written back only after check_update_interval/2 + a random stagger of up to
//     check_update_interval (0 disables the deferral).
// TTL checks expire here; interval checks (HTTP, TCP, UDP, script) run in daemon/checks;
// alias checks are re-evaluated whenever what they mirror changes. Checks with
// deregister_critical_service_after remove their service once critical for that long
// (minimum 1m, looked at every 30s).
#include <QHash>
#include <QMap>
#include <QSet>
#include <functional>
#include <map>
#include <memory>
#include <optional>

#include "agent/SidecarService.h"
#include "api/Types.h"
#include "checks/CheckRunner.h"
#include "checks/CheckSpec.h"
#include "checks/LocalPersistence.h"
#include "checks/StatusHandler.h"
#include "core/Clock.h"
#include "http/v1/AgentBackend.h"

class QNetworkAccessManager;

namespace qonsul::state {
class Committer;
class StateStore;
}

namespace qonsul::agent {

class LocalState
{
public:
    // A server became reachable (client agents): full sync within a few seconds, as Consul's
    // anti-entropy does on a server joining, instead of waiting for the periodic one.
    void serverUp();
    // Where a definition came from: config files (local) or the HTTP API (remote). Decides
    // which script-check switch applies and what a reload may replace or remove.
    enum class Source { Local, Remote };

    struct Options
    {
        QString node;
        // This node's own part of a registration (ID, Address, Datacenter, TaggedAddresses,
        // NodeMeta). As in Consul, every service and check write carries it (without
        // SkipNodeUpdate) until a write has put it in the catalog, so a service never shows up
        // there on a node that lacks its meta or tagged addresses.
        QJsonObject nodeInfo;
        int outputMaxSize = checks::kDefaultOutputMaxSize; // check_output_max_size
        Nanoseconds checkUpdateInterval = 5 * kMinute;
        bool discardCheckOutput = false;
        bool enableScriptChecks = false;      // scripts from any source
        bool enableLocalScriptChecks = false; // scripts from config files
        qint64 fullSyncIntervalMs = 60000;
        qint64 reapIntervalMs = 30000;
        // The base of TLS checks' configuration (checks/CheckTls.h), shared with the runners.
        checks::SharedTlsBase checkTls = std::make_shared<checks::TlsBase>();
        SidecarPorts sidecarPorts; // ports.sidecar_min_port / sidecar_max_port
    };

    // `store` is read by the full sync and by alias checks of other nodes (may be null in
    // tests); `nam` gives the QNetworkAccessManager of HTTP and gRPC checks, called when the first
    // one is registered (may be empty when none are).
    using NamFactory = std::function<QNetworkAccessManager *()>;
    LocalState(Clock *clock, state::Committer *committer, const state::StateStore *store, NamFactory nam,
               Options options);
    ~LocalState();

    // Starts the periodic full sync and the critical-service reaper.
    void start();
    // Reloadable settings (check_update_interval, discard_check_output, script switches,
    // check_output_max_size and the checks' TLS for checks registered from now on).
    void setOptions(const Options &options);

    // Definitions as the HTTP API and config files give them (PascalCase or snake_case). A
    // Connect.SidecarService registers its sidecar proxy too (SidecarService.h), which goes
    // when its parent does.
    http::v1::AgentError addService(const QJsonObject &definition, bool replaceExistingChecks,
                                    Source source = Source::Remote);
    http::v1::AgentError addCheck(const QJsonObject &definition, Source source = Source::Remote);
    http::v1::AgentError removeService(const QString &id);
    http::v1::AgentError removeCheck(const QString &id);
    http::v1::AgentError updateTtl(const QString &id, const QString &status, const QString &output);
    http::v1::AgentError setNodeMaintenance(bool enable, const QString &reason);
    http::v1::AgentError setServiceMaintenance(const QString &id, bool enable, const QString &reason);

    // Makes the config-file services and checks (AgentConfig.services / .checks, already
    // normalised) the local ones: adds new ones, replaces changed ones, removes file-defined
    // ones that are gone; unchanged checks keep their status and schedule. Everything is
    // validated first: on error nothing changes and the error names the definition.
    http::v1::AgentError applyConfigDefinitions(const QJsonArray &services, const QJsonArray &checks);

    const QMap<QString, api::Service> &services() const { return m_services; }
    const QMap<QString, api::HealthCheck> &checks() const { return m_checks; }
    int ttlCheckCount() const;
    int scriptCheckCount() const;
    Source serviceSource(const QString &id) const { return m_serviceMeta.value(id).source; }

    // Where a client agent's full sync reads what the catalog holds for its node (it has no
    // store of its own): `done(ok, node, services, checks)`, called later (no node: the catalog
    // does not have it). Unset: the local store.
    using RemoteCatalog = std::function<void(const QString &node,
                                             std::function<void(bool ok, const std::optional<api::Node> &node,
                                                                const QList<api::Service> &services,
                                                                const QList<api::HealthCheck> &checks)>
                                                 done)>;
    void setRemoteCatalog(RemoteCatalog catalog) { m_remoteCatalog = std::move(catalog); }

    // Services and checks registered through the HTTP API, and TTL check statuses, survive a
    // restart in `persistence` (a non-dev agent's data_dir). Unset: nothing is kept.
    void setPersistence(checks::LocalPersistence *persistence) { m_persist = persistence; }
    // Registers what was persisted (after the config files, which win over a persisted
    // definition with the same ID) and restores TTL statuses that have not run out yet, with
    // the time they had left. Unreadable entries are skipped with a warning.
    void loadPersisted();

    // Writes the node info alone (Consul's syncNodeInfo), with `extra` fields (the agent's own
    // check and service) in the same registration; `done(ok)` once applied or refused. Skipped,
    // with done(false), while another node info write is in flight.
    void syncNodeInfo(const QJsonObject &extra = {}, std::function<void(bool ok)> done = {});

    // Anti-entropy, exposed for tests and the agent.
    void fullSync();
    quint64 syncWrites() const { return m_syncWrites; }

private:
    struct PreparedCheck
    {
        api::HealthCheck check;
        checks::CheckSpec spec;
        QJsonObject definition;
    };
    struct CheckState
    {
        checks::CheckSpec spec;
        QJsonObject definition;
        Source source = Source::Remote;
        bool maintenance = false;
        std::unique_ptr<checks::CheckRunner> runner;
        checks::StatusHandler handler;
        Clock::TimerId ttlTimer = 0;
        Clock::TimerId deferTimer = 0;
        qint64 criticalSinceMs = -1;
        QString lastTtlOutput;
        bool inSync = false;
    };
    struct ServiceMeta
    {
        QJsonObject definition;
        Source source = Source::Remote;
        bool inSync = false;
        QString sidecarOf; // the parent's ID, for a sidecar registered through its parent
    };

    // `invalidStatus`: the error for a Status that is none of passing, warning, critical (Consul
    // words it differently on each way a check comes in).
    http::v1::AgentError prepareCheck(
        const QJsonObject &def, Source source, const QString &invalidStatus, PreparedCheck *out) const;
    http::v1::AgentError prepareService(const QJsonObject &def, Source source, api::Service *service,
                                        QList<PreparedCheck> *checks) const;
    void installCheck(const PreparedCheck &prepared, Source source);
    // Makes a validated service (and its checks) local; `definition` is what a reload compares.
    void installService(const QJsonObject &definition, const api::Service &service,
                        const QList<PreparedCheck> &checks, bool replaceExistingChecks, Source source,
                        const QString &sidecarOf);
    void dropCheck(const QString &id); // local removal, catalog removal queued
    void putMaintenanceCheck(const api::HealthCheck &check);
    void armTtl(const QString &id, qint64 afterMs = -1); // default: the check's full TTL
    void persistTtl(const QString &id);
    void onResult(const QString &id, const checks::CheckResult &result);
    void updateCheck(const QString &id, const QString &status, const QString &output);
    void refreshAliases();
    void reapCriticalServices();
    void scheduleFullSync(qint64 delayMs);
    void fullSyncWithin(qint64 delayMs); // sooner than the scheduled one, never later
    void scheduleReap();
    void scheduleRemoteAliasPoll();
    void compareWithCatalog(const std::optional<api::Node> &node, const QList<api::Service> &services,
                            const QList<api::HealthCheck> &checks);
    // A registration of `what` (a "Service" and/or "Check"), carrying the node info unless the
    // catalog has it already.
    QJsonObject registration(const QJsonObject &what) const;
    void syncChanges();
    // inSync = false, and the id remembered for the next syncChanges().
    void markCheckUnsynced(const QString &id);
    void markServiceUnsynced(const QString &id);
    void syncService(const QString &id);
    void syncCheck(const QString &id);
    QString truncate(const QString &output) const;

    Clock *m_clock;
    checks::LocalPersistence *m_persist = nullptr;
    state::Committer *m_committer;
    const state::StateStore *m_store;
    NamFactory m_nam;
    Options m_options;
    QMap<QString, api::Service> m_services;
    QMap<QString, api::HealthCheck> m_checks;
    QHash<QString, ServiceMeta> m_serviceMeta;
    QSet<QString> m_unsyncedChecks;   // may name checks synced or removed since
    QSet<QString> m_unsyncedServices; // likewise
    QSet<QString> m_aliasChecks;      // IDs of the alias checks in m_state
    std::map<QString, CheckState> m_state;
    QSet<QString> m_deletedServices;
    QSet<QString> m_deletedChecks;
    Clock::TimerId m_fullSyncTimer = 0;
    qint64 m_fullSyncDueMs = 0; // monotonic
    Clock::TimerId m_reapTimer = 0;
    Clock::TimerId m_remoteAliasTimer = 0;
    bool m_refreshingAliases = false;
    bool m_aliasesDirty = false;
    quint64 m_syncWrites = 0;
    bool m_nodeInfoInSync = false;  // a write carrying the node info was applied
    bool m_nodeInfoWriting = false; // a syncNodeInfo() write is in flight
    RemoteCatalog m_remoteCatalog;
    std::shared_ptr<bool> m_alive = std::make_shared<bool>(true); // for replies that outlive this
};

} // namespace qonsul::agent

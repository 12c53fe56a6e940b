#include "agent/AgentMain.h"
#include "agent/Agent.h"
#include "agent/SignalNotifier.h"

#include "config/ConfigLoader.h"
#include "core/Logging.h"
#include "core/Version.h"
#include "platform/ResidentTrim.h"
#include "platform/ServiceHost.h"
#ifndef Q_OS_WIN
#include "platform/Preflight.h"
#include "platform/Syslog.h"
#endif

#include <QCoreApplication>
#include <QTextStream>

namespace qonsul::agent {

namespace {

// Start-up (joining, the first anti-entropy sync) is over by then; see platform/ResidentTrim.h.
constexpr int kResidentTrimDelayMs = 15000;

void printBanner(const config::AgentConfig &c, QTextStream &out)
{
    auto line = [&out](const char *label, const QString &value) {
        out << QString::fromLatin1(label).rightJustified(22) << ": " << value << '\n';
    };
    const QString clientAddrs = u'[' + c.clientAddrs.join(u' ') + u']';
    out << "==> Starting Consul agent...\n";
    line("Version", QStringLiteral("'%1' (Qonsul %2)").arg(consulCompatVersion(), qonsulVersion()));
    line("Build Date", QStringLiteral("'%1'").arg(buildDate()));
    line("Node ID", QStringLiteral("'%1'").arg(c.nodeId));
    line("Node name", QStringLiteral("'%1'").arg(c.nodeName));
    line("Datacenter", QStringLiteral("'%1' (Segment: '<all>')").arg(c.datacenter));
    line("Server", QStringLiteral("%1 (Bootstrap: %2)")
                       .arg(c.server ? u"true" : u"false", c.bootstrap ? u"true" : u"false"));
    line("Client Addr", QStringLiteral("%1 (HTTP: %2, HTTPS: %3, gRPC: %4, DNS: %5)")
                            .arg(clientAddrs)
                            .arg(c.ports.http)
                            .arg(c.ports.https)
                            .arg(c.ports.grpc)
                            .arg(c.ports.dns));
    line("Cluster Addr", QStringLiteral("%1 (LAN: %2, WAN: %3)")
                             .arg(c.advertiseAddr.isEmpty() ? c.bindAddr : c.advertiseAddr)
                             .arg(c.ports.serfLan)
                             .arg(c.ports.serfWan));
    line("Gossip Encryption", c.encrypt.isEmpty() ? QStringLiteral("false") : QStringLiteral("true"));
    line("Auto-Encrypt-TLS", QStringLiteral("false"));
    line("ACL Enabled", c.aclEnabled ? QStringLiteral("true") : QStringLiteral("false"));
    line("HTTPS TLS", QStringLiteral("Verify Incoming: false, Verify Outgoing: false, Min Version: TLSv1_2"));
    line("gRPC TLS", QStringLiteral("Verify Incoming: false, Min Version: TLSv1_2"));
    line("Internal RPC TLS", QStringLiteral("Verify Incoming: false, Verify Outgoing: false (Verify Hostname: false), Min Version: TLSv1_2"));
    out << "\n==> Log data will now stream in as it occurs:\n\n";
    out.flush();
}
} // namespace

int runAgent(const QStringList &args)
{
    QTextStream out(stdout);
    QTextStream err(stderr);
    // systemd / the Windows SCM hear about start failures too (STATUS=, the event log).
    std::unique_ptr<platform::ServiceHost> host(platform::ServiceHost::create());
    auto fail = [&err, &host](const QString &message) {
        err << "==> " << message << '\n';
        err.flush();
        host->failed(message);
        host->exited(1);
        return 1;
    };
    config::LoadResult loaded = config::loadAgentConfig(args);
    if (!loaded.config)
        return fail(loaded.error);
    config::AgentConfig cfg = std::move(*loaded.config);
    QString error;
#ifndef Q_OS_WIN
    if (const QString owner = platform::checkDataDirOwner(cfg.dataDir); !owner.isEmpty())
        return fail(owner);
#endif
    cfg.nodeId = config::ensureNodeId(cfg, &error);
    if (cfg.nodeId.isEmpty())
        return fail(error);
    LogHub::install(parseLogLevel(cfg.logLevel).value_or(LogLevel::Info), cfg.logJson);
#ifndef Q_OS_WIN
    if (cfg.enableSyslog && !platform::installSyslog(cfg.raw.value(u"syslog_facility").toString(), &error))
        return fail(error);
#endif
    printBanner(cfg, out);
    for (const QString &warning : std::as_const(loaded.warnings))
        qCWarning(lcConfig).noquote() << warning;

    // leave_on_terminate (SIGTERM) and skip_leave_on_interrupt (SIGINT) decide whether the
    // agent leaves its gossip pools gracefully before it exits.
    const bool leaveOnTerminate = cfg.leaveOnTerminate;
    const bool leaveOnInterrupt = !cfg.skipLeaveOnInterrupt;
    Agent agent(std::move(cfg));
    if (!agent.start(&error)) {
        qCCritical(lcAgent).noquote() << error;
        host->failed(error);
        host->exited(1);
        return 1;
    }
    host->ready(); // the HTTP API serves now
    platform::scheduleResidentTrim(&agent, kResidentTrimDelayMs);
    SignalNotifier signals;
    auto reload = [&agent, &host] {
        host->reloading();
        agent.reload();
        host->reloaded();
    };
    QObject::connect(&signals, &SignalNotifier::hangup, &agent, [reload] {
        qCInfo(lcAgent).noquote() << "Caught signal: hangup";
        reload();
    });
    QObject::connect(host.get(), &platform::ServiceHost::reloadRequested, &agent, reload);
    auto stop = [&host, &agent](const char *name, bool graceful) {
        qCInfo(lcAgent).noquote() << "Caught signal:" << name;
        host->stopping();
        if (!graceful) {
            qCInfo(lcAgent).noquote() << "Graceful shutdown disabled. Exiting";
            QCoreApplication::quit();
            return;
        }
        agent.leaveGossip([] { QCoreApplication::quit(); });
    };
    QObject::connect(&signals, &SignalNotifier::interrupt, &agent, [stop, leaveOnInterrupt] { stop("interrupt", leaveOnInterrupt); });
    QObject::connect(&signals, &SignalNotifier::terminate, &agent, [stop, leaveOnTerminate] { stop("terminated", leaveOnTerminate); });
    // A Windows service stop or shutdown is handled as SIGTERM is.
    QObject::connect(host.get(), &platform::ServiceHost::stopRequested, &agent,
                     [stop, leaveOnTerminate] { stop("terminated", leaveOnTerminate); });
    QObject::connect(&agent, &Agent::shutdownRequested, &agent, [&host] {
        host->stopping();
        QCoreApplication::quit();
    });
    qCInfo(lcAgent).noquote() << "Consul agent running!";
    const int code = QCoreApplication::exec();
    qCInfo(lcAgent).noquote() << "shutdown complete";
    host->exited(code);
    return code;
}

} // namespace qonsul::agent

// `qonsul service install|uninstall|start|stop`: runs the agent as a system service under the
// platform's service manager (see ServiceManagers.h and docs/operations.md). Consul itself has no
// such command; the names and flags follow its CLI conventions.
#include "cli/Command.h"
#include "cli/Output.h"
#include "cli/ServiceManagers.h"

#include <QCoreApplication>
#include <QDir>

namespace qonsul::cli {

namespace {

class ServiceAction : public Command
{
public:
    explicit ServiceAction(bool withLayout)
        : m_withLayout(withLayout)
    {
        m_flags.addString(QStringLiteral("init"), &m_init,
            QStringLiteral("Service manager: systemd, launchd or windows. Defaults to this platform's."));
        if (!withLayout)
            return;
        m_flags.addString(QStringLiteral("root"), &m_root,
            QStringLiteral("Write the files under this directory instead of /, and only tell the service "
                           "manager what works offline (systemctl --root). For images and tests."));
        m_flags.addString(QStringLiteral("config-dir"), &m_configDir,
            QStringLiteral("Configuration directory the service reads. Defaults to /etc/qonsul.d "
                           "(launchd: /usr/local/etc/qonsul.d)."));
        m_flags.addString(QStringLiteral("data-dir"), &m_dataDir,
            QStringLiteral("Data directory of the service. Defaults to /var/lib/qonsul "
                           "(launchd: /usr/local/var/lib/qonsul)."));
    }

protected:
    virtual int act(ServiceManager &manager, const ServiceTarget &target) = 0;
    virtual void adjust(ServiceTarget &) { }

    int run(const QStringList &args) override
    {
        if (!m_flags.parse(args))
            return 1;
        if (!m_flags.args().isEmpty()) {
            err(QStringLiteral("Too many arguments (expected 0, got %1)").arg(m_flags.args().size()));
            return 1;
        }
        QString error;
        const std::unique_ptr<ServiceManager> manager = makeServiceManager(m_init, &error);
        if (!manager) {
            err(QStringLiteral("Error: %1").arg(error));
            return 1;
        }
        ServiceTarget target;
        target.layout = manager->defaultLayout();
        if (m_withLayout) {
            target.root = m_root.isEmpty() ? QString() : QDir(m_root).absolutePath();
            if (!m_configDir.isEmpty())
                target.layout.configDir = QDir::cleanPath(m_configDir);
            if (!m_dataDir.isEmpty())
                target.layout.dataDir = QDir::cleanPath(m_dataDir);
            for (const QString &dir : { target.layout.configDir, target.layout.dataDir }) {
                if (QDir::isRelativePath(dir)) {
                    err(QStringLiteral("Error: %1 must be an absolute path").arg(dir));
                    return 1;
                }
            }
        }
        adjust(target);
        return act(*manager, target) ? 0 : 1;
    }

private:
    bool m_withLayout;
    QString m_init;
    QString m_root;
    QString m_configDir;
    QString m_dataDir;
};

class ServiceInstall final : public ServiceAction
{
public:
    ServiceInstall()
        : ServiceAction(true)
    {
        m_flags.addBool(QStringLiteral("force"), &m_force,
            QStringLiteral("Replace an existing installation and write the default config even when the "
                           "config dir has files."));
        m_flags.addString(QStringLiteral("binary"), &m_binary,
            QStringLiteral("Path of the qonsul binary the service runs. Defaults to this binary's."));
        m_flags.addInt(QStringLiteral("dns-port"), &m_dnsPort,
            QStringLiteral("DNS port of the default config. Below 1024 the systemd unit is given "
                           "CAP_NET_BIND_SERVICE. Defaults to 8600."));
        m_flags.addString(QStringLiteral("user"), &m_user,
            QStringLiteral("systemd: the account the agent runs as, created when missing. Defaults to qonsul."));
    }
    QString synopsis() const override { return QStringLiteral("Installs the agent as a system service"); }
    QString usage() const override
    {
        return QStringLiteral(
            "Usage: qonsul service install [options]\n\n"
            "  Registers the agent with the service manager (a systemd unit, a launchd daemon or a\n"
            "  Windows service) and writes a default config dir: a client agent (server off) with\n"
            "  its data dir, listening on 127.0.0.1 (HTTP and the UI on 8500, DNS on 8600). The\n"
            "  service is enabled but not started. An existing installation or config dir is left\n"
            "  alone unless -force is given.");
    }

protected:
    void adjust(ServiceTarget &target) override
    {
        target.force = m_force;
        target.layout.binary = m_binary.isEmpty() ? QCoreApplication::applicationFilePath() : m_binary;
        if (!m_user.isEmpty())
            target.layout.user = m_user;
        target.layout.dnsPort = m_dnsPort;
    }
    int act(ServiceManager &manager, const ServiceTarget &target) override { return manager.install(target); }

private:
    bool m_force = false;
    QString m_binary;
    QString m_user;
    int m_dnsPort = 8600;
};

class ServiceUninstall final : public ServiceAction
{
public:
    ServiceUninstall()
        : ServiceAction(true)
    {
    }
    QString synopsis() const override { return QStringLiteral("Removes the agent's system service"); }
    QString usage() const override
    {
        return QStringLiteral("Usage: qonsul service uninstall [options]\n\n"
                              "  Stops the service and removes its registration. The config dir and the data\n"
                              "  dir are kept.");
    }

protected:
    int act(ServiceManager &manager, const ServiceTarget &target) override { return manager.uninstall(target); }
};

class ServiceStart final : public ServiceAction
{
public:
    ServiceStart()
        : ServiceAction(false)
    {
    }
    QString synopsis() const override { return QStringLiteral("Starts the agent's system service"); }
    QString usage() const override
    {
        return QStringLiteral("Usage: qonsul service start [options]\n\n"
                              "  Starts the installed service through the service manager.");
    }

protected:
    int act(ServiceManager &manager, const ServiceTarget &) override { return manager.start(); }
};

class ServiceStop final : public ServiceAction
{
public:
    ServiceStop()
        : ServiceAction(false)
    {
    }
    QString synopsis() const override { return QStringLiteral("Stops the agent's system service"); }
    QString usage() const override
    {
        return QStringLiteral("Usage: qonsul service stop [options]\n\n"
                              "  Stops the running service through the service manager; a client agent leaves\n"
                              "  the cluster first (leave_on_terminate).");
    }

protected:
    int act(ServiceManager &manager, const ServiceTarget &) override { return manager.stop(); }
};

} // namespace

void addServiceCommands(CommandTable &table)
{
    table[QStringLiteral("service")] = [] {
        return std::make_unique<ParentCommand>(QStringLiteral("Runs the agent as a system service"),
            QStringLiteral("Usage: qonsul service <subcommand> [options]\n\n"
                           "  Installs, removes, starts and stops the agent as a service of the platform's\n"
                           "  service manager (systemd, launchd, the Windows Service Control Manager)."));
    };
    table[QStringLiteral("service install")] = [] { return std::make_unique<ServiceInstall>(); };
    table[QStringLiteral("service uninstall")] = [] { return std::make_unique<ServiceUninstall>(); };
    table[QStringLiteral("service start")] = [] { return std::make_unique<ServiceStart>(); };
    table[QStringLiteral("service stop")] = [] { return std::make_unique<ServiceStop>(); };
}

} // namespace qonsul::cli

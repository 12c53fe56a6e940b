#include "cli/ServiceManagers.h"
#include "cli/Output.h"

#include <QDir>
#include <QFile>
#include <QFileInfo>
#include <QProcess>
#include <QStandardPaths>

#ifndef Q_OS_WIN
#include <grp.h>
#include <pwd.h>
#include <unistd.h>
#else
#include "platform/WindowsScm.h"

#include <QCoreApplication>
#endif

namespace qonsul::cli {

namespace {

QString under(const QString &root, const QString &path)
{
    return root.isEmpty() ? path : QDir::cleanPath(root + u'/' + path);
}

// Runs a service-manager tool; false with its output in *output when it fails.
bool runTool(const QString &program, const QStringList &args, QString *output)
{
    QProcess process;
    process.setProcessChannelMode(QProcess::MergedChannels);
    process.start(program, args);
    if (!process.waitForStarted(10000)) {
        *output = QStringLiteral("cannot run %1: %2").arg(program, process.errorString());
        return false;
    }
    process.waitForFinished(120000);
    *output = QString::fromLocal8Bit(process.readAll()).trimmed();
    return process.exitStatus() == QProcess::NormalExit && process.exitCode() == 0;
}

bool writeFile(const QString &path, const QByteArray &content, QFile::Permissions mode, QString *error)
{
    QFile file(path);
    if (!QDir().mkpath(QFileInfo(path).path()) || !file.open(QIODevice::WriteOnly | QIODevice::Truncate)
        || file.write(content) != content.size() || !file.setPermissions(mode)) {
        *error = QStringLiteral("cannot write %1: %2").arg(path, file.errorString());
        return false;
    }
    return true;
}

// Checks before anything is written: no installation yet (unless -force) and no config dir with
// files in it (unless -force, which then only replaces qonsul.json in it).
bool checkFresh(const ServiceTarget &target, const QStringList &serviceFiles)
{
    if (!target.force) {
        for (const QString &file : serviceFiles) {
            if (QFileInfo::exists(under(target.root, file))) {
                err(QStringLiteral("Error installing service: qonsul is already installed as a service (%1 "
                                   "exists); use -force to replace it")
                        .arg(file));
                return false;
            }
        }
        const QDir configDir(under(target.root, target.layout.configDir));
        if (configDir.exists() && !configDir.isEmpty(QDir::AllEntries | QDir::NoDotAndDotDot | QDir::Hidden)) {
            err(QStringLiteral("Error installing service: the config dir %1 already has files in it; keep them "
                               "and use -force to write %1/qonsul.json anyway")
                    .arg(target.layout.configDir));
            return false;
        }
    }
    return true;
}

// The default config file and the data dir, with owners and modes when `user` is set.
bool writeConfigAndData(const ServiceTarget &target, const QString &user)
{
    QString error;
    const QString configFile = under(target.root, target.layout.configDir + u"/qonsul.json");
    const QString dataDir = under(target.root, target.layout.dataDir);
    if (!writeFile(configFile, platform::defaultConfig(target.layout),
                   QFile::ReadOwner | QFile::WriteOwner | QFile::ReadGroup, &error)) {
        err(QStringLiteral("Error installing service: %1").arg(error));
        return false;
    }
    if (!QDir().mkpath(dataDir)
        || !QFile::setPermissions(dataDir, QFile::ReadOwner | QFile::WriteOwner | QFile::ExeOwner | QFile::ReadGroup
                                               | QFile::ExeGroup)) {
        err(QStringLiteral("Error installing service: cannot create the data dir %1").arg(dataDir));
        return false;
    }
#ifndef Q_OS_WIN
    if (!user.isEmpty()) {
        const passwd *account = ::getpwnam(user.toLocal8Bit().constData());
        if (!account || ::chown(QFile::encodeName(dataDir).constData(), account->pw_uid, account->pw_gid) != 0
            || ::chown(QFile::encodeName(configFile).constData(), 0, account->pw_gid) != 0) {
            err(QStringLiteral("Error installing service: cannot give %1 and %2 to user %3")
                    .arg(dataDir, configFile, user));
            return false;
        }
    }
#else
    Q_UNUSED(user);
#endif
    out(QStringLiteral("  config: %1").arg(configFile));
    out(QStringLiteral("  data:   %1").arg(dataDir));
    return true;
}

#ifndef Q_OS_WIN
// The unit or plist, world-readable as service managers expect; printed as "  <label>: <path>".
bool writeServiceFile(const QString &path, const QByteArray &content, const char *label)
{
    QString error;
    if (!writeFile(path, content, QFile::ReadOwner | QFile::WriteOwner | QFile::ReadGroup | QFile::ReadOther, &error)) {
        err(QStringLiteral("Error installing service: %1").arg(error));
        return false;
    }
    out(QStringLiteral("  %1 %2").arg(QString::fromLatin1(label).leftJustified(7), path));
    return true;
}

void printEnabled(const ServiceTarget &t)
{
    out(QStringLiteral("Enabled, not started: adjust %1/qonsul.json, then run `qonsul service start`.")
            .arg(t.layout.configDir));
}

bool requireInstalled(const QString &path, const QString &note = {})
{
    if (QFileInfo::exists(path))
        return true;
    err(QStringLiteral("Error uninstalling service: qonsul is not installed as a service (%1 does not exist%2)")
            .arg(path, note));
    return false;
}

bool removeServiceFile(const QString &path, const ServiceTarget &t)
{
    if (!QFile::remove(path)) {
        err(QStringLiteral("Error uninstalling service: cannot remove %1").arg(path));
        return false;
    }
    out(QStringLiteral("Removed %1. The configuration in %2 and the data in %3 were kept.")
            .arg(path, t.layout.configDir, t.layout.dataDir));
    return true;
}

bool needRoot(const ServiceTarget &target, const char *action)
{
    if (!target.root.isEmpty() || ::geteuid() == 0)
        return true;
    err(QStringLiteral("Error: service %1 needs root privileges (run it with sudo), or -root DIR to write "
                       "the files under DIR")
            .arg(QLatin1StringView(action)));
    return false;
}

// The service account, made when missing (like the packages' postinst does), at home in its
// data dir.
bool ensureUser(const QString &user, const QString &home)
{
    if (::getpwnam(user.toLocal8Bit().constData()))
        return true;
    QString output;
    if (!runTool(QStringLiteral("useradd"),
                 { QStringLiteral("--system"), QStringLiteral("--user-group"), QStringLiteral("--no-create-home"),
                   QStringLiteral("--home-dir"), home, QStringLiteral("--shell"),
                   QStringLiteral("/usr/sbin/nologin"), user },
                 &output)) {
        err(QStringLiteral("Error installing service: cannot create the system user %1: %2").arg(user, output));
        return false;
    }
    out(QStringLiteral("  user:   %1 (created)").arg(user));
    return true;
}

// ---------------------------------------------------------------------------------------------

class Systemd final : public ServiceManager
{
public:
    platform::ServiceLayout defaultLayout() const override { return {}; }

    bool install(const ServiceTarget &t) override
    {
        // A unit from a package counts as an installation too.
        if (!needRoot(t, "install")
            || !checkFresh(t, { kUnit, QStringLiteral("/lib/systemd/system/qonsul.service"),
                                QStringLiteral("/usr/lib/systemd/system/qonsul.service") }))
            return false;
        const bool live = t.root.isEmpty();
        if (live && (!systemdRunning() || !ensureUser(t.layout.user, t.layout.dataDir)))
            return false;
        out(QStringLiteral("Installing the qonsul service (systemd):"));
        if (!writeServiceFile(under(t.root, kUnit), platform::systemdUnit(t.layout), "unit:")
            || !writeConfigAndData(t, live ? t.layout.user : QString()))
            return false;
        if (live && !systemctl({ QStringLiteral("daemon-reload") }))
            return false;
        if (!systemctl(rootArgs(t) + QStringList { QStringLiteral("enable"), kUnitName }))
            return false;
        printEnabled(t);
        return true;
    }

    bool uninstall(const ServiceTarget &t) override
    {
        if (!needRoot(t, "uninstall"))
            return false;
        const QString unit = under(t.root, kUnit);
        if (!requireInstalled(unit, QStringLiteral("; units installed by a package are removed with the package")))
            return false;
        const bool live = t.root.isEmpty();
        if (live && !systemdRunning())
            return false;
        QStringList disable = rootArgs(t) + QStringList { QStringLiteral("disable"), kUnitName };
        if (live)
            disable.insert(1, QStringLiteral("--now"));
        if (!systemctl(disable))
            return false;
        return removeServiceFile(unit, t) && (!live || systemctl({ QStringLiteral("daemon-reload") }));
    }

    bool start() override
    {
        if (!systemctl({ QStringLiteral("start"), kUnitName }, "see `journalctl -u qonsul` for the agent's log"))
            return false;
        out(QStringLiteral("Started the qonsul service."));
        return true;
    }

    bool stop() override
    {
        if (!systemctl({ QStringLiteral("stop"), kUnitName }))
            return false;
        out(QStringLiteral("Stopped the qonsul service."));
        return true;
    }

private:
    static inline const QString kUnitName = QStringLiteral("qonsul.service");
    static inline const QString kUnit = QStringLiteral("/etc/systemd/system/qonsul.service");

    // sd_booted()'s test: without it nothing could be enabled, and an install would stop half-way.
    static bool systemdRunning()
    {
        if (QFileInfo(QStringLiteral("/run/systemd/system")).isDir())
            return true;
        err(QStringLiteral("Error: systemd is not running on this machine (no /run/systemd/system); use -root DIR "
                           "to write the service files into DIR only"));
        return false;
    }

    static QStringList rootArgs(const ServiceTarget &t)
    {
        return t.root.isEmpty() ? QStringList() : QStringList { QStringLiteral("--root=%1").arg(t.root) };
    }

    static bool systemctl(const QStringList &args, const char *hint = nullptr)
    {
        QString output;
        if (runTool(QStringLiteral("systemctl"), args, &output))
            return true;
        err(QStringLiteral("Error: systemctl %1 failed: %2%3")
                .arg(args.join(u' '), output, hint ? QStringLiteral(" (%1)").arg(QLatin1StringView(hint)) : QString()));
        return false;
    }
};

class Launchd final : public ServiceManager
{
public:
    platform::ServiceLayout defaultLayout() const override
    {
        platform::ServiceLayout layout;
        layout.binary = QStringLiteral("/usr/local/bin/qonsul");
        layout.configDir = QStringLiteral("/usr/local/etc/qonsul.d");
        layout.dataDir = QStringLiteral("/usr/local/var/lib/qonsul");
        layout.logFile = QStringLiteral("/usr/local/var/log/qonsul.log");
        layout.user = QString(); // launchd daemons run as root
        return layout;
    }

    bool install(const ServiceTarget &t) override
    {
        if (!needRoot(t, "install") || !checkFresh(t, { plistPath() }))
            return false;
        out(QStringLiteral("Installing the qonsul service (launchd):"));
        if (!writeServiceFile(under(t.root, plistPath()), platform::launchdPlist(t.layout), "plist:")
            || !writeConfigAndData(t, QString()) || !QDir().mkpath(under(t.root, QFileInfo(t.layout.logFile).path())))
            return false;
        if (t.root.isEmpty() && !launchctl({ QStringLiteral("enable"), target() }))
            return false;
        printEnabled(t);
        return true;
    }

    bool uninstall(const ServiceTarget &t) override
    {
        if (!needRoot(t, "uninstall"))
            return false;
        const QString plist = under(t.root, plistPath());
        if (!requireInstalled(plist))
            return false;
        if (t.root.isEmpty()) {
            QString ignored; // not loaded is fine
            runTool(QStringLiteral("launchctl"), { QStringLiteral("bootout"), target() }, &ignored);
        }
        return removeServiceFile(plist, t);
    }

    bool start() override
    {
        if (!launchctl({ QStringLiteral("bootstrap"), QStringLiteral("system"), plistPath() }))
            return false;
        out(QStringLiteral("Started the qonsul service."));
        return true;
    }

    bool stop() override
    {
        if (!launchctl({ QStringLiteral("bootout"), target() }))
            return false;
        out(QStringLiteral("Stopped the qonsul service."));
        return true;
    }

private:
    static QString plistPath()
    {
        return QStringLiteral("/Library/LaunchDaemons/%1.plist").arg(QLatin1StringView(platform::kLaunchdLabel));
    }
    static QString target() { return QStringLiteral("system/%1").arg(QLatin1StringView(platform::kLaunchdLabel)); }
    static bool launchctl(const QStringList &args)
    {
        QString output;
        if (runTool(QStringLiteral("launchctl"), args, &output))
            return true;
        err(QStringLiteral("Error: launchctl %1 failed: %2").arg(args.join(u' '), output));
        return false;
    }
};
#else
// ---------------------------------------------------------------------------------------------

class WindowsScm final : public ServiceManager
{
public:
    platform::ServiceLayout defaultLayout() const override
    {
        const QString base = qEnvironmentVariable("ProgramData", QStringLiteral("C:/ProgramData")) + u"/qonsul";
        platform::ServiceLayout layout;
        layout.binary = QDir::toNativeSeparators(QCoreApplication::applicationFilePath());
        layout.configDir = base + u"/config";
        layout.dataDir = base + u"/data";
        layout.user = QString(); // LocalSystem
        return layout;
    }

    bool install(const ServiceTarget &t) override
    {
        if (!t.root.isEmpty()) {
            err(QStringLiteral("Error: -root is not supported for Windows services"));
            return false;
        }
        if (!checkFresh(t, {}))
            return false;
        if (t.force) {
            std::wstring ignored; // replacing: the old registration goes first
            platform::win32::uninstallService(kName, &ignored);
        }
        QStringList quoted;
        for (const QString &arg : platform::serviceCommandLine(t.layout))
            quoted.append(u'"' + QDir::toNativeSeparators(arg) + u'"');
        std::wstring error;
        if (!platform::win32::installService(kName, L"Qonsul agent",
                                             L"Consul-compatible service discovery and KV store agent",
                                             quoted.join(u' ').toStdWString(), &error)) {
            err(QStringLiteral("Error installing service: %1").arg(QString::fromStdWString(error)));
            return false;
        }
        out(QStringLiteral("Installing the qonsul service (Windows service \"Qonsul\", automatic start):"));
        if (!writeConfigAndData(t, QString()))
            return false;
        out(QStringLiteral("Not started: adjust the configuration, then run `qonsul service start`."));
        return true;
    }

    bool uninstall(const ServiceTarget &) override { return call(platform::win32::uninstallService, "Removed"); }
    bool start() override { return call(platform::win32::startService, "Started"); }
    bool stop() override
    {
        return call([](const std::wstring &n, std::wstring *e) { return platform::win32::stopService(n, 60000, e); },
                    "Stopped");
    }

private:
    static inline const std::wstring kName = L"Qonsul";
    template<typename F>
    static bool call(F f, const char *done)
    {
        std::wstring error;
        if (!f(kName, &error)) {
            err(QStringLiteral("Error: %1").arg(QString::fromStdWString(error)));
            return false;
        }
        out(QStringLiteral("%1 the Windows service \"Qonsul\".").arg(QLatin1StringView(done)));
        return true;
    }
};
#endif

} // namespace

std::unique_ptr<ServiceManager> makeServiceManager(const QString &init, QString *error)
{
#ifdef Q_OS_WIN
    if (init.isEmpty() || init == u"windows")
        return std::make_unique<WindowsScm>();
#else
#ifdef Q_OS_MACOS
    const QString native = QStringLiteral("launchd");
#else
    const QString native = QStringLiteral("systemd");
#endif
    const QString chosen = init.isEmpty() ? native : init;
    if (chosen == u"systemd")
        return std::make_unique<Systemd>();
    if (chosen == u"launchd")
        return std::make_unique<Launchd>();
#endif
    *error = QStringLiteral("unknown or unsupported -init \"%1\" on this platform").arg(init);
    return nullptr;
}

} // namespace qonsul::cli

#pragma once
// The files a service installation consists of, made from the same sources the packages ship
// (installers/linux/qonsul.service and installers/config/qonsul.json, compiled in as resources),
// so `qonsul service install` and the .deb/.rpm install the same unit and default config.
#include <QByteArray>
#include <QString>
#include <QStringList>

namespace qonsul::platform {

struct ServiceLayout
{
    QString binary = QStringLiteral("/usr/bin/qonsul");
    QString configDir = QStringLiteral("/etc/qonsul.d");
    QString dataDir = QStringLiteral("/var/lib/qonsul");
    QString user = QStringLiteral("qonsul"); // systemd only; launchd runs it as root
    QString logFile; // launchd only: stdout and stderr
};

// The agent's command line for the service manager: `<binary> agent -config-dir=<dir>`.
QStringList serviceCommandLine(const ServiceLayout &layout);

// installers/linux/qonsul.service with the binary, directories and user of `layout`.
QByteArray systemdUnit(const ServiceLayout &layout);

// installers/config/qonsul.json with data_dir set to `dataDir` (server off, client_addr
// 127.0.0.1, HTTP/UI on 8500, DNS on 8600).
QByteArray defaultConfig(const QString &dataDir);

constexpr const char *kLaunchdLabel = "org.qonsul.agent";

// A launchd daemon property list (/Library/LaunchDaemons/org.qonsul.agent.plist): started at
// boot, restarted when it exits with an error, stdout/stderr appended to layout.logFile, 65536
// open files, 30 s between SIGTERM and SIGKILL.
QByteArray launchdPlist(const ServiceLayout &layout);

} // namespace qonsul::platform

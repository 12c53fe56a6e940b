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
    // DNS port of the default config; below 1024 the systemd unit keeps CAP_NET_BIND_SERVICE.
    int dnsPort = 8600;
};

// The agent's command line for the service manager: `<binary> agent -config-dir=<dir>`.
QStringList serviceCommandLine(const ServiceLayout &layout);

// installers/linux/qonsul.service with the binary, directories and user of `layout`; for a DNS
// port below 1024 it grants CAP_NET_BIND_SERVICE (and drops PrivateUsers=, under which the
// capability would not reach the host's network namespace).
QByteArray systemdUnit(const ServiceLayout &layout);

// installers/config/qonsul.json with the layout's data_dir and DNS port (server off, client_addr
// 127.0.0.1, HTTP/UI on 8500).
QByteArray defaultConfig(const ServiceLayout &layout);

constexpr const char *kLaunchdLabel = "org.qonsul.agent";

// A launchd daemon property list (/Library/LaunchDaemons/org.qonsul.agent.plist): started at
// boot, restarted when it exits with an error, stdout/stderr appended to layout.logFile, 65536
// open files, 30 s between SIGTERM and SIGKILL.
QByteArray launchdPlist(const ServiceLayout &layout);

} // namespace qonsul::platform

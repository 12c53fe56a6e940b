#pragma once
// What `qonsul service install|uninstall|start|stop` does under each service manager: systemd
// (unit in /etc/systemd/system), launchd (plist in /Library/LaunchDaemons) and the Windows SCM.
// Every action prints what it did with out() and, on failure, one clear line with err().
#include "platform/ServiceFiles.h"

#include <QString>
#include <memory>

namespace qonsul::cli {

struct ServiceTarget
{
    // Everything is written under this directory instead of "/" (image building and tests); the
    // service manager is then only told through offline means (`systemctl --root`), or not at all.
    QString root;
    bool force = false; // replace an existing installation and default config
    platform::ServiceLayout layout;
};

class ServiceManager
{
public:
    virtual ~ServiceManager() = default;
    virtual platform::ServiceLayout defaultLayout() const = 0;
    virtual bool install(const ServiceTarget &target) = 0;
    virtual bool uninstall(const ServiceTarget &target) = 0;
    virtual bool start() = 0;
    virtual bool stop() = 0;
};

// `init` is "systemd", "launchd" or "windows" ("" = this platform's); nullptr and *error when it
// is unknown or cannot work on this platform.
std::unique_ptr<ServiceManager> makeServiceManager(const QString &init, QString *error);

} // namespace qonsul::cli

#include "platform/ServiceHost.h"

#ifdef Q_OS_WIN
#include "platform/WindowsServiceHost.h"
#else
#include "platform/SystemdNotifier.h"
#endif

namespace qonsul::platform {

ServiceHost *ServiceHost::create(QObject *parent)
{
#ifdef Q_OS_WIN
    auto *host = new WindowsServiceHost(parent);
    if (host->connectToScm())
        return host;
    delete host;
#else
    if (qEnvironmentVariableIsSet("NOTIFY_SOCKET"))
        return new SystemdNotifier(parent);
#endif
    return new ServiceHost(parent);
}

} // namespace qonsul::platform

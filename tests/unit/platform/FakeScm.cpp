// A stand-in for WindowsServiceWin32.cpp: records what WindowsServiceHost asks of the Service
// Control Manager and lets the test send controls, so the host's Qt side runs on Linux.
#include "FakeScm.h"

namespace qonsul::platform::win32 {

bool connect(const std::wstring &serviceName, std::function<void(std::uint32_t)> onControl)
{
    FakeScm &scm = FakeScm::instance();
    scm.serviceName = serviceName;
    if (!scm.startedBySCM)
        return false;
    scm.onControl = std::move(onControl);
    scm.connected = true;
    return true;
}

void setStatus(const winsvc::Status &status)
{
    FakeScm::instance().statuses.append(status);
}

void disconnect()
{
    FakeScm::instance().connected = false;
}

void reportEvent(const std::wstring &, EventType type, const std::wstring &message)
{
    FakeScm::instance().events.append({ type, QString::fromStdWString(message) });
}

} // namespace qonsul::platform::win32

FakeScm &FakeScm::instance()
{
    static FakeScm scm;
    return scm;
}

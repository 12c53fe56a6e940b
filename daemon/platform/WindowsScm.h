#pragma once
// The Win32 side of running as a Windows service, in plain C++ over the Windows API (no Qt), so
// WindowsServiceWin32.cpp compiles with nothing but a Windows toolchain. Only built on Windows.
#include "platform/WindowsService.h"

#include <cstdint>
#include <functional>
#include <string>

namespace qonsul::platform::win32 {

// Starts the SCM dispatcher on its own thread and waits for ServiceMain. False when the SCM did
// not start this process (a console run). onControl runs on the dispatcher's thread.
bool connect(const std::wstring &serviceName, std::function<void(std::uint32_t code)> onControl);
// SetServiceStatus for the connected service.
void setStatus(const winsvc::Status &status);
// After the final Stopped status: lets ServiceMain and the dispatcher thread return.
void disconnect();

enum class EventType { Info, Warning, Error };
// One record in the Application event log under `source`.
void reportEvent(const std::wstring &source, EventType type, const std::wstring &message);

// Service registration (needs an elevated process). Each returns false and sets *error.
bool installService(const std::wstring &name, const std::wstring &displayName, const std::wstring &description,
                    const std::wstring &commandLine, std::wstring *error);
bool uninstallService(const std::wstring &name, std::wstring *error);
bool startService(const std::wstring &name, std::wstring *error);
bool stopService(const std::wstring &name, std::uint32_t timeoutMs, std::wstring *error);

} // namespace qonsul::platform::win32

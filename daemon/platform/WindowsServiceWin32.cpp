// Win32 calls for WindowsScm.h; compiled only on Windows.
#include "platform/WindowsScm.h"

#include <windows.h>

#include <chrono>
#include <future>
#include <thread>

namespace qonsul::platform::win32 {

namespace {
SERVICE_STATUS_HANDLE g_handle = nullptr;
std::wstring g_name;
std::function<void(std::uint32_t)> g_onControl;
std::promise<bool> *g_started = nullptr;
HANDLE g_done = nullptr;
std::thread g_dispatcher;

std::wstring lastError(const wchar_t *what)
{
    const DWORD code = GetLastError();
    wchar_t *text = nullptr;
    FormatMessageW(FORMAT_MESSAGE_ALLOCATE_BUFFER | FORMAT_MESSAGE_FROM_SYSTEM | FORMAT_MESSAGE_IGNORE_INSERTS,
                   nullptr, code, 0, reinterpret_cast<wchar_t *>(&text), 0, nullptr);
    std::wstring message = std::wstring(what) + L": " + (text ? text : L"error " + std::to_wstring(code));
    LocalFree(text);
    while (!message.empty() && (message.back() == L'\n' || message.back() == L'\r'))
        message.pop_back();
    return message;
}

DWORD WINAPI controlHandler(DWORD code, DWORD, LPVOID, LPVOID)
{
    const winsvc::Control control = winsvc::controlFromCode(code);
    if (control != winsvc::Control::Other && g_onControl)
        g_onControl(code);
    return winsvc::StateMachine::handlerResult(control);
}

void WINAPI serviceMain(DWORD, LPWSTR *)
{
    g_handle = RegisterServiceCtrlHandlerExW(g_name.c_str(), controlHandler, nullptr);
    g_started->set_value(g_handle != nullptr);
    if (g_handle)
        WaitForSingleObject(g_done, INFINITE);
}

// An SCM connection and one service in it, closed on scope exit.
struct ServiceHandles
{
    SC_HANDLE scm = nullptr;
    SC_HANDLE service = nullptr;
    ~ServiceHandles()
    {
        if (service)
            CloseServiceHandle(service);
        if (scm)
            CloseServiceHandle(scm);
    }
    bool open(const std::wstring &name, DWORD access, std::wstring *error)
    {
        scm = OpenSCManagerW(nullptr, nullptr, SC_MANAGER_CONNECT);
        if (!scm) {
            *error = lastError(L"OpenSCManager");
            return false;
        }
        service = OpenServiceW(scm, name.c_str(), access);
        if (!service) {
            *error = lastError(L"OpenService");
            return false;
        }
        return true;
    }
};
} // namespace

bool connect(const std::wstring &serviceName, std::function<void(std::uint32_t)> onControl)
{
    g_name = serviceName;
    g_onControl = std::move(onControl);
    g_done = CreateEventW(nullptr, TRUE, FALSE, nullptr);
    std::promise<bool> started;
    std::future<bool> result = started.get_future();
    g_started = &started;
    g_dispatcher = std::thread([] {
        SERVICE_TABLE_ENTRYW table[] = { { const_cast<LPWSTR>(g_name.c_str()), serviceMain }, { nullptr, nullptr } };
        // Fails at once with ERROR_FAILED_SERVICE_CONTROLLER_CONNECT on a console run.
        if (!StartServiceCtrlDispatcherW(table))
            g_started->set_value(false);
    });
    const bool connected = result.get();
    g_started = nullptr;
    if (!connected) {
        g_dispatcher.join();
        CloseHandle(g_done);
        g_done = nullptr;
    }
    return connected;
}

void setStatus(const winsvc::Status &status)
{
    SERVICE_STATUS s = {};
    s.dwServiceType = SERVICE_WIN32_OWN_PROCESS;
    s.dwCurrentState = DWORD(status.state);
    s.dwControlsAccepted = status.acceptedControls;
    s.dwWin32ExitCode = status.win32ExitCode;
    s.dwServiceSpecificExitCode = status.serviceExitCode;
    s.dwCheckPoint = status.checkpoint;
    s.dwWaitHint = status.waitHintMs;
    SetServiceStatus(g_handle, &s);
}

void disconnect()
{
    if (!g_done)
        return;
    SetEvent(g_done);
    g_dispatcher.join();
    CloseHandle(g_done);
    g_done = nullptr;
}

void reportEvent(const std::wstring &source, EventType type, const std::wstring &message)
{
    HANDLE log = RegisterEventSourceW(nullptr, source.c_str());
    if (!log)
        return;
    const WORD kind = type == EventType::Error ? EVENTLOG_ERROR_TYPE
        : type == EventType::Warning           ? EVENTLOG_WARNING_TYPE
                                               : EVENTLOG_INFORMATION_TYPE;
    const wchar_t *strings[] = { message.c_str() };
    ReportEventW(log, kind, 0, 0, nullptr, 1, 0, strings, nullptr);
    DeregisterEventSource(log);
}

bool installService(const std::wstring &name, const std::wstring &displayName, const std::wstring &description,
                    const std::wstring &commandLine, std::wstring *error)
{
    ServiceHandles h;
    h.scm = OpenSCManagerW(nullptr, nullptr, SC_MANAGER_CREATE_SERVICE);
    if (!h.scm) {
        *error = lastError(L"OpenSCManager");
        return false;
    }
    h.service = CreateServiceW(h.scm, name.c_str(), displayName.c_str(), SERVICE_ALL_ACCESS,
                               SERVICE_WIN32_OWN_PROCESS, SERVICE_AUTO_START, SERVICE_ERROR_NORMAL,
                               commandLine.c_str(), nullptr, nullptr, nullptr, nullptr, nullptr);
    if (!h.service) {
        *error = GetLastError() == ERROR_SERVICE_EXISTS
            ? L"the service \"" + name + L"\" is already installed (use -force to replace it)"
            : lastError(L"CreateService");
        return false;
    }
    SERVICE_DESCRIPTIONW text = { const_cast<LPWSTR>(description.c_str()) };
    ChangeServiceConfig2W(h.service, SERVICE_CONFIG_DESCRIPTION, &text);
    // Restart on failure, as Restart=on-failure does under systemd.
    SC_ACTION actions[3] = { { SC_ACTION_RESTART, 2000 }, { SC_ACTION_RESTART, 2000 }, { SC_ACTION_RESTART, 10000 } };
    SERVICE_FAILURE_ACTIONSW failure = {};
    failure.dwResetPeriod = 86400;
    failure.cActions = 3;
    failure.lpsaActions = actions;
    ChangeServiceConfig2W(h.service, SERVICE_CONFIG_FAILURE_ACTIONS, &failure);
    return true;
}

bool uninstallService(const std::wstring &name, std::wstring *error)
{
    ServiceHandles h;
    if (!h.open(name, DELETE | SERVICE_STOP | SERVICE_QUERY_STATUS, error))
        return false;
    SERVICE_STATUS status = {};
    ControlService(h.service, SERVICE_CONTROL_STOP, &status); // not running is fine
    if (!DeleteService(h.service)) {
        *error = lastError(L"DeleteService");
        return false;
    }
    return true;
}

bool startService(const std::wstring &name, std::wstring *error)
{
    ServiceHandles h;
    if (!h.open(name, SERVICE_START, error))
        return false;
    if (!StartServiceW(h.service, 0, nullptr)) {
        *error = lastError(L"StartService");
        return false;
    }
    return true;
}

bool stopService(const std::wstring &name, std::uint32_t timeoutMs, std::wstring *error)
{
    ServiceHandles h;
    if (!h.open(name, SERVICE_STOP | SERVICE_QUERY_STATUS, error))
        return false;
    SERVICE_STATUS status = {};
    if (!ControlService(h.service, SERVICE_CONTROL_STOP, &status)) {
        *error = lastError(L"ControlService");
        return false;
    }
    const auto deadline = std::chrono::steady_clock::now() + std::chrono::milliseconds(timeoutMs);
    while (status.dwCurrentState != SERVICE_STOPPED) {
        if (std::chrono::steady_clock::now() > deadline) {
            *error = L"the service did not stop in time";
            return false;
        }
        Sleep(250);
        if (!QueryServiceStatus(h.service, &status)) {
            *error = lastError(L"QueryServiceStatus");
            return false;
        }
    }
    return true;
}

} // namespace qonsul::platform::win32

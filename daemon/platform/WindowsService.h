#pragma once
// The Windows service logic, free of Win32 calls so it is unit-tested on every platform: how
// Service Control Manager controls map to agent actions, and which status (state, accepted
// controls, checkpoint, wait hint, exit code) is reported at each step. Plain C++ (no Qt) so
// WindowsServiceWin32.cpp, which makes the Win32 calls, needs nothing but the Windows headers.
// The numeric values are the documented Win32 ones (SERVICE_RUNNING, SERVICE_CONTROL_STOP, ...).
#include <cstdint>
#include <functional>

namespace qonsul::platform::winsvc {

enum class State : std::uint32_t {
    Stopped = 1, // SERVICE_STOPPED
    StartPending = 2, // SERVICE_START_PENDING
    StopPending = 3, // SERVICE_STOP_PENDING
    Running = 4, // SERVICE_RUNNING
};

enum Accepted : std::uint32_t {
    AcceptStop = 0x1, // SERVICE_ACCEPT_STOP
    AcceptShutdown = 0x4, // SERVICE_ACCEPT_SHUTDOWN
    AcceptParamChange = 0x8, // SERVICE_ACCEPT_PARAMCHANGE
};

enum class Control { Stop, Shutdown, ParamChange, Interrogate, Other };
// SERVICE_CONTROL_STOP (1), _INTERROGATE (4), _SHUTDOWN (5), _PARAMCHANGE (6); anything else Other.
Control controlFromCode(std::uint32_t code);

// What the agent does for a control: leave (as on SIGTERM, per leave_on_terminate) or reload
// (as on SIGHUP).
enum class Action { None, Leave, Reload };

constexpr std::uint32_t kNoError = 0; // NO_ERROR
constexpr std::uint32_t kServiceSpecificError = 1066; // ERROR_SERVICE_SPECIFIC_ERROR
constexpr std::uint32_t kCallNotImplemented = 120; // ERROR_CALL_NOT_IMPLEMENTED

struct Status
{
    State state = State::Stopped;
    std::uint32_t acceptedControls = 0;
    std::uint32_t win32ExitCode = kNoError;
    std::uint32_t serviceExitCode = 0;
    std::uint32_t checkpoint = 0;
    std::uint32_t waitHintMs = 0;
};

// Drives the status through StartPending → Running → StopPending → Stopped and hands every
// change to `report` (SetServiceStatus on Windows, a recorder in tests).
class StateMachine
{
public:
    using Reporter = std::function<void(const Status &)>;
    StateMachine(Reporter report, std::uint32_t startWaitMs, std::uint32_t stopWaitMs);

    void starting();
    void running();
    // A control from the SCM: the action the agent must take, and the status reported now.
    // Controls that arrive while starting or stopping are ignored (Action::None).
    Action control(Control control);
    // The control handler's return value for a control code.
    static std::uint32_t handlerResult(Control control);
    // Still starting or stopping: raises the checkpoint so the SCM keeps waiting.
    void progress();
    // exitCode 0 is a clean stop; any other is reported as a service-specific error.
    void stopped(int exitCode);

    const Status &status() const { return m_status; }

private:
    void enter(State state, std::uint32_t waitHintMs);
    Reporter m_report;
    std::uint32_t m_startWaitMs;
    std::uint32_t m_stopWaitMs;
    Status m_status;
};

} // namespace qonsul::platform::winsvc

#include "platform/WindowsService.h"

namespace qonsul::platform::winsvc {

Control controlFromCode(std::uint32_t code)
{
    switch (code) {
    case 1:
        return Control::Stop;
    case 4:
        return Control::Interrogate;
    case 5:
        return Control::Shutdown;
    case 6:
        return Control::ParamChange;
    default:
        return Control::Other;
    }
}

StateMachine::StateMachine(Reporter report, std::uint32_t startWaitMs, std::uint32_t stopWaitMs)
    : m_report(std::move(report))
    , m_startWaitMs(startWaitMs)
    , m_stopWaitMs(stopWaitMs)
{
}

void StateMachine::enter(State state, std::uint32_t waitHintMs)
{
    m_status.state = state;
    // Pending states accept no controls (the SCM queues none then); checkpoints count from 1.
    const bool pending = state == State::StartPending || state == State::StopPending;
    m_status.acceptedControls
        = state == State::Running ? (AcceptStop | AcceptShutdown | AcceptParamChange) : 0;
    m_status.checkpoint = pending ? 1 : 0;
    m_status.waitHintMs = pending ? waitHintMs : 0;
    m_report(m_status);
}

void StateMachine::starting()
{
    enter(State::StartPending, m_startWaitMs);
}

void StateMachine::running()
{
    if (m_status.state == State::StartPending)
        enter(State::Running, 0);
}

Action StateMachine::control(Control control)
{
    if (control == Control::Interrogate) {
        m_report(m_status);
        return Action::None;
    }
    if (m_status.state != State::Running)
        return Action::None;
    switch (control) {
    case Control::Stop:
    case Control::Shutdown:
        enter(State::StopPending, m_stopWaitMs);
        return Action::Leave;
    case Control::ParamChange:
        m_report(m_status);
        return Action::Reload;
    default:
        return Action::None;
    }
}

std::uint32_t StateMachine::handlerResult(Control control)
{
    return control == Control::Other ? kCallNotImplemented : kNoError;
}

void StateMachine::progress()
{
    if (m_status.state != State::StartPending && m_status.state != State::StopPending)
        return;
    ++m_status.checkpoint;
    m_report(m_status);
}

void StateMachine::stopped(int exitCode)
{
    m_status.win32ExitCode = exitCode == 0 ? kNoError : kServiceSpecificError;
    m_status.serviceExitCode = exitCode == 0 ? 0 : std::uint32_t(exitCode);
    enter(State::Stopped, 0);
}

} // namespace qonsul::platform::winsvc

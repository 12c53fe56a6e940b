// The Windows service logic behind WindowsService.h, run on Linux: control codes → agent actions,
// and the status sequence the SCM sees (states, accepted controls, checkpoints, wait hints, exit
// codes). The Win32 calls themselves (WindowsServiceWin32.cpp) are not built here.
#include "platform/WindowsService.h"

#include <QList>
#include <QTest>

using namespace qonsul::platform::winsvc;

namespace {
constexpr std::uint32_t kAll = AcceptStop | AcceptShutdown | AcceptParamChange;
} // namespace

class TestWindowsService : public QObject
{
    Q_OBJECT

private Q_SLOTS:
    void init()
    {
        m_reports.clear();
        m_machine = std::make_unique<StateMachine>([this](const Status &s) { m_reports.append(s); }, 30000, 20000);
    }

    void controlCodesMapToWin32Values()
    {
        QCOMPARE(controlFromCode(1), Control::Stop);
        QCOMPARE(controlFromCode(4), Control::Interrogate);
        QCOMPARE(controlFromCode(5), Control::Shutdown);
        QCOMPARE(controlFromCode(6), Control::ParamChange);
        QCOMPARE(controlFromCode(2), Control::Other); // pause
        QCOMPARE(controlFromCode(3), Control::Other); // continue
        QCOMPARE(StateMachine::handlerResult(Control::Stop), kNoError);
        QCOMPARE(StateMachine::handlerResult(Control::Interrogate), kNoError);
        QCOMPARE(StateMachine::handlerResult(Control::Other), kCallNotImplemented);
        QCOMPARE(std::uint32_t(State::Running), 4u);
        QCOMPARE(std::uint32_t(State::StopPending), 3u);
    }

    void startThenRun()
    {
        m_machine->starting();
        QCOMPARE(m_reports.size(), 1);
        QCOMPARE(m_reports[0].state, State::StartPending);
        QCOMPARE(m_reports[0].acceptedControls, 0u); // no stop while starting
        QCOMPARE(m_reports[0].checkpoint, 1u);
        QCOMPARE(m_reports[0].waitHintMs, 30000u);
        m_machine->progress();
        QCOMPARE(m_reports.last().checkpoint, 2u);
        QCOMPARE(m_reports.last().state, State::StartPending);
        m_machine->running();
        QCOMPARE(m_reports.last().state, State::Running);
        QCOMPARE(m_reports.last().acceptedControls, kAll);
        QCOMPARE(m_reports.last().checkpoint, 0u);
        QCOMPARE(m_reports.last().waitHintMs, 0u);
        const qsizetype before = m_reports.size();
        m_machine->progress(); // nothing pending: no report
        QCOMPARE(m_reports.size(), before);
    }

    void stopAndShutdownLeave_data()
    {
        QTest::addColumn<std::uint32_t>("code");
        QTest::newRow("stop") << std::uint32_t(1);
        QTest::newRow("shutdown") << std::uint32_t(5);
    }
    void stopAndShutdownLeave()
    {
        QFETCH(std::uint32_t, code);
        m_machine->starting();
        m_machine->running();
        QCOMPARE(m_machine->control(controlFromCode(code)), Action::Leave);
        QCOMPARE(m_reports.last().state, State::StopPending);
        QCOMPARE(m_reports.last().acceptedControls, 0u);
        QCOMPARE(m_reports.last().checkpoint, 1u);
        QCOMPARE(m_reports.last().waitHintMs, 20000u);
        // A second stop while stopping does nothing; checkpoints keep the SCM waiting.
        QCOMPARE(m_machine->control(Control::Stop), Action::None);
        m_machine->progress();
        m_machine->progress();
        QCOMPARE(m_reports.last().checkpoint, 3u);
        m_machine->stopped(0);
        QCOMPARE(m_reports.last().state, State::Stopped);
        QCOMPARE(m_reports.last().win32ExitCode, kNoError);
        QCOMPARE(m_reports.last().checkpoint, 0u);
        QCOMPARE(m_reports.last().acceptedControls, 0u);
    }

    void paramChangeReloadsAndStaysRunning()
    {
        m_machine->starting();
        m_machine->running();
        QCOMPARE(m_machine->control(Control::ParamChange), Action::Reload);
        QCOMPARE(m_reports.last().state, State::Running);
        QCOMPARE(m_reports.last().acceptedControls, kAll);
    }

    void controlsWhileStartingAreIgnored()
    {
        m_machine->starting();
        QCOMPARE(m_machine->control(Control::Stop), Action::None);
        QCOMPARE(m_machine->control(Control::ParamChange), Action::None);
        QCOMPARE(m_machine->status().state, State::StartPending);
    }

    void interrogateReportsCurrentStatus()
    {
        m_machine->starting();
        m_machine->running();
        const qsizetype before = m_reports.size();
        QCOMPARE(m_machine->control(Control::Interrogate), Action::None);
        QCOMPARE(m_reports.size(), before + 1);
        QCOMPARE(m_reports.last().state, State::Running);
    }

    void failedStartReportsServiceSpecificError()
    {
        m_machine->starting();
        m_machine->stopped(1);
        QCOMPARE(m_reports.last().state, State::Stopped);
        QCOMPARE(m_reports.last().win32ExitCode, kServiceSpecificError);
        QCOMPARE(m_reports.last().serviceExitCode, 1u);
    }

private:
    QList<Status> m_reports;
    std::unique_ptr<StateMachine> m_machine;
};

QTEST_GUILESS_MAIN(TestWindowsService)
#include "tst_windows_service.moc"

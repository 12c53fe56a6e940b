// WindowsServiceHost, the Qt side of the Windows service, built on Linux against FakeScm: SCM
// controls become stopRequested/reloadRequested on the event loop, the agent's progress becomes
// SCM statuses, and failures and warnings go to the event log.
#include "FakeScm.h"
#include "platform/WindowsServiceHost.h"

#include "core/Logging.h"

#include <QSignalSpy>
#include <QTest>

using namespace qonsul;
using namespace qonsul::platform;

class TestWindowsServiceHost : public QObject
{
    Q_OBJECT

private Q_SLOTS:
    void init() { FakeScm::instance() = FakeScm(); }

    void consoleRunIsNotAService()
    {
        FakeScm::instance().startedBySCM = false;
        WindowsServiceHost host;
        QVERIFY(!host.connectToScm());
        QVERIFY(FakeScm::instance().statuses.isEmpty());
    }

    void lifecycle()
    {
        FakeScm &scm = FakeScm::instance();
        WindowsServiceHost host;
        QSignalSpy stop(&host, &ServiceHost::stopRequested);
        QSignalSpy reload(&host, &ServiceHost::reloadRequested);
        QVERIFY(host.connectToScm());
        QCOMPARE(scm.serviceName, std::wstring(L"Qonsul"));
        QCOMPARE(scm.statuses.last().state, winsvc::State::StartPending);

        host.ready();
        QCOMPARE(scm.statuses.last().state, winsvc::State::Running);

        // Controls arrive on the SCM's thread and are handled on the event loop.
        scm.onControl(6); // SERVICE_CONTROL_PARAMCHANGE
        QCOMPARE(reload.size(), 0);
        QTRY_COMPARE(reload.size(), 1);
        QCOMPARE(scm.statuses.last().state, winsvc::State::Running);

        scm.onControl(1); // SERVICE_CONTROL_STOP
        QTRY_COMPARE(stop.size(), 1);
        QCOMPARE(scm.statuses.last().state, winsvc::State::StopPending);
        QCOMPARE(scm.statuses.last().waitHintMs, 30000u);
        host.stopping(); // the agent's own shutdown path: already stopping, nothing new
        QCOMPARE(scm.statuses.last().checkpoint, 1u);

        host.exited(0);
        QCOMPARE(scm.statuses.last().state, winsvc::State::Stopped);
        QCOMPARE(scm.statuses.last().win32ExitCode, winsvc::kNoError);
        QVERIFY(!scm.connected);
    }

    void agentLeavingOnItsOwnReportsStopPending()
    {
        FakeScm &scm = FakeScm::instance();
        WindowsServiceHost host;
        QSignalSpy stop(&host, &ServiceHost::stopRequested);
        QVERIFY(host.connectToScm());
        host.ready();
        host.stopping(); // `qonsul leave`
        QCOMPARE(scm.statuses.last().state, winsvc::State::StopPending);
        QCOMPARE(stop.size(), 0); // the agent is already on its way out
        host.exited(0);
    }

    void failedStartGoesToTheEventLog()
    {
        FakeScm &scm = FakeScm::instance();
        WindowsServiceHost host;
        QVERIFY(host.connectToScm());
        host.failed(QStringLiteral("Failed to start HTTP server on 127.0.0.1:8500: address in use"));
        host.exited(1);
        QCOMPARE(scm.events.size(), 1);
        QCOMPARE(scm.events[0].first, win32::EventType::Error);
        QVERIFY(scm.events[0].second.contains(u"address in use"));
        QCOMPARE(scm.statuses.last().state, winsvc::State::Stopped);
        QCOMPARE(scm.statuses.last().win32ExitCode, winsvc::kServiceSpecificError);
        QCOMPARE(scm.statuses.last().serviceExitCode, 1u);
    }

    void warningsGoToTheEventLog()
    {
        LogHub::install(LogLevel::Info);
        FakeScm &scm = FakeScm::instance();
        {
            WindowsServiceHost host;
            QVERIFY(host.connectToScm());
            qCInfo(lcAgent) << "not logged to the event log";
            qCWarning(lcAgent) << "disk almost full";
            QCOMPARE(scm.events.size(), 1);
            QCOMPARE(scm.events[0].first, win32::EventType::Warning);
            QVERIFY(scm.events[0].second.contains(u"disk almost full"));
            host.exited(0);
        }
        qCWarning(lcAgent) << "after the host is gone";
        QCOMPARE(scm.events.size(), 1);
    }
};

QTEST_GUILESS_MAIN(TestWindowsServiceHost)
#include "tst_windows_service_host.moc"

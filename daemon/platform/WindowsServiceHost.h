#pragma once
// The agent as a Windows service: the SCM's stop/shutdown become stopRequested (a leave, as on
// SIGTERM), paramchange becomes reloadRequested, and the status follows the agent through the
// StateMachine, with checkpoints every 2 s while it starts or shuts down. Warnings and errors
// also go to the Application event log (source "Qonsul"). Only built on Windows.
#include "platform/ServiceHost.h"
#include "platform/WindowsService.h"

class QTimer;

namespace qonsul::platform {

class WindowsServiceHost final : public ServiceHost
{
    Q_OBJECT
public:
    explicit WindowsServiceHost(QObject *parent = nullptr);
    ~WindowsServiceHost() override;
    // False when the SCM did not start this process.
    bool connectToScm();

    void ready() override;
    void stopping() override;
    void failed(const QString &reason) override;
    void exited(int exitCode) override;

private:
    void onControl(std::uint32_t code);
    winsvc::StateMachine m_machine;
    QTimer *m_progress = nullptr;
    int m_sink = 0;
};

} // namespace qonsul::platform

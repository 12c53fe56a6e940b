#pragma once
// The service manager this agent runs under, told what the agent is doing and telling the agent
// what the manager wants: systemd (sd_notify over $NOTIFY_SOCKET), the Windows Service Control
// Manager, or nothing (a console run, launchd). Every method is a no-op on a plain console run.
#include <QObject>

namespace qonsul::platform {

class ServiceHost : public QObject
{
    Q_OBJECT
public:
    // The host for this process: systemd when $NOTIFY_SOCKET is set, the SCM when the SCM started
    // this process, else a host that does nothing. Call it before the configuration is loaded:
    // the SCM must hear from a starting service within seconds.
    static ServiceHost *create(QObject *parent = nullptr);

    // The agent serves its HTTP API.
    virtual void ready() { }
    // A reload starts / has finished (successfully or not: the running config stays).
    virtual void reloading() { }
    virtual void reloaded() { }
    // The agent is shutting down.
    virtual void stopping() { }
    // The agent could not start; `reason` is the message also printed to stderr.
    virtual void failed(const QString &reason) { Q_UNUSED(reason); }
    // The agent's event loop has returned with this exit code.
    virtual void exited(int exitCode) { Q_UNUSED(exitCode); }

Q_SIGNALS:
    // The manager asks for a reload (Windows paramchange; systemd reloads by SIGHUP instead).
    void reloadRequested();
    // The manager asks the agent to stop (Windows stop/shutdown; systemd stops by KillSignal).
    void stopRequested();

protected:
    using QObject::QObject;
};

} // namespace qonsul::platform

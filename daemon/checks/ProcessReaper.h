#pragma once
// Takes over a check's QProcess when its runner is done with it while the child may still be
// running (killed at a timeout that is being cancelled, the check deregistered or replaced) and
// deletes it once the child has exited. Deleting a running QProcess, or waitForFinished() after
// kill(), would make the event loop wait for the child (~QProcess waits up to 30 s).
#include <QObject>

class QProcess;

namespace qonsul::checks {

class ProcessReaper final : public QObject
{
public:
    // One per application (a child of QCoreApplication, so children still running at exit are
    // waited for then, after the event loop has stopped).
    static ProcessReaper *instance();
    // Disconnects `process` from everyone and owns it until its child has exited. The caller
    // has already signalled the child.
    void adopt(QProcess *process);
    int pending() const { return m_pending; }

private:
    explicit ProcessReaper(QObject *parent) : QObject(parent) {}
    int m_pending = 0;
};

} // namespace qonsul::checks

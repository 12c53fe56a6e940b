#include "checks/ProcessReaper.h"

#include <QCoreApplication>
#include <QPointer>
#include <QProcess>

namespace qonsul::checks {

ProcessReaper *ProcessReaper::instance()
{
    static QPointer<ProcessReaper> reaper;
    if (!reaper)
        reaper = new ProcessReaper(QCoreApplication::instance());
    return reaper;
}

void ProcessReaper::adopt(QProcess *process)
{
    process->disconnect();
    process->setParent(this);
    if (process->state() == QProcess::NotRunning) {
        process->deleteLater();
        return;
    }
    ++m_pending;
    // stateChanged, not finished: a child that never started does not emit finished.
    connect(process, &QProcess::stateChanged, this, [this, process](QProcess::ProcessState state) {
        if (state != QProcess::NotRunning)
            return;
        --m_pending;
        process->disconnect(this);
        process->deleteLater();
    });
}

} // namespace qonsul::checks

#include "checks/OsServiceRunner.h"
#include "checks/ProcessReaper.h"

#include <QProcess>

#include <utility>

namespace qonsul::checks {

CheckResult osServiceResult(const QString &unit, const QByteArray &out, const QByteArray &err, int exitCode)
{
    const QString state = QString::fromUtf8(out).section(u'\n', 0, 0).trimmed();
    if (exitCode == 0 && state == u"active")
        return {QStringLiteral("passing"), QStringLiteral("Service \"%1\" is healthy").arg(unit)};
    if (state == u"inactive" || state == u"failed")
        return {QStringLiteral("critical"), QStringLiteral("service status: %1 - OS Service unhealthy").arg(state)};
    // A state systemd knows is one word; anything else is systemctl failing to answer.
    static const QStringList transient{QStringLiteral("activating"), QStringLiteral("deactivating"),
                                       QStringLiteral("reloading"), QStringLiteral("refreshing"),
                                       QStringLiteral("maintenance")};
    if (transient.contains(state))
        return {QStringLiteral("warning"), QStringLiteral("service status: %1").arg(state)};
    QString reason = QString::fromUtf8(err).trimmed();
    if (reason.isEmpty())
        reason = state.isEmpty() ? QStringLiteral("systemctl exited with status %1").arg(exitCode) : state;
    return {QStringLiteral("warning"), QStringLiteral("error querying service status: %1").arg(reason)};
}

OsServiceRunner::OsServiceRunner(Clock *clock, const CheckSpec &spec, Notify notify)
    : CheckRunner(clock, spec.effectiveInterval(), spec.effectiveTimeout(), std::move(notify))
    , m_unit(spec.osService)
{
}

OsServiceRunner::~OsServiceRunner()
{
    stop();
}

void OsServiceRunner::begin()
{
    m_process = new QProcess(this);
    m_process->setInputChannelMode(QProcess::ManagedInputChannel);
    QObject::connect(m_process, &QProcess::finished, this, [this](int code, QProcess::ExitStatus status) {
        exited(code, status != QProcess::NormalExit);
    });
    QObject::connect(m_process, &QProcess::errorOccurred, this, [this](QProcess::ProcessError e) {
        if (e != QProcess::FailedToStart || !m_process)
            return;
        cancel();
        finish({QStringLiteral("warning"), QStringLiteral("error querying service status: exec: \"systemctl\": "
                                                          "executable file not found in $PATH")});
    });
    // "--": a unit name never turns into an option.
    m_process->start(QStringLiteral("systemctl"), {QStringLiteral("is-active"), QStringLiteral("--"), m_unit});
    if (m_process)
        m_process->closeWriteChannel();
}

void OsServiceRunner::exited(int code, bool crashed)
{
    QProcess *p = std::exchange(m_process, nullptr);
    if (!p)
        return;
    p->disconnect(this);
    p->deleteLater();
    finish(osServiceResult(m_unit, p->readAllStandardOutput(), p->readAllStandardError(), crashed ? -1 : code));
}

void OsServiceRunner::abort()
{
    cancel();
    finish({QStringLiteral("critical"), QStringLiteral("Timed out (%1) running check").arg(formatDuration(timeout()))});
}

void OsServiceRunner::cancel()
{
    if (QProcess *p = std::exchange(m_process, nullptr)) {
        p->kill();
        ProcessReaper::instance()->adopt(p);
    }
}

} // namespace qonsul::checks

#pragma once
// OS-service checks on Linux: the state of a systemd unit, read with `systemctl is-active
// <unit>` run asynchronously (QProcess; the event loop never waits). Consul implements these
// checks only for Windows services (on Linux it refuses them as "not implemented"); the
// mapping follows its Windows one: running (active) → passing `Service "<unit>" is healthy`,
// stopped (inactive, failed) → critical `service status: <state> - OS Service unhealthy`, any
// other state (activating, deactivating, reloading, ...) → warning `service status: <state>`,
// and a query that fails (no systemd, no systemctl) → warning
// `error querying service status: <reason>`. Timeout (30s default): critical
// `Timed out (<timeout>) running check`.
#include <QObject>

#include "checks/CheckRunner.h"

namespace qonsul::checks {

class OsServiceRunner final : public QObject, public CheckRunner
{
public:
    OsServiceRunner(Clock *clock, const CheckSpec &spec, Notify notify);
    ~OsServiceRunner() override;

protected:
    void begin() override;
    void abort() override;
    void cancel() override;

private:
    void exited(int code, bool crashed);
    QString m_unit;
    QProcess *m_process = nullptr;
};

// The check result for what `systemctl is-active` printed (stdout, stderr) and its exit code.
CheckResult osServiceResult(const QString &unit, const QByteArray &out, const QByteArray &err, int exitCode);

} // namespace qonsul::checks

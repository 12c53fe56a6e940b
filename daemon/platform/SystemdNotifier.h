#pragma once
// systemd's readiness protocol without libsystemd: each notification is one datagram of
// newline-separated KEY=VALUE lines sent to the AF_UNIX socket named by $NOTIFY_SOCKET (a path,
// or "@name" for the abstract namespace). WATCHDOG=1 keep-alives go out at half of
// $WATCHDOG_USEC when systemd asks for them (WatchdogSec= in the unit).
#include "platform/ServiceHost.h"

#include <QByteArray>

class QTimer;

namespace qonsul::platform {

// Sends `state` ("READY=1", ...) to `socketName`; false and *error when it cannot.
bool sendNotify(const QByteArray &socketName, const QByteArray &state, QString *error);

class SystemdNotifier final : public ServiceHost
{
    Q_OBJECT
public:
    // Reads $NOTIFY_SOCKET, $WATCHDOG_USEC and $WATCHDOG_PID now.
    explicit SystemdNotifier(QObject *parent = nullptr);

    bool active() const { return !m_socket.isEmpty(); }
    int watchdogIntervalMs() const; // 0 when systemd wants no keep-alives

    void ready() override;
    void reloading() override;
    void reloaded() override;
    void stopping() override;
    void failed(const QString &reason) override;

private:
    void send(const QByteArray &state);
    QByteArray m_socket;
    QTimer *m_watchdog = nullptr;
};

} // namespace qonsul::platform

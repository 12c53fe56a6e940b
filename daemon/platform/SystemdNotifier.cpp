#include "platform/SystemdNotifier.h"

#include "core/Logging.h"

#include <QTimer>

#include <cerrno>
#include <cstring>
#include <ctime>
#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>

namespace qonsul::platform {

bool sendNotify(const QByteArray &socketName, const QByteArray &state, QString *error)
{
    sockaddr_un addr = {};
    addr.sun_family = AF_UNIX;
    if (socketName.isEmpty() || (socketName[0] != '/' && socketName[0] != '@')
        || socketName.size() >= qsizetype(sizeof(addr.sun_path))) {
        *error = QStringLiteral("unsupported NOTIFY_SOCKET \"%1\"").arg(QString::fromLocal8Bit(socketName));
        return false;
    }
    std::memcpy(addr.sun_path, socketName.constData(), size_t(socketName.size()));
    if (socketName[0] == '@')
        addr.sun_path[0] = '\0'; // abstract namespace: the name is not NUL-terminated
    const socklen_t length = socklen_t(offsetof(sockaddr_un, sun_path) + size_t(socketName.size())
                                       + (socketName[0] == '/' ? 1 : 0));
    const int fd = ::socket(AF_UNIX, SOCK_DGRAM | SOCK_CLOEXEC, 0);
    if (fd < 0) {
        *error = QString::fromLocal8Bit(std::strerror(errno));
        return false;
    }
    const ssize_t sent = ::sendto(fd, state.constData(), size_t(state.size()), MSG_NOSIGNAL,
                                  reinterpret_cast<const sockaddr *>(&addr), length);
    const int sendErrno = errno;
    ::close(fd);
    if (sent != state.size()) {
        *error = QString::fromLocal8Bit(std::strerror(sendErrno));
        return false;
    }
    return true;
}

SystemdNotifier::SystemdNotifier(QObject *parent)
    : ServiceHost(parent)
    , m_socket(qgetenv("NOTIFY_SOCKET"))
{
    if (!active())
        return;
    // WATCHDOG_PID names the process systemd watches; keep-alives from any other are ignored.
    const QByteArray watchdogPid = qgetenv("WATCHDOG_PID");
    const qint64 usec = qgetenv("WATCHDOG_USEC").toLongLong();
    if (usec <= 0 || (!watchdogPid.isEmpty() && watchdogPid.toLongLong() != qint64(::getpid())))
        return;
    m_watchdog = new QTimer(this);
    m_watchdog->setInterval(int(qMax<qint64>(1, usec / 2000)));
    connect(m_watchdog, &QTimer::timeout, this, [this] { send("WATCHDOG=1"); });
    m_watchdog->start();
}

int SystemdNotifier::watchdogIntervalMs() const
{
    return m_watchdog ? m_watchdog->interval() : 0;
}

void SystemdNotifier::send(const QByteArray &state)
{
    if (!active())
        return;
    QString error;
    if (!sendNotify(m_socket, state, &error))
        qCWarning(lcAgent).noquote() << "systemd notify failed:" << error;
}

void SystemdNotifier::ready()
{
    send("READY=1\nSTATUS=Consul agent running");
}

void SystemdNotifier::reloading()
{
    // systemd pairs RELOADING=1 with the monotonic time it was sent at (CLOCK_MONOTONIC, µs).
    timespec now = {};
    ::clock_gettime(CLOCK_MONOTONIC, &now);
    const quint64 usec = quint64(now.tv_sec) * 1000000u + quint64(now.tv_nsec) / 1000u;
    send("RELOADING=1\nSTATUS=Reloading configuration\nMONOTONIC_USEC=" + QByteArray::number(usec));
}

void SystemdNotifier::reloaded()
{
    ready();
}

void SystemdNotifier::stopping()
{
    send("STOPPING=1\nSTATUS=Shutting down");
}

void SystemdNotifier::failed(const QString &reason)
{
    send("STATUS=" + reason.toUtf8().replace('\n', ' '));
}

} // namespace qonsul::platform

// sd_notify without libsystemd: the datagrams SystemdNotifier sends, received on a real AF_UNIX
// datagram socket bound at a path and in the abstract namespace, as systemd binds its own.
#include "platform/SystemdNotifier.h"

#include <QDeadlineTimer>
#include <QTemporaryDir>
#include <QTest>

#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>

using namespace qonsul::platform;

namespace {
// A bound datagram socket standing in for systemd's notify socket.
class NotifySocket
{
public:
    // `name` is a path, or "@name" for the abstract namespace.
    explicit NotifySocket(const QByteArray &name)
        : m_name(name)
    {
        m_fd = ::socket(AF_UNIX, SOCK_DGRAM | SOCK_CLOEXEC, 0);
        sockaddr_un addr = {};
        addr.sun_family = AF_UNIX;
        memcpy(addr.sun_path, name.constData(), size_t(name.size()));
        if (name.startsWith('@'))
            addr.sun_path[0] = '\0';
        const socklen_t length = socklen_t(offsetof(sockaddr_un, sun_path) + size_t(name.size())
                                           + (name.startsWith('@') ? 0 : 1));
        m_bound = ::bind(m_fd, reinterpret_cast<sockaddr *>(&addr), length) == 0;
        timeval timeout = { 5, 0 };
        ::setsockopt(m_fd, SOL_SOCKET, SO_RCVTIMEO, &timeout, sizeof timeout);
    }
    ~NotifySocket() { ::close(m_fd); }
    bool bound() const { return m_bound; }
    // The next datagram, or "" after 5 s.
    QByteArray receive()
    {
        char buffer[4096];
        const ssize_t n = ::recv(m_fd, buffer, sizeof buffer, 0);
        return n > 0 ? QByteArray(buffer, n) : QByteArray();
    }
    // The next datagram without blocking, or "".
    QByteArray poll()
    {
        char buffer[4096];
        const ssize_t n = ::recv(m_fd, buffer, sizeof buffer, MSG_DONTWAIT);
        return n > 0 ? QByteArray(buffer, n) : QByteArray();
    }

private:
    QByteArray m_name;
    int m_fd = -1;
    bool m_bound = false;
};

QByteArray abstractName()
{
    return "@qonsul-test-notify-" + QByteArray::number(qint64(::getpid()));
}
} // namespace

class TestSystemdNotify : public QObject
{
    Q_OBJECT

private Q_SLOTS:
    void init()
    {
        for (const char *name : { "NOTIFY_SOCKET", "WATCHDOG_USEC", "WATCHDOG_PID" })
            qunsetenv(name);
    }

    void lifecycleMessagesOnPathSocket()
    {
        QTemporaryDir dir;
        const QByteArray path = QFile::encodeName(dir.filePath(QStringLiteral("notify")));
        NotifySocket systemd(path);
        QVERIFY(systemd.bound());
        qputenv("NOTIFY_SOCKET", path);
        SystemdNotifier notifier;
        QVERIFY(notifier.active());
        QCOMPARE(notifier.watchdogIntervalMs(), 0);

        notifier.ready();
        QCOMPARE(systemd.receive(), QByteArray("READY=1\nSTATUS=Consul agent running"));

        notifier.reloading();
        const QList<QByteArray> lines = systemd.receive().split('\n');
        QCOMPARE(lines.value(0), QByteArray("RELOADING=1"));
        QVERIFY(lines.value(2).startsWith("MONOTONIC_USEC="));
        timespec now = {};
        clock_gettime(CLOCK_MONOTONIC, &now);
        const qint64 sent = lines.value(2).mid(15).toLongLong();
        QVERIFY(sent > 0 && sent <= qint64(now.tv_sec) * 1000000 + now.tv_nsec / 1000);
        notifier.reloaded();
        QCOMPARE(systemd.receive(), QByteArray("READY=1\nSTATUS=Consul agent running"));

        notifier.stopping();
        QCOMPARE(systemd.receive(), QByteArray("STOPPING=1\nSTATUS=Shutting down"));

        notifier.failed(QStringLiteral("Failed to start HTTP server\non 127.0.0.1:8500"));
        QCOMPARE(systemd.receive(), QByteArray("STATUS=Failed to start HTTP server on 127.0.0.1:8500"));
    }

    void abstractNamespaceSocket()
    {
        NotifySocket systemd(abstractName());
        QVERIFY(systemd.bound());
        qputenv("NOTIFY_SOCKET", abstractName());
        SystemdNotifier notifier;
        notifier.ready();
        QCOMPARE(systemd.receive(), QByteArray("READY=1\nSTATUS=Consul agent running"));
    }

    void watchdogAtHalfTheInterval()
    {
        NotifySocket systemd(abstractName());
        qputenv("NOTIFY_SOCKET", abstractName());
        qputenv("WATCHDOG_USEC", "200000");
        qputenv("WATCHDOG_PID", QByteArray::number(qint64(::getpid())));
        SystemdNotifier notifier;
        QCOMPARE(notifier.watchdogIntervalMs(), 100);
        // The keep-alives come from the event loop's timer.
        QByteArray got;
        QDeadlineTimer deadline(5000);
        while (got.isEmpty() && !deadline.hasExpired()) {
            QTest::qWait(20);
            got = systemd.poll();
        }
        QCOMPARE(got, QByteArray("WATCHDOG=1"));
    }

    void watchdogForAnotherProcessIsIgnored()
    {
        qputenv("NOTIFY_SOCKET", abstractName());
        qputenv("WATCHDOG_USEC", "200000");
        qputenv("WATCHDOG_PID", QByteArray::number(qint64(::getpid()) + 1));
        SystemdNotifier notifier;
        QCOMPARE(notifier.watchdogIntervalMs(), 0);
    }

    void withoutNotifySocketNothingIsSent()
    {
        SystemdNotifier notifier;
        QVERIFY(!notifier.active());
        notifier.ready(); // must not crash or warn
    }

    void badSocketNamesAreErrors()
    {
        QString error;
        QVERIFY(!sendNotify("vsock:2:1234", "READY=1", &error));
        QVERIFY(error.contains(u"unsupported NOTIFY_SOCKET"));
        QVERIFY(!sendNotify("/nonexistent/qonsul/notify", "READY=1", &error));
        QVERIFY(!error.isEmpty());
    }
};

QTEST_GUILESS_MAIN(TestSystemdNotify)
#include "tst_systemd_notify.moc"

// The agent under a (stand-in) systemd: a real `qonsul agent` with $NOTIFY_SOCKET pointing at a
// datagram socket this test binds tells it READY=1 once HTTP serves, RELOADING=1/READY=1 around
// a SIGHUP reload, STOPPING=1 on SIGTERM, and WATCHDOG=1 keep-alives when $WATCHDOG_USEC asks.
// Also the syslog setting's bad input.
#include "AgentProcess.h"

#include <QDeadlineTimer>
#include <QTemporaryDir>
#include <QTest>

#include <csignal>
#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>

using namespace qonsul::test;

namespace {
class NotifySocket
{
public:
    explicit NotifySocket(const QString &path)
    {
        m_fd = ::socket(AF_UNIX, SOCK_DGRAM | SOCK_CLOEXEC, 0);
        sockaddr_un addr = {};
        addr.sun_family = AF_UNIX;
        const QByteArray name = QFile::encodeName(path);
        memcpy(addr.sun_path, name.constData(), size_t(name.size()));
        m_bound = ::bind(m_fd, reinterpret_cast<sockaddr *>(&addr), sizeof addr) == 0;
    }
    ~NotifySocket() { ::close(m_fd); }
    bool bound() const { return m_bound; }
    // The next datagram within `timeoutMs`, or "".
    QByteArray next(int timeoutMs = 10000)
    {
        QDeadlineTimer deadline(timeoutMs);
        do {
            char buffer[4096];
            const ssize_t n = ::recv(m_fd, buffer, sizeof buffer, MSG_DONTWAIT);
            if (n > 0)
                return QByteArray(buffer, n);
            QTest::qWait(10);
        } while (!deadline.hasExpired());
        return {};
    }

private:
    int m_fd = -1;
    bool m_bound = false;
};
} // namespace

class TestAgentNotify : public QObject
{
    Q_OBJECT

private Q_SLOTS:
    void readyReloadStopping()
    {
        QTemporaryDir dir;
        const QString path = dir.filePath(QStringLiteral("notify"));
        NotifySocket systemd(path);
        QVERIFY(systemd.bound());
        AgentProcess agent;
        QProcessEnvironment env = QProcessEnvironment::systemEnvironment();
        env.insert(QStringLiteral("NOTIFY_SOCKET"), path);
        agent.process().setProcessEnvironment(env);
        QVERIFY(agent.start());
        // READY=1 goes out before the event loop runs, so it is there once HTTP has answered.
        QCOMPARE(systemd.next(0), QByteArray("READY=1\nSTATUS=Consul agent running"));

        ::kill(pid_t(agent.process().processId()), SIGHUP);
        QVERIFY(systemd.next().startsWith("RELOADING=1\nSTATUS=Reloading configuration\nMONOTONIC_USEC="));
        QCOMPARE(systemd.next(), QByteArray("READY=1\nSTATUS=Consul agent running"));

        agent.process().terminate();
        QCOMPARE(systemd.next(), QByteArray("STOPPING=1\nSTATUS=Shutting down"));
        QVERIFY(agent.process().waitForFinished(10000));
        QCOMPARE(agent.process().exitCode(), 0);
    }

    void watchdogKeepAlives()
    {
        QTemporaryDir dir;
        const QString path = dir.filePath(QStringLiteral("notify"));
        NotifySocket systemd(path);
        AgentProcess agent;
        QProcessEnvironment env = QProcessEnvironment::systemEnvironment();
        env.insert(QStringLiteral("NOTIFY_SOCKET"), path);
        env.insert(QStringLiteral("WATCHDOG_USEC"), QStringLiteral("400000"));
        agent.process().setProcessEnvironment(env);
        QVERIFY(agent.start());
        QByteArray got;
        QDeadlineTimer deadline(10000);
        while (got != "WATCHDOG=1" && !deadline.hasExpired())
            got = systemd.next(1000);
        QCOMPARE(got, QByteArray("WATCHDOG=1"));
    }

    void badSyslogFacilityStopsTheStart()
    {
        QTemporaryDir dir;
        QFile config(dir.filePath(QStringLiteral("syslog.json")));
        QVERIFY(config.open(QIODevice::WriteOnly));
        config.write(R"({"enable_syslog": true, "syslog_facility": "LOCAL9"})");
        config.close();
        AgentProcess agent({ QStringLiteral("-config-file=%1").arg(config.fileName()) });
        QVERIFY(!agent.start(5000));
        agent.process().waitForFinished(5000);
        QCOMPARE(agent.process().state(), QProcess::NotRunning);
        QCOMPARE(agent.process().exitCode(), 1);
        QVERIFY2(agent.output().contains("Syslog setup failed: invalid syslog facility \"LOCAL9\""),
                 agent.output().constData());
    }

    void syslogWithAValidFacilityStarts()
    {
        AgentProcess agent({ QStringLiteral("-syslog") });
        QVERIFY(agent.start());
    }
};

QTEST_GUILESS_MAIN(TestAgentNotify)
#include "tst_agent_notify.moc"

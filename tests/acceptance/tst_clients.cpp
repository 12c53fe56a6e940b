// Runs the seed tutorial's client examples and typical client calls, written for Consul, against
// a `qonsul agent -dev` started on free loopback ports.
#include "AgentProcess.h"

#include <QDir>
#include <QProcess>
#include <QtTest>

using qonsul::test::AgentProcess;

class TestClients : public QObject
{
    Q_OBJECT

private:
    // Runs `program args... <http-port>` in `dir`; returns its exit code and prints its output on failure.
    int runClient(const QString &program, const QStringList &args, const QString &dir, quint16 port)
    {
        QProcess p;
        p.setWorkingDirectory(dir);
        p.setProcessChannelMode(QProcess::MergedChannels);
        p.start(program, args + QStringList{QString::number(port)});
        if (!p.waitForStarted(10000)) {
            qWarning() << "cannot start" << program << p.errorString();
            return -1;
        }
        if (!p.waitForFinished(60000)) {
            p.kill();
            p.waitForFinished(2000);
        }
        m_lastOutput = p.readAll();
        if (p.exitStatus() != QProcess::NormalExit || p.exitCode() != 0)
            qWarning().noquote() << m_lastOutput;
        return p.exitStatus() == QProcess::NormalExit ? p.exitCode() : -1;
    }
    static QString source(const QString &relative)
    {
        return QDir(qEnvironmentVariable("QONSUL_SOURCE_DIR")).filePath(relative);
    }
    QByteArray m_lastOutput;

private Q_SLOTS:
    void pythonConsulSeedExample()
    {
        AgentProcess agent;
        QVERIFY(agent.start());
        // Debian's python3-consul lives in the system interpreter, not in any pyenv on PATH.
        QCOMPARE(runClient(QStringLiteral("/usr/bin/python3"), {source(QStringLiteral("tests/acceptance/python/seed_example.py"))},
                           source(QStringLiteral("tests/acceptance/python")), agent.httpPort()),
                 0);
        QVERIFY(m_lastOutput.contains("b'python-zy'"));
        QVERIFY(m_lastOutput.contains("python-consul acceptance: OK"));
    }

    void nodeConsul040SeedLockExample()
    {
        AgentProcess agent;
        QVERIFY(agent.start());
        const QString dir = source(QStringLiteral("tests/acceptance/node/consul-0.40"));
        QVERIFY2(QDir(dir).exists(QStringLiteral("node_modules/consul")), "run `npm ci` in tests/acceptance/node/consul-0.40");
        QCOMPARE(runClient(QStringLiteral("node"), {QStringLiteral("seed_lock.js")}, dir, agent.httpPort()), 0);
        QVERIFY(m_lastOutput.contains("lock acquired"));
        QVERIFY(m_lastOutput.contains("lock released"));
        QVERIFY(m_lastOutput.contains("consul 0.40 seed lock example: OK"));
    }

    void nodeConsul2ClientCalls()
    {
        AgentProcess agent;
        QVERIFY(agent.start());
        const QString dir = source(QStringLiteral("tests/acceptance/node/consul-2"));
        QVERIFY2(QDir(dir).exists(QStringLiteral("node_modules/consul")), "run `npm ci` in tests/acceptance/node/consul-2");
        QCOMPARE(runClient(QStringLiteral("node"), {QStringLiteral("client_calls.js")}, dir, agent.httpPort()), 0);
        QVERIFY(m_lastOutput.contains("consul 2.x client calls: OK"));
    }
};

QTEST_GUILESS_MAIN(TestClients)
#include "tst_clients.moc"

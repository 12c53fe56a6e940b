#include "cli/Runtime.h"

#include <QEventLoop>
#include <QProcess>
#include <QTimer>
#include <csignal>

namespace qonsul::cli {

client::Response Waiter::request(const client::Request &request)
{
    client::Response result;
    QEventLoop loop;
    m_pending = m_client.send(request);
    QObject::connect(m_pending, &client::ApiCall::finished, &loop, [&](const client::Response &r) {
        result = r;
        loop.quit();
    });
    loop.exec();
    m_pending = nullptr;
    return result;
}

void Waiter::sleep(qint64 ms)
{
    QEventLoop loop;
    QTimer::singleShot(ms, &loop, &QEventLoop::quit);
    m_sleep = &loop;
    loop.exec();
    m_sleep = nullptr;
}

void Waiter::interrupt()
{
    if (m_pending)
        m_pending->abort();
    if (m_sleep)
        m_sleep->quit();
}

QStringList handlerCommand(const QStringList &args, bool shell)
{
    if (!shell)
        return args;
    QString sh = qEnvironmentVariable("SHELL");
    if (sh.isEmpty())
        sh = QStringLiteral("/bin/sh");
    return { sh, QStringLiteral("-c"), args.join(u' ') };
}

QString processFailure(const QProcess &process)
{
    if (process.exitStatus() == QProcess::CrashExit) {
        // Qt reports the signal number as the exit code of a crashed child.
        const int sig = process.exitCode();
        switch (sig) {
        case SIGHUP:
            return QStringLiteral("signal: hangup");
        case SIGINT:
            return QStringLiteral("signal: interrupt");
        case SIGQUIT:
            return QStringLiteral("signal: quit");
        case SIGABRT:
            return QStringLiteral("signal: aborted");
        case SIGKILL:
            return QStringLiteral("signal: killed");
        case SIGSEGV:
            return QStringLiteral("signal: segmentation fault");
        case SIGPIPE:
            return QStringLiteral("signal: broken pipe");
        case SIGTERM:
            return QStringLiteral("signal: terminated");
        default:
            return QStringLiteral("signal: signal %1").arg(sig);
        }
    }
    if (process.exitCode() != 0)
        return QStringLiteral("exit status %1").arg(process.exitCode());
    return {};
}

} // namespace qonsul::cli

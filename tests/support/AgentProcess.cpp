#include "AgentProcess.h"
#include "TestSupport.h"

#include <QCoreApplication>
#include <QDeadlineTimer>
#include <QEventLoop>
#include <QJsonArray>
#include <QJsonDocument>
#include <QJsonObject>
#include <QNetworkAccessManager>
#include <QNetworkReply>
#include <QThread>
#include <QTimer>
#include <QtTest>

#include <algorithm>

namespace qonsul::test {

AgentProcess::AgentProcess(QStringList extraArgs, bool dev)
    : m_args(std::move(extraArgs))
    , m_dev(dev)
{
    m_process.setProcessChannelMode(QProcess::MergedChannels);
}

AgentProcess::~AgentProcess()
{
    stop();
}

QString AgentProcess::binary()
{
    const QString bin = qEnvironmentVariable("QONSUL_BIN");
    return bin.isEmpty() ? QStringLiteral("qonsul") : bin;
}

QString AgentProcess::httpAddr() const
{
    return QStringLiteral("127.0.0.1:%1").arg(m_httpPort);
}

QString AgentProcess::baseUrl() const
{
    return QStringLiteral("http://127.0.0.1:%1").arg(m_httpPort);
}

QByteArray AgentProcess::output() const
{
    m_output += const_cast<QProcess &>(m_process).readAll();
    return m_output;
}

bool AgentProcess::start(int timeoutMs, bool waitForLeader)
{
    m_httpPort = freeTcpPort();
    m_dnsPort = freeTcpUdpPort();
    QStringList args{QStringLiteral("agent")};
    if (m_dev)
        args << QStringLiteral("-dev");
    args << QStringLiteral("-http-port") << QString::number(m_httpPort) << QStringLiteral("-dns-port")
         << QString::number(m_dnsPort);
    // A dev agent gossips on 8301/8302 when they are free: keep tests off the default ports,
    // which tests running the tutorials' commands (tst_seeds) need.
    for (const QString &flag : {QStringLiteral("-serf-lan-port"), QStringLiteral("-serf-wan-port")}) {
        const bool given = std::any_of(m_args.cbegin(), m_args.cend(),
                                       [&flag](const QString &a) { return a == flag || a.startsWith(flag + u'='); });
        if (m_dev && !given)
            args << flag << QString::number(freeTcpUdpPort());
    }
    args << m_args;
    m_process.start(binary(), args);
    if (!m_process.waitForStarted(5000)) {
        qWarning() << "could not start" << binary() << m_process.errorString();
        return false;
    }
    QDeadlineTimer deadline(timeoutMs);
    while (!deadline.hasExpired()) {
        if (m_process.state() != QProcess::Running) {
            qWarning().noquote() << "agent exited early:" << output();
            return false;
        }
        const HttpResult r = httpRequest("GET", baseUrl() + QStringLiteral("/v1/status/leader"), {}, {}, 1000);
        // Without waitForLeader any answer will do: a client agent that knows no server yet
        // answers 500 "No known Consul servers".
        if (waitForLeader ? r.status == 200 && r.body != "\"\"" : r.status != 0)
            return true;
        QThread::msleep(20);
    }
    qWarning().noquote() << "agent did not become ready:" << output();
    return false;
}

void AgentProcess::stop()
{
    if (m_process.state() == QProcess::NotRunning)
        return;
    m_process.terminate();
    if (!m_process.waitForFinished(5000)) {
        m_process.kill();
        m_process.waitForFinished(2000);
    }
    output();
}

void AgentProcess::kill()
{
    m_process.kill();
    m_process.waitForFinished(2000);
}

int AgentProcess::runCli(const QStringList &args, QByteArray *out, QByteArray *err, const QByteArray &stdinData,
                         int timeoutMs) const
{
    QProcess cli;
    QProcessEnvironment env = QProcessEnvironment::systemEnvironment();
    env.insert(QStringLiteral("CONSUL_HTTP_ADDR"), httpAddr());
    cli.setProcessEnvironment(env);
    cli.start(binary(), args);
    cli.waitForStarted(5000);
    if (!stdinData.isEmpty())
        cli.write(stdinData);
    cli.closeWriteChannel();
    if (!cli.waitForFinished(timeoutMs)) {
        cli.kill();
        cli.waitForFinished(1000);
        return -1;
    }
    if (out)
        *out = cli.readAllStandardOutput();
    if (err)
        *err = cli.readAllStandardError();
    return cli.exitStatus() == QProcess::NormalExit ? cli.exitCode() : -1;
}

QByteArray HttpResult::header(const QByteArray &name) const
{
    for (const auto &h : headers) {
        if (h.first.compare(name, Qt::CaseInsensitive) == 0)
            return h.second;
    }
    return {};
}

HttpResult httpRequest(const QByteArray &method, const QString &url, const QByteArray &body,
                       const QList<QPair<QByteArray, QByteArray>> &headers, int timeoutMs)
{
    QNetworkAccessManager nam;
    QNetworkRequest request{QUrl(url)};
    request.setAttribute(QNetworkRequest::RedirectPolicyAttribute, QNetworkRequest::ManualRedirectPolicy);
    for (const auto &h : headers)
        request.setRawHeader(h.first, h.second);
    QNetworkReply *reply = nam.sendCustomRequest(request, method, body);
    QEventLoop loop;
    QObject::connect(reply, &QNetworkReply::finished, &loop, &QEventLoop::quit);
    QTimer::singleShot(timeoutMs, &loop, &QEventLoop::quit);
    loop.exec();
    HttpResult result;
    if (!reply->isFinished()) {
        reply->abort();
    } else {
        result.status = reply->attribute(QNetworkRequest::HttpStatusCodeAttribute).toInt();
        result.body = reply->readAll();
        for (const auto &pair : reply->rawHeaderPairs())
            result.headers.append(pair);
    }
    reply->deleteLater();
    return result;
}

QJsonValue json(const HttpResult &r)
{
    // Wrapped in an array, a body that is a bare string, number or bool parses too.
    return QJsonDocument::fromJson("[" + r.body + "]").array().at(0);
}

QMap<QString, int> memberStatuses(const AgentProcess &agent, bool wan)
{
    QMap<QString, int> out;
    const QString path
        = wan ? QStringLiteral("/v1/agent/members?wan=1") : QStringLiteral("/v1/agent/members");
    const HttpResult r = httpRequest("GET", agent.baseUrl() + path, {}, {}, 3000);
    for (const QJsonValue &m : json(r).toArray())
        out.insert(m.toObject().value(u"Name").toString(), m.toObject().value(u"Status").toInt());
    return out;
}

bool waitForCheck(const AgentProcess &agent, const QString &id, const QString &status, const QString &outputPrefix,
                  int timeoutMs)
{
    QDeadlineTimer deadline(timeoutMs);
    QJsonObject last;
    while (!deadline.hasExpired()) {
        last = json(httpRequest("GET", agent.baseUrl() + QStringLiteral("/v1/agent/checks"))).toObject().value(id).toObject();
        if (last.value(u"Status").toString() == status && last.value(u"Output").toString().startsWith(outputPrefix))
            return true;
        QTest::qWait(50);
    }
    qWarning().noquote() << "check" << id << "is" << QJsonDocument(last).toJson(QJsonDocument::Compact);
    return false;
}

} // namespace qonsul::test

// A non-dev agent keeps what the HTTP API registered — services, checks and the status TTL checks
// last reported — in its data_dir across a kill -9 and restart, as Consul's agent does; an
// expired TTL status and deregistered entries do not come back.
#include "AgentProcess.h"
#include "TestSupport.h"

#include <QHostAddress>
#include <QJsonDocument>
#include <QJsonObject>
#include <QTemporaryDir>
#include <QThread>
#include <QtTest>

using qonsul::test::AgentProcess;
using qonsul::test::freeTcpPort;
using qonsul::test::httpRequest;

namespace {
QJsonObject getObject(const AgentProcess &agent, const QString &path)
{
    return QJsonDocument::fromJson(httpRequest("GET", agent.baseUrl() + path).body).object();
}
int put(const AgentProcess &agent, const QString &path, const QByteArray &body = {})
{
    return httpRequest("PUT", agent.baseUrl() + path, body).status;
}
} // namespace

class TestChecksPersist : public QObject
{
    Q_OBJECT

private Q_SLOTS:
    void registrationsAndTtlStatusSurviveARestart()
    {
        QTemporaryDir dir;
        QVERIFY(dir.isValid());
        const QHostAddress lo(QStringLiteral("127.0.0.1"));
        AgentProcess agent({QStringLiteral("-server"), QStringLiteral("-bootstrap"), QStringLiteral("-node"),
                            QStringLiteral("persist"), QStringLiteral("-bind"), QStringLiteral("127.0.0.1"),
                            QStringLiteral("-data-dir"), dir.path(), QStringLiteral("-server-port"),
                            QString::number(freeTcpPort(lo)), QStringLiteral("-serf-lan-port"),
                            QString::number(freeTcpPort(lo)), QStringLiteral("-serf-wan-port"),
                            QString::number(freeTcpPort(lo))},
                           false);
        QVERIFY(agent.start(30000));
        QCOMPARE(put(agent, QStringLiteral("/v1/agent/service/register"),
                     R"({"Name":"web","ID":"web1","Port":80,"Check":{"CheckID":"web-ttl","TTL":"10m"}})"),
                 200);
        QCOMPARE(put(agent, QStringLiteral("/v1/agent/service/register"), R"({"Name":"gone","ID":"gone1","Port":81})"),
                 200);
        QCOMPARE(put(agent, QStringLiteral("/v1/agent/check/register"), R"({"Name":"short","CheckID":"short","TTL":"2s"})"),
                 200);
        QCOMPARE(put(agent, QStringLiteral("/v1/agent/check/warn/web-ttl?note=halfway")), 200);
        QCOMPARE(put(agent, QStringLiteral("/v1/agent/check/pass/short")), 200);
        QCOMPARE(put(agent, QStringLiteral("/v1/agent/service/deregister/gone1")), 200);

        agent.kill();
        QThread::msleep(2500); // "short" runs out meanwhile
        QVERIFY(agent.start(30000));

        const QJsonObject services = getObject(agent, QStringLiteral("/v1/agent/services"));
        QVERIFY2(services.contains(u"web1"), QJsonDocument(services).toJson().constData());
        QVERIFY(!services.contains(u"gone1"));
        const QJsonObject checks = getObject(agent, QStringLiteral("/v1/agent/checks"));
        const QJsonObject web = checks.value(u"web-ttl").toObject();
        QCOMPARE(web.value(u"Status").toString(), QStringLiteral("warning"));
        QCOMPARE(web.value(u"Output").toString(), QStringLiteral("halfway"));
        // An expired status is not restored: the check starts over as registered (critical).
        QCOMPARE(checks.value(u"short").toObject().value(u"Status").toString(), QStringLiteral("critical"));
        // And the catalog sees the restored service again through anti-entropy.
        QTRY_VERIFY_WITH_TIMEOUT(
            httpRequest("GET", agent.baseUrl() + QStringLiteral("/v1/catalog/service/web")).body.contains("web1"), 10000);
        agent.stop();
    }
};

QTEST_GUILESS_MAIN(TestChecksPersist)
#include "tst_checks_persist.moc"

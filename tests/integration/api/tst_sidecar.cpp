// Connect.SidecarService against a real `qonsul agent -dev`: the sidecar registered through its
// parent (HTTP and config file) with Consul's defaults, and deregistered with it.
#include "DevAgentTest.h"

#include <QJsonArray>
#include <QJsonDocument>
#include <QJsonObject>
#include <QTemporaryDir>
#include <QtTest>

using qonsul::test::AgentProcess;
using qonsul::test::DevAgentTest;
using qonsul::test::json;
using qonsul::test::httpRequest;
using qonsul::test::HttpResult;
using namespace Qt::StringLiterals;

class TestSidecar : public DevAgentTest
{
    Q_OBJECT

private Q_SLOTS:
    void sidecarServiceFromHttp()
    {
        QCOMPARE(
            put(u"/v1/agent/service/register"_s,
                R"({"Name":"web","ID":"web1","Port":8080,"Tags":["v1"],"Connect":{"SidecarService":{}}})")
                .status,
            200);
        QCOMPARE(put(u"/v1/agent/service/register"_s,
                     R"({"Name":"api","Port":9090,"Connect":{"SidecarService":{}}})")
                     .status,
            200);
        const QJsonObject services = json(get(u"/v1/agent/services"_s)).toObject();
        QVERIFY(!services.value(u"web1").toObject().contains(u"Connect")); // the sugar is gone
        const QJsonObject proxy = services.value(u"web1-sidecar-proxy").toObject();
        QCOMPARE(proxy.value(u"Kind").toString(), u"connect-proxy"_s);
        QCOMPARE(proxy.value(u"Service").toString(), u"web-sidecar-proxy"_s);
        QCOMPARE(proxy.value(u"Port").toInt(), 21000);
        QCOMPARE(proxy.value(u"Tags").toArray(), QJsonArray { u"v1"_s });
        const QJsonObject p = proxy.value(u"Proxy").toObject();
        QCOMPARE(p.value(u"DestinationServiceName").toString(), u"web"_s);
        QCOMPARE(p.value(u"DestinationServiceID").toString(), u"web1"_s);
        QCOMPARE(p.value(u"LocalServiceAddress").toString(), u"127.0.0.1"_s);
        QCOMPARE(p.value(u"LocalServicePort").toInt(), 8080);
        QCOMPARE(services.value(u"api-sidecar-proxy").toObject().value(u"Port").toInt(), 21001);

        const QJsonObject checks = json(get(u"/v1/agent/checks"_s)).toObject();
        const QJsonObject listening = checks.value(u"service:web1-sidecar-proxy:1").toObject();
        QCOMPARE(listening.value(u"Name").toString(), u"Connect Sidecar Listening"_s);
        QCOMPARE(listening.value(u"Type").toString(), u"tcp"_s);
        QCOMPARE(listening.value(u"ServiceID").toString(), u"web1-sidecar-proxy"_s);
        const QJsonObject aliasing = checks.value(u"service:web1-sidecar-proxy:2").toObject();
        QCOMPARE(aliasing.value(u"Name").toString(), u"Connect Sidecar Aliasing web1"_s);
        QCOMPARE(aliasing.value(u"Type").toString(), u"alias"_s);

        // Re-registering keeps the port; the sidecar goes with its parent.
        QCOMPARE(put(u"/v1/agent/service/register"_s,
                     R"({"Name":"web","ID":"web1","Port":8081,"Connect":{"SidecarService":{}}})")
                     .status,
            200);
        QCOMPARE(json(get(u"/v1/agent/services"_s))
                     .toObject()
                     .value(u"web1-sidecar-proxy")
                     .toObject()
                     .value(u"Port")
                     .toInt(),
            21000);
        QCOMPARE(put(u"/v1/agent/service/deregister/web1"_s).status, 200);
        const QJsonObject after = json(get(u"/v1/agent/services"_s)).toObject();
        QVERIFY(!after.contains(u"web1"));
        QVERIFY(!after.contains(u"web1-sidecar-proxy"));
        QVERIFY(after.contains(u"api-sidecar-proxy"));
        QVERIFY(!json(get(u"/v1/agent/checks"_s)).toObject().contains(u"service:web1-sidecar-proxy:1"));
        QCOMPARE(put(u"/v1/agent/service/deregister/api"_s).status, 200);
        // It reaches the catalog as a connect-proxy instance of its own name.
        QCOMPARE(put(u"/v1/agent/service/register"_s,
                     R"({"Name":"cat","Port":7000,"Connect":{"SidecarService":{"Port":22000}}})")
                     .status,
            200);
        QTRY_COMPARE(json(get(u"/v1/catalog/service/cat-sidecar-proxy"_s)).toArray().size(), 1);
        const QJsonObject instance
            = json(get(u"/v1/catalog/service/cat-sidecar-proxy"_s)).toArray().at(0).toObject();
        QCOMPARE(instance.value(u"ServiceKind").toString(), u"connect-proxy"_s);
        QCOMPARE(instance.value(u"ServicePort").toInt(), 22000);
        QCOMPARE(put(u"/v1/agent/service/deregister/cat"_s).status, 200);
        QTRY_COMPARE(json(get(u"/v1/catalog/service/cat-sidecar-proxy"_s)).toArray().size(), 0);
    }

    void sidecarServiceFromConfigFile()
    {
        QTemporaryDir dir;
        QVERIFY(dir.isValid());
        QFile f(dir.filePath(u"svc.hcl"_s));
        QVERIFY(f.open(QIODevice::WriteOnly));
        f.write("ports { sidecar_min_port = 23000 sidecar_max_port = 23010 }\n"
                "service {\n  name = \"billing\"\n  port = 5000\n  connect { sidecar_service {} }\n}\n");
        f.close();
        AgentProcess agent({ u"-config-file"_s, f.fileName() });
        QVERIFY(agent.start());
        const QJsonObject services
            = QJsonDocument::fromJson(httpRequest("GET", agent.baseUrl() + u"/v1/agent/services"_s).body)
                  .object();
        const QJsonObject proxy = services.value(u"billing-sidecar-proxy").toObject();
        QCOMPARE(proxy.value(u"Kind").toString(), u"connect-proxy"_s);
        QCOMPARE(proxy.value(u"Port").toInt(), 23000);
        QCOMPARE(proxy.value(u"Proxy").toObject().value(u"LocalServicePort").toInt(), 5000);
        QVERIFY(!services.value(u"billing").toObject().contains(u"Connect"));
        agent.stop();
    }
};

QTEST_GUILESS_MAIN(TestSidecar)
#include "tst_sidecar.moc"

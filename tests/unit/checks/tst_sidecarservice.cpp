// Connect.SidecarService expansion (agent/SidecarService.h): Consul's defaults, the port range,
// and what the parent keeps.
#include "agent/SidecarService.h"

#include <QJsonArray>
#include <QJsonDocument>
#include <QTest>

using namespace qonsul;
using namespace qonsul::agent;
using namespace Qt::StringLiterals;

namespace {

QJsonObject obj(const char *json)
{
    return QJsonDocument::fromJson(QByteArray(json)).object();
}

api::Service serviceOnPort(const QString &id, int port)
{
    api::Service s;
    s.id = id;
    s.service = id;
    s.port = port;
    return s;
}

} // namespace

class TestSidecarService : public QObject
{
    Q_OBJECT

private Q_SLOTS:
    void noSidecarLeavesTheDefinition()
    {
        QJsonObject parent, sidecar;
        const QJsonObject def = obj(R"({"Name":"web","Port":80,"Connect":{"Native":true}})");
        QVERIFY(!expandSidecar(def, {}, {}, &parent, &sidecar));
        QCOMPARE(parent, def);
        QVERIFY(sidecar.isEmpty());
    }

    void defaultsFromTheParent()
    {
        QJsonObject parent, sidecar;
        const QJsonObject def = obj(R"({"name":"web","id":"web-1","port":8080,"address":"10.0.0.5",
            "meta":{"v":"1"},"connect":{"sidecar_service":{}}})");
        QVERIFY(!expandSidecar(def, {}, {}, &parent, &sidecar));
        QVERIFY(!parent.contains(u"connect"));
        QCOMPARE(sidecar.value(u"ID").toString(), u"web-1-sidecar-proxy"_s);
        QCOMPARE(sidecar.value(u"Name").toString(), u"web-sidecar-proxy"_s);
        QCOMPARE(sidecar.value(u"Kind").toString(), u"connect-proxy"_s);
        QCOMPARE(sidecar.value(u"Address").toString(), u"10.0.0.5"_s);
        QCOMPARE(sidecar.value(u"Meta").toObject(), obj(R"({"v":"1"})"));
        QCOMPARE(sidecar.value(u"Port").toInt(), 21000);
        QCOMPARE(sidecar.value(u"Proxy").toObject(),
            obj(R"({"DestinationServiceName":"web","DestinationServiceID":"web-1",
                         "LocalServiceAddress":"127.0.0.1","LocalServicePort":8080})"));
        const QJsonArray checks = sidecar.value(u"Checks").toArray();
        QCOMPARE(checks.size(), 2);
        QCOMPARE(checks.at(0).toObject(),
            obj(R"({"Name":"Connect Sidecar Listening","TCP":"10.0.0.5:21000","Interval":"10s"})"));
        QCOMPARE(checks.at(1).toObject(),
            obj(R"({"Name":"Connect Sidecar Aliasing web-1","AliasService":"web-1"})"));
    }

    void givenValuesWin()
    {
        QJsonObject parent, sidecar;
        const QJsonObject def = obj(R"({"Name":"db","Port":5432,"Connect":{"Native":false,"SidecarService":{
            "Port":19000,"Tags":["x"],"Proxy":{"LocalServicePort":6000},"Check":{"TTL":"10s"}}}})");
        QVERIFY(!expandSidecar(def, {}, {}, &parent, &sidecar));
        QCOMPARE(parent.value(u"Connect").toObject(), obj(R"({"Native":false})"));
        QCOMPARE(sidecar.value(u"Port").toInt(), 19000);
        QCOMPARE(sidecar.value(u"Tags").toArray(), QJsonArray { u"x"_s });
        QCOMPARE(sidecar.value(u"Proxy").toObject().value(u"LocalServicePort").toInt(), 6000);
        QCOMPARE(sidecar.value(u"Proxy").toObject().value(u"LocalServiceAddress").toString(), u"127.0.0.1"_s);
        QVERIFY(!sidecar.contains(u"Checks")); // its own check only
    }

    void portsFromTheRange()
    {
        QMap<QString, api::Service> services;
        services.insert(u"a"_s, serviceOnPort(u"a"_s, 23000));
        services.insert(u"b"_s, serviceOnPort(u"b"_s, 23002));
        services.insert(u"web-sidecar-proxy"_s, serviceOnPort(u"web-sidecar-proxy"_s, 23001));
        QJsonObject parent, sidecar;
        // Re-registered: keeps its port; a new one: the lowest free.
        QVERIFY(!expandSidecar(obj(R"({"Name":"web","Connect":{"SidecarService":{}}})"), services,
            { 23000, 23003 }, &parent, &sidecar));
        QCOMPARE(sidecar.value(u"Port").toInt(), 23001);
        QVERIFY(!expandSidecar(obj(R"({"Name":"api","Connect":{"SidecarService":{}}})"), services,
            { 23000, 23003 }, &parent, &sidecar));
        QCOMPARE(sidecar.value(u"Port").toInt(), 23003);
        const http::v1::AgentError full
            = expandSidecar(obj(R"({"Name":"api","Connect":{"SidecarService":{}}})"), services,
                { 23000, 23002 }, &parent, &sidecar);
        QCOMPARE(full.status, 500);
        QCOMPARE(full.message,
            u"no port provided for sidecar_service and none left in the configured range [23000, 23002]"_s);
        const http::v1::AgentError off
            = expandSidecar(obj(R"({"Name":"api","Connect":{"SidecarService":{}}})"), services, { -1, -1 },
                &parent, &sidecar);
        QCOMPARE(
            off.message, u"no port provided for sidecar_service and auto-assignment disabled in config"_s);
    }

    void socketPathAndIpv6()
    {
        QJsonObject parent, sidecar;
        QVERIFY(
            !expandSidecar(obj(R"({"Name":"s","SocketPath":"/run/s.sock","Connect":{"SidecarService":{}}})"),
                {}, {}, &parent, &sidecar));
        QCOMPARE(
            sidecar.value(u"Proxy").toObject().value(u"LocalServiceSocketPath").toString(), u"/run/s.sock"_s);
        QVERIFY(!sidecar.value(u"Proxy").toObject().contains(u"LocalServiceAddress"));
        QVERIFY(!expandSidecar(
            obj(R"({"Name":"v6","Port":1,"Address":"2001:db8::1","Connect":{"SidecarService":{}}})"), {}, {},
            &parent, &sidecar));
        QCOMPARE(sidecar.value(u"Checks").toArray().at(0).toObject().value(u"TCP").toString(),
            u"[2001:db8::1]:21000"_s);
    }
};

QTEST_GUILESS_MAIN(TestSidecarService)
#include "tst_sidecarservice.moc"

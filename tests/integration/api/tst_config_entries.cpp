// Config entries (/v1/config) against a real `qonsul agent -dev`: Consul's status codes, bodies,
// indexes, check-and-set and blocking reads.
#include "DevAgentTest.h"

#include <QJsonArray>
#include <QJsonDocument>
#include <QJsonObject>
#include <QNetworkAccessManager>
#include <QNetworkReply>
#include <QTemporaryDir>
#include <QtTest>

using qonsul::test::AgentProcess;
using qonsul::test::DevAgentTest;
using qonsul::test::json;
using qonsul::test::httpRequest;
using qonsul::test::HttpResult;
using namespace Qt::StringLiterals;

class TestConfigEntries : public DevAgentTest
{
    Q_OBJECT

private Q_SLOTS:
    void writeReadListDelete()
    {
        HttpResult r = put(u"/v1/config"_s, R"({"Kind":"service-defaults","Name":"web","Protocol":"http"})");
        QCOMPARE(r.status, 200);
        QCOMPARE(r.body.trimmed(), QByteArray("true"));
        r = get(u"/v1/config/service-defaults/web"_s);
        QCOMPARE(r.status, 200);
        const QJsonObject web = json(r).toObject();
        QCOMPARE(web.value(u"Kind").toString(), u"service-defaults"_s);
        QCOMPARE(web.value(u"Protocol").toString(), u"http"_s);
        const quint64 created = quint64(web.value(u"CreateIndex").toDouble());
        QVERIFY(created > 0);
        QCOMPARE(quint64(web.value(u"ModifyIndex").toDouble()), created);
        QCOMPARE(r.header("X-Consul-Index").toULongLong(), created);

        QCOMPARE(
            put(u"/v1/config"_s, R"({"kind":"service-defaults","name":"db","protocol":"tcp"})").status, 200);
        r = get(u"/v1/config/service-defaults"_s);
        QCOMPARE(r.status, 200);
        const QJsonArray list = json(r).toArray();
        QCOMPARE(list.size(), 2);
        QCOMPARE(list.at(0).toObject().value(u"Name").toString(), u"db"_s);
        QCOMPARE(list.at(0).toObject().value(u"Protocol").toString(), u"tcp"_s); // snake/lower case decoded
        QCOMPARE(json(get(u"/v1/config/ingress-gateway"_s)).toArray().size(), 0);

        r = get(u"/v1/config/service-defaults/nope"_s);
        QCOMPARE(r.status, 404);
        QCOMPARE(r.body, QByteArray(R"(Config entry not found for "service-defaults" / "nope")"));

        r = del(u"/v1/config/service-defaults/db"_s);
        QCOMPARE(r.status, 200);
        QCOMPARE(json(r), QJsonValue(QJsonObject())); // {} (indented: a dev agent pretty-prints)
        QCOMPARE(get(u"/v1/config/service-defaults/db"_s).status, 404);
    }

    void checkAndSet()
    {
        QCOMPARE(put(u"/v1/config?cas=0"_s, R"({"Kind":"service-defaults","Name":"cas"})").body.trimmed(),
            QByteArray("true"));
        QCOMPARE(put(u"/v1/config?cas=0"_s, R"({"Kind":"service-defaults","Name":"cas"})").body.trimmed(),
            QByteArray("false"));
        const quint64 index = quint64(
            json(get(u"/v1/config/service-defaults/cas"_s)).toObject().value(u"ModifyIndex").toDouble());
        QCOMPARE(put(u"/v1/config?cas=%1"_s.arg(index + 100), R"({"Kind":"service-defaults","Name":"cas"})")
                     .body.trimmed(),
            QByteArray("false"));
        QCOMPARE(put(u"/v1/config?cas=%1"_s.arg(index),
                     R"({"Kind":"service-defaults","Name":"cas","Protocol":"grpc"})")
                     .body.trimmed(),
            QByteArray("true"));
        const quint64 now = quint64(
            json(get(u"/v1/config/service-defaults/cas"_s)).toObject().value(u"ModifyIndex").toDouble());
        QCOMPARE(
            del(u"/v1/config/service-defaults/cas?cas=%1"_s.arg(index)).body.trimmed(), QByteArray("false"));
        QCOMPARE(
            del(u"/v1/config/service-defaults/cas?cas=%1"_s.arg(now)).body.trimmed(), QByteArray("true"));
        QCOMPARE(get(u"/v1/config/service-defaults/cas"_s).status, 404);
    }

    void consulErrors()
    {
        HttpResult r = put(u"/v1/config"_s, R"({"Name":"x"})");
        QCOMPARE(r.status, 400);
        QCOMPARE(r.body,
            QByteArray("Request decoding failed: Payload does not contain a kind/Kind key at the top level"));
        r = put(u"/v1/config"_s, R"({"Kind":"nope","Name":"x"})");
        QCOMPARE(r.status, 400);
        QCOMPARE(r.body, QByteArray("Request decoding failed: invalid config entry kind: nope"));
        r = put(u"/v1/config"_s, R"({"Kind":"proxy-defaults","Name":"x"})");
        QCOMPARE(r.status, 500);
        QCOMPARE(r.body, QByteArray(R"(invalid name ("x"), only "global" is supported)"));
        r = put(u"/v1/config"_s,
            R"({"Kind":"ingress-gateway","Name":"gw","Listeners":[{"Port":80,"Services":[]}]})");
        QCOMPARE(r.status, 500);
        QCOMPARE(r.body, QByteArray("No service declared for listener with port 80"));
        r = get(u"/v1/config/nope"_s);
        QCOMPARE(r.status, 500);
        QCOMPARE(r.body, QByteArray("invalid config entry kind: nope"));
        r = del(u"/v1/config/service-defaults"_s);
        QCOMPARE(r.status, 404);
        QCOMPARE(r.body, QByteArray("Must provide both a kind and name to delete"));
        QCOMPARE(get(u"/v1/config"_s).status, 405);
        // proxy-defaults without a name is "global".
        QCOMPARE(
            put(u"/v1/config"_s, R"({"Kind":"proxy-defaults","Config":{"protocol":"http"}})").status, 200);
        QCOMPARE(json(get(u"/v1/config/proxy-defaults/global"_s))
                     .toObject()
                     .value(u"Config")
                     .toObject()
                     .value(u"protocol")
                     .toString(),
            u"http"_s);
    }

    void blockingListWakesOnWrite()
    {
        const HttpResult first = get(u"/v1/config/terminating-gateway"_s);
        const quint64 index = first.header("X-Consul-Index").toULongLong();
        QVERIFY(index > 0);
        QNetworkAccessManager nam;
        QNetworkReply *reply = nam.get(QNetworkRequest(
            QUrl(m_agent.baseUrl() + u"/v1/config/terminating-gateway?index=%1&wait=20s"_s.arg(index))));
        QTest::qWait(300);
        QVERIFY(!reply->isFinished());
        QCOMPARE(
            put(u"/v1/config"_s, R"({"Kind":"terminating-gateway","Name":"tgw","Services":[{"Name":"db"}]})")
                .status,
            200);
        QTRY_VERIFY_WITH_TIMEOUT(reply->isFinished(), 5000);
        QVERIFY(reply->rawHeader("X-Consul-Index").toULongLong() > index);
        QCOMPARE(QJsonDocument::fromJson(reply->readAll()).array().size(), 1);
        reply->deleteLater();
    }

    void bootstrapFromAgentFile()
    {
        QTemporaryDir dir;
        QVERIFY(dir.isValid());
        QFile f(dir.filePath(u"entries.hcl"_s));
        QVERIFY(f.open(QIODevice::WriteOnly));
        f.write(
            "config_entries {\n  bootstrap = [\n"
            "    { kind = \"proxy-defaults\"\n      name = \"global\"\n"
            "      config { local_connect_timeout_ms = 1000 } },\n"
            "    { kind = \"ingress-gateway\"\n      name = \"gw\"\n"
            "      listeners = [{ port = 8080\n protocol = \"http\"\n services = [{ name = \"web\" }] }] }\n"
            "  ]\n}\n");
        f.close();
        AgentProcess agent({ u"-config-file"_s, f.fileName() });
        QVERIFY(agent.start());
        const QJsonObject global = QJsonDocument::fromJson(
            httpRequest("GET", agent.baseUrl() + u"/v1/config/proxy-defaults/global"_s).body)
                                       .object();
        QCOMPARE(global.value(u"Config").toObject().value(u"local_connect_timeout_ms").toInt(), 1000);
        const QJsonObject gw = QJsonDocument::fromJson(
            httpRequest("GET", agent.baseUrl() + u"/v1/config/ingress-gateway/gw"_s).body)
                                   .object();
        QCOMPARE(gw.value(u"Listeners").toArray().at(0).toObject().value(u"Protocol").toString(), u"http"_s);
        agent.stop();
    }
};

QTEST_GUILESS_MAIN(TestConfigEntries)
#include "tst_config_entries.moc"

// Two datacenters of real `qonsul agent` processes joined over the WAN pool (label
// `integration`): dc1 has a server on 127.0.0.2 and a client agent on 127.0.0.3, dc2 a server
// on 127.0.0.4 (each server -bootstrap, raft_multiplier 1). Checks /v1/catalog/datacenters (and
// `qonsul catalog datacenters`), ?dc= reads, writes and blocking queries answered by the other
// datacenter, DNS names of the other datacenter with dig, the error for an unknown datacenter,
// translate_wan_addrs on the client, and prepared query failover.
#include "ClusterAgent.h"

#include <QElapsedTimer>
#include <QHostAddress>
#include <QJsonArray>
#include <QJsonDocument>
#include <QJsonObject>
#include <QProcess>
#include <QStandardPaths>
#include <QTcpSocket>
#include <QTemporaryDir>
#include <QTest>

#include <vector>

using namespace Qt::StringLiterals;
using namespace qonsul::test;

namespace {

HttpResult get(const ClusterAgent &a, const QString &path)
{
    return httpRequest("GET", a.url(path), {}, {}, 10000);
}

// `dig` against the agent's DNS port: the full output.
QString dig(const ClusterAgent &a, const QStringList &args)
{
    QProcess p;
    p.setProcessChannelMode(QProcess::MergedChannels);
    p.start(u"dig"_s, QStringList{u"@127.0.0.1"_s, u"-p"_s, QString::number(a.process->dnsPort()), u"+tries=1"_s,
                                  u"+time=5"_s} + args);
    if (!p.waitForStarted(5000) || !p.waitForFinished(15000)) {
        p.kill();
        p.waitForFinished(1000);
        return {};
    }
    return QString::fromUtf8(p.readAll());
}

QStringList answers(const QString &digOutput)
{
    return digSection(digOutput.toUtf8(), u"ANSWER"_s);
}

} // namespace

class TestWan : public QObject
{
    Q_OBJECT

    QTemporaryDir m_dir;
    // dc1's server, dc1's client, dc2's server
    std::vector<ClusterAgent> m_agents = loopbackAgents({u"dc1-server"_s, u"dc1-client"_s, u"dc2-server"_s}, 1, m_dir.path());
    ClusterAgent &m_dc1 = m_agents[0];
    ClusterAgent &m_client = m_agents[1];
    ClusterAgent &m_dc2 = m_agents[2];

private Q_SLOTS:
    void initTestCase()
    {
        if (QStandardPaths::findExecutable(u"dig"_s).isEmpty())
            QFAIL("dig is needed (apt-get install dnsutils; scripts/install-deps.sh)");
        QVERIFY(m_dir.isValid());
        const QString config = m_dir.filePath(u"fast.json"_s);
        QVERIFY(writeFile(config, R"({"performance": {"raft_multiplier": 1}})"));
        m_dc1.datacenter = m_client.datacenter = u"dc1"_s;
        m_dc2.datacenter = u"dc2"_s;
        m_dc2.server = true;
        for (ClusterAgent *a : {&m_dc1, &m_dc2}) {
            a->extra = {u"-bootstrap"_s};
            QVERIFY2(a->start(config, true), qPrintable(a->name));
        }
        // dc1's client answers other datacenters' names with WAN addresses.
        const QString translate = m_dir.filePath(u"translate.json"_s);
        QVERIFY(writeFile(translate, R"({"translate_wan_addrs": true})"));
        m_client.extra = {u"-config-file"_s, translate, u"-retry-join"_s, m_dc1.serfAddress(), u"-retry-interval"_s, u"1s"_s};
        QVERIFY(m_client.start(config, true));
        // dc2's server joins dc1's over the WAN pool.
        QByteArray out, err;
        QCOMPARE(m_dc2.process->runCli({u"join"_s, u"-wan"_s, m_dc1.wanAddress()}, &out, &err), 0);
    }

    void datacentersNearestFirst()
    {
        const QJsonArray dc1First{u"dc1"_s, u"dc2"_s};
        const QJsonArray dc2First{u"dc2"_s, u"dc1"_s};
        QVERIFY(waitFor([&] { return json(get(m_dc1, u"/v1/catalog/datacenters"_s)) == dc1First; }, 20000));
        QVERIFY(waitFor([&] { return json(get(m_dc2, u"/v1/catalog/datacenters"_s)) == dc2First; }, 20000));
        QCOMPARE(json(get(m_client, u"/v1/catalog/datacenters"_s)), QJsonValue(dc1First));
        QByteArray out;
        QCOMPARE(m_client.process->runCli({u"catalog"_s, u"datacenters"_s}, &out), 0);
        QCOMPARE(out, QByteArray("dc1\ndc2\n"));
    }

    void readsFromTheOtherDatacenter()
    {
        const QJsonObject web{{u"ID"_s, u"web1"_s}, {u"Name"_s, u"web"_s}, {u"Address"_s, u"10.2.0.1"_s}, {u"Port"_s, 80}};
        QCOMPARE(httpRequest("PUT", m_dc2.url(u"/v1/agent/service/register"_s), QJsonDocument(web).toJson()).status, 200);
        QVERIFY(waitFor([&] { return json(get(m_dc2, u"/v1/catalog/service/web"_s)).toArray().size() == 1; }, 10000));
        // Through dc1's client (client -> dc1 server -> dc2 server) and dc1's server.
        for (const ClusterAgent *a : {&m_client, &m_dc1}) {
            const qint64 before = get(m_dc2, u"/v1/catalog/service/web"_s).header("X-Consul-Index").toLongLong();
            const HttpResult r = get(*a, u"/v1/catalog/service/web?dc=dc2"_s);
            const qint64 after = get(m_dc2, u"/v1/catalog/service/web"_s).header("X-Consul-Index").toLongLong();
            QCOMPARE(r.status, 200);
            const QJsonArray nodes = json(r).toArray();
            QCOMPARE(nodes.size(), 1);
            QCOMPARE(nodes[0].toObject().value(u"Datacenter").toString(), u"dc2"_s);
            QCOMPARE(nodes[0].toObject().value(u"ServiceAddress").toString(), u"10.2.0.1"_s);
            // The meta headers are dc2's (a write there may land between the reads).
            const qint64 index = r.header("X-Consul-Index").toLongLong();
            QVERIFY2(before > 0 && before <= index && index <= after, r.header("X-Consul-Index").constData());
            QCOMPARE(r.header("X-Consul-KnownLeader"), QByteArray("true"));
            QVERIFY(!r.header("X-Consul-LastContact").isEmpty());
        }
        QCOMPARE(json(get(m_dc1, u"/v1/catalog/service/web"_s)).toArray().size(), 0); // not in dc1
        const HttpResult health = get(m_client, u"/v1/health/service/web?dc=dc2&passing"_s);
        QCOMPARE(json(health).toArray().size(), 1);
    }

    void unknownDatacenter()
    {
        for (const ClusterAgent *a : {&m_client, &m_dc1}) {
            const HttpResult r = get(*a, u"/v1/kv/x?dc=nowhere"_s);
            QCOMPARE(r.status, 500);
            QCOMPARE(r.body, QByteArray("No path to datacenter"));
        }
    }

    void writeToTheOtherDatacenter()
    {
        const HttpResult put = httpRequest("PUT", m_client.url(u"/v1/kv/from-dc1?dc=dc2"_s), "hello");
        QCOMPARE(put.status, 200);
        QCOMPARE(put.body.trimmed(), QByteArray("true"));
        QCOMPARE(get(m_dc2, u"/v1/kv/from-dc1?raw"_s).body, QByteArray("hello"));
        QCOMPARE(get(m_dc1, u"/v1/kv/from-dc1?raw"_s).status, 404);
        QCOMPARE(get(m_client, u"/v1/kv/from-dc1?raw&dc=dc2"_s).body, QByteArray("hello"));
    }

    void blockingQueryAcrossDatacenters()
    {
        const HttpResult first = get(m_dc2, u"/v1/kv/from-dc1"_s);
        const QByteArray index = first.header("X-Consul-Index");
        QVERIFY(!index.isEmpty());
        // Parked in dc2 through dc1's client; answers when dc2's key changes.
        QTcpSocket socket;
        socket.connectToHost(QHostAddress::LocalHost, m_client.process->httpPort());
        QVERIFY(socket.waitForConnected(5000));
        socket.write("GET /v1/kv/from-dc1?dc=dc2&wait=20s&index=" + index + " HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n");
        QVERIFY(socket.waitForBytesWritten(5000));
        QVERIFY(!socket.waitForReadyRead(1500)); // still blocked
        QElapsedTimer timer;
        timer.start();
        QCOMPARE(httpRequest("PUT", m_dc2.url(u"/v1/kv/from-dc1"_s), "changed").status, 200);
        QByteArray reply;
        while (!reply.contains("\r\n\r\n[") && socket.waitForReadyRead(10000))
            reply += socket.readAll();
        while (socket.state() == QAbstractSocket::ConnectedState && socket.waitForReadyRead(2000))
            reply += socket.readAll();
        reply += socket.readAll();
        QVERIFY2(reply.startsWith("HTTP/1.1 200"), reply.constData());
        QVERIFY2(timer.elapsed() < 5000, qPrintable(QString::number(timer.elapsed())));
        QVERIFY(reply.contains("\"Value\":\"Y2hhbmdlZA==\"")); // base64("changed")
        const QByteArray newIndex = get(m_dc2, u"/v1/kv/from-dc1"_s).header("X-Consul-Index");
        QVERIFY2(reply.contains(QByteArray("X-Consul-Index: " + newIndex)) || reply.contains(QByteArray("x-consul-index: " + newIndex)), reply.constData());
    }

    void dnsNamesOfTheOtherDatacenter()
    {
        for (const ClusterAgent *a : {&m_dc1, &m_client}) {
            const QString service = dig(*a, {u"web.service.dc2.consul"_s, u"A"_s});
            QVERIFY2(service.contains(u"status: NOERROR"_s), qPrintable(service));
            QCOMPARE(answers(service).size(), 1);
            QVERIFY2(answers(service).at(0).endsWith(u"IN A 10.2.0.1"_s), qPrintable(service));
            QVERIFY(answers(service).at(0).startsWith(u"web.service.dc2.consul. "_s));
            const QString node = dig(*a, {u"dc2-server.node.dc2.consul"_s, u"A"_s});
            QVERIFY2(answers(node).size() == 1 && answers(node).at(0).endsWith(u"IN A 127.0.0.4"_s), qPrintable(node));
            const QString unknown = dig(*a, {u"web.service.nowhere.consul"_s, u"A"_s});
            QVERIFY2(unknown.contains(u"status: NXDOMAIN"_s), qPrintable(unknown));
            // Not in dc1 itself.
            QVERIFY(dig(*a, {u"web.service.consul"_s, u"A"_s}).contains(u"status: NXDOMAIN"_s));
        }
        // translate_wan_addrs (dc1's client only): a service's "wan" tagged address and port.
        const QJsonObject api{{u"ID"_s, u"api1"_s}, {u"Name"_s, u"api"_s}, {u"Address"_s, u"10.2.0.2"_s}, {u"Port"_s, 81},
                              {u"TaggedAddresses"_s, QJsonObject{{u"wan"_s, QJsonObject{{u"Address"_s, u"198.51.100.7"_s}, {u"Port"_s, 8443}}}}}};
        QCOMPARE(httpRequest("PUT", m_dc2.url(u"/v1/agent/service/register"_s), QJsonDocument(api).toJson()).status, 200);
        QVERIFY(waitFor([&] { return json(get(m_dc2, u"/v1/catalog/service/api"_s)).toArray().size() == 1; }, 10000));
        const QString lan = dig(m_dc1, {u"api.service.dc2.consul"_s, u"A"_s});
        QVERIFY2(answers(lan).size() == 1 && answers(lan).at(0).endsWith(u"IN A 10.2.0.2"_s), qPrintable(lan));
        const QString wan = dig(m_client, {u"api.service.dc2.consul"_s, u"SRV"_s});
        QVERIFY2(answers(wan).size() == 1 && answers(wan).at(0).contains(u" 8443 "_s), qPrintable(wan));
        QVERIFY2(wan.simplified().contains(u"c6336407.addr.dc2.consul. 0 IN A 198.51.100.7"_s), qPrintable(wan));

        // A prepared query of dc2, created through dc1, asked for by name in dc2.
        const HttpResult created = httpRequest("POST", m_client.url(u"/v1/query?dc=dc2"_s),
                                               R"({"Name": "web-in-dc2", "Service": {"Service": "web"}})");
        QCOMPARE(created.status, 200);
        const QString query = dig(m_client, {u"web-in-dc2.query.dc2.consul"_s, u"A"_s});
        QVERIFY2(answers(query).size() == 1 && answers(query).at(0).endsWith(u"IN A 10.2.0.1"_s), qPrintable(query));
    }

    // translate_wan_addrs over HTTP (dc1's client has it, dc1's server not): answers about dc2's
    // nodes carry their WAN addresses in Address, ServiceAddress and ServicePort, TaggedAddresses
    // stay; every answer of the client says X-Consul-Translate-Addresses: true.
    void translateWanAddrsOverHttp()
    {
        const QByteArray node = R"({"Node": "ext", "Address": "10.2.0.9", "TaggedAddresses": {"lan": "10.2.0.9", "wan": "198.51.100.9"}, )"
                                R"("Service": {"ID": "db1", "Service": "db", "Address": "10.2.0.10", "Port": 5432, )"
                                R"("TaggedAddresses": {"wan": {"Address": "198.51.100.10", "Port": 15432}}}})";
        QCOMPARE(httpRequest("PUT", m_dc2.url(u"/v1/catalog/register"_s), node).status, 200);
        auto object = [](const QJsonArray &list, const QString &key, const QString &value) {
            for (const QJsonValue &v : list) {
                if (v.toObject().value(key).toString() == value || v.toObject().value(u"Node"_s).toObject().value(key).toString() == value)
                    return v.toObject();
            }
            return QJsonObject();
        };
        // Through the client: translated.
        HttpResult r = get(m_client, u"/v1/catalog/nodes?dc=dc2"_s);
        QCOMPARE(r.header("X-Consul-Translate-Addresses"), QByteArray("true"));
        QJsonObject ext = object(json(r).toArray(), u"Node"_s, u"ext"_s);
        QCOMPARE(ext.value(u"Address"_s).toString(), u"198.51.100.9"_s);
        QCOMPARE(ext.value(u"TaggedAddresses"_s).toObject().value(u"lan"_s).toString(), u"10.2.0.9"_s);
        r = get(m_client, u"/v1/catalog/service/db?dc=dc2"_s);
        const QJsonObject entry = json(r).toArray().at(0).toObject();
        QCOMPARE(entry.value(u"Address"_s).toString(), u"198.51.100.9"_s);
        QCOMPARE(entry.value(u"ServiceAddress"_s).toString(), u"198.51.100.10"_s);
        QCOMPARE(entry.value(u"ServicePort"_s).toInt(), 15432);
        r = get(m_client, u"/v1/health/service/db?dc=dc2&pretty"_s);
        QVERIFY(r.body.contains("\n    "));
        const QJsonObject health = json(r).toArray().at(0).toObject();
        QCOMPARE(health.value(u"Node"_s).toObject().value(u"Address"_s).toString(), u"198.51.100.9"_s);
        QCOMPARE(health.value(u"Service"_s).toObject().value(u"Address"_s).toString(), u"198.51.100.10"_s);
        QCOMPARE(health.value(u"Service"_s).toObject().value(u"Port"_s).toInt(), 15432);
        QCOMPARE(health.value(u"Service"_s).toObject().value(u"TaggedAddresses"_s).toObject().value(u"wan"_s).toObject().value(u"Port"_s).toInt(), 15432);
        const QJsonObject nodeServices = json(get(m_client, u"/v1/catalog/node/ext?dc=dc2"_s)).toObject();
        QCOMPARE(nodeServices.value(u"Node"_s).toObject().value(u"Address"_s).toString(), u"198.51.100.9"_s);
        QCOMPARE(nodeServices.value(u"Services"_s).toObject().value(u"db1"_s).toObject().value(u"Address"_s).toString(), u"198.51.100.10"_s);
        QCOMPARE(nodeServices.value(u"Services"_s).toObject().value(u"db1"_s).toObject().value(u"Port"_s).toInt(), 15432);
        const QJsonObject serviceList = json(get(m_client, u"/v1/catalog/node-services/ext?dc=dc2"_s)).toObject();
        QCOMPARE(serviceList.value(u"Node"_s).toObject().value(u"Address"_s).toString(), u"198.51.100.9"_s);
        QCOMPARE(serviceList.value(u"Services"_s).toArray().at(0).toObject().value(u"Port"_s).toInt(), 15432);
        // A service without a WAN address keeps its own, on a node with one.
        const QJsonObject web = json(get(m_client, u"/v1/catalog/service/web?dc=dc2"_s)).toArray().at(0).toObject();
        QCOMPARE(web.value(u"ServiceAddress"_s).toString(), u"10.2.0.1"_s);
        QCOMPARE(web.value(u"ServicePort"_s).toInt(), 80);
        // Its own datacenter's answers keep their addresses, and carry the header too.
        r = get(m_client, u"/v1/catalog/nodes"_s);
        QCOMPARE(r.header("X-Consul-Translate-Addresses"), QByteArray("true"));
        QCOMPARE(object(json(r).toArray(), u"Node"_s, u"dc1-server"_s).value(u"Address"_s).toString(), u"127.0.0.2"_s);
        QCOMPARE(get(m_client, u"/v1/agent/self"_s).header("X-Consul-Translate-Addresses"), QByteArray("true"));
        // dc1's server does not translate.
        r = get(m_dc1, u"/v1/catalog/service/db?dc=dc2"_s);
        QVERIFY(r.header("X-Consul-Translate-Addresses").isEmpty());
        QCOMPARE(json(r).toArray().at(0).toObject().value(u"Address"_s).toString(), u"10.2.0.9"_s);
        QCOMPARE(json(r).toArray().at(0).toObject().value(u"ServicePort"_s).toInt(), 5432);
        // Prepared query failover to dc2: the client translates the nodes it got from there.
        const HttpResult created = httpRequest("POST", m_client.url(u"/v1/query"_s),
                                               R"({"Name": "db-failover", "Service": {"Service": "db", "Failover": {"Datacenters": ["dc2"]}}})");
        QCOMPARE(created.status, 200);
        for (const ClusterAgent *a : {&m_client, &m_dc1}) {
            const QJsonObject answer = json(get(*a, u"/v1/query/db-failover/execute"_s)).toObject();
            QCOMPARE(answer.value(u"Datacenter"_s).toString(), u"dc2"_s);
            const QJsonObject n = answer.value(u"Nodes"_s).toArray().at(0).toObject();
            QCOMPARE(n.value(u"Node"_s).toObject().value(u"Address"_s).toString(), a == &m_client ? u"198.51.100.9"_s : u"10.2.0.9"_s);
            QCOMPARE(n.value(u"Service"_s).toObject().value(u"Port"_s).toInt(), a == &m_client ? 15432 : 5432);
        }
    }

    void preparedQueryFailover()
    {
        // dc1 has no web at all: NearestN picks dc2 by distance, Datacenters names it.
        int n = 0;
        for (const QByteArray &failover : {QByteArray(R"({"NearestN": 1})"), QByteArray(R"({"Datacenters": ["nowhere", "dc2"]})")}) {
            const HttpResult created = httpRequest(
                "POST", m_client.url(u"/v1/query"_s),
                R"({"Name": "web-failover-)" + QByteArray::number(++n) + R"(", "Service": {"Service": "web", "Failover": )" + failover + "}}");
            QCOMPARE(created.status, 200);
            const QString id = json(created).toObject().value(u"ID").toString();
            for (const ClusterAgent *a : {&m_client, &m_dc1}) {
                const HttpResult r = get(*a, u"/v1/query/%1/execute"_s.arg(id));
                QCOMPARE(r.status, 200);
                const QJsonObject body = json(r).toObject();
                QCOMPARE(body.value(u"Datacenter").toString(), u"dc2"_s);
                QCOMPARE(body.value(u"Failovers").toInt(), 1);
                QCOMPARE(body.value(u"Service").toString(), u"web"_s);
                const QJsonArray nodes = body.value(u"Nodes").toArray();
                QCOMPARE(nodes.size(), 1);
                QCOMPARE(nodes[0].toObject().value(u"Service").toObject().value(u"Address").toString(), u"10.2.0.1"_s);
                // Not a blocking query: Consul never sets its index, whichever datacenter answered.
                QCOMPARE(r.header("X-Consul-Index"), QByteArray("1"));
                QCOMPARE(body.value(u"Index").toInteger(-1), 0);
            }
        }
        // Over DNS too, through dc1's server and its client.
        for (const ClusterAgent *a : {&m_dc1, &m_client}) {
            const QString addr = dig(*a, {u"web-failover-1.query.consul"_s, u"A"_s});
            QVERIFY2(answers(addr).size() == 1 && answers(addr).at(0).endsWith(u"IN A 10.2.0.1"_s), qPrintable(addr));
            const QString srv = dig(*a, {u"web-failover-2.query.consul"_s, u"SRV"_s});
            QVERIFY2(answers(srv).size() == 1 && answers(srv).at(0).endsWith(u" 80 0a020001.addr.dc2.consul."_s), qPrintable(srv));
        }
        // Without failover: no nodes, dc1 answers.
        const HttpResult plain = httpRequest("POST", m_client.url(u"/v1/query"_s), R"({"Name": "web-here", "Service": {"Service": "web"}})");
        const QJsonObject body = json(get(m_client, u"/v1/query/web-here/execute"_s)).toObject();
        QCOMPARE(plain.status, 200);
        QCOMPARE(body.value(u"Datacenter").toString(), u"dc1"_s);
        QCOMPARE(body.value(u"Failovers").toInt(), 0);
        QCOMPARE(body.value(u"Nodes").toArray().size(), 0);
        const HttpResult local = get(m_dc1, u"/v1/query/web-here/execute"_s);
        QCOMPARE(local.header("X-Consul-Index"), QByteArray("1"));
        QCOMPARE(json(local).toObject().value(u"Index").toInteger(-1), 0);
        const HttpResult explain = get(m_client, u"/v1/query/web-here/explain"_s);
        QCOMPARE(explain.header("X-Consul-Index"), QByteArray("1"));
        QCOMPARE(json(explain).toObject().value(u"Index").toInteger(-1), 0);
        QVERIFY(dig(m_client, {u"web-here.query.consul"_s, u"A"_s}).contains(u"status: NXDOMAIN"_s));
    }

    void datacenterGoneAfterItsServersLeave()
    {
        QCOMPARE(m_dc2.process->runCli({u"leave"_s}), 0);
        QVERIFY(waitFor([&] { return json(get(m_dc1, u"/v1/catalog/datacenters"_s)) == QJsonArray{u"dc1"_s}; }, 20000));
        const HttpResult r = get(m_client, u"/v1/kv/from-dc1?dc=dc2"_s);
        QCOMPARE(r.status, 500);
        QCOMPARE(r.body, QByteArray("No path to datacenter"));
        QVERIFY(dig(m_dc1, {u"web.service.dc2.consul"_s, u"A"_s}).contains(u"status: NXDOMAIN"_s));
    }

    void cleanupTestCase()
    {
        for (ClusterAgent *a : {&m_client, &m_dc2, &m_dc1}) {
            if (a->process)
                a->process->stop();
        }
    }
};

QTEST_GUILESS_MAIN(TestWan)
#include "tst_wan.moc"

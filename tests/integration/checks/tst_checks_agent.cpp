// Health checks against a real `qonsul agent -dev`: HTTP, TCP and UDP targets this test runs
// (one that answers 429 and one that never answers), script checks with each exit code, a
// timeout and a child that ignores SIGTERM, the seed's web.json with a failing script, the
// agent-local health endpoints, and reload (SIGHUP, PUT /v1/agent/reload, `qonsul reload`)
// with added, changed, removed and invalid definitions. Every wait polls with a deadline.
#include "AgentProcess.h"
#include "TestSupport.h"

#include <QDeadlineTimer>
#include <QDir>
#include <QFile>
#include <QJsonArray>
#include <QJsonDocument>
#include <QJsonObject>
#include <QTcpServer>
#include <QTcpSocket>
#include <QTemporaryDir>
#include <QTest>
#include <QNetworkDatagram>
#include <QUdpSocket>

#include <csignal>

using namespace qonsul::test;
using namespace Qt::StringLiterals;

namespace {

// Answers /ok (200 "fine"), /busy (429), /fail (500); /hang never answers.
class TargetServer : public QTcpServer
{
public:
    TargetServer()
    {
        connect(this, &QTcpServer::newConnection, this, [this] {
            while (QTcpSocket *s = nextPendingConnection()) {
                connect(s, &QTcpSocket::readyRead, s, [s] {
                    const QByteArray head = s->peek(8192);
                    if (!head.contains("\r\n\r\n"))
                        return;
                    s->readAll();
                    const QByteArray path = head.split(' ').value(1);
                    QByteArray status = "200 OK", body = "fine";
                    if (path == "/hang")
                        return;
                    if (path == "/redirect") {
                        s->write("HTTP/1.1 302 Found\r\nLocation: /ok\r\nContent-Length: 0\r\n\r\n");
                        s->disconnectFromHost();
                        return;
                    }
                    if (path == "/chunked") {
                        s->write("HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n3\r\nchu\r\n3\r\nnky\r\n0\r\n\r\n");
                        s->disconnectFromHost();
                        return;
                    }
                    if (path == "/busy")
                        status = "429 Too Many Requests", body = "slow down";
                    else if (path == "/fail")
                        status = "500 Internal Server Error", body = "broken";
                    s->write("HTTP/1.1 " + status + "\r\nContent-Length: " + QByteArray::number(body.size())
                             + "\r\nConnection: close\r\n\r\n" + body);
                    s->disconnectFromHost();
                });
                connect(s, &QTcpSocket::disconnected, s, &QObject::deleteLater);
            }
        });
    }
};

} // namespace

class TestChecksAgent : public QObject
{
    Q_OBJECT

    QTemporaryDir m_dir;
    TargetServer m_http;
    QUdpSocket m_udp;
    quint16 m_closedPort = 0;

    HttpResult get(const AgentProcess &a, const QString &path) { return httpRequest("GET", a.baseUrl() + path); }
    HttpResult put(const AgentProcess &a, const QString &path, const QByteArray &body = QByteArray())
    {
        return httpRequest("PUT", a.baseUrl() + path, body);
    }
    QJsonObject localChecks(const AgentProcess &a) { return json(get(a, u"/v1/agent/checks"_s)).toObject(); }

    bool waitForCheck(const AgentProcess &a, const QString &id, const QString &status, const QString &outputPrefix = QString(),
                      int timeoutMs = 8000)
    {
        return qonsul::test::waitForCheck(a, id, status, outputPrefix, timeoutMs);
    }

private Q_SLOTS:
    void initTestCase()
    {
        QVERIFY(m_dir.isValid());
        QVERIFY(m_http.listen(QHostAddress::LocalHost));
        QVERIFY(m_udp.bind(QHostAddress::LocalHost, 0));
        connect(&m_udp, &QUdpSocket::readyRead, this, [this] {
            while (m_udp.hasPendingDatagrams()) {
                const QNetworkDatagram d = m_udp.receiveDatagram();
                m_udp.writeDatagram(d.makeReply("pong"));
            }
        });
        m_closedPort = freeTcpUdpPort();
    }

    void runnersAgainstRealTargets()
    {
        const QString dir = m_dir.filePath(u"runners"_s);
        QVERIFY(QDir().mkpath(dir));
        const QString pidFile = m_dir.filePath(u"stubborn.pid"_s);
        const QString http = u"http://127.0.0.1:%1"_s.arg(m_http.serverPort());
        auto check = [](const QString &id, QJsonObject def) {
            def.insert(u"id"_s, id);
            def.insert(u"name"_s, id);
            if (!def.contains(u"interval"_s))
                def.insert(u"interval"_s, u"1s"_s);
            return def;
        };
        const QJsonArray checks{
            check(u"http-ok"_s, QJsonObject{{u"http"_s, QString(http + u"/ok"_s)}, {u"header"_s, QJsonObject{{u"X-Test"_s, QJsonArray{u"1"_s}}}}}),
            check(u"http-busy"_s, QJsonObject{{u"http"_s, QString(http + u"/busy"_s)}}),
            check(u"http-fail"_s, QJsonObject{{u"http"_s, QString(http + u"/fail"_s)}, {u"method"_s, u"POST"_s}, {u"body"_s, u"x"_s}}),
            check(u"http-redirect"_s, QJsonObject{{u"http"_s, QString(http + u"/redirect"_s)}}),
            check(u"http-noredirect"_s, QJsonObject{{u"http"_s, QString(http + u"/redirect"_s)}, {u"disable_redirects"_s, true}}),
            check(u"http-chunked"_s, QJsonObject{{u"http"_s, QString(http + u"/chunked"_s)}}),
            check(u"http-hang"_s, QJsonObject{{u"http"_s, QString(http + u"/hang"_s)}, {u"timeout"_s, u"500ms"_s}}),
            check(u"tcp-ok"_s, QJsonObject{{u"tcp"_s, u"127.0.0.1:%1"_s.arg(m_http.serverPort())}}),
            check(u"tcp-closed"_s, QJsonObject{{u"tcp"_s, u"127.0.0.1:%1"_s.arg(m_closedPort)}}),
            check(u"udp-ok"_s, QJsonObject{{u"udp"_s, u"127.0.0.1:%1"_s.arg(m_udp.localPort())}, {u"timeout"_s, u"500ms"_s}}),
            check(u"udp-closed"_s, QJsonObject{{u"udp"_s, u"127.0.0.1:%1"_s.arg(m_closedPort)}, {u"timeout"_s, u"500ms"_s}}),
            check(u"script-0"_s, QJsonObject{{u"args"_s, QJsonArray{u"sh"_s, u"-c"_s, u"echo all good"_s}}}),
            check(u"script-1"_s, QJsonObject{{u"script"_s, u"echo degraded >&2; exit 1"_s}}),
            check(u"script-2"_s, QJsonObject{{u"script"_s, u"echo broken; exit 2"_s}}),
            check(u"script-timeout"_s, QJsonObject{{u"script"_s, u"sleep 30"_s}, {u"timeout"_s, u"1s"_s}}),
            check(u"script-stubborn"_s, QJsonObject{{u"script"_s, u"trap \"\" TERM; [ -f %1 ] || echo $$ > %1; sleep 30"_s.arg(pidFile)},
                                         {u"timeout"_s, u"1s"_s}}),
            check(u"counted"_s, QJsonObject{{u"script"_s, u"exit 2"_s}, {u"status"_s, u"passing"_s},
                                 {u"failures_before_warning"_s, 1}, {u"failures_before_critical"_s, 3}}),
        };
        QVERIFY(writeFile(dir + u"/checks.json"_s,
                          QJsonDocument(QJsonObject{{u"checks"_s, checks}, {u"check_update_interval"_s, u"0s"_s}}).toJson()));
        AgentProcess agent({u"-config-dir"_s, dir, u"-enable-script-checks"_s});
        QVERIFY(agent.start());

        QVERIFY(waitForCheck(agent, u"http-ok"_s, u"passing"_s, u"HTTP GET %1/ok: 200 OK Output: fine"_s.arg(http)));
        QVERIFY(waitForCheck(agent, u"http-busy"_s, u"warning"_s,
                             u"HTTP GET %1/busy: 429 Too Many Requests Output: slow down"_s.arg(http)));
        QVERIFY(waitForCheck(agent, u"http-fail"_s, u"critical"_s,
                             u"HTTP POST %1/fail: 500 Internal Server Error Output: broken"_s.arg(http)));
        QVERIFY(waitForCheck(agent, u"http-redirect"_s, u"passing"_s,
                             u"HTTP GET %1/redirect: 200 OK Output: fine"_s.arg(http)));
        QVERIFY(waitForCheck(agent, u"http-noredirect"_s, u"critical"_s,
                             u"HTTP GET %1/redirect: 302 Found Output: "_s.arg(http)));
        QVERIFY(waitForCheck(agent, u"http-chunked"_s, u"passing"_s,
                             u"HTTP GET %1/chunked: 200 OK Output: chunky"_s.arg(http)));
        QVERIFY(waitForCheck(agent, u"http-hang"_s, u"critical"_s,
                             u"Get \"%1/hang\": context deadline exceeded"_s.arg(http)));
        QVERIFY(waitForCheck(agent, u"tcp-ok"_s, u"passing"_s, u"TCP connect 127.0.0.1:%1: Success"_s.arg(m_http.serverPort())));
        QVERIFY(waitForCheck(agent, u"tcp-closed"_s, u"critical"_s,
                             u"dial tcp 127.0.0.1:%1: connect: connection refused"_s.arg(m_closedPort)));
        QVERIFY(waitForCheck(agent, u"udp-ok"_s, u"passing"_s, u"UDP connect 127.0.0.1:%1: Success"_s.arg(m_udp.localPort())));
        QVERIFY(waitForCheck(agent, u"udp-closed"_s, u"critical"_s, u"read udp 127.0.0.1:"_s));
        QVERIFY(waitForCheck(agent, u"script-0"_s, u"passing"_s, u"all good\n"_s));
        QVERIFY(waitForCheck(agent, u"script-1"_s, u"warning"_s, u"degraded\n"_s));
        QVERIFY(waitForCheck(agent, u"script-2"_s, u"critical"_s, u"broken\n"_s));
        QVERIFY(waitForCheck(agent, u"script-timeout"_s, u"critical"_s, u"Timed out (1s) running check"_s));
        QVERIFY(waitForCheck(agent, u"script-stubborn"_s, u"critical"_s, u"Timed out (1s) running check"_s));
        // The child that ignored SIGTERM is gone (its whole group got SIGKILL).
        QFile f(pidFile);
        QVERIFY(f.open(QIODevice::ReadOnly));
        const pid_t pid = pid_t(f.readAll().trimmed().toInt());
        QVERIFY(pid > 0);
        QDeadlineTimer gone(3000);
        while (::kill(pid, 0) == 0 && !gone.hasExpired())
            QTest::qWait(20);
        QVERIFY2(::kill(pid, 0) != 0, "the stubborn check process survived its timeout");
        // failures_before_warning 1 / failures_before_critical 3: first result reported as is
        // (counters start at the thresholds), so it goes straight to critical.
        QVERIFY(waitForCheck(agent, u"counted"_s, u"critical"_s));

        // The catalog sees the same (check_update_interval 0s: outputs are written back at once).
        QTRY_VERIFY_WITH_TIMEOUT(json(get(agent, u"/v1/health/state/warning"_s)).toArray().size() == 2, 5000);
        const QJsonArray passing = json(get(agent, u"/v1/health/state/passing"_s)).toArray();
        QStringList ids;
        for (const QJsonValue &v : passing)
            ids.append(v.toObject().value(u"CheckID").toString());
        for (const QString &id : {u"http-ok"_s, u"tcp-ok"_s, u"udp-ok"_s, u"script-0"_s, u"serfHealth"_s})
            QVERIFY2(ids.contains(id), qPrintable(ids.join(u',')));
        const QJsonObject self = json(get(agent, u"/v1/agent/self"_s)).toObject();
        QCOMPARE(self.value(u"Stats"_s).toObject().value(u"agent"_s).toObject().value(u"check_monitors"_s).toString(), u"6"_s);
    }

    void seedWebJsonWithFailingScript()
    {
        const QString dir = m_dir.filePath(u"seed"_s);
        QVERIFY(QDir().mkpath(dir));
        // The seed's web.json, with a check command that fails here and a 1s interval.
        QVERIFY(writeFile(dir + u"/web.json"_s,
                          R"({"service":{"name":"web","tags":["rails"],"port":80,"check":{"script":"curl localhost:1 >/dev/null 2>&1 || exit 2","interval":"1s"}}})"));
        AgentProcess agent({u"-config-dir"_s, dir, u"-enable-script-checks"_s});
        QVERIFY(agent.start());
        QVERIFY(waitForCheck(agent, u"service:web"_s, u"critical"_s));
        const QJsonArray critical = json(get(agent, u"/v1/health/state/critical"_s)).toArray();
        QCOMPARE(critical.size(), 1);
        QCOMPARE(critical.at(0).toObject().value(u"CheckID"_s).toString(), u"service:web"_s);
        QCOMPARE(critical.at(0).toObject().value(u"Name"_s).toString(), QString::fromLatin1("Service 'web' check"));
        QCOMPARE(critical.at(0).toObject().value(u"ServiceName"_s).toString(), u"web"_s);
        QCOMPARE(critical.at(0).toObject().value(u"Type"_s).toString(), u"script"_s);
        QCOMPARE(json(get(agent, u"/v1/health/service/web"_s)).toArray().size(), 1);
        QCOMPARE(json(get(agent, u"/v1/health/service/web?passing"_s)).toArray().size(), 0);
        QCOMPARE(json(get(agent, u"/v1/catalog/service/web"_s)).toArray().at(0).toObject().value(u"ServiceTags"_s).toArray(),
                 (QJsonArray{u"rails"_s}));

        // Agent-local health: 503 critical, text and JSON; 404 for unknown ones.
        HttpResult r = get(agent, u"/v1/agent/health/service/id/web?format=text"_s);
        QCOMPARE(r.status, 503);
        QCOMPARE(r.body, QByteArray("critical"));
        r = get(agent, u"/v1/agent/health/service/name/web"_s);
        QCOMPARE(r.status, 503);
        QCOMPARE(json(r).toArray().at(0).toObject().value(u"AggregatedStatus"_s).toString(), u"critical"_s);
        QCOMPARE(json(r).toArray().at(0).toObject().value(u"Service"_s).toObject().value(u"Port"_s).toInt(), 80);
        r = get(agent, u"/v1/agent/health/service/id/nope?format=text"_s);
        QCOMPARE(r.status, 404);
        QCOMPARE(r.body, QByteArray("ServiceId nope not found"));
        r = get(agent, u"/v1/agent/health/service/name/nope?format=text"_s);
        QCOMPARE(r.status, 404);
        QCOMPARE(r.body, QByteArray("ServiceName nope Not Found"));

        // Over the API: a TTL service that passes (200), warns (429); the worst instance wins by name.
        QCOMPARE(put(agent, u"/v1/agent/service/register"_s, R"({"Name":"api","ID":"api-1","Check":{"TTL":"30s"}})").status, 200);
        QCOMPARE(put(agent, u"/v1/agent/service/register"_s, R"({"Name":"api","ID":"api-2","Check":{"TTL":"30s"}})").status, 200);
        QCOMPARE(put(agent, u"/v1/agent/check/pass/service:api-1"_s).status, 200);
        QCOMPARE(put(agent, u"/v1/agent/check/pass/service:api-2"_s).status, 200);
        r = get(agent, u"/v1/agent/health/service/id/api-1"_s);
        QCOMPARE(r.status, 200);
        QCOMPARE(json(r).toObject().value(u"AggregatedStatus"_s).toString(), u"passing"_s);
        QCOMPARE(json(r).toObject().value(u"Checks"_s).toArray().size(), 1);
        QCOMPARE(put(agent, u"/v1/agent/check/warn/service:api-2"_s).status, 200);
        r = get(agent, u"/v1/agent/health/service/name/api?format=text"_s);
        QCOMPARE(r.status, 429);
        QCOMPARE(r.body, QByteArray("warning"));
        QCOMPARE(put(agent, u"/v1/agent/service/maintenance/api-1?enable=true"_s).status, 200);
        r = get(agent, u"/v1/agent/health/service/id/api-1?format=text"_s);
        QCOMPARE(r.status, 503);
        QCOMPARE(r.body, QByteArray("maintenance"));

        // A script check over the API with scripts enabled runs too.
        QCOMPARE(put(agent, u"/v1/agent/check/register"_s, R"({"Name":"remote-script","Args":["true"],"Interval":"1s"})").status, 200);
        QVERIFY(waitForCheck(agent, u"remote-script"_s, u"passing"_s));
        // Bad definitions are refused with Consul's texts and change nothing.
        r = put(agent, u"/v1/agent/check/register"_s, "{\"Name\":\"no-interval\",\"HTTP\":\"http://127.0.0.1:1/\"}");
        QCOMPARE(r.status, 400);
        QCOMPARE(r.body, QByteArray("Invalid check: Interval must be > 0 for Script, HTTP, H2PING, TCP, UDP or OSService checks"));
        r = put(agent, u"/v1/agent/service/register"_s, R"({"Name":"bad","Check":{"TCP":"127.0.0.1:1","Interval":"soon"}})");
        QCOMPARE(r.status, 400);
        QVERIFY(!localChecks(agent).contains(u"no-interval"_s));
        QVERIFY(!json(get(agent, u"/v1/agent/services"_s)).toObject().contains(u"bad"_s));
    }

    // node_meta is reloadable (Consul's loadMetadata): the catalog and /v1/agent/self show the
    // new meta after `qonsul reload`.
    void nodeMetaReloads()
    {
        const QString dir = m_dir.filePath(u"meta-reload"_s);
        QVERIFY(QDir().mkpath(dir));
        QVERIFY(writeFile(dir + u"/meta.json"_s, R"({"node_meta":{"rack":"r1"}})"));
        AgentProcess agent({u"-config-dir"_s, dir});
        QVERIFY(agent.start());
        const QJsonObject self = json(get(agent, u"/v1/agent/self"_s)).toObject();
        const QString node = self.value(u"Config"_s).toObject().value(u"NodeName"_s).toString();
        auto catalogRack = [&] {
            return json(get(agent, u"/v1/catalog/node/"_s + node)).toObject().value(u"Node"_s).toObject()
                .value(u"Meta"_s).toObject().value(u"rack"_s).toString();
        };
        QTRY_COMPARE_WITH_TIMEOUT(catalogRack(), u"r1"_s, 5000);
        QVERIFY(writeFile(dir + u"/meta.json"_s, R"({"node_meta":{"rack":"r2"}})"));
        QCOMPARE(agent.runCli({u"reload"_s}), 0);
        QTRY_COMPARE_WITH_TIMEOUT(catalogRack(), u"r2"_s, 5000);
        QCOMPARE(json(get(agent, u"/v1/agent/self"_s)).toObject().value(u"Meta"_s).toObject().value(u"rack"_s).toString(),
                 u"r2"_s);
    }

    void scriptsDisabledAndReload()
    {
        const QString dir = m_dir.filePath(u"reload"_s);
        QVERIFY(QDir().mkpath(dir));
        QVERIFY(writeFile(dir + u"/a.json"_s, R"({"service":{"name":"alpha","check":{"ttl":"60s"}}})"));
        QVERIFY(writeFile(dir + u"/b.json"_s, R"({"service":{"name":"beta","port":1}})"));
        QVERIFY(writeFile(dir + u"/c.json"_s, R"({"service":{"name":"gamma","port":3}})"));
        AgentProcess agent({u"-config-dir"_s, dir});
        QVERIFY(agent.start());
        auto services = [&] { return json(get(agent, u"/v1/agent/services"_s)).toObject(); };
        QCOMPARE(services().keys(), (QStringList{u"alpha"_s, u"beta"_s, u"gamma"_s}));

        // Scripts are off: refused with Consul's text.
        HttpResult r = put(agent, u"/v1/agent/check/register"_s, R"({"Name":"s","Args":["true"],"Interval":"10s"})");
        QCOMPARE(r.status, 400);
        QCOMPARE(r.body, QByteArray("Scripts are disabled on this agent from remote calls; to enable, configure "
                                    "'enable_script_checks' to true"));

        // State that must survive the reload.
        QCOMPARE(put(agent, u"/v1/agent/service/register"_s, R"({"Name":"from-api"})").status, 200);
        QCOMPARE(put(agent, u"/v1/agent/check/pass/service:alpha?note=up"_s).status, 200);

        // Changed, removed and added; then SIGHUP.
        QVERIFY(writeFile(dir + u"/b.json"_s, R"({"service":{"name":"beta","port":2,"tags":["v2"]}})"));
        QVERIFY(QFile::remove(dir + u"/c.json"_s));
        QVERIFY(writeFile(dir + u"/d.json"_s, R"({"service":{"name":"delta","port":4}})"));
        QVERIFY(::kill(pid_t(agent.process().processId()), SIGHUP) == 0);
        QTRY_COMPARE_WITH_TIMEOUT(services().keys(), (QStringList{u"alpha"_s, u"beta"_s, u"delta"_s, u"from-api"_s}), 5000);
        QCOMPARE(services().value(u"beta"_s).toObject().value(u"Port"_s).toInt(), 2);
        QCOMPARE(json(get(agent, u"/v1/catalog/service/beta"_s)).toArray().at(0).toObject().value(u"ServicePort"_s).toInt(), 2);
        QCOMPARE(json(get(agent, u"/v1/catalog/service/gamma"_s)).toArray().size(), 0);
        QCOMPARE(json(get(agent, u"/v1/catalog/service/delta"_s)).toArray().size(), 1);
        // The unchanged TTL check kept its status.
        QCOMPARE(localChecks(agent).value(u"service:alpha"_s).toObject().value(u"Status"_s).toString(), u"passing"_s);
        QCOMPARE(localChecks(agent).value(u"service:alpha"_s).toObject().value(u"Output"_s).toString(), u"up"_s);

        // An invalid config is rejected whole; nothing registered is lost.
        QVERIFY(writeFile(dir + u"/e.json"_s, "{\"service\":{\"name\":\"epsilon\",\"check\":{\"http\":\"http://127.0.0.1:1/\"}}}"));
        QVERIFY(writeFile(dir + u"/d.json"_s, R"({"service":{"name":"delta","port":5}})"));
        r = put(agent, u"/v1/agent/reload"_s);
        QCOMPARE(r.status, 500);
        QVERIFY2(r.body.contains("Interval must be > 0 for Script, HTTP, H2PING, TCP, UDP or OSService checks"), r.body);
        QVERIFY2(r.body.contains("epsilon"), r.body);
        QCOMPARE(services().keys(), (QStringList{u"alpha"_s, u"beta"_s, u"delta"_s, u"from-api"_s}));
        QCOMPARE(services().value(u"delta"_s).toObject().value(u"Port"_s).toInt(), 4);
        QByteArray out, err;
        QCOMPARE(agent.runCli({u"reload"_s}, &out, &err), 1);
        QVERIFY2(err.contains("Interval must be > 0"), err);
        // A config file that does not parse is rejected too.
        QVERIFY(writeFile(dir + u"/e.json"_s, R"({"service":{"name":"epsilon", "bogus_key": 1}})"));
        r = put(agent, u"/v1/agent/reload"_s);
        QCOMPARE(r.status, 500);
        QVERIFY2(r.body.contains("bogus_key"), r.body);
        // Fixed: `qonsul reload` applies it.
        QVERIFY(QFile::remove(dir + u"/e.json"_s));
        QCOMPARE(agent.runCli({u"reload"_s}, &out, &err), 0);
        QVERIFY2(out.contains("Configuration reload triggered"), out);
        QCOMPARE(services().value(u"delta"_s).toObject().value(u"Port"_s).toInt(), 5);
        // A config-file script check needs enable_local_script_checks.
        QVERIFY(writeFile(dir + u"/f.json"_s, R"({"check":{"name":"local-script","args":["true"],"interval":"1s"}})"));
        r = put(agent, u"/v1/agent/reload"_s);
        QCOMPARE(r.status, 500);
        QVERIFY2(r.body.contains("Scripts are disabled on this agent; to enable, configure 'enable_script_checks' or "
                                 "'enable_local_script_checks' to true"),
                 r.body);
        QVERIFY(writeFile(dir + u"/g.json"_s, R"({"enable_local_script_checks": true})"));
        QCOMPARE(put(agent, u"/v1/agent/reload"_s).status, 200);
        QVERIFY(waitForCheck(agent, u"local-script"_s, u"passing"_s));
    }
};

QTEST_GUILESS_MAIN(TestChecksAgent)
#include "tst_checks_agent.moc"

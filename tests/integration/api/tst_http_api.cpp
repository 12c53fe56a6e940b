// Consul's HTTP API v1 against a real `qonsul agent -dev`: every endpoint group, blocking
// queries, and the bad input a client can send.
#include "DevAgentTest.h"

#include <QElapsedTimer>
#include <QJsonArray>
#include <QJsonDocument>
#include <QJsonObject>
#include <QNetworkAccessManager>
#include <QNetworkReply>
#include <QTcpSocket>
#include <QtTest>
#include <memory>
#include <optional>
#include <vector>

using qonsul::test::DevAgentTest;
using qonsul::test::json;
using qonsul::test::HttpResult;
using qonsul::test::httpRequest;

class TestHttpApi : public DevAgentTest
{
    Q_OBJECT

    // Starts a GET without waiting; the reply is collected with waitFor().
    QNetworkReply *startGet(QNetworkAccessManager &nam, const QString &path)
    {
        return nam.get(QNetworkRequest(QUrl(m_agent.baseUrl() + path)));
    }
    static bool waitFor(QNetworkReply *reply, int ms)
    {
        QElapsedTimer t;
        t.start();
        while (!reply->isFinished() && t.elapsed() < ms)
            QCoreApplication::processEvents(QEventLoop::AllEvents, 20);
        return reply->isFinished();
    }

private Q_SLOTS:
    void kvRoundTrip()
    {
        QCOMPARE(put(QStringLiteral("/v1/kv/web/key1?flags=18446744073709551615"), "value 1").body, QByteArray("true"));
        HttpResult r = get(QStringLiteral("/v1/kv/web/key1"));
        QCOMPARE(r.status, 200);
        QVERIFY(r.header("X-Consul-Index").toULongLong() > 0);
        QCOMPARE(r.header("X-Consul-KnownLeader"), QByteArray("true"));
        QCOMPARE(r.header("Content-Type"), QByteArray("application/json"));
        // Flags are a full uint64: check the digits, not a double.
        QVERIFY2(r.body.contains("18446744073709551615") || r.body.contains("1.8446744073709552e+19"), r.body);
        const QJsonObject entry = json(r).toArray().at(0).toObject();
        QCOMPARE(entry.value(u"Key").toString(), QStringLiteral("web/key1"));
        QCOMPARE(QByteArray::fromBase64(entry.value(u"Value").toString().toLatin1()), QByteArray("value 1"));
        QVERIFY(!entry.contains(u"Session"));

        r = get(QStringLiteral("/v1/kv/web/key1?raw"));
        QCOMPARE(r.body, QByteArray("value 1"));
        QCOMPARE(r.header("Content-Type"), QByteArray("text/plain"));

        // Missing key: 404, empty body, and still an index.
        r = get(QStringLiteral("/v1/kv/nope"));
        QCOMPARE(r.status, 404);
        QVERIFY(r.body.isEmpty());
        QVERIFY(r.header("X-Consul-Index").toULongLong() > 0);

        // Empty value is null.
        put(QStringLiteral("/v1/kv/web/empty"));
        QVERIFY(json(get(QStringLiteral("/v1/kv/web/empty"))).toArray().at(0).toObject().value(u"Value").isNull());
    }

    void kvRecurseKeysAndDelete()
    {
        for (const char *k : {"tree/a", "tree/b/c", "tree/b/d", "tree/e/f/g"})
            QCOMPARE(put(QStringLiteral("/v1/kv/") + QString::fromLatin1(k), "x").body, QByteArray("true"));
        QJsonArray all = json(get(QStringLiteral("/v1/kv/tree/?recurse"))).toArray();
        QCOMPARE(all.size(), 4);
        QCOMPARE(all.at(0).toObject().value(u"Key").toString(), QStringLiteral("tree/a"));
        QCOMPARE(json(get(QStringLiteral("/v1/kv/tree/?keys&separator=/"))).toArray(),
                 (QJsonArray{QStringLiteral("tree/a"), QStringLiteral("tree/b/"), QStringLiteral("tree/e/")}));
        QCOMPARE(json(get(QStringLiteral("/v1/kv/tree/?keys"))).toArray().size(), 4);
        QCOMPARE(get(QStringLiteral("/v1/kv/nothing/?recurse")).status, 404);
        QCOMPARE(get(QStringLiteral("/v1/kv/nothing/?keys")).status, 404);

        QCOMPARE(del(QStringLiteral("/v1/kv/tree/b?recurse")).body, QByteArray("true"));
        QCOMPARE(json(get(QStringLiteral("/v1/kv/tree/?keys"))).toArray().size(), 2);
        QCOMPARE(del(QStringLiteral("/v1/kv/tree/a")).body, QByteArray("true"));
        QCOMPARE(get(QStringLiteral("/v1/kv/tree/a")).status, 404);
    }

    void kvCas()
    {
        QCOMPARE(put(QStringLiteral("/v1/kv/cas/k?cas=0"), "first").body, QByteArray("true"));
        QCOMPARE(put(QStringLiteral("/v1/kv/cas/k?cas=0"), "again").body, QByteArray("false"));
        const quint64 modify = quint64(json(get(QStringLiteral("/v1/kv/cas/k"))).toArray().at(0).toObject().value(u"ModifyIndex").toDouble());
        QCOMPARE(put(QStringLiteral("/v1/kv/cas/k?cas=%1").arg(modify + 100), "stale").body, QByteArray("false"));
        QCOMPARE(put(QStringLiteral("/v1/kv/cas/k?cas=%1").arg(modify), "second").body, QByteArray("true"));
        QCOMPARE(get(QStringLiteral("/v1/kv/cas/k?raw")).body, QByteArray("second"));
        QCOMPARE(del(QStringLiteral("/v1/kv/cas/k?cas=1")).body, QByteArray("false"));
        const quint64 now = quint64(json(get(QStringLiteral("/v1/kv/cas/k"))).toArray().at(0).toObject().value(u"ModifyIndex").toDouble());
        QCOMPARE(del(QStringLiteral("/v1/kv/cas/k?cas=%1").arg(now)).body, QByteArray("true"));
    }

    void kvBadInputChangesNothing()
    {
        put(QStringLiteral("/v1/kv/keep"), "safe");
        HttpResult r = put(QStringLiteral("/v1/kv/keep"), QByteArray(600 * 1024, 'x'));
        QCOMPARE(r.status, 413);
        QCOMPARE(put(QStringLiteral("/v1/kv/keep?flags=notanumber"), "bad").status, 400);
        QCOMPARE(put(QStringLiteral("/v1/kv/keep?cas=-1"), "bad").status, 400);
        QCOMPARE(put(QStringLiteral("/v1/kv/"), "bad").status, 400);
        QCOMPARE(put(QStringLiteral("/v1/kv/bad%01key"), "bad").status, 400);
        QCOMPARE(get(QStringLiteral("/v1/kv/keep?index=abc")).status, 400);
        QCOMPARE(get(QStringLiteral("/v1/kv/keep?index=1&wait=forever")).body, QByteArray("Invalid wait time"));
        r = get(QStringLiteral("/v1/kv/keep?stale&consistent"));
        QCOMPARE(r.status, 400);
        QVERIFY(r.body.contains("conflicting semantics"));
        QCOMPARE(get(QStringLiteral("/v1/kv/keep?dc=elsewhere")).status, 500);
        QCOMPARE(get(QStringLiteral("/v1/kv/keep?raw")).body, QByteArray("safe"));
    }

    void methodsAndPaths()
    {
        HttpResult r = httpRequest("POST", m_agent.baseUrl() + QStringLiteral("/v1/kv/x"), "y");
        QCOMPARE(r.status, 405);
        QCOMPARE(r.header("Allow"), QByteArray("OPTIONS,GET,PUT,DELETE"));
        QCOMPARE(r.body, QByteArray("method POST not allowed"));
        r = httpRequest("OPTIONS", m_agent.baseUrl() + QStringLiteral("/v1/kv/x"));
        QCOMPARE(r.status, 200);
        QCOMPARE(r.header("Allow"), QByteArray("OPTIONS,GET,PUT,DELETE"));
        QCOMPARE(get(QStringLiteral("/v1/no/such/endpoint")).status, 404);
        r = put(QStringLiteral("/v1/catalog/register"), "{not json");
        QCOMPARE(r.status, 400);
        QVERIFY(r.body.startsWith("Request decode failed"));
        QVERIFY(get(QStringLiteral("/v1/kv/keep?pretty")).body.contains("\n    "));
    }

    void blockingQueryWakesOnlyForItsKey()
    {
        put(QStringLiteral("/v1/kv/block/watched"), "v1");
        const quint64 index = get(QStringLiteral("/v1/kv/block/watched")).header("X-Consul-Index").toULongLong();
        QNetworkAccessManager nam;
        QNetworkReply *reply = startGet(nam, QStringLiteral("/v1/kv/block/watched?index=%1&wait=5s").arg(index));
        QVERIFY(!waitFor(reply, 300));
        put(QStringLiteral("/v1/kv/block/other"), "unrelated"); // must not wake it
        QVERIFY(!waitFor(reply, 300));
        QElapsedTimer woke;
        woke.start();
        put(QStringLiteral("/v1/kv/block/watched"), "v2");
        QVERIFY(waitFor(reply, 2000));
        QVERIFY(woke.elapsed() < 1000);
        QVERIFY(reply->rawHeader("X-Consul-Index").toULongLong() > index);
        QVERIFY(reply->readAll().contains(QByteArray("v2").toBase64()));
        delete reply;

        // A prefix watcher wakes for a new key below it, and a delete wakes it too.
        const quint64 listIndex = get(QStringLiteral("/v1/kv/block/?recurse")).header("X-Consul-Index").toULongLong();
        reply = startGet(nam, QStringLiteral("/v1/kv/block/?recurse&index=%1").arg(listIndex));
        QVERIFY(!waitFor(reply, 200));
        put(QStringLiteral("/v1/kv/block/new"), "n");
        QVERIFY(waitFor(reply, 2000));
        delete reply;
        const quint64 afterNew = get(QStringLiteral("/v1/kv/block/?recurse")).header("X-Consul-Index").toULongLong();
        reply = startGet(nam, QStringLiteral("/v1/kv/block/?keys&index=%1").arg(afterNew));
        QVERIFY(!waitFor(reply, 200));
        del(QStringLiteral("/v1/kv/block/new"));
        QVERIFY(waitFor(reply, 2000));
        QVERIFY(reply->rawHeader("X-Consul-Index").toULongLong() > afterNew);
        delete reply;
    }

    // A write under a prefix answers all its watchers with one reply, sent together (by several
    // threads once there are hundreds); a write elsewhere answers none; a watcher that left is
    // skipped, and an HTTP/1.0 watcher's connection is closed after its reply.
    void manyPrefixWatchersAnsweredTogether()
    {
        put(QStringLiteral("/v1/kv/herd/seed"), "s");
        const QByteArray index = get(QStringLiteral("/v1/kv/herd/?recurse")).header("X-Consul-Index");
        const QByteArray target = "/v1/kv/herd/?recurse&index=" + index + "&wait=30s";
        constexpr int kWatchers = 700;
        constexpr int kLeaver = 1;
        constexpr int kHttp10 = kWatchers - 1;
        std::vector<std::unique_ptr<QTcpSocket>> sockets;
        std::vector<QByteArray> received(kWatchers);
        for (int i = 0; i < kWatchers; ++i) {
            sockets.push_back(std::make_unique<QTcpSocket>());
            sockets.back()->connectToHost(QHostAddress::LocalHost, m_agent.httpPort());
        }
        for (int i = 0; i < kWatchers; ++i) {
            QVERIFY(sockets[i]->waitForConnected(5000));
            sockets[i]->write("GET " + target + (i == kHttp10 ? " HTTP/1.0\r\n\r\n" : " HTTP/1.1\r\nHost: x\r\n\r\n"));
        }
        const auto collect = [&] {
            for (int i = 0; i < kWatchers; ++i)
                received[i] += sockets[i]->readAll();
        };
        QTest::qWait(1500);
        sockets[kLeaver]->abort();
        put(QStringLiteral("/v1/kv/elsewhere/x"), "x"); // wakes none of them
        QTest::qWait(500);
        collect();
        for (int i = 0; i < kWatchers; ++i)
            QVERIFY2(received[i].isEmpty(), received[i].constData());

        put(QStringLiteral("/v1/kv/herd/changed"), "c");
        // One complete reply each: head, then a body of Content-Length bytes.
        const auto body = [&](int i) -> std::optional<QByteArray> {
            const qsizetype end = received[i].indexOf("\r\n\r\n");
            if (end < 0)
                return std::nullopt;
            const QByteArray head = received[i].left(end);
            const qsizetype at = head.indexOf("Content-Length: ");
            if (at < 0)
                return std::nullopt;
            const qsizetype length = head.mid(at + 16, head.indexOf("\r\n", at) - at - 16).toLongLong();
            if (received[i].size() < end + 4 + length)
                return std::nullopt;
            return received[i].mid(end + 4, length);
        };
        QTRY_VERIFY_WITH_TIMEOUT(([&] {
                                     collect();
                                     for (int i = 0; i < kWatchers; ++i) {
                                         if (i != kLeaver && !body(i))
                                             return false;
                                     }
                                     return true;
                                 }()),
                                 15000);
        const QByteArray first = *body(0);
        QVERIFY(first.contains(QByteArray("c").toBase64()));
        for (int i = 0; i < kWatchers; ++i) {
            if (i == kLeaver)
                continue;
            QVERIFY2(received[i].startsWith("HTTP/1.1 200 OK\r\n"), received[i].constData());
            QVERIFY(received[i].contains("X-Consul-Index: "));
            QVERIFY(!received[i].contains(QByteArray("X-Consul-Index: " + index + "\r\n")));
            QCOMPARE(*body(i), first);
        }
        QVERIFY(received[kHttp10].contains("Connection: close\r\n"));
        QTRY_COMPARE_WITH_TIMEOUT(sockets[kHttp10]->state(), QAbstractSocket::UnconnectedState, 5000);
        QCOMPARE(sockets[0]->state(), QAbstractSocket::ConnectedState); // keep-alive
    }

    void blockingQueryTimesOutWithSameIndex()
    {
        put(QStringLiteral("/v1/kv/timeout"), "t");
        const QByteArray index = get(QStringLiteral("/v1/kv/timeout")).header("X-Consul-Index");
        QElapsedTimer t;
        t.start();
        const HttpResult r = get(QStringLiteral("/v1/kv/timeout?index=%1&wait=500ms").arg(QString::fromLatin1(index)));
        QCOMPARE(r.status, 200);
        QVERIFY(t.elapsed() >= 450);
        QCOMPARE(r.header("X-Consul-Index"), index);
    }

    void clientDisconnectDuringBlockingQuery()
    {
        QTcpSocket socket;
        socket.connectToHost(QHostAddress::LocalHost, m_agent.httpPort());
        QVERIFY(socket.waitForConnected(2000));
        socket.write("GET /v1/kv/timeout?index=999999&wait=30s HTTP/1.1\r\nHost: x\r\n\r\n");
        QVERIFY(socket.waitForBytesWritten(1000));
        QTest::qWait(100);
        socket.abort();
        QTest::qWait(100);
        QCOMPARE(get(QStringLiteral("/v1/kv/timeout?raw")).body, QByteArray("t")); // still serving
    }

    void txnCommitsOrRollsBack()
    {
        const QByteArray ok = R"([
            {"KV": {"Verb": "set", "Key": "txn/a", "Value": "YQ=="}},
            {"KV": {"Verb": "set", "Key": "txn/b", "Value": "Yg==", "Flags": 3}},
            {"KV": {"Verb": "get", "Key": "txn/a"}}
        ])";
        HttpResult r = put(QStringLiteral("/v1/txn"), ok);
        QCOMPARE(r.status, 200);
        QJsonObject o = json(r).toObject();
        QVERIFY(o.value(u"Errors").isNull());
        const QJsonArray results = o.value(u"Results").toArray();
        QCOMPARE(results.size(), 3);
        QVERIFY(results.at(0).toObject().value(u"KV").toObject().value(u"Value").isNull());
        QCOMPARE(results.at(2).toObject().value(u"KV").toObject().value(u"Value").toString(), QStringLiteral("YQ=="));

        const QByteArray bad = R"([
            {"KV": {"Verb": "set", "Key": "txn/a", "Value": "Y2hhbmdlZA=="}},
            {"KV": {"Verb": "check-not-exists", "Key": "txn/b"}}
        ])";
        r = put(QStringLiteral("/v1/txn"), bad);
        QCOMPARE(r.status, 409);
        o = json(r).toObject();
        QVERIFY(o.value(u"Results").isNull());
        QCOMPARE(o.value(u"Errors").toArray().at(0).toObject().value(u"OpIndex").toInt(), 1);
        QCOMPARE(get(QStringLiteral("/v1/kv/txn/a?raw")).body, QByteArray("a")); // rolled back

        QByteArray many = "[";
        for (int i = 0; i < 129; ++i)
            many += QByteArray(i ? "," : "") + R"({"KV":{"Verb":"get","Key":"x"}})";
        many += "]";
        QCOMPARE(put(QStringLiteral("/v1/txn"), many).status, 413);
    }

    void catalogAndHealth()
    {
        const QByteArray reg = R"({"Node": "ext-1", "Address": "10.1.2.3", "NodeMeta": {"env": "prod"},
            "Service": {"ID": "redis1", "Service": "redis", "Tags": ["primary", "v1"], "Port": 6379},
            "Checks": [{"CheckID": "redis-alive", "Name": "Redis alive", "Status": "passing", "ServiceID": "redis1"},
                       {"CheckID": "disk", "Name": "Disk", "Status": "warning"}]})";
        QCOMPARE(put(QStringLiteral("/v1/catalog/register"), reg).body, QByteArray("true"));
        QCOMPARE(json(get(QStringLiteral("/v1/catalog/nodes"))).toArray().size(), 2);
        QCOMPARE(json(get(QStringLiteral("/v1/catalog/nodes?node-meta=env:prod"))).toArray().size(), 1);
        const QJsonObject services = json(get(QStringLiteral("/v1/catalog/services"))).toObject();
        QCOMPARE(services.value(u"redis").toArray(), (QJsonArray{QStringLiteral("primary"), QStringLiteral("v1")}));
        QCOMPARE(services.value(u"consul").toArray(), QJsonArray());
        QJsonArray instances = json(get(QStringLiteral("/v1/catalog/service/redis?tag=primary"))).toArray();
        QCOMPARE(instances.size(), 1);
        QCOMPARE(instances.at(0).toObject().value(u"ServicePort").toInt(), 6379);
        QCOMPARE(instances.at(0).toObject().value(u"Address").toString(), QStringLiteral("10.1.2.3"));
        QCOMPARE(json(get(QStringLiteral("/v1/catalog/service/redis?tag=secondary"))).toArray().size(), 0);
        QCOMPARE(json(get(QStringLiteral("/v1/catalog/service/unknown"))).toArray().size(), 0);
        QCOMPARE(json(get(QStringLiteral("/v1/catalog/node/ext-1"))).toObject().value(u"Services").toObject().keys(),
                 QStringList{QStringLiteral("redis1")});
        QCOMPARE(get(QStringLiteral("/v1/catalog/node-services/ext-1")).status, 200);
        QCOMPARE(get(QStringLiteral("/v1/catalog/service/")).status, 400);

        // health: the node's warning check keeps it out of ?passing
        const QJsonArray health = json(get(QStringLiteral("/v1/health/service/redis"))).toArray();
        QCOMPARE(health.size(), 1);
        QCOMPARE(health.at(0).toObject().value(u"Checks").toArray().size(), 2);
        QCOMPARE(json(get(QStringLiteral("/v1/health/service/redis?passing"))).toArray().size(), 0);
        QCOMPARE(json(get(QStringLiteral("/v1/health/state/warning"))).toArray().size(), 1);
        QCOMPARE(json(get(QStringLiteral("/v1/health/checks/redis"))).toArray().size(), 1);
        QCOMPARE(json(get(QStringLiteral("/v1/health/node/ext-1"))).toArray().size(), 2);
        QCOMPARE(get(QStringLiteral("/v1/health/state/bogus")).status, 400);

        // ?filter
        QCOMPARE(json(get(QStringLiteral("/v1/catalog/nodes?filter=") + QUrl::toPercentEncoding(QStringLiteral("Meta.env == \"prod\""))))
                     .toArray()
                     .size(),
                 1);
        QCOMPARE(json(get(QStringLiteral("/v1/health/service/redis?filter=") + QUrl::toPercentEncoding(QStringLiteral("\"v1\" in Service.Tags"))))
                     .toArray()
                     .size(),
                 1);
        QCOMPARE(get(QStringLiteral("/v1/catalog/nodes?filter=") + QUrl::toPercentEncoding(QStringLiteral("Meta.env =="))).status, 400);

        // deregister the check, then the node
        QCOMPARE(put(QStringLiteral("/v1/catalog/deregister"), R"({"Node":"ext-1","CheckID":"disk"})").body, QByteArray("true"));
        QCOMPARE(json(get(QStringLiteral("/v1/health/service/redis?passing"))).toArray().size(), 1);
        QCOMPARE(put(QStringLiteral("/v1/catalog/deregister"), R"({"Node":"ext-1"})").body, QByteArray("true"));
        QCOMPARE(json(get(QStringLiteral("/v1/catalog/service/redis"))).toArray().size(), 0);
        // Catalog.Register's refusals are plain RPC errors in Consul: a 500 with the error's text.
        HttpResult r = put(QStringLiteral("/v1/catalog/register"), R"({"Address":"1.2.3.4"})");
        QCOMPARE(r.status, 500);
        QCOMPARE(r.body, QByteArray("Must provide node"));
        r = put(QStringLiteral("/v1/catalog/register"), R"({"Node":"ext-2"})");
        QCOMPARE(r.status, 500);
        QCOMPARE(r.body, QByteArray("Must provide address if SkipNodeUpdate is not set"));
        // A body that does not decode (a field of the wrong type, here or in a check) is a 400.
        r = put(QStringLiteral("/v1/catalog/register"), R"({"Node":"ext-2","Address":7})");
        QCOMPARE(r.status, 400);
        QVERIFY2(r.body.startsWith("Request decode failed: "), r.body.constData());
        r = put(QStringLiteral("/v1/catalog/register"), R"({"Node":"ext-2","Address":"10.1.2.4","Checks":[{"Name":"c","Status":1}]})");
        QCOMPARE(r.status, 400);
        QVERIFY2(r.body.startsWith("Request decode failed: "), r.body.constData());
        QVERIFY(json(get(QStringLiteral("/v1/catalog/node/ext-2"))).isNull());
    }

    // The catalog keeps a live node's name for its node ID (Consul's state store rules, its
    // texts): another ID for that name is refused with a 500; the same ID under a new name
    // renames the node; with SkipNodeUpdate the node (and so its ID) is left alone.
    void catalogRegisterNodeIdConflict()
    {
        const QString id1 = QStringLiteral("5d8a7c1e-0b7a-4a39-9a0e-6f3c2b1d4e01");
        const QString id2 = QStringLiteral("5d8a7c1e-0b7a-4a39-9a0e-6f3c2b1d4e02");
        auto reg = [](const QString &node, const QString &id, const QString &extra = {}) {
            return QStringLiteral(R"({"Node":"%1","ID":"%2","Address":"10.9.0.1",%3"Check":{"CheckID":"serfHealth","Name":"Serf Health Status","Status":"passing"}})")
                .arg(node, id, extra)
                .toUtf8();
        };
        QCOMPARE(put(QStringLiteral("/v1/catalog/register"), reg(QStringLiteral("idc-1"), id1)).body, QByteArray("true"));
        HttpResult r = put(QStringLiteral("/v1/catalog/register"), reg(QStringLiteral("IDC-1"), id2));
        QCOMPARE(r.status, 500);
        QCOMPARE(QString::fromUtf8(r.body),
                 QStringLiteral("failed inserting node: Error while renaming Node ID: \"%1\": Node name IDC-1 is reserved by node %2 with name idc-1 (10.9.0.1)")
                     .arg(id2, id1));
        QCOMPARE(put(QStringLiteral("/v1/catalog/register"), reg(QStringLiteral("idc-2"), id2)).body, QByteArray("true"));
        r = put(QStringLiteral("/v1/catalog/register"), reg(QStringLiteral("idc-2"), id1));
        QCOMPARE(r.status, 500);
        QCOMPARE(QString::fromUtf8(r.body),
                 QStringLiteral("failed inserting node: Error while renaming Node ID: \"%1\" (10.9.0.1): Node name idc-2 is reserved by node %2 with name idc-2 (10.9.0.1)")
                     .arg(id1, id2));
        r = put(QStringLiteral("/v1/catalog/register"), reg(QStringLiteral("idc-2"), id1, QStringLiteral(R"("SkipNodeUpdate":true,)")));
        QCOMPARE(r.status, 200);
        QCOMPARE(json(get(QStringLiteral("/v1/catalog/node/idc-2"))).toObject().value(u"Node").toObject().value(u"ID").toString(), id2);
        QCOMPARE(put(QStringLiteral("/v1/catalog/deregister"), R"({"Node":"idc-1"})").body, QByteArray("true"));
        QCOMPARE(put(QStringLiteral("/v1/catalog/deregister"), R"({"Node":"idc-2"})").body, QByteArray("true"));
    }

    // Consul's node reads by node name: case-insensitive (its node-name indexes are lower-case);
    // /v1/catalog/node and node-services also take the node ID or a unique prefix of it (an
    // ambiguous or malformed one finds no node). Names come back as registered.
    void nodeReadsByNameInAnyCaseOrId()
    {
        const QString id1 = QStringLiteral("40e4a748-2192-161a-0510-aaaaaaaaaaaa");
        const QString id2 = QStringLiteral("40e4a748-2192-161a-0510-bbbbbbbbbbbb");
        QCOMPARE(put(QStringLiteral("/v1/catalog/register"),
                     QStringLiteral(R"({"Node":"Lookup-Node-A","ID":"%1","Address":"10.8.0.1","Service":{"ID":"db1","Service":"db"},)"
                                    R"("Check":{"CheckID":"db-alive","Name":"db alive","Status":"passing","ServiceID":"db1"}})")
                         .arg(id1)
                         .toUtf8())
                     .body,
                 QByteArray("true"));
        QCOMPARE(put(QStringLiteral("/v1/catalog/register"),
                     QStringLiteral(R"({"Node":"lookup-node-b","ID":"%1","Address":"10.8.0.2"})").arg(id2).toUtf8())
                     .body,
                 QByteArray("true"));
        auto nodeName = [this](const QString &path) {
            const HttpResult r = get(path);
            return r.status == 200 ? json(r).toObject().value(u"Node").toObject().value(u"Node").toString()
                                   : QString::number(r.status);
        };
        for (const QString &endpoint : {QStringLiteral("/v1/catalog/node/"), QStringLiteral("/v1/catalog/node-services/")}) {
            QCOMPARE(nodeName(endpoint + QStringLiteral("LOOKUP-NODE-A")), QStringLiteral("Lookup-Node-A"));
            QCOMPARE(nodeName(endpoint + QStringLiteral("lookup-node-a")), QStringLiteral("Lookup-Node-A"));
            QCOMPARE(nodeName(endpoint + id1), QStringLiteral("Lookup-Node-A"));
            QCOMPARE(nodeName(endpoint + id2.toUpper()), QStringLiteral("lookup-node-b"));
            QCOMPARE(nodeName(endpoint + QStringLiteral("40e4a748-2192-161a-0510-bb")), QStringLiteral("lookup-node-b"));
            QCOMPARE(nodeName(endpoint + QStringLiteral("40e4a748-2192-161a-0510-aaa")), QStringLiteral("Lookup-Node-A"));
        }
        // The services come with the node found by its ID prefix.
        const QJsonObject byPrefix = json(get(QStringLiteral("/v1/catalog/node/40e4a748-2192-161a-0510-aa"))).toObject();
        QCOMPARE(byPrefix.value(u"Services").toObject().keys(), QStringList{QStringLiteral("db1")});
        const QJsonArray list = json(get(QStringLiteral("/v1/catalog/node-services/40E4A748-2192-161A-0510-AA"))).toObject().value(u"Services").toArray();
        QCOMPARE(list.size(), 1);
        QCOMPARE(list.at(0).toObject().value(u"ID").toString(), QStringLiteral("db1"));
        // Ambiguous (20 hex digits both IDs start with), malformed (cut to an even length, an odd
        // number of hex digits once the hyphens go: Consul's own "ambiguous" example) or unknown:
        // no node, as for an unknown name (null from /v1/catalog/node, 404 from node-services).
        for (const QString &none : {QStringLiteral("40e4a748-2192-161a-0510-"), QStringLiteral("40e4a748-2192-161a-0510"),
                                    QStringLiteral("40e4a748-2192-161a-0510-cc"), QStringLiteral("no-such-node")}) {
            HttpResult r = get(QStringLiteral("/v1/catalog/node/") + none);
            QCOMPARE(r.status, 200);
            QCOMPARE(r.body.trimmed(), QByteArray("null"));
            QCOMPARE(get(QStringLiteral("/v1/catalog/node-services/") + none).status, 404);
        }
        // /v1/health/node: the name in any case, not an ID (Consul's NodeChecks reads its checks'
        // node index).
        const QJsonArray checks = json(get(QStringLiteral("/v1/health/node/LOOKUP-NODE-A"))).toArray();
        QCOMPARE(checks.size(), 1);
        QCOMPARE(checks.at(0).toObject().value(u"Node").toString(), QStringLiteral("Lookup-Node-A"));
        QCOMPARE(json(get(QStringLiteral("/v1/health/node/") + id1)).toArray().size(), 0);
        // Sessions likewise: created with the node name in any case (kept as given), listed by
        // /v1/session/node with it in any case (Consul's sessions index their node in lower case).
        const HttpResult session = put(QStringLiteral("/v1/session/create"), R"({"Node":"LOOKUP-node-a","NodeChecks":[]})");
        QCOMPARE(session.status, 200);
        const QJsonArray sessions = json(get(QStringLiteral("/v1/session/node/lookup-node-A"))).toArray();
        QCOMPARE(sessions.size(), 1);
        QCOMPARE(sessions.at(0).toObject().value(u"ID"), json(session).toObject().value(u"ID"));
        QCOMPARE(json(get(QStringLiteral("/v1/session/node/") + id1)).toArray().size(), 0);

        // Deregister finds the node by its name in any case too.
        QCOMPARE(put(QStringLiteral("/v1/catalog/deregister"), R"({"Node":"lookup-NODE-a","ServiceID":"db1"})").body,
                 QByteArray("true"));
        QCOMPARE(json(get(QStringLiteral("/v1/catalog/node/Lookup-Node-A"))).toObject().value(u"Services").toObject().size(), 0);
        QCOMPARE(put(QStringLiteral("/v1/catalog/deregister"), R"({"Node":"LOOKUP-NODE-A"})").body, QByteArray("true"));
        // The session went with its node.
        QCOMPARE(json(get(QStringLiteral("/v1/session/info/") + json(session).toObject().value(u"ID").toString())).toArray().size(), 0);
        QCOMPARE(get(QStringLiteral("/v1/catalog/node/Lookup-Node-A")).body.trimmed(), QByteArray("null"));
        // The prefix is node b's alone now.
        QCOMPARE(nodeName(QStringLiteral("/v1/catalog/node/40e4a748-2192-161a-0510-")), QStringLiteral("lookup-node-b"));
        // A txn reads a node by its name in any case too.
        const HttpResult txnGet = put(QStringLiteral("/v1/txn"), R"([{"Node":{"Verb":"get","Node":{"Node":"LOOKUP-node-B"}}}])");
        QCOMPARE(txnGet.status, 200);
        QCOMPARE(json(txnGet).toObject().value(u"Results").toArray().at(0).toObject().value(u"Node").toObject().value(u"Node").toString(),
                 QStringLiteral("lookup-node-b"));
        QCOMPARE(put(QStringLiteral("/v1/catalog/deregister"), R"({"Node":"lookup-node-b"})").body, QByteArray("true"));
    }

    void sessionsAndLocks()
    {
        HttpResult r = put(QStringLiteral("/v1/session/create"), R"({"TTL": "5s"})");
        QCOMPARE(r.status, 500);
        QVERIFY2(r.body.startsWith("Invalid Session TTL '5000000000', must be between [10s=24h0m0s]"), r.body);
        r = put(QStringLiteral("/v1/session/create"), R"({"name": "locker", "ttl": "15.0s", "lockdelay": "0s", "behavior": "delete"})");
        QCOMPARE(r.status, 200);
        const QString id = json(r).toObject().value(u"ID").toString();
        QCOMPARE(id.size(), 36);
        const QJsonObject info = json(get(QStringLiteral("/v1/session/info/") + id)).toArray().at(0).toObject();
        QCOMPARE(info.value(u"TTL").toString(), QStringLiteral("15s"));
        QCOMPARE(info.value(u"Behavior").toString(), QStringLiteral("delete"));
        QCOMPARE(info.value(u"NodeChecks").toArray(), QJsonArray{QStringLiteral("serfHealth")});
        QCOMPARE(info.value(u"LockDelay").toDouble(), 0.0);

        QCOMPARE(put(QStringLiteral("/v1/kv/locks/a?acquire=") + id, "held").body, QByteArray("true"));
        QCOMPARE(put(QStringLiteral("/v1/kv/locks/a?acquire=") + id, "held").body, QByteArray("true")); // re-acquire
        const QJsonObject held = json(get(QStringLiteral("/v1/kv/locks/a"))).toArray().at(0).toObject();
        QCOMPARE(held.value(u"Session").toString(), id);
        QCOMPARE(held.value(u"LockIndex").toInt(), 1);
        const HttpResult invalid = put(QStringLiteral("/v1/kv/locks/a?acquire=not-a-session"), "x");
        QCOMPARE(invalid.status, 500);
        QCOMPARE(invalid.body, QByteArray("invalid session \"not-a-session\""));
        QCOMPARE(json(get(QStringLiteral("/v1/session/list"))).toArray().size(), 1);
        QCOMPARE(json(get(QStringLiteral("/v1/session/node/nonexistent"))).toArray().size(), 0);
        QCOMPARE(json(put(QStringLiteral("/v1/session/renew/") + id)).toArray().at(0).toObject().value(u"ID").toString(), id);
        r = put(QStringLiteral("/v1/session/renew/00000000-0000-0000-0000-000000000000"));
        QCOMPARE(r.status, 404);
        QCOMPARE(r.body, QByteArray("Session id '00000000-0000-0000-0000-000000000000' not found"));

        // behavior=delete: destroying the session deletes the keys it held
        QCOMPARE(put(QStringLiteral("/v1/session/destroy/") + id).body, QByteArray("true"));
        QCOMPARE(get(QStringLiteral("/v1/kv/locks/a")).status, 404);
        QCOMPARE(json(get(QStringLiteral("/v1/session/info/") + id)).toArray().size(), 0);

        // lock-delay: after invalidation the key cannot be re-acquired at once
        r = put(QStringLiteral("/v1/session/create"), R"({"LockDelay": "10s"})");
        const QString first = json(r).toObject().value(u"ID").toString();
        const QString second = json(put(QStringLiteral("/v1/session/create"), "{}")).toObject().value(u"ID").toString();
        QCOMPARE(put(QStringLiteral("/v1/kv/locks/b?acquire=") + first, "1").body, QByteArray("true"));
        put(QStringLiteral("/v1/session/destroy/") + first);
        QVERIFY(json(get(QStringLiteral("/v1/kv/locks/b"))).toArray().at(0).toObject().value(u"Session").isUndefined());
        QCOMPARE(put(QStringLiteral("/v1/kv/locks/b?acquire=") + second, "2").body, QByteArray("false"));
        put(QStringLiteral("/v1/session/destroy/") + second);
    }

    void agentEndpoints()
    {
        const QJsonObject self = json(get(QStringLiteral("/v1/agent/self"))).toObject();
        QCOMPARE(self.value(u"Config").toObject().value(u"Datacenter").toString(), QStringLiteral("dc1"));
        QVERIFY(self.value(u"Config").toObject().value(u"Server").toBool());
        QVERIFY(self.value(u"Stats").toObject().contains(u"raft"));
        QCOMPARE(json(get(QStringLiteral("/v1/agent/members"))).toArray().at(0).toObject().value(u"Status").toInt(), 1);

        // snake_case body as python-consul sends it, with a TTL check
        QCOMPARE(put(QStringLiteral("/v1/agent/service/register"),
                     R"({"name": "web", "id": "web-1", "port": 80, "tags": ["rails"], "check": {"ttl": "10s"}})")
                     .status,
                 200);
        QCOMPARE(json(get(QStringLiteral("/v1/agent/services"))).toObject().value(u"web-1").toObject().value(u"Port").toInt(), 80);
        const HttpResult one = get(QStringLiteral("/v1/agent/service/web-1"));
        QCOMPARE(one.status, 200);
        QVERIFY(!one.header("X-Consul-ContentHash").isEmpty());
        QCOMPARE(get(QStringLiteral("/v1/agent/service/nope")).status, 404);
        QCOMPARE(json(get(QStringLiteral("/v1/agent/checks"))).toObject().value(u"service:web-1").toObject().value(u"Status").toString(),
                 QStringLiteral("critical"));
        QCOMPARE(httpRequest("GET", m_agent.baseUrl() + QStringLiteral("/v1/agent/check/pass/service:web-1?note=fine")).status, 200);
        QCOMPARE(json(get(QStringLiteral("/v1/health/service/web?passing"))).toArray().size(), 1);
        QCOMPARE(put(QStringLiteral("/v1/agent/check/update/service:web-1"), R"({"Status":"warning","Output":"slow"})").status, 200);
        QCOMPARE(json(get(QStringLiteral("/v1/health/state/warning"))).toArray().at(0).toObject().value(u"Output").toString(),
                 QStringLiteral("slow"));
        QCOMPARE(put(QStringLiteral("/v1/agent/check/update/service:web-1"), R"({"Status":"bogus"})").status, 400);
        QCOMPARE(put(QStringLiteral("/v1/agent/check/pass/unknown")).status, 404);

        // maintenance
        QCOMPARE(put(QStringLiteral("/v1/agent/service/maintenance/web-1?enable=true&reason=deploy")).status, 200);
        QJsonArray critical = json(get(QStringLiteral("/v1/health/state/critical"))).toArray();
        QCOMPARE(critical.size(), 1);
        QCOMPARE(critical.at(0).toObject().value(u"CheckID").toString(), QStringLiteral("_service_maintenance:web-1"));
        QCOMPARE(critical.at(0).toObject().value(u"Notes").toString(), QStringLiteral("deploy"));
        put(QStringLiteral("/v1/agent/service/maintenance/web-1?enable=false"));
        QCOMPARE(put(QStringLiteral("/v1/agent/maintenance")).status, 400);
        QCOMPARE(put(QStringLiteral("/v1/agent/maintenance?enable=true")).status, 200);
        QCOMPARE(json(get(QStringLiteral("/v1/health/node/") + self.value(u"Config").toObject().value(u"NodeName").toString()))
                     .toArray()
                     .size(),
                 3); // serfHealth, the service's TTL check, _node_maintenance
        put(QStringLiteral("/v1/agent/maintenance?enable=false"));

        // bad registrations change nothing
        QCOMPARE(put(QStringLiteral("/v1/agent/service/register"), R"({"Name": "bad", "Port": 70000})").status, 400);
        QCOMPARE(put(QStringLiteral("/v1/agent/check/register"), R"({"Name": "s", "Args": ["true"], "Interval": "10s"})").status, 400);
        QCOMPARE(put(QStringLiteral("/v1/agent/service/register"), R"({"Name": )").status, 400);
        QVERIFY(!json(get(QStringLiteral("/v1/agent/services"))).toObject().contains(u"bad"));

        QCOMPARE(httpRequest("GET", m_agent.baseUrl() + QStringLiteral("/v1/agent/service/deregister/web-1")).status, 200);
        QCOMPARE(json(get(QStringLiteral("/v1/catalog/service/web"))).toArray().size(), 0);
        QCOMPARE(put(QStringLiteral("/v1/agent/service/deregister/web-1")).status, 404);

        QCOMPARE(get(QStringLiteral("/v1/agent/metrics")).status, 200);
        QVERIFY(get(QStringLiteral("/v1/agent/metrics?format=prometheus")).body.contains("# TYPE consul_runtime_alloc_bytes gauge"));
        QCOMPARE(put(QStringLiteral("/v1/agent/reload")).status, 200);
    }

    // The texts and codes of Consul's agent endpoints for what a client gets wrong.
    void agentErrorsAsConsul()
    {
        auto expect = [](const HttpResult &r, int status, const QByteArray &body) {
            QCOMPARE(r.status, status);
            QCOMPARE(r.body, body);
        };
        expect(put(QStringLiteral("/v1/agent/check/register"),
                   R"({"Name": "c", "TTL": "10s", "Status": "bogus"})"),
            400, "Bad check status");
        expect(put(QStringLiteral("/v1/agent/check/register"),
                   R"({"Name": "c", "TTL": "10s", "ServiceID": "ghost"})"),
            404, R"(ServiceID "ghost" does not exist)");
        expect(put(QStringLiteral("/v1/agent/service/register"),
                   R"({"Name": "s", "Check": {"TTL": "10s", "Status": "bogus"}})"),
            400, "Status for checks must 'passing', 'warning', 'critical'");
        QVERIFY(!json(get(QStringLiteral("/v1/agent/checks"))).toObject().contains(u"c"));
        QVERIFY(!json(get(QStringLiteral("/v1/agent/services"))).toObject().contains(u"s"));
        expect(put(QStringLiteral("/v1/agent/maintenance?enable=maybe")), 400,
            R"(Invalid value for enable: "maybe")");
        expect(put(QStringLiteral("/v1/agent/service/maintenance/ghost?enable=on")), 400,
            R"(Invalid value for enable: "on")");
    }

    // Without ACLs, Consul's ACL endpoints (and agent token updates) answer 401 after the method
    // check, as a Consul agent's with ACLs disabled.
    void aclSupportDisabled()
    {
        const QList<QPair<QByteArray, QString>> calls{{"PUT", QStringLiteral("/v1/agent/token/default")},
                                                       {"PUT", QStringLiteral("/v1/acl/bootstrap")},
                                                       {"GET", QStringLiteral("/v1/acl/tokens")},
                                                       {"GET", QStringLiteral("/v1/acl/token/self")},
                                                       {"DELETE", QStringLiteral("/v1/acl/policy/1234")},
                                                       {"POST", QStringLiteral("/v1/acl/login")}};
        for (const auto &[method, path] : calls) {
            const HttpResult r = request(method, path, R"({"Token": "secret"})");
            QCOMPARE(r.status, 401);
            QCOMPARE(r.body, QByteArray("ACL support disabled"));
        }
        QCOMPARE(get(QStringLiteral("/v1/agent/token/default")).status, 405);
        QCOMPARE(del(QStringLiteral("/v1/acl/tokens")).status, 405);
    }

    // ?wan is Consul's `Query().Get("wan") != ""`: a bare ?wan asks for the LAN pool, any value
    // (false too) for the WAN pool, which takes no segment.
    void membersWanParameter()
    {
        const QString node = json(get(QStringLiteral("/v1/agent/self")))
                                 .toObject()
                                 .value(u"Config")
                                 .toObject()
                                 .value(u"NodeName")
                                 .toString();
        auto names = [this](const QString &query) {
            QStringList out;
            for (const QJsonValue &m : json(get(QStringLiteral("/v1/agent/members") + query)).toArray())
                out << m.toObject().value(u"Name").toString();
            return out;
        };
        QCOMPARE(names(QStringLiteral("?wan")), QStringList { node });
        QCOMPARE(names(QStringLiteral("?wan=")), QStringList { node });
        QCOMPARE(names(QStringLiteral("?wan=1")), QStringList { node + u".dc1" });
        QCOMPARE(names(QStringLiteral("?wan=false")), QStringList { node + u".dc1" });
        QCOMPARE(names(QStringLiteral("?wan=1&segment=_all")), QStringList { node + u".dc1" });
        const HttpResult r = get(QStringLiteral("/v1/agent/members?wan=1&segment=alpha"));
        QCOMPARE(r.status, 400);
        QCOMPARE(r.body, QByteArray("Cannot provide a segment with wan=true"));
    }

    void statusEventsOperator()
    {
        QCOMPARE(json(get(QStringLiteral("/v1/status/leader"))).toString(), QStringLiteral("127.0.0.1:8300"));
        QCOMPARE(json(get(QStringLiteral("/v1/status/peers"))).toArray().size(), 1);
        const QJsonObject raft = json(get(QStringLiteral("/v1/operator/raft/configuration"))).toObject();
        QVERIFY(raft.value(u"Servers").toArray().at(0).toObject().value(u"Leader").toBool());
        // The dev agent stored its autopilot settings when it started, as Consul's leader does.
        QVERIFY(json(get(QStringLiteral("/v1/operator/autopilot/configuration"))).toObject().value(u"ModifyIndex").toInteger() > 0);
        const QJsonObject state = json(get(QStringLiteral("/v1/operator/autopilot/state"))).toObject();
        QCOMPARE(state.value(u"Voters").toArray().size(), 1);
        QCOMPARE(state.value(u"Servers").toObject().value(state.value(u"Leader").toString()).toObject().value(u"Status").toString(), QStringLiteral("leader"));

        const QJsonObject event = json(put(QStringLiteral("/v1/event/fire/deploy"), "v1.2")).toObject();
        QCOMPARE(event.value(u"Name").toString(), QStringLiteral("deploy"));
        QCOMPARE(QByteArray::fromBase64(event.value(u"Payload").toString().toLatin1()), QByteArray("v1.2"));
        const HttpResult list = get(QStringLiteral("/v1/event/list?name=deploy"));
        QCOMPARE(json(list).toArray().size(), 1);
        QNetworkAccessManager nam;
        QNetworkReply *reply = startGet(nam, QStringLiteral("/v1/event/list?index=%1").arg(QString::fromLatin1(list.header("X-Consul-Index"))));
        QVERIFY(!waitFor(reply, 200));
        put(QStringLiteral("/v1/event/fire/second"));
        QVERIFY(waitFor(reply, 2000));
        delete reply;
        QCOMPARE(put(QStringLiteral("/v1/event/fire/_reserved")).status, 403);
    }

    void monitorStreamsLogs()
    {
        QTcpSocket socket;
        socket.connectToHost(QHostAddress::LocalHost, m_agent.httpPort());
        QVERIFY(socket.waitForConnected(2000));
        socket.write("GET /v1/agent/monitor?loglevel=debug HTTP/1.1\r\nHost: x\r\n\r\n");
        QVERIFY(socket.waitForBytesWritten(1000));
        QVERIFY(socket.waitForReadyRead(2000)); // the stream's head arrives at once
        QByteArray seen = socket.readAll();
        QElapsedTimer t;
        t.start();
        put(QStringLiteral("/v1/agent/reload")); // logs "Reloading configuration..."
        while (!seen.contains("Reloading configuration") && t.elapsed() < 3000) {
            // A nested event loop (the PUT) may already have buffered the bytes.
            if (socket.bytesAvailable() || socket.waitForReadyRead(100))
                seen += socket.readAll();
            else
                put(QStringLiteral("/v1/agent/reload"));
        }
        QVERIFY2(seen.startsWith("HTTP/1.1 200"), seen);
        QVERIFY(seen.contains("Transfer-Encoding: chunked"));
        QVERIFY2(seen.contains("Reloading configuration"), seen);
    }

    // A monitor client that stops reading must not grow the agent's memory: past a backlog the
    // agent drops lines, and says so in the stream once the client reads again.
    void monitorDropsLinesForSlowReader()
    {
        QTcpSocket monitor;
        monitor.setReadBufferSize(4096); // Qt stops reading: the kernel's buffers fill up
        monitor.connectToHost(QHostAddress::LocalHost, m_agent.httpPort());
        QVERIFY(monitor.waitForConnected(2000));
        monitor.write("GET /v1/agent/monitor?loglevel=debug HTTP/1.1\r\nHost: x\r\n\r\n");
        QVERIFY(monitor.waitForBytesWritten(1000));
        QVERIFY(monitor.waitForReadyRead(2000));

        // Each fired event logs a debug line with its name: 30,000 lines of ~400 bytes, pipelined.
        const QByteArray name(300, 'e');
        const QByteArray request = "PUT /v1/event/fire/" + name + " HTTP/1.1\r\nHost: x\r\nContent-Length: 0\r\n\r\n";
        QTcpSocket writer;
        writer.connectToHost(QHostAddress::LocalHost, m_agent.httpPort());
        QVERIFY(writer.waitForConnected(2000));
        constexpr int kBatch = 500;
        constexpr int kEvents = 30000;
        for (int sent = 0; sent < kEvents; sent += kBatch) {
            writer.write(request.repeated(kBatch));
            QByteArray replies;
            // Not waitForReadyRead: the event loop must run to drain the agent's (debug) log pipe.
            QTRY_VERIFY_WITH_TIMEOUT((replies += writer.readAll()).count("HTTP/1.1 ") >= kBatch, 10000);
            QVERIFY2(replies.count("HTTP/1.1 200") == kBatch, replies.left(300).constData());
        }

        // Now read everything, then log one more line: the note comes before it.
        monitor.setReadBufferSize(0);
        QByteArray seen;
        for (qsizetype before = -1; before != seen.size();) { // qWait, not waitForReadyRead: see above
            before = seen.size();
            QTest::qWait(300);
            seen += monitor.readAll();
        }
        QVERIFY2(seen.size() < 12 * 1024 * 1024, QByteArray::number(seen.size()).constData());
        QCOMPARE(put(QStringLiteral("/v1/event/fire/after")).status, 200);
        QTRY_VERIFY((seen += monitor.readAll()).contains("Fired user event: after"));
        QVERIFY2(seen.contains("Monitor dropped logs during monitor request: dropped_count="), QByteArray::number(seen.size()).constData());
        QVERIFY(seen.indexOf("Monitor dropped logs") < seen.indexOf("Fired user event: after"));
    }
};

QTEST_GUILESS_MAIN(TestHttpApi)
#include "tst_http_api.moc"

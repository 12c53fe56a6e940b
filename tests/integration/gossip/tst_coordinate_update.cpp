// Coordinates on real agents (label `integration`): a server on 127.0.0.7 and a client agent on
// 127.0.0.8 joined to it. PUT /v1/coordinate/update sent to the client is forwarded to the
// server, which writes the updates it holds through Raft once a period, together (Consul's
// batching); reads are blocking queries; one for a node outside the catalog is dropped; bad
// bodies get Consul's answers; a stored coordinate survives a server restart; ?near= sorts by
// the stored coordinates, "_agent" being the agent the client asked.
// The same client also shows what keeps an agent's memory small (docs/benchmarks.md, issue 5):
// it maps neither libarchive nor libcrypto (opened on first use) and runs a single thread.
#include "ClusterAgent.h"

#include <QJsonArray>
#include <QJsonDocument>
#include <QJsonObject>
#include <QTemporaryDir>
#include <QTest>

#include <vector>

using namespace Qt::StringLiterals;
using namespace qonsul::test;

namespace {

QJsonObject coord(double error)
{
    return QJsonObject{{u"Adjustment"_s, -0.0025}, {u"Error"_s, error}, {u"Height"_s, 1.5e-05},
                       {u"Vec"_s, QJsonArray{0.001, -0.002, 0.003, 0, 0, 0, 0, 0.0125}}};
}

QByteArray body(const QString &node, const QJsonObject &c)
{
    return QJsonDocument(QJsonObject{{u"Node"_s, node}, {u"Segment"_s, QString()}, {u"Coord"_s, c}}).toJson();
}

// The node's stored coordinate as /v1/coordinate/node/<n> shows it; empty when it answers 404.
QJsonObject coordinateOf(const ClusterAgent &a, const QString &node)
{
    const HttpResult r = httpRequest("GET", a.url(u"/v1/coordinate/node/"_s + node), {}, {}, 10000);
    if (r.status != 200)
        return {};
    return QJsonDocument::fromJson(r.body).array().at(0).toObject();
}

} // namespace

class TestCoordinateUpdate : public QObject
{
    Q_OBJECT

private Q_SLOTS:
    void initTestCase();
    void cleanupTestCase();
    void updateThroughClientIsStoredOnServer();
    void updatesAreWrittenTogether();
    void blockingReads();
    void nearSortsByStoredCoordinates();
    void nodeOutsideCatalogIsDropped();
    void badBodies();
    void survivesServerRestart();
    void clientMapsNoSnapshotOrCryptoLibrary();

private:
    QTemporaryDir m_dir;
    QString m_config;
    std::vector<ClusterAgent> m_agents = loopbackAgents({u"coord-server"_s, u"coord-client"_s}, 1, m_dir.path(), 7);
    ClusterAgent &m_server = m_agents[0];
    ClusterAgent &m_client = m_agents[1];
};

void TestCoordinateUpdate::initTestCase()
{
    QVERIFY(m_dir.isValid());
    m_config = m_dir.filePath(u"fast.json"_s);
    // A short batch period and agents reporting every 2-4 s instead of 15-30 s (Consul fixes
    // both; its own tests set them the same way).
    QVERIFY(writeFile(m_config, R"({"performance": {"raft_multiplier": 1}, "consul": {"coordinate": {"update_period": "300ms"}},
               "sync_coordinate_interval_min": "2s"})"));
    m_server.extra = {u"-bootstrap"_s};
    m_client.extra = {u"-retry-join"_s, m_server.serfAddress(), u"-retry-interval"_s, u"1s"_s};
    QVERIFY(m_server.start(m_config, true));
    QVERIFY(m_client.start(m_config, false));
    // The client is in the catalog once it found the server and registered itself.
    QTRY_COMPARE_WITH_TIMEOUT(httpRequest("GET", m_client.url(u"/v1/catalog/node/coord-client"_s)).status, 200, 30000);
}

void TestCoordinateUpdate::cleanupTestCase()
{
    m_client.stop();
    m_server.stop();
}

void TestCoordinateUpdate::updateThroughClientIsStoredOnServer()
{
    const HttpResult put = httpRequest("PUT", m_client.url(u"/v1/coordinate/update"_s), body(u"coord-client"_s, coord(0.75)));
    QCOMPARE(put.status, 200);
    QCOMPARE(put.body, QByteArray());
    const QJsonObject expected{{u"Node"_s, u"coord-client"_s}, {u"Segment"_s, QString()}, {u"Coord"_s, coord(0.75)}};
    // Written with the server's next batch (unless the client's own report replaced it first).
    QTRY_COMPARE_WITH_TIMEOUT(coordinateOf(m_server, u"coord-client"_s).value(u"Node"_s).toString(), u"coord-client"_s, 10000);
    const auto stored = [&](const ClusterAgent &a) {
        return QJsonDocument::fromJson(httpRequest("GET", a.url(u"/v1/coordinate/nodes"_s)).body).array().contains(expected);
    };
    for (int attempt = 0; attempt < 5 && !stored(m_client); ++attempt) {
        QCOMPARE(httpRequest("PUT", m_client.url(u"/v1/coordinate/update"_s), body(u"coord-client"_s, coord(0.75))).status, 200);
        QTest::qWait(600);
    }
    QVERIFY(stored(m_client));
    // The node name in any case, as Consul's lower-case coordinate index; answered as stored.
    QCOMPARE(coordinateOf(m_client, u"COORD-Client"_s), expected);
    QCOMPARE(QJsonDocument::fromJson(httpRequest("GET", m_client.url(u"/v1/coordinate/nodes?segment="_s)).body).array().size(),
             QJsonDocument::fromJson(httpRequest("GET", m_client.url(u"/v1/coordinate/nodes"_s)).body).array().size());
    QCOMPARE(httpRequest("GET", m_client.url(u"/v1/coordinate/nodes?segment=other"_s)).body, QByteArray("[]"));
}

// Updates that reach the server within one period are one Raft entry: a blocking read of the
// coordinates never sees some of them without the others. (A period may end between two of
// the PUTs, so a split is retried; writing each one by itself would split every time.)
void TestCoordinateUpdate::updatesAreWrittenTogether()
{
    const QStringList nodes{u"batch-a"_s, u"batch-b"_s, u"batch-c"_s};
    for (const QString &n : nodes)
        QCOMPARE(httpRequest("PUT", m_server.url(u"/v1/catalog/register"_s), u"{\"Node\":\"%1\",\"Address\":\"10.9.9.9\"}"_s.arg(n).toUtf8()).status, 200);
    bool together = false;
    for (int attempt = 1; attempt <= 3 && !together; ++attempt) {
        const double error = 0.1 * attempt;
        HttpResult r = httpRequest("GET", m_client.url(u"/v1/coordinate/nodes"_s));
        quint64 index = r.header("X-Consul-Index").toULongLong();
        QVERIFY(index > 0);
        for (const QString &n : nodes)
            QCOMPARE(httpRequest("PUT", m_client.url(u"/v1/coordinate/update"_s), body(n, coord(error))).status, 200);
        // Each wake-up (the agents' own reports write too) until ours are in.
        for (int wakeups = 0; wakeups < 50; ++wakeups) {
            r = httpRequest("GET", m_client.url(u"/v1/coordinate/nodes?index=%1&wait=5s"_s.arg(index)), {}, {}, 20000);
            QCOMPARE(r.status, 200);
            const quint64 next = r.header("X-Consul-Index").toULongLong();
            int seen = 0;
            for (const QJsonValue &c : QJsonDocument::fromJson(r.body).array()) {
                const QJsonObject o = c.toObject();
                seen += nodes.contains(o.value(u"Node").toString()) && o.value(u"Coord").toObject() == coord(error);
            }
            if (seen > 0) {
                together = seen == nodes.size();
                break;
            }
            QVERIFY(next >= index);
            index = next;
        }
    }
    QVERIFY2(together, "the updates were written one by one");
}

// /v1/coordinate/nodes and /node/<n> are blocking queries on the coordinates table, with
// X-Consul-Index on every answer, a 404 included.
void TestCoordinateUpdate::blockingReads()
{
    QCOMPARE(httpRequest("PUT", m_server.url(u"/v1/catalog/register"_s), R"({"Node":"blocking-db","Address":"10.1.2.4"})").status, 200);
    HttpResult r = httpRequest("GET", m_client.url(u"/v1/coordinate/node/blocking-db"_s));
    QCOMPARE(r.status, 404);
    const quint64 before = r.header("X-Consul-Index").toULongLong();
    QVERIFY(before > 0);
    QCOMPARE(httpRequest("PUT", m_client.url(u"/v1/coordinate/update"_s), body(u"blocking-db"_s, coord(0.625))).status, 200);
    quint64 index = before;
    for (int wakeups = 0; wakeups < 50; ++wakeups) {
        r = httpRequest("GET", m_client.url(u"/v1/coordinate/node/blocking-db?index=%1&wait=10s"_s.arg(index)), {}, {}, 20000);
        const quint64 next = r.header("X-Consul-Index").toULongLong();
        QVERIFY2(next > index, "a blocking read returned without a change"); // 10 s: the agents report every 2-4 s
        index = next;
        if (r.status == 200)
            break;
        QCOMPARE(r.status, 404);
    }
    QCOMPARE(r.status, 200);
    const QJsonObject expected{{u"Node"_s, u"blocking-db"_s}, {u"Segment"_s, QString()}, {u"Coord"_s, coord(0.625)}};
    QCOMPARE(QJsonDocument::fromJson(r.body).array(), QJsonArray{expected});
    // Without ?index a read answers at once.
    QCOMPARE(httpRequest("GET", m_server.url(u"/v1/coordinate/node/blocking-db"_s)).status, 200);
}

// ?near= sorts by the coordinates in the catalog, "_agent" meaning the agent the client asked:
// the client's own coordinate when it asks its client agent (which forwards the read), the
// server's when it asks the server. Three external nodes sit 10, 50 and 200 ms from the origin
// (where loopback agents' coordinates stay); the client's is moved 500 ms out on the same axis,
// so it is nearest near-3 and the server nearest near-1.
void TestCoordinateUpdate::nearSortsByStoredCoordinates()
{
    auto at = [](double x) {
        return QJsonObject{{u"Adjustment"_s, 0.0}, {u"Error"_s, 0.2}, {u"Height"_s, 1e-5},
                           {u"Vec"_s, QJsonArray{x, 0, 0, 0, 0, 0, 0, 0}}};
    };
    const QList<QPair<QString, double>> placed{{u"near-1"_s, 0.010}, {u"near-2"_s, 0.050}, {u"near-3"_s, 0.200}};
    for (const auto &[node, x] : placed) {
        const QByteArray reg = u"{\"Node\":\"%1\",\"Address\":\"10.3.0.1\",\"Service\":{\"Service\":\"near-db\",\"Port\":5432}}"_s.arg(node).toUtf8();
        QCOMPARE(httpRequest("PUT", m_server.url(u"/v1/catalog/register"_s), reg).status, 200);
        QCOMPARE(httpRequest("PUT", m_server.url(u"/v1/coordinate/update"_s), body(node, at(x))).status, 200);
    }
    QCOMPARE(httpRequest("PUT", m_server.url(u"/v1/catalog/register"_s), R"({"Node":"near-none","Address":"10.3.0.2"})").status, 200);
    const HttpResult query = httpRequest("POST", m_server.url(u"/v1/query"_s), R"({"Name":"near-q","Service":{"Service":"near-db","Near":"_agent"}})");
    QCOMPARE(query.status, 200);

    auto order = [](const ClusterAgent &a, const QString &path, const QString &array = {}) {
        const QJsonDocument doc = QJsonDocument::fromJson(httpRequest("GET", a.url(path)).body);
        QStringList names;
        for (const QJsonValue &v : array.isEmpty() ? doc.array() : doc.object().value(array).toArray()) {
            const QJsonValue node = v.toObject().value(u"Node");
            const QString name = node.isObject() ? node.toObject().value(u"Node").toString() : node.toString();
            if (name.startsWith(u"near-") || name.startsWith(u"coord-"))
                names.append(name);
        }
        return names;
    };
    const QStringList fromClient{u"coord-client"_s, u"near-3"_s, u"near-2"_s, u"near-1"_s, u"coord-server"_s, u"near-none"_s};
    const QStringList fromServer{u"coord-server"_s, u"near-1"_s, u"near-2"_s, u"near-3"_s, u"coord-client"_s, u"near-none"_s};
    // The server's own report is in (the first may come before its node is in the catalog).
    QTRY_VERIFY_WITH_TIMEOUT(!coordinateOf(m_server, u"coord-server"_s).isEmpty(), 20000);
    // The client agent reports its real coordinate every 2-4 s: place it, wait until stored,
    // read; retried when its own report came in between.
    QStringList lastClient, lastServer, lastQuery;
    bool ok = false;
    for (int attempt = 0; attempt < 10 && !ok; ++attempt) {
        QCOMPARE(httpRequest("PUT", m_client.url(u"/v1/coordinate/update"_s), body(u"coord-client"_s, at(0.5))).status, 200);
        auto placedHere = [&] { return coordinateOf(m_server, u"coord-client"_s).value(u"Coord"_s).toObject() == at(0.5); };
        for (int waited = 0; waited < 30 && !placedHere(); ++waited)
            QTest::qWait(100);
        lastClient = order(m_client, u"/v1/catalog/nodes?near=_agent"_s);
        lastServer = order(m_server, u"/v1/catalog/nodes?near=_agent"_s);
        lastQuery = order(m_client, u"/v1/query/near-q/execute"_s, u"Nodes"_s);
        ok = placedHere() && lastClient == fromClient && lastServer == fromServer
            && lastQuery == QStringList{u"near-3"_s, u"near-2"_s, u"near-1"_s};
    }
    QVERIFY2(ok, qPrintable(u"client: %1; server: %2; query via client: %3"_s.arg(lastClient.join(u' '), lastServer.join(u' '), lastQuery.join(u' '))));
    // A named source is the same from anywhere; the query through the server starts near it.
    QCOMPARE(order(m_client, u"/v1/catalog/nodes?near=near-2"_s).filter(u"near-"_s),
             (QStringList{u"near-2"_s, u"near-1"_s, u"near-3"_s, u"near-none"_s}));
    QCOMPARE(order(m_server, u"/v1/catalog/service/near-db?near=near-3"_s), (QStringList{u"near-3"_s, u"near-2"_s, u"near-1"_s}));
    QCOMPARE(order(m_server, u"/v1/query/near-q/execute"_s, u"Nodes"_s), (QStringList{u"near-1"_s, u"near-2"_s, u"near-3"_s}));
    // A source without a stored coordinate sorts nothing.
    QCOMPARE(order(m_client, u"/v1/catalog/nodes?near=near-none"_s), order(m_client, u"/v1/catalog/nodes"_s));
}

void TestCoordinateUpdate::nodeOutsideCatalogIsDropped()
{
    QCOMPARE(httpRequest("PUT", m_client.url(u"/v1/coordinate/update"_s), body(u"nobody"_s, coord(0.5))).status, 200);
    QCOMPARE(httpRequest("PUT", m_server.url(u"/v1/catalog/register"_s), R"({"Node":"somebody","Address":"10.1.2.5"})").status, 200);
    QCOMPARE(httpRequest("PUT", m_client.url(u"/v1/coordinate/update"_s), body(u"somebody"_s, coord(0.5))).status, 200);
    QTRY_COMPARE_WITH_TIMEOUT(httpRequest("GET", m_server.url(u"/v1/coordinate/node/somebody"_s)).status, 200, 10000);
    QCOMPARE(httpRequest("GET", m_server.url(u"/v1/coordinate/node/nobody"_s)).status, 404);
}

void TestCoordinateUpdate::badBodies()
{
    const QString url = m_client.url(u"/v1/coordinate/update"_s);
    HttpResult r = httpRequest("PUT", url, "{");
    QCOMPARE(r.status, 400);
    QVERIFY2(r.body.startsWith("Request decode failed: "), r.body.constData());
    QJsonObject shortVec = coord(0.5);
    shortVec.insert(u"Vec"_s, QJsonArray{0.1, 0.2, 0.3});
    r = httpRequest("PUT", url, body(u"coord-client"_s, shortVec));
    QCOMPARE(r.status, 500);
    QCOMPARE(r.body, QByteArray("incompatible coordinate"));
    r = httpRequest("PUT", url, R"({"Node":"coord-client"})");
    QCOMPARE(r.status, 500);
    QCOMPARE(r.body, QByteArray("invalid coordinate"));
    QJsonObject textVec = coord(0.5);
    textVec.insert(u"Vec"_s, QJsonArray{u"a"_s, 0, 0, 0, 0, 0, 0, 0});
    r = httpRequest("PUT", url, body(u"coord-client"_s, textVec));
    QCOMPARE(r.status, 400);
    QVERIFY2(r.body.startsWith("Request decode failed: "), r.body.constData());
    QCOMPARE(httpRequest("GET", url).status, 405);
}

// Through Raft: a coordinate of an external node (no agent to send a newer one) is there after
// the server restarts from its log.
void TestCoordinateUpdate::survivesServerRestart()
{
    QCOMPARE(httpRequest("PUT", m_server.url(u"/v1/catalog/register"_s), R"({"Node":"external-db","Address":"10.1.2.3"})").status, 200);
    QCOMPARE(httpRequest("PUT", m_server.url(u"/v1/coordinate/update"_s), body(u"external-db"_s, coord(0.25))).status, 200);
    const QJsonObject expected{{u"Node"_s, u"external-db"_s}, {u"Segment"_s, QString()}, {u"Coord"_s, coord(0.25)}};
    QTRY_COMPARE_WITH_TIMEOUT(coordinateOf(m_server, u"external-db"_s), expected, 10000); // in the Raft log
    m_server.process->stop();
    QVERIFY(m_server.start(m_config, true));
    QTRY_COMPARE_WITH_TIMEOUT(coordinateOf(m_server, u"external-db"_s), expected, 20000);
}

void TestCoordinateUpdate::clientMapsNoSnapshotOrCryptoLibrary()
{
#ifndef Q_OS_LINUX
    QSKIP("reads /proc");
#endif
    const qint64 pid = m_client.process->process().processId();
    QFile maps(u"/proc/%1/maps"_s.arg(pid));
    QVERIFY(maps.open(QIODevice::ReadOnly));
    const QByteArray mapped = maps.readAll();
    QVERIFY(mapped.contains("libQt6Core"));
    QVERIFY2(!mapped.contains("libarchive"), "libarchive is mapped");
    QVERIFY2(!mapped.contains("/libcrypto.so"), "libcrypto is mapped");
    QCOMPARE(QDir(u"/proc/%1/task"_s.arg(pid)).entryList(QDir::Dirs | QDir::NoDotAndDotDot).size(), 1);
}

QTEST_GUILESS_MAIN(TestCoordinateUpdate)
#include "tst_coordinate_update.moc"

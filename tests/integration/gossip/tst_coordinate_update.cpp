// PUT /v1/coordinate/update on real agents (label `integration`): a server on 127.0.0.7 and a
// client agent on 127.0.0.8 joined to it. An update sent to the client is forwarded to the
// server, stored through Raft, and read back on both; one for a node outside the catalog is
// dropped; bad bodies get Consul's answers; a stored coordinate survives a server restart.
// The same client also shows what keeps an agent's memory small (docs/benchmarks.md, issue 5):
// it maps neither libarchive nor libcrypto (opened on first use) and runs a single thread.
#include "AgentProcess.h"
#include "TestSupport.h"

#include <QDir>
#include <QFile>
#include <QJsonArray>
#include <QJsonDocument>
#include <QJsonObject>
#include <QTemporaryDir>
#include <QTest>

#include <memory>

using namespace Qt::StringLiterals;
using namespace qonsul::test;

namespace {

struct Agent
{
    QString name;
    QString ip;
    QString dataDir;
    quint16 serfPort = 0;
    std::unique_ptr<AgentProcess> process;

    QString url(const QString &path) const { return process->baseUrl() + path; }
};

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
QJsonObject coordinateOf(const Agent &a, const QString &node)
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
    void nodeOutsideCatalogIsDropped();
    void badBodies();
    void survivesServerRestart();
    void clientMapsNoSnapshotOrCryptoLibrary();

private:
    bool startAgent(Agent &a, bool server);

    QTemporaryDir m_dir;
    QString m_config;
    Agent m_server{u"coord-server"_s, u"127.0.0.7"_s};
    Agent m_client{u"coord-client"_s, u"127.0.0.8"_s};
};

bool TestCoordinateUpdate::startAgent(Agent &a, bool server)
{
    const QHostAddress address(a.ip);
    if (a.dataDir.isEmpty()) {
        a.dataDir = m_dir.filePath(a.name);
        a.serfPort = freeTcpUdpPort(address);
    }
    QStringList args{u"-data-dir"_s, a.dataDir, u"-node"_s, a.name, u"-bind"_s, a.ip,
                     u"-serf-lan-port"_s, QString::number(a.serfPort),
                     u"-serf-wan-port"_s, QString::number(freeTcpUdpPort(address)),
                     u"-server-port"_s, QString::number(freeTcpPort(address)), u"-config-file"_s, m_config};
    if (server)
        args << u"-server"_s << u"-bootstrap"_s;
    else
        args << u"-retry-join"_s << u"%1:%2"_s.arg(m_server.ip).arg(m_server.serfPort) << u"-retry-interval"_s << u"1s"_s;
    a.process = std::make_unique<AgentProcess>(args, false);
    return a.process->start(20000, server);
}

void TestCoordinateUpdate::initTestCase()
{
    QVERIFY(m_dir.isValid());
    m_config = m_dir.filePath(u"fast.json"_s);
    QFile f(m_config);
    QVERIFY(f.open(QIODevice::WriteOnly));
    f.write(R"({"performance": {"raft_multiplier": 1}})");
    f.close();
    QVERIFY(startAgent(m_server, true));
    QVERIFY(startAgent(m_client, false));
    // The client is in the catalog once it found the server and registered itself.
    QTRY_COMPARE_WITH_TIMEOUT(httpRequest("GET", m_client.url(u"/v1/catalog/node/coord-client"_s)).status, 200, 30000);
}

void TestCoordinateUpdate::cleanupTestCase()
{
    if (m_client.process)
        m_client.process->stop();
    if (m_server.process)
        m_server.process->stop();
}

void TestCoordinateUpdate::updateThroughClientIsStoredOnServer()
{
    const HttpResult put = httpRequest("PUT", m_client.url(u"/v1/coordinate/update"_s), body(u"coord-client"_s, coord(0.75)));
    QCOMPARE(put.status, 200);
    QCOMPARE(put.body, QByteArray());
    const QJsonObject expected{{u"Node"_s, u"coord-client"_s}, {u"Segment"_s, QString()}, {u"Coord"_s, coord(0.75)}};
    QCOMPARE(coordinateOf(m_server, u"coord-client"_s), expected);
    QCOMPARE(coordinateOf(m_client, u"coord-client"_s), expected);
    const QJsonArray nodes = QJsonDocument::fromJson(httpRequest("GET", m_client.url(u"/v1/coordinate/nodes"_s)).body).array();
    QVERIFY(nodes.contains(expected));
}

void TestCoordinateUpdate::nodeOutsideCatalogIsDropped()
{
    QCOMPARE(httpRequest("PUT", m_client.url(u"/v1/coordinate/update"_s), body(u"nobody"_s, coord(0.5))).status, 200);
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
    m_server.process->stop();
    QVERIFY(startAgent(m_server, true));
    const QJsonObject expected{{u"Node"_s, u"external-db"_s}, {u"Segment"_s, QString()}, {u"Coord"_s, coord(0.25)}};
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

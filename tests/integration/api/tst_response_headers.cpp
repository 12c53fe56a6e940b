// http_config.response_headers on a real agent (label `integration`): as Consul's HTTP handlers
// set them, every answer of the API carries them under Go's canonical names (errors, 404s of
// unknown paths, 405s, the index page and streamed answers included), an endpoint's own header
// of that name wins, the connection's own error replies (a malformed request) carry none, and a
// reload does not change them (Consul reads them once, at start).
#include "DevAgentTest.h"
#include "TestSupport.h"

#include <QDeadlineTimer>
#include <QTcpSocket>
#include <QtTest>

using qonsul::test::DevAgentTest;
using qonsul::test::HttpResult;
using qonsul::test::writeFile;

class TestResponseHeaders : public DevAgentTest
{
    Q_OBJECT

public:
    TestResponseHeaders()
        : DevAgentTest(R"({"http_config": {"response_headers": {
            "access-control-allow-origin": "*", "X-Frame-Options": "DENY", "x-consul-index": "from-config"}}})")
    {
    }

private:
    // The head of the answer to `bytes` sent on a fresh connection, exactly as it came.
    QByteArray rawHead(const QByteArray &bytes)
    {
        QTcpSocket socket;
        socket.connectToHost(QHostAddress::LocalHost, m_agent.httpPort());
        if (!socket.waitForConnected(5000))
            return {};
        socket.write(bytes);
        QByteArray received;
        QDeadlineTimer deadline(5000);
        while (!received.contains("\r\n\r\n") && !deadline.hasExpired()) {
            QTest::qWait(20); // the event loop runs: the socket reads
            received += socket.readAll();
        }
        return received.left(received.indexOf("\r\n\r\n") + 2);
    }

private Q_SLOTS:
    void everyApiAnswerCarriesThem_data()
    {
        QTest::addColumn<QByteArray>("method");
        QTest::addColumn<QString>("path");
        QTest::addColumn<QByteArray>("body");
        QTest::addColumn<int>("status");
        QTest::newRow("ok") << QByteArray("GET") << QStringLiteral("/v1/agent/self") << QByteArray() << 200;
        QTest::newRow("endpoint 404") << QByteArray("GET") << QStringLiteral("/v1/kv/missing") << QByteArray() << 404;
        QTest::newRow("unknown path") << QByteArray("GET") << QStringLiteral("/v1/no/such/endpoint") << QByteArray() << 404;
        QTest::newRow("not the API") << QByteArray("GET") << QStringLiteral("/elsewhere") << QByteArray() << 404;
        QTest::newRow("index: to the UI") << QByteArray("GET") << QStringLiteral("/") << QByteArray() << 301; // -dev has the UI on
        QTest::newRow("405") << QByteArray("DELETE") << QStringLiteral("/v1/agent/self") << QByteArray() << 405;
        QTest::newRow("400") << QByteArray("PUT") << QStringLiteral("/v1/catalog/register") << QByteArray("{") << 400;
        QTest::newRow("500") << QByteArray("PUT") << QStringLiteral("/v1/event/fire/big") << QByteArray(2000, 'x') << 500;
    }

    void everyApiAnswerCarriesThem()
    {
        QFETCH(QByteArray, method);
        QFETCH(QString, path);
        QFETCH(QByteArray, body);
        QFETCH(int, status);
        const HttpResult r = request(method, path, body);
        QCOMPARE(r.status, status);
        QCOMPARE(r.header("Access-Control-Allow-Origin"), QByteArray("*"));
        QCOMPARE(r.header("X-Frame-Options"), QByteArray("DENY"));
    }

    void canonicalNamesOnTheWire()
    {
        const QByteArray head = rawHead("GET /v1/no/such/endpoint HTTP/1.1\r\nHost: x\r\n\r\n");
        QVERIFY2(head.startsWith("HTTP/1.1 404 "), head.constData());
        QVERIFY2(head.contains("\r\nAccess-Control-Allow-Origin: *\r\n"), head.constData());
        QVERIFY2(head.contains("\r\nX-Frame-Options: DENY\r\n"), head.constData());
        QVERIFY2(head.contains("\r\nX-Consul-Index: from-config\r\n"), head.constData()); // no index of its own
    }

    void endpointHeaderWins()
    {
        QCOMPARE(put(QStringLiteral("/v1/kv/headers/a"), "1").status, 200);
        const QByteArray head = rawHead("GET /v1/kv/headers/a HTTP/1.1\r\nHost: x\r\n\r\n");
        QVERIFY2(head.startsWith("HTTP/1.1 200 "), head.constData());
        QCOMPARE(head.count("X-Consul-Index: "), 1);
        QVERIFY2(!head.contains("from-config"), head.constData());
        QVERIFY2(head.contains("\r\nAccess-Control-Allow-Origin: *\r\n"), head.constData());
    }

    void streamedAnswerCarriesThem()
    {
        const QByteArray head = rawHead("GET /v1/agent/monitor HTTP/1.1\r\nHost: x\r\n\r\n");
        QVERIFY2(head.startsWith("HTTP/1.1 200 "), head.constData());
        QVERIFY2(head.contains("\r\nTransfer-Encoding: chunked\r\n"), head.constData());
        QVERIFY2(head.contains("\r\nAccess-Control-Allow-Origin: *\r\n"), head.constData());
    }

    void malformedRequestGetsNone()
    {
        const QByteArray head = rawHead("GET /v1/agent/self HTTP/1.1\r\nHost: x\r\nbad header line\r\n\r\n");
        QVERIFY2(head.startsWith("HTTP/1.1 400 "), head.constData());
        QVERIFY2(!head.contains("Access-Control-Allow-Origin"), head.constData());
    }

    void notReloaded()
    {
        QVERIFY(writeFile(configFilePath(), R"({"http_config": {"response_headers": {"X-Frame-Options": "SAMEORIGIN"}}})"));
        QCOMPARE(m_agent.runCli({QStringLiteral("reload")}), 0);
        const HttpResult r = get(QStringLiteral("/v1/agent/self"));
        QCOMPARE(r.status, 200);
        QCOMPARE(r.header("X-Frame-Options"), QByteArray("DENY"));
        QCOMPARE(r.header("Access-Control-Allow-Origin"), QByteArray("*"));
    }
};

QTEST_GUILESS_MAIN(TestResponseHeaders)
#include "tst_response_headers.moc"

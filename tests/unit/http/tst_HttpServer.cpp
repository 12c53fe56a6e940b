// HttpServer with real QTcpSocket clients on 127.0.0.1: keep-alive, pipelining, deferred and
// streamed replies, limits and timeouts. Client and server share this thread's event loop, so the
// client never blocks: it waits with QTest::qWaitFor, which keeps the loop running.
#include "http/HttpServer.h"

#include "core/Burst.h"

#include <QElapsedTimer>
#include <QTcpSocket>
#include <QtTest>
#include <memory>
#include <optional>
#include <sys/socket.h>

using namespace qonsul::http;

namespace {

struct Response
{
    int status = 0;
    HeaderList headers; // names lower-cased
    QByteArray body;
    QList<QByteArray> chunks;
    bool chunked = false;

    QByteArray header(QByteArrayView name) const
    {
        for (const auto &h : headers) {
            if (h.first == name)
                return h.second;
        }
        return {};
    }
    bool hasHeader(QByteArrayView name) const
    {
        for (const auto &h : headers) {
            if (h.first == name)
                return true;
        }
        return false;
    }
};

class Client
{
public:
    explicit Client(quint16 port) { m_socket.connectToHost(QHostAddress::LocalHost, port); }

    bool waitConnected()
    {
        return QTest::qWaitFor([this] { return m_socket.state() == QAbstractSocket::ConnectedState; }, 3000);
    }
    void send(const QByteArray &bytes)
    {
        m_socket.write(bytes);
        m_socket.flush();
    }
    // Waits for one complete response at the front of the input and removes it from there.
    std::optional<Response> read(int timeoutMs = 3000, bool headRequest = false)
    {
        std::optional<Response> result;
        (void)QTest::qWaitFor(
            [&] {
                pull();
                result = tryParse(headRequest);
                return result.has_value();
            },
            timeoutMs);
        return result;
    }
    bool waitClosed(int timeoutMs = 3000)
    {
        return QTest::qWaitFor(
            [this] { return m_socket.state() == QAbstractSocket::UnconnectedState; }, timeoutMs);
    }
    bool isConnected() const { return m_socket.state() == QAbstractSocket::ConnectedState; }
    QByteArray &received()
    {
        pull();
        return m_buffer;
    }
    QTcpSocket &socket() { return m_socket; }
    // Shut down the sending side only, as `nc -N` does after its input.
    void finishSending() { ::shutdown(int(m_socket.socketDescriptor()), SHUT_WR); }
    // Close with RST (SO_LINGER 0): a client that is gone for sure.
    void reset()
    {
        const linger l { 1, 0 };
        ::setsockopt(int(m_socket.socketDescriptor()), SOL_SOCKET, SO_LINGER, &l, sizeof l);
        m_socket.abort();
    }

private:
    void pull() { m_buffer += m_socket.readAll(); }

    std::optional<Response> tryParse(bool headRequest)
    {
        const qsizetype end = m_buffer.indexOf("\r\n\r\n");
        if (end < 0)
            return std::nullopt;
        Response r;
        const QList<QByteArray> lines = m_buffer.left(end).split('\n');
        const QList<QByteArray> statusLine = lines.first().trimmed().split(' ');
        if (statusLine.size() < 2 || statusLine[0] != "HTTP/1.1")
            return Response { -1, {}, m_buffer, {}, false };
        r.status = statusLine[1].toInt();
        for (qsizetype i = 1; i < lines.size(); ++i) {
            const QByteArray line = lines[i].trimmed();
            const qsizetype colon = line.indexOf(':');
            r.headers.append({ line.left(colon).toLower(), line.mid(colon + 1).trimmed() });
        }
        qsizetype pos = end + 4;
        const bool noBody = headRequest || r.status < 200 || r.status == 204 || r.status == 304;
        if (noBody) {
        } else if (r.header("transfer-encoding") == "chunked") {
            r.chunked = true;
            while (true) {
                const qsizetype nl = m_buffer.indexOf("\r\n", pos);
                if (nl < 0)
                    return std::nullopt;
                bool ok = false;
                const qsizetype size = m_buffer.mid(pos, nl - pos).toLongLong(&ok, 16);
                if (!ok)
                    return Response { -2, {}, m_buffer, {}, false };
                if (m_buffer.size() < nl + 2 + size + 2)
                    return std::nullopt;
                pos = nl + 2 + size + 2;
                if (size == 0)
                    break;
                r.chunks.append(m_buffer.mid(nl + 2, size));
                r.body += r.chunks.last();
            }
        } else if (r.hasHeader("content-length")) {
            const qsizetype length = r.header("content-length").toLongLong();
            if (m_buffer.size() < pos + length)
                return std::nullopt;
            r.body = m_buffer.mid(pos, length);
            pos += length;
        } else {
            if (m_socket.state() != QAbstractSocket::UnconnectedState)
                return std::nullopt; // delimited by the close
            r.body = m_buffer.mid(pos);
            pos = m_buffer.size();
        }
        m_buffer.remove(0, pos);
        return r;
    }

    QTcpSocket m_socket;
    QByteArray m_buffer;
};

QByteArray get(const QByteArray &path, const QByteArray &extra = {})
{
    return "GET " + path + " HTTP/1.1\r\nHost: test\r\n" + extra + "\r\n";
}

HttpResponse echo(const HttpRequest &request)
{
    HttpResponse r = HttpResponse::text(200, request.path);
    if (!request.body.isEmpty())
        r.body = request.method + ' ' + request.body;
    return r;
}

} // namespace

class TestHttpServer : public QObject
{
    Q_OBJECT
private Q_SLOTS:
    void keepAlive();
    void pipeliningInOrder();
    void connectionClose();
    void http10();
    void headRequest();
    void statusWithoutBody();
    void handlerHeadersSanitized();
    void extraResponseHeaders();
    void canonicalHeaderKeys();
    void deferredReplyClientDisconnects();
    void deferredReplyOutlivesIdleTimeout();
    void onClosedSetAfterDisconnect();
    void halfCloseStillGetsDeferredReplies();
    void halfCloseCancelsReplyWatchingTheClient();
    void hugeContentLengthRefused();
    void bodyLimitPerRoute();
    void refusedBodyStillBeingSent();
    void headerFieldsTooLarge();
    void malformedRequest();
    void idleTimeout();
    void slowlorisHeaderTimeout();
    void expectContinue();
    void streaming();
    void streamingHttp10();
    void chunkedRequestBody();
    void abandonedResponder();
    void serverCloseWithPendingReply();
    void responderOutlivesServer();
    void closeFromHandler();
    void pipelineBackpressure();
    void manyConnections();
    void burstRepliesFromTwoThreads();

private:
    std::unique_ptr<HttpServer> start(HttpLimits limits, HttpHandler handler)
    {
        auto server = std::make_unique<HttpServer>(std::move(limits), std::move(handler));
        if (!server->listen(QHostAddress::LocalHost, 0))
            qFatal("listen failed: %s", qPrintable(server->errorString()));
        return server;
    }
    std::unique_ptr<HttpServer> startEcho(HttpLimits limits = HttpLimits())
    {
        return start(std::move(limits),
            [](const HttpRequest &request, std::shared_ptr<HttpResponder> r) { r->send(echo(request)); });
    }
};

void TestHttpServer::keepAlive()
{
    auto server = startEcho();
    Client client(server->serverPort());
    QVERIFY(client.waitConnected());
    for (int i = 0; i < 3; ++i) {
        const QByteArray path = "/v1/kv/key" + QByteArray::number(i);
        client.send(get(path));
        const auto r = client.read();
        QVERIFY(r);
        QCOMPARE(r->status, 200);
        QCOMPARE(r->body, path);
        QCOMPARE(r->header("content-length"), QByteArray::number(path.size()));
        QCOMPARE(r->header("content-type"), QByteArray("text/plain; charset=utf-8"));
        QVERIFY(r->header("date").endsWith(" GMT"));
        QVERIFY(!r->hasHeader("connection"));
    }
    QVERIFY(client.isConnected());
    QCOMPARE(server->connectionCount(), 1);
}

void TestHttpServer::pipeliningInOrder()
{
    int active = 0;
    int maxActive = 0;
    QList<QString> calls;
    auto server = start(HttpLimits(), [&](const HttpRequest &request, std::shared_ptr<HttpResponder> r) {
        calls << request.path;
        maxActive = qMax(maxActive, ++active);
        const HttpResponse response = echo(request);
        const int delay = request.path.startsWith(u"/slow") ? 40
            : request.path.startsWith(u"/later")            ? 5
                                                            : -1;
        if (delay < 0) {
            --active;
            r->send(response);
            return;
        }
        QTimer::singleShot(delay, [&active, r, response] {
            --active;
            r->send(response);
        });
    });
    Client client(server->serverPort());
    QVERIFY(client.waitConnected());
    const QList<QByteArray> paths { "/slow1", "/fast1", "/later1", "/slow2", "/fast2", "/fast3" };
    QByteArray all;
    for (const QByteArray &p : paths)
        all += get(p);
    client.send(all);
    for (const QByteArray &p : paths) {
        const auto r = client.read();
        QVERIFY(r);
        QCOMPARE(r->body, p);
    }
    QCOMPARE(maxActive, 1); // one request at a time per connection
    QCOMPARE(calls.size(), paths.size());
}

void TestHttpServer::connectionClose()
{
    int calls = 0;
    auto server = start(HttpLimits(), [&](const HttpRequest &request, std::shared_ptr<HttpResponder> r) {
        ++calls;
        r->send(echo(request));
    });
    Client client(server->serverPort());
    QVERIFY(client.waitConnected());
    client.send(get("/a", "Connection: close\r\n") + get("/b"));
    const auto r = client.read();
    QVERIFY(r);
    QCOMPARE(r->body, QByteArray("/a"));
    QCOMPARE(r->header("connection"), QByteArray("close"));
    QVERIFY(client.waitClosed());
    QCOMPARE(calls, 1); // the request after "Connection: close" is not answered
    QVERIFY(client.received().isEmpty());
    QTRY_COMPARE(server->connectionCount(), 0);

    // A handler can ask for the close too.
    auto server2 = start(HttpLimits(), [](const HttpRequest &, std::shared_ptr<HttpResponder> r) {
        HttpResponse response = HttpResponse::text(200, QStringLiteral("bye"));
        response.headers.append(qMakePair(QByteArray("Connection"), QByteArray("close")));
        r->send(response);
    });
    Client client2(server2->serverPort());
    QVERIFY(client2.waitConnected());
    client2.send(get("/"));
    const auto r2 = client2.read();
    QVERIFY(r2);
    QCOMPARE(r2->header("connection"), QByteArray("close"));
    QVERIFY(client2.waitClosed());
}

void TestHttpServer::http10()
{
    auto server = startEcho();
    Client plain(server->serverPort());
    QVERIFY(plain.waitConnected());
    plain.send("GET /ten HTTP/1.0\r\n\r\n");
    auto r = plain.read();
    QVERIFY(r);
    QCOMPARE(r->status, 200);
    QCOMPARE(r->body, QByteArray("/ten"));
    QCOMPARE(r->header("connection"), QByteArray("close"));
    QVERIFY(plain.waitClosed());

    Client keepAlive(server->serverPort());
    QVERIFY(keepAlive.waitConnected());
    for (int i = 0; i < 2; ++i) {
        keepAlive.send("GET /ka HTTP/1.0\r\nConnection: keep-alive\r\n\r\n");
        r = keepAlive.read();
        QVERIFY(r);
        QCOMPARE(r->body, QByteArray("/ka"));
        QCOMPARE(r->header("connection"), QByteArray("keep-alive"));
    }
    QVERIFY(keepAlive.isConnected());
}

void TestHttpServer::headRequest()
{
    auto server = start(HttpLimits(), [](const HttpRequest &, std::shared_ptr<HttpResponder> r) {
        r->send(HttpResponse::json("{\"a\":1}"));
    });
    Client client(server->serverPort());
    QVERIFY(client.waitConnected());
    client.send("HEAD / HTTP/1.1\r\nHost: h\r\n\r\n");
    auto r = client.read(3000, true);
    QVERIFY(r);
    QCOMPARE(r->status, 200);
    QCOMPARE(r->header("content-length"), QByteArray("7"));
    QVERIFY(client.received().isEmpty()); // no body bytes followed the head
    client.send(get("/"));
    r = client.read();
    QVERIFY(r);
    QCOMPARE(r->body, QByteArray("{\"a\":1}"));
}

void TestHttpServer::statusWithoutBody()
{
    auto server = start(HttpLimits(), [](const HttpRequest &request, std::shared_ptr<HttpResponder> r) {
        HttpResponse response;
        response.status = request.path == u"/204" ? 204 : 304;
        response.body = "ignored";
        r->send(response);
    });
    Client client(server->serverPort());
    QVERIFY(client.waitConnected());
    client.send(get("/204") + get("/304"));
    for (const int status : { 204, 304 }) {
        const auto r = client.read();
        QVERIFY(r);
        QCOMPARE(r->status, status);
        QVERIFY(!r->hasHeader("content-length"));
    }
    QVERIFY(client.received().isEmpty());
}

void TestHttpServer::handlerHeadersSanitized()
{
    auto server = start(HttpLimits(), [](const HttpRequest &, std::shared_ptr<HttpResponder> r) {
        HttpResponse response = HttpResponse::text(200, QStringLiteral("ok"));
        response.headers.append(qMakePair(QByteArray("Content-Length"), QByteArray("999"))); // ours wins
        response.headers.append(qMakePair(QByteArray("Date"), QByteArray("yesterday")));
        response.headers.append(qMakePair(QByteArray("X-Split"), QByteArray("a\r\nInjected: yes")));
        response.headers.append(qMakePair(QByteArray("Bad\r\nName"), QByteArray("x")));
        r->send(response);
    });
    Client client(server->serverPort());
    QVERIFY(client.waitConnected());
    client.send(get("/"));
    const auto r = client.read();
    QVERIFY(r);
    QCOMPARE(r->body, QByteArray("ok"));
    QCOMPARE(r->header("content-length"), QByteArray("2"));
    QVERIFY(r->header("date") != "yesterday");
    QCOMPARE(r->header("x-split"), QByteArray("a  Injected: yes"));
    QVERIFY(!r->hasHeader("injected"));
    QCOMPARE(r->headers.size(), 4); // content-type, x-split, date, content-length
}

void TestHttpServer::extraResponseHeaders()
{
    HttpLimits limits;
    limits.responseHeaders = { { "X-Extra", "1" }, { "Content-Type", "from-limits" } };
    auto server = start(limits, [](const HttpRequest &request, std::shared_ptr<HttpResponder> r) {
        if (request.path == u"/stream") {
            r->beginStream(200, {});
            r->writeChunk("x");
            r->endStream();
            return;
        }
        r->send(HttpResponse::text(404, QStringLiteral("nope")));
    });
    Client client(server->serverPort());
    QVERIFY(client.waitConnected());
    client.send(get("/"));
    auto r = client.read();
    QVERIFY(r);
    QCOMPARE(r->status, 404);
    QCOMPARE(r->header("x-extra"), QByteArray("1"));
    // The handler's own field of that name wins, and there is one of it.
    QCOMPARE(r->header("content-type"), QByteArray("text/plain; charset=utf-8"));
    QCOMPARE(std::count_if(r->headers.cbegin(), r->headers.cend(), [](const auto &h) { return h.first == "content-type"; }), 1);
    client.send(get("/stream"));
    r = client.read();
    QVERIFY(r);
    QVERIFY(r->chunked);
    QCOMPARE(r->header("x-extra"), QByteArray("1"));
    QCOMPARE(r->header("content-type"), QByteArray("from-limits"));

    // The connection's own error: no handler ran, none of them.
    Client bad(server->serverPort());
    QVERIFY(bad.waitConnected());
    bad.send("GARBAGE\r\n\r\n");
    r = bad.read();
    QVERIFY(r);
    QCOMPARE(r->status, 400);
    QVERIFY(!r->hasHeader("x-extra"));
    QCOMPARE(r->header("content-type"), QByteArray("text/plain; charset=utf-8"));
}

void TestHttpServer::canonicalHeaderKeys()
{
    QCOMPARE(canonicalHeaderKey("access-control-allow-origin"), QByteArray("Access-Control-Allow-Origin"));
    QCOMPARE(canonicalHeaderKey("X-FRAME-options"), QByteArray("X-Frame-Options"));
    QCOMPARE(canonicalHeaderKey("x-consul-index"), QByteArray("X-Consul-Index"));
    QCOMPARE(canonicalHeaderKey("a1-b_2"), QByteArray("A1-B_2"));
    QCOMPARE(canonicalHeaderKey("-x--y"), QByteArray("-X--Y"));
    QCOMPARE(canonicalHeaderKey("bad name"), QByteArray("bad name")); // not a token: as it is
    QCOMPARE(canonicalHeaderKey(""), QByteArray());
}

void TestHttpServer::deferredReplyClientDisconnects()
{
    std::shared_ptr<HttpResponder> pending;
    int closedCalls = 0;
    auto server = start(HttpLimits(), [&](const HttpRequest &, std::shared_ptr<HttpResponder> r) {
        r->setOnClosed([&closedCalls, r] { ++closedCalls; }); // capturing r must not leak
        pending = std::move(r);
    });
    {
        Client client(server->serverPort());
        QVERIFY(client.waitConnected());
        client.send(get("/v1/kv/x?index=5&wait=10m"));
        QTRY_VERIFY(pending);
        QVERIFY(pending->isOpen());
        client.socket().abort();
    }
    QTRY_COMPARE(closedCalls, 1);
    QVERIFY(!pending->isOpen());
    QCOMPARE(server->connectionCount(), 0);
    // A late reply goes nowhere and breaks nothing.
    pending->send(HttpResponse::text(200, QStringLiteral("late")));
    pending->send(HttpResponse::text(200, QStringLiteral("later")));
    QTest::qWait(20);
    QCOMPARE(closedCalls, 1);
    QCOMPARE(pending.use_count(), 1); // the onClosed callback (holding r) was released
}

void TestHttpServer::deferredReplyOutlivesIdleTimeout()
{
    HttpLimits limits;
    limits.idleTimeoutMs = 80;
    limits.headerTimeoutMs = 80;
    auto server = start(limits, [](const HttpRequest &request, std::shared_ptr<HttpResponder> r) {
        const HttpResponse response = echo(request);
        QTimer::singleShot(400, [r, response] { r->send(response); });
    });
    Client client(server->serverPort());
    QVERIFY(client.waitConnected());
    client.send(get("/blocking"));
    const auto r = client.read();
    QVERIFY(r);
    QCOMPARE(r->body, QByteArray("/blocking"));
    // Afterwards the connection is idle, and the idle timeout applies again.
    QVERIFY(client.waitClosed(2000));
}

void TestHttpServer::onClosedSetAfterDisconnect()
{
    std::shared_ptr<HttpResponder> pending;
    auto server = start(
        HttpLimits(), [&](const HttpRequest &, std::shared_ptr<HttpResponder> r) { pending = std::move(r); });
    {
        Client client(server->serverPort());
        QVERIFY(client.waitConnected());
        client.send(get("/"));
        QTRY_VERIFY(pending);
        client.reset();
        QTRY_COMPARE(server->connectionCount(), 0);
    }
    bool called = false;
    pending->setOnClosed([&called] { called = true; });
    QVERIFY(!called); // never from inside a responder call
    QTRY_VERIFY(called);
}

void TestHttpServer::halfCloseStillGetsDeferredReplies()
{
    auto server = start(HttpLimits(), [](const HttpRequest &request, std::shared_ptr<HttpResponder> r) {
        const HttpResponse response = echo(request);
        QTimer::singleShot(30, [r, response] { r->send(response); }); // as a request forwarded to a server
    });
    Client client(server->serverPort());
    QVERIFY(client.waitConnected());
    client.send(get("/first") + get("/second") + "GET /incompl");
    client.finishSending();
    const auto first = client.read();
    QVERIFY(first);
    QCOMPARE(first->body, QByteArray("/first"));
    const auto second = client.read();
    QVERIFY(second);
    QCOMPARE(second->body, QByteArray("/second"));
    QVERIFY(client.waitClosed()); // the incomplete third request can never finish
    QTRY_COMPARE(server->connectionCount(), 0);
}

void TestHttpServer::halfCloseCancelsReplyWatchingTheClient()
{
    std::shared_ptr<HttpResponder> pending;
    int closedCalls = 0;
    auto server = start(HttpLimits(), [&](const HttpRequest &, std::shared_ptr<HttpResponder> r) {
        r->setOnClosed([&closedCalls] { ++closedCalls; }); // a blocking query
        pending = std::move(r);
    });
    Client client(server->serverPort());
    QVERIFY(client.waitConnected());
    client.send(get("/v1/kv/x?index=5&wait=10m"));
    QTRY_VERIFY(pending);
    client.finishSending();
    QTRY_COMPARE(closedCalls, 1);
    QVERIFY(!pending->isOpen());
    QTRY_COMPARE(server->connectionCount(), 0);
}

void TestHttpServer::hugeContentLengthRefused()
{
    int calls = 0;
    auto server = start(HttpLimits(), [&](const HttpRequest &, std::shared_ptr<HttpResponder> r) {
        ++calls;
        r->send(HttpResponse::text(200, QStringLiteral("ok")));
    });
    Client client(server->serverPort());
    QVERIFY(client.waitConnected());
    // 512 MiB announced, nothing sent: refused from the head, the body is never read.
    client.send("PUT /v1/kv/big HTTP/1.1\r\nHost: h\r\nContent-Length: 536870912\r\n\r\n");
    const auto r = client.read();
    QVERIFY(r);
    QCOMPARE(r->status, 413);
    QCOMPARE(r->header("connection"), QByteArray("close"));
    QVERIFY(r->body.contains("too large"));
    QVERIFY(client.waitClosed());
    QCOMPARE(calls, 0);
}

void TestHttpServer::bodyLimitPerRoute()
{
    HttpLimits limits;
    limits.bodyLimit = [](const HttpRequest &head) -> qsizetype {
        return head.method == "PUT" && head.path.startsWith(u"/v1/kv/") ? 512 * 1024 : -1;
    };
    auto server = start(limits, [](const HttpRequest &request, std::shared_ptr<HttpResponder> r) {
        r->send(HttpResponse::text(200, QString::number(request.body.size())));
    });
    const QByteArray body(600 * 1024, 'b');
    {
        Client client(server->serverPort());
        QVERIFY(client.waitConnected());
        client.send("PUT /v1/kv/k HTTP/1.1\r\nHost: h\r\nExpect: 100-continue\r\nContent-Length: "
            + QByteArray::number(body.size()) + "\r\n\r\n");
        const auto r = client.read();
        QVERIFY(r);
        QCOMPARE(r->status, 413); // not 100 Continue
        QVERIFY(client.waitClosed());
    }
    {
        Client client(server->serverPort());
        QVERIFY(client.waitConnected());
        client.send("POST /v1/txn HTTP/1.1\r\nHost: h\r\nContent-Length: " + QByteArray::number(body.size())
            + "\r\n\r\n" + body);
        const auto r = client.read();
        QVERIFY(r);
        QCOMPARE(r->status, 200);
        QCOMPARE(r->body, QByteArray::number(body.size()));
    }
}

void TestHttpServer::refusedBodyStillBeingSent()
{
    // A client that sends its body anyway (no Expect) still gets to read the 413: the server shuts
    // down its side and drains, rather than closing on unread data (which would mean a RST).
    HttpLimits limits;
    limits.maxBodyBytes = 1024;
    auto server = startEcho(limits);
    Client client(server->serverPort());
    QVERIFY(client.waitConnected());
    const QByteArray body(2 * 1024 * 1024, 'x');
    client.send("PUT /x HTTP/1.1\r\nHost: h\r\nContent-Length: " + QByteArray::number(body.size())
        + "\r\n\r\n" + body);
    const auto r = client.read();
    QVERIFY(r);
    QCOMPARE(r->status, 413);
    QVERIFY(client.waitClosed());
    QTRY_COMPARE(server->connectionCount(), 0);
}

void TestHttpServer::headerFieldsTooLarge()
{
    HttpLimits limits;
    limits.maxHeaderBytes = 1024;
    limits.maxHeaderCount = 5;
    auto server = startEcho(limits);
    {
        Client client(server->serverPort());
        QVERIFY(client.waitConnected());
        client.send(get("/", "X-Big: " + QByteArray(2000, 'a') + "\r\n"));
        const auto r = client.read();
        QVERIFY(r);
        QCOMPARE(r->status, 431);
        QVERIFY(client.waitClosed());
    }
    {
        Client client(server->serverPort());
        QVERIFY(client.waitConnected());
        QByteArray headers;
        for (int i = 0; i < 10; ++i)
            headers += "X-" + QByteArray::number(i) + ": v\r\n";
        client.send(get("/", headers));
        const auto r = client.read();
        QVERIFY(r);
        QCOMPARE(r->status, 431);
        QVERIFY(client.waitClosed());
    }
    {
        Client client(server->serverPort());
        QVERIFY(client.waitConnected());
        client.send("GET /" + QByteArray(2000, 'a') + " HTTP/1.1\r\nHost: h\r\n\r\n");
        const auto r = client.read();
        QVERIFY(r);
        QCOMPARE(r->status, 414);
    }
}

void TestHttpServer::malformedRequest()
{
    int calls = 0;
    auto server = start(HttpLimits(), [&](const HttpRequest &, std::shared_ptr<HttpResponder> r) {
        ++calls;
        r->send(HttpResponse());
    });
    Client client(server->serverPort());
    QVERIFY(client.waitConnected());
    client.send("GARBAGE\r\n\r\n");
    const auto r = client.read();
    QVERIFY(r);
    QCOMPARE(r->status, 400);
    QCOMPARE(r->header("content-type"), QByteArray("text/plain; charset=utf-8"));
    QCOMPARE(r->header("connection"), QByteArray("close"));
    QCOMPARE(r->body, QByteArray("malformed request line\n"));
    QVERIFY(client.waitClosed());
    QCOMPARE(calls, 0);

    Client te(server->serverPort());
    QVERIFY(te.waitConnected());
    te.send("POST / HTTP/1.1\r\nHost: h\r\nTransfer-Encoding: gzip\r\n\r\n");
    const auto r2 = te.read();
    QVERIFY(r2);
    QCOMPARE(r2->status, 501);
}

void TestHttpServer::idleTimeout()
{
    HttpLimits limits;
    limits.idleTimeoutMs = 150;
    limits.headerTimeoutMs = 5000;
    auto server = startEcho(limits);
    Client client(server->serverPort());
    QVERIFY(client.waitConnected());
    client.send(get("/"));
    QVERIFY(client.read());
    QElapsedTimer timer;
    timer.start();
    QVERIFY(client.waitClosed(3000));
    QVERIFY2(timer.elapsed() >= 100, qPrintable(QString::number(timer.elapsed())));
    QVERIFY(client.received().isEmpty()); // closed quietly

    Client silent(server->serverPort());
    QVERIFY(silent.waitConnected());
    QVERIFY(silent.waitClosed(3000)); // never sent anything
    QTRY_COMPARE(server->connectionCount(), 0);
}

void TestHttpServer::slowlorisHeaderTimeout()
{
    HttpLimits limits;
    limits.idleTimeoutMs = 10000;
    limits.headerTimeoutMs = 200;
    auto server = startEcho(limits);
    Client idle(server->serverPort());
    QVERIFY(idle.waitConnected());
    Client slow(server->serverPort());
    QVERIFY(slow.waitConnected());
    slow.send("GET / HTTP/1.1\r\n");
    QTimer drip;
    int dripped = 0;
    QObject::connect(&drip, &QTimer::timeout, [&] {
        if (slow.isConnected())
            slow.send("X-" + QByteArray::number(dripped++) + ": 1\r\n");
    });
    drip.start(30);
    QElapsedTimer timer;
    timer.start();
    QVERIFY(slow.waitClosed(3000));
    drip.stop();
    QVERIFY(timer.elapsed() >= 150);
    QVERIFY(dripped >= 3); // it was sending all along: progress does not extend the deadline
    const auto r = slow.read(100);
    QVERIFY(r);
    QCOMPARE(r->status, 408);
    QVERIFY(idle.isConnected()); // no request started: only the idle timeout applies
}

void TestHttpServer::expectContinue()
{
    int calls = 0;
    auto server = start(HttpLimits(), [&](const HttpRequest &request, std::shared_ptr<HttpResponder> r) {
        ++calls;
        r->send(echo(request));
    });
    Client client(server->serverPort());
    QVERIFY(client.waitConnected());
    client.send("PUT /v1/kv/a HTTP/1.1\r\nHost: h\r\nExpect: 100-continue\r\nContent-Length: 5\r\n\r\n");
    auto r = client.read();
    QVERIFY(r);
    QCOMPARE(r->status, 100);
    QCOMPARE(calls, 0);
    client.send("hello");
    r = client.read();
    QVERIFY(r);
    QCOMPARE(r->status, 200);
    QCOMPARE(r->body, QByteArray("PUT hello"));

    // Body sent right away, as some clients do after a short wait: no 100 needed once it is here.
    client.send("PUT /v1/kv/a HTTP/1.1\r\nHost: h\r\nExpect: 100-continue\r\nContent-Length: 2\r\n\r\nhi");
    r = client.read();
    QVERIFY(r);
    QCOMPARE(r->status, 200);
    QCOMPARE(r->body, QByteArray("PUT hi"));
    QVERIFY(client.received().isEmpty());
}

void TestHttpServer::streaming()
{
    std::shared_ptr<HttpResponder> stream;
    auto server = start(HttpLimits(), [&](const HttpRequest &request, std::shared_ptr<HttpResponder> r) {
        if (request.path == u"/v1/agent/monitor") {
            r->beginStream(200, { { "Content-Type", "text/plain" } });
            r->beginStream(500, {}); // ignored
            r->send(HttpResponse()); // ignored
            stream = std::move(r);
        } else {
            r->send(echo(request));
        }
    });
    Client client(server->serverPort());
    QVERIFY(client.waitConnected());
    client.send(get("/v1/agent/monitor"));
    QTRY_VERIFY(stream);
    stream->writeChunk("first line\n");
    // Each chunk goes out as it is written.
    QTRY_VERIFY(client.received().contains("b\r\nfirst line\n\r\n"));
    QVERIFY(client.received().contains("Transfer-Encoding: chunked\r\n"));
    QVERIFY(!client.received().contains("Content-Length"));
    stream->writeChunk(QByteArray());
    stream->writeChunk(QByteArray(20000, 's'));
    stream->endStream();
    stream->writeChunk("after the end");
    const auto r = client.read();
    QVERIFY(r);
    QCOMPARE(r->status, 200);
    QVERIFY(r->chunked);
    QCOMPARE(r->chunks, (QList<QByteArray> { "first line\n", QByteArray(20000, 's') }));
    QVERIFY(!stream->isOpen());
    // The connection carries on.
    client.send(get("/next"));
    const auto next = client.read();
    QVERIFY(next);
    QCOMPARE(next->body, QByteArray("/next"));

    // HEAD: the head only, whatever is written.
    stream.reset();
    client.send("HEAD /v1/agent/monitor HTTP/1.1\r\nHost: h\r\n\r\n");
    QTRY_VERIFY(stream);
    stream->writeChunk("not sent");
    stream->endStream();
    const auto head = client.read(3000, true);
    QVERIFY(head);
    QCOMPARE(head->status, 200);
    client.send(get("/after-head"));
    const auto after = client.read();
    QVERIFY(after);
    QCOMPARE(after->body, QByteArray("/after-head"));
}

void TestHttpServer::streamingHttp10()
{
    auto server = start(HttpLimits(), [](const HttpRequest &, std::shared_ptr<HttpResponder> r) {
        r->beginStream(200, {});
        r->writeChunk("abc");
        r->writeChunk("def");
        r->endStream();
    });
    Client client(server->serverPort());
    QVERIFY(client.waitConnected());
    client.send("GET / HTTP/1.0\r\nConnection: keep-alive\r\n\r\n");
    QVERIFY(client.waitClosed()); // no chunked encoding for HTTP/1.0: the close ends the body
    const auto r = client.read();
    QVERIFY(r);
    QCOMPARE(r->header("connection"), QByteArray("close"));
    QCOMPARE(r->body, QByteArray("abcdef"));
}

void TestHttpServer::chunkedRequestBody()
{
    auto server = startEcho();
    Client client(server->serverPort());
    QVERIFY(client.waitConnected());
    client.send("POST /txn HTTP/1.1\r\nHost: h\r\nTransfer-Encoding: chunked\r\n\r\n4\r\nabcd\r\n");
    QTest::qWait(20);
    client.send("3\r\nefg\r\n0\r\n\r\n" + get("/after"));
    auto r = client.read();
    QVERIFY(r);
    QCOMPARE(r->body, QByteArray("POST abcdefg"));
    r = client.read();
    QVERIFY(r);
    QCOMPARE(r->body, QByteArray("/after"));
}

void TestHttpServer::abandonedResponder()
{
    QTest::ignoreMessage(QtWarningMsg, QRegularExpression("dropped without a reply"));
    auto server = start(HttpLimits(), [](const HttpRequest &request, std::shared_ptr<HttpResponder> r) {
        if (request.path == u"/ok")
            r->send(echo(request));
        // else: forgotten
    });
    Client client(server->serverPort());
    QVERIFY(client.waitConnected());
    client.send(get("/forgotten") + get("/ok"));
    auto r = client.read();
    QVERIFY(r);
    QCOMPARE(r->status, 500);
    r = client.read();
    QVERIFY(r);
    QCOMPARE(r->body, QByteArray("/ok"));
}

void TestHttpServer::serverCloseWithPendingReply()
{
    std::shared_ptr<HttpResponder> pending;
    bool closed = false;
    auto server = start(HttpLimits(), [&](const HttpRequest &, std::shared_ptr<HttpResponder> r) {
        r->setOnClosed([&closed] { closed = true; });
        pending = std::move(r);
    });
    Client client(server->serverPort());
    QVERIFY(client.waitConnected());
    client.send(get("/"));
    QTRY_VERIFY(pending);
    server->close();
    QCOMPARE(server->connectionCount(), 0);
    QVERIFY(!pending->isOpen());
    QTRY_VERIFY(closed);
    QVERIFY(client.waitClosed());
    const quint16 port = server->serverPort();
    QCOMPARE(port, quint16(0)); // no longer listening
}

void TestHttpServer::responderOutlivesServer()
{
    std::shared_ptr<HttpResponder> pending;
    bool closed = false;
    auto server = start(HttpLimits(), [&](const HttpRequest &, std::shared_ptr<HttpResponder> r) {
        r->setOnClosed([&closed] { closed = true; });
        pending = std::move(r);
    });
    Client client(server->serverPort());
    QVERIFY(client.waitConnected());
    client.send(get("/"));
    QTRY_VERIFY(pending);
    server.reset();
    QVERIFY(!pending->isOpen());
    pending->beginStream(200, {});
    pending->writeChunk("x");
    pending->endStream();
    QCOMPARE(pending->bufferedBytes(), 0);
    QTRY_VERIFY(closed);
}

void TestHttpServer::closeFromHandler()
{
    HttpServer *self = nullptr;
    auto server = start(HttpLimits(), [&self](const HttpRequest &, std::shared_ptr<HttpResponder> r) {
        self->close(); // e.g. the agent shutting down from /v1/agent/leave
        QVERIFY(!r->isOpen());
        r->send(HttpResponse::text(200, QStringLiteral("too late")));
    });
    self = server.get();
    Client client(server->serverPort());
    QVERIFY(client.waitConnected());
    client.send(get("/") + get("/second"));
    QVERIFY(client.waitClosed());
    QVERIFY(client.received().isEmpty());
    QCOMPARE(server->connectionCount(), 0);
}

void TestHttpServer::pipelineBackpressure()
{
    // Far more pipelined input than the server buffers while a reply is pending: it stops reading,
    // then picks up where it left off, and answers everything in order.
    std::shared_ptr<HttpResponder> blocked;
    int calls = 0;
    auto server = start(HttpLimits(), [&](const HttpRequest &request, std::shared_ptr<HttpResponder> r) {
        ++calls;
        if (request.path == u"/block")
            blocked = std::move(r);
        else
            r->send(HttpResponse::text(200, request.queryValue(u"n")));
    });
    Client client(server->serverPort());
    QVERIFY(client.waitConnected());
    const int count = 4000;
    QByteArray all = get("/block");
    for (int i = 0; i < count; ++i)
        all += get(
            "/n?n=" + QByteArray::number(i), "X-Padding: 0123456789012345678901234567890123456789\r\n");
    QVERIFY(all.size() > 3 * 64 * 1024);
    client.send(all);
    QTRY_VERIFY(blocked);
    QTest::qWait(50);
    QCOMPARE(calls, 1);
    blocked->send(HttpResponse::text(200, QStringLiteral("unblocked")));
    auto r = client.read();
    QVERIFY(r);
    QCOMPARE(r->body, QByteArray("unblocked"));
    for (int i = 0; i < count; ++i) {
        r = client.read();
        QVERIFY2(r, qPrintable(QString::number(i)));
        QCOMPARE(r->body, QByteArray::number(i));
    }
    QCOMPARE(calls, count + 1);
}

void TestHttpServer::manyConnections()
{
    auto server = startEcho();
    std::vector<std::unique_ptr<Client>> clients;
    for (int i = 0; i < 50; ++i)
        clients.push_back(std::make_unique<Client>(server->serverPort()));
    for (auto &c : clients)
        QVERIFY(c->waitConnected());
    for (size_t i = 0; i < clients.size(); ++i)
        clients[i]->send(get("/c" + QByteArray::number(qulonglong(i))));
    for (size_t i = 0; i < clients.size(); ++i) {
        const auto r = clients[i]->read();
        QVERIFY(r);
        QCOMPARE(r->body, "/c" + QByteArray::number(qulonglong(i)));
    }
    QCOMPARE(server->connectionCount(), 50);
    clients.clear();
    QTRY_COMPARE(server->connectionCount(), 0);
}

// A write that wakes many blocking queries answers them all inside one burst: the replies go out
// from this thread and ParallelSender's helper. Each still reaches its own client whole and in
// order with what follows on the connection; a connection closed or reset meanwhile is harmless.
void TestHttpServer::burstRepliesFromTwoThreads()
{
    std::vector<std::shared_ptr<HttpResponder>> parked;
    auto server = start(HttpLimits(), [&](const HttpRequest &request, std::shared_ptr<HttpResponder> r) {
        if (request.path != "/write") {
            parked.push_back(std::move(r));
            return;
        }
        qonsul::core::BurstScope burst;
        for (size_t i = 0; i < parked.size(); ++i) {
            parked[i]->send(HttpResponse::text(200, QStringLiteral("woken %1").arg(i)));
        }
        parked.clear();
        r->send(HttpResponse::text(200, QStringLiteral("written")));
    });
    constexpr int count = 300; // well past the helper's threshold
    std::vector<std::unique_ptr<Client>> clients;
    for (int i = 0; i < count; ++i)
        clients.push_back(std::make_unique<Client>(server->serverPort()));
    for (auto &c : clients)
        QVERIFY(c->waitConnected());
    for (int i = 0; i < count; ++i) { // every 50th asked to close after its reply
        clients[size_t(i)]->send(i % 50 == 7 ? get("/v1/kv/p/?recurse&index=3", "Connection: close\r\n")
                                             : get("/v1/kv/p/?recurse&index=3") + get("/after"));
    }
    QTRY_COMPARE(int(parked.size()), count);
    clients[11]->reset(); // gone before the burst: its send fails, nothing else does
    Client writer(server->serverPort());
    QVERIFY(writer.waitConnected());
    writer.send(get("/write"));
    const auto written = writer.read();
    QVERIFY(written);
    QCOMPARE(written->body, QByteArray("written"));
    for (int i = 0; i < count; ++i) {
        if (i == 11)
            continue;
        const auto r = clients[size_t(i)]->read();
        QVERIFY2(r, qPrintable(QString::number(i)));
        QCOMPARE(r->body, QStringLiteral("woken %1").arg(i).toUtf8());
        if (i % 50 == 7)
            QVERIFY(clients[size_t(i)]->waitClosed());
    }
    // The pipelined second request on each connection parked after the burst: a second burst
    // over the same connections works the same way.
    QTRY_COMPARE(int(parked.size()), count - 1 - count / 50);
    writer.send(get("/write"));
    QVERIFY(writer.read());
    for (int i = 0; i < count; ++i) {
        if (i == 11 || i % 50 == 7)
            continue;
        const auto r = clients[size_t(i)]->read();
        QVERIFY2(r, qPrintable(QString::number(i)));
        QVERIFY(r->body.startsWith("woken "));
    }
    clients.clear();
    QTRY_COMPARE(server->connectionCount(), 1);
}

QTEST_GUILESS_MAIN(TestHttpServer)
#include "tst_HttpServer.moc"

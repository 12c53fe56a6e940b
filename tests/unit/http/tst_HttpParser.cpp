// The request parser, from byte arrays: every outcome, every split point, limits, malformed input.
#include "http/HttpParser.h"

#include <QRegularExpression>
#include <QtTest>

using namespace qonsul::http;

Q_DECLARE_METATYPE(qonsul::http::ParseStatus)

namespace {

const QByteArray kGet = "GET /v1/kv/a%20b?recurse&x=1+2 HTTP/1.1\r\nHost: localhost:8500\r\n"
                        "User-Agent: test\r\nX-Multi: one\r\nx-multi: two\r\n\r\n";
const QByteArray kPost = "POST /v1/txn HTTP/1.1\r\nHost: h\r\nContent-Length: 11\r\n\r\nhello world";
const QByteArray kChunked = "PUT /v1/kv/k HTTP/1.1\r\nHost: h\r\nTransfer-Encoding: chunked\r\n\r\n"
                            "5\r\nhello\r\n1;ext=1\r\n \r\nA \t;x\r\n0123456789\r\n0\r\nTrailer-A: 1\r\n\r\n";
const QByteArray kHttp10 = "GET /v1/status/leader HTTP/1.0\r\n\r\n";

// parseRequest for anything byte-like, QStringBuilder concatenations included.
ParseResult parseBytes(QByteArrayView bytes, const HttpLimits &limits = HttpLimits())
{
    return parseRequest(bytes, limits);
}
template<typename A, typename B>
ParseResult parseBytes(const QStringBuilder<A, B> &bytes, const HttpLimits &limits = HttpLimits())
{
    return parseRequest(QByteArray(bytes), limits);
}

QPair<QByteArray, QByteArray> header(const QByteArray &name, const QByteArray &value)
{
    return { name, value };
}

// Feeds `bytes` to an incremental parser in pieces of the given sizes (the last piece takes the
// rest), dropping consumed bytes the way the connection does.
ParseResult feed(const QByteArray &bytes, const QList<qsizetype> &pieces, const HttpLimits &limits)
{
    HttpRequestParser parser(limits);
    QByteArray pending;
    qsizetype offset = 0;
    qsizetype total = 0;
    ParseResult r;
    for (qsizetype i = 0; i <= pieces.size(); ++i) {
        const qsizetype n
            = i < pieces.size() ? qMin(pieces[i], bytes.size() - offset) : bytes.size() - offset;
        pending += bytes.mid(offset, n);
        offset += n;
        r = parser.parse(pending);
        pending.remove(0, r.consumed);
        total += r.consumed;
        if (r.status != ParseStatus::NeedMore)
            break;
    }
    r.consumed = r.status == ParseStatus::Complete ? total : 0;
    return r;
}

void compareRequests(const HttpRequest &a, const HttpRequest &b)
{
    QCOMPARE(a.method, b.method);
    QCOMPARE(a.target, b.target);
    QCOMPARE(a.path, b.path);
    QCOMPARE(a.query, b.query);
    QCOMPARE(a.headers, b.headers);
    QCOMPARE(a.body, b.body);
    QCOMPARE(a.minorVersion, b.minorVersion);
    QCOMPARE(a.keepAlive, b.keepAlive);
}

QByteArray withHeaders(const QByteArray &requestLine, const QByteArray &headers)
{
    return requestLine + "\r\n" + headers + "\r\n";
}

} // namespace

class TestHttpParser : public QObject
{
    Q_OBJECT
private Q_SLOTS:
    void simpleGet();
    void emptyInputNeedsMore();
    void needMoreAtEverySplitPoint_data();
    void needMoreAtEverySplitPoint();
    void incrementalMatchesWhole_data();
    void incrementalMatchesWhole();
    void pipelined();
    void contentLengthBody();
    void chunkedBody();
    void chunkedBodyLimit();
    void http10();
    void keepAliveRules_data();
    void keepAliveRules();
    void expectContinue();
    void headerLimits();
    void requestLineLimit();
    void bodyLimits();
    void bodyLimitCallback();
    void malformed_data();
    void malformed();
    void targets_data();
    void targets();
    void queryDecoding_data();
    void queryDecoding();
    void leniency();
    void largeBodyIncremental();
    void messageHelpers();
};

void TestHttpParser::simpleGet()
{
    const ParseResult r = parseBytes(kGet, HttpLimits());
    QCOMPARE(r.status, ParseStatus::Complete);
    QCOMPARE(r.consumed, kGet.size());
    QCOMPARE(r.request.method, QByteArray("GET"));
    QCOMPARE(r.request.target, QByteArray("/v1/kv/a%20b?recurse&x=1+2"));
    QCOMPARE(r.request.path, QStringLiteral("/v1/kv/a b"));
    QCOMPARE(r.request.query.size(), 2);
    QVERIFY(r.request.hasQuery(u"recurse"));
    QCOMPARE(r.request.queryValue(u"recurse"), QString());
    QCOMPARE(r.request.queryValue(u"x"), QStringLiteral("1 2"));
    QCOMPARE(r.request.header("host"), QByteArray("localhost:8500"));
    QCOMPARE(r.request.header("user-agent"), QByteArray("test"));
    QCOMPARE(r.request.headerValues("x-multi"), (QList<QByteArray> { "one", "two" }));
    QCOMPARE(r.request.headers.size(), 4);
    QVERIFY(r.request.body.isEmpty());
    QCOMPARE(r.request.minorVersion, 1);
    QVERIFY(r.request.keepAlive);
    QCOMPARE(r.request.rawQuery(), QByteArrayView("recurse&x=1+2"));
}

void TestHttpParser::emptyInputNeedsMore()
{
    const ParseResult r = parseBytes(QByteArrayView(), HttpLimits());
    QCOMPARE(r.status, ParseStatus::NeedMore);
    QCOMPARE(r.consumed, 0);
    QVERIFY(!r.headComplete);
}

void TestHttpParser::needMoreAtEverySplitPoint_data()
{
    QTest::addColumn<QByteArray>("bytes");
    QTest::newRow("get") << kGet;
    QTest::newRow("post") << kPost;
    QTest::newRow("chunked") << kChunked;
    QTest::newRow("http10") << kHttp10;
    QTest::newRow("bare-lf") << QByteArray("GET / HTTP/1.1\nHost: a\n\n");
    QTest::newRow("leading-crlf") << QByteArray("\r\n\r\nGET / HTTP/1.1\r\nHost: a\r\n\r\n");
}

void TestHttpParser::needMoreAtEverySplitPoint()
{
    QFETCH(QByteArray, bytes);
    const HttpLimits limits;
    const ParseResult whole = parseRequest(bytes, limits);
    QCOMPARE(whole.status, ParseStatus::Complete);
    QCOMPARE(whole.consumed, bytes.size());
    for (qsizetype k = 0; k < bytes.size(); ++k) {
        const ParseResult r = parseBytes(QByteArrayView(bytes).first(k), limits);
        if (r.status != ParseStatus::NeedMore)
            QFAIL(qPrintable(QStringLiteral("prefix of %1 bytes was not NeedMore").arg(k)));
        QCOMPARE(r.consumed, 0);
    }
}

void TestHttpParser::incrementalMatchesWhole_data()
{
    needMoreAtEverySplitPoint_data();
}

void TestHttpParser::incrementalMatchesWhole()
{
    QFETCH(QByteArray, bytes);
    const HttpLimits limits;
    const ParseResult whole = parseRequest(bytes, limits);
    QCOMPARE(whole.status, ParseStatus::Complete);
    // Two pieces, at every split point.
    for (qsizetype k = 0; k <= bytes.size(); ++k) {
        const ParseResult r = feed(bytes, { k }, limits);
        QCOMPARE(r.status, ParseStatus::Complete);
        QCOMPARE(r.consumed, whole.consumed);
        compareRequests(r.request, whole.request);
    }
    // One byte at a time.
    const ParseResult single = feed(bytes, QList<qsizetype>(bytes.size(), 1), limits);
    QCOMPARE(single.status, ParseStatus::Complete);
    compareRequests(single.request, whole.request);
}

void TestHttpParser::pipelined()
{
    const QByteArray third = "DELETE /v1/kv/x HTTP/1.1\r\nHo";
    const QByteArray all = kGet + kPost + third;
    const ParseResult a = parseBytes(all, HttpLimits());
    QCOMPARE(a.status, ParseStatus::Complete);
    QCOMPARE(a.consumed, kGet.size());
    QCOMPARE(a.request.method, QByteArray("GET"));
    const ParseResult b = parseBytes(QByteArrayView(all).sliced(a.consumed), HttpLimits());
    QCOMPARE(b.status, ParseStatus::Complete);
    QCOMPARE(b.consumed, kPost.size());
    QCOMPARE(b.request.body, QByteArray("hello world"));
    const ParseResult c = parseBytes(QByteArrayView(all).sliced(a.consumed + b.consumed), HttpLimits());
    QCOMPARE(c.status, ParseStatus::NeedMore);

    // The incremental parser stops at each request's end as well.
    const HttpLimits limits;
    HttpRequestParser parser(limits);
    QByteArrayView rest(all);
    QList<QByteArray> methods;
    while (true) {
        const ParseResult r = parser.parse(rest);
        rest = rest.sliced(r.consumed);
        if (r.status != ParseStatus::Complete)
            break;
        methods << r.request.method;
    }
    QCOMPARE(methods, (QList<QByteArray> { "GET", "POST" }));
    QVERIFY(parser.inProgress());
}

void TestHttpParser::contentLengthBody()
{
    const ParseResult r = parseBytes(kPost, HttpLimits());
    QCOMPARE(r.status, ParseStatus::Complete);
    QCOMPARE(r.request.body, QByteArray("hello world"));

    const ParseResult head = parseBytes(QByteArrayView(kPost).first(kPost.size() - 3), HttpLimits());
    QCOMPARE(head.status, ParseStatus::NeedMore);
    QVERIFY(head.headComplete);
    QCOMPARE(head.request.method, QByteArray("POST"));
    QVERIFY(head.request.body.isEmpty());
    QVERIFY(!head.expectContinue);

    // Content-Length: 0 and a repeated identical Content-Length are fine.
    const ParseResult zero
        = parseBytes("POST / HTTP/1.1\r\nHost: h\r\nContent-Length: 0\r\n\r\n", HttpLimits());
    QCOMPARE(zero.status, ParseStatus::Complete);
    const ParseResult twice = parseBytes(
        "POST / HTTP/1.1\r\nHost: h\r\nContent-Length: 3, 3\r\ncontent-length: 003\r\n\r\nabc", HttpLimits());
    QCOMPARE(twice.status, ParseStatus::Complete);
    QCOMPARE(twice.request.body, QByteArray("abc"));
}

void TestHttpParser::chunkedBody()
{
    const ParseResult r = parseBytes(kChunked, HttpLimits());
    QCOMPARE(r.status, ParseStatus::Complete);
    QCOMPARE(r.consumed, kChunked.size());
    QCOMPARE(r.request.body, QByteArray("hello 0123456789"));
    QVERIFY(!r.request.hasHeader("trailer-a")); // trailers are validated, then dropped

    const ParseResult empty = parseBytes(
        "POST / HTTP/1.1\r\nHost: h\r\nTransfer-Encoding: Chunked\r\n\r\n0\r\n\r\n", HttpLimits());
    QCOMPARE(empty.status, ParseStatus::Complete);
    QVERIFY(empty.request.body.isEmpty());

    const QByteArray head = "POST / HTTP/1.1\r\nHost: h\r\nTransfer-Encoding: chunked\r\n\r\n";
    struct Case
    {
        QByteArray body;
        int status;
    };
    const Case bad[] = {
        { "x\r\n", 400 }, // not hex
        { "5\r\nhelloX\r\n", 400 }, // data longer than the size
        { "5 x\r\nhello\r\n", 400 }, // junk after the size
        { ";a\r\n", 400 }, // no size
        { "1;a\x01\r\n", 400 }, // control character in an extension
        { "0\r\nBad Trailer\r\n\r\n", 400 },
        { "ffffffffffffffffffffff\r\n", 413 },
    };
    for (const Case &c : bad) {
        const ParseResult r2 = parseBytes(head + c.body, HttpLimits());
        QCOMPARE(r2.status, ParseStatus::Malformed);
        QCOMPARE(r2.httpStatus, c.status);
    }
    // A chunk-size line may not grow without bound.
    const ParseResult longLine = parseBytes(head + "1;" + QByteArray(5000, 'a'), HttpLimits());
    QCOMPARE(longLine.status, ParseStatus::Malformed);
    QCOMPARE(longLine.httpStatus, 400);
}

void TestHttpParser::chunkedBodyLimit()
{
    HttpLimits limits;
    limits.maxBodyBytes = 10;
    const QByteArray head = "POST / HTTP/1.1\r\nHost: h\r\nTransfer-Encoding: chunked\r\n\r\n";
    const ParseResult ok = parseBytes(head + "5\r\n12345\r\n5\r\n67890\r\n0\r\n\r\n", limits);
    QCOMPARE(ok.status, ParseStatus::Complete);
    QCOMPARE(ok.request.body.size(), 10);
    // The chunk that would pass the limit is refused from its size line, before its data.
    const ParseResult over = parseBytes(head + "5\r\n12345\r\n6\r\n", limits);
    QCOMPARE(over.status, ParseStatus::Malformed);
    QCOMPARE(over.httpStatus, 413);
    // Trailers are limited like headers.
    limits.maxHeaderCount = 2;
    const ParseResult trailers = parseBytes(head + "0\r\na: 1\r\nb: 2\r\nc: 3\r\n\r\n", limits);
    QCOMPARE(trailers.status, ParseStatus::Malformed);
    QCOMPARE(trailers.httpStatus, 431);
}

void TestHttpParser::http10()
{
    const ParseResult r = parseBytes(kHttp10, HttpLimits());
    QCOMPARE(r.status, ParseStatus::Complete);
    QCOMPARE(r.request.minorVersion, 0);
    QVERIFY(!r.request.keepAlive);
    QCOMPARE(r.request.path, QStringLiteral("/v1/status/leader"));

    const ParseResult ka = parseBytes("GET / HTTP/1.0\r\nConnection: Keep-Alive\r\n\r\n", HttpLimits());
    QCOMPARE(ka.status, ParseStatus::Complete);
    QVERIFY(ka.request.keepAlive);

    // HTTP/1.0 has no chunked encoding and no 100-continue.
    const ParseResult te
        = parseBytes("POST / HTTP/1.0\r\nTransfer-Encoding: chunked\r\n\r\n0\r\n\r\n", HttpLimits());
    QCOMPARE(te.status, ParseStatus::Malformed);
    QCOMPARE(te.httpStatus, 400);
    const ParseResult expect
        = parseBytes("POST / HTTP/1.0\r\nExpect: 100-continue\r\nContent-Length: 2\r\n\r\n", HttpLimits());
    QCOMPARE(expect.status, ParseStatus::NeedMore);
    QVERIFY(expect.headComplete);
    QVERIFY(!expect.expectContinue);
    const ParseResult odd = parseBytes("GET / HTTP/1.0\r\nExpect: something\r\n\r\n", HttpLimits());
    QCOMPARE(odd.status, ParseStatus::Complete);
}

void TestHttpParser::keepAliveRules_data()
{
    QTest::addColumn<QByteArray>("bytes");
    QTest::addColumn<bool>("keepAlive");
    QTest::newRow("1.1 default") << QByteArray("GET / HTTP/1.1\r\nHost: a\r\n\r\n") << true;
    QTest::newRow("1.1 close") << QByteArray("GET / HTTP/1.1\r\nHost: a\r\nConnection: close\r\n\r\n")
                               << false;
    QTest::newRow("1.1 list") << QByteArray(
        "GET / HTTP/1.1\r\nHost: a\r\nConnection: Keep-Alive, CLOSE\r\n\r\n")
                              << false;
    QTest::newRow("1.1 two headers") << QByteArray(
        "GET / HTTP/1.1\r\nHost: a\r\nConnection: upgrade\r\nConnection: close\r\n\r\n")
                                     << false;
    QTest::newRow("1.0 default") << QByteArray("GET / HTTP/1.0\r\n\r\n") << false;
    QTest::newRow("1.0 keep-alive") << QByteArray("GET / HTTP/1.0\r\nConnection: keep-alive\r\n\r\n") << true;
    QTest::newRow("1.0 both") << QByteArray("GET / HTTP/1.0\r\nConnection: keep-alive, close\r\n\r\n")
                              << false;
    QTest::newRow("1.2 like 1.1") << QByteArray("GET / HTTP/1.2\r\nHost: a\r\n\r\n") << true;
}

void TestHttpParser::keepAliveRules()
{
    QFETCH(QByteArray, bytes);
    QFETCH(bool, keepAlive);
    const ParseResult r = parseBytes(bytes, HttpLimits());
    QCOMPARE(r.status, ParseStatus::Complete);
    QCOMPARE(r.request.keepAlive, keepAlive);
}

void TestHttpParser::expectContinue()
{
    const QByteArray head
        = "PUT /v1/kv/a HTTP/1.1\r\nHost: h\r\nExpect: 100-Continue\r\nContent-Length: 4\r\n\r\n";
    const ParseResult r = parseBytes(head, HttpLimits());
    QCOMPARE(r.status, ParseStatus::NeedMore);
    QVERIFY(r.headComplete);
    QVERIFY(r.expectContinue);
    QCOMPARE(r.request.header("expect"), QByteArray("100-Continue"));

    // With the body already there, there is nothing to continue.
    const ParseResult full = parseBytes(head + "abcd", HttpLimits());
    QCOMPARE(full.status, ParseStatus::Complete);
    QVERIFY(!full.expectContinue);

    // The incremental parser reports it once, with the call that completes the head.
    const HttpLimits limits;
    HttpRequestParser parser(limits);
    ParseResult a = parser.parse(head.first(10));
    QVERIFY(!a.expectContinue);
    QByteArray rest = head.mid(a.consumed);
    a = parser.parse(rest);
    QVERIFY(a.expectContinue);
    QVERIFY(a.headComplete);
    ParseResult b = parser.parse("ab");
    QCOMPARE(b.status, ParseStatus::NeedMore);
    QVERIFY(!b.expectContinue);
    QCOMPARE(b.consumed, 2);
    b = parser.parse("cd");
    QCOMPARE(b.status, ParseStatus::Complete);
    QCOMPARE(b.request.body, QByteArray("abcd"));

    // Over the limit: 413 straight away, no 100-continue.
    HttpLimits small;
    small.maxBodyBytes = 3;
    const ParseResult over = parseBytes(head, small);
    QCOMPARE(over.status, ParseStatus::Malformed);
    QCOMPARE(over.httpStatus, 413);

    // Other expectations fail.
    const ParseResult other = parseBytes("GET / HTTP/1.1\r\nHost: h\r\nExpect: 200-ok\r\n\r\n", HttpLimits());
    QCOMPARE(other.status, ParseStatus::Malformed);
    QCOMPARE(other.httpStatus, 417);
}

void TestHttpParser::headerLimits()
{
    HttpLimits limits;
    const QByteArray line = "GET / HTTP/1.1\r\nHost: h\r\n";
    // Exactly at the limit is fine; one byte more is 431.
    const qsizetype fixed = line.size() + QByteArray("X: \r\n\r\n").size();
    limits.maxHeaderBytes = 200;
    const QByteArray exact = line + "X: " + QByteArray(200 - fixed, 'v') + "\r\n\r\n";
    QCOMPARE(exact.size(), 200);
    QCOMPARE(parseBytes(exact, limits).status, ParseStatus::Complete);
    const QByteArray over = line + "X: " + QByteArray(201 - fixed, 'v') + "\r\n\r\n";
    ParseResult r = parseBytes(over, limits);
    QCOMPARE(r.status, ParseStatus::Malformed);
    QCOMPARE(r.httpStatus, 431);
    // Without the terminator in sight: refused as soon as the limit is reached.
    r = parseBytes(line + "X: " + QByteArray(300, 'v'), limits);
    QCOMPARE(r.status, ParseStatus::Malformed);
    QCOMPARE(r.httpStatus, 431);
    r = parseBytes(line + QByteArray(199 - line.size(), 'x'), limits); // 199 bytes, unterminated
    QCOMPARE(r.status, ParseStatus::NeedMore);

    // Header count.
    limits = HttpLimits();
    limits.maxHeaderCount = 3;
    QCOMPARE(parseBytes(line + "A: 1\r\nB: 2\r\n\r\n", limits).status, ParseStatus::Complete);
    r = parseBytes(line + "A: 1\r\nB: 2\r\nC: 3\r\n\r\n", limits);
    QCOMPARE(r.status, ParseStatus::Malformed);
    QCOMPARE(r.httpStatus, 431);
}

void TestHttpParser::requestLineLimit()
{
    HttpLimits limits;
    limits.maxHeaderBytes = 100;
    const QByteArray longTarget = "GET /" + QByteArray(200, 'a') + " HTTP/1.1\r\nHost: h\r\n\r\n";
    ParseResult r = parseBytes(longTarget, limits);
    QCOMPARE(r.status, ParseStatus::Malformed);
    QCOMPARE(r.httpStatus, 414);
    r = parseBytes(QByteArray("GET /") + QByteArray(150, 'a'), limits); // still arriving
    QCOMPARE(r.status, ParseStatus::Malformed);
    QCOMPARE(r.httpStatus, 414);
    r = parseBytes(QByteArray("GET /") + QByteArray(50, 'a'), limits);
    QCOMPARE(r.status, ParseStatus::NeedMore);
}

void TestHttpParser::bodyLimits()
{
    HttpLimits limits;
    limits.maxBodyBytes = 1000;
    const QByteArray head = "PUT /x HTTP/1.1\r\nHost: h\r\nContent-Length: ";
    QCOMPARE(parseBytes(head + "1000\r\n\r\n" + QByteArray(1000, 'b'), limits).status, ParseStatus::Complete);
    // Refused from the head alone: the body is never needed.
    ParseResult r = parseBytes(head + "1001\r\n\r\n", limits);
    QCOMPARE(r.status, ParseStatus::Malformed);
    QCOMPARE(r.httpStatus, 413);
    r = parseBytes(head + "536870912\r\n\r\n", HttpLimits());
    QCOMPARE(r.status, ParseStatus::Malformed);
    QCOMPARE(r.httpStatus, 413);
    r = parseBytes(head + "99999999999999999999999999\r\n\r\n", HttpLimits());
    QCOMPARE(r.status, ParseStatus::Malformed);
    QCOMPARE(r.httpStatus, 413);
}

void TestHttpParser::bodyLimitCallback()
{
    HttpLimits limits;
    int calls = 0;
    limits.bodyLimit = [&calls](const HttpRequest &head) -> qsizetype {
        ++calls;
        if (head.method == "PUT" && head.path.startsWith(u"/v1/kv/"))
            return 512 * 1024;
        if (head.path == u"/v1/snapshot")
            return qsizetype(1) << 40; // may raise the default
        return -1;
    };
    const auto put = [&](const QByteArray &path, qsizetype length) {
        return parseBytes("PUT " + path
                + " HTTP/1.1\r\nHost: h\r\nContent-Length: " + QByteArray::number(length) + "\r\n\r\n",
            limits);
    };
    ParseResult r = put("/v1/kv/a", 512 * 1024 + 1);
    QCOMPARE(r.status, ParseStatus::Malformed);
    QCOMPARE(r.httpStatus, 413);
    r = put("/v1/kv/a", 512 * 1024);
    QCOMPARE(r.status, ParseStatus::NeedMore);
    QVERIFY(r.headComplete);
    r = put("/v1/txn", 1024 * 1024);
    QCOMPARE(r.status, ParseStatus::NeedMore);
    r = put("/v1/txn", 33 * 1024 * 1024);
    QCOMPARE(r.httpStatus, 413);
    r = put("/v1/snapshot", 100 * 1024 * 1024);
    QCOMPARE(r.status, ParseStatus::NeedMore);
    const int before = calls;
    QCOMPARE(parseBytes(kGet, limits).status, ParseStatus::Complete); // no body: not consulted
    QCOMPARE(calls, before);
}

void TestHttpParser::malformed_data()
{
    QTest::addColumn<QByteArray>("bytes");
    QTest::addColumn<int>("status");
    const QByteArray host = "Host: h\r\n";
    QTest::newRow("nul in target") << withHeaders(QByteArray("GET /a\0b HTTP/1.1", 17), host) << 400;
    QTest::newRow("tab in line") << withHeaders("GET\t/ HTTP/1.1", host) << 400;
    QTest::newRow("bare cr in line") << withHeaders("GET /\rx HTTP/1.1", host) << 400;
    QTest::newRow("del in target") << withHeaders("GET /\x7f HTTP/1.1", host) << 400;
    QTest::newRow("double space") << withHeaders("GET  / HTTP/1.1", host) << 400;
    QTest::newRow("trailing space") << withHeaders("GET / HTTP/1.1 ", host) << 400;
    QTest::newRow("missing version") << withHeaders("GET /", host) << 400;
    QTest::newRow("extra part") << withHeaders("GET / HTTP/1.1 x", host) << 400;
    QTest::newRow("bad method") << withHeaders("G(T / HTTP/1.1", host) << 400;
    QTest::newRow("lowercase proto") << withHeaders("GET / http/1.1", host) << 400;
    QTest::newRow("bad version") << withHeaders("GET / HTTP/1.x", host) << 400;
    QTest::newRow("http2") << withHeaders("GET / HTTP/2.0", host) << 505;
    QTest::newRow("http3") << withHeaders("GET / HTTP/3", host) << 505;
    QTest::newRow("http0.9") << withHeaders("GET / HTTP/0.9", host) << 505;
    QTest::newRow("h2 preface") << QByteArray("PRI * HTTP/2.0\r\n\r\nSM\r\n\r\n") << 505;
    QTest::newRow("relative target") << withHeaders("GET foo HTTP/1.1", host) << 400;
    QTest::newRow("bad escape") << withHeaders("GET /a%zz HTTP/1.1", host) << 400;
    QTest::newRow("short escape") << withHeaders("GET /a%4 HTTP/1.1", host) << 400;
    QTest::newRow("no colon") << withHeaders("GET / HTTP/1.1", host + "NoColon\r\n") << 400;
    QTest::newRow("empty name") << withHeaders("GET / HTTP/1.1", host + ": x\r\n") << 400;
    QTest::newRow("space in name") << withHeaders("GET / HTTP/1.1", host + "Bad Name: x\r\n") << 400;
    QTest::newRow("space before colon") << withHeaders("GET / HTTP/1.1", host + "Name : x\r\n") << 400;
    QTest::newRow("folding") << withHeaders("GET / HTTP/1.1", host + "A: 1\r\n  continued\r\n") << 400;
    QTest::newRow("ctl in value") << withHeaders("GET / HTTP/1.1", host + "A: 1\x01\r\n") << 400;
    QTest::newRow("bare cr in value") << withHeaders("GET / HTTP/1.1", host + "A: 1\r2\r\n") << 400;
    QTest::newRow("nul in value") << withHeaders("GET / HTTP/1.1", host + QByteArray("A: \0\r\n", 6)) << 400;
    QTest::newRow("no host") << withHeaders("GET / HTTP/1.1", "") << 400;
    QTest::newRow("two hosts") << withHeaders("GET / HTTP/1.1", host + host) << 400;
    QTest::newRow("te gzip") << withHeaders("POST / HTTP/1.1", host + "Transfer-Encoding: gzip\r\n") << 501;
    QTest::newRow("te gzip,chunked") << withHeaders(
        "POST / HTTP/1.1", host + "Transfer-Encoding: gzip, chunked\r\n")
                                     << 501;
    QTest::newRow("te twice") << withHeaders(
        "POST / HTTP/1.1", host + "Transfer-Encoding: chunked\r\nTransfer-Encoding: chunked\r\n")
                              << 501;
    QTest::newRow("te and cl") << withHeaders(
        "POST / HTTP/1.1", host + "Transfer-Encoding: chunked\r\nContent-Length: 5\r\n")
                               << 400;
    QTest::newRow("cl letters") << withHeaders("POST / HTTP/1.1", host + "Content-Length: abc\r\n") << 400;
    QTest::newRow("cl negative") << withHeaders("POST / HTTP/1.1", host + "Content-Length: -1\r\n") << 400;
    QTest::newRow("cl plus") << withHeaders("POST / HTTP/1.1", host + "Content-Length: +1\r\n") << 400;
    QTest::newRow("cl empty") << withHeaders("POST / HTTP/1.1", host + "Content-Length:\r\n") << 400;
    QTest::newRow("cl differ") << withHeaders("POST / HTTP/1.1", host + "Content-Length: 5, 6\r\n") << 400;
    QTest::newRow("cl differ headers")
        << withHeaders("POST / HTTP/1.1", host + "Content-Length: 5\r\nContent-Length: 6\r\n") << 400;
    QTest::newRow("expect other") << withHeaders("POST / HTTP/1.1", host + "Expect: 101-x\r\n") << 417;
}

void TestHttpParser::malformed()
{
    QFETCH(QByteArray, bytes);
    QFETCH(int, status);
    const ParseResult r = parseBytes(bytes, HttpLimits());
    QCOMPARE(r.status, ParseStatus::Malformed);
    QCOMPARE(r.httpStatus, status);
    QVERIFY(!r.error.isEmpty());
    QCOMPARE(r.consumed, 0);
    // Malformed regardless of how the bytes arrive.
    const ParseResult single = feed(bytes, QList<qsizetype>(bytes.size(), 1), HttpLimits());
    QCOMPARE(single.status, ParseStatus::Malformed);
    QCOMPARE(single.httpStatus, status);
}

void TestHttpParser::targets_data()
{
    QTest::addColumn<QByteArray>("target");
    QTest::addColumn<QString>("path");
    QTest::newRow("root") << QByteArray("/") << QStringLiteral("/");
    QTest::newRow("escaped slash") << QByteArray("/v1/kv/a%2Fb") << QStringLiteral("/v1/kv/a/b");
    QTest::newRow("plus stays") << QByteArray("/v1/kv/a+b") << QStringLiteral("/v1/kv/a+b");
    QTest::newRow("utf8") << QByteArray("/v1/kv/%C3%A9t%C3%A9") << QStringLiteral("/v1/kv/\u00e9t\u00e9");
    QTest::newRow("raw utf8") << QByteArray("/v1/kv/\xc3\xa9") << QStringLiteral("/v1/kv/\u00e9");
    QTest::newRow("decoded ctl kept") << QByteArray("/a%00b") << QString::fromUtf8("/a\0b", 4);
    QTest::newRow("query only") << QByteArray("/x?") << QStringLiteral("/x");
    QTest::newRow("double slash") << QByteArray("//x") << QStringLiteral("//x");
    QTest::newRow("absolute") << QByteArray("http://example.com:8500/v1/agent/self?pretty")
                              << QStringLiteral("/v1/agent/self");
    QTest::newRow("absolute no path") << QByteArray("HTTPS://example.com") << QStringLiteral("/");
    QTest::newRow("asterisk") << QByteArray("*") << QStringLiteral("*");
}

void TestHttpParser::targets()
{
    QFETCH(QByteArray, target);
    QFETCH(QString, path);
    const ParseResult r = parseBytes("OPTIONS " + target + " HTTP/1.1\r\nHost: h\r\n\r\n", HttpLimits());
    QCOMPARE(r.status, ParseStatus::Complete);
    QCOMPARE(r.request.target, target);
    QCOMPARE(r.request.path, path);
}

void TestHttpParser::queryDecoding_data()
{
    using Query = QList<QPair<QString, QString>>;
    QTest::addColumn<QByteArray>("raw");
    QTest::addColumn<Query>("expected");
    QTest::newRow("empty") << QByteArray("") << Query {};
    QTest::newRow("flag") << QByteArray("recurse") << Query { { "recurse", "" } };
    QTest::newRow("repeat") << QByteArray("a=1&a=2&b") << Query { { "a", "1" }, { "a", "2" }, { "b", "" } };
    QTest::newRow("escapes") << QByteArray("x=%41%2b+y%20z") << Query { { "x", "A+ y z" } };
    QTest::newRow("key escapes") << QByteArray("a+b=c&%3D=%26") << Query { { "a b", "c" }, { "=", "&" } };
    QTest::newRow("bad escape dropped") << QByteArray("bad=%zz&ok=1&k%=2") << Query { { "ok", "1" } };
    QTest::newRow("semicolon dropped") << QByteArray("a;b=1&c=2&d=x;y") << Query { { "c", "2" } };
    QTest::newRow("empty pairs") << QByteArray("&&a=1&&") << Query { { "a", "1" } };
    QTest::newRow("empty key") << QByteArray("=v") << Query { { "", "v" } };
    QTest::newRow("second equals") << QByteArray("a=b=c") << Query { { "a", "b=c" } };
    QTest::newRow("utf8") << QByteArray("k=%E2%9C%93") << Query { { "k", QStringLiteral("\u2713") } };
}

void TestHttpParser::queryDecoding()
{
    using Query = QList<QPair<QString, QString>>;
    QFETCH(QByteArray, raw);
    QFETCH(Query, expected);
    QCOMPARE(parseQuery(raw), expected);
    const ParseResult r = parseBytes("GET /p?" + raw + " HTTP/1.1\r\nHost: h\r\n\r\n", HttpLimits());
    QCOMPARE(r.status, ParseStatus::Complete);
    QCOMPARE(r.request.query, expected);
}

void TestHttpParser::leniency()
{
    // Bare LF line ends, OWS around values, obs-text in values, unknown methods, empty values.
    const QByteArray bytes = "\r\nPURGE /x HTTP/1.1\nHost:h\nX-A: \t spaced \t\nX-B: caf\xe9\nX-Empty:\n\n";
    const ParseResult r = parseBytes(bytes, HttpLimits());
    QCOMPARE(r.status, ParseStatus::Complete);
    QCOMPARE(r.consumed, bytes.size());
    QCOMPARE(r.request.method, QByteArray("PURGE"));
    QCOMPARE(r.request.header("host"), QByteArray("h"));
    QCOMPARE(r.request.header("x-a"), QByteArray("spaced"));
    QCOMPARE(r.request.header("x-b"), QByteArray("caf\xe9"));
    QVERIFY(r.request.hasHeader("x-empty"));
    QVERIFY(!r.request.hasHeader("x-missing"));
}

void TestHttpParser::largeBodyIncremental()
{
    // A 4 MiB body in 4 KiB reads: every call consumes what it gets, so nothing is held twice.
    const HttpLimits limits;
    HttpRequestParser parser(limits);
    const qsizetype size = 4 * 1024 * 1024;
    const QByteArray head
        = "PUT /big HTTP/1.1\r\nHost: h\r\nContent-Length: " + QByteArray::number(size) + "\r\n\r\n";
    ParseResult r = parser.parse(head);
    QCOMPARE(r.status, ParseStatus::NeedMore);
    QVERIFY(r.headComplete);
    QVERIFY(parser.headComplete());
    QByteArray piece(4096, 'z');
    qsizetype sent = 0;
    while (sent < size) {
        r = parser.parse(piece);
        QCOMPARE(r.consumed, piece.size());
        sent += piece.size();
        if (sent < size)
            QCOMPARE(r.status, ParseStatus::NeedMore);
    }
    QCOMPARE(r.status, ParseStatus::Complete);
    QCOMPARE(r.request.body.size(), size);
    QVERIFY(!parser.inProgress());
}

void TestHttpParser::messageHelpers()
{
    HttpResponse response = HttpResponse::json("{}");
    QCOMPARE(response.status, 200);
    QCOMPARE(response.header("content-type"), QByteArray("application/json"));
    response.setHeader("CONTENT-TYPE", "text/x");
    QCOMPARE(response.headers.size(), 1);
    QCOMPARE(response.header("Content-Type"), QByteArray("text/x"));
    response.headers.append(header("X-Consul-Index", "1"));
    response.headers.append(header("x-consul-index", "2"));
    response.setHeader("X-Consul-Index", "3");
    QCOMPARE(response.headers.size(), 2);
    QCOMPARE(response.header("x-consul-index"), QByteArray("3"));

    const HttpResponse text = HttpResponse::text(404, QStringLiteral("no such key \u00e9"));
    QCOMPARE(text.status, 404);
    QCOMPARE(text.body, QStringLiteral("no such key \u00e9").toUtf8());
    QCOMPARE(text.header("content-type"), QByteArray("text/plain; charset=utf-8"));

    QCOMPARE(statusReason(200), QByteArray("OK"));
    QCOMPARE(statusReason(413), QByteArray("Request Entity Too Large"));
    QCOMPARE(statusReason(799), QByteArray("Unknown"));

    const QRegularExpression date(QStringLiteral(
        R"(^(Mon|Tue|Wed|Thu|Fri|Sat|Sun), \d\d (Jan|Feb|Mar|Apr|May|Jun|Jul|Aug|Sep|Oct|Nov|Dec) \d{4} \d\d:\d\d:\d\d GMT$)"));
    QVERIFY2(date.match(QString::fromLatin1(httpDateNow())).hasMatch(), httpDateNow().constData());

    HttpRequest request;
    request.query = { { "a", "1" }, { "b", "" }, { "a", "2" } };
    QCOMPARE(request.queryValues(u"a"), (QStringList { "1", "2" }));
    QCOMPARE(request.queryValue(u"a"), QStringLiteral("1"));
    QVERIFY(request.hasQuery(u"b"));
    QVERIFY(!request.hasQuery(u"c"));
    QVERIFY(request.rawQuery().isEmpty());
    QByteArray out;
    QVERIFY(percentDecode("a%2fb+c", out, false));
    QCOMPARE(out, QByteArray("a/b+c"));
    QVERIFY(percentDecode("a%2fb+c", out, true));
    QCOMPARE(out, QByteArray("a/b c"));
    QVERIFY(!percentDecode("%", out, true));
    QVERIFY(!percentDecode("%g0", out, true));
}

QTEST_GUILESS_MAIN(TestHttpParser)
#include "tst_HttpParser.moc"

// DnsServer over real loopback sockets: UDP, TCP (pipelined, split), garbage, and forwarding to
// fake recursors (answering, failing, silent, truncating).
#include <QtTest>
#include <QTcpServer>
#include <QTcpSocket>
#include <QUdpSocket>

#include "dns/DnsServer.h"
#include "state/Command.h"
#include "state/StateStore.h"

using namespace qonsul;
using namespace qonsul::dns;

namespace {

QByteArray query(const QByteArray &name, quint16 qtype, quint16 id = 0x7777)
{
    Message m;
    m.header.id = id;
    m.header.rd = true;
    m.questions.append({name, qtype, klass::IN});
    return encode(m);
}

// Sends one datagram and waits for the reply (empty on timeout).
QByteArray udpExchange(quint16 port, const QByteArray &packet, int timeoutMs = 3000)
{
    QUdpSocket s;
    s.writeDatagram(packet, QHostAddress::LocalHost, port);
    QElapsedTimer t;
    t.start();
    while (t.elapsed() < timeoutMs) {
        if (s.hasPendingDatagrams()) {
            QByteArray b(int(s.pendingDatagramSize()), '\0');
            s.readDatagram(b.data(), b.size());
            return b;
        }
        QTest::qWait(5);
    }
    return {};
}

QByteArray framed(const QByteArray &m)
{
    return QByteArray(1, char(m.size() >> 8)) + char(m.size() & 0xFF) + m;
}

// A fake upstream resolver on loopback (UDP and TCP on one port).
class FakeRecursor : public QObject
{
public:
    enum Mode { Answer, ServFail, Silent, TruncateUdp };
    explicit FakeRecursor(Mode mode) : mode(mode)
    {
        // UDP on any free port, then TCP on the same one (retried: that TCP port may be taken).
        for (int attempt = 0; attempt < 50 && !tcp.isListening(); ++attempt) {
            udp.close();
            QVERIFY(udp.bind(QHostAddress::LocalHost, 0));
            tcp.listen(QHostAddress::LocalHost, udp.localPort());
        }
        QVERIFY(tcp.isListening());
        connect(&udp, &QUdpSocket::readyRead, this, [this] {
            while (udp.hasPendingDatagrams()) {
                QByteArray b(int(udp.pendingDatagramSize()), '\0');
                QHostAddress from;
                quint16 port;
                udp.readDatagram(b.data(), b.size(), &from, &port);
                ++udpQueries;
                if (this->mode == Silent)
                    continue;
                udp.writeDatagram(answer(b, this->mode == TruncateUdp), from, port);
            }
        });
        connect(&tcp, &QTcpServer::newConnection, this, [this] {
            QTcpSocket *c = tcp.nextPendingConnection();
            connect(c, &QTcpSocket::readyRead, this, [this, c] {
                const QByteArray in = c->readAll();
                ++tcpQueries;
                c->write(framed(answer(in.mid(2), false)));
            });
        });
    }
    QByteArray answer(const QByteArray &q, bool truncated)
    {
        const auto m = parse(q);
        Message r = replyTo(*m, mode == ServFail ? rcode::ServFail : rcode::NoError);
        if (truncated) {
            r.header.tc = true;
            return encode(r);
        }
        if (mode == Answer || mode == TruncateUdp) {
            const int n = mode == TruncateUdp ? 60 : 1;
            for (int i = 0; i < n; ++i)
                r.answers.append(Record::a(m->questions[0].name, 60, QByteArray("\x5d\xb8\xd8") + char(i)));
        }
        return encode(r);
    }
    quint16 port() const { return udp.localPort(); }
    Mode mode;
    QUdpSocket udp;
    QTcpServer tcp;
    int udpQueries = 0, tcpQueries = 0;
};

} // namespace

class TestDnsServer : public QObject
{
    Q_OBJECT
    state::StateStore store;

    std::unique_ptr<DnsServer> server(QList<Recursor> recursors = {}, const QString &strategy = "sequential",
                                      Nanoseconds timeout = 300 * kMillisecond)
    {
        auto s = std::make_unique<DnsServer>(&store, DnsSettings{}, recursors, strategy, timeout);
        QString error;
        if (!s->listen(QHostAddress::LocalHost, 0, &error))
            qFatal("listen: %s", qPrintable(error));
        return s;
    }

private Q_SLOTS:
    void initTestCase()
    {
        const QJsonObject body{{"Node", "n1"}, {"Address", "10.0.0.1"},
                               {"Service", QJsonObject{{"Service", "web"}, {"Port", 80}}}};
        QVERIFY(store.apply(1, state::command::registerNode(body, 0)).error.isEmpty());
    }

    void udpAndTcpAnswer()
    {
        auto s = server();
        QVERIFY(s->port() != 0);
        auto reply = parse(udpExchange(s->port(), query("web.service.consul.", type::A)));
        QVERIFY(reply);
        QCOMPARE(reply->header.id, 0x7777);
        QCOMPARE(reply->answers.size(), 1);

        QTcpSocket tcp;
        tcp.connectToHost(QHostAddress::LocalHost, s->port());
        QVERIFY(tcp.waitForConnected(2000));
        // Two pipelined queries, the second split across writes.
        const QByteArray two = framed(query("web.service.consul.", type::A, 1)) + framed(query("n1.node.consul.", type::A, 2));
        tcp.write(two.left(30));
        tcp.flush();
        QTest::qWait(20);
        tcp.write(two.mid(30));
        QByteArray in;
        QTRY_VERIFY_WITH_TIMEOUT((in += tcp.readAll(), in.size() >= 4 && in.size() > 2 + ((uchar(in[0]) << 8) | uchar(in[1])) + 2), 3000);
        const int len1 = (uchar(in[0]) << 8) | uchar(in[1]);
        QTRY_VERIFY_WITH_TIMEOUT((in += tcp.readAll(), in.size() >= 2 + len1 + 2 + ((uchar(in[2 + len1]) << 8) | uchar(in[3 + len1]))), 3000);
        QCOMPARE(parse(in.mid(2, len1))->header.id, 1);
        QCOMPARE(parse(in.mid(4 + len1))->header.id, 2);
    }

    void tcpClientThatDoesNotReadIsPausedThenResumed()
    {
        auto s = server();
        QTcpSocket tcp;
        tcp.connectToHost(QHostAddress::LocalHost, s->port());
        QVERIFY(tcp.waitForConnected(2000));
        // ~0.5 MB of replies, more than the per-connection queue: sent before reading any.
        constexpr int n = 6000;
        QByteArray all;
        for (int i = 0; i < n; ++i)
            all += framed(query("web.service.consul.", type::A, quint16(i)));
        tcp.write(all);
        QTest::qWait(300);
        QByteArray in;
        int got = 0;
        QElapsedTimer t;
        t.start();
        while (got < n && t.elapsed() < 20000) {
            QTest::qWait(5);
            in += tcp.readAll();
            while (in.size() >= 2) {
                const int len = (uchar(in[0]) << 8) | uchar(in[1]);
                if (in.size() < 2 + len)
                    break;
                const auto m = parse(in.mid(2, len));
                QVERIFY(m);
                QCOMPARE(m->header.id, quint16(got));
                ++got;
                in.remove(0, 2 + len);
            }
        }
        QCOMPARE(got, n);
    }

    void garbageNeverStopsTheServer()
    {
        auto s = server();
        QUdpSocket junk;
        QRandomGenerator rng(42);
        for (int i = 0; i < 300; ++i) {
            QByteArray b(int(rng.bounded(0, 80)), '\0');
            for (char &c : b)
                c = char(rng.bounded(256));
            if (b.size() > 2)
                b[2] = char(uchar(b[2]) & 0x7F); // queries, so most get an answer
            junk.writeDatagram(b, QHostAddress::LocalHost, s->port());
        }
        QTest::qWait(100);
        // A short packet gets no reply at all; a real query still works.
        QVERIFY(udpExchange(s->port(), QByteArray("\x01\x02\x03", 3), 200).isEmpty());
        QVERIFY(parse(udpExchange(s->port(), query("web.service.consul.", type::A))));
        // TCP garbage with a bogus length closes only that connection.
        QTcpSocket tcp;
        tcp.connectToHost(QHostAddress::LocalHost, s->port());
        QVERIFY(tcp.waitForConnected(2000));
        tcp.write(framed(QByteArray("\x00\x01\x81", 3)));
        QTRY_VERIFY_WITH_TIMEOUT(tcp.state() != QAbstractSocket::ConnectedState, 3000);
        QVERIFY(parse(udpExchange(s->port(), query("web.service.consul.", type::A))));
    }

    void forwardsToARecursorWithRa()
    {
        FakeRecursor up(FakeRecursor::Answer);
        auto s = server({{QHostAddress::LocalHost, up.port()}});
        const auto reply = parse(udpExchange(s->port(), query("example.com.", type::A, 0x4321)));
        QVERIFY(reply);
        QCOMPARE(reply->header.id, 0x4321);
        QVERIFY(reply->header.ra);
        QCOMPARE(reply->answers.size(), 1);
        QCOMPARE(up.udpQueries, 1);
    }

    void sequentialSkipsFailingAndSilentRecursors()
    {
        FakeRecursor bad(FakeRecursor::ServFail), silent(FakeRecursor::Silent), good(FakeRecursor::Answer);
        auto s = server({{QHostAddress::LocalHost, bad.port()}, {QHostAddress::LocalHost, silent.port()},
                         {QHostAddress::LocalHost, good.port()}});
        const auto reply = parse(udpExchange(s->port(), query("example.com.", type::A)));
        QVERIFY(reply);
        QCOMPARE(reply->header.rcode, rcode::NoError);
        QCOMPARE(reply->answers.size(), 1);
        QCOMPARE(bad.udpQueries, 1);
        QCOMPARE(silent.udpQueries, 1);
        QCOMPARE(good.udpQueries, 1);
    }

    void randomStrategyUsesEveryRecursor()
    {
        FakeRecursor a(FakeRecursor::Answer), b(FakeRecursor::Answer);
        auto s = server({{QHostAddress::LocalHost, a.port()}, {QHostAddress::LocalHost, b.port()}}, "random");
        for (int i = 0; i < 40; ++i)
            QVERIFY(parse(udpExchange(s->port(), query("example.com.", type::A, quint16(i)))));
        QCOMPARE(a.udpQueries + b.udpQueries, 40);
        QVERIFY(a.udpQueries > 0 && b.udpQueries > 0);
        // Sequential always starts with the first.
        FakeRecursor c(FakeRecursor::Answer), d(FakeRecursor::Answer);
        auto s2 = server({{QHostAddress::LocalHost, c.port()}, {QHostAddress::LocalHost, d.port()}}, "sequential");
        for (int i = 0; i < 10; ++i)
            QVERIFY(parse(udpExchange(s2->port(), query("example.com.", type::A, quint16(i)))));
        QCOMPARE(c.udpQueries, 10);
        QCOMPARE(d.udpQueries, 0);
    }

    void allRecursorsFailingIsServfail()
    {
        FakeRecursor bad(FakeRecursor::ServFail), silent(FakeRecursor::Silent);
        auto s = server({{QHostAddress::LocalHost, bad.port()}, {QHostAddress::LocalHost, silent.port()}});
        const auto reply = parse(udpExchange(s->port(), query("example.com.", type::A)));
        QVERIFY(reply);
        QCOMPARE(reply->header.rcode, rcode::ServFail);
        QVERIFY(reply->header.ra);
    }

    void truncatedUpstreamAnswersAreRetriedOverTcp()
    {
        FakeRecursor up(FakeRecursor::TruncateUdp);
        auto s = server({{QHostAddress::LocalHost, up.port()}});
        // Over TCP from the client: the recursor is asked over TCP, full answer.
        QTcpSocket tcp;
        tcp.connectToHost(QHostAddress::LocalHost, s->port());
        QVERIFY(tcp.waitForConnected(2000));
        tcp.write(framed(query("big.example.", type::A)));
        QByteArray in;
        QTRY_VERIFY_WITH_TIMEOUT((in += tcp.readAll(), in.size() > 2 && in.size() >= 2 + ((uchar(in[0]) << 8) | uchar(in[1]))), 3000);
        QCOMPARE(parse(in.mid(2))->answers.size(), 60);
        QCOMPARE(up.tcpQueries, 1);
        // Over UDP without EDNS the 60 records do not fit 512 bytes: the client gets TC.
        const auto reply = parse(udpExchange(s->port(), query("big.example.", type::A)));
        QVERIFY(reply);
        QVERIFY(reply->header.tc);
        QCOMPARE(up.tcpQueries, 2);
    }

    void parsesRecursorAddresses()
    {
        Recursor r;
        QVERIFY(parseRecursor("8.8.8.8", &r));
        QCOMPARE(r.port, 53);
        QVERIFY(parseRecursor("127.0.0.1:5353", &r));
        QCOMPARE(r.port, 5353);
        QVERIFY(parseRecursor("[::1]:54", &r));
        QCOMPARE(r.address, QHostAddress("::1"));
        QCOMPARE(r.port, 54);
        QVERIFY(parseRecursor("::1", &r));
        QCOMPARE(r.port, 53);
        QVERIFY(!parseRecursor("dns.example:53", &r));
    }
};

QTEST_GUILESS_MAIN(TestDnsServer)
#include "tst_dnsserver.moc"

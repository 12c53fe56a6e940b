// The server RPC: frame codec and its refusals, the Raft message codec, requests through the
// connection pool against a real listener on loopback (reuse, errors, timeouts, refused frames,
// a port that does not speak the protocol), three Raft nodes electing a leader and committing
// over the transport, and a follower that learns from the transport that the connection from
// its leader closed.
#include "SimClock.h"
#include "TestSupport.h"
#include "raft/MemoryStores.h"
#include "raft/RaftNode.h"
#include "rpc/ConnectionPool.h"
#include "rpc/RaftCodec.h"
#include "rpc/RaftTransport.h"
#include "rpc/RpcServer.h"

#include <QCborArray>
#include <QCborMap>
#include <QRandomGenerator>
#include <QSignalSpy>
#include <QTcpServer>
#include <QTcpSocket>
#include <QTimer>
#include <QTest>
#include <QtEndian>

using namespace Qt::StringLiterals;
using namespace qonsul;
using namespace qonsul::rpc;

namespace {

QByteArray rawFrame(const QCborValue &payload)
{
    const QByteArray bytes = payload.toCbor();
    QByteArray out(4, Qt::Uninitialized);
    qToBigEndian(quint32(bytes.size()), out.data());
    return out + bytes;
}

struct CallResult
{
    bool done = false;
    QCborValue result;
    QString error;
};

CallResult callAndWait(ConnectionPool &pool, const QString &address, const QString &method, const QCborValue &args,
                       int timeoutMs = 2000)
{
    auto r = std::make_shared<CallResult>();
    pool.call(address, method, args, timeoutMs, [r](const QCborValue &result, const QString &error) {
        r->done = true;
        r->result = result;
        r->error = error;
    });
    QDeadlineTimer deadline(timeoutMs + 3000);
    while (!r->done && !deadline.hasExpired())
        QTest::qWait(5);
    if (!r->done)
        r->error = u"test: no callback"_s;
    return *r;
}

// Sends raw bytes on a fresh socket and returns what the server answered before closing. The
// server runs in this thread, so the waits spin the event loop.
QByteArray rawExchange(quint16 port, const QByteArray &bytes, bool closeAfterWrite = false)
{
    QTcpSocket socket;
    socket.connectToHost(QHostAddress::LocalHost, port);
    QDeadlineTimer deadline(3000);
    while (socket.state() != QAbstractSocket::ConnectedState && !deadline.hasExpired())
        QTest::qWait(5);
    socket.write(bytes);
    if (closeAfterWrite) {
        socket.disconnectFromHost();
        QTest::qWait(20);
        return {};
    }
    QByteArray answer;
    while (socket.state() == QAbstractSocket::ConnectedState && !deadline.hasExpired()) {
        QTest::qWait(5);
        answer += socket.readAll();
    }
    return answer + socket.readAll();
}

QString errorFrameText(const QByteArray &answer)
{
    FrameDecoder decoder;
    decoder.feed(answer);
    Frame frame;
    QString error;
    if (decoder.next(&frame, &error) != FrameDecoder::Status::Frame || frame.type != FrameType::Error)
        return u"<no error frame: %1>"_s.arg(QString::fromLatin1(answer.toHex()));
    return frame.body.toString();
}

} // namespace

class TestRpc : public QObject
{
    Q_OBJECT
private Q_SLOTS:
    void frameRoundTripByteByByte();
    void frameRefusals_data();
    void frameRefusals();
    void raftCodecRoundTrip();
    void raftCodecRejectsMalformed();
    void requestsReuseOneConnection();
    void unknownMethodKeepsConnection();
    void serverRefusesBadFrames();
    void timeoutsAndUnreachableServers();
    void nonQonsulPortGivesClearError();
    void threeNodesOverTransport();
    void closedLeaderConnectionReachesFollower();
};

void TestRpc::frameRoundTripByteByByte()
{
    Frame a;
    a.type = FrameType::Request;
    a.datacenter = u"dc1"_s;
    a.id = 42;
    a.body = QCborArray{u"Status.Ping"_s, QCborMap{{u"x"_s, 1}}};
    Frame b;
    b.type = FrameType::Raft;
    b.datacenter = u"dc1"_s;
    b.body = QByteArray(100000, 'z');
    const QByteArray bytes = encodeFrame(a) + encodeFrame(b);
    FrameDecoder decoder;
    QList<Frame> frames;
    for (char c : bytes) {
        decoder.feed(QByteArray(1, c));
        Frame f;
        QString error;
        const auto status = decoder.next(&f, &error);
        QVERIFY2(status != FrameDecoder::Status::Error, qPrintable(error));
        if (status == FrameDecoder::Status::Frame)
            frames.append(f);
    }
    QCOMPARE(frames.size(), 2);
    QCOMPARE(frames[0].type, FrameType::Request);
    QCOMPARE(frames[0].id, 42u);
    QCOMPARE(frames[0].datacenter, u"dc1"_s);
    QCOMPARE(frames[0].body, a.body);
    QCOMPARE(frames[0].version, kProtocolVersion);
    QCOMPARE(frames[1].body.toByteArray().size(), 100000);
    QCOMPARE(decoder.buffered(), 0);
}

void TestRpc::frameRefusals_data()
{
    QTest::addColumn<QByteArray>("bytes");
    QTest::addColumn<QString>("reason");
    QByteArray huge(4, Qt::Uninitialized);
    qToBigEndian(quint32(2000), huge.data());
    QTest::newRow("oversized") << huge << u"exceeds the limit"_s;
    QTest::newRow("empty") << QByteArray(4, '\0') << u"empty frame"_s;
    QTest::newRow("not cbor") << QByteArray::fromHex("00000002ffff") << u"malformed frame"_s;
    QTest::newRow("not a map") << rawFrame(QCborArray{1, 2}) << u"not a CBOR map"_s;
    QTest::newRow("no version") << rawFrame(QCborMap{{1, 2}}) << u"unsupported protocol version"_s;
    QTest::newRow("version 0") << rawFrame(QCborMap{{0, 0}, {1, 2}}) << u"unsupported protocol version 0"_s;
    QTest::newRow("unknown type") << rawFrame(QCborMap{{0, 1}, {1, 99}}) << u"unknown frame type 99"_s;
    QTest::newRow("bad dc") << rawFrame(QCborMap{{0, 1}, {1, 2}, {2, 5}}) << u"malformed frame header"_s;
    QTest::newRow("negative id") << rawFrame(QCborMap{{0, 1}, {1, 2}, {3, -1}}) << u"malformed frame header"_s;
}

void TestRpc::frameRefusals()
{
    QFETCH(QByteArray, bytes);
    QFETCH(QString, reason);
    FrameDecoder decoder(1024);
    decoder.feed(bytes);
    Frame f;
    QString error;
    QCOMPARE(decoder.next(&f, &error), FrameDecoder::Status::Error);
    QVERIFY2(error.contains(reason), qPrintable(error));
    QVERIFY(decoder.failed());
    QCOMPARE(decoder.next(&f, &error), FrameDecoder::Status::Error); // stays failed
    // A newer sender's extra keys are ignored.
    FrameDecoder fresh;
    fresh.feed(rawFrame(QCborMap{{0, 7}, {1, 3}, {3, 9}, {99, u"future"_s}}));
    QCOMPARE(fresh.next(&f, &error), FrameDecoder::Status::Frame);
    QCOMPARE(f.version, 7u);
    QCOMPARE(f.id, 9u);
}

void TestRpc::raftCodecRoundTrip()
{
    raft::Message m;
    m.type = raft::Message::Type::AppendEntries;
    m.from = u"a"_s;
    m.to = u"b"_s;
    m.term = 7;
    m.prevLogIndex = 10;
    m.prevLogTerm = 6;
    m.entries = {raft::LogEntry{11, 7, raft::LogEntry::Type::Command, "cmd"},
                 raft::LogEntry{12, 7, raft::LogEntry::Type::Noop, {}}};
    m.leaderCommit = 9;
    m.stamp = 123456789;
    m.round = 3;
    m.success = true;
    m.matchIndex = 12;
    m.rejectIndex = 4;
    m.conflictIndex = 5;
    m.conflictTerm = 2;
    m.lastLogIndex = 12;
    m.lastLogTerm = 7;
    m.preVote = true;
    m.leadershipTransfer = true;
    raft::Message out;
    QString error;
    QVERIFY2(decodeRaftMessage(QCborValue::fromCbor(encodeRaftMessage(m).toCbor()), &out, &error), qPrintable(error));
    QCOMPARE(out.type, m.type);
    QCOMPARE(out.from, m.from);
    QCOMPARE(out.to, m.to);
    QCOMPARE(out.entries, m.entries);
    QCOMPARE(out.stamp, m.stamp);
    QCOMPARE(out.round, m.round);
    QCOMPARE(out.conflictTerm, m.conflictTerm);
    QCOMPARE(out.lastLogTerm, m.lastLogTerm);
    QVERIFY(out.success && out.preVote && out.leadershipTransfer);

    raft::Message snap;
    snap.type = raft::Message::Type::InstallSnapshot;
    snap.from = u"a"_s;
    snap.to = u"c"_s;
    snap.snapshot.index = 100;
    snap.snapshot.term = 4;
    snap.snapshot.configuration.servers = {raft::Server{u"a"_s, u"127.0.0.2:8300"_s},
                                           raft::Server{u"c"_s, u"127.0.0.4:8300"_s, raft::Suffrage::Nonvoter}};
    snap.snapshotData = QByteArray(5000, 's');
    snap.snapshotOffset = 1 << 20;
    snap.snapshotDone = true;
    QVERIFY2(decodeRaftMessage(encodeRaftMessage(snap), &out, &error), qPrintable(error));
    QCOMPARE(out.snapshot.index, 100u);
    QCOMPARE(out.snapshot.term, 4u);
    QCOMPARE(out.snapshot.configuration, snap.snapshot.configuration);
    QCOMPARE(out.snapshotData, snap.snapshotData);
    QCOMPARE(out.snapshotOffset, quint64(1 << 20));
    QVERIFY(out.snapshotDone);

    raft::Message chunkAck; // the answer to one chunk names the snapshot and the bytes held
    chunkAck.type = raft::Message::Type::InstallSnapshotResponse;
    chunkAck.from = u"c"_s;
    chunkAck.snapshot.index = 100;
    chunkAck.snapshot.term = 4;
    chunkAck.snapshotOffset = 5000;
    QVERIFY2(decodeRaftMessage(encodeRaftMessage(chunkAck), &out, &error), qPrintable(error));
    QCOMPARE(out.snapshot.index, 100u);
    QCOMPARE(out.snapshot.term, 4u);
    QCOMPARE(out.snapshotOffset, 5000u);
}

void TestRpc::raftCodecRejectsMalformed()
{
    raft::Message out;
    QString error;
    QVERIFY(!decodeRaftMessage(QCborArray{}, &out, &error));
    QVERIFY(!decodeRaftMessage(QCborMap{{0, 42}, {1, u"a"_s}}, &out, &error));
    QVERIFY(error.contains(u"unknown raft message type"_s));
    QVERIFY(!decodeRaftMessage(QCborMap{{0, 2}}, &out, &error)); // no sender
    QVERIFY(!decodeRaftMessage(QCborMap{{0, 2}, {1, u"a"_s}, {3, -5}}, &out, &error));
    QVERIFY(!decodeRaftMessage(QCborMap{{0, 2}, {1, u"a"_s}, {3, u"x"_s}}, &out, &error));
    QVERIFY(!decodeRaftMessage(QCborMap{{0, 0}, {1, u"a"_s}, {6, QCborArray{QCborArray{1, 1, 9, QByteArray()}}}}, &out, &error));
    QVERIFY(error.contains(u"malformed raft log entry"_s));
    QVERIFY(!decodeRaftMessage(QCborMap{{0, 0}, {1, u"a"_s}, {6, 5}}, &out, &error));
    QVERIFY(!decodeRaftMessage(QCborMap{{0, 6}, {1, u"a"_s}, {21, QByteArray("\xff")}}, &out, &error));
}

void TestRpc::requestsReuseOneConnection()
{
    RpcServer server(RpcServer::Options{});
    QString error;
    QVERIFY(server.listen(QHostAddress::LocalHost, 0, &error));
    server.setHandler(u"Test.Echo"_s, [](const QCborValue &args, RpcServer::Reply reply) { reply(args, {}); });
    server.setHandler(u"Test.Fail"_s, [](const QCborValue &, RpcServer::Reply reply) { reply({}, u"no such key"_s); });
    // A deferred reply, answered after later requests on the same connection.
    server.setHandler(u"Test.Later"_s, [](const QCborValue &args, RpcServer::Reply reply) {
        QTimer::singleShot(200, [args, reply] { reply(args, {}); });
    });
    ConnectionPool pool(ConnectionPool::Options{});
    const QString address = u"127.0.0.1:%1"_s.arg(server.port());
    auto later = std::make_shared<CallResult>();
    pool.call(address, u"Test.Later"_s, u"slow"_s, 2000, [later](const QCborValue &r, const QString &e) {
        later->done = true;
        later->result = r;
        later->error = e;
    });
    for (int i = 0; i < 10; ++i) {
        const CallResult r = callAndWait(pool, address, u"Test.Echo"_s, QCborMap{{u"i"_s, i}});
        QVERIFY2(r.error.isEmpty(), qPrintable(r.error));
        QCOMPARE(r.result.toMap().value(u"i"_s).toInteger(), i);
    }
    QVERIFY(!later->done);
    QTRY_VERIFY(later->done);
    QCOMPARE(later->result.toString(), u"slow"_s);
    const CallResult failed = callAndWait(pool, address, u"Test.Fail"_s, {});
    QCOMPARE(failed.error, u"no such key"_s);
    QCOMPARE(pool.connectionsOpened(), 1u);
    QCOMPARE(server.connectionCount(), 1);
    QCOMPARE(server.requestsServed(), 12u);
}

void TestRpc::unknownMethodKeepsConnection()
{
    RpcServer server(RpcServer::Options{});
    QString error;
    QVERIFY(server.listen(QHostAddress::LocalHost, 0, &error));
    server.setHandler(u"Test.Echo"_s, [](const QCborValue &args, RpcServer::Reply reply) { reply(args, {}); });
    ConnectionPool pool(ConnectionPool::Options{});
    const QString address = u"127.0.0.1:%1"_s.arg(server.port());
    const CallResult unknown = callAndWait(pool, address, u"Nope.Missing"_s, {});
    QCOMPARE(unknown.error, u"rpc: can't find method Nope.Missing"_s);
    QCOMPARE(callAndWait(pool, address, u"Test.Echo"_s, 5).result.toInteger(), 5);
    QCOMPARE(pool.connectionsOpened(), 1u);
    QCOMPARE(server.refusedFrames(), 1u);
}

void TestRpc::serverRefusesBadFrames()
{
    RpcServer::Options options;
    options.maxFrameSize = 4096;
    RpcServer server(options);
    QString error;
    QVERIFY(server.listen(QHostAddress::LocalHost, 0, &error));
    server.setHandler(u"Test.Echo"_s, [](const QCborValue &args, RpcServer::Reply reply) { reply(args, {}); });
    server.setRaftHandler([](const QCborValue &, quintptr, QString *error) {
        *error = u"not a raft message"_s;
        return false;
    });
    QByteArray huge(4, Qt::Uninitialized);
    qToBigEndian(quint32(1 << 20), huge.data());
    const QString hugeError = errorFrameText(rawExchange(server.port(), huge));
    QVERIFY2(hugeError.contains(u"exceeds the limit of 4096 bytes"_s), qPrintable(hugeError));
    QVERIFY(errorFrameText(rawExchange(server.port(), rawFrame(QCborMap{{0, 1}, {1, 77}}))).contains(u"unknown frame type 77"_s));
    QCOMPARE(errorFrameText(rawExchange(server.port(), rawFrame(QCborMap{{0, 1}, {1, 2}, {2, u"dc9"_s}, {3, 1},
                                                                          {4, QCborArray{u"Test.Echo"_s, 1}}}))),
             u"frame for datacenter \"dc9\" reached a server of datacenter \"dc1\""_s);
    QVERIFY(errorFrameText(rawExchange(server.port(), rawFrame(QCborMap{{0, 1}, {1, 1}, {2, u"dc1"_s}, {4, 5}})))
                .contains(u"bad raft message"_s));
    // A frame cut short by the peer closing.
    rawExchange(server.port(), rawFrame(QCborMap{{0, 1}, {1, 2}, {2, u"dc1"_s}}).left(7), true);
    QTRY_COMPARE(server.refusedFrames(), 5u);
    QTRY_COMPARE(server.connectionCount(), 0);
    // The server still serves.
    ConnectionPool pool(ConnectionPool::Options{});
    QCOMPARE(callAndWait(pool, u"127.0.0.1:%1"_s.arg(server.port()), u"Test.Echo"_s, 1).result.toInteger(), 1);
    // A client of another datacenter is refused with the reason.
    ConnectionPool::Options other;
    other.datacenter = u"dc2"_s;
    ConnectionPool otherPool(other);
    const CallResult r = callAndWait(otherPool, u"127.0.0.1:%1"_s.arg(server.port()), u"Test.Echo"_s, 1);
    QVERIFY2(r.error.contains(u"datacenter \"dc2\""_s), qPrintable(r.error));
}

void TestRpc::timeoutsAndUnreachableServers()
{
    RpcServer server(RpcServer::Options{});
    QString error;
    QVERIFY(server.listen(QHostAddress::LocalHost, 0, &error));
    server.setHandler(u"Test.Never"_s, [](const QCborValue &, RpcServer::Reply) {});
    ConnectionPool pool(ConnectionPool::Options{});
    const CallResult never = callAndWait(pool, u"127.0.0.1:%1"_s.arg(server.port()), u"Test.Never"_s, {}, 300);
    QVERIFY2(never.error.contains(u"timeout"_s), qPrintable(never.error));

    const quint16 closedPort = test::freeTcpPort();
    const CallResult refused = callAndWait(pool, u"127.0.0.1:%1"_s.arg(closedPort), u"Test.Never"_s, {});
    QVERIFY2(refused.error.contains(u"refused"_s, Qt::CaseInsensitive), qPrintable(refused.error));
    const CallResult invalid = callAndWait(pool, u"no-port"_s, u"Test.Never"_s, {});
    QVERIFY(invalid.error.contains(u"invalid server address"_s));
    // Idle connections close.
    ConnectionPool::Options shortIdle;
    shortIdle.idleTimeoutMs = 100;
    ConnectionPool idlePool(shortIdle);
    server.setHandler(u"Test.Echo"_s, [](const QCborValue &args, RpcServer::Reply reply) { reply(args, {}); });
    callAndWait(idlePool, u"127.0.0.1:%1"_s.arg(server.port()), u"Test.Echo"_s, 1);
    QCOMPARE(idlePool.openConnections(), 1);
    QTRY_COMPARE(idlePool.openConnections(), 0);
}

void TestRpc::nonQonsulPortGivesClearError()
{
    QTcpServer http;
    QVERIFY(http.listen(QHostAddress::LocalHost, 0));
    connect(&http, &QTcpServer::newConnection, &http, [&http] {
        QTcpSocket *s = http.nextPendingConnection();
        connect(s, &QTcpSocket::readyRead, s, [s] {
            s->readAll();
            s->write("HTTP/1.1 400 Bad Request\r\nContent-Length: 0\r\n\r\n");
        });
    });
    ConnectionPool pool(ConnectionPool::Options{});
    const CallResult r = callAndWait(pool, u"127.0.0.1:%1"_s.arg(http.serverPort()), u"Test.Echo"_s, {});
    QVERIFY2(r.error.startsWith(u"not a Qonsul server RPC port"_s), qPrintable(r.error));
}

void TestRpc::threeNodesOverTransport()
{
    struct Peer
    {
        std::unique_ptr<RpcServer> server;
        std::unique_ptr<ConnectionPool> pool;
        std::unique_ptr<RaftTransport> transport;
        raft::MemoryLogStore log;
        raft::MemoryStableStore stable;
        raft::MemorySnapshotStore snapshots;
        struct Machine final : raft::StateMachine
        {
            QList<QByteArray> applied;
            std::any apply(const raft::LogEntry &e) override
            {
                applied.append(e.data);
                return {};
            }
            std::function<QByteArray()> capture() const override { return [a = applied] { return a.join(','); }; }
            bool restore(const QByteArray &d, const raft::SnapshotMeta &) override
            {
                applied = d.isEmpty() ? QList<QByteArray>{} : d.split(',');
                return true;
            }
        } fsm;
        std::unique_ptr<raft::RaftNode> node;
    };
    SystemClock clock;
    std::array<Peer, 3> peers;
    raft::Configuration config;
    for (int i = 0; i < 3; ++i) {
        Peer &p = peers[i];
        p.server = std::make_unique<RpcServer>(RpcServer::Options{});
        QString error;
        QVERIFY(p.server->listen(QHostAddress::LocalHost, 0, &error));
        const QString address = u"127.0.0.1:%1"_s.arg(p.server->port());
        config.servers.append(raft::Server{u"n%1"_s.arg(i), address});
        p.pool = std::make_unique<ConnectionPool>(ConnectionPool::Options{});
        p.transport = std::make_unique<RaftTransport>(p.pool.get(), address);
        p.transport->serve(p.server.get());
    }
    for (int i = 0; i < 3; ++i) {
        Peer &p = peers[i];
        raft::RaftNode::Deps deps;
        deps.id = u"n%1"_s.arg(i);
        deps.clock = &clock;
        deps.transport = p.transport.get();
        deps.log = &p.log;
        deps.stable = &p.stable;
        deps.snapshots = &p.snapshots;
        deps.fsm = &p.fsm;
        deps.random = [] { return QRandomGenerator::global()->generate64(); };
        deps.options.timing = raft::Timing::devMode();
        p.node = std::make_unique<raft::RaftNode>(deps);
        p.transport->setNode(p.node.get());
        QVERIFY(p.node->bootstrap(config));
    }
    auto leader = [&]() -> raft::RaftNode * {
        for (Peer &p : peers) {
            if (p.node->isLeader())
                return p.node.get();
        }
        return nullptr;
    };
    QTRY_VERIFY_WITH_TIMEOUT(leader() != nullptr, 5000);
    int committed = 0;
    for (int i = 0; i < 20; ++i) {
        leader()->propose(QByteArray::number(i), [&committed](quint64 index, const std::any &, const QString &error) {
            if (index && error.isEmpty())
                ++committed;
        });
    }
    QTRY_COMPARE_WITH_TIMEOUT(committed, 20, 5000);
    for (Peer &p : peers)
        QTRY_COMPARE_WITH_TIMEOUT(p.fsm.applied.size(), 20, 5000);
    QVERIFY(peers[0].transport->sent() > 0 && peers[0].transport->received() > 0);
    for (Peer &p : peers)
        p.node.reset(); // before the clock: nodes cancel their timers
    clock.cancelAll();
}

// A follower's Raft node on a real RpcServer and transport, on a simulated clock with no random
// part in its timeouts; a "leader" that is only a connection pool sending it heartbeats. When
// the connection the leader's messages came on closes, the follower campaigns once
// leaderGoneTimeout has passed since its last contact (800 ms at raft_multiplier 1) instead of
// the heartbeat timeout (1000 ms); an older connection of a leader that reconnected does not count.
void TestRpc::closedLeaderConnectionReachesFollower()
{
    test::SimClock clock;
    RpcServer server(RpcServer::Options {});
    QString error;
    QVERIFY(server.listen(QHostAddress::LocalHost, 0, &error));
    const QString followerAddress = u"127.0.0.1:%1"_s.arg(server.port());
    const QString leaderAddress = u"127.0.0.1:%1"_s.arg(test::freeTcpPort());
    ConnectionPool followerPool(ConnectionPool::Options {});
    RaftTransport transport(&followerPool, followerAddress);
    transport.serve(&server);
    raft::MemoryLogStore log;
    raft::MemoryStableStore stable;
    raft::MemorySnapshotStore snapshots;
    struct Nothing final : raft::StateMachine
    {
        std::any apply(const raft::LogEntry &) override { return {}; }
        std::function<QByteArray()> capture() const override
        {
            return [] { return QByteArray(); };
        }
        bool restore(const QByteArray &, const raft::SnapshotMeta &) override { return true; }
    } fsm;
    raft::RaftNode::Deps deps;
    deps.id = u"follower"_s;
    deps.clock = &clock;
    deps.transport = &transport;
    deps.log = &log;
    deps.stable = &stable;
    deps.snapshots = &snapshots;
    deps.fsm = &fsm;
    deps.random = [] { return quint64(0); };
    deps.options.timing = raft::Timing::fromMultiplier(1);
    raft::RaftNode node(deps);
    transport.setNode(&node);
    QVERIFY(node.bootstrap(raft::Configuration {
        { raft::Server { u"leader"_s, leaderAddress }, raft::Server { u"follower"_s, followerAddress },
            raft::Server { u"other"_s, u"127.0.0.1:%1"_s.arg(test::freeTcpPort()) } } }));
    quint64 heartbeats = 0;
    auto heartbeat = [&](ConnectionPool &pool) {
        raft::Message m;
        m.type = raft::Message::Type::Heartbeat;
        m.from = u"leader"_s;
        m.to = u"follower"_s;
        m.term = 1;
        m.stamp = clock.monotonicMs();
        pool.sendRaft(followerAddress, QCborArray { encodeRaftMessage(m), leaderAddress });
        const quint64 before = heartbeats++;
        QTRY_COMPARE(transport.received(), before + 1);
    };
    auto leaderPool = std::make_unique<ConnectionPool>(ConnectionPool::Options {});
    heartbeat(*leaderPool);
    QCOMPARE(node.leaderId(), u"leader"_s);

    // The leader reconnects (a new connection carries its next heartbeat), then the old one
    // closes: the leader is alive, the follower keeps its usual timeout.
    auto newer = std::make_unique<ConnectionPool>(ConnectionPool::Options {});
    clock.advance(100);
    heartbeat(*newer);
    leaderPool.reset(); // closes the older connection
    QTRY_COMPARE(server.connectionCount(), 1);
    clock.advance(900);
    QCOMPARE(node.state(), raft::RaftNode::State::Follower);
    QCOMPARE(node.leaderId(), u"leader"_s);

    // Its newest connection closes (the leader's process died): 800 ms after the last contact
    // the follower campaigns, 200 ms before the heartbeat timeout would have let it.
    heartbeat(*newer);
    newer.reset();
    QTRY_COMPARE(server.connectionCount(), 0);
    clock.advance(799);
    QCOMPARE(node.state(), raft::RaftNode::State::Follower);
    clock.advance(1);
    QCOMPARE(node.state(), raft::RaftNode::State::PreCandidate);
    transport.setNode(nullptr);
}

QTEST_GUILESS_MAIN(TestRpc)
#include "tst_rpc.moc"

// RaftNode in isolation on a SimClock: timings, configuration encoding, the in-memory log store,
// a single-server cluster end to end, and a follower's answers to hand-written messages
// (conflict hints, stale terms, stickiness, durable term and vote). Also the RaftCommitter
// adapter over a real StateStore.
#include "SimClock.h"
#include "raft/MemoryStores.h"
#include "raft/RaftCommitter.h"
#include "raft/RaftNode.h"
#include "state/Command.h"

#include <QLoggingCategory>
#include <QTest>

using namespace Qt::StringLiterals;
using namespace qonsul;
using namespace qonsul::raft;
using qonsul::test::SimClock;

namespace {

class RecordingTransport final : public Transport
{
public:
    void send(const Message &m) override { sent.append(m); }
    QList<Message> take()
    {
        QList<Message> out;
        out.swap(sent);
        return out;
    }
    QList<Message> sent;
};

class CountingMachine final : public StateMachine
{
public:
    std::any apply(const LogEntry &e) override
    {
        if (onApply)
            onApply();
        applied.append(e.data);
        return int(applied.size());
    }
    std::function<QByteArray()> capture() const override { return [a = applied] { return a.join(','); }; }
    bool restore(const QByteArray &data, const SnapshotMeta &) override
    {
        applied = data.isEmpty() ? QList<QByteArray> {} : data.split(',');
        return true;
    }
    QList<QByteArray> applied;
    std::function<void()> onApply;
};

Configuration threeServers()
{
    return Configuration { { Server { u"a"_s, u"10.0.0.1:8300"_s }, Server { u"b"_s, u"10.0.0.2:8300"_s },
        Server { u"c"_s, u"10.0.0.3:8300"_s } } };
}

// One node with its own disk; restart() rebuilds the node from the same stores.
struct Harness
{
    SimClock clock;
    RecordingTransport transport;
    MemoryLogStore log;
    MemoryStableStore stable;
    MemorySnapshotStore snapshots;
    CountingMachine fsm;
    quint64 rng = 42;
    std::unique_ptr<RaftNode> node;
    ServerId id;

    explicit Harness(ServerId self = u"a"_s) : id(std::move(self)) { restart(); }
    void restart()
    {
        node.reset();
        fsm.applied.clear();
        RaftNode::Deps d;
        d.id = id;
        d.clock = &clock;
        d.transport = &transport;
        d.log = &log;
        d.stable = &stable;
        d.snapshots = &snapshots;
        d.fsm = &fsm;
        d.random = [this] { return rng = rng * 6364136223846793005ull + 1442695040888963407ull; };
        d.options.timing = Timing::fromMultiplier(1);
        node = std::make_unique<RaftNode>(d);
    }
    Message fromLeader(Message::Type type, quint64 term)
    {
        Message m;
        m.type = type;
        m.from = u"b"_s;
        m.to = id;
        m.term = term;
        return m;
    }
};

} // namespace

class TestRaftNode : public QObject
{
    Q_OBJECT

private Q_SLOTS:
    void initTestCase() { QLoggingCategory::setFilterRules(u"qonsul.raft=false"_s); }

    void timingFromMultiplier()
    {
        const Timing one = Timing::fromMultiplier(1);
        QCOMPARE(one.heartbeatTimeout, 1000);
        QCOMPARE(one.electionTimeout, 1000);
        QCOMPARE(one.leaderLeaseTimeout, 500);
        QCOMPARE(one.heartbeatInterval(), 100);
        const Timing five = Timing::fromMultiplier(5); // Consul's default
        QCOMPARE(five.heartbeatTimeout, 5000);
        QCOMPARE(five.leaderLeaseTimeout, 2500);
        QCOMPARE(Timing::fromMultiplier(0).heartbeatTimeout, 1000);   // clamped to 1
        QCOMPARE(Timing::fromMultiplier(50).heartbeatTimeout, 10000); // clamped to 10
        const Timing dev = Timing::devMode();
        QCOMPARE(dev.heartbeatTimeout, 52);
        QCOMPARE(dev.electionTimeout, 35);
        QCOMPARE(dev.leaderLeaseTimeout, 20);
        QString why;
        QVERIFY(one.valid(&why));
        QVERIFY(dev.valid(&why));
        QVERIFY(!(Timing { 1000, 1000, 1000 }.valid(&why))); // the lease must be strictly shorter
        QVERIFY(why.contains(u"lease"_s));
    }

    void configurationRoundTrip()
    {
        Configuration c = threeServers();
        c.servers.append(Server { u"d"_s, u"10.0.0.4:8300"_s, Suffrage::Nonvoter });
        Configuration back;
        QVERIFY(Configuration::decode(c.encode(), &back));
        QCOMPARE(back, c);
        QCOMPARE(back.voters(), (QList<ServerId> { u"a"_s, u"b"_s, u"c"_s }));
        QCOMPARE(back.quorum(), 2);
        QVERIFY(!back.isVoter(u"d"_s));
        QVERIFY(!Configuration::decode("not cbor", &back));
    }

    void memoryLogStore()
    {
        MemoryLogStore log;
        QCOMPARE(log.firstIndex(), 1u);
        QCOMPARE(log.lastIndex(), 0u);
        log.append({ LogEntry { 1, 1 }, LogEntry { 2, 1 }, LogEntry { 3, 2 } });
        QCOMPARE(log.entry(3).term, 2u);
        log.truncateAfter(2);
        QCOMPARE(log.lastIndex(), 2u);
        log.truncateBefore(2);
        QCOMPARE(log.firstIndex(), 2u);
        QCOMPARE(log.entry(2).term, 1u);
        log.truncateBefore(10); // past the end: empty, starting at 10
        QCOMPARE(log.firstIndex(), 10u);
        QCOMPARE(log.lastIndex(), 9u);
        log.append({ LogEntry { 10, 3 } });
        QCOMPARE(log.lastIndex(), 10u);
    }

    void singleServerElectsItselfAndCommits()
    {
        Harness h;
        QVERIFY(h.node->bootstrap(Configuration { { Server { u"a"_s, u"10.0.0.1:8300"_s } } }));
        QVERIFY(!h.node->bootstrap(threeServers())); // only once
        h.clock.advance(2000);                       // first timeout fires within [1 s, 2 s)
        QVERIFY(h.node->isLeader());
        QCOMPARE(h.node->currentTerm(), 2u);
        quint64 index = 0;
        std::any result;
        h.node->propose("x", [&](quint64 i, const std::any &r, const QString &error) {
            QVERIFY(error.isEmpty());
            index = i;
            result = r;
        });
        h.clock.advance(0);
        QCOMPARE(index, 3u); // 1 configuration, 2 the leader's no-op, 3 ours
        QCOMPARE(std::any_cast<int>(result), 1);
        QCOMPARE(h.fsm.applied, QList<QByteArray> { "x" });
        quint64 readAt = 0;
        h.node->read(RaftNode::ReadMode::Lease, [&](quint64 i, const QString &) { readAt = i; });
        QCOMPARE(readAt, 3u);
        readAt = 0;
        h.node->read(RaftNode::ReadMode::ReadIndex, [&](quint64 i, const QString &) { readAt = i; });
        QCOMPARE(readAt, 3u);

        // Restart: the log is replayed once a new term's entry commits.
        h.restart();
        QVERIFY(!h.node->isLeader());
        h.clock.advance(2000);
        QVERIFY(h.node->isLeader());
        QCOMPARE(h.fsm.applied, QList<QByteArray> { "x" });
    }

    void followerRejectsWithConflictHint()
    {
        Harness h;
        h.log.append({ LogEntry { 1, 1, LogEntry::Type::Configuration, threeServers().encode() },
            LogEntry { 2, 1 }, LogEntry { 3, 2 }, LogEntry { 4, 2 } });
        h.stable.setTermAndVote(3, {});
        h.restart();
        Message ae = h.fromLeader(Message::Type::AppendEntries, 3);
        ae.prevLogIndex = 4;
        ae.prevLogTerm = 3;
        h.node->receive(ae);
        QList<Message> out = h.transport.take();
        QCOMPARE(out.size(), 1);
        QCOMPARE(out[0].type, Message::Type::AppendEntriesResponse);
        QVERIFY(!out[0].success);
        QCOMPARE(out[0].conflictTerm, 2u);
        QCOMPARE(out[0].conflictIndex, 3u); // first index of term 2: skip the whole term at once
        QCOMPARE(h.node->leaderId(), u"b"_s);

        ae.prevLogIndex = 9;
        h.node->receive(ae);
        out = h.transport.take();
        QCOMPARE(out[0].conflictTerm, 0u);
        QCOMPARE(out[0].conflictIndex, 5u); // our log is too short: resume after its end

        // Matching prefix: the conflicting suffix is replaced, the commit index follows.
        ae.prevLogIndex = 2;
        ae.prevLogTerm = 1;
        ae.entries = { LogEntry { 3, 3, LogEntry::Type::Command, "y" } };
        ae.leaderCommit = 3;
        h.node->receive(ae);
        out = h.transport.take();
        QVERIFY(out[0].success);
        QCOMPARE(out[0].matchIndex, 3u);
        QCOMPARE(h.log.lastIndex(), 3u);
        QCOMPARE(h.log.entry(3).term, 3u);
        QCOMPARE(h.node->commitIndex(), 3u);
        QCOMPARE(h.fsm.applied, (QList<QByteArray> { "", "y" }));
    }

    void followerAnswersBeforeApplying()
    {
        // The leader waits for the answer to commit; applying what it committed earlier can wait.
        Harness h;
        h.log.append({ LogEntry { 1, 1, LogEntry::Type::Configuration, threeServers().encode() } });
        h.stable.setTermAndVote(2, {});
        h.restart();
        qsizetype sentBeforeApply = -1;
        h.fsm.onApply = [&] { sentBeforeApply = h.transport.sent.size(); };
        Message ae = h.fromLeader(Message::Type::AppendEntries, 2);
        ae.prevLogIndex = 1;
        ae.prevLogTerm = 1;
        ae.entries = { LogEntry { 2, 2, LogEntry::Type::Command, "x" } };
        ae.leaderCommit = 2;
        h.node->receive(ae);
        QCOMPARE(h.fsm.applied, QList<QByteArray> { "x" });
        QCOMPARE(sentBeforeApply, 1);
        const Message answer = h.transport.take().value(0);
        QVERIFY(answer.success);
        QCOMPARE(answer.matchIndex, 2u);

        // The same for a commit index that comes with a heartbeat.
        ae.prevLogIndex = 2;
        ae.prevLogTerm = 2;
        ae.entries = { LogEntry { 3, 2, LogEntry::Type::Command, "y" } };
        h.node->receive(ae);
        h.transport.take();
        sentBeforeApply = -1;
        Message heartbeat = h.fromLeader(Message::Type::Heartbeat, 2);
        heartbeat.leaderCommit = 3;
        h.node->receive(heartbeat);
        QCOMPARE(h.fsm.applied, (QList<QByteArray> { "x", "y" }));
        QCOMPARE(sentBeforeApply, 1);
        QVERIFY(h.transport.take().value(0).success);
    }

    void malformedAppendEntriesIsDropped()
    {
        Harness h;
        h.log.append({ LogEntry { 1, 1, LogEntry::Type::Configuration, threeServers().encode() } });
        h.stable.setTermAndVote(2, {});
        h.restart();
        Message ae = h.fromLeader(Message::Type::AppendEntries, 2);
        ae.prevLogIndex = 1;
        ae.prevLogTerm = 1;
        ae.entries = { LogEntry { 3, 2 } }; // gap: index 2 missing
        h.node->receive(ae);
        ae.entries = { LogEntry { 2, 3 } }; // entry from a term after the message's own
        h.node->receive(ae);
        QVERIFY(h.transport.take().isEmpty());
        QCOMPARE(h.log.lastIndex(), 1u);
        QCOMPARE(h.node->leaderId(), QString());
        ae.entries = { LogEntry { 2, 2 } };
        h.node->receive(ae);
        QVERIFY(h.transport.take().value(0).success);
        QCOMPARE(h.log.lastIndex(), 2u);
    }

    void staleTermsAndStickiness()
    {
        Harness h;
        h.log.append({ LogEntry { 1, 1, LogEntry::Type::Configuration, threeServers().encode() } });
        h.stable.setTermAndVote(5, {});
        h.restart();
        // A message from an old term is answered with ours and changes nothing.
        h.node->receive(h.fromLeader(Message::Type::Heartbeat, 4));
        QList<Message> out = h.transport.take();
        QCOMPARE(out[0].term, 5u);
        QVERIFY(!out[0].success);
        QCOMPARE(h.node->leaderId(), QString());

        Message vote;
        vote.type = Message::Type::RequestVote;
        vote.from = u"c"_s;
        vote.to = u"a"_s;
        vote.term = 6;
        vote.lastLogIndex = 1;
        vote.lastLogTerm = 1;
        // Right after a restart the server is sticky: it may have backed a lease just before.
        h.node->receive(vote);
        QVERIFY(!h.transport.take()[0].success);
        QCOMPARE(h.node->currentTerm(), 5u);
        h.clock.advance(999);
        h.transport.take();
        h.node->receive(vote);
        QVERIFY(!h.transport.take()[0].success);
        h.clock.advance(1);
        h.transport.take();
        h.node->receive(vote);
        const Message granted = h.transport.take().value(0);
        QVERIFY(granted.success);
        QCOMPARE(granted.term, 6u);
        QCOMPARE(h.stable.votedFor(), u"c"_s); // durable before the answer left
        QCOMPARE(h.stable.currentTerm(), 6u);

        // The vote survives a restart: no second vote in term 6.
        h.restart();
        h.clock.advance(1000);
        h.transport.take();
        vote.from = u"b"_s;
        h.node->receive(vote);
        QVERIFY(!h.transport.take().value(0).success);
    }

    void preVoteDoesNotChangeTerm()
    {
        Harness h;
        h.log.append({ LogEntry { 1, 1, LogEntry::Type::Configuration, threeServers().encode() } });
        h.stable.setTermAndVote(1, {});
        h.restart();
        h.clock.advance(2000); // times out: pre-vote, not an election
        QCOMPARE(h.node->state(), RaftNode::State::PreCandidate);
        QCOMPARE(h.node->currentTerm(), 1u);
        const QList<Message> out = h.transport.take();
        QCOMPARE(out.size(), 2);
        for (const Message &m : out) {
            QVERIFY(m.preVote);
            QCOMPARE(m.term, 2u);
        }
        Message grant;
        grant.type = Message::Type::RequestVoteResponse;
        grant.from = u"b"_s;
        grant.to = u"a"_s;
        grant.term = 2;
        grant.preVote = true;
        grant.success = true;
        h.node->receive(grant);
        QCOMPARE(h.node->state(), RaftNode::State::Candidate);
        QCOMPARE(h.node->currentTerm(), 2u);
        QCOMPARE(h.stable.votedFor(), u"a"_s);
    }

    void committerOverStateStore()
    {
        SimClock clock;
        RecordingTransport transport;
        MemoryLogStore log;
        MemoryStableStore stable;
        MemorySnapshotStore snapshots;
        state::StateStore store;
        StoreStateMachine fsm(&store);
        RaftNode::Deps d;
        d.id = u"a"_s;
        d.clock = &clock;
        d.transport = &transport;
        d.log = &log;
        d.stable = &stable;
        d.snapshots = &snapshots;
        d.fsm = &fsm;
        d.random = [] { return quint64(7); };
        d.options.snapshotIntervalMs = 10;
        d.options.snapshotThreshold = 4;
        d.options.trailingLogs = 1;
        auto owned = std::make_unique<RaftNode>(d);
        RaftNode &node = *owned;
        RaftCommitter committer(&node);
        QVERIFY(node.bootstrap(Configuration { { Server { u"a"_s, u"10.0.0.1:8300"_s } } }));

        QString error;
        committer.propose(state::command::kv(u"set"_s, u"k"_s, "v"), [&](const state::ApplyResult &, quint64 index,
                                                                              const QString &e) {
            QCOMPARE(index, 0u);
            error = e;
        });
        QCOMPARE(error, u"node is not the leader"_s);
        QVERIFY(!committer.isLeader());

        clock.advance(2000);
        QVERIFY(committer.isLeader());
        QCOMPARE(committer.leaderAddress(), u"10.0.0.1:8300"_s);
        for (int i = 0; i < 6; ++i) {
            quint64 at = 0;
            state::ApplyResult result;
            committer.propose(state::command::kv(u"set"_s, u"k%1"_s.arg(i), "v"),
                [&](const state::ApplyResult &r, quint64 index, const QString &) {
                    result = r;
                    at = index;
                });
            clock.advance(0);
            QVERIFY(at > 0);
            QVERIFY(result.error.isEmpty());
            QCOMPARE(result.value.toBool(), true);
        }
        QCOMPARE(store.kvCount(), 6);
        QCOMPARE(node.snapshotIndex(), 0u); // only the snapshot timer takes one
        clock.advance(20);                  // past 10 ms plus its random part
        QVERIFY(node.snapshotIndex() > 0); // the store's own snapshot is Raft's snapshot
        QVERIFY(log.firstIndex() > 1);      // and the log before it was compacted

        // A restarted server rebuilds the store from the snapshot and the log after it.
        owned.reset();
        state::StateStore fresh;
        StoreStateMachine freshFsm(&fresh);
        d.fsm = &freshFsm;
        RaftNode again(d);
        QVERIFY(fresh.kvCount() > 0); // from the snapshot; the rest once a new term commits
        clock.advance(2000);
        QVERIFY(again.isLeader());
        clock.advance(0);
        QCOMPARE(fresh.kvCount(), 6);
    }

    // Three servers, each with a real StateStore behind RaftCommitter, on one SimClock with a
    // 2 ms network: every store ends up byte-identical, followers name the leader, and stale
    // reads know how long ago the leader was heard from.
    void threeStateStoresStayIdentical()
    {
        SimClock clock;
        struct Peer
        {
            MemoryLogStore log;
            MemoryStableStore stable;
            MemorySnapshotStore snapshots;
            state::StateStore store;
            std::unique_ptr<StoreStateMachine> fsm;
            std::unique_ptr<RaftNode> node;
            std::unique_ptr<RaftCommitter> committer;
        };
        std::map<ServerId, Peer> peers;
        struct Net final : Transport
        {
            SimClock *clock;
            std::map<ServerId, Peer> *peers;
            void send(const Message &m) override
            {
                clock->schedule(2, [this, m] { peers->at(m.to).node->receive(m); });
            }
        } net;
        net.clock = &clock;
        net.peers = &peers;
        quint64 rng = 1;
        for (const Server &s : threeServers().servers) {
            Peer &p = peers[s.id];
            p.fsm = std::make_unique<StoreStateMachine>(&p.store);
            RaftNode::Deps d;
            d.id = s.id;
            d.clock = &clock;
            d.transport = &net;
            d.log = &p.log;
            d.stable = &p.stable;
            d.snapshots = &p.snapshots;
            d.fsm = p.fsm.get();
            d.random = [&rng] { return rng = rng * 6364136223846793005ull + 1442695040888963407ull; };
            d.options.snapshotIntervalMs = 100;
            d.options.snapshotThreshold = 20;
            d.options.trailingLogs = 5;
            p.node = std::make_unique<RaftNode>(d);
            p.committer = std::make_unique<RaftCommitter>(p.node.get());
            QVERIFY(p.node->bootstrap(threeServers()));
        }
        clock.advance(3000);
        RaftCommitter *leader = nullptr;
        for (auto &[id, p] : peers) {
            if (p.committer->isLeader())
                leader = p.committer.get();
        }
        QVERIFY(leader);
        int done = 0;
        for (int i = 0; i < 50; ++i) {
            leader->propose(state::command::kv(u"set"_s, u"key/%1"_s.arg(i % 10), QByteArray::number(i)),
                [&](const state::ApplyResult &r, quint64 index, const QString &error) {
                    QVERIFY(error.isEmpty() && r.error.isEmpty() && index > 0);
                    ++done;
                });
            clock.advance(1);
        }
        clock.advance(1000);
        QCOMPARE(done, 50);
        const QByteArray reference = peers.begin()->second.store.snapshot();
        for (auto &[id, p] : peers) {
            QCOMPARE(p.store.kvCount(), 10);
            QCOMPARE(p.store.snapshot(), reference);
            QCOMPARE(p.committer->leaderAddress(), leader->leaderAddress());
            QVERIFY(p.node->snapshotIndex() > 0);
            QVERIFY(p.node->lastContactMs() >= 0 && p.node->lastContactMs() <= 100);
        }
        // A follower's error for a write it cannot take.
        for (auto &[id, p] : peers) {
            if (p.committer.get() == leader)
                continue;
            QString error;
            p.committer->propose(state::command::kv(u"set"_s, u"x"_s, "1"),
                [&](const state::ApplyResult &, quint64, const QString &e) { error = e; });
            QCOMPARE(error, u"node is not the leader"_s);
        }
    }
};

QTEST_GUILESS_MAIN(TestRaftNode)
#include "tst_raftnode.moc"

#pragma once
// One Raft server: the consensus core. Event-driven and single-threaded: it acts only when a
// message arrives (receive()), a timer it scheduled on the injected Clock fires, or its owner
// calls it (propose, read, membership, transfer). It has no threads, sockets or wall clock of
// its own; everything with a side effect goes through the plug points in Interfaces.h, so the
// same code runs in the agent and in the deterministic simulation (tests/sim).
//
// What it implements (section numbers: the Raft paper / Ongaro's thesis):
// - leader election with randomized timeouts (5.2), pre-vote (thesis 9.6) and leader
//   stickiness (4.2.3): a server that heard from a leader within the heartbeat timeout ignores
//   (pre-)votes, so a rejoining partitioned server cannot depose a healthy leader; a follower
//   whose connection from the leader closed campaigns once the leader's lease has run out
//   (connectionLost), and two simultaneous pre-candidates do not both pass pre-vote;
// - check-quorum: a leader that has not heard from a quorum within the lease steps down (6.2);
// - log replication (5.3) with batching (Options::maxAppendEntries), per-follower pipelining
//   (Options::maxInflight) and fast conflict backtracking by term (5.3, "optimization");
// - group commit: what is proposed in one event loop turn is sent to the followers and then
//   written with one LogStore::append; the leader counts itself only once that returned (thesis
//   10.2.1). A failed write (full disk) makes a leader step down and a follower not answer;
// - commit on a majority of the current term (5.4.2), in-order apply to the StateMachine;
// - reads: a leader lease (the lease is strictly shorter than the heartbeat timeout, and voters
//   are sticky for the heartbeat timeout, also right after a restart) and ReadIndex (6.4);
// - snapshots and log compaction (7) on a timer, as hashicorp/raft: the state is captured on the
//   owner's thread and serialized and saved through the SnapshotRunner while applying goes on;
//   InstallSnapshot to followers that are too far behind;
// - single-server membership changes (4.1) and leadership transfer (3.10).
//
// Callbacks passed in (ApplyDone, ReadDone) run from inside a later event, or synchronously
// when the outcome is known at once (an error, or a lease read). They must not destroy the node.
#include <QHash>
#include <QSet>

#include <deque>
#include <functional>
#include <map>
#include <memory>

#include "core/Clock.h"
#include "raft/Interfaces.h"

namespace qonsul::raft {

class RaftNode
{
public:
    enum class State { Follower, PreCandidate, Candidate, Leader };
    enum class ReadMode {
        Lease,     // Consul's default: served by a leader holding a lease, else as ReadIndex
        ReadIndex, // ?consistent: a quorum round confirms leadership first
    };

    struct Deps
    {
        ServerId id;
        Clock *clock = nullptr;
        Transport *transport = nullptr;
        LogStore *log = nullptr;
        StableStore *stable = nullptr;
        SnapshotStore *snapshots = nullptr;
        StateMachine *fsm = nullptr;
        SnapshotRunner *snapshotRunner = nullptr; // null: snapshots are written inline
        std::function<quint64()> random; // uniformly distributed 64-bit values
        Options options;
    };

    // index > 0 and an empty error on success; index 0 and an error when the entry was not
    // committed by this leader (not leader, leadership lost — the entry may still commit later).
    using ApplyDone = std::function<void(quint64 index, const std::any &result, const QString &error)>;
    // Called once the state machine reflects every write committed before the read began:
    // readIndex is the commit index the read is linearized at. Error set when the read failed.
    using ReadDone = std::function<void(quint64 readIndex, const QString &error)>;

    // Loads term, vote, the latest snapshot (restored into the state machine) and the log, and
    // starts as a follower. The dependencies must outlive the node. Aborts on durable state that
    // is inconsistent (a log that does not continue the snapshot): never silent data loss.
    explicit RaftNode(Deps deps);
    ~RaftNode(); // cancels its timers; pending callbacks are dropped without being called
    RaftNode(const RaftNode &) = delete;
    RaftNode &operator=(const RaftNode &) = delete;

    // Writes the first configuration (index 1, term 1) on a server with no state at all, like
    // hashicorp/raft's BootstrapCluster. Every initial server bootstraps the same configuration.
    bool bootstrap(const Configuration &configuration);

    // A message from the transport.
    void receive(const Message &message);
    // The transport's connection from `id` closed (the peer closed it or it broke). If `id` is
    // the leader this follower follows, that leader has most likely died: the follower stops
    // waiting out the heartbeat timeout and campaigns once the leader's lease has surely run out
    // (Timing::leaderGoneTimeout). A leader that is still alive reconnects with its next
    // heartbeat, which makes the follower wait the full timeout again; the other followers stay
    // sticky meanwhile, so a reset connection alone never moves the leadership.
    void connectionLost(const ServerId &id);

    // Leader only: appends a command, replicates it, calls `done` once it is applied here.
    void propose(const QByteArray &command, ApplyDone done);
    void read(ReadMode mode, ReadDone done);

    // Leader only, one server at a time (4.1); `done` runs when the new configuration commits.
    void addVoter(const ServerId &id, const QString &address, ApplyDone done);   // or promote
    void addNonvoter(const ServerId &id, const QString &address, ApplyDone done);
    void removeServer(const ServerId &id, ApplyDone done);
    // Leader only: catches `target` up and tells it to start an election at once (3.10).
    // Proposals are refused meanwhile; gives up after the election timeout. False if refused.
    bool transferLeadership(const ServerId &target);

    // ---- Observation (status endpoints, stale reads, the simulation's invariant checker).
    const ServerId &id() const { return m_id; }
    State state() const { return m_state; }
    bool isLeader() const { return m_state == State::Leader; }
    quint64 currentTerm() const { return m_term; }
    ServerId leaderId() const { return m_leader; }
    quint64 commitIndex() const { return m_commit; }
    quint64 lastApplied() const { return m_applied; }
    quint64 lastIndex() const;
    quint64 lastTerm() const { return *termAt(lastIndex()); } // the term of the last log entry
    quint64 snapshotIndex() const { return m_snapIndex; }
    const Configuration &configuration() const; // latest, possibly uncommitted
    // Milliseconds since this server last heard from a leader (0 on the leader) — Consul's
    // X-Consul-LastContact for stale reads. -1 when it never has.
    qint64 lastContactMs() const;
    bool hasLease() const; // a default-mode read would be served without a quorum round now
    // Leader only: the highest index known to be replicated on `id` (for promoting a non-voter
    // once it caught up, as Consul's autopilot does). Empty elsewhere or for unknown servers.
    std::optional<quint64> matchIndex(const ServerId &id) const;
    // Leader only: milliseconds since `id` last answered in this term (autopilot's LastContact).
    std::optional<qint64> sinceResponseMs(const ServerId &id) const;

private:
    struct Progress
    {
        quint64 match = 0;
        quint64 next = 1;
        bool probing = true;   // one AppendEntries at a time until the logs match
        bool probeSent = false;
        bool snapshotPending = false;  // waiting for the answer to a snapshot chunk
        quint64 snapshotIndex = 0;     // the snapshot being sent (index, term)
        quint64 snapshotTerm = 0;
        quint64 snapshotOffset = 0;    // bytes of it the follower acknowledged: the next chunk
        std::deque<quint64> inflight; // last index of each unacknowledged pipelined message
        qint64 waitingSince = 0;      // when the oldest unanswered send went out
        qint64 lastResponse = 0;      // receipt time of any response in this term (check-quorum)
        qint64 ackedStamp = -1;       // latest leader send time acknowledged (lease)
        quint64 ackedRound = 0;       // latest round acknowledged (ReadIndex)
    };
    struct Pending
    {
        quint64 term;
        ApplyDone done;
    };
    struct PendingRead
    {
        quint64 readIndex;
        quint64 round;
        ReadDone done;
    };

    qint64 now() const { return m_clock->monotonicMs(); }
    std::optional<quint64> termAt(quint64 index) const;
    const Configuration &configAt(quint64 index) const;
    bool isVoter() const { return configuration().isVoter(m_id); }
    void send(Message m);
    void persistTermAndVote();

    void armElectionTimer();
    void onElectionTimeout();
    void startPreVote();
    void startElection(bool transfer);
    // RequestVote to every other voter: a pre-vote asks for the term it would campaign in, a
    // leadership transfer makes voters skip leader stickiness.
    void requestVotes(bool preVote, bool transfer);
    void becomeFollower(quint64 term, const ServerId &leader);
    void becomeLeader();
    void failLeaderWork(const QString &error);

    bool acceptLeaderMessage(const Message &m, Message::Type replyType, Message *reply);
    void handleAppendEntries(const Message &m);
    void handleAppendEntriesResponse(const Message &m);
    void handleHeartbeat(const Message &m);
    void handleHeartbeatResponse(const Message &m);
    void handleRequestVote(const Message &m);
    void handleRequestVoteResponse(const Message &m);
    void handleInstallSnapshot(const Message &m);
    void installSnapshot(const SnapshotMeta &meta, const QByteArray &data, Message &reply);
    void handleInstallSnapshotResponse(const Message &m);
    void handleTimeoutNow(const Message &m);
    Progress *progressFor(const Message &m); // leader, current term, known peer

    void onHeartbeatTick();
    void broadcastHeartbeat();
    void scheduleFlush();
    void sendAppend(const ServerId &peer, bool allowEmpty);
    void sendSnapshot(const ServerId &peer, Progress &pr);
    void resetProgress();
    void maybeCommit();
    void applyCommitted();
    void serveReads();
    void armSnapshotTimer();
    void takeSnapshot();
    void snapshotSaved(const SnapshotMeta &meta, bool saved);
    void maybeSendTimeoutNow();
    void appendAsLeader(LogEntry::Type type, const QByteArray &data, ApplyDone done);
    void changeConfiguration(Configuration next, ApplyDone done);
    bool appendToLog(const QList<LogEntry> &entries); // also tracks configuration entries
    void trackConfigurations(const QList<LogEntry> &entries);
    bool truncateLogAfter(quint64 lastKept);
    void forgetConfigurationsAfter(quint64 lastKept);
    bool writeUnsynced();                  // the leader's batch; false: it could not, and stepped down
    quint64 durableLastIndex() const;      // the log on disk (or the snapshot)
    LogEntry entryAt(quint64 index) const; // the log on disk, then the unsynced batch

    ServerId m_id;
    Clock *m_clock;
    Transport *m_transport;
    LogStore *m_log;
    StableStore *m_stable;
    SnapshotStore *m_snapshots;
    StateMachine *m_fsm;
    SnapshotRunner *m_runner;
    std::function<quint64()> m_random;
    Options m_options;

    State m_state = State::Follower;
    quint64 m_term = 0;
    ServerId m_votedFor;
    ServerId m_leader;
    quint64 m_commit = 0;
    quint64 m_applied = 0;
    quint64 m_snapIndex = 0;
    quint64 m_snapTerm = 0;
    std::map<quint64, Configuration> m_configs; // snapshot's at m_snapIndex, then the log's
    qint64 m_lastLeaderContact = -1;
    bool m_leaderGone = false; // the connection from m_leader closed after our last contact
    qint64 m_preVoteStarted = 0;
    qint64 m_bootMs = 0;

    Clock::TimerId m_electionTimer = 0;
    Clock::TimerId m_heartbeatTimer = 0;
    Clock::TimerId m_flushTimer = 0;
    QSet<ServerId> m_votes;

    // A snapshot arriving in chunks, from one leader in one term.
    struct IncomingSnapshot
    {
        quint64 term = 0;
        ServerId from;
        SnapshotMeta meta;
        QByteArray data;
    };
    std::optional<IncomingSnapshot> m_incoming;
    // The leader's latest snapshot, read once and sent in chunks to every follower that needs it.
    std::optional<SnapshotMeta> m_outgoing;
    QByteArray m_outgoingData;

    Clock::TimerId m_snapshotTimer = 0;
    bool m_snapshotting = false; // a snapshot is being serialized and saved
    // Callbacks that may outlive the node (a SnapshotRunner's done) check it is still there.
    std::shared_ptr<bool> m_alive = std::make_shared<bool>(true);

    // Leader state.
    QList<LogEntry> m_unsynced; // accepted in this event loop turn, appended when it ends
    QHash<ServerId, Progress> m_progress;
    std::map<quint64, Pending> m_pending;
    std::deque<PendingRead> m_reads;       // waiting for their quorum round
    std::deque<PendingRead> m_readsReady;  // confirmed, waiting for apply
    std::deque<std::pair<ReadMode, ReadDone>> m_readsBlocked; // until the term's first commit
    quint64 m_round = 0;
    bool m_readRoundWanted = false; // a ReadIndex read waits for the round sent at the next flush
    quint64 m_noopIndex = 0;
    ServerId m_transferTarget;
    qint64 m_transferDeadline = 0;
    bool m_timeoutNowSent = false;
};

} // namespace qonsul::raft

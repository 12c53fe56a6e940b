#pragma once
// A Raft cluster inside one process on one SimClock: each server has a "disk" (in-memory durable
// stores that survive its crashes), a state machine, its own clock view and a RaftNode; a
// SimNetwork carries the messages. After every event (a delivery, a timer, a client call, a
// fault) the InvariantChecker runs; the first violation stops the run and is kept for the report.
//
// Crashes: crash() destroys the RaftNode (timers, in-flight callbacks and memory gone; the disk
// stays). armCrashOnWrite() crashes a server in the middle of its next durable write: only a
// random prefix of an append reaches the disk, a term/vote or snapshot write is lost — the
// writes that were not yet synced. restart() builds a new RaftNode from the disk. Snapshots are
// written 0-300 ms after they were captured (ServerSnapshotRunner), while entries go on applying.
#include "raft/MemoryStores.h"
#include "raft/RaftNode.h"
#include "Linearizability.h"
#include "SimClock.h"
#include "SimNetwork.h"

#include <memory>
#include <vector>

namespace qonsul::sim {

struct SimCrash
{
};

class SimCluster;

// The state machine: a register map ("key=value" commands) and a hash chain over every applied
// command, so two servers with equal chains at a command index applied identical prefixes.
class SimStateMachine final : public raft::StateMachine
{
public:
    SimStateMachine(SimCluster *cluster, int server) : m_cluster(cluster), m_server(server) {}
    std::any apply(const raft::LogEntry &entry) override;
    std::function<QByteArray()> capture() const override;
    bool restore(const QByteArray &data, const raft::SnapshotMeta &meta) override;
    quint64 lastCommandIndex() const { return m_lastIndex; }
    QString value(const QString &key) const { return m_values.value(key); }

private:
    SimCluster *m_cluster;
    int m_server;
    QHash<QString, QString> m_values;
    quint64 m_lastIndex = 0;
    quint64 m_chain = 0;
};

// Records what every server ever made durable or applied, and checks Raft's safety properties.
class InvariantChecker
{
public:
    explicit InvariantChecker(SimCluster *cluster) : m_cluster(cluster) {}
    bool hold() const { return m_failure.isEmpty(); }
    QString report() const { return m_failure; }
    void fail(const QString &why);

    void onAppend(int server, const raft::LogStore &before, const QList<raft::LogEntry> &entries);
    void onApply(int server, const raft::LogEntry &entry, quint64 previousCommandIndex, quint64 chain);
    void onRestore(int server, quint64 commandIndex, quint64 chain);
    void onRestart(int server);
    void afterEvent();
    quint64 maxCommitted() const { return quint64(m_committed.size()) - 1; }
    quint64 leaderTerms() const { return quint64(m_leaders.size()); }
    // Checked only while the configuration is fixed: the newest committed entry is durable on a
    // quorum of servers (crashed ones included), so no crash can lose it.
    bool checkDurableQuorum = true;

private:
    struct Key
    {
        quint64 term = 0;
        quint64 hash = 0;
        bool operator==(const Key &) const = default;
    };
    struct Record
    {
        Key key;
        quint64 prevTerm = 0;
        bool hasPrev = false;
    };
    void recordCommitted(int server, quint64 index, Key key);

    SimCluster *m_cluster;
    QString m_failure;
    QHash<QPair<quint64, quint64>, Record> m_entries; // (index, term) -> what it holds
    std::vector<Key> m_committed { Key {} };          // index -> committed entry; [0] unused
    QHash<quint64, quint64> m_chains;                 // command index -> state machine chain
    QHash<quint64, raft::ServerId> m_leaders;         // term -> the one leader of that term
    QSet<QPair<quint64, int>> m_leaderChecked;        // (term, server) completeness checked
    std::vector<quint64> m_checkedCommit;
};

class SimCluster
{
public:
    struct Params
    {
        int servers = 3;
        int bootstrapVoters = -1; // how many servers form the initial configuration; -1: all
        quint64 seed = 1;
        raft::Options options;
        bool trace = false; // print every fault and client operation (replay)
        // Each server's clock runs at a rate drawn from [1 - maxDrift, 1 + maxDrift] of real
        // time, from its own random origin. The lease is safe while any two rates differ by less
        // than heartbeatTimeout / leaderLeaseTimeout (2x at Consul's ratios).
        double maxDrift = 0.0;
    };
    static raft::Options simOptions(); // multiplier-1 timings, small snapshot thresholds

    explicit SimCluster(const Params &params);
    ~SimCluster();

    int size() const { return int(m_servers.size()); }
    raft::ServerId idOf(int server) const;
    QList<raft::ServerId> ids() const;
    raft::RaftNode *node(int server) const; // null while the server is down
    int leader() const; // the live leader with the highest term, -1 if none
    SimStateMachine *stateMachine(int server) const;
    const raft::MemoryLogStore &disk(int server) const;
    const raft::MemorySnapshotStore &snapshots(int server) const;

    test::SimClock &clock() { return m_clock; }
    SimNetwork &network() { return m_network; }
    SimRandom &random() { return m_random; }
    InvariantChecker &invariants() { return m_checker; }

    // A crash closes the server's connections: the others learn it one latency later.
    void crash(int server);
    void restart(int server);
    // The connections from a live server close (reset by something between), as after a crash.
    void resetConnections(int server);
    void armCrashOnWrite(int server);
    // A full disk: log and snapshot writes fail (nothing changes), a term or vote write stops the
    // server, as the SQLite stores do. Until cleared; disarmCrashes() clears it too.
    void setDiskFull(int server, bool full);
    bool diskFull(int server) const;
    void disarmCrashes();
    bool isUp(int server) const { return node(server) != nullptr; }

    // Runs `fn` as one event (invariants checked after it); crashes inside are contained.
    void event(int server, const std::function<void()> &fn);
    // Runs events until `done()` holds, the invariants fail, or `ms` of simulated time pass.
    bool runUntil(const std::function<bool()> &done, qint64 ms);
    void runFor(qint64 ms) { runUntil([] { return false; }, ms); }
    // Called after every event (after the invariants): directed scenarios act at an exact point,
    // e.g. cut a link the moment a server becomes leader, before its next message leaves.
    void setProbe(std::function<void()> probe) { m_probe = std::move(probe); }

    // Client operations against the current leader, checked for linearizability of reads: a
    // read reflects every write acknowledged, and every state a read returned, before it began.
    // A read of a key also enters the register history (with every write), which
    // linearizabilityReport() checks as a whole once the schedule is over.
    bool write(const QString &key);
    bool read(raft::RaftNode::ReadMode mode, const QString &key = {});
    QString linearizabilityReport() const { return m_history.check(); }
    struct Stats
    {
        quint64 crashes = 0;      // crash() and crashes in the middle of a disk write
        quint64 writeCrashes = 0; // of which in the middle of a write
        quint64 snapshotsInstalled = 0;
        quint64 snapshotChunks = 0; // InstallSnapshot messages delivered to a live server
        quint64 refusedWrites = 0; // log and snapshot writes failed on a full disk
        quint64 elections = 0;    // terms that had a leader
    };
    Stats stats() const;
    quint64 writesAcked() const { return m_writesAcked; }
    quint64 readsDone() const { return m_readsDone; }

    void trace(const QString &line) const;
    bool tracing() const { return m_params.trace; }

private:
    friend class SimStateMachine;
    friend class InvariantChecker;
    class ServerLog;
    class ServerStable;
    class ServerSnapshots;
    class ServerClock;
    class ServerSnapshotRunner;
    struct Host;

    void deliver(const raft::Message &message);
    void connectionLost(const raft::ServerId &at, const raft::ServerId &peer);
    int anyLeader();
    void crashNow(int server);

    Params m_params;
    test::SimClock m_clock;
    SimRandom m_random;
    SimNetwork m_network;
    InvariantChecker m_checker { this };
    std::vector<std::unique_ptr<Host>> m_servers;
    quint64 m_nextValue = 0;
    quint64 m_ackedIndex = 0;    // highest index of a write acknowledged to a client
    quint64 m_observedIndex = 0; // highest applied index a completed read saw
    quint64 m_writesAcked = 0;
    quint64 m_readsDone = 0;
    Stats m_stats;
    RegisterHistory m_history;
    int m_inEvent = 0;
    std::function<void()> m_probe;
};

// The per-server pieces; public so tests can poke at a server's disk.
struct SimCluster::Host
{
    raft::ServerId id;
    raft::MemoryLogStore log; // the disk: survives crashes
    raft::MemoryStableStore stable;
    raft::MemorySnapshotStore snapshots;
    std::unique_ptr<ServerLog> logView; // what the node writes through (fault injection, checks)
    std::unique_ptr<ServerStable> stableView;
    std::unique_ptr<ServerSnapshots> snapshotView;
    std::unique_ptr<ServerClock> clock;
    std::unique_ptr<ServerSnapshotRunner> snapshotRunner;
    std::unique_ptr<SimStateMachine> fsm;
    std::unique_ptr<raft::Transport> transport;
    std::unique_ptr<raft::RaftNode> node;
    SimRandom random { 0 };
    bool crashArmed = false;
    bool diskFull = false;
    int incarnation = 0;
    double clockRate = 1.0;  // its clock's speed relative to real (simulated) time
    qint64 clockOrigin = 0;  // what its monotonic clock read at simulated time 0
    Host();
    ~Host();
};

} // namespace qonsul::sim

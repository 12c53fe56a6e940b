#pragma once
// Raft's value types: servers and configurations, log entries, the messages servers exchange,
// and the timing configuration. Plain values, cheap to copy (Qt containers share their data).
// Section numbers refer to Ongaro & Ousterhout, "In Search of an Understandable Consensus
// Algorithm (Extended Version)", and Ongaro's thesis "Consensus: Bridging Theory and Practice".
#include <QByteArray>
#include <algorithm>
#include <QList>
#include <QString>

namespace qonsul::raft {

using ServerId = QString; // Raft protocol 3: the server ID is the node ID

enum class Suffrage : quint8 {
    Voter,    // votes and counts towards the commit quorum
    Nonvoter, // receives the log, never votes, never becomes leader (thesis 4.2.1 "learners")
};

struct Server
{
    ServerId id;
    QString address; // "ip:port", for clients to find the leader; Raft itself only uses ids
    Suffrage suffrage = Suffrage::Voter;
    friend bool operator==(const Server &, const Server &) = default;
};

// The cluster membership. Changes happen one server at a time (thesis 4.1), so any two
// consecutive configurations have overlapping majorities.
struct Configuration
{
    QList<Server> servers;

    const Server *find(const ServerId &id) const;
    bool isVoter(const ServerId &id) const;
    QList<ServerId> voters() const;
    int quorum() const { return int(voters().size()) / 2 + 1; }

    QByteArray encode() const;
    static bool decode(const QByteArray &bytes, Configuration *out);
    friend bool operator==(const Configuration &, const Configuration &) = default;
};

struct LogEntry
{
    enum class Type : quint8 {
        Command,       // opaque bytes for the state machine
        Noop,          // a new leader's first entry, committing earlier terms (5.4.2)
        Configuration, // data is Configuration::encode()
    };
    quint64 index = 0;
    quint64 term = 0;
    Type type = Type::Command;
    QByteArray data;
    friend bool operator==(const LogEntry &, const LogEntry &) = default;
};

// What a snapshot covers: the state after applying every entry up to `index`.
struct SnapshotMeta
{
    quint64 index = 0;
    quint64 term = 0;
    Configuration configuration; // the latest configuration at or before `index`
};

// Every RPC and its reply, as one-way messages (the transport may lose, duplicate or reorder
// them; the core tolerates all three). Fields not used by a type keep their defaults.
struct Message
{
    enum class Type : quint8 {
        AppendEntries,         // 5.3: entries after (prevLogIndex, prevLogTerm)
        AppendEntriesResponse, // success + matchIndex, or rejection + conflict hint
        Heartbeat,             // leader liveness, commit index, ReadIndex/lease rounds
        HeartbeatResponse,
        RequestVote,           // 5.2; with preVote set, the pre-vote round (thesis 9.6)
        RequestVoteResponse,
        InstallSnapshot,       // 7: one chunk of a snapshot (offset / done, as in the paper's Figure 13)
        InstallSnapshotResponse,
        TimeoutNow,            // leadership transfer (thesis 3.10): start an election now
    };
    Type type = Type::Heartbeat;
    ServerId from;
    ServerId to;
    quint64 term = 0;

    // AppendEntries / Heartbeat / InstallSnapshot
    quint64 prevLogIndex = 0;
    quint64 prevLogTerm = 0;
    QList<LogEntry> entries;
    quint64 leaderCommit = 0;
    // Leader's send time (its own monotonic clock) and round number, echoed in the response:
    // the leader lease and ReadIndex count acknowledgements of rounds started after a point.
    qint64 stamp = 0;
    quint64 round = 0;

    // Responses
    bool success = false;
    quint64 matchIndex = 0;    // AppendEntries/InstallSnapshot success: follower matches up to here
    quint64 rejectIndex = 0;   // AppendEntries rejection: the prevLogIndex that was rejected
    quint64 conflictIndex = 0; // fast backtracking hint: first index of conflictTerm, or lastIndex+1
    quint64 conflictTerm = 0;  // term of the follower's entry at prevLogIndex, 0 if it has none

    // RequestVote
    quint64 lastLogIndex = 0;
    quint64 lastLogTerm = 0;
    bool preVote = false;
    bool leadershipTransfer = false; // voters skip leader stickiness for this election

    // InstallSnapshot: snapshotData holds the bytes at snapshotOffset of the snapshot `snapshot`
    // names, snapshotDone marks the last chunk. InstallSnapshotResponse names the same snapshot
    // (index and term) and, in snapshotOffset, how many of its bytes the follower holds: the
    // leader's next chunk starts there. matchIndex is set once it is installed.
    SnapshotMeta snapshot;
    QByteArray snapshotData;
    quint64 snapshotOffset = 0;
    bool snapshotDone = false;
};

const char *toString(Message::Type type);

// Timings (milliseconds). Consul's base values at raft_multiplier 1 are 1000 / 1000 / 500 and
// it multiplies all three (default multiplier 5, production guidance 1, max 10).
struct Timing
{
    // A follower that hears nothing from a leader for a random time in [heartbeatTimeout,
    // 2*heartbeatTimeout) starts a pre-vote. It also ignores votes for that long after hearing
    // from a leader (leader stickiness, thesis 4.2.3).
    qint64 heartbeatTimeout = 1000;
    // A candidate that has not won within a random time in [electionTimeout, 2*electionTimeout)
    // starts over.
    qint64 electionTimeout = 1000;
    // A leader serves default reads while a quorum acknowledged a round sent within this long,
    // and steps down (check-quorum) when no quorum answered within it. Must be strictly shorter
    // than heartbeatTimeout, so no new leader can exist while the lease holds (Jepsen 2014).
    qint64 leaderLeaseTimeout = 500;
    // How often the leader sends heartbeats: heartbeatTimeout / 10, as hashicorp/raft does.
    qint64 heartbeatInterval() const { return std::max<qint64>(1, heartbeatTimeout / 10); }
    // A follower that saw the connection from its leader close (the leader's process died and its
    // kernel closed the socket) need not wait out heartbeatTimeout: it is sticky only this long
    // after its last contact, and campaigns at a random time in [this, this + heartbeatTimeout/2).
    // 1.6 leases: the leader's lease has run out by then unless its clock runs 1.6x slower than
    // the follower's (the full heartbeat timeout tolerates 2x). 800 ms at raft_multiplier 1.
    qint64 leaderGoneTimeout() const { return std::min(heartbeatTimeout, leaderLeaseTimeout * 8 / 5); }

    static Timing fromMultiplier(int raftMultiplier); // 1..10; out-of-range values are clamped
    static Timing devMode();                          // Consul -dev: 52 / 35 / 20 ms
    bool valid(QString *why) const;
};

struct Options
{
    Timing timing;
    int maxAppendEntries = 64;       // entries per AppendEntries (batching)
    int maxInflight = 8;             // pipelined AppendEntries per follower before waiting
    // Every snapshotIntervalMs (plus a random part of it, so servers do not all snapshot at
    // once) a server snapshots if it applied at least snapshotThreshold entries since its last
    // snapshot. Consul raft_snapshot_interval (30 s) and raft_snapshot_threshold.
    qint64 snapshotIntervalMs = 30000;
    quint64 snapshotThreshold = 16384;
    quint64 trailingLogs = 10240;    // Consul raft_trailing_logs: kept after a snapshot
    qsizetype snapshotChunkBytes = 1 << 20; // InstallSnapshot chunk size (RPC frames stay small)
};

} // namespace qonsul::raft

#pragma once
// The plug points around the consensus core, after hashicorp/raft: everything with a side
// effect goes through one of them, so the core runs unchanged on real disks and sockets or inside
// the deterministic simulation (tests/sim). All are called only from the thread that owns the
// RaftNode, never concurrently, and need no locking — except what a SnapshotRunner runs: a
// snapshot's serialization and SnapshotStore::save(), which may run on another thread.
#include <any>
#include <functional>
#include <optional>

#include "raft/Types.h"

namespace qonsul::raft {

// The replicated state machine (the state store on servers). Entries reach it in log order,
// exactly once per index, only after they are committed (Raft 5.3, state machine safety 5.4.3).
class StateMachine
{
public:
    virtual ~StateMachine() = default;
    // Applies one committed Command entry. The result is handed to the proposer on the leader.
    virtual std::any apply(const LogEntry &entry) = 0;
    // Freezes the state after the last applied entry, cheaply (the state store shares its tables
    // copy-on-write), and returns what turns that frozen state into bytes restore() accepts. The
    // returned function may run later and on another thread, while apply() goes on.
    virtual std::function<QByteArray()> capture() const = 0;
    // Replaces the whole state (a snapshot from the leader, or the latest one at start).
    // False leaves the state unchanged; the core then treats the snapshot as unusable.
    virtual bool restore(const QByteArray &data, const SnapshotMeta &meta) = 0;
};

// The durable log. Indexes start at 1; an empty log has lastIndex() == firstIndex() - 1.
// Writes return false when they could not be made durable (a full disk, an I/O error): the log
// is then exactly as before the call, and the store has logged why.
class LogStore
{
public:
    virtual ~LogStore() = default;
    virtual quint64 firstIndex() const = 0;
    virtual quint64 lastIndex() const = 0;
    virtual LogEntry entry(quint64 index) const = 0; // firstIndex() <= index <= lastIndex()
    // Appends entries whose indexes follow lastIndex() without gaps. Returns once they are
    // durable: a follower persists before it acknowledges (5.3), a candidate before it votes.
    // One call is one disk flush however many entries it carries (group commit).
    virtual bool append(const QList<LogEntry> &entries) = 0;
    // Drops every entry after `lastKept` (a follower resolving a conflict, 5.3). Durable on return.
    virtual bool truncateAfter(quint64 lastKept) = 0;
    // Drops every entry before `firstKept` (compaction, 7). `firstKept` may be past lastIndex():
    // the log is then empty and starts at firstKept (a follower that installed a snapshot).
    virtual bool truncateBefore(quint64 firstKept) = 0;
};

// Term and vote, which must survive a restart (Figure 2 "persistent state"). Durable on return.
// A store that cannot make them durable stops the process (as hashicorp/raft panics): the core
// has already acted on the new term, and a restart rebuilds it from what is on disk.
class StableStore
{
public:
    virtual ~StableStore() = default;
    virtual quint64 currentTerm() const = 0;
    virtual ServerId votedFor() const = 0; // empty: no vote in currentTerm
    virtual void setTermAndVote(quint64 term, const ServerId &votedFor) = 0;
};

// Snapshots of the state machine. save() is durable on return and makes the snapshot the latest;
// false (logged by the store) leaves the previous latest snapshot in place. save() may run on a
// SnapshotRunner's thread while latest() and latestData() are called on the owner's thread; two
// save() calls never overlap.
class SnapshotStore
{
public:
    virtual ~SnapshotStore() = default;
    virtual bool save(const SnapshotMeta &meta, const QByteArray &data) = 0;
    virtual std::optional<SnapshotMeta> latest() const = 0;
    virtual QByteArray latestData() const = 0;
};

// Where the slow half of taking a snapshot runs — serializing the captured state and
// SnapshotStore::save() — so that the owner's thread goes on applying meanwhile (a worker thread
// in the agent, a simulated delay in tests/sim). A RaftNode without one runs it inline.
class SnapshotRunner
{
public:
    virtual ~SnapshotRunner() = default;
    // Runs `work` once, then `done` with its result on the owner's thread, from a later event
    // (never from inside start()). The core starts one at a time.
    virtual void start(std::function<bool()> work, std::function<void(bool)> done) = 0;
    // Returns once the started work has finished (its `done` still comes later): the core
    // calls it before it saves a snapshot of its own on the owner's thread.
    virtual void wait() = 0;
};

// Sends one message to a server, best effort: it may be lost, delayed, duplicated or reordered.
// Delivery calls RaftNode::receive() on the destination, later, never from inside send().
class Transport
{
public:
    virtual ~Transport() = default;
    virtual void send(const Message &message) = 0;
};

} // namespace qonsul::raft

#pragma once
// Time and timers as an interface, so protocol code (sessions, blocking queries, and later
// Raft and gossip) can run on a simulated clock in tests. Single-threaded: call on the thread
// that owns the clock.
#include <QHash>
#include <QObject>
#include <functional>
#include <map>

class QTimer;

namespace qonsul {

class Clock
{
public:
    using TimerId = quint64;
    virtual ~Clock() = default;
    virtual qint64 monotonicMs() const = 0; // only differences are meaningful
    virtual qint64 wallMs() const = 0;      // Unix epoch milliseconds
    // Runs `fn` once after `delayMs`; ids are never 0 and never reused.
    virtual TimerId schedule(qint64 delayMs, std::function<void()> fn) = 0;
    virtual void cancel(TimerId id) = 0; // unknown or fired ids are ignored
};

// The real clock: every callback waits in one ordered queue behind a single QTimer armed for
// the earliest deadline, so tens of thousands of blocked queries cost O(log n) to arm and
// cancel (one QTimer each made cancel linear: QObject children and the dispatcher's timer list).
class SystemClock final : public QObject, public Clock
{
public:
    explicit SystemClock(QObject *parent = nullptr);
    ~SystemClock() override;
    qint64 monotonicMs() const override;
    qint64 wallMs() const override;
    TimerId schedule(qint64 delayMs, std::function<void()> fn) override;
    void cancel(TimerId id) override;
    // Drops every pending callback (and what it captured) now: owners call this on shutdown
    // while the objects those callbacks refer to still exist.
    void cancelAll();

private:
    void fire();
    void rearm();

    using Key = std::pair<qint64, TimerId>; // (deadline, id): ties run in scheduling order
    using Queue = std::map<Key, std::function<void()>>;
    Queue m_queue;
    // Where each pending timer sits: a cancel (every woken blocking query cancels its deadline)
    // removes it without searching the tree.
    QHash<TimerId, Queue::iterator> m_entries;
    QTimer *m_timer;
    TimerId m_next = 1;
};

} // namespace qonsul

#pragma once
// Time and timers as an interface, so protocol code (sessions, blocking queries, and later
// Raft and gossip) can run on a simulated clock in tests. Single-threaded: call on the thread
// that owns the clock.
#include <QObject>
#include <QHash>
#include <functional>

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

// The real clock: QElapsedTimer and one QTimer per scheduled callback.
class SystemClock final : public QObject, public Clock
{
public:
    explicit SystemClock(QObject *parent = nullptr);
    qint64 monotonicMs() const override;
    qint64 wallMs() const override;
    TimerId schedule(qint64 delayMs, std::function<void()> fn) override;
    void cancel(TimerId id) override;

private:
    QHash<TimerId, QObject *> m_timers;
    TimerId m_next = 1;
};

} // namespace qonsul

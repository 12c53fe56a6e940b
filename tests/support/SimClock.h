#pragma once
// A deterministic Clock for tests: time only moves when the test calls advance(). Timers are a
// queue ordered by (deadline, scheduling order); advance() runs every callback that falls due, in
// that order, with the clock set to each callback's deadline while it runs. Nothing sleeps and no
// event loop is needed. Single-threaded, like the Clock interface.
#include "core/Clock.h"

#include <QtGlobal>

#include <functional>
#include <map>
#include <optional>
#include <utility>

namespace qonsul::test {

class SimClock final : public Clock
{
public:
    // Wall time starts at a fixed, realistic epoch so tests are reproducible.
    static constexpr qint64 kDefaultWallStartMs = 1700000000000; // 2023-11-14T22:13:20Z

    explicit SimClock(qint64 wallStartMs = kDefaultWallStartMs);

    qint64 monotonicMs() const override { return m_nowMs; }
    qint64 wallMs() const override { return m_wallStartMs + m_nowMs; }
    // A negative delay counts as 0: the callback runs on the next advance(), even advance(0).
    TimerId schedule(qint64 delayMs, std::function<void()> fn) override;
    void cancel(TimerId id) override;

    // Moves time forward by `ms` (>= 0), running due callbacks in (deadline, seq) order.
    // Callbacks may schedule or cancel timers; new ones due within the window run too.
    void advance(qint64 ms);
    // Advances to the next deadline and runs what is due there; false when nothing is pending.
    bool runNext();

    qsizetype pendingCount() const { return qsizetype(m_queue.size()); }
    std::optional<qint64> nextDeadlineMs() const;

private:
    using Key = std::pair<qint64, TimerId>; // (deadline, seq); ids increase, so they order ties
    void runUntil(qint64 targetMs);

    qint64 m_wallStartMs;
    qint64 m_nowMs = 0;
    TimerId m_nextId = 1;
    std::map<Key, std::function<void()>> m_queue;
    std::map<TimerId, qint64> m_deadlines; // id -> deadline, for cancel()
};

} // namespace qonsul::test

#include "SimClock.h"

#include <algorithm>

namespace qonsul::test {

SimClock::SimClock(qint64 wallStartMs)
    : m_wallStartMs(wallStartMs)
{
}

Clock::TimerId SimClock::schedule(qint64 delayMs, std::function<void()> fn)
{
    const TimerId id = m_nextId++;
    const qint64 deadline = m_nowMs + std::max<qint64>(delayMs, 0);
    m_queue.emplace(Key { deadline, id }, std::move(fn));
    m_deadlines.emplace(id, deadline);
    return id;
}

void SimClock::cancel(TimerId id)
{
    const auto it = m_deadlines.find(id);
    if (it == m_deadlines.end())
        return;
    m_queue.erase(Key { it->second, id });
    m_deadlines.erase(it);
}

void SimClock::advance(qint64 ms)
{
    Q_ASSERT(ms >= 0);
    runUntil(m_nowMs + std::max<qint64>(ms, 0));
}

bool SimClock::runNext()
{
    if (m_queue.empty())
        return false;
    runUntil(m_queue.begin()->first.first);
    return true;
}

std::optional<qint64> SimClock::nextDeadlineMs() const
{
    if (m_queue.empty())
        return std::nullopt;
    return m_queue.begin()->first.first;
}

void SimClock::runUntil(qint64 targetMs)
{
    while (!m_queue.empty() && m_queue.begin()->first.first <= targetMs) {
        auto first = m_queue.begin();
        m_nowMs = first->first.first;
        std::function<void()> fn = std::move(first->second);
        m_deadlines.erase(first->first.second);
        m_queue.erase(first);
        fn();
    }
    m_nowMs = std::max(m_nowMs, targetMs);
}

} // namespace qonsul::test

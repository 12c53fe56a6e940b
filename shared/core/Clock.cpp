#include "core/Clock.h"

#include <QDateTime>
#include <QElapsedTimer>
#include <QTimer>

#include <algorithm>
#include <limits>

namespace qonsul {

namespace {
QElapsedTimer &monotonic()
{
    static QElapsedTimer timer = [] {
        QElapsedTimer t;
        t.start();
        return t;
    }();
    return timer;
}
} // namespace

SystemClock::SystemClock(QObject *parent)
    : QObject(parent)
    , m_timer(new QTimer(this))
{
    m_timer->setSingleShot(true);
    m_timer->setTimerType(Qt::PreciseTimer);
    connect(m_timer, &QTimer::timeout, this, &SystemClock::fire);
}

SystemClock::~SystemClock()
{
    cancelAll();
}

qint64 SystemClock::monotonicMs() const
{
    return monotonic().elapsed();
}

qint64 SystemClock::wallMs() const
{
    return QDateTime::currentMSecsSinceEpoch();
}

Clock::TimerId SystemClock::schedule(qint64 delayMs, std::function<void()> fn)
{
    const TimerId id = m_next++;
    const qint64 deadline = monotonicMs() + std::max<qint64>(0, delayMs);
    const bool earliest = m_queue.empty() || deadline < m_queue.begin()->first.first;
    m_entries.insert(id, m_queue.emplace(Key{deadline, id}, std::move(fn)).first);
    if (earliest)
        rearm();
    return id;
}

void SystemClock::cancel(TimerId id)
{
    const auto it = m_entries.constFind(id);
    if (it == m_entries.constEnd())
        return;
    const auto entry = *it;
    m_entries.erase(it);
    // Move the callback out first: destroying what it captured may call back into the clock.
    auto node = m_queue.extract(entry);
}

void SystemClock::cancelAll()
{
    m_entries.clear();
    auto doomed = std::move(m_queue);
    m_queue.clear();
    doomed.clear();
    m_timer->stop();
}

void SystemClock::fire()
{
    const qint64 now = monotonicMs();
    while (!m_queue.empty() && m_queue.begin()->first.first <= now) {
        auto node = m_queue.extract(m_queue.begin());
        m_entries.remove(node.key().second);
        node.mapped()();
    }
    rearm();
}

void SystemClock::rearm()
{
    if (m_queue.empty()) {
        m_timer->stop();
        return;
    }
    const qint64 wait = std::max<qint64>(0, m_queue.begin()->first.first - monotonicMs());
    m_timer->start(int(std::min<qint64>(wait, std::numeric_limits<int>::max())));
}

} // namespace qonsul

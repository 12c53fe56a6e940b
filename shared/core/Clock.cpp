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
{
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
    auto *timer = new QTimer(this);
    timer->setSingleShot(true);
    timer->setTimerType(delayMs < 2000 ? Qt::PreciseTimer : Qt::CoarseTimer);
    connect(timer, &QTimer::timeout, this, [this, id, timer, fn = std::move(fn)] {
        m_timers.remove(id);
        timer->deleteLater();
        fn();
    });
    m_timers.insert(id, timer);
    timer->start(int(std::clamp<qint64>(delayMs, 0, std::numeric_limits<int>::max())));
    return id;
}

void SystemClock::cancel(TimerId id)
{
    if (QObject *timer = m_timers.take(id))
        delete timer;
}

} // namespace qonsul

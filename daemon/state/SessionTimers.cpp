#include "state/SessionTimers.h"

#include "core/Logging.h"
#include "state/Command.h"
#include "state/Committer.h"

namespace qonsul::state {

namespace {
constexpr int kTtlGraceMultiplier = 2; // Consul invalidates after TTL × 2
}

SessionTimers::SessionTimers(Clock *clock, Committer *committer)
    : m_clock(clock)
    , m_committer(committer)
{
}

SessionTimers::~SessionTimers()
{
    for (Clock::TimerId id : std::as_const(m_timers))
        m_clock->cancel(id);
}

void SessionTimers::clear(const QString &id)
{
    if (const Clock::TimerId timer = m_timers.take(id))
        m_clock->cancel(timer);
}

void SessionTimers::reset(const QString &id, Nanoseconds ttl)
{
    clear(id);
    if (ttl <= 0)
        return;
    const qint64 delayMs = ttl * kTtlGraceMultiplier / kMillisecond;
    m_timers.insert(id, m_clock->schedule(delayMs, [this, id] {
        m_timers.remove(id);
        qCInfo(lcSession).noquote() << "Session TTL expired, invalidating:" << id;
        m_committer->propose(command::sessionDestroy(id, m_clock->wallMs()), {});
    }));
}

} // namespace qonsul::state

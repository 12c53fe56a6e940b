#pragma once
// Session TTL timers (a leader duty in Consul): a session with a TTL that is not renewed within
// 2 × TTL is destroyed through the committer, which releases or deletes its locks.
#include <QHash>
#include <QString>

#include "core/Clock.h"
#include "core/Duration.h"

namespace qonsul::state {

class Committer;

class SessionTimers
{
public:
    SessionTimers(Clock *clock, Committer *committer);
    ~SessionTimers();
    // (Re)arms the timer for `id`; ttl 0 clears it.
    void reset(const QString &id, Nanoseconds ttl);
    void clear(const QString &id);
    qsizetype count() const { return m_timers.size(); }

private:
    Clock *m_clock;
    Committer *m_committer;
    QHash<QString, Clock::TimerId> m_timers;
};

} // namespace qonsul::state

#include "state/TombstoneGc.h"

#include "state/Command.h"
#include "state/Committer.h"
#include "state/StateStore.h"

namespace qonsul::state {

TombstoneGc::TombstoneGc(Clock *clock, StateStore *store, Committer *committer)
    : m_clock(clock)
    , m_store(store)
    , m_committer(committer)
{
    m_timer = m_clock->schedule(kGranularityMs, [this] { tick(); });
}

TombstoneGc::~TombstoneGc()
{
    m_clock->cancel(m_timer);
}

void TombstoneGc::tick()
{
    const qint64 now = m_clock->monotonicMs();
    m_marks.append({now, m_store->lastIndex()});
    quint64 reapUpTo = 0;
    while (!m_marks.isEmpty() && now - m_marks.first().first >= kTtlMs)
        reapUpTo = m_marks.takeFirst().second;
    if (reapUpTo > 0 && m_store->tombstoneCount() > 0)
        m_committer->propose(command::tombstoneReap(reapUpTo), {});
    m_timer = m_clock->schedule(kGranularityMs, [this] { tick(); });
}

} // namespace qonsul::state

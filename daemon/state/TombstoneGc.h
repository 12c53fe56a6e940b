#pragma once
// Reaps KV tombstones once they are older than Consul's tombstone TTL (15 minutes), checked at
// a 30-second granularity: every tick remembers the current index, and the index remembered a
// TTL ago is reaped through the committer (so every server drops the same tombstones).
#include <QList>
#include <QPair>

#include "core/Clock.h"

namespace qonsul::state {

class Committer;
class StateStore;

class TombstoneGc
{
public:
    static constexpr qint64 kTtlMs = 15 * 60 * 1000;
    static constexpr qint64 kGranularityMs = 30 * 1000;

    TombstoneGc(Clock *clock, StateStore *store, Committer *committer);
    ~TombstoneGc();

private:
    void tick();

    Clock *m_clock;
    StateStore *m_store;
    Committer *m_committer;
    Clock::TimerId m_timer = 0;
    QList<QPair<qint64, quint64>> m_marks; // (monotonic ms, index at that time), oldest first
};

} // namespace qonsul::state

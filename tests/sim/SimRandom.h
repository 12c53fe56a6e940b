#pragma once
// The simulations' seeded generator (core/SplitMix64.h) with the helpers schedules use.
#include "core/SplitMix64.h"

namespace qonsul::sim {

class SimRandom : public SplitMix64
{
public:
    using SplitMix64::SplitMix64;
    qint64 between(qint64 lo, qint64 hi) { return lo + qint64(below(quint64(hi - lo + 1))); } // [lo, hi]
    bool chance(double p) { return unit() < p; }
    SimRandom fork() { return SimRandom(next()); }
};

} // namespace qonsul::sim

#pragma once
// A small seeded generator (SplitMix64): the same seed gives the same schedule on any machine.
#include <QtGlobal>

namespace qonsul::sim {

class SimRandom
{
public:
    explicit SimRandom(quint64 seed) : m_state(seed) {}
    quint64 next()
    {
        quint64 z = (m_state += 0x9E3779B97F4A7C15ull);
        z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9ull;
        z = (z ^ (z >> 27)) * 0x94D049BB133111EBull;
        return z ^ (z >> 31);
    }
    quint64 below(quint64 bound) { return bound ? next() % bound : 0; }                 // [0, bound)
    qint64 between(qint64 lo, qint64 hi) { return lo + qint64(below(quint64(hi - lo + 1))); } // [lo, hi]
    bool chance(double p) { return double(next() >> 11) * 0x1.0p-53 < p; }
    SimRandom fork() { return SimRandom(next()); }

private:
    quint64 m_state;
};

} // namespace qonsul::sim

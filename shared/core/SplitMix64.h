#pragma once
// A small seeded generator (SplitMix64): the same seed gives the same sequence on any machine.
// Protocol code that must replay exactly in simulation (gossip) takes its randomness from one of
// these, seeded by its owner; the simulations use it for their schedules.
#include <QtGlobal>

namespace qonsul {

class SplitMix64
{
public:
    explicit SplitMix64(quint64 seed) : m_state(seed) {}
    quint64 next()
    {
        quint64 z = (m_state += 0x9E3779B97F4A7C15ull);
        z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9ull;
        z = (z ^ (z >> 27)) * 0x94D049BB133111EBull;
        return z ^ (z >> 31);
    }
    quint64 below(quint64 bound) { return bound ? next() % bound : 0; } // [0, bound)
    double unit() { return double(next() >> 11) * 0x1.0p-53; }          // [0, 1)

private:
    quint64 m_state;
};

} // namespace qonsul

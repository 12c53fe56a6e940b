#pragma once
// A stretch of work on one thread that can produce thousands of small outputs at once: a write
// that wakes every blocking query on a prefix. Code that would pay a system call per output (one
// send() per woken connection) can queue it while a burst is open and do it in bulk, or spread
// over threads, when the outermost burst ends. Bursts nest; only the outermost one flushes.
#include <functional>

namespace qonsul::core {

class BurstScope
{
public:
    BurstScope();
    ~BurstScope(); // the outermost scope runs what atEnd() queued, in order
    BurstScope(const BurstScope &) = delete;
    BurstScope &operator=(const BurstScope &) = delete;

    static bool active(); // on this thread
    // Runs `flush` when this thread's outermost burst ends. Only while active().
    static void atEnd(std::function<void()> flush);
};

} // namespace qonsul::core

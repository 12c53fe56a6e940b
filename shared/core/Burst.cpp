#include "core/Burst.h"

#include <utility>
#include <vector>

namespace qonsul::core {

namespace {
thread_local int t_depth = 0;
thread_local std::vector<std::function<void()>> t_flushes;
} // namespace

BurstScope::BurstScope()
{
    ++t_depth;
}

BurstScope::~BurstScope()
{
    if (--t_depth > 0)
        return;
    // A flush may open a burst of its own (a completion that writes again): it queues anew.
    while (!t_flushes.empty()) {
        std::vector<std::function<void()>> flushes;
        std::swap(flushes, t_flushes);
        for (auto &flush : flushes)
            flush();
    }
}

bool BurstScope::active()
{
    return t_depth > 0;
}

void BurstScope::atEnd(std::function<void()> flush)
{
    t_flushes.push_back(std::move(flush));
}

} // namespace qonsul::core

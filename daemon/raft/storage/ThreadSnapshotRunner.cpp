#include "raft/storage/ThreadSnapshotRunner.h"

#ifdef __GLIBC__
#include <malloc.h>
#endif

namespace qonsul::raft {

void ThreadSnapshotRunner::start(std::function<bool()> work, std::function<void(bool)> done)
{
    wait(); // the core starts one at a time; this only joins a finished thread
    m_thread = std::thread([context = m_context, work = std::move(work), done = std::move(done)]() mutable {
        const bool saved = work();
        work = nullptr; // the captured state: tables that writes copied since the capture go now
#ifdef __GLIBC__
        // The serialization and those copies leave tens of MB free inside malloc's heaps (44 of a
        // server's 100 MB RSS with 100,000 keys), which glibc keeps unless asked: give it back.
        malloc_trim(0);
#endif
        QMetaObject::invokeMethod(context, [done = std::move(done), saved] { done(saved); }, Qt::QueuedConnection);
    });
}

void ThreadSnapshotRunner::wait()
{
    if (m_thread.joinable())
        m_thread.join();
}

} // namespace qonsul::raft

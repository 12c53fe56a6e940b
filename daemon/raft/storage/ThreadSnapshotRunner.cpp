#include "raft/storage/ThreadSnapshotRunner.h"

namespace qonsul::raft {

void ThreadSnapshotRunner::start(std::function<bool()> work, std::function<void(bool)> done)
{
    wait(); // the core starts one at a time; this only joins a finished thread
    m_thread = std::thread([context = m_context, work = std::move(work), done = std::move(done)]() mutable {
        const bool saved = work();
        QMetaObject::invokeMethod(context, [done = std::move(done), saved] { done(saved); }, Qt::QueuedConnection);
    });
}

void ThreadSnapshotRunner::wait()
{
    if (m_thread.joinable())
        m_thread.join();
}

} // namespace qonsul::raft

#pragma once
// The agent's SnapshotRunner: a snapshot's serialization and its durable write run on a thread of
// their own, so the event loop goes on applying entries and answering requests meanwhile; the
// completion comes back to the owner's thread as a queued call.
#include <QObject>

#include <thread>

#include "raft/Interfaces.h"

namespace qonsul::raft {

class ThreadSnapshotRunner final : public SnapshotRunner
{
public:
    // `context` lives on the owner's thread and outlives this runner; completions are queued to it.
    explicit ThreadSnapshotRunner(QObject *context) : m_context(context) {}
    ~ThreadSnapshotRunner() override { wait(); }
    ThreadSnapshotRunner(const ThreadSnapshotRunner &) = delete;
    ThreadSnapshotRunner &operator=(const ThreadSnapshotRunner &) = delete;

    void start(std::function<bool()> work, std::function<void(bool)> done) override;
    void wait() override;

private:
    QObject *m_context;
    std::thread m_thread;
};

} // namespace qonsul::raft

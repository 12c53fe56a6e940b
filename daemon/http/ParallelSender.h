#pragma once
// Sends a burst of replies (one write waking thousands of blocking queries) from this thread and
// one helper thread at once. On loopback a send() also runs the receiving end's TCP work, about
// 8–10 µs here, so 10,000 replies from one thread take ~100 ms of kernel time alone; two threads
// halve the wall time (docs/benchmarks.md, "the kernel's floor"). The helper starts sending while
// this thread is still producing replies, and only once a burst is large enough to be worth it.
//
// Only the descriptors and bytes cross threads; every result is handed back on the owner's thread
// after finish(), so connections need no locking.
#include <QByteArray>
#include <QtGlobal>

#include <condition_variable>
#include <deque>
#include <mutex>
#include <thread>

namespace qonsul::http {

class ParallelSender
{
public:
    // One send() (retried if interrupted); returns what the kernel took, or -1 with the error in
    // *error. Called from either thread.
    using SendFn = qint64 (*)(qintptr fd, const char *data, qint64 size, int *error);
    struct Item
    {
        qintptr fd;
        QByteArray bytes;
        quintptr tag; // the caller's: who to tell
        qint64 sent = 0;
        int error = 0;
    };

    explicit ParallelSender(SendFn send);
    ~ParallelSender();
    ParallelSender(const ParallelSender &) = delete;
    ParallelSender &operator=(const ParallelSender &) = delete;

    bool isEmpty() const { return m_items.empty(); }
    void add(qintptr fd, QByteArray bytes, quintptr tag);
    // Sends what is left on this thread, waits for the helper; then items() holds every result.
    void finish();
    const std::deque<Item> &items() const { return m_items; }
    void clear();

private:
    void helperLoop();
    bool sendNext(); // claims and sends a few items; false when none are left
    void sendOne(Item &item);

    SendFn m_send;
    std::deque<Item> m_items; // push_back keeps references to earlier items valid
    std::mutex m_mutex;
    std::condition_variable m_wake; // to the helper: items or stop
    std::condition_variable m_idle; // to this thread: the helper finished what it claimed
    size_t m_next = 0; // first item nobody has claimed
    int m_helperBusy = 0; // items the helper has claimed and not finished
    bool m_helperWaiting = false;
    bool m_stop = false;
    std::thread m_helper; // started by the first burst that reaches kHelperThreshold
};

} // namespace qonsul::http

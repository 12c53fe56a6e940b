#include "http/ParallelSender.h"

namespace qonsul::http {

namespace {
// Below this many replies in one burst the helper is not involved: waking it costs more than it
// saves, and an ordinary request answers at most a few watchers.
constexpr size_t kHelperThreshold = 64;
constexpr size_t kClaim = 4; // items claimed per lock
} // namespace

ParallelSender::ParallelSender(SendFn send)
    : m_send(send)
{
}

ParallelSender::~ParallelSender()
{
    if (!m_helper.joinable())
        return;
    {
        std::lock_guard lock(m_mutex);
        m_stop = true;
    }
    m_wake.notify_one();
    m_helper.join();
}

void ParallelSender::add(qintptr fd, QByteArray bytes, quintptr tag)
{
    bool wake = false;
    {
        std::lock_guard lock(m_mutex);
        m_items.push_back(Item { fd, std::move(bytes), tag });
        if (m_items.size() >= kHelperThreshold) {
            if (!m_helper.joinable())
                m_helper = std::thread([this] { helperLoop(); });
            wake = m_helperWaiting;
        }
    }
    if (wake)
        m_wake.notify_one();
}

void ParallelSender::finish()
{
    while (sendNext()) {
    }
    std::unique_lock lock(m_mutex);
    m_idle.wait(lock, [this] { return m_helperBusy == 0; });
}

void ParallelSender::clear()
{
    std::lock_guard lock(m_mutex);
    m_items.clear();
    m_next = 0;
}

bool ParallelSender::sendNext()
{
    Item *claimed[kClaim];
    size_t n = 0;
    {
        std::lock_guard lock(m_mutex);
        while (n < kClaim && m_next < m_items.size())
            claimed[n++] = &m_items[m_next++];
    }
    for (size_t i = 0; i < n; ++i)
        sendOne(*claimed[i]);
    return n > 0;
}

void ParallelSender::sendOne(Item &item)
{
    item.sent = m_send(item.fd, item.bytes.constData(), item.bytes.size(), &item.error);
}

void ParallelSender::helperLoop()
{
    std::unique_lock lock(m_mutex);
    for (;;) {
        while (m_next < m_items.size() && m_items.size() >= kHelperThreshold) {
            Item *claimed[kClaim];
            size_t n = 0;
            while (n < kClaim && m_next < m_items.size())
                claimed[n++] = &m_items[m_next++];
            m_helperBusy += int(n);
            lock.unlock();
            for (size_t i = 0; i < n; ++i)
                sendOne(*claimed[i]);
            lock.lock();
            m_helperBusy -= int(n);
            if (m_helperBusy == 0)
                m_idle.notify_one();
        }
        if (m_stop)
            return;
        m_helperWaiting = true;
        m_wake.wait(lock);
        m_helperWaiting = false;
    }
}

} // namespace qonsul::http

#include "gossip/BroadcastQueue.h"

namespace qonsul::gossip {

namespace {
constexpr int kMinMessageBytes = 4; // smaller than any encoded message: stop looking below this
constexpr int kMaxSkipped = 32;     // a nearly full packet stops the search instead of scanning all
}

void BroadcastQueue::erase(Set::iterator it)
{
    Finished finished = it->finished;
    if (!it->key.isEmpty())
        m_byKey.remove(it->key);
    m_items.erase(it);
    if (finished)
        finished();
}

void BroadcastQueue::queue(const QString &key, const QByteArray &message, Finished finished)
{
    if (!key.isEmpty()) {
        if (const auto old = m_byKey.find(key); old != m_byKey.end())
            erase(*old);
    }
    const auto [it, inserted] = m_items.insert(Item{0, m_nextId++, key, message, std::move(finished)});
    Q_ASSERT(inserted);
    if (!key.isEmpty())
        m_byKey.insert(key, it);
}

QList<QByteArray> BroadcastQueue::take(int overhead, int budget, int limit)
{
    QList<QByteArray> out;
    QList<Item> sent;
    QList<Finished> done; // run last: they may queue more
    int skipped = 0;
    for (auto it = m_items.begin(); it != m_items.end() && budget >= overhead + kMinMessageBytes;) {
        const int cost = overhead + int(it->message.size());
        if (cost > budget) {
            if (++skipped > kMaxSkipped)
                break;
            ++it;
            continue;
        }
        budget -= cost;
        out.append(it->message);
        Item item = *it;
        ++item.transmits;
        if (!item.key.isEmpty())
            m_byKey.remove(item.key);
        it = m_items.erase(it);
        if (item.transmits >= limit) {
            if (item.finished)
                done.append(std::move(item.finished));
        } else {
            sent.append(std::move(item));
        }
    }
    for (Item &item : sent) {
        const QString key = item.key;
        const auto it = m_items.insert(std::move(item)).first;
        if (!key.isEmpty())
            m_byKey.insert(key, it);
    }
    for (const Finished &f : done)
        f();
    return out;
}

void BroadcastQueue::prune(int max)
{
    while (int(m_items.size()) > max) {
        // The oldest is the one with the smallest id among all transmit counts.
        auto oldest = m_items.begin();
        for (auto it = m_items.begin(); it != m_items.end(); ++it) {
            if (it->id < oldest->id)
                oldest = it;
        }
        erase(oldest);
    }
}

} // namespace qonsul::gossip

#pragma once
// memberlist's TransmitLimitedQueue: messages waiting to be piggybacked on outgoing packets.
// The least transmitted (then newest) go first; each is sent at most `limit` times, where the
// owner passes MemberlistConfig::retransmitLimit(N). A new message with the key of a queued one
// replaces it (a newer alive/suspect/dead about the same node makes the older one useless).
#include <QByteArray>
#include <QHash>
#include <QList>
#include <QString>

#include <functional>
#include <set>

namespace qonsul::gossip {

class BroadcastQueue
{
public:
    using Finished = std::function<void()>;

    // An empty key is never replaced. `finished` runs once the message is sent `limit` times, or
    // replaced, or pruned.
    void queue(const QString &key, const QByteArray &message, Finished finished = {});
    // Messages whose sizes plus `overhead` each fit in `budget` in total, counting a transmit
    // for each.
    QList<QByteArray> take(int overhead, int budget, int limit);
    // Keeps the `max` newest.
    void prune(int max);
    int size() const { return int(m_items.size()); }
    bool contains(const QString &key) const { return m_byKey.contains(key); }

private:
    struct Item
    {
        int transmits;
        quint64 id; // larger is newer
        QString key;
        QByteArray message;
        Finished finished;
        bool operator<(const Item &o) const
        {
            return transmits != o.transmits ? transmits < o.transmits : id > o.id;
        }
    };
    using Set = std::set<Item>;
    void erase(Set::iterator it);

    Set m_items;
    QHash<QString, Set::iterator> m_byKey;
    quint64 m_nextId = 1;
};

} // namespace qonsul::gossip

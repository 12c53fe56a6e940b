#pragma once
// Wakes blocking queries when the data they read changes. A query records what it read in a
// WatchSet (tables, exact KV keys, KV prefixes, service names); the store notifies exactly
// those after each apply, so a write elsewhere wakes nobody. Single-threaded.
#include <QHash>
#include <QMap>
#include <QSet>
#include <QString>
#include <functional>
#include <memory>

namespace qonsul::state {

// What a read touched. Keys are opaque strings made by the helpers below.
class WatchSet
{
public:
    void addTable(QStringView table) { m_exact.insert(u"t:" + table); }
    void addKey(QStringView key) { m_exact.insert(u"k:" + key); }
    void addPrefix(QStringView prefix) { m_prefixes.insert(prefix.toString()); }
    void addService(QStringView name) { m_exact.insert(u"s:" + name); }
    void addNode(QStringView name) { m_exact.insert(u"n:" + name); }
    void merge(const WatchSet &other);
    bool isEmpty() const { return m_exact.isEmpty() && m_prefixes.isEmpty(); }

private:
    friend class WatchHub;
    QSet<QString> m_exact;
    QSet<QString> m_prefixes; // KV prefixes
};

// What a write touched; the store fills one per apply and hands it to WatchHub::notify.
class ChangeSet
{
public:
    void table(QStringView t) { m_exact.insert(u"t:" + t); }
    void key(QStringView k) { m_keys.insert(k.toString()); }
    void service(QStringView s) { m_exact.insert(u"s:" + s); }
    void node(QStringView n) { m_exact.insert(u"n:" + n); }
    bool isEmpty() const { return m_exact.isEmpty() && m_keys.isEmpty(); }
    void clear()
    {
        m_exact.clear();
        m_keys.clear();
    }

private:
    friend class WatchHub;
    QSet<QString> m_exact;
    QSet<QString> m_keys; // KV keys written or deleted
};

class WatchHub
{
public:
    class Watch;
    // Fires `callback` once, the first time anything in `set` changes. The watch stays armed
    // while the returned handle lives; dropping the handle cancels it.
    std::unique_ptr<Watch> watch(const WatchSet &set, std::function<void()> callback);

    // Fires (outside any table mutation) every watch that `changes` touches.
    void notify(const ChangeSet &changes);

    qsizetype watchCount() const { return m_watchCount; }

    class Watch
    {
    public:
        ~Watch();

    private:
        friend class WatchHub;
        // Shared with a notify() in progress, so dropping the handle from another watch's
        // callback still cancels this one.
        struct Pending
        {
            std::function<void()> callback;
            bool cancelled = false;
        };
        // One per watched key or prefix: a node of that key's list of watches. Intrusive, so
        // arming and disarming are O(1) and a key costs no container of its own (thousands of
        // blocking queries each watch their own key).
        struct Link
        {
            Watch *watch = nullptr;
            Link *prev = nullptr;
            Link *next = nullptr;
            QString key; // shares the hub's key string
            bool prefix = false;
        };
        WatchHub *hub = nullptr;
        std::unique_ptr<Link[]> links;
        qsizetype linkCount = 0;
        std::shared_ptr<Pending> pending = std::make_shared<Pending>();
        quint64 round = 0; // the notify() that last collected this watch
        bool armed = true;
    };

private:
    using Buckets = QHash<QString, Watch::Link *>; // key -> first link of its list
    void link(Buckets &buckets, Watch::Link *l, const QString &key);
    void unlink(Buckets &buckets, Watch::Link *l);
    void detach(Watch *w);
    Buckets m_exact;
    Buckets m_prefixes;
    QMap<qsizetype, int> m_prefixLengths; // length -> number of registered prefixes of that length
    qsizetype m_watchCount = 0;
    quint64 m_round = 0;
};

} // namespace qonsul::state

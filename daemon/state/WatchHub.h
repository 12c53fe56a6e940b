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
        WatchHub *hub = nullptr;
        QList<QString> exact;
        QList<QString> prefixes;
        std::shared_ptr<Pending> pending = std::make_shared<Pending>();
        bool armed = true;
    };

private:
    void detach(Watch *w);
    QHash<QString, QSet<Watch *>> m_exact;
    QHash<QString, QSet<Watch *>> m_prefixes;
    QMap<qsizetype, int> m_prefixLengths; // length -> number of registered prefixes of that length
    qsizetype m_watchCount = 0;
};

} // namespace qonsul::state

#include "state/WatchHub.h"

namespace qonsul::state {

void WatchSet::merge(const WatchSet &other)
{
    m_exact.unite(other.m_exact);
    m_prefixes.unite(other.m_prefixes);
}

WatchHub::Watch::~Watch()
{
    pending->cancelled = true;
    if (hub)
        hub->detach(this);
}

std::unique_ptr<WatchHub::Watch> WatchHub::watch(const WatchSet &set, std::function<void()> callback)
{
    auto w = std::make_unique<Watch>();
    w->hub = this;
    w->pending->callback = std::move(callback);
    for (const QString &k : set.m_exact) {
        w->exact.append(k);
        m_exact[k].insert(w.get());
    }
    for (const QString &p : set.m_prefixes) {
        w->prefixes.append(p);
        auto &bucket = m_prefixes[p];
        if (bucket.isEmpty())
            ++m_prefixLengths[p.size()];
        bucket.insert(w.get());
    }
    ++m_watchCount;
    return w;
}

void WatchHub::detach(Watch *w)
{
    if (!w->armed)
        return;
    w->armed = false;
    --m_watchCount;
    for (const QString &k : std::as_const(w->exact)) {
        auto it = m_exact.find(k);
        if (it != m_exact.end()) {
            it->remove(w);
            if (it->isEmpty())
                m_exact.erase(it);
        }
    }
    for (const QString &p : std::as_const(w->prefixes)) {
        auto it = m_prefixes.find(p);
        if (it != m_prefixes.end()) {
            it->remove(w);
            if (it->isEmpty()) {
                m_prefixes.erase(it);
                if (--m_prefixLengths[p.size()] == 0)
                    m_prefixLengths.remove(p.size());
            }
        }
    }
}

void WatchHub::notify(const ChangeSet &changes)
{
    QList<Watch *> fired;
    QSet<Watch *> seen;
    auto collect = [&fired, &seen](const QSet<Watch *> &bucket) {
        for (Watch *w : bucket) {
            if (w->armed && !seen.contains(w)) {
                seen.insert(w);
                fired.append(w);
            }
        }
    };
    for (const QString &k : changes.m_exact) {
        const auto it = m_exact.constFind(k);
        if (it != m_exact.constEnd())
            collect(*it);
    }
    for (const QString &key : changes.m_keys) {
        const auto exact = m_exact.constFind(u"k:" + key);
        if (exact != m_exact.constEnd())
            collect(*exact);
        // Only prefix lengths somebody watches are looked up: O(distinct lengths) per key.
        for (auto len = m_prefixLengths.begin(); len != m_prefixLengths.end() && len.key() <= key.size(); ++len) {
            const auto it = m_prefixes.constFind(QStringView(key).left(len.key()).toString());
            if (it != m_prefixes.constEnd())
                collect(*it);
        }
    }
    // Detach all first: a callback may destroy other watches or register new ones.
    QList<std::shared_ptr<Watch::Pending>> pending;
    pending.reserve(fired.size());
    for (Watch *w : std::as_const(fired)) {
        detach(w);
        pending.append(w->pending);
    }
    for (const auto &p : std::as_const(pending)) {
        if (p->cancelled)
            continue;
        p->cancelled = true; // fires once
        const auto callback = std::move(p->callback);
        callback();
    }
}

} // namespace qonsul::state

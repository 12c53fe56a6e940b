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

void WatchHub::link(Buckets &buckets, Watch::Link *l, const QString &key)
{
    auto it = buckets.find(key);
    if (it == buckets.end()) {
        it = buckets.insert(key, nullptr);
        if (&buckets == &m_prefixes)
            ++m_prefixLengths[key.size()];
    }
    l->key = it.key(); // one string per key, however many watch it
    l->next = *it;
    if (l->next)
        l->next->prev = l;
    *it = l;
}

void WatchHub::unlink(Buckets &buckets, Watch::Link *l)
{
    if (l->next)
        l->next->prev = l->prev;
    if (l->prev) {
        l->prev->next = l->next;
        return;
    }
    // The first of its list: the bucket points at it.
    const auto it = buckets.find(l->key);
    if (it == buckets.end())
        return;
    if (l->next) {
        *it = l->next;
        return;
    }
    buckets.erase(it);
    if (&buckets == &m_prefixes && --m_prefixLengths[l->key.size()] == 0)
        m_prefixLengths.remove(l->key.size());
}

std::unique_ptr<WatchHub::Watch> WatchHub::watch(const WatchSet &set, std::function<void()> callback)
{
    auto w = std::make_unique<Watch>();
    w->hub = this;
    w->pending->callback = std::move(callback);
    w->linkCount = set.m_exact.size() + set.m_prefixes.size();
    w->links.reset(new Watch::Link[size_t(w->linkCount)]);
    Watch::Link *l = w->links.get();
    for (const QString &k : set.m_exact) {
        l->watch = w.get();
        link(m_exact, l++, k);
    }
    for (const QString &p : set.m_prefixes) {
        l->watch = w.get();
        l->prefix = true;
        link(m_prefixes, l++, p);
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
    for (qsizetype i = 0; i < w->linkCount; ++i) {
        Watch::Link *l = &w->links[i];
        unlink(l->prefix ? m_prefixes : m_exact, l);
    }
}

void WatchHub::notify(const ChangeSet &changes)
{
    // One pass over each touched list; a watch reached through several keys is taken once
    // (marked with this round's number instead of a set of the fired watches).
    const quint64 round = ++m_round;
    QList<Watch *> fired;
    auto collect = [&fired, round](const Watch::Link *l) {
        for (; l; l = l->next) {
            Watch *w = l->watch;
            if (w->armed && w->round != round) {
                w->round = round;
                fired.append(w);
            }
        }
    };
    for (const QString &k : changes.m_exact)
        collect(m_exact.value(k));
    for (const QString &key : changes.m_keys) {
        collect(m_exact.value(u"k:" + key));
        // Only prefix lengths somebody watches are looked up: O(distinct lengths) per key.
        for (auto len = m_prefixLengths.begin(); len != m_prefixLengths.end() && len.key() <= key.size(); ++len)
            collect(m_prefixes.value(QStringView(key).left(len.key()).toString()));
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

#include "Linearizability.h"

#include <QStringList>

#include <algorithm>
#include <unordered_set>
#include <vector>

using namespace Qt::StringLiterals;

namespace qonsul::sim {

namespace {

// Call and return events in real-time order, as a doubly linked list that the search lifts
// linearized operations out of and puts them back into when it backtracks.
struct Event
{
    int op = 0;
    bool isCall = false;
    quint64 time = 0;
    int match = -1; // the other event of the same operation
    int prev = -1;
    int next = -1;
};

struct CacheKey
{
    std::vector<quint64> linearized;
    qint64 state = 0;
    bool operator==(const CacheKey &) const = default;
};

struct CacheHash
{
    size_t operator()(const CacheKey &k) const
    {
        size_t h = std::hash<qint64>()(k.state);
        for (quint64 w : k.linearized)
            h = h * 1099511628211ull ^ std::hash<quint64>()(w);
        return h;
    }
};

} // namespace

bool isLinearizable(const QList<RegisterOp> &ops, qint64 initial)
{
    std::vector<Event> events;
    events.reserve(size_t(ops.size()) * 2 + 1);
    events.push_back(Event {}); // [0]: the list head
    for (int i = 0; i < ops.size(); ++i) {
        events.push_back(Event { i, true, ops[i].call });
        events.push_back(Event { i, false, ops[i].ret });
    }
    std::stable_sort(events.begin() + 1, events.end(), [](const Event &a, const Event &b) { return a.time < b.time; });
    std::vector<int> callOf(size_t(ops.size())), returnOf(size_t(ops.size()));
    for (int i = 1; i < int(events.size()); ++i) {
        (events[size_t(i)].isCall ? callOf : returnOf)[size_t(events[size_t(i)].op)] = i;
        events[size_t(i)].prev = i - 1;
        events[size_t(i - 1)].next = i;
    }
    for (int op = 0; op < ops.size(); ++op) {
        events[size_t(callOf[size_t(op)])].match = returnOf[size_t(op)];
        events[size_t(returnOf[size_t(op)])].match = callOf[size_t(op)];
    }
    const auto unlink = [&](int e) {
        Event &x = events[size_t(e)];
        events[size_t(x.prev)].next = x.next;
        if (x.next >= 0)
            events[size_t(x.next)].prev = x.prev;
    };
    const auto relink = [&](int e) {
        Event &x = events[size_t(e)];
        events[size_t(x.prev)].next = e;
        if (x.next >= 0)
            events[size_t(x.next)].prev = e;
    };

    std::vector<quint64> linearized(size_t((ops.size() + 63) / 64));
    std::unordered_set<CacheKey, CacheHash> cache;
    struct Frame
    {
        int call;
        qint64 state;
    };
    std::vector<Frame> stack;
    qint64 state = initial;
    int e = events[0].next;
    while (events[0].next >= 0) {
        if (e < 0)
            return false; // unreachable: a return event always ends the list
        const Event &ev = events[size_t(e)];
        if (ev.isCall) {
            const RegisterOp &op = ops[ev.op];
            const bool ok = op.write || op.value == state;
            if (ok) {
                const qint64 next = op.write ? op.value : state;
                linearized[size_t(ev.op / 64)] |= 1ull << (ev.op % 64);
                if (cache.insert(CacheKey { linearized, next }).second) {
                    stack.push_back(Frame { e, state });
                    state = next;
                    unlink(e);
                    unlink(ev.match);
                    e = events[0].next;
                    continue;
                }
                linearized[size_t(ev.op / 64)] &= ~(1ull << (ev.op % 64));
            }
            e = ev.next;
        } else {
            // An operation returned before every earlier call could be placed: undo the last choice.
            if (stack.empty())
                return false;
            const Frame top = stack.back();
            stack.pop_back();
            const Event &call = events[size_t(top.call)];
            state = top.state;
            linearized[size_t(call.op / 64)] &= ~(1ull << (call.op % 64));
            relink(call.match);
            relink(top.call);
            e = call.next;
        }
    }
    return true;
}

QString distinctWritesViolation(const QList<RegisterOp> &history, qint64 initial)
{
    // A write that never returned is bounded by what reads saw: if no read returned its value
    // it can always go last, where it changes nothing (leave it out); otherwise it took effect
    // before the first read that returned its value did (end its interval there).
    QHash<qint64, quint64> firstSeen; // value -> earliest return of a read that returned it
    for (const RegisterOp &op : history) {
        if (!op.write && op.ret != RegisterOp::kPending) {
            const auto it = firstSeen.constFind(op.value);
            if (it == firstSeen.cend() || op.ret < *it)
                firstSeen.insert(op.value, op.ret);
        }
    }
    // Clusters: a write and the reads that returned its value; the initial value is written at
    // time 0, before everything.
    struct Cluster
    {
        bool written = false;
        quint64 writeCall = 0;
        quint64 minRet = RegisterOp::kPending; // the value must be in place by then
        quint64 maxCall = 0;                   // and still be there after this
    };
    QHash<qint64, Cluster> clusters;
    clusters.insert(initial, Cluster { true, 0, 0, 0 });
    for (const RegisterOp &op : history) {
        if (op.ret == RegisterOp::kPending && (!op.write || !firstSeen.contains(op.value)))
            continue;
        const quint64 ret = op.ret == RegisterOp::kPending ? std::max(firstSeen.value(op.value), op.call + 1) : op.ret;
        Cluster &c = clusters[op.value];
        if (op.write) {
            if (c.written)
                return u"value %1 is written twice; the checker needs distinct values"_s.arg(op.value);
            c.written = true;
            c.writeCall = op.call;
        }
        c.minRet = std::min(c.minRet, ret);
        c.maxCall = std::max(c.maxCall, op.call);
    }
    for (auto it = clusters.cbegin(); it != clusters.cend(); ++it) {
        if (!it->written)
            return u"a read returned %1, which no write wrote"_s.arg(it.key());
        if (it->minRet < it->writeCall)
            return u"a read returned %1 at %2, before the write of %1 began at %3"_s.arg(it.key()).arg(it->minRet).arg(it->writeCall);
    }
    // Gibbons & Korach ("Testing shared memories", 1997): with distinct values, a register's
    // history is linearizable iff each value's cluster fits in one stretch of time. A cluster
    // whose operations all overlap (minRet > maxCall) can go at any one instant in
    // [maxCall, minRet]: a backward zone. Otherwise its value must hold the register throughout
    // [minRet, maxCall]: a forward zone. No two forward zones may overlap, and no backward zone
    // may lie inside another cluster's forward zone.
    struct Zone
    {
        qint64 value;
        quint64 from, to;
    };
    QList<Zone> forward, backward;
    for (auto it = clusters.cbegin(); it != clusters.cend(); ++it) {
        if (it.key() == initial && it->minRet == 0 && it->maxCall == 0)
            continue; // the initial value, never read: nothing to place
        if (it->minRet < it->maxCall)
            forward.append(Zone { it.key(), it->minRet, it->maxCall });
        else
            backward.append(Zone { it.key(), it->maxCall, it->minRet });
    }
    std::sort(forward.begin(), forward.end(), [](const Zone &a, const Zone &b) { return a.from < b.from; });
    for (qsizetype i = 1; i < forward.size(); ++i) {
        if (forward[i].from < forward[i - 1].to) {
            return u"values %1 and %2 both had to hold the register between %3 and %4"_s.arg(forward[i - 1].value)
                .arg(forward[i].value)
                .arg(forward[i].from)
                .arg(std::min(forward[i].to, forward[i - 1].to));
        }
    }
    for (const Zone &b : std::as_const(backward)) {
        for (const Zone &f : std::as_const(forward)) {
            if (f.from < b.from && b.to < f.to) {
                return u"value %1 had to be read between %2 and %3, while %4 held the register from %5 to %6"_s
                    .arg(b.value)
                    .arg(b.from)
                    .arg(b.to)
                    .arg(f.value)
                    .arg(f.from)
                    .arg(f.to);
            }
        }
    }
    return {};
}

int RegisterHistory::call(const QString &key, bool write, qint64 value)
{
    m_ops.append({ key, RegisterOp { write, value, ++m_clock, RegisterOp::kPending } });
    return int(m_ops.size()) - 1;
}

void RegisterHistory::complete(int id, qint64 readValue)
{
    RegisterOp &op = m_ops[id].second;
    if (!op.write)
        op.value = readValue;
    op.ret = ++m_clock;
}

QString RegisterHistory::check(qint64 initial) const
{
    QHash<QString, QList<RegisterOp>> byKey;
    for (const auto &[key, op] : m_ops) {
        if (op.write || op.ret != RegisterOp::kPending) // a read that never returned says nothing
            byKey[key].append(op);
    }
    QStringList keys = byKey.keys();
    keys.sort();
    for (const QString &key : std::as_const(keys)) {
        const QList<RegisterOp> &ops = byKey[key];
        const QString why = distinctWritesViolation(ops, initial);
        if (why.isEmpty())
            continue;
        QStringList lines;
        for (const RegisterOp &op : ops) {
            lines.append(u"%1 %2 [%3, %4]"_s.arg(op.write ? u"write"_s : u"read"_s)
                             .arg(op.value)
                             .arg(op.call)
                             .arg(op.ret == RegisterOp::kPending ? u"pending"_s : QString::number(op.ret)));
        }
        return u"the operations on key %1 are not linearizable (%2): %3"_s.arg(key, why, lines.join(u"; "_s));
    }
    return {};
}

} // namespace qonsul::sim

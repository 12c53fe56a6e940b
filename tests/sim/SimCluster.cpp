#include "SimCluster.h"

#include <QDataStream>
#include <QDebug>
#include <QIODevice>

#include <cmath>

using namespace Qt::StringLiterals;
using namespace qonsul::raft;

namespace qonsul::sim {

namespace {

quint64 fnv(const QByteArray &bytes, quint64 h = 1469598103934665603ull)
{
    for (char c : bytes) {
        h ^= quint8(c);
        h *= 1099511628211ull;
    }
    return h;
}

quint64 entryHash(const LogEntry &e)
{
    return fnv(e.data, fnv(QByteArray(1, char(e.type))));
}

quint64 mix(quint64 a, quint64 b)
{
    a ^= b + 0x9E3779B97F4A7C15ull + (a << 6) + (a >> 2);
    return a * 0xBF58476D1CE4E5B9ull;
}

} // namespace

// ---- Per-server plumbing ---------------------------------------------------------------------

class SimCluster::ServerLog final : public LogStore
{
public:
    ServerLog(SimCluster *c, int server) : m_c(c), m_server(server), m_s(*c->m_servers.at(server)) {}
    quint64 firstIndex() const override { return m_s.log.firstIndex(); }
    quint64 lastIndex() const override { return m_s.log.lastIndex(); }
    LogEntry entry(quint64 index) const override { return m_s.log.entry(index); }
    bool append(const QList<LogEntry> &entries) override
    {
        if (refusedAsFull("an append"))
            return false;
        if (m_s.crashArmed) {
            // Crash mid-write: only a prefix reached the disk before the power went.
            m_s.crashArmed = false;
            const QList<LogEntry> synced = entries.first(qsizetype(m_s.random.below(quint64(entries.size()) + 1)));
            m_c->trace(u"%1 crashes during an append: %2 of %3 entries synced"_s.arg(m_s.id).arg(synced.size()).arg(entries.size()));
            m_c->m_checker.onAppend(m_server, m_s.log, synced);
            m_s.log.append(synced);
            throw SimCrash {};
        }
        m_c->m_checker.onAppend(m_server, m_s.log, entries);
        return m_s.log.append(entries);
    }
    bool truncateAfter(quint64 lastKept) override
    {
        if (refusedAsFull("a truncation"))
            return false;
        maybeCrash("truncation");
        return m_s.log.truncateAfter(lastKept);
    }
    bool truncateBefore(quint64 firstKept) override
    {
        if (refusedAsFull("a compaction"))
            return false;
        maybeCrash("compaction");
        return m_s.log.truncateBefore(firstKept);
    }

private:
    bool refusedAsFull(const char *what)
    {
        if (!m_s.diskFull)
            return false;
        if (!m_s.node) { // RaftNode's start-up cleanup: the real server exits with the error
            m_c->trace(u"%1 fails to start: disk full, %2 fails"_s.arg(m_s.id, QLatin1StringView(what)));
            throw SimCrash {};
        }
        ++m_c->m_stats.refusedWrites;
        m_c->trace(u"%1: disk full, %2 fails"_s.arg(m_s.id, QLatin1StringView(what)));
        return true;
    }
    void maybeCrash(const char *what)
    {
        if (!m_s.crashArmed)
            return;
        m_s.crashArmed = false;
        m_c->trace(u"%1 crashes before a %2 reached the disk"_s.arg(m_s.id, QLatin1StringView(what)));
        throw SimCrash {};
    }
    SimCluster *m_c;
    int m_server;
    Host &m_s;
};

class SimCluster::ServerStable final : public StableStore
{
public:
    ServerStable(SimCluster *c, Host &s) : m_c(c), m_s(s) {}
    quint64 currentTerm() const override { return m_s.stable.currentTerm(); }
    ServerId votedFor() const override { return m_s.stable.votedFor(); }
    void setTermAndVote(quint64 term, const ServerId &votedFor) override
    {
        if (m_s.diskFull) { // the durable store stops the process then (SqliteStableStore)
            m_c->trace(u"%1 stops: disk full, term %2 cannot be stored"_s.arg(m_s.id).arg(term));
            throw SimCrash {};
        }
        if (m_s.crashArmed) {
            m_s.crashArmed = false;
            m_c->trace(u"%1 crashes before term %2 / vote '%3' reached the disk"_s.arg(m_s.id).arg(term).arg(votedFor));
            throw SimCrash {};
        }
        m_s.stable.setTermAndVote(term, votedFor);
    }

private:
    SimCluster *m_c;
    Host &m_s;
};

class SimCluster::ServerSnapshots final : public SnapshotStore
{
public:
    ServerSnapshots(SimCluster *c, Host &s) : m_c(c), m_s(s) {}
    bool save(const SnapshotMeta &meta, const QByteArray &data) override
    {
        if (m_s.diskFull) {
            ++m_c->m_stats.refusedWrites;
            m_c->trace(u"%1: disk full, snapshot %2 fails"_s.arg(m_s.id).arg(meta.index));
            return false;
        }
        if (m_s.crashArmed) {
            m_s.crashArmed = false;
            m_c->trace(u"%1 crashes before snapshot %2 reached the disk"_s.arg(m_s.id).arg(meta.index));
            throw SimCrash {};
        }
        return m_s.snapshots.save(meta, data);
    }
    std::optional<SnapshotMeta> latest() const override { return m_s.snapshots.latest(); }
    QByteArray latestData() const override { return m_s.snapshots.latestData(); }

private:
    SimCluster *m_c;
    Host &m_s;
};

// One server's view of the SimClock: its timers run as checked events and vanish with a crash.
class SimCluster::ServerClock final : public Clock
{
public:
    ServerClock(SimCluster *c, int server)
        : m_c(c)
        , m_server(server)
        , m_rate(c->m_servers.at(server)->clockRate)
        , m_origin(c->m_servers.at(server)->clockOrigin)
    {
    }
    ~ServerClock() override { cancelAll(); }
    qint64 monotonicMs() const override
    {
        return m_origin + qint64(std::floor(double(m_c->m_clock.monotonicMs()) * m_rate));
    }
    qint64 wallMs() const override { return m_c->m_clock.wallMs(); }
    TimerId schedule(qint64 delayMs, std::function<void()> fn) override
    {
        // Rounded up, so the server's own clock has advanced by at least delayMs when it fires.
        const qint64 real = qint64(std::ceil(double(std::max<qint64>(delayMs, 0)) / m_rate));
        auto holder = std::make_shared<TimerId>(0);
        const TimerId id = m_c->m_clock.schedule(real, [this, holder, fn = std::move(fn)] {
            m_ids.remove(*holder);
            m_c->event(m_server, fn);
        });
        *holder = id;
        m_ids.insert(id);
        return id;
    }
    void cancel(TimerId id) override
    {
        if (m_ids.remove(id))
            m_c->m_clock.cancel(id);
    }
    void cancelAll()
    {
        for (TimerId id : std::as_const(m_ids))
            m_c->m_clock.cancel(id);
        m_ids.clear();
    }

private:
    SimCluster *m_c;
    int m_server;
    double m_rate;
    qint64 m_origin;
    QSet<TimerId> m_ids;
};

// The snapshot worker: the work (serializing what was captured, then saving it) runs 0-300 ms
// after it was started, while the server goes on applying entries, and a crash before then
// loses it. wait() runs it at once; the completion still comes with the timer.
class SimCluster::ServerSnapshotRunner final : public SnapshotRunner
{
public:
    ServerSnapshotRunner(SimCluster *c, Host &s) : m_c(c), m_s(s) {}
    void start(std::function<bool()> work, std::function<void(bool)> done) override
    {
        m_work = std::move(work);
        const qint64 delay = qint64(m_s.random.below(301));
        m_c->trace(u"%1 starts a snapshot, written in %2 ms"_s.arg(m_s.id).arg(delay));
        m_s.clock->schedule(delay, [this, done = std::move(done)] {
            wait();
            done(m_saved);
        });
    }
    void wait() override
    {
        if (m_work)
            m_saved = std::exchange(m_work, {})();
    }

private:
    SimCluster *m_c;
    Host &m_s;
    std::function<bool()> m_work;
    bool m_saved = false;
};

namespace {
class NetworkTransport final : public Transport
{
public:
    explicit NetworkTransport(SimNetwork *network) : m_network(network) {}
    void send(const Message &message) override { m_network->send(message); }

private:
    SimNetwork *m_network;
};
} // namespace

SimCluster::Host::Host() = default;
SimCluster::Host::~Host()
{
    node.reset();
}

// ---- State machine ---------------------------------------------------------------------------

std::any SimStateMachine::apply(const LogEntry &entry)
{
    const quint64 previous = m_lastIndex;
    const QByteArray &d = entry.data;
    const qsizetype eq = d.indexOf('=');
    m_values.insert(QString::fromUtf8(d.left(eq)), QString::fromUtf8(d.mid(eq + 1)));
    m_chain = mix(mix(m_chain, entry.index), fnv(d));
    m_lastIndex = entry.index;
    m_cluster->m_checker.onApply(m_server, entry, previous, m_chain);
    return entry.index;
}

std::function<QByteArray()> SimStateMachine::capture() const
{
    return [last = m_lastIndex, chain = m_chain, values = m_values] {
        QByteArray out;
        QDataStream s(&out, QIODevice::WriteOnly);
        s << last << chain << values;
        return out;
    };
}

bool SimStateMachine::restore(const QByteArray &data, const SnapshotMeta &)
{
    QDataStream s(data);
    quint64 last = 0, chain = 0;
    QHash<QString, QString> values;
    s >> last >> chain >> values;
    if (s.status() != QDataStream::Ok)
        return false;
    m_lastIndex = last;
    m_chain = chain;
    m_values = std::move(values);
    m_cluster->m_checker.onRestore(m_server, m_lastIndex, m_chain);
    return true;
}

// ---- Invariants ------------------------------------------------------------------------------

void InvariantChecker::fail(const QString &why)
{
    if (m_failure.isEmpty())
        m_failure = u"t=%1ms: %2"_s.arg(m_cluster->m_clock.monotonicMs()).arg(why);
}

void InvariantChecker::onAppend(int server, const LogStore &before, const QList<LogEntry> &entries)
{
    const ServerId &id = m_cluster->idOf(server);
    for (qsizetype k = 0; k < entries.size(); ++k) {
        const LogEntry &e = entries.at(k);
        bool hasPrev = true;
        quint64 prevTerm = 0;
        if (k > 0)
            prevTerm = entries.at(k - 1).term;
        else if (e.index == 1)
            prevTerm = 0;
        else if (e.index - 1 >= before.firstIndex() && e.index - 1 <= before.lastIndex())
            prevTerm = before.entry(e.index - 1).term;
        else
            hasPrev = false;
        if (e.index != before.lastIndex() + 1 + quint64(k))
            fail(u"%1 appended index %2 after last index %3 (gap)"_s.arg(id).arg(e.index).arg(before.lastIndex()));
        const Key key { e.term, entryHash(e) };
        auto it = m_entries.find({ e.index, e.term });
        if (it == m_entries.end()) {
            m_entries.insert({ e.index, e.term }, Record { key, prevTerm, hasPrev });
            continue;
        }
        if (it->key != key)
            fail(u"log matching: %1 holds a different entry at index %2 term %3"_s.arg(id).arg(e.index).arg(e.term));
        if (hasPrev && it->hasPrev && it->prevTerm != prevTerm) {
            fail(u"log matching: on %1 the entry at index %2 term %3 follows term %4, elsewhere term %5"_s.arg(id)
                     .arg(e.index).arg(e.term).arg(prevTerm).arg(it->prevTerm));
        }
        if (hasPrev && !it->hasPrev) {
            it->prevTerm = prevTerm;
            it->hasPrev = true;
        }
    }
}

void InvariantChecker::recordCommitted(int server, quint64 index, Key key)
{
    if (index >= m_committed.size())
        m_committed.resize(index + 1);
    Key &known = m_committed[index];
    if (known.term == 0) {
        known = key;
        return;
    }
    if (known != key) {
        fail(u"committed entry changed: %1 has term %2 at committed index %3, committed was term %4"_s
                 .arg(m_cluster->idOf(server)).arg(key.term).arg(index).arg(known.term));
    }
}

void InvariantChecker::onApply(int server, const LogEntry &entry, quint64 previousCommandIndex, quint64 chain)
{
    const ServerId &id = m_cluster->idOf(server);
    if (entry.index <= previousCommandIndex)
        fail(u"%1 applied index %2 after %3 (out of order)"_s.arg(id).arg(entry.index).arg(previousCommandIndex));
    RaftNode *node = m_cluster->node(server);
    if (node && entry.index > node->commitIndex())
        fail(u"%1 applied index %2 beyond its commit index %3"_s.arg(id).arg(entry.index).arg(node->commitIndex()));
    recordCommitted(server, entry.index, Key { entry.term, entryHash(entry) });
    auto it = m_chains.find(entry.index);
    if (it == m_chains.end())
        m_chains.insert(entry.index, chain);
    else if (*it != chain)
        fail(u"state machine safety: %1's applied sequence up to index %2 differs from another server's"_s.arg(id).arg(entry.index));
}

void InvariantChecker::onRestore(int server, quint64 commandIndex, quint64 chain)
{
    if (commandIndex == 0)
        return;
    auto it = m_chains.find(commandIndex);
    if (it == m_chains.end())
        m_chains.insert(commandIndex, chain);
    else if (*it != chain)
        fail(u"state machine safety: %1 restored a snapshot whose state at index %2 differs"_s.arg(m_cluster->idOf(server)).arg(commandIndex));
}

void InvariantChecker::onRestart(int server)
{
    if (m_checkedCommit.size() <= size_t(server))
        m_checkedCommit.resize(server + 1);
    m_checkedCommit[server] = 0;
}

void InvariantChecker::afterEvent()
{
    if (m_checkedCommit.size() < size_t(m_cluster->size()))
        m_checkedCommit.resize(m_cluster->size());
    for (int s = 0; s < m_cluster->size(); ++s) {
        RaftNode *node = m_cluster->node(s);
        if (!node)
            continue;
        const MemoryLogStore &log = m_cluster->disk(s);
        const quint64 commit = node->commitIndex();
        for (quint64 i = m_checkedCommit[s] + 1; i <= commit; ++i) {
            if (i >= log.firstIndex() && i <= log.lastIndex()) {
                const LogEntry e = log.entry(i);
                recordCommitted(s, i, Key { e.term, entryHash(e) });
            }
        }
        m_checkedCommit[s] = std::max(m_checkedCommit[s], commit);

        if (!node->isLeader())
            continue;
        const quint64 term = node->currentTerm();
        auto leader = m_leaders.find(term);
        if (leader == m_leaders.end())
            m_leaders.insert(term, node->id());
        else if (*leader != node->id())
            fail(u"election safety: %1 and %2 are both leaders of term %3"_s.arg(*leader, node->id()).arg(term));
        if (m_leaderChecked.contains({ term, s }))
            continue;
        m_leaderChecked.insert({ term, s });
        // Leader completeness (5.4): a leader holds every entry committed before its term.
        for (quint64 i = 1; i < m_committed.size(); ++i) {
            const Key &c = m_committed[i];
            if (c.term == 0 || c.term > term)
                continue;
            if (i < log.firstIndex()) {
                if (node->snapshotIndex() < i)
                    fail(u"leader completeness: %1 (term %2) has neither log nor snapshot for index %3"_s.arg(node->id()).arg(term).arg(i));
                continue;
            }
            if (i > log.lastIndex() || Key { log.entry(i).term, entryHash(log.entry(i)) } != c) {
                fail(u"leader completeness: %1 became leader of term %2 without committed index %3"_s.arg(node->id()).arg(term).arg(i));
                break;
            }
        }
    }
    if (checkDurableQuorum && m_committed.size() > 1) {
        const quint64 c = m_committed.size() - 1;
        int durable = 0;
        for (int s = 0; s < m_cluster->size(); ++s) {
            const MemoryLogStore &log = m_cluster->disk(s);
            const std::optional<SnapshotMeta> snap = m_cluster->snapshots(s).latest();
            if (snap && snap->index >= c) {
                ++durable;
            } else if (c >= log.firstIndex() && c <= log.lastIndex()) {
                const LogEntry e = log.entry(c);
                if (Key { e.term, entryHash(e) } == m_committed[c])
                    ++durable;
            }
        }
        if (durable < m_cluster->size() / 2 + 1)
            fail(u"committed index %1 is durable on only %2 of %3 servers"_s.arg(c).arg(durable).arg(m_cluster->size()));
    }
}

// ---- Cluster ---------------------------------------------------------------------------------

Options SimCluster::simOptions()
{
    Options o;
    o.timing = Timing::fromMultiplier(1);
    o.maxAppendEntries = 16;
    o.maxInflight = 4;
    o.snapshotIntervalMs = 500;
    o.snapshotThreshold = 40;
    o.snapshotChunkBytes = 64; // a snapshot here is ~60-150 bytes: several chunks
    o.trailingLogs = 10;
    return o;
}

SimCluster::SimCluster(const Params &params)
    : m_params(params)
    , m_random(params.seed)
    , m_network(
          &m_clock, m_random.fork(), [this](const Message &m) { deliver(m); },
          [this](const ServerId &at, const ServerId &peer) { connectionLost(at, peer); })
{
    for (int i = 0; i < params.servers; ++i) {
        auto s = std::make_unique<Host>();
        s->id = u"s%1"_s.arg(i + 1);
        s->random = m_random.fork();
        if (params.maxDrift > 0) {
            s->clockRate = 1.0 + params.maxDrift * (2.0 * double(s->random.below(1000001)) / 1e6 - 1.0);
            s->clockOrigin = qint64(s->random.below(1000000000));
        }
        m_servers.push_back(std::move(s));
    }
    Configuration config;
    const int voters = params.bootstrapVoters < 0 ? params.servers : params.bootstrapVoters;
    for (int i = 0; i < voters; ++i)
        config.servers.append(raft::Server { idOf(i), u"10.0.0.%1:8300"_s.arg(i + 1), Suffrage::Voter });
    for (int i = 0; i < params.servers; ++i) {
        restart(i);
        if (i < voters)
            event(i, [&] { node(i)->bootstrap(config); });
    }
}

SimCluster::~SimCluster()
{
    for (auto &s : m_servers) {
        s->node.reset();
        s->clock.reset();
    }
}

ServerId SimCluster::idOf(int server) const { return m_servers.at(server)->id; }
RaftNode *SimCluster::node(int server) const { return m_servers.at(server)->node.get(); }
SimStateMachine *SimCluster::stateMachine(int server) const { return m_servers.at(server)->fsm.get(); }
const MemoryLogStore &SimCluster::disk(int server) const { return m_servers.at(server)->log; }
const MemorySnapshotStore &SimCluster::snapshots(int server) const { return m_servers.at(server)->snapshots; }
void SimCluster::armCrashOnWrite(int server) { m_servers.at(server)->crashArmed = true; }
void SimCluster::disarmCrashes()
{
    for (auto &s : m_servers) {
        s->crashArmed = false;
        s->diskFull = false;
    }
}

void SimCluster::setDiskFull(int server, bool full)
{
    m_servers.at(server)->diskFull = full;
}

bool SimCluster::diskFull(int server) const
{
    return m_servers.at(server)->diskFull;
}

QList<ServerId> SimCluster::ids() const
{
    QList<ServerId> out;
    for (const auto &s : m_servers)
        out.append(s->id);
    return out;
}

int SimCluster::leader() const
{
    int best = -1;
    for (int i = 0; i < size(); ++i) {
        const RaftNode *n = node(i);
        if (n && n->isLeader() && (best < 0 || n->currentTerm() > node(best)->currentTerm()))
            best = i;
    }
    return best;
}

void SimCluster::trace(const QString &line) const
{
    if (m_params.trace)
        qInfo().noquote() << u"[%1ms]"_s.arg(m_clock.monotonicMs(), 7) << line;
}

void SimCluster::event(int server, const std::function<void()> &fn)
{
    ++m_inEvent;
    try {
        fn();
    } catch (const SimCrash &) {
        ++m_stats.writeCrashes;
        crashNow(server);
    }
    --m_inEvent;
    if (m_inEvent == 0) {
        m_checker.afterEvent();
        if (m_probe)
            m_probe();
    }
}

SimCluster::Stats SimCluster::stats() const
{
    Stats s = m_stats;
    s.elections = m_checker.leaderTerms();
    return s;
}

void SimCluster::crashNow(int server)
{
    ++m_stats.crashes;
    Host &s = *m_servers.at(server);
    s.node.reset();
    s.clock.reset();
    s.snapshotRunner.reset();
    s.fsm.reset();
    s.crashArmed = false;
    m_network.closeConnections(s.id, ids());
}

void SimCluster::resetConnections(int server)
{
    trace(u"reset the connections from %1"_s.arg(idOf(server)));
    m_network.closeConnections(idOf(server), ids());
}

void SimCluster::connectionLost(const ServerId &at, const ServerId &peer)
{
    const int i = int(ids().indexOf(at));
    RaftNode *n = node(i);
    trace(u"%1 sees its connection from %2 close%3"_s.arg(at, peer, n ? QString() : u" (down)"_s));
    if (n)
        event(i, [&] { n->connectionLost(peer); });
}

void SimCluster::crash(int server)
{
    if (!isUp(server))
        return;
    trace(u"crash %1"_s.arg(idOf(server)));
    event(server, [&] { crashNow(server); });
}

void SimCluster::restart(int server)
{
    Host &s = *m_servers.at(server);
    if (s.node)
        return;
    if (s.incarnation > 0)
        trace(u"restart %1"_s.arg(s.id));
    ++s.incarnation;
    s.crashArmed = false;
    if (!s.logView) {
        s.logView = std::make_unique<ServerLog>(this, server);
        s.stableView = std::make_unique<ServerStable>(this, s);
        s.snapshotView = std::make_unique<ServerSnapshots>(this, s);
        s.transport = std::make_unique<NetworkTransport>(&m_network);
    }
    s.clock = std::make_unique<ServerClock>(this, server);
    s.snapshotRunner = std::make_unique<ServerSnapshotRunner>(this, s);
    s.fsm = std::make_unique<SimStateMachine>(this, server);
    m_checker.onRestart(server);
    RaftNode::Deps deps;
    deps.id = s.id;
    deps.clock = s.clock.get();
    deps.transport = s.transport.get();
    deps.log = s.logView.get();
    deps.stable = s.stableView.get();
    deps.snapshots = s.snapshotView.get();
    deps.fsm = s.fsm.get();
    deps.snapshotRunner = s.snapshotRunner.get();
    deps.random = [&s] { return s.random.next(); };
    deps.options = m_params.options;
    event(server, [&] { s.node = std::make_unique<RaftNode>(deps); });
}

void SimCluster::deliver(const Message &message)
{
    for (int i = 0; i < size(); ++i) {
        if (m_servers[i]->id != message.to)
            continue;
        RaftNode *n = node(i);
        if (m_params.trace && message.type != Message::Type::Heartbeat && message.type != Message::Type::HeartbeatResponse) {
            trace(u"%1 -> %2 %3 term %4 prev %5/%6 n=%7 commit %8 ok=%9 match %10 reject %11 hint %12/%13%14"_s
                      .arg(message.from, message.to,
                           QLatin1StringView(toString(message.type)) + (message.preVote ? u" (pre-vote)"_s : QString()))
                      .arg(message.term)
                      .arg(message.prevLogIndex).arg(message.prevLogTerm).arg(message.entries.size())
                      .arg(message.leaderCommit).arg(message.success).arg(message.matchIndex).arg(message.rejectIndex)
                      .arg(message.conflictIndex).arg(message.conflictTerm).arg(n ? QString() : u" (down)"_s));
        }
        if (!n)
            return;
        const quint64 snapBefore = n->snapshotIndex();
        if (message.type == Message::Type::InstallSnapshot)
            ++m_stats.snapshotChunks;
        event(i, [&] { n->receive(message); });
        if (message.type == Message::Type::InstallSnapshot && node(i) && node(i)->snapshotIndex() > snapBefore)
            ++m_stats.snapshotsInstalled;
        return;
    }
}

bool SimCluster::runUntil(const std::function<bool()> &done, qint64 ms)
{
    const qint64 end = m_clock.monotonicMs() + ms;
    while (m_checker.hold()) {
        if (done())
            return true;
        const std::optional<qint64> next = m_clock.nextDeadlineMs();
        if (!next || *next > end) {
            m_clock.advance(end - m_clock.monotonicMs());
            return done();
        }
        m_clock.runNext();
    }
    return false;
}

bool SimCluster::write(const QString &key)
{
    const int l = anyLeader();
    if (l < 0)
        return false;
    const QByteArray command = (key + u'=' + QString::number(++m_nextValue)).toUtf8();
    trace(u"client write %1 via %2"_s.arg(QString::fromUtf8(command), idOf(l)));
    const int op = m_history.call(key, true, qint64(m_nextValue));
    event(l, [&] {
        node(l)->propose(command, [this, op](quint64 index, const std::any &, const QString &error) {
            if (!error.isEmpty())
                return; // it may still commit: pending in the history, like a lost reply
            m_history.complete(op);
            m_ackedIndex = std::max(m_ackedIndex, index);
            ++m_writesAcked;
        });
    });
    return true;
}

int SimCluster::anyLeader()
{
    // Any server that believes it leads, not only the newest one: a client that still talks to
    // a deposed leader is exactly the case stale reads come from.
    QList<int> leaders;
    for (int i = 0; i < size(); ++i) {
        if (node(i) && node(i)->isLeader())
            leaders.append(i);
    }
    return leaders.isEmpty() ? -1 : leaders.at(qsizetype(m_random.below(quint64(leaders.size()))));
}

bool SimCluster::read(RaftNode::ReadMode mode, const QString &key)
{
    const int l = anyLeader();
    if (l < 0)
        return false;
    const quint64 minIndex = std::max(m_ackedIndex, m_observedIndex);
    RaftNode *n = node(l);
    const QString how = mode == RaftNode::ReadMode::Lease ? u"lease"_s : u"consistent"_s;
    trace(u"client %1 read %2 via %3 (must see index %4)"_s.arg(how, key, idOf(l)).arg(minIndex));
    const int op = key.isEmpty() ? -1 : m_history.call(key, false);
    event(l, [&] {
        n->read(mode, [this, l, n, minIndex, how, key, op](quint64 readIndex, const QString &error) {
            if (!error.isEmpty())
                return;
            if (op >= 0)
                m_history.complete(op, stateMachine(l)->value(key).toLongLong());
            const quint64 applied = n->lastApplied();
            if (applied < minIndex || applied < readIndex) {
                m_checker.fail(u"linearizability: a %1 read on %2 (term %3) saw index %4, but index %5 was "
                               "acknowledged or read before it began"_s.arg(how, n->id()).arg(n->currentTerm())
                                   .arg(applied).arg(minIndex));
            }
            m_observedIndex = std::max(m_observedIndex, applied);
            ++m_readsDone;
        });
    });
    return true;
}

} // namespace qonsul::sim

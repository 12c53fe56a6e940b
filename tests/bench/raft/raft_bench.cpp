// Raft on real SQLite stores: three RaftNodes in one process, each on its own thread with its
// own data directory (on the disk under test) and an in-memory transport between them.
//
//   raft_bench [dir] [seconds]
//
// Prints, in this order: the raw write+fdatasync rate of a file in `dir` (4 KiB appends), the
// sequential commit rate (one proposer waiting for each commit), the raw rate again, the commit
// rate with 64 proposers (group commit), the raw rate again, and the time to snapshot and
// restore a state store of 100,000 keys (serialize + write + fsync, then read + verify + load).
// The raw rate is measured between the runs because the disk is shared and its speed drifts.
#include <QCoreApplication>
#include <QDir>
#include <QElapsedTimer>
#include <QSemaphore>
#include <QTemporaryDir>
#include <QThread>

#include <algorithm>
#include <cstdio>
#include <fcntl.h>
#include <random>
#include <thread>
#include <vector>
#include <unistd.h>

#include "core/Clock.h"
#include "raft/RaftCommitter.h"
#include "raft/RaftNode.h"
#include "raft/storage/RaftStorage.h"
#include "state/Command.h"
#include "state/StateStore.h"

using namespace Qt::StringLiterals;
using namespace qonsul;
using namespace qonsul::raft;

namespace {

// 4 KiB writes, each followed by fdatasync: appended to a growing file (the file size changes,
// so every sync also commits file system metadata), or over a preallocated one (data only, as
// SQLite's WAL is once it wraps around). The second is the stricter baseline.
enum class Raw { Append, Overwrite };
double rawFdatasyncRate(const QString &dir, double seconds, Raw mode, int file = 0)
{
    const QByteArray path = QFile::encodeName(dir + u"/raw-fdatasync-%1"_s.arg(file));
    const int fd = ::open(path.constData(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
    if (fd < 0)
        qFatal("cannot create %s", path.constData());
    const QByteArray block(4096, 'x');
    constexpr qint64 kPrealloc = 64 << 20;
    if (mode == Raw::Overwrite) {
        for (qint64 at = 0; at < kPrealloc; at += block.size()) {
            if (::write(fd, block.constData(), size_t(block.size())) != block.size())
                qFatal("write failed");
        }
        ::fsync(fd);
    }
    QElapsedTimer t;
    t.start();
    quint64 n = 0;
    while (t.nsecsElapsed() < qint64(seconds * 1e9)) {
        const bool written = mode == Raw::Append
            ? ::write(fd, block.constData(), size_t(block.size())) == block.size()
            : ::pwrite(fd, block.constData(), size_t(block.size()), off_t(n * 4096 % kPrealloc)) == block.size();
        if (!written || ::fdatasync(fd) != 0)
            qFatal("write/fdatasync failed");
        ++n;
    }
    const double rate = double(n) / (double(t.nsecsElapsed()) / 1e9);
    ::close(fd);
    ::unlink(path.constData());
    return rate;
}

class BenchServer;

// Delivers a message on the destination's thread, later, as a network would.
class MeshTransport final : public Transport
{
public:
    explicit MeshTransport(const QHash<ServerId, BenchServer *> *servers) : m_servers(servers) {}
    void send(const Message &message) override;

private:
    const QHash<ServerId, BenchServer *> *m_servers;
};

// One server: everything is created and used on its own thread.
class BenchServer : public QObject
{
public:
    BenchServer(const ServerId &id, const QString &dir, const QHash<ServerId, BenchServer *> *mesh)
        : m_id(id)
        , m_dir(dir)
        , m_transport(mesh)
    {
        moveToThread(&m_thread);
        m_thread.start();
    }
    ~BenchServer() override
    {
        m_thread.quit();
        m_thread.wait();
    }
    // Runs `fn` on this server's thread and waits for it.
    void run(const std::function<void()> &fn) { QMetaObject::invokeMethod(this, fn, Qt::BlockingQueuedConnection); }
    void post(std::function<void()> fn) { QMetaObject::invokeMethod(this, std::move(fn), Qt::QueuedConnection); }

    void open(const Configuration &config)
    {
        QString error;
        std::optional<RaftStorage> storage = openRaftStorage(m_dir, &error);
        if (!storage)
            qFatal("%s", qPrintable(error));
        m_storage = std::make_unique<RaftStorage>(std::move(*storage));
        m_clock = std::make_unique<SystemClock>();
        m_store = std::make_unique<state::StateStore>();
        m_fsm = std::make_unique<StoreStateMachine>(m_store.get());
        RaftNode::Deps d;
        d.id = m_id;
        d.clock = m_clock.get();
        d.transport = &m_transport;
        d.log = m_storage->log.get();
        d.stable = m_storage->stable.get();
        d.snapshots = m_storage->snapshots.get();
        d.fsm = m_fsm.get();
        d.random = [rng = std::make_shared<std::mt19937_64>(qHash(m_id))] { return (*rng)(); };
        d.options.timing = Timing::fromMultiplier(1);
        m_node = std::make_unique<RaftNode>(d);
        m_node->bootstrap(config);
    }
    void close()
    {
        m_node.reset();
        m_fsm.reset();
        m_store.reset();
        m_clock.reset();
        m_storage.reset();
    }
    RaftNode *node() const { return m_node.get(); }

private:
    ServerId m_id;
    QString m_dir;
    QThread m_thread;
    MeshTransport m_transport;
    std::unique_ptr<RaftStorage> m_storage;
    std::unique_ptr<SystemClock> m_clock;
    std::unique_ptr<state::StateStore> m_store;
    std::unique_ptr<StoreStateMachine> m_fsm;
    std::unique_ptr<RaftNode> m_node;
};

void MeshTransport::send(const Message &message)
{
    if (BenchServer *to = m_servers->value(message.to))
        to->post([to, message] {
            if (to->node())
                to->node()->receive(message);
        });
}

// `proposers` clients on the leader's thread, each proposing its next write as soon as the
// previous one committed, until `seconds` have passed. Returns commits per second, or -1 when
// leadership was lost meanwhile (the shared disk stalled a server past the lease).
double commitRateOnce(BenchServer *leader, int proposers, double seconds)
{
    struct Load
    {
        RaftNode *node;
        QElapsedTimer timer;
        qint64 deadlineNs;
        quint64 committed = 0;
        quint64 next = 0;
        int outstanding = 0;
        QString error;
        QSemaphore finished;
        qint64 endNs = 0;

        void issue()
        {
            ++outstanding;
            const QCborMap cmd = state::command::kv(u"set"_s, u"bench/%1"_s.arg(next++ % 1000), QByteArray(64, 'v'));
            node->propose(QCborValue(cmd).toCbor(), [this](quint64, const std::any &, const QString &e) {
                --outstanding;
                if (!e.isEmpty() && error.isEmpty())
                    error = e;
                if (e.isEmpty())
                    ++committed;
                if (error.isEmpty() && timer.nsecsElapsed() < deadlineNs) {
                    issue();
                } else if (outstanding == 0) {
                    endNs = timer.nsecsElapsed();
                    finished.release();
                }
            });
        }
    } load;
    load.node = leader->node();
    load.deadlineNs = qint64(seconds * 1e9);
    leader->post([&] {
        load.timer.start();
        for (int i = 0; i < proposers; ++i)
            load.issue();
    });
    load.finished.acquire();
    if (!load.error.isEmpty()) {
        std::printf("  (run interrupted: %s; again with the next leader)\n", qPrintable(load.error));
        return -1;
    }
    return double(load.committed) / (double(load.endNs) / 1e9);
}

BenchServer *waitForLeader(const QList<BenchServer *> &servers);

double commitRate(const QList<BenchServer *> &servers, int proposers, double seconds)
{
    for (int attempt = 0; attempt < 5; ++attempt) {
        const double rate = commitRateOnce(waitForLeader(servers), proposers, seconds);
        if (rate >= 0)
            return rate;
    }
    qFatal("leadership lost in five runs in a row");
}

BenchServer *waitForLeader(const QList<BenchServer *> &servers)
{
    for (int i = 0; i < 1000; ++i) {
        for (BenchServer *s : servers) {
            bool leader = false;
            s->run([&] { leader = s->node()->isLeader(); });
            if (leader)
                return s;
        }
        QThread::msleep(10);
    }
    qFatal("no leader after 10 s");
}

void snapshotRestore(const QString &dir)
{
    state::StateStore store;
    quint64 index = 0;
    for (int i = 0; i < 100000; ++i)
        store.apply(++index, state::command::kv(u"set"_s, u"service/app-%1/config"_s.arg(i), QByteArray(64, 'v')));
    QElapsedTimer t;
    t.start();
    const QByteArray data = store.snapshot();
    const qint64 serializeMs = t.elapsed();
    QStringList warnings;
    QString error;
    std::unique_ptr<FileSnapshotStore> snapshots = FileSnapshotStore::open(dir, &warnings, &error);
    if (!snapshots || !snapshots->save(SnapshotMeta { index, 1, {} }, data))
        qFatal("cannot save the snapshot: %s", qPrintable(error));
    const qint64 saveMs = t.elapsed();

    t.restart();
    std::unique_ptr<FileSnapshotStore> reopened = FileSnapshotStore::open(dir, &warnings, &error);
    if (!reopened)
        qFatal("%s", qPrintable(error));
    const QByteArray back = reopened->latestData();
    const qint64 readMs = t.elapsed();
    state::StateStore restored;
    if (!restored.restore(back, &error) || restored.kvCount() != 100000)
        qFatal("restore failed: %s", qPrintable(error));
    const qint64 restoreMs = t.elapsed();
    std::printf("snapshot of 100,000 keys (%.1f MB): %lld ms (serialize %lld, write + fsync %lld); "
                "restore: %lld ms (read + verify %lld, load %lld)\n",
        double(data.size()) / 1e6, saveMs, serializeMs, saveMs - serializeMs, restoreMs, readMs, restoreMs - readMs);

    // What a snapshot costs the event loop now: RaftNode captures the store (the tables are
    // shared copy-on-write) and a worker thread serializes and writes it. The first write after
    // the capture copies the chunk of the KV table it changes; later writes cost what they did.
    const auto write = [&] {
        QElapsedTimer w;
        w.start();
        store.apply(++index, state::command::kv(u"set"_s, u"service/app-%1/config"_s.arg(index % 100000), QByteArray(64, 'w')));
        return w.nsecsElapsed() / 1000;
    };
    const qint64 plainWriteUs = write();
    t.restart();
    const std::function<QByteArray()> frozen = store.capture();
    const qint64 captureUs = t.nsecsElapsed() / 1000;
    const qint64 firstWriteUs = write();
    const qint64 secondWriteUs = write();
    t.restart();
    const qint64 frozenSize = frozen().size();
    std::printf("event-loop pause for that snapshot: before %lld ms (serialized inline); now capture %lld us, "
                "first write after it %lld us (copies one KV chunk; a write otherwise %lld us, the next %lld us), "
                "serialize on the worker %lld ms (%.1f MB)\n",
        serializeMs, captureUs, firstWriteUs, plainWriteUs, secondWriteUs, qint64(t.elapsed()), double(frozenSize) / 1e6);
}

} // namespace

int main(int argc, char **argv)
{
    QCoreApplication app(argc, argv);
    std::setvbuf(stdout, nullptr, _IOLBF, 0);
    const QStringList args = app.arguments();
    const QString base = args.size() > 1 ? args.at(1) : QDir::currentPath();
    const double seconds = args.size() > 2 ? args.at(2).toDouble() : 3.0;
    QTemporaryDir root(base + u"/raft-bench-XXXXXX"_s);
    if (!root.isValid())
        qFatal("cannot create a directory under %s", qPrintable(base));
    std::printf("directory: %s, %.0f s per run\n", qPrintable(root.path()), seconds);

    // The baseline: the stricter (faster) of the two raw patterns, measured around each run.
    const auto raw = [&] {
        const double append = rawFdatasyncRate(root.path(), seconds / 2, Raw::Append);
        const double overwrite = rawFdatasyncRate(root.path(), seconds / 2, Raw::Overwrite);
        std::printf("raw 4 KiB write+fdatasync: %.0f/s appending, %.0f/s overwriting\n", append, overwrite);
        return std::max(append, overwrite);
    };
    const double raw1 = raw();
    {
        // This virtual disk completes concurrent syncs faster than one at a time: three writers
        // (like three servers on one disk) each get several times the single-writer rate.
        std::vector<double> rates(3);
        std::vector<std::thread> writers;
        for (int i = 0; i < 3; ++i)
            writers.emplace_back([&, i] { rates[size_t(i)] = rawFdatasyncRate(root.path(), seconds / 2, Raw::Append, i + 1); });
        for (std::thread &t : writers)
            t.join();
        std::printf("raw, 3 writers at once (appending): %.0f/s, %.0f/s, %.0f/s\n", rates[0], rates[1], rates[2]);
    }

    QHash<ServerId, BenchServer *> mesh;
    const QList<ServerId> ids { u"a"_s, u"b"_s, u"c"_s };
    Configuration config;
    for (const ServerId &id : ids)
        config.servers.append(Server { id, id + u":8300"_s });
    QList<BenchServer *> servers;
    for (const ServerId &id : ids) {
        auto *s = new BenchServer(id, root.filePath(id), &mesh);
        mesh.insert(id, s);
        servers.append(s);
    }
    for (BenchServer *s : servers)
        s->run([&] { s->open(config); });
    commitRate(servers, 1, 0.5); // warm-up: the no-op, the first WAL frames

    const double seq = commitRate(servers, 1, seconds);
    const double raw2 = raw();
    const double group = commitRate(servers, 64, seconds);
    const double raw3 = raw();
    std::printf("sequential commits: %.0f/s = %.2fx raw (raw before/after: %.0f/%.0f)\n", seq, seq / ((raw1 + raw2) / 2),
        raw1, raw2);
    std::printf("64 proposers: %.0f commits/s = %.2fx raw (raw before/after: %.0f/%.0f)\n", group,
        group / ((raw2 + raw3) / 2), raw2, raw3);
    // Stop every node before any server goes: the others may still be sending to it.
    for (BenchServer *s : servers)
        s->run([s] { s->close(); });
    mesh.clear();
    qDeleteAll(servers);

    snapshotRestore(root.filePath(u"snapshot"_s));
    return 0;
}

// The durable Raft stores on a real disk (temporary directories): what is written survives a
// reopen, compaction and truncation persist, snapshots are kept two deep, and every kind of
// damage either repairs what only a crash can leave or refuses to open with a message and
// leaves the files alone.
#include "SimClock.h"
#include "TestSupport.h"
#include "raft/RaftCommitter.h"
#include "raft/storage/Crc32c.h"
#include "raft/storage/PeersJson.h"
#include "raft/storage/RaftStorage.h"
#include "raft/storage/ThreadSnapshotRunner.h"
#include "state/Command.h"

#include <QDir>
#include <QFile>
#include <QSemaphore>
#include <QSqlDatabase>
#include <QSqlQuery>
#include <QTemporaryDir>
#include <QTest>

#include <csignal>
#include <sys/resource.h>

using namespace Qt::StringLiterals;
using namespace qonsul::raft;
using qonsul::test::writeFile;

namespace {

LogEntry entry(quint64 index, quint64 term, const QByteArray &data = {})
{
    return LogEntry { index, term, LogEntry::Type::Command,
        data.isNull() ? "cmd" + QByteArray::number(index) : data };
}

QList<LogEntry> entries(quint64 from, quint64 to, quint64 term)
{
    QList<LogEntry> out;
    for (quint64 i = from; i <= to; ++i)
        out.append(entry(i, term));
    return out;
}

RaftStorage open(const QTemporaryDir &dir)
{
    QString error;
    std::optional<RaftStorage> s = openRaftStorage(dir.path(), &error);
    if (!s)
        qFatal("openRaftStorage failed: %s", qPrintable(error));
    return std::move(*s);
}

QString openError(const QTemporaryDir &dir)
{
    QString error;
    if (openRaftStorage(dir.path(), &error))
        return u"(opened)"_s;
    return error;
}

// Runs SQL on the closed database through a second connection, as an outside corruption.
void tamper(const QTemporaryDir &dir, const QString &sql)
{
    {
        QSqlDatabase db = QSqlDatabase::addDatabase(u"QSQLITE"_s, u"tamper"_s);
        db.setDatabaseName(dir.filePath(u"raft/raft.db"_s));
        QVERIFY(db.open());
        QSqlQuery q(db);
        QVERIFY2(q.exec(sql), qPrintable(sql));
    }
    QSqlDatabase::removeDatabase(u"tamper"_s);
}

QByteArray fileBytes(const QString &path)
{
    QFile f(path);
    return f.open(QIODevice::ReadOnly) ? f.readAll() : QByteArray();
}

// What the disk holds if the machine stopped now: the database and its WAL, copied while the
// store is open (a clean close would checkpoint the WAL into the database and delete it).
void crashImage(const QTemporaryDir &from, const QTemporaryDir &to)
{
    QVERIFY(QDir().mkpath(to.filePath(u"raft"_s)));
    for (const QString name : { u"raft/raft.db"_s, u"raft/raft.db-wal"_s })
        QVERIFY(QFile::copy(from.filePath(name), to.filePath(name)));
}

void patchFile(const QString &path, qint64 offset, const QByteArray &bytes)
{
    QFile f(path);
    QVERIFY(f.open(QIODevice::ReadWrite));
    QVERIFY(f.seek(offset));
    QCOMPARE(f.write(bytes), bytes.size());
}

// A full disk without root: no file this process writes may grow past `bytes` (RLIMIT_FSIZE; the
// write fails with EFBIG instead of raising SIGXFSZ). The old limit returns with the object.
class FileSizeLimit
{
public:
    explicit FileSizeLimit(rlim_t bytes)
    {
        std::signal(SIGXFSZ, SIG_IGN);
        getrlimit(RLIMIT_FSIZE, &m_old);
        rlimit limit = m_old;
        limit.rlim_cur = bytes;
        setrlimit(RLIMIT_FSIZE, &limit);
    }
    ~FileSizeLimit() { lift(); }
    void lift() { setrlimit(RLIMIT_FSIZE, &m_old); }

private:
    rlimit m_old {};
};

constexpr qint64 kWalFrame = 24 + 4096; // frame header + default page size

// Term 3, then ten appends of one entry each (ten WAL transactions), then a crash image in `image`.
// Returns the image's WAL.
QString crashImageAfterTenAppends(const QTemporaryDir &image)
{
    QTemporaryDir dir;
    RaftStorage s = open(dir);
    s.stable->setTermAndVote(3, u"c"_s);
    for (quint64 i = 1; i <= 10; ++i)
        s.log->append({ entry(i, 1) });
    crashImage(dir, image);
    return image.filePath(u"raft/raft.db-wal"_s);
}

SnapshotMeta snapMeta(quint64 index, quint64 term)
{
    return SnapshotMeta { index, term,
        Configuration { { Server { u"a"_s, u"10.0.0.1:8300"_s },
            Server { u"b"_s, u"10.0.0.2:8300"_s, Suffrage::Nonvoter } } } };
}

QStringList snapshotDirs(const QTemporaryDir &dir)
{
    return QDir(dir.filePath(u"raft/snapshots"_s)).entryList(QDir::Dirs | QDir::NoDotAndDotDot, QDir::Name);
}

// Holds the snapshot thread inside save() until the test releases it, so the test can act while
// a snapshot is being written.
struct GatedSnapshots final : SnapshotStore
{
    SnapshotStore *inner = nullptr;
    QSemaphore entered;
    QSemaphore released;
    bool save(const SnapshotMeta &meta, const QByteArray &data) override
    {
        entered.release();
        released.acquire();
        return inner->save(meta, data);
    }
    std::optional<SnapshotMeta> latest() const override { return inner->latest(); }
    QByteArray latestData() const override { return inner->latestData(); }
};

// One server of a one-server cluster on the durable stores, over a real StateStore. Snapshots
// are written inline, or by `runner` (through `gate` when given).
struct DurableServer
{
    explicit DurableServer(const QTemporaryDir &dir, SnapshotRunner *runner = nullptr, GatedSnapshots *gate = nullptr)
        : storage(open(dir))
        , fsm(&store)
    {
        RaftNode::Deps d;
        d.id = u"a"_s;
        d.clock = &clock;
        d.transport = &transport;
        d.log = storage.log.get();
        d.stable = storage.stable.get();
        d.snapshots = storage.snapshots.get();
        if (gate) {
            gate->inner = storage.snapshots.get();
            d.snapshots = gate;
        }
        d.fsm = &fsm;
        d.random = [] { return quint64(7); };
        d.snapshotRunner = runner;
        d.options.snapshotIntervalMs = 10;
        d.options.snapshotThreshold = 8;
        d.options.trailingLogs = 2;
        node = std::make_unique<RaftNode>(d);
    }
    struct NoTransport final : Transport
    {
        void send(const Message &) override { }
    };
    qonsul::test::SimClock clock;
    NoTransport transport;
    RaftStorage storage;
    qonsul::state::StateStore store;
    StoreStateMachine fsm;
    std::unique_ptr<RaftNode> node; // last: destroyed before what it uses
};

} // namespace

class TestRaftStorage : public QObject
{
    Q_OBJECT

private Q_SLOTS:
    void crc32cKnownValues()
    {
        // RFC 3720 B.4 test vectors.
        QCOMPARE(crc32c(QByteArray(32, '\0')), 0x8A9136AAu);
        QCOMPARE(crc32c(QByteArray(32, '\xff')), 0x62A8AB43u);
        QCOMPARE(crc32c("123456789"), 0xE3069283u);
        QCOMPARE(crc32c("6789", crc32c("12345")), 0xE3069283u);
    }

    void emptyStoreOnFreshDirectory()
    {
        QTemporaryDir dir;
        RaftStorage s = open(dir);
        QCOMPARE(s.log->firstIndex(), 1u);
        QCOMPARE(s.log->lastIndex(), 0u);
        QCOMPARE(s.stable->currentTerm(), 0u);
        QVERIFY(s.stable->votedFor().isEmpty());
        QVERIFY(!s.snapshots->latest());
        QVERIFY(s.warnings.isEmpty());
        QVERIFY(QFileInfo::exists(dir.filePath(u"raft/raft.db"_s)));
    }

    void logSurvivesReopen()
    {
        QTemporaryDir dir;
        {
            RaftStorage s = open(dir);
            s.log->append(entries(1, 10, 1));
            s.log->append({ LogEntry { 11, 2, LogEntry::Type::Configuration, "conf" },
                LogEntry { 12, 2, LogEntry::Type::Noop, {} } });
            s.stable->setTermAndVote(2, u"b"_s);
        }
        RaftStorage s = open(dir);
        QCOMPARE(s.log->firstIndex(), 1u);
        QCOMPARE(s.log->lastIndex(), 12u);
        QCOMPARE(s.log->entry(5), entry(5, 1));
        QCOMPARE(s.log->entry(11).type, LogEntry::Type::Configuration);
        QCOMPARE(s.log->entry(12).type, LogEntry::Type::Noop);
        QCOMPARE(s.log->entry(12).data, QByteArray(""));
        QCOMPARE(s.stable->currentTerm(), 2u);
        QCOMPARE(s.stable->votedFor(), u"b"_s);
    }

    void truncationsSurviveReopen()
    {
        QTemporaryDir dir;
        {
            RaftStorage s = open(dir);
            s.log->append(entries(1, 20, 1));
            s.log->truncateAfter(15);
            QCOMPARE(s.log->lastIndex(), 15u);
            s.log->append(entries(16, 18, 2));
            s.log->truncateBefore(6);
            QCOMPARE(s.log->firstIndex(), 6u);
        }
        {
            RaftStorage s = open(dir);
            QCOMPARE(s.log->firstIndex(), 6u);
            QCOMPARE(s.log->lastIndex(), 18u);
            QCOMPARE(s.log->entry(6), entry(6, 1));
            QCOMPARE(s.log->entry(16), entry(16, 2));
            // A follower that installed a snapshot past its log: empty, starting after it.
            s.log->truncateBefore(101);
            QCOMPARE(s.log->firstIndex(), 101u);
            QCOMPARE(s.log->lastIndex(), 100u);
        }
        RaftStorage s = open(dir);
        QCOMPARE(s.log->firstIndex(), 101u);
        QCOMPARE(s.log->lastIndex(), 100u);
        s.log->append(entries(101, 102, 3));
        QCOMPARE(s.log->entry(102), entry(102, 3));
    }

    void entriesBeyondTheCacheAreReadBack()
    {
        QTemporaryDir dir;
        RaftStorage s = open(dir);
        // 9,000 entries: more than the in-memory tail holds, so the oldest come from SQLite.
        for (quint64 from = 1; from <= 9000; from += 500)
            s.log->append(entries(from, from + 499, 1));
        QCOMPARE(s.log->entry(1), entry(1, 1));
        QCOMPARE(s.log->entry(9000), entry(9000, 1));
    }

    void raftNodeRestartsFromDurableStores()
    {
        QTemporaryDir dir;
        {
            DurableServer s(dir);
            QVERIFY(s.node->bootstrap(Configuration { { Server { u"a"_s, u"10.0.0.1:8300"_s } } }));
            s.clock.advance(2000);
            QVERIFY(s.node->isLeader());
            RaftCommitter committer(s.node.get());
            for (int i = 0; i < 20; ++i) {
                committer.propose(qonsul::state::command::kv(u"set"_s, u"k%1"_s.arg(i), "v"), {});
                s.clock.advance(0);
            }
            QCOMPARE(s.store.kvCount(), 20);
            s.clock.advance(20); // the snapshot timer: 10 ms plus its random part
            QVERIFY(s.node->snapshotIndex() > 0);
            QVERIFY(s.storage.log->firstIndex() > 1);
        }
        DurableServer s(dir);
        QVERIFY(s.store.kvCount() > 0); // from the snapshot; the rest once a new term commits
        QVERIFY(s.node->currentTerm() >= 2);
        s.clock.advance(2000);
        QVERIFY(s.node->isLeader());
        s.clock.advance(0);
        QCOMPARE(s.store.kvCount(), 20);
    }

    // The snapshot timer captures the state store at the applied index on the event loop; the
    // snapshot thread serializes and writes it (held inside save() here) while writes go on. The
    // snapshot holds exactly the state at its index, and the log is compacted only once the
    // snapshot is durable.
    void snapshotOnAThreadWhileWritesGoOn()
    {
        QTemporaryDir dir;
        QObject context; // completions are queued to this thread
        ThreadSnapshotRunner runner(&context);
        GatedSnapshots gate;
        DurableServer s(dir, &runner, &gate);
        QVERIFY(s.node->bootstrap(Configuration { { Server { u"a"_s, u"10.0.0.1:8300"_s } } }));
        s.clock.advance(2000);
        QVERIFY(s.node->isLeader());
        RaftCommitter committer(s.node.get());
        const auto set = [&](const QString &key, const QByteArray &value) {
            committer.propose(qonsul::state::command::kv(u"set"_s, key, value), {});
        };
        for (int turn = 0; turn < 20; ++turn) { // 20,000 keys, one append per event-loop turn
            for (int i = 0; i < 1000; ++i)
                set(u"key/%1"_s.arg(turn * 1000 + i, 5, 10, QChar(u'0')), QByteArray(64, 'v'));
            s.clock.advance(0);
        }
        QCOMPARE(s.store.kvCount(), 20000);
        const quint64 at = s.node->lastApplied();
        const QByteArray expected = s.store.snapshot(); // the state at `at`

        s.clock.advance(20); // the snapshot timer (10 ms plus its random part) starts the snapshot
        QVERIFY(gate.entered.tryAcquire(1, 30000)); // serialized; the thread waits inside save()
        for (int i = 0; i < 100; ++i) {
            set(u"key/%1"_s.arg(i, 5, 10, QChar(u'0')), "changed");
            set(u"new/%1"_s.arg(i), "added");
            s.clock.advance(0);
        }
        QCOMPARE(s.node->lastApplied(), at + 200); // applied while the snapshot is in flight
        QCOMPARE(s.store.kvCount(), 20100);
        QCOMPARE(s.node->snapshotIndex(), 0u); // not durable yet: nothing compacted
        QCOMPARE(s.storage.log->firstIndex(), 1u);

        gate.released.release();
        QTRY_COMPARE_WITH_TIMEOUT(s.node->snapshotIndex(), at, 30000); // completion queued to this thread
        QCOMPARE(s.storage.snapshots->latest()->index, at);
        QCOMPARE(s.storage.snapshots->latestData(), expected);
        QCOMPARE(s.storage.log->firstIndex(), at - 2 + 1); // trailing logs: 2
        QCOMPARE(s.storage.log->lastIndex(), at + 200);
        std::optional<qonsul::api::KvEntry> changed;
        s.store.kvGet(u"key/00000"_s, &changed);
        QVERIFY(changed && changed->value == "changed");
        runner.wait();
    }

    void tamperedDatabaseRefusesToOpen_data()
    {
        QTest::addColumn<QString>("sql");
        QTest::addColumn<QString>("message");
        QTest::newRow("corrupt row") << u"UPDATE log SET data = X'00' WHERE idx = 4"_s
                                     << u"index 4 is corrupt"_s;
        QTest::newRow("gap") << u"DELETE FROM log WHERE idx = 7"_s << u"not contiguous"_s;
        QTest::newRow("term decreases")
            << u"UPDATE log SET term = 0 WHERE idx = 9"_s << u"index 9 is corrupt"_s;
        QTest::newRow("corrupt term") << u"UPDATE stable SET term = 8"_s << u"term and vote are corrupt"_s;
    }
    void tamperedDatabaseRefusesToOpen()
    {
        QFETCH(QString, sql);
        QFETCH(QString, message);
        QTemporaryDir dir;
        {
            RaftStorage s = open(dir);
            s.log->append(entries(1, 10, 1));
            s.stable->setTermAndVote(7, u"a"_s);
        }
        tamper(dir, sql);
        const QByteArray before = fileBytes(dir.filePath(u"raft/raft.db"_s));
        const QString error = openError(dir);
        QVERIFY2(error.contains(message), qPrintable(error));
        QCOMPARE(fileBytes(dir.filePath(u"raft/raft.db"_s)), before);
    }

    void crashImageReopensWithEverythingAcknowledged()
    {
        QTemporaryDir image;
        crashImageAfterTenAppends(image);
        RaftStorage r = open(image);
        QCOMPARE(r.log->lastIndex(), 10u);
        QCOMPARE(r.stable->currentTerm(), 3u);
        QVERIFY(r.warnings.isEmpty());
    }

    void tornLastTransactionIsCutOffAndReported_data()
    {
        QTest::addColumn<qint64>("cut"); // bytes removed from the end of the WAL
        QTest::addColumn<qint64>("overwrite"); // or: garbage written this far before the end
        QTest::newRow("half a frame") << kWalFrame / 2 << qint64(0);
        QTest::newRow("frame header only") << kWalFrame - 24 << qint64(0);
        QTest::newRow("page checksum fails") << qint64(0) << qint64(100);
    }
    void tornLastTransactionIsCutOffAndReported()
    {
        QFETCH(qint64, cut);
        QFETCH(qint64, overwrite);
        QTemporaryDir image;
        const QString wal = crashImageAfterTenAppends(image);
        const qint64 size = QFileInfo(wal).size();
        if (cut)
            QVERIFY(QFile::resize(wal, size - cut));
        else
            patchFile(wal, size - overwrite, "garbage");
        RaftStorage r = open(image);
        QCOMPARE(r.log->lastIndex(), 9u); // the torn append was never acknowledged
        QCOMPARE(r.warnings.size(), 1);
        QVERIFY2(r.warnings.first().contains(u"incomplete transaction"_s), qPrintable(r.warnings.first()));
        r.log->append({ entry(10, 2) }); // and the log goes on from there
        QCOMPARE(r.log->entry(10), entry(10, 2));
    }

    void damagedWalFrameInTheMiddleRefusesToOpen()
    {
        QTemporaryDir image;
        const QString wal = crashImageAfterTenAppends(image);
        const qint64 frames = (QFileInfo(wal).size() - 32) / kWalFrame;
        QVERIFY(frames >= 10);
        patchFile(wal, 32 + (frames - 5) * kWalFrame + 24 + 2000, "flipped");
        const QByteArray walBefore = fileBytes(wal);
        const QByteArray dbBefore = fileBytes(image.filePath(u"raft/raft.db"_s));
        const QString error = openError(image);
        QVERIFY2(error.contains(u"is damaged at byte"_s) && error.contains(u"committed transactions"_s),
            qPrintable(error));
        QCOMPARE(fileBytes(wal), walBefore);
        QCOMPARE(fileBytes(image.filePath(u"raft/raft.db"_s)), dbBefore);
    }

    void fullDiskFailsWritesAndRecovers()
    {
        QTemporaryDir dir;
        quint64 acknowledged = 0;
        {
            RaftStorage s = open(dir);
            FileSizeLimit full(256 * 1024);
            bool refused = false;
            for (quint64 i = 1; i <= 1000 && !refused; ++i) {
                if (s.log->append({ entry(i, 1, QByteArray(1000, 'x')) }))
                    acknowledged = i;
                else
                    refused = true;
            }
            QVERIFY(refused);
            QCOMPARE(s.log->lastIndex(), acknowledged);
            QVERIFY(!s.log->truncateAfter(1)); // deleting needs room in the WAL too
            QCOMPARE(s.log->lastIndex(), acknowledged);
            QCOMPARE(s.log->entry(acknowledged), entry(acknowledged, 1, QByteArray(1000, 'x')));
            QVERIFY(!s.snapshots->save(snapMeta(5, 1), QByteArray(512 * 1024, 's')));
            QVERIFY(!s.snapshots->latest());
            QVERIFY(snapshotDirs(dir).isEmpty()); // no half-written snapshot left behind

            full.lift(); // space returns
            QVERIFY(s.log->append({ entry(acknowledged + 1, 2) }));
            QVERIFY(s.snapshots->save(snapMeta(5, 1), QByteArray(512 * 1024, 's')));
        }
        RaftStorage s = open(dir);
        QCOMPARE(s.log->lastIndex(), acknowledged + 1);
        QCOMPARE(s.log->entry(acknowledged + 1), entry(acknowledged + 1, 2));
        QCOMPARE(s.snapshots->latest()->index, 5u);
    }

    void leaderStepsDownOnAFullDiskAndComesBack()
    {
        QTemporaryDir dir;
        DurableServer s(dir);
        QVERIFY(s.node->bootstrap(Configuration { { Server { u"a"_s, u"10.0.0.1:8300"_s } } }));
        s.clock.advance(2000);
        QVERIFY(s.node->isLeader());
        RaftCommitter committer(s.node.get());
        const auto propose = [&](const QString &key) {
            QString error = u"(not called)"_s;
            committer.propose(qonsul::state::command::kv(u"set"_s, key, QByteArray(2000, 'v')),
                [&](const qonsul::state::ApplyResult &, quint64, const QString &e) { error = e; });
            s.clock.advance(0);
            return error;
        };
        QCOMPARE(propose(u"before"_s), QString());
        {
            FileSizeLimit full(QFileInfo(dir.filePath(u"raft/raft.db-wal"_s)).size());
            QString error;
            for (int i = 0; i < 100 && error.isEmpty(); ++i)
                error = propose(u"k%1"_s.arg(i));
            QCOMPARE(error, u"leadership lost while committing log"_s);
            QVERIFY(!s.node->isLeader());
        }
        s.clock.advance(4000); // space is back: it wins the next election and goes on
        QVERIFY(s.node->isLeader());
        QCOMPARE(propose(u"after"_s), QString());
        QVERIFY(s.store.kvCount() >= 2);
    }

    void peersJsonReplacesTheConfiguration()
    {
        QTemporaryDir dir;
        {
            DurableServer s(dir);
            QVERIFY(s.node->bootstrap(Configuration { { Server { u"a"_s, u"10.0.0.1:8300"_s } } }));
            s.clock.advance(2000);
            RaftCommitter committer(s.node.get());
            for (int i = 0; i < 20; ++i) {
                committer.propose(qonsul::state::command::kv(u"set"_s, u"k%1"_s.arg(i), "v"), {});
                s.clock.advance(0);
            }
            QCOMPARE(s.store.kvCount(), 20);
        }
        // Grow to three voters by hand: "a" alone can no longer win an election.
        const QString peers = dir.filePath(u"raft/peers.json"_s);
        QVERIFY(writeFile(peers, R"([{"id": "a", "address": "10.0.0.1:8300", "non_voter": false},
                             {"id": "b", "address": "10.0.0.2:8300"},
                             {"id": "c", "address": "10.0.0.3:8300", "non_voter": true},
                             {"id": "d", "address": "10.0.0.4:8300"}])"));
        {
            DurableServer s(dir);
            QVERIFY(!QFileInfo::exists(peers));
            QCOMPARE(s.storage.warnings.size(), 1);
            QVERIFY(s.storage.warnings.first().contains(u"c (10.0.0.3:8300, non-voter)"_s));
            QCOMPARE(s.node->configuration().servers.size(), 4);
            QCOMPARE(s.node->configuration().voters(), (QList<ServerId> { u"a"_s, u"b"_s, u"d"_s }));
            QCOMPARE(s.store.kvCount(), 20); // every entry of the log is in the recovered snapshot
            QCOMPARE(s.storage.log->lastIndex(), s.storage.log->firstIndex() - 1);
            s.clock.advance(10000);
            QVERIFY(!s.node->isLeader());
        }
        // The outage: only "a" is left. peers.json (protocol 2 form) makes it a cluster of one.
        QVERIFY(writeFile(peers, R"(["10.0.0.1:8300"])"));
        {
            DurableServer s(dir);
            QCOMPARE(s.node->configuration().voters(), QList<ServerId> { u"10.0.0.1:8300"_s });
        }
        QVERIFY(writeFile(peers, R"([{"id": "a", "address": "10.0.0.1:8300"}])"));
        DurableServer s(dir);
        s.clock.advance(4000);
        QVERIFY(s.node->isLeader());
        QString error = u"(not called)"_s;
        RaftCommitter(s.node.get())
            .propose(qonsul::state::command::kv(u"set"_s, u"after"_s, "v"),
                [&](const qonsul::state::ApplyResult &, quint64, const QString &e) { error = e; });
        s.clock.advance(0);
        QCOMPARE(error, QString());
        QCOMPARE(s.store.kvCount(), 21);
    }

    void badPeersJsonRefusesToOpen_data()
    {
        QTest::addColumn<QByteArray>("json");
        QTest::addColumn<QString>("message");
        QTest::newRow("not json") << QByteArray("[{") << u"is not a JSON array"_s;
        QTest::newRow("object") << QByteArray(R"({"id": "a"})") << u"is not a JSON array"_s;
        QTest::newRow("empty") << QByteArray("[]") << u"names no voter"_s;
        QTest::newRow("only non-voters")
            << QByteArray(R"([{"id": "a", "address": "x:1", "non_voter": true}])") << u"names no voter"_s;
        QTest::newRow("no address") << QByteArray(R"([{"id": "a"}])") << u"needs \"id\" and \"address\""_s;
        QTest::newRow("empty id") << QByteArray(R"([{"id": "", "address": "x:1"}])")
                                  << u"empty id or address"_s;
        QTest::newRow("duplicate id")
            << QByteArray(R"([{"id": "a", "address": "x:1"}, {"id": "a", "address": "y:1"}])")
            << u"repeats"_s;
        QTest::newRow("duplicate address")
            << QByteArray(R"([{"id": "a", "address": "x:1"}, {"id": "b", "address": "x:1"}])")
            << u"repeats"_s;
        QTest::newRow("non_voter not bool")
            << QByteArray(R"([{"id": "a", "address": "x:1", "non_voter": "no"}])") << u"optional boolean"_s;
        QTest::newRow("number") << QByteArray("[1]") << u"neither an object"_s;
    }
    void badPeersJsonRefusesToOpen()
    {
        QFETCH(QByteArray, json);
        QFETCH(QString, message);
        QTemporaryDir dir;
        {
            RaftStorage s = open(dir);
            s.log->append(entries(1, 5, 1));
            s.stable->setTermAndVote(1, {});
        }
        QVERIFY(writeFile(dir.filePath(u"raft/peers.json"_s), json));
        const QString error = openError(dir);
        QVERIFY2(error.contains(message), qPrintable(error));
        QVERIFY(QFileInfo::exists(dir.filePath(u"raft/peers.json"_s))); // left for the operator to fix
        QVERIFY(snapshotDirs(dir).isEmpty());
        QVERIFY(QFile::remove(dir.filePath(u"raft/peers.json"_s)));
        QCOMPARE(open(dir).log->lastIndex(), 5u); // and nothing else changed
    }

    void peersJsonWithoutRaftStateRefusesToOpen()
    {
        QTemporaryDir dir;
        QVERIFY(QDir().mkpath(dir.filePath(u"raft"_s)));
        QVERIFY(writeFile(dir.filePath(u"raft/peers.json"_s), R"([{"id": "a", "address": "x:1"}])"));
        const QString error = openError(dir);
        QVERIFY2(error.contains(u"no Raft state"_s), qPrintable(error));
    }

    void snapshotsKeepTheNewestTwo()
    {
        QTemporaryDir dir;
        {
            RaftStorage s = open(dir);
            for (quint64 i = 1; i <= 4; ++i)
                s.snapshots->save(snapMeta(i * 10, i), "state" + QByteArray::number(i));
            QCOMPARE(snapshotDirs(dir).size(), 2);
            QCOMPARE(s.snapshots->latest()->index, 40u);
            QCOMPARE(s.snapshots->latestData(), QByteArray("state4"));
            QCOMPARE(s.snapshots->latestData(), QByteArray("state4")); // read again from disk
        }
        RaftStorage s = open(dir);
        const SnapshotMeta meta = *s.snapshots->latest();
        QCOMPARE(meta.index, 40u);
        QCOMPARE(meta.term, 4u);
        QCOMPARE(meta.configuration, snapMeta(40, 4).configuration);
        QCOMPARE(s.snapshots->latestData(), QByteArray("state4"));
    }

    void corruptSnapshotFallsBackToThePreviousOne()
    {
        QTemporaryDir dir;
        {
            RaftStorage s = open(dir);
            s.snapshots->save(snapMeta(10, 1), "older");
            s.snapshots->save(snapMeta(20, 1), "newer");
        }
        const QString newest
            = dir.filePath(u"raft/snapshots/"_s + snapshotDirs(dir).last() + u"/state.bin"_s);
        QVERIFY(newest.contains(u"1-20-"_s));
        QFile f(newest);
        QVERIFY(f.open(QIODevice::ReadWrite));
        f.write("N");
        f.close();
        RaftStorage s = open(dir);
        QCOMPARE(s.snapshots->latest()->index, 10u);
        QCOMPARE(s.snapshots->latestData(), QByteArray("older"));
        QCOMPARE(s.warnings.size(), 1);
        QVERIFY2(s.warnings.first().contains(u"fails its checksum"_s), qPrintable(s.warnings.first()));
        QVERIFY(QFileInfo::exists(newest)); // kept for inspection
    }

    void noIntactSnapshotRefusesToOpen()
    {
        QTemporaryDir dir;
        {
            RaftStorage s = open(dir);
            s.snapshots->save(snapMeta(10, 1), "only");
        }
        const QString state
            = dir.filePath(u"raft/snapshots/"_s + snapshotDirs(dir).first() + u"/state.bin"_s);
        QFile f(state);
        QVERIFY(f.open(QIODevice::WriteOnly | QIODevice::Truncate));
        f.write("on");
        f.close();
        const QString error = openError(dir);
        QVERIFY2(
            error.contains(u"no intact snapshot"_s) && error.contains(u"has 2 bytes"_s), qPrintable(error));
    }

    void logThatDoesNotContinueTheSnapshotRefusesToOpen()
    {
        QTemporaryDir dir;
        {
            RaftStorage s = open(dir);
            s.snapshots->save(snapMeta(10, 1), "older");
            s.log->truncateBefore(20); // as if the log were compacted past a newer, lost snapshot
            s.log->append(entries(20, 25, 1));
        }
        const QString error = openError(dir);
        QVERIFY2(error.contains(u"entries 11..19 are missing"_s), qPrintable(error));
    }

    void leftoverTemporarySnapshotIsIgnored()
    {
        QTemporaryDir dir;
        {
            RaftStorage s = open(dir);
            s.snapshots->save(snapMeta(10, 1), "done");
        }
        QVERIFY(QDir().mkpath(dir.filePath(u"raft/snapshots/2-30-5.tmp"_s)));
        RaftStorage s = open(dir);
        QCOMPARE(s.snapshots->latest()->index, 10u);
        s.snapshots->save(snapMeta(30, 2), "next");
        QVERIFY(!QFileInfo::exists(dir.filePath(u"raft/snapshots/2-30-5.tmp"_s)));
    }
};

QTEST_GUILESS_MAIN(TestRaftStorage)
#include "tst_raftstorage.moc"

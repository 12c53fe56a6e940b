// CoordinateBatcher on a simulated clock (Consul's Coordinate.Update batching): updates wait for
// the period, the newest per node and segment wins, they are written in entries of batchSize,
// at most maxBatches a period, the oldest first; the rest are dropped.
#include "SimClock.h"
#include "state/Command.h"
#include "state/Committer.h"
#include "state/CoordinateBatcher.h"

#include <QCborArray>
#include <QJsonArray>
#include <QLoggingCategory>
#include <QTest>

using namespace qonsul;
using namespace qonsul::state;
using namespace Qt::StringLiterals;
using qonsul::test::SimClock;

namespace {

// Records every proposed command instead of committing it.
class RecordingCommitter final : public Committer
{
public:
    QList<QCborMap> proposed;
    void propose(const QCborMap &command, Done done) override
    {
        proposed.append(command);
        if (done)
            done({}, quint64(proposed.size()), {});
    }
    bool isLeader() const override { return true; }
    QString leaderAddress() const override { return {}; }
};

QJsonObject update(const QString &node, double error, const QString &segment = {})
{
    return QJsonObject{{u"Node"_s, node},
                       {u"Segment"_s, segment},
                       {u"Coord"_s, QJsonObject{{u"Vec"_s, QJsonArray{0, 0, 0, 0, 0, 0, 0, 0}}, {u"Error"_s, error},
                                                {u"Adjustment"_s, 0.0}, {u"Height"_s, 1e-5}}}};
}

// The nodes of a proposed coordinate-batch command, in order.
QStringList nodesOf(const QCborMap &command)
{
    QStringList out;
    for (const QCborValue &u : command.value(u"updates"_s).toArray())
        out.append(command::toJson(u).value(u"Node").toString());
    return out;
}

} // namespace

class TestCoordinateBatcher : public QObject
{
    Q_OBJECT

private Q_SLOTS:
    void initTestCase() { QLoggingCategory::setFilterRules(u"agent.server.coordinate.warning=false"_s); }

    void writesOnceAPeriodNewestWins()
    {
        SimClock clock;
        RecordingCommitter committer;
        CoordinateBatcher batcher(&clock, &committer, {5000, 128, 5});
        batcher.queue(update(u"a"_s, 0.5));
        clock.advance(1000);
        batcher.queue(update(u"b"_s, 0.5));
        batcher.queue(update(u"a"_s, 0.25)); // replaces a's, keeps its place
        batcher.queue(update(u"a"_s, 0.5, u"seg"_s)); // another segment: its own update
        QCOMPARE(batcher.pending(), 3);
        clock.advance(3999);
        QVERIFY(committer.proposed.isEmpty());
        clock.advance(1);
        QCOMPARE(committer.proposed.size(), 1); // one Raft entry for all three
        const QCborMap cmd = committer.proposed.first();
        QCOMPARE(cmd.value(u"t"_s).toString(), u"coordinate-batch"_s);
        QCOMPARE(nodesOf(cmd), (QStringList{u"a"_s, u"b"_s, u"a"_s}));
        QCOMPARE(command::toJson(cmd.value(u"updates"_s).toArray().at(0)), update(u"a"_s, 0.25));
        QCOMPARE(batcher.pending(), 0);
        // Nothing pending: no timer and no write.
        clock.advance(60000);
        QCOMPARE(committer.proposed.size(), 1);
        QCOMPARE(clock.pendingCount(), 0);
        batcher.queue(update(u"c"_s, 0.5));
        clock.advance(5000);
        QCOMPARE(committer.proposed.size(), 2);
        QCOMPARE(nodesOf(committer.proposed.last()), QStringList{u"c"_s});
    }

    void batchesOfBatchSizeUpToMaxBatches()
    {
        SimClock clock;
        RecordingCommitter committer;
        CoordinateBatcher batcher(&clock, &committer, {5000, 128, 5});
        for (int i = 0; i < 700; ++i)
            batcher.queue(update(u"node-%1"_s.arg(i, 3, 10, QLatin1Char('0')), 0.5));
        clock.advance(5000);
        QCOMPARE(committer.proposed.size(), 5);
        QStringList written;
        for (const QCborMap &cmd : std::as_const(committer.proposed)) {
            QCOMPARE(nodesOf(cmd).size(), 128);
            written += nodesOf(cmd);
        }
        QCOMPARE(written.first(), u"node-000"_s); // the oldest 640; the last 60 were dropped
        QCOMPARE(written.last(), u"node-639"_s);
        QCOMPARE(batcher.pending(), 0);
        clock.advance(5000);
        QCOMPARE(committer.proposed.size(), 5);

        CoordinateBatcher small(&clock, &committer, {100, 2, 1});
        for (const QString &n : {u"x"_s, u"y"_s, u"z"_s})
            small.queue(update(n, 0.5));
        clock.advance(100);
        QCOMPARE(committer.proposed.size(), 6);
        QCOMPARE(nodesOf(committer.proposed.last()), (QStringList{u"x"_s, u"y"_s}));
    }

    void destroyedWithPendingUpdates()
    {
        SimClock clock;
        RecordingCommitter committer;
        {
            CoordinateBatcher batcher(&clock, &committer, {5000, 128, 5});
            batcher.queue(update(u"a"_s, 0.5));
        }
        clock.advance(10000); // its timer went with it
        QVERIFY(committer.proposed.isEmpty());
    }
};

QTEST_GUILESS_MAIN(TestCoordinateBatcher)
#include "tst_coordinatebatcher.moc"

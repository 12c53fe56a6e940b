// core/Metrics: go-metrics' aggregation as /v1/agent/metrics shows it — the last finished
// 10 s interval for JSON (Count, Rate, Sum, Min, Max, Mean, Stddev), running totals for Prometheus.
#include "SimClock.h"
#include "core/Metrics.h"

#include <QJsonObject>
#include <QTest>

#include <cmath>

using namespace qonsul;
using namespace qonsul::test;

class TestMetrics : public QObject
{
    Q_OBJECT

private Q_SLOTS:
    void lastFinishedIntervalAndTotals()
    {
        SimClock clock(1700000000000); // on an interval boundary
        Metrics m(&clock);
        m.declareCounter(u"consul.memberlist.tcp.accept"_qs);
        for (double v : {100.0, 200.0, 600.0})
            m.incrCounter(u"consul.memberlist.udp.sent"_qs, v);
        m.addSample(u"consul.http.GET.v1.kv._"_qs, 0.5);
        // The first interval is shown while it is the only one.
        QCOMPARE(m.counters().size(), 1);
        QCOMPARE(m.displayedIntervalStartMs(), 1700000000000);

        clock.advance(Metrics::kIntervalMs); // a new interval: the finished one is shown
        m.incrCounter(u"consul.memberlist.udp.sent"_qs, 5);
        const QJsonObject c = m.counters().at(0).toObject();
        QCOMPARE(c.value(u"Name").toString(), u"consul.memberlist.udp.sent"_qs);
        QCOMPARE(c.value(u"Count").toInt(), 3);
        QCOMPARE(c.value(u"Sum").toDouble(), 900.0);
        QCOMPARE(c.value(u"Min").toDouble(), 100.0);
        QCOMPARE(c.value(u"Max").toDouble(), 600.0);
        QCOMPARE(c.value(u"Mean").toDouble(), 300.0);
        QCOMPARE(c.value(u"Rate").toDouble(), 90.0); // per second over 10 s
        QVERIFY(std::abs(c.value(u"Stddev").toDouble() - std::sqrt(70000.0)) < 1e-9);
        QVERIFY(c.value(u"Labels").isObject());
        QCOMPARE(m.samples().at(0).toObject().value(u"Count").toInt(), 1);
        QCOMPARE(m.displayedIntervalStartMs(), 1700000000000);

        // Prometheus: everything since the start, declared counters at 0.
        const QMap<QString, double> totals = m.counterTotals();
        QCOMPARE(totals.value(u"consul.memberlist.udp.sent"_qs), 905.0);
        QVERIFY(totals.contains(u"consul.memberlist.tcp.accept"_qs));
        QCOMPARE(m.sampleTotals().value(u"consul.http.GET.v1.kv._"_qs).count, quint64(1));

        // Two quiet intervals later the last finished one had nothing.
        clock.advance(2 * Metrics::kIntervalMs);
        QVERIFY(m.counters().isEmpty());
        QCOMPARE(m.displayedIntervalStartMs(), 1700000000000 + 2 * Metrics::kIntervalMs);
        QCOMPARE(m.counterTotals().value(u"consul.memberlist.udp.sent"_qs), 905.0);
    }
};

QTEST_APPLESS_MAIN(TestMetrics)
#include "tst_metrics.moc"

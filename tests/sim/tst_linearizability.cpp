// The register linearizability checkers on small histories whose answer is known by hand, on a
// long concurrent one, and against each other on many random histories.
#include "Linearizability.h"
#include "SimRandom.h"

#include <QTest>

using namespace Qt::StringLiterals;
using namespace qonsul::sim;
using qonsul::sim::SimRandom;

namespace {
constexpr quint64 P = RegisterOp::kPending;
RegisterOp w(qint64 v, quint64 call, quint64 ret) { return RegisterOp { true, v, call, ret }; }
RegisterOp r(qint64 v, quint64 call, quint64 ret) { return RegisterOp { false, v, call, ret }; }
} // namespace

class TestLinearizability : public QObject
{
    Q_OBJECT

private Q_SLOTS:
    void histories_data()
    {
        QTest::addColumn<QList<RegisterOp>>("ops");
        QTest::addColumn<bool>("linearizable");
        QTest::newRow("empty") << QList<RegisterOp> {} << true;
        QTest::newRow("read initial") << QList<RegisterOp> { r(0, 1, 2) } << true;
        QTest::newRow("read of nothing written") << QList<RegisterOp> { r(5, 1, 2) } << false;
        QTest::newRow("sequential") << QList<RegisterOp> { w(1, 1, 2), r(1, 3, 4), w(2, 5, 6), r(2, 7, 8) } << true;
        QTest::newRow("stale read after a write returned")
            << QList<RegisterOp> { w(1, 1, 2), w(2, 3, 4), r(1, 5, 6) } << false;
        QTest::newRow("concurrent write, either value")
            << QList<RegisterOp> { w(1, 1, 2), w(2, 3, 8), r(1, 4, 5), r(2, 6, 7) } << true;
        QTest::newRow("value flips back (new then old)")
            << QList<RegisterOp> { w(1, 1, 2), w(2, 3, 10), r(2, 4, 5), r(1, 6, 7) } << false;
        QTest::newRow("pending write may apply later")
            << QList<RegisterOp> { w(1, 1, 2), w(2, 3, P), r(1, 4, 5), r(2, 6, 7) } << true;
        QTest::newRow("pending write may never apply") << QList<RegisterOp> { w(1, 1, 2), w(2, 3, P), r(1, 6, 7) } << true;
        QTest::newRow("pending write cannot apply before its call")
            << QList<RegisterOp> { r(2, 1, 2), w(2, 3, P) } << false;
        QTest::newRow("two readers disagree on order")
            << QList<RegisterOp> { w(1, 1, 20), w(2, 2, 20), r(1, 3, 4), r(2, 5, 6), r(1, 7, 8) } << false;
    }
    void histories()
    {
        QFETCH(QList<RegisterOp>, ops);
        QFETCH(bool, linearizable);
        QCOMPARE(isLinearizable(ops, 0), linearizable);
        const QString why = distinctWritesViolation(ops, 0);
        QVERIFY2(why.isEmpty() == linearizable, qPrintable(why));
    }

    void checkersAgreeOnRandomHistories()
    {
        SimRandom rng(7);
        int linearizable = 0;
        for (int round = 0; round < 20000; ++round) {
            const int n = 1 + int(rng.below(7));
            // 2n distinct timestamps, shuffled into calls and returns.
            QList<quint64> times;
            for (int i = 1; i <= 2 * n; ++i)
                times.append(quint64(i));
            for (qsizetype i = times.size() - 1; i > 0; --i)
                std::swap(times[i], times[qsizetype(rng.below(quint64(i) + 1))]);
            QList<RegisterOp> ops;
            qint64 written = 0;
            for (int i = 0; i < n; ++i) {
                const quint64 a = times[2 * i], b = times[2 * i + 1];
                RegisterOp op { rng.chance(0.5), 0, std::min(a, b), std::max(a, b) };
                if (op.write) {
                    op.value = ++written;
                    if (rng.chance(0.2))
                        op.ret = RegisterOp::kPending;
                } else {
                    op.value = qint64(rng.below(quint64(n) + 1)); // 0 (initial) or some write's
                }
                ops.append(op);
            }
            const bool search = isLinearizable(ops, 0);
            const QString zones = distinctWritesViolation(ops, 0);
            linearizable += search ? 1 : 0;
            if (search != zones.isEmpty()) {
                QStringList dump;
                for (const RegisterOp &op : ops)
                    dump.append(u"%1 %2 [%3,%4]"_s.arg(op.write ? u"w"_s : u"r"_s).arg(op.value).arg(op.call).arg(op.ret));
                QFAIL(qPrintable(u"search says %1, zones say '%2': %3"_s.arg(search).arg(zones, dump.join(u"; "_s))));
            }
        }
        QVERIFY(linearizable > 2000 && linearizable < 18000); // both outcomes were exercised
    }

    void historyByKey()
    {
        RegisterHistory h;
        const int a = h.call(u"a"_s, true, 1);
        h.complete(a);
        const int b = h.call(u"b"_s, false);
        h.complete(b, 0); // b was never written
        const int lost = h.call(u"a"_s, true, 2); // never returns
        Q_UNUSED(lost);
        const int ra = h.call(u"a"_s, false);
        h.complete(ra, 2);
        QCOMPARE(h.check(), QString());
        const int stale = h.call(u"a"_s, false);
        h.complete(stale, 1);
        const QString report = h.check();
        QVERIFY2(report.contains(u"key a"_s) && report.contains(u"pending"_s), qPrintable(report));
    }

    void longConcurrentHistoryIsFast()
    {
        // 300 operations, 10 at a time in flight; for the zones, half of the writes never return
        // (the search would try every subset of those).
        for (const bool pending : { false, true }) {
            QList<RegisterOp> ops;
            quint64 t = 0;
            qint64 value = 0;
            for (int round = 0; round < 30; ++round) {
                const quint64 start = t;
                for (int i = 0; i < 5; ++i)
                    ops.append(w(++value, start + quint64(i), pending && i % 2 ? P : start + 20));
                for (int i = 0; i < 5; ++i)
                    ops.append(r(value, start + 10 + quint64(i), start + 21 + quint64(i)));
                t = start + 30;
            }
            QCOMPARE(distinctWritesViolation(ops, 0), QString());
            if (!pending)
                QVERIFY(isLinearizable(ops, 0));
            ops.append(r(1, t + 1, t + 2)); // long overwritten
            QVERIFY(!distinctWritesViolation(ops, 0).isEmpty());
            if (!pending)
                QVERIFY(!isLinearizable(ops, 0));
        }
    }
};

QTEST_GUILESS_MAIN(TestLinearizability)
#include "tst_linearizability.moc"

// KvTable against a plain QMap: random inserts, replacements and removals over enough keys to
// split chunks many times, with copies taken along the way (as a snapshot capture or a txn undo
// copy does) that must keep their contents while the original changes.
#include "state/KvTable.h"

#include <QRandomGenerator>
#include <QTest>

using namespace Qt::StringLiterals;
using namespace qonsul;
using namespace qonsul::state;

namespace {

using Model = QMap<QString, api::KvEntry>;

api::KvEntry entry(const QString &key, quint64 index)
{
    api::KvEntry e;
    e.key = key;
    e.value = QByteArray::number(index);
    e.modifyIndex = index;
    return e;
}

bool same(const KvTable &table, const Model &model, QString *why)
{
    if (table.size() != model.size()) {
        *why = u"size %1, expected %2"_s.arg(table.size()).arg(model.size());
        return false;
    }
    auto m = model.cbegin();
    for (auto it = table.begin(); it != table.end(); ++it, ++m) {
        if (it.key() != m.key() || it->modifyIndex != m->modifyIndex || it->value != m->value) {
            *why = u"at %1: %2, expected %3"_s.arg(m.key(), it.key());
            return false;
        }
    }
    return true;
}

} // namespace

class TestKvTable : public QObject
{
    Q_OBJECT

private Q_SLOTS:
    void matchesAMapUnderRandomWrites()
    {
        QRandomGenerator rng(12345);
        KvTable table;
        Model model;
        QList<QPair<KvTable, Model>> copies;
        QString why;
        for (quint64 i = 1; i <= 30000; ++i) {
            const QString key = u"k/%1/%2"_s.arg(rng.bounded(40)).arg(rng.bounded(400));
            if (rng.bounded(4) == 0) {
                table.remove(key);
                model.remove(key);
            } else {
                table.insert(key, entry(key, i));
                model.insert(key, entry(key, i));
            }
            if (i % 5000 == 0)
                copies.append({table, model});
        }
        QVERIFY(table.size() > 2 * KvTable::kMaxChunk); // several chunks
        QVERIFY2(same(table, model, &why), qPrintable(why));
        for (const auto &[copy, expected] : std::as_const(copies))
            QVERIFY2(same(copy, expected, &why), qPrintable(why)); // untouched by later writes

        for (int n = 0; n < 2000; ++n) {
            const QString key = u"k/%1/%2"_s.arg(rng.bounded(41)).arg(rng.bounded(400));
            const auto found = table.constFind(key);
            QCOMPARE(found != table.constEnd(), model.contains(key));
            QCOMPARE(table.value(key).modifyIndex, model.value(key).modifyIndex);
            const QString prefix = key.left(rng.bounded(key.size() + 1));
            auto it = table.lowerBound(prefix);
            auto m = model.lowerBound(prefix);
            for (int k = 0; k < 5 && m != model.cend(); ++k, ++it, ++m) {
                QVERIFY(it != table.constEnd());
                QCOMPARE(it.key(), m.key());
            }
            if (m == model.cend())
                QVERIFY(it == table.constEnd());
        }
        QCOMPARE(table.keys(), model.keys());

        for (const QString &key : model.keys())
            table.remove(key);
        QCOMPARE(table.size(), 0);
        QVERIFY(table.begin() == table.end());
        QVERIFY(table.lowerBound(u""_s) == table.end());
    }
};

QTEST_GUILESS_MAIN(TestKvTable)
#include "tst_kvtable.moc"

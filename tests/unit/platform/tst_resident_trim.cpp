// platform/ResidentTrim: the trim drops clean file pages from the resident set, leaves written
// memory alone, and the process runs on unharmed (its code and libraries fault back in).
#include "platform/ResidentTrim.h"

#include <QFile>
#include <QJsonDocument>
#include <QJsonObject>
#include <QRegularExpression>
#include <QTest>
#include <QThread>

using namespace qonsul;

namespace {

qint64 statusKb(const char *field)
{
    QFile f(QStringLiteral("/proc/self/status"));
    if (!f.open(QIODevice::ReadOnly))
        return -1;
    for (QByteArray line = f.readLine(); !line.isEmpty(); line = f.readLine()) {
        if (line.startsWith(field))
            return line.mid(qstrlen(field)).trimmed().split(' ').value(0).toLongLong();
    }
    return -1;
}

} // namespace

class TstResidentTrim : public QObject
{
    Q_OBJECT

private Q_SLOTS:
    void dropsFilePagesAndKeepsWrittenMemory()
    {
#ifndef Q_OS_LINUX
        QSKIP("Linux only");
#endif
        QByteArray written(4 << 20, 'q'); // 4 MB the process wrote: must survive the trim
        const qint64 fileBefore = statusKb("RssFile:");
        QVERIFY(fileBefore > 0);
        // QtTest's watchdog thread waits on a condition meanwhile: it maps nothing.
        QVERIFY(platform::dropCleanFilePages() > 0);
        const qint64 fileAfter = statusKb("RssFile:");
        QVERIFY2(fileAfter < fileBefore / 2, qPrintable(QStringLiteral("RssFile %1 -> %2 kB").arg(fileBefore).arg(fileAfter)));
        QCOMPARE(written.count('q'), written.size());
        // Code of the test, Qt and libstdc++ comes back on use.
        const QJsonObject o = QJsonDocument::fromJson(R"({"Node":"n1","Port":8301})").object();
        QCOMPARE(o.value(u"Port").toInt(), 8301);
        QVERIFY(QRegularExpression(QStringLiteral("^n\\d$")).match(o.value(u"Node").toString()).hasMatch());
    }

    void skippedWhileOtherThreadsRun()
    {
#ifndef Q_OS_LINUX
        QSKIP("Linux only");
#endif
        QThread thread;
        thread.start();
        QVERIFY(!platform::trimResidentPages());
        thread.quit();
        thread.wait();
    }
};

QTEST_GUILESS_MAIN(TstResidentTrim)
#include "tst_resident_trim.moc"

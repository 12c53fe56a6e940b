// Go time.ParseDuration / Duration.String() parity for qonsul::parseDuration / formatDuration.
// Expected values are what Go 1.21 returns for the same input.
#include "core/Duration.h"

#include <QTest>

#include <limits>

using namespace qonsul;
using namespace Qt::StringLiterals;

namespace {
constexpr Nanoseconds kMicrosecond = 1000;
constexpr Nanoseconds kMax = std::numeric_limits<qint64>::max();
constexpr Nanoseconds kMin = std::numeric_limits<qint64>::min();
} // namespace

class TestDuration : public QObject
{
    Q_OBJECT

private Q_SLOTS:
    void parseValid_data();
    void parseValid();
    void parseInvalid_data();
    void parseInvalid();
    void parseTruncatesLikeGo_data();
    void parseTruncatesLikeGo();
    void format_data();
    void format();
    void formatParsesBack_data() { format_data(); }
    void formatParsesBack();
};

void TestDuration::parseValid_data()
{
    QTest::addColumn<QString>("text");
    QTest::addColumn<qint64>("ns");

    QTest::newRow("15s") << u"15s"_s << 15 * kSecond;
    QTest::newRow("1m30s") << u"1m30s"_s << 90 * kSecond;
    QTest::newRow("1.5h") << u"1.5h"_s << 90 * kMinute;
    QTest::newRow("300ms") << u"300ms"_s << 300 * kMillisecond;
    QTest::newRow("2h45m") << u"2h45m"_s << 2 * kHour + 45 * kMinute;
    QTest::newRow("0") << u"0"_s << Nanoseconds(0);
    QTest::newRow("-0") << u"-0"_s << Nanoseconds(0);
    QTest::newRow("+0") << u"+0"_s << Nanoseconds(0);
    QTest::newRow("0s") << u"0s"_s << Nanoseconds(0);
    QTest::newRow("-1.5h") << u"-1.5h"_s << -90 * kMinute;
    QTest::newRow("+5s") << u"+5s"_s << 5 * kSecond;
    QTest::newRow("15.0s") << u"15.0s"_s << 15 * kSecond;
    QTest::newRow("0.001s") << u"0.001s"_s << kMillisecond;
    QTest::newRow("0.1s") << u"0.1s"_s << 100 * kMillisecond;
    QTest::newRow("1.s") << u"1.s"_s << kSecond;
    QTest::newRow(".5s") << u".5s"_s << 500 * kMillisecond;
    QTest::newRow("1ns") << u"1ns"_s << Nanoseconds(1);
    QTest::newRow("1us") << u"1us"_s << kMicrosecond;
    QTest::newRow("1µs (U+00B5 micro sign)") << u"1\u00b5s"_s << kMicrosecond;
    QTest::newRow("1μs (U+03BC greek mu)") << u"1\u03bcs"_s << kMicrosecond;
    QTest::newRow("1.5us") << u"1.5us"_s << Nanoseconds(1500);
    QTest::newRow("all units") << u"1h1m1s1ms1us1ns"_s
                               << kHour + kMinute + kSecond + kMillisecond + kMicrosecond + 1;
    QTest::newRow("units out of order") << u"1s1h"_s << kHour + kSecond;
    QTest::newRow("repeated unit") << u"1s1s"_s << 2 * kSecond;
    QTest::newRow("leading zeros") << u"007s"_s << 7 * kSecond;
    QTest::newRow("100h") << u"100h"_s << 100 * kHour;
    QTest::newRow("24h") << u"24h"_s << 24 * kHour;
    QTest::newRow("0.5h") << u"0.5h"_s << 30 * kMinute;
    QTest::newRow("1.000000001s") << u"1.000000001s"_s << kSecond + 1;
    QTest::newRow("max in ns") << u"9223372036854775807ns"_s << kMax;
    QTest::newRow("max as String()") << u"2562047h47m16.854775807s"_s << kMax;
}

void TestDuration::parseValid()
{
    QFETCH(QString, text);
    QFETCH(qint64, ns);
    const std::optional<Nanoseconds> parsed = parseDuration(text);
    QVERIFY2(parsed.has_value(), qPrintable(QString(u"rejected: "_s + text)));
    QCOMPARE(*parsed, ns);
}

void TestDuration::parseInvalid_data()
{
    QTest::addColumn<QString>("text");

    QTest::newRow("empty") << QString();
    QTest::newRow("unit only") << u"s"_s;
    QTest::newRow("missing unit") << u"1"_s;
    QTest::newRow("missing unit after fraction") << u"1.5"_s;
    QTest::newRow("unknown unit") << u"1x"_s;
    QTest::newRow("unknown unit d") << u"1d"_s;
    QTest::newRow("upper-case unit") << u"1S"_s;
    QTest::newRow("double sign") << u"--1s"_s;
    QTest::newRow("sign only") << u"-"_s;
    QTest::newRow("plus only") << u"+"_s;
    QTest::newRow("dot only") << u"."_s;
    QTest::newRow("dot unit") << u".s"_s;
    QTest::newRow("sign in the middle") << u"1h-1m"_s;
    QTest::newRow("leading space") << u" 1s"_s;
    QTest::newRow("trailing space") << u"1s "_s;
    QTest::newRow("inner space") << u"1h 30m"_s;
    QTest::newRow("exponent") << u"1e3s"_s;
    QTest::newRow("trailing number") << u"1s5"_s;
    QTest::newRow("trailing fraction") << u"1s.5"_s;
    QTest::newRow("two dots") << u"1.2.3s"_s;
    QTest::newRow("overflow by one") << u"9223372036854775808ns"_s;
    QTest::newRow("overflow hours") << u"3000000h"_s;
    QTest::newRow("overflow in sum") << u"2562047h47m16.854775807s1ns"_s;
}

void TestDuration::parseInvalid()
{
    QFETCH(QString, text);
    const std::optional<Nanoseconds> parsed = parseDuration(text);
    QVERIFY2(
        !parsed.has_value(), qPrintable(QString(u"accepted as "_s + QString::number(parsed.value_or(0)))));
}

// Go adds the fraction as int64(float64(f) * (float64(unit) / scale)), i.e. it truncates
// sub-nanosecond digits, and accepts the minimum int64 ("-9223372036854775808ns") because it
// checks the magnitude against 1<<63 before negating.
void TestDuration::parseTruncatesLikeGo_data()
{
    QTest::addColumn<QString>("text");
    QTest::addColumn<qint64>("ns");

    QTest::newRow("1.9ns") << u"1.9ns"_s << Nanoseconds(1);
    QTest::newRow("1.5ns") << u"1.5ns"_s << Nanoseconds(1);
    QTest::newRow("0.5ns") << u"0.5ns"_s << Nanoseconds(0);
    QTest::newRow("1.0000000009s") << u"1.0000000009s"_s << kSecond;
    QTest::newRow("min in ns") << u"-9223372036854775808ns"_s << kMin;
    QTest::newRow("min as String()") << u"-2562047h47m16.854775808s"_s << kMin;
}

void TestDuration::parseTruncatesLikeGo()
{
    QFETCH(QString, text);
    QFETCH(qint64, ns);
    const std::optional<Nanoseconds> parsed = parseDuration(text);
    QCOMPARE(parsed.value_or(-1), ns);
}

void TestDuration::format_data()
{
    QTest::addColumn<qint64>("ns");
    QTest::addColumn<QString>("text");

    QTest::newRow("0") << Nanoseconds(0) << u"0s"_s;
    QTest::newRow("1ns") << Nanoseconds(1) << u"1ns"_s;
    QTest::newRow("999ns") << Nanoseconds(999) << u"999ns"_s;
    QTest::newRow("1µs") << kMicrosecond << u"1\u00b5s"_s;
    QTest::newRow("1.5µs") << Nanoseconds(1500) << u"1.5\u00b5s"_s;
    QTest::newRow("1.001µs") << Nanoseconds(1001) << u"1.001\u00b5s"_s;
    QTest::newRow("1ms") << kMillisecond << u"1ms"_s;
    QTest::newRow("100ms") << 100 * kMillisecond << u"100ms"_s;
    QTest::newRow("1.000001ms") << kMillisecond + 1 << u"1.000001ms"_s;
    QTest::newRow("999.999999ms") << kSecond - 1 << u"999.999999ms"_s;
    QTest::newRow("1s") << kSecond << u"1s"_s;
    QTest::newRow("1500ms") << 1500 * kMillisecond << u"1.5s"_s;
    QTest::newRow("1s+1ns") << kSecond + 1 << u"1.000000001s"_s;
    QTest::newRow("59.999s") << 59999 * kMillisecond << u"59.999s"_s;
    QTest::newRow("60s") << kMinute << u"1m0s"_s;
    QTest::newRow("90s") << 90 * kSecond << u"1m30s"_s;
    QTest::newRow("90.5s") << 90 * kSecond + 500 * kMillisecond << u"1m30.5s"_s;
    QTest::newRow("1h") << kHour << u"1h0m0s"_s;
    QTest::newRow("2h45m") << 2 * kHour + 45 * kMinute << u"2h45m0s"_s;
    QTest::newRow("24h") << 24 * kHour << u"24h0m0s"_s;
    QTest::newRow("1h0m1ns") << kHour + 1 << u"1h0m0.000000001s"_s;
    QTest::newRow("-1ns") << Nanoseconds(-1) << u"-1ns"_s;
    QTest::newRow("-1.5µs") << Nanoseconds(-1500) << u"-1.5\u00b5s"_s;
    QTest::newRow("-100ms") << -100 * kMillisecond << u"-100ms"_s;
    QTest::newRow("-1.5h") << -90 * kMinute << u"-1h30m0s"_s;
    QTest::newRow("max") << kMax << u"2562047h47m16.854775807s"_s;
    QTest::newRow("min") << kMin << u"-2562047h47m16.854775808s"_s;
}

void TestDuration::format()
{
    QFETCH(qint64, ns);
    QFETCH(QString, text);
    QCOMPARE(formatDuration(ns), text);
}

void TestDuration::formatParsesBack()
{
    QFETCH(qint64, ns);
    if (ns == kMin)
        QSKIP("the minimum is covered by parseTruncatesLikeGo");
    const std::optional<Nanoseconds> parsed = parseDuration(formatDuration(ns));
    QVERIFY(parsed.has_value());
    QCOMPARE(*parsed, ns);
}

QTEST_APPLESS_MAIN(TestDuration)
#include "tst_duration.moc"

#include "core/Duration.h"


namespace qonsul {

namespace {

struct Unit
{
    QStringView name;
    Nanoseconds ns;
};

constexpr Unit kUnits[] = {
    {u"ns", 1},          {u"us", 1000},       {u"\u00b5s", 1000},   {u"\u03bcs", 1000},
    {u"ms", kMillisecond}, {u"s", kSecond},   {u"m", kMinute},      {u"h", kHour},
};

} // namespace

std::optional<Nanoseconds> parseDuration(QStringView s)
{
    // Integer arithmetic as in Go's time.ParseDuration: fractions are truncated, not rounded,
    // and the magnitude may reach 1<<63 when negative.
    bool negative = false;
    if (!s.isEmpty() && (s.front() == u'-' || s.front() == u'+')) {
        negative = s.front() == u'-';
        s = s.mid(1);
    }
    if (s == u"0")
        return 0;
    if (s.isEmpty())
        return std::nullopt;
    constexpr quint64 kLimit = quint64(1) << 63;
    quint64 total = 0;
    while (!s.isEmpty()) {
        qsizetype i = 0;
        quint64 whole = 0;
        bool digits = false, overflow = false;
        while (i < s.size() && s[i].isDigit()) {
            if (whole > (kLimit - 1) / 10)
                overflow = true;
            whole = whole * 10 + quint64(s[i].digitValue());
            if (whole > kLimit)
                overflow = true;
            ++i;
            digits = true;
        }
        quint64 frac = 0;
        double scale = 1; // 10^(fraction digits), as Go's float64 scale
        if (i < s.size() && s[i] == u'.') {
            ++i;
            while (i < s.size() && s[i].isDigit()) {
                if (frac <= (kLimit - 1) / 10) { // further digits are dropped, as in Go
                    frac = frac * 10 + quint64(s[i].digitValue());
                    scale *= 10;
                }
                ++i;
                digits = true;
            }
        }
        if (!digits || overflow)
            return std::nullopt;
        qsizetype j = i;
        while (j < s.size() && !s[j].isDigit() && s[j] != u'.')
            ++j;
        const QStringView unitName = s.mid(i, j - i);
        const Unit *unit = nullptr;
        for (const Unit &u : kUnits) {
            if (u.name == unitName)
                unit = &u;
        }
        if (!unit)
            return std::nullopt;
        const quint64 scaleUnit = quint64(unit->ns);
        if (whole > kLimit / scaleUnit)
            return std::nullopt;
        quint64 v = whole * scaleUnit;
        if (frac > 0) {
            v += quint64(double(frac) * (double(scaleUnit) / scale));
            if (v > kLimit)
                return std::nullopt;
        }
        total += v;
        if (total > kLimit)
            return std::nullopt;
        s = s.mid(j);
    }
    if (!negative && total > kLimit - 1)
        return std::nullopt;
    return negative ? Nanoseconds(~total + 1) : Nanoseconds(total);
}

namespace {

// Writes v / 10^prec with trailing zeros of the fraction removed, as Go's fmtFrac+fmtInt do.
QString fractional(quint64 v, int prec)
{
    QString frac;
    bool print = false;
    for (int i = 0; i < prec; ++i) {
        const int digit = int(v % 10);
        print = print || digit != 0;
        if (print)
            frac.prepend(QChar(u'0' + digit));
        v /= 10;
    }
    QString out = QString::number(v);
    if (print)
        out += u'.' + frac;
    return out;
}

} // namespace

QString formatDuration(Nanoseconds d)
{
    if (d == 0)
        return QStringLiteral("0s");
    const bool negative = d < 0;
    quint64 u = negative ? quint64(-(d + 1)) + 1 : quint64(d);
    QString out;
    if (u < quint64(kSecond)) {
        if (u < 1000)
            out = QString::number(u) + u"ns";
        else if (u < quint64(kMillisecond))
            out = fractional(u, 3) + u"\u00b5s";
        else
            out = fractional(u, 6) + u"ms";
    } else {
        QString secs = fractional(u % quint64(kMinute), 9) + u's';
        u /= quint64(kMinute);
        if (u > 0) {
            QString mins = QString::number(u % 60) + u'm';
            u /= 60;
            out = (u > 0 ? QString::number(u) + u'h' : QString()) + mins + secs;
        } else {
            out = secs;
        }
    }
    return negative ? u'-' + out : out;
}

} // namespace qonsul

#include "core/Duration.h"

#include <limits>

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
    bool negative = false;
    if (!s.isEmpty() && (s.front() == u'-' || s.front() == u'+')) {
        negative = s.front() == u'-';
        s = s.mid(1);
    }
    if (s == u"0")
        return 0;
    if (s.isEmpty())
        return std::nullopt;

    long double total = 0;
    while (!s.isEmpty()) {
        qsizetype i = 0;
        long double whole = 0, frac = 0, scale = 1;
        bool digits = false;
        while (i < s.size() && s[i].isDigit()) {
            whole = whole * 10 + s[i].digitValue();
            ++i;
            digits = true;
        }
        if (i < s.size() && s[i] == u'.') {
            ++i;
            while (i < s.size() && s[i].isDigit()) {
                scale /= 10;
                frac += s[i].digitValue() * scale;
                ++i;
                digits = true;
            }
        }
        if (!digits)
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
        total += (whole + frac) * unit->ns;
        if (total > static_cast<long double>(std::numeric_limits<Nanoseconds>::max()))
            return std::nullopt;
        s = s.mid(j);
    }
    const auto value = static_cast<Nanoseconds>(total + 0.5L);
    return negative ? -value : value;
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

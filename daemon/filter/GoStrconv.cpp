#include "GoStrconv_p.h"

#include <QByteArray>
#include <QChar>

#include <charconv>
#include <cmath>
#include <limits>

namespace qonsul::filter::detail {

namespace {

char16_t lower(char16_t c)
{
    return (c >= u'A' && c <= u'Z') ? char16_t(c + (u'a' - u'A')) : c;
}

bool isDigit(char16_t c)
{
    return c >= u'0' && c <= u'9';
}

bool isHexDigit(char16_t c)
{
    const char16_t l = lower(c);
    return isDigit(c) || (l >= u'a' && l <= u'f');
}

QString numError(const char *func, QStringView num, bool range)
{
    return QStringLiteral("strconv.") + QLatin1String(func) + QStringLiteral(": parsing ") + goQuote(num)
        + (range ? QStringLiteral(": value out of range") : QStringLiteral(": invalid syntax"));
}

// Go's underscoreOK: underscores may only separate digits (a base prefix counts as a digit).
bool underscoreOK(QStringView s)
{
    char16_t saw = u'^';
    qsizetype i = 0;
    if (!s.isEmpty() && (s[0] == u'-' || s[0] == u'+'))
        s = s.mid(1);
    bool hex = false;
    if (s.size() >= 2 && s[0] == u'0'
        && (lower(s[1].unicode()) == u'b' || lower(s[1].unicode()) == u'o'
            || lower(s[1].unicode()) == u'x')) {
        i = 2;
        saw = u'0';
        hex = lower(s[1].unicode()) == u'x';
    }
    for (; i < s.size(); ++i) {
        const char16_t c = s[i].unicode();
        if (isDigit(c) || (hex && isHexDigit(c))) {
            saw = u'0';
            continue;
        }
        if (c == u'_') {
            if (saw != u'0')
                return false;
            saw = u'_';
            continue;
        }
        if (saw == u'_')
            return false;
        saw = u'!';
    }
    return saw != u'_';
}

enum class UintStatus
{
    Ok,
    Syntax,
    Range
};

// Core of strconv.ParseUint with base 0. Sets *value to the saturated maximum on a range error.
UintStatus parseUintBase0(QStringView s, int bitSize, quint64 *value)
{
    *value = 0;
    if (s.isEmpty())
        return UintStatus::Syntax;
    const QStringView s0 = s;
    unsigned base = 10;
    if (s[0] == u'0') {
        if (s.size() >= 3 && lower(s[1].unicode()) == u'b') {
            base = 2;
            s = s.mid(2);
        } else if (s.size() >= 3 && lower(s[1].unicode()) == u'o') {
            base = 8;
            s = s.mid(2);
        } else if (s.size() >= 3 && lower(s[1].unicode()) == u'x') {
            base = 16;
            s = s.mid(2);
        } else {
            base = 8;
            s = s.mid(1);
        }
    }
    const quint64 maxVal
        = bitSize >= 64 ? std::numeric_limits<quint64>::max() : ((quint64(1) << bitSize) - 1);
    const quint64 cutoff = std::numeric_limits<quint64>::max() / base + 1;
    bool underscores = false;
    quint64 n = 0;
    for (const QChar qc : s) {
        const char16_t c = qc.unicode();
        unsigned d = 0;
        if (c == u'_') {
            underscores = true;
            continue;
        } else if (isDigit(c)) {
            d = c - u'0';
        } else if (lower(c) >= u'a' && lower(c) <= u'z') {
            d = lower(c) - u'a' + 10;
        } else {
            return UintStatus::Syntax;
        }
        if (d >= base)
            return UintStatus::Syntax;
        if (n >= cutoff) {
            *value = maxVal;
            return UintStatus::Range;
        }
        n *= base;
        const quint64 n1 = n + d;
        if (n1 < n || n1 > maxVal) {
            *value = maxVal;
            return UintStatus::Range;
        }
        n = n1;
    }
    if (underscores && !underscoreOK(s0))
        return UintStatus::Syntax;
    *value = n;
    return UintStatus::Ok;
}

bool equalsIgnoreCase(QStringView s, QLatin1StringView word)
{
    return s.compare(word, Qt::CaseInsensitive) == 0;
}

// Appends the UTF-8 encoding of code point cp.
void appendUtf8(QByteArray &out, char32_t cp)
{
    out += QString::fromUcs4(&cp, 1).toUtf8();
}

int hexValue(char16_t c)
{
    if (isDigit(c))
        return c - u'0';
    const char16_t l = lower(c);
    if (l >= u'a' && l <= u'f')
        return l - u'a' + 10;
    return -1;
}

} // namespace

std::optional<quint64> goParseUint(QStringView s, int bitSize, QString *error)
{
    quint64 v = 0;
    switch (parseUintBase0(s, bitSize, &v)) {
    case UintStatus::Ok:
        return v;
    case UintStatus::Syntax:
        if (error)
            *error = numError("ParseUint", s, false);
        return std::nullopt;
    case UintStatus::Range:
        if (error)
            *error = numError("ParseUint", s, true);
        return std::nullopt;
    }
    return std::nullopt;
}

std::optional<qint64> goParseInt(QStringView s, int bitSize, QString *error)
{
    if (s.isEmpty()) {
        if (error)
            *error = numError("ParseInt", s, false);
        return std::nullopt;
    }
    const QStringView s0 = s;
    bool neg = false;
    if (s[0] == u'+') {
        s = s.mid(1);
    } else if (s[0] == u'-') {
        neg = true;
        s = s.mid(1);
    }
    quint64 un = 0;
    if (parseUintBase0(s, bitSize, &un) == UintStatus::Syntax) {
        if (error)
            *error = numError("ParseInt", s0, false);
        return std::nullopt;
    }
    // A range error from the unsigned parse leaves un saturated, which the checks below turn into
    // ParseInt's own range error.
    const quint64 cutoff = quint64(1) << (bitSize - 1);
    if (!neg && un >= cutoff) {
        if (error)
            *error = numError("ParseInt", s0, true);
        return std::nullopt;
    }
    if (neg && un > cutoff) {
        if (error)
            *error = numError("ParseInt", s0, true);
        return std::nullopt;
    }
    if (neg)
        return un == cutoff ? std::numeric_limits<qint64>::min() : -qint64(un);
    return qint64(un);
}

std::optional<bool> goParseBool(QStringView s, QString *error)
{
    static const char *const trues[] = { "1", "t", "T", "TRUE", "true", "True" };
    static const char *const falses[] = { "0", "f", "F", "FALSE", "false", "False" };
    for (const char *t : trues) {
        if (s == QLatin1StringView(t))
            return true;
    }
    for (const char *f : falses) {
        if (s == QLatin1StringView(f))
            return false;
    }
    if (error)
        *error = numError("ParseBool", s, false);
    return std::nullopt;
}

std::optional<double> goParseFloat(QStringView s, int bitSize, QString *error)
{
    auto syntax = [&]() -> std::optional<double> {
        if (error)
            *error = numError("ParseFloat", s, false);
        return std::nullopt;
    };
    if (s.isEmpty())
        return syntax();

    // Infinity and NaN, as strconv's special(): a sign is allowed before inf/infinity only.
    {
        QStringView rest = s;
        double sign = 1;
        bool hasSign = false;
        if (rest[0] == u'+' || rest[0] == u'-') {
            sign = rest[0] == u'-' ? -1 : 1;
            hasSign = true;
            rest = rest.mid(1);
        }
        if (equalsIgnoreCase(rest, QLatin1StringView("inf"))
            || equalsIgnoreCase(rest, QLatin1StringView("infinity")))
            return sign * std::numeric_limits<double>::infinity();
        if (!hasSign && equalsIgnoreCase(rest, QLatin1StringView("nan")))
            return std::numeric_limits<double>::quiet_NaN();
    }

    // Syntax per strconv's readFloat; the digits are copied (without underscores) for from_chars.
    qsizetype i = 0;
    const qsizetype n = s.size();
    bool neg = false;
    if (s[i] == u'+' || s[i] == u'-') {
        neg = s[i] == u'-';
        ++i;
    }
    bool hex = false;
    if (i + 1 < n && s[i] == u'0' && lower(s[i + 1].unicode()) == u'x') {
        hex = true;
        i += 2;
    }
    std::string text;
    bool sawDot = false;
    bool sawDigits = false;
    bool underscores = false;
    qsizetype leadingIntDigits = 0; // significant digits before the dot
    qsizetype zerosAfterDot = 0; // zeros after the dot before the first significant digit
    bool sawSignificant = false;
    for (; i < n; ++i) {
        const char16_t c = s[i].unicode();
        if (c == u'_') {
            underscores = true;
            continue;
        }
        if (c == u'.') {
            if (sawDot)
                break;
            sawDot = true;
            text += '.';
            continue;
        }
        if (isDigit(c) || (hex && isHexDigit(c))) {
            sawDigits = true;
            if (c != u'0')
                sawSignificant = true;
            if (!sawDot && sawSignificant)
                ++leadingIntDigits;
            if (sawDot && !sawSignificant)
                ++zerosAfterDot;
            text += char(c);
            continue;
        }
        break;
    }
    if (!sawDigits)
        return syntax();
    long long exp10 = 0;
    if (i < n && lower(s[i].unicode()) == (hex ? u'p' : u'e')) {
        ++i;
        bool expNeg = false;
        if (i < n && (s[i] == u'+' || s[i] == u'-')) {
            expNeg = s[i] == u'-';
            ++i;
        }
        if (i >= n || !isDigit(s[i].unicode()))
            return syntax();
        std::string expText;
        for (; i < n && (isDigit(s[i].unicode()) || s[i] == u'_'); ++i) {
            if (s[i] == u'_') {
                underscores = true;
                continue;
            }
            if (expText.empty() && s[i] == u'0')
                continue; // leading zeros
            expText += char(s[i].unicode());
        }
        // Exponents beyond any double's range only need to stay beyond it.
        exp10 = expText.empty() ? 0 : (expText.size() > 9 ? 999999999LL : std::stoll(expText));
        if (expNeg)
            exp10 = -exp10;
        text += hex ? 'p' : 'e';
        text += std::to_string(exp10);
    } else if (hex) {
        return syntax();
    }
    if (i != n)
        return syntax();
    if (underscores && !underscoreOK(s.first(i)))
        return syntax();

    double value = 0;
    const auto res = std::from_chars(text.data(), text.data() + text.size(), value,
        hex ? std::chars_format::hex : std::chars_format::general);
    bool overflow = false;
    if (res.ec == std::errc::result_out_of_range) {
        // from_chars reports underflow and overflow alike; Go flushes underflow to zero silently.
        const long long digitsScale = hex ? 4 : 1;
        const long long magnitude
            = (leadingIntDigits > 0 ? leadingIntDigits : -zerosAfterDot) * digitsScale + exp10;
        overflow = magnitude > 0;
        value = overflow ? std::numeric_limits<double>::infinity() : 0.0;
    } else if (res.ec != std::errc() || res.ptr != text.data() + text.size()) {
        return syntax();
    }
    if (neg)
        value = -value;
    if (bitSize == 32 && !overflow) {
        const float f = float(value);
        if (std::isinf(f) && !std::isinf(value))
            overflow = true;
        value = f;
    }
    if (overflow) {
        if (error)
            *error = numError("ParseFloat", s, true);
        return std::nullopt;
    }
    return value;
}

QString goQuote(QStringView s)
{
    QString out;
    out.reserve(s.size() + 2);
    out += u'"';
    for (qsizetype i = 0; i < s.size(); ++i) {
        char32_t cp = s[i].unicode();
        if (s[i].isHighSurrogate() && i + 1 < s.size() && s[i + 1].isLowSurrogate()) {
            cp = QChar::surrogateToUcs4(s[i], s[i + 1]);
            ++i;
        }
        switch (cp) {
        case U'"':
            out += QStringLiteral("\\\"");
            continue;
        case U'\\':
            out += QStringLiteral("\\\\");
            continue;
        case U'\a':
            out += QStringLiteral("\\a");
            continue;
        case U'\b':
            out += QStringLiteral("\\b");
            continue;
        case U'\f':
            out += QStringLiteral("\\f");
            continue;
        case U'\n':
            out += QStringLiteral("\\n");
            continue;
        case U'\r':
            out += QStringLiteral("\\r");
            continue;
        case U'\t':
            out += QStringLiteral("\\t");
            continue;
        case U'\v':
            out += QStringLiteral("\\v");
            continue;
        default:
            break;
        }
        if (cp == U' ') {
            out += u' ';
            continue;
        }
        if (cp < 0x20 || cp == 0x7f) {
            out += QStringLiteral("\\x") + QString::number(uint(cp), 16).rightJustified(2, u'0');
            continue;
        }
        if (QChar::isSurrogate(cp)) {
            out += QStringLiteral("\\ufffd");
            continue;
        }
        bool printable = false;
        switch (QChar::category(cp)) {
        case QChar::Letter_Uppercase:
        case QChar::Letter_Lowercase:
        case QChar::Letter_Titlecase:
        case QChar::Letter_Modifier:
        case QChar::Letter_Other:
        case QChar::Mark_NonSpacing:
        case QChar::Mark_SpacingCombining:
        case QChar::Mark_Enclosing:
        case QChar::Number_DecimalDigit:
        case QChar::Number_Letter:
        case QChar::Number_Other:
        case QChar::Punctuation_Connector:
        case QChar::Punctuation_Dash:
        case QChar::Punctuation_Open:
        case QChar::Punctuation_Close:
        case QChar::Punctuation_InitialQuote:
        case QChar::Punctuation_FinalQuote:
        case QChar::Punctuation_Other:
        case QChar::Symbol_Math:
        case QChar::Symbol_Currency:
        case QChar::Symbol_Modifier:
        case QChar::Symbol_Other:
            printable = true;
            break;
        default:
            break;
        }
        if (printable) {
            out += QString::fromUcs4(&cp, 1);
        } else if (cp < 0x10000) {
            out += QStringLiteral("\\u") + QString::number(uint(cp), 16).rightJustified(4, u'0');
        } else {
            out += QStringLiteral("\\U") + QString::number(uint(cp), 16).rightJustified(8, u'0');
        }
    }
    out += u'"';
    return out;
}

std::optional<QString> goUnquote(QStringView literal)
{
    if (literal.size() < 2)
        return std::nullopt;
    const QChar quote = literal.front();
    if (literal.back() != quote)
        return std::nullopt;
    const QStringView in = literal.sliced(1, literal.size() - 2);

    if (quote == u'`') {
        if (in.contains(u'`'))
            return std::nullopt;
        QString out = in.toString();
        out.remove(u'\r');
        return out;
    }
    if (quote != u'"')
        return std::nullopt;
    if (in.contains(u'\n'))
        return std::nullopt;
    if (!in.contains(u'\\')) {
        if (in.contains(u'"'))
            return std::nullopt;
        return in.toString();
    }

    // Escapes like \x and octal produce raw bytes in Go, so the value is built as UTF-8.
    QByteArray out;
    qsizetype i = 0;
    qsizetype plainStart = 0;
    auto flushPlain = [&](qsizetype end) {
        if (end > plainStart)
            out += in.sliced(plainStart, end - plainStart).toUtf8();
    };
    while (i < in.size()) {
        const char16_t c = in[i].unicode();
        if (c == u'"')
            return std::nullopt;
        if (c != u'\\') {
            ++i;
            continue;
        }
        flushPlain(i);
        if (i + 1 >= in.size())
            return std::nullopt;
        const char16_t e = in[i + 1].unicode();
        i += 2;
        switch (e) {
        case u'a':
            out += '\a';
            break;
        case u'b':
            out += '\b';
            break;
        case u'f':
            out += '\f';
            break;
        case u'n':
            out += '\n';
            break;
        case u'r':
            out += '\r';
            break;
        case u't':
            out += '\t';
            break;
        case u'v':
            out += '\v';
            break;
        case u'\\':
            out += '\\';
            break;
        case u'"':
            out += '"';
            break;
        case u'x':
        case u'u':
        case u'U': {
            const int digits = e == u'x' ? 2 : (e == u'u' ? 4 : 8);
            if (in.size() - i < digits)
                return std::nullopt;
            char32_t v = 0;
            for (int j = 0; j < digits; ++j) {
                const int h = hexValue(in[i + j].unicode());
                if (h < 0)
                    return std::nullopt;
                v = (v << 4) | char32_t(h);
            }
            i += digits;
            if (e == u'x') {
                out += char(v);
            } else {
                if (v > 0x10FFFF || (v >= 0xD800 && v <= 0xDFFF))
                    return std::nullopt;
                appendUtf8(out, v);
            }
            break;
        }
        case u'0':
        case u'1':
        case u'2':
        case u'3':
        case u'4':
        case u'5':
        case u'6':
        case u'7': {
            if (in.size() - i < 2)
                return std::nullopt;
            unsigned v = e - u'0';
            for (int j = 0; j < 2; ++j) {
                const char16_t d = in[i + j].unicode();
                if (d < u'0' || d > u'7')
                    return std::nullopt;
                v = (v << 3) | unsigned(d - u'0');
            }
            i += 2;
            if (v > 255)
                return std::nullopt;
            out += char(v);
            break;
        }
        default:
            return std::nullopt;
        }
        plainStart = i;
    }
    flushPlain(in.size());
    return QString::fromUtf8(out);
}

} // namespace qonsul::filter::detail

#include "cli/Output.h"

#include "api/Types.h"

#include <cstdio>

namespace qonsul::cli {

namespace {

void writeTo(FILE *stream, const QByteArray &bytes)
{
    std::fwrite(bytes.constData(), 1, size_t(bytes.size()), stream);
    std::fflush(stream);
}

// Width in characters (code points), as Go counts runes.
qsizetype runeWidth(const QString &s)
{
    qsizetype n = 0;
    for (qsizetype i = 0; i < s.size(); ++i) {
        if (!(s[i].isLowSurrogate() && i > 0 && s[i - 1].isHighSurrogate()))
            ++n;
    }
    return n;
}

} // namespace

void out(const QByteArray &line)
{
    writeTo(stdout, line + '\n');
}

void out(const QString &line)
{
    out(line.toUtf8());
}

void err(const QString &line)
{
    writeTo(stderr, line.toUtf8() + '\n');
}

void writeStdout(const QByteArray &raw)
{
    writeTo(stdout, raw);
}

QString columnize(const QList<QStringList> &rows)
{
    QList<qsizetype> widths;
    QList<QStringList> cells;
    for (const QStringList &row : rows) {
        QStringList trimmed;
        for (qsizetype i = 0; i < row.size(); ++i) {
            trimmed << row[i].trimmed();
            const qsizetype w = runeWidth(trimmed.last());
            if (widths.size() <= i)
                widths << w;
            else
                widths[i] = qMax(widths[i], w);
        }
        cells << trimmed;
    }
    QString result;
    for (const QStringList &row : cells) {
        for (qsizetype i = 0; i < row.size(); ++i) {
            result += row[i];
            if (i == row.size() - 1)
                result += u'\n';
            else
                result += QString(widths[i] - runeWidth(row[i]), u' ') + QStringLiteral("  ");
        }
    }
    if (result.endsWith(u'\n'))
        result.chop(1);
    return result;
}

QString tabwrite(const QList<QStringList> &rows, int padding)
{
    QList<qsizetype> widths;
    for (const QStringList &row : rows) {
        for (qsizetype i = 0; i + 1 < row.size(); ++i) {
            const qsizetype w = runeWidth(row[i]);
            if (widths.size() <= i)
                widths << w;
            else
                widths[i] = qMax(widths[i], w);
        }
    }
    QString result;
    for (const QStringList &row : rows) {
        for (qsizetype i = 0; i < row.size(); ++i) {
            result += row[i];
            if (i + 1 < row.size())
                result += QString(widths[i] + padding - runeWidth(row[i]), u' ');
        }
        result += u'\n';
    }
    return result;
}

QByteArray goJsonString(const QString &s)
{
    QByteArray out;
    api::appendJsonString(out, s);
    return out;
}

QByteArray relayoutJson(const QByteArray &json, int indent, bool useTab)
{
    QByteArray out;
    int depth = 0;
    const QByteArray unit = useTab ? QByteArray("\t") : QByteArray(indent, ' ');
    auto newline = [&] {
        if (indent > 0 || useTab) {
            out += '\n';
            for (int i = 0; i < depth; ++i)
                out += unit;
        }
    };
    const qsizetype n = json.size();
    for (qsizetype i = 0; i < n; ++i) {
        const char c = json[i];
        switch (c) {
        case ' ':
        case '\t':
        case '\n':
        case '\r':
            break;
        case '"': {
            const qsizetype start = i;
            for (++i; i < n && json[i] != '"'; ++i) {
                if (json[i] == '\\')
                    ++i;
            }
            if (i >= n)
                return json;
            out += json.mid(start, i - start + 1);
            break;
        }
        case '{':
        case '[': {
            const char close = c == '{' ? '}' : ']';
            qsizetype j = i + 1;
            while (j < n && QByteArrayView(" \t\r\n").contains(json[j]))
                ++j;
            if (j < n && json[j] == close) {
                out += c;
                out += close;
                i = j;
                break;
            }
            out += c;
            ++depth;
            newline();
            break;
        }
        case '}':
        case ']':
            if (depth == 0)
                return json;
            --depth;
            newline();
            out += c;
            break;
        case ',':
            out += ',';
            newline();
            break;
        case ':':
            out += (indent > 0 || useTab) ? QByteArray(": ") : QByteArray(":");
            break;
        default:
            out += c;
        }
    }
    return depth == 0 ? out : json;
}

} // namespace qonsul::cli

#include "config/Hcl.h"

#include <QJsonArray>
#include <QRegularExpression>
#include <QSet>

namespace qonsul::config {

namespace {

// Deeper nesting than any configuration needs; the limit keeps hostile input off the stack.
constexpr int kMaxDepth = 100;

bool isIdentStart(char c)
{
    return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || c == '_';
}

bool isIdentChar(char c)
{
    return isIdentStart(c) || (c >= '0' && c <= '9') || c == '-' || c == '.';
}

class Parser
{
public:
    explicit Parser(const QByteArray &text)
        : m_text(text)
    {
    }

    std::optional<QJsonObject> parse(QString *error)
    {
        QJsonObject root;
        const bool ok = parseBody(root, false, 0);
        if (!ok) {
            if (error)
                *error = QStringLiteral("At %1: %2").arg(position(m_errorAt), m_error);
            return std::nullopt;
        }
        return root;
    }

private:
    const QByteArray &m_text;
    qsizetype m_pos = 0;
    QString m_error;
    qsizetype m_errorAt = 0;

    bool fail(const QString &what, qsizetype at = -1)
    {
        m_error = what;
        m_errorAt = at < 0 ? m_pos : at;
        return false;
    }

    QString position(qsizetype offset) const
    {
        const TextPosition p = textPosition(m_text, offset);
        return QStringLiteral("%1:%2").arg(p.line).arg(p.column);
    }

    bool atEnd() const { return m_pos >= m_text.size(); }
    char peek(qsizetype ahead = 0) const
    {
        return m_pos + ahead < m_text.size() ? m_text.at(m_pos + ahead) : '\0';
    }

    // Whitespace, newlines and comments.
    bool skipSpace()
    {
        while (!atEnd()) {
            const char c = peek();
            if (c == ' ' || c == '\t' || c == '\r' || c == '\n') {
                ++m_pos;
            } else if (c == '#' || (c == '/' && peek(1) == '/')) {
                while (!atEnd() && peek() != '\n')
                    ++m_pos;
            } else if (c == '/' && peek(1) == '*') {
                const qsizetype start = m_pos;
                const qsizetype end = m_text.indexOf("*/", m_pos + 2);
                if (end < 0)
                    return fail(QStringLiteral("comment not terminated"), start);
                m_pos = end + 2;
            } else {
                break;
            }
        }
        return true;
    }

    // Items up to the end of input (top level) or the closing brace (object / block body).
    bool parseBody(QJsonObject &out, bool braced, int depth)
    {
        const qsizetype open = m_pos - 1;
        QSet<QString> repeated; // keys whose array was made by repeating an object
        for (;;) {
            if (!skipSpace())
                return false;
            if (atEnd()) {
                if (braced)
                    return fail(QStringLiteral("unbalanced braces: '{' is never closed"), open);
                return true;
            }
            if (peek() == '}') {
                if (!braced)
                    return fail(QStringLiteral("unbalanced braces: unexpected '}'"));
                ++m_pos;
                return true;
            }
            const qsizetype keyAt = m_pos;
            QString key;
            if (!parseKey(&key))
                return false;
            if (!skipSpace())
                return false;
            QJsonValue value;
            bool objectValue = false;
            if (peek() == '=') {
                ++m_pos;
                if (!skipSpace())
                    return false;
                objectValue = peek() == '{';
                if (!parseValue(&value, depth + 1))
                    return false;
            } else if (peek() == '{' || peek() == '"' || isIdentStart(peek())) {
                if (!parseBlock(&value, depth + 1))
                    return false;
                objectValue = true;
            } else {
                return fail(
                    QStringLiteral("expected '=' after key \"%1\"").arg(key), atEnd() ? keyAt : m_pos);
            }
            insert(out, key, value, objectValue, repeated);
            if (!skipSpace())
                return false;
            if (peek() == ',')
                ++m_pos;
        }
    }

    // Consul (HCL1) keeps every object given under one key: two make an array of both.
    static void insert(QJsonObject &out, const QString &key, const QJsonValue &value, bool objectValue,
        QSet<QString> &repeated)
    {
        const auto it = out.constFind(key);
        if (!objectValue || it == out.constEnd()) {
            out.insert(key, value);
            repeated.remove(key);
            return;
        }
        if (repeated.contains(key)) {
            QJsonArray items = it->toArray();
            items.append(value);
            out.insert(key, items);
        } else if (it->isObject()) {
            out.insert(key, QJsonArray { *it, value });
            repeated.insert(key);
        } else {
            out.insert(key, value);
        }
    }

    bool parseKey(QString *key)
    {
        if (peek() == '"')
            return parseString(key);
        if (!isIdentStart(peek()))
            return fail(QStringLiteral("expected a key, found '%1'").arg(QChar::fromLatin1(peek())));
        const qsizetype start = m_pos;
        while (!atEnd() && isIdentChar(peek()))
            ++m_pos;
        *key = QString::fromUtf8(m_text.mid(start, m_pos - start));
        return true;
    }

    // After the block name: zero or more labels, then the body; labels nest the body.
    bool parseBlock(QJsonValue *value, int depth)
    {
        if (depth > kMaxDepth)
            return fail(QStringLiteral("nesting too deep"));
        if (peek() == '{') {
            ++m_pos;
            QJsonObject body;
            if (!parseBody(body, true, depth))
                return false;
            *value = body;
            return true;
        }
        QString label;
        if (!parseKey(&label))
            return false;
        if (!skipSpace())
            return false;
        if (peek() != '{' && peek() != '"' && !isIdentStart(peek()))
            return fail(QStringLiteral("expected '{' or a label after block label \"%1\"").arg(label));
        QJsonValue inner;
        if (!parseBlock(&inner, depth + 1))
            return false;
        *value = QJsonObject { { label, inner } };
        return true;
    }

    bool parseValue(QJsonValue *value, int depth)
    {
        if (depth > kMaxDepth)
            return fail(QStringLiteral("nesting too deep"));
        const char c = peek();
        if (c == '"') {
            QString s;
            if (!parseString(&s))
                return false;
            *value = s;
            return true;
        }
        if (c == '<' && peek(1) == '<')
            return parseHeredoc(value);
        if (c == '[')
            return parseList(value, depth);
        if (c == '{') {
            ++m_pos;
            QJsonObject body;
            if (!parseBody(body, true, depth))
                return false;
            *value = body;
            return true;
        }
        if ((c >= '0' && c <= '9') || c == '-' || c == '+' || c == '.')
            return parseNumber(value);
        if (isIdentStart(c)) {
            const qsizetype start = m_pos;
            while (!atEnd() && isIdentChar(peek()))
                ++m_pos;
            const QByteArray word = m_text.mid(start, m_pos - start);
            if (word == "true" || word == "false") {
                *value = word == "true";
                return true;
            }
            return fail(QStringLiteral("unexpected identifier \"%1\"; strings must be quoted")
                            .arg(QString::fromUtf8(word)),
                start);
        }
        if (atEnd())
            return fail(QStringLiteral("expected a value, found end of input"));
        return fail(QStringLiteral("expected a value, found '%1'").arg(QChar::fromLatin1(c)));
    }

    bool parseList(QJsonValue *value, int depth)
    {
        const qsizetype open = m_pos;
        ++m_pos;
        QJsonArray items;
        for (;;) {
            if (!skipSpace())
                return false;
            if (atEnd())
                return fail(QStringLiteral("unbalanced brackets: '[' is never closed"), open);
            if (peek() == ']')
                break;
            QJsonValue item;
            if (!parseValue(&item, depth + 1))
                return false;
            items.append(item);
            if (!skipSpace())
                return false;
            if (peek() == ',') {
                ++m_pos;
                continue;
            }
            if (peek() == ']')
                break;
            if (atEnd())
                return fail(QStringLiteral("unbalanced brackets: '[' is never closed"), open);
            return fail(QStringLiteral("expected ',' or ']' in list"));
        }
        ++m_pos;
        *value = items;
        return true;
    }

    bool parseNumber(QJsonValue *value)
    {
        static const QRegularExpression intRe(QStringLiteral("^[+-]?[0-9]+$"));
        static const QRegularExpression hexRe(QStringLiteral("^[+-]?0[xX][0-9a-fA-F]+$"));
        static const QRegularExpression floatRe(
            QStringLiteral("^[+-]?[0-9]+(\\.[0-9]+)?([eE][+-]?[0-9]+)?$"));
        const qsizetype start = m_pos;
        while (!atEnd() && (isIdentChar(peek()) || peek() == '+'))
            ++m_pos;
        const QString token = QString::fromLatin1(m_text.mid(start, m_pos - start));
        bool ok = false;
        if (intRe.match(token).hasMatch()) {
            const qlonglong n = token.toLongLong(&ok);
            if (ok) {
                *value = n;
                return true;
            }
        } else if (hexRe.match(token).hasMatch()) {
            const bool negative = token.startsWith(u'-');
            const qsizetype digits = token.indexOf(u'x', 0, Qt::CaseInsensitive) + 1;
            const qlonglong n = token.mid(digits).toLongLong(&ok, 16);
            if (ok) {
                *value = negative ? -n : n;
                return true;
            }
        } else if (floatRe.match(token).hasMatch()) {
            const double d = token.toDouble(&ok);
            if (ok && qIsFinite(d)) {
                *value = d;
                return true;
            }
        }
        return fail(QStringLiteral("invalid number \"%1\"").arg(token), start);
    }

    bool hex(qsizetype count, uint *out)
    {
        uint v = 0;
        for (qsizetype i = 0; i < count; ++i) {
            const char c = peek();
            int d;
            if (c >= '0' && c <= '9')
                d = c - '0';
            else if (c >= 'a' && c <= 'f')
                d = c - 'a' + 10;
            else if (c >= 'A' && c <= 'F')
                d = c - 'A' + 10;
            else
                return false;
            v = v * 16 + uint(d);
            ++m_pos;
        }
        *out = v;
        return true;
    }

    bool parseString(QString *out)
    {
        const qsizetype open = m_pos;
        ++m_pos;
        QByteArray bytes; // UTF-8 as written, escapes decoded
        for (;;) {
            if (atEnd() || peek() == '\n')
                return fail(QStringLiteral("unterminated string"), open);
            const char c = peek();
            ++m_pos;
            if (c == '"')
                break;
            if (c != '\\') {
                bytes.append(c);
                continue;
            }
            const qsizetype escapeAt = m_pos - 1;
            const char e = peek();
            ++m_pos;
            switch (e) {
            case 'n':
                bytes.append('\n');
                break;
            case 't':
                bytes.append('\t');
                break;
            case 'r':
                bytes.append('\r');
                break;
            case '"':
            case '\\':
                bytes.append(e);
                break;
            case 'u':
            case 'U': {
                uint code = 0;
                if (!hex(e == 'u' ? 4 : 8, &code) || code > 0x10FFFF || (code >= 0xD800 && code <= 0xDFFF))
                    return fail(QStringLiteral("invalid unicode escape"), escapeAt);
                const char32_t ch = code;
                bytes.append(QString::fromUcs4(&ch, 1).toUtf8());
                break;
            }
            default:
                return fail(QStringLiteral("invalid escape sequence"), escapeAt);
            }
        }
        *out = QString::fromUtf8(bytes);
        return true;
    }

    // <<ANCHOR\n lines \nANCHOR; the value is the lines, each ending in "\n". With <<-ANCHOR the
    // common leading whitespace of the lines is removed.
    bool parseHeredoc(QJsonValue *value)
    {
        const qsizetype open = m_pos;
        m_pos += 2;
        const bool indented = peek() == '-';
        if (indented)
            ++m_pos;
        const qsizetype anchorStart = m_pos;
        while (!atEnd() && isIdentChar(peek()))
            ++m_pos;
        const QByteArray anchor = m_text.mid(anchorStart, m_pos - anchorStart);
        if (anchor.isEmpty())
            return fail(QStringLiteral("heredoc needs an anchor after <<"), open);
        if (peek() == '\r')
            ++m_pos;
        if (peek() != '\n')
            return fail(QStringLiteral("heredoc anchor must end the line"));
        ++m_pos;
        QList<QByteArray> lines;
        for (;;) {
            if (atEnd())
                return fail(
                    QStringLiteral("unterminated heredoc: no line \"%1\"").arg(QString::fromUtf8(anchor)),
                    open);
            qsizetype end = m_text.indexOf('\n', m_pos);
            if (end < 0)
                end = m_text.size();
            QByteArray line = m_text.mid(m_pos, end - m_pos);
            if (line.endsWith('\r'))
                line.chop(1);
            m_pos = qMin(end + 1, m_text.size());
            if (line.trimmed() == anchor) {
                m_pos = end; // the newline is left for skipSpace
                break;
            }
            lines.append(line);
        }
        if (indented) {
            qsizetype indent = -1;
            for (const QByteArray &line : std::as_const(lines)) {
                if (line.trimmed().isEmpty())
                    continue;
                qsizetype n = 0;
                while (n < line.size() && (line.at(n) == ' ' || line.at(n) == '\t'))
                    ++n;
                indent = indent < 0 ? n : qMin(indent, n);
            }
            for (QByteArray &line : lines)
                line = line.mid(qMin(qMax(indent, qsizetype(0)), line.size()));
        }
        QByteArray text;
        for (const QByteArray &line : std::as_const(lines))
            text += line + '\n';
        *value = QString::fromUtf8(text);
        return true;
    }
};

} // namespace

TextPosition textPosition(const QByteArray &text, qsizetype offset)
{
    TextPosition p;
    for (qsizetype i = 0; i < offset && i < text.size(); ++i) {
        if (text.at(i) == '\n') {
            ++p.line;
            p.column = 1;
        } else {
            ++p.column;
        }
    }
    return p;
}

std::optional<QJsonObject> parseHcl(const QByteArray &text, QString *error)
{
    return Parser(text).parse(error);
}

} // namespace qonsul::config

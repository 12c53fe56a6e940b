#include "FilterParser_p.h"

#include "GoStrconv_p.h"

#include <algorithm>

// The grammar, as accepted by go-bexpr v0.1.2 (the release Consul's servers use):
//
//   Input        <- _? "(" _? Or _? ")" _? EOF / _? Or _? EOF
//   Or           <- And _ "or" _ Or / And
//   And          <- Not _ "and" _ And / Not
//   Not          <- "not" _ Not / Paren
//   Paren        <- "(" _? Or _? ")" / Match / "(" _? Or _? !")" <error "Unmatched parentheses">
//   Match        <- Selector (EqOp / NeOp / Contains / NotContains / Matches / NotMatches) Value
//                 / Selector (IsEmpty / IsNotEmpty)
//                 / Value (In / NotIn) Selector
//                 / Value (In / NotIn) !Selector <error "Invalid selector">
//   EqOp <- _? "==" _?      NeOp <- _? "!=" _?      IsEmpty <- _ "is" _ "empty"
//   IsNotEmpty <- _ "is" _ "not" _ "empty"           In <- _ "in" _      NotIn <- _ "not" _ "in" _
//   Contains <- _ "contains" _     NotContains <- _ "not" _ "contains" _   (same as In / NotIn)
//   Matches <- _ "matches" _       NotMatches <- _ "not" _ "matches" _
//   Selector     <- Identifier ("." Identifier / Index)*
//   Identifier   <- [a-zA-Z] [a-zA-Z0-9_]*
//   Index        <- "[" _? String _? "]" / "[" _? !String <error "Invalid index">
//                 / "[" _? String _? !"]" <error "Unclosed index expression">
//   Value        <- Selector (its segments joined by ".") / Number / String
//   Number       <- "-"? ("0" / [1-9][0-9]*) ("." [0-9]+)? followed by whitespace, end or ")",
//                   otherwise <error "Invalid number literal">
//   String       <- "`" (!"`" .)* "`" / '"' (!'"' .)* '"'   (then Go's strconv.Unquote)
//                 / unterminated at the end of input <error "Unterminated string literal">
//   _            <- [ \t\r\n]+
//
// A PEG tries alternatives in order and backtracks; the failure bookkeeping mirrors pigeon's: every
// terminal that fails at the furthest position reached so far is remembered (inside a `!` predicate
// it is the successes that count, marked with "!"), and if the parse fails without a custom error the
// message lists them. Alternatives that would re-parse the same text with the same outcome (the
// right-recursive Or/And, and Paren's third branch) are computed once: the result, the errors and the
// set of expectations are identical, and the parse stays linear instead of exponential in nesting.

namespace qonsul::filter::detail {

namespace {

struct Lit
{
    QLatin1StringView text;
    const char *want; // Go-quoted, as pigeon prints it
};

const Lit kOpenParen { QLatin1StringView("("), "\"(\"" };
const Lit kCloseParen { QLatin1StringView(")"), "\")\"" };
const Lit kOr { QLatin1StringView("or"), "\"or\"" };
const Lit kAnd { QLatin1StringView("and"), "\"and\"" };
const Lit kNot { QLatin1StringView("not"), "\"not\"" };
const Lit kEq { QLatin1StringView("=="), "\"==\"" };
const Lit kNe { QLatin1StringView("!="), "\"!=\"" };
const Lit kIs { QLatin1StringView("is"), "\"is\"" };
const Lit kEmpty { QLatin1StringView("empty"), "\"empty\"" };
const Lit kIn { QLatin1StringView("in"), "\"in\"" };
const Lit kContains { QLatin1StringView("contains"), "\"contains\"" };
const Lit kMatches { QLatin1StringView("matches"), "\"matches\"" };
const Lit kDot { QLatin1StringView("."), "\".\"" };
const Lit kOpenBracket { QLatin1StringView("["), "\"[\"" };
const Lit kCloseBracket { QLatin1StringView("]"), "\"]\"" };
const Lit kMinus { QLatin1StringView("-"), "\"-\"" };
const Lit kZero { QLatin1StringView("0"), "\"0\"" };
const Lit kBacktick { QLatin1StringView("`"), "\"`\"" };
const Lit kQuote { QLatin1StringView("\""), "\"\\\"\"" };

const char *const kWantWs = "[ \\t\\r\\n]";
const char *const kWantAlpha = "[a-zA-Z]";
const char *const kWantAlnum = "[a-zA-Z0-9_]";
const char *const kWant19 = "[1-9]";
const char *const kWant09 = "[0-9]";
const char *const kWantAny = ".";

bool isWs(char16_t c)
{
    return c == u' ' || c == u'\t' || c == u'\r' || c == u'\n';
}
bool isAlpha(char16_t c)
{
    return (c >= u'a' && c <= u'z') || (c >= u'A' && c <= u'Z');
}
bool isAlnum(char16_t c)
{
    return isAlpha(c) || (c >= u'0' && c <= u'9') || c == u'_';
}
bool is19(char16_t c)
{
    return c >= u'1' && c <= u'9';
}
bool is09(char16_t c)
{
    return c >= u'0' && c <= u'9';
}

Node makeMatch(QStringList path, MatchOp op, std::optional<QString> value)
{
    Node n;
    n.kind = Node::Kind::Match;
    n.match = std::make_unique<MatchExpr>();
    n.match->path = std::move(path);
    n.match->op = op;
    n.match->hasValue = value.has_value();
    if (value)
        n.match->raw = std::move(*value);
    return n;
}

class Parser
{
public:
    explicit Parser(QStringView in)
        : m_in(in)
    {
    }

    std::optional<Node> run(QString *error)
    {
        std::optional<Node> result = input();
        if (m_tooDeep) {
            if (error)
                *error = QStringLiteral("%1: expression nests parentheses or \"not\" deeper than %2 levels")
                             .arg(position(m_tooDeepPos))
                             .arg(kMaxNesting);
            return std::nullopt;
        }
        if (result && m_errors.empty())
            return result;
        if (!result && m_errors.empty())
            addNoMatchError();
        if (error)
            *error = formatErrors();
        return std::nullopt;
    }

private:
    struct Expected
    {
        const char *want;
        bool inverted;
    };
    struct Error
    {
        qsizetype pos;
        const char *rule; // nullptr: no rule prefix
        QString message;
    };

    // ---- failure bookkeeping (pigeon's failAt / addErrAt) ----

    void failAt(bool matched, qsizetype pos, const char *want)
    {
        if (matched != m_invert)
            return;
        if (pos < m_maxFailPos)
            return;
        if (pos > m_maxFailPos) {
            m_maxFailPos = pos;
            m_expected.clear();
        }
        m_expected.push_back({ want, m_invert });
    }

    void addError(qsizetype pos, const char *rule, QString message)
    {
        m_errors.push_back({ pos, rule, std::move(message) });
    }

    // "line:col (byte offset)" with pigeon's conventions: columns count code points from 1, and the
    // position of a newline character itself is column 0 of the following line.
    QString position(qsizetype pos) const
    {
        int line = 1;
        int col = 0;
        qsizetype offset = 0;
        qsizetype i = 0;
        while (i <= pos) {
            ++col;
            if (i >= m_in.size())
                break;
            char32_t cp = m_in[i].unicode();
            qsizetype width = 1;
            if (m_in[i].isHighSurrogate() && i + 1 < m_in.size() && m_in[i + 1].isLowSurrogate()) {
                cp = QChar::surrogateToUcs4(m_in[i], m_in[i + 1]);
                width = 2;
            }
            if (cp == U'\n') {
                ++line;
                col = 0;
            }
            if (i == pos)
                break;
            offset += cp < 0x80 ? 1 : cp < 0x800 ? 2 : cp < 0x10000 ? 3 : 4;
            i += width;
        }
        return QStringLiteral("%1:%2 (%3)").arg(line).arg(col).arg(offset);
    }

    void addNoMatchError()
    {
        std::vector<QString> wants;
        bool eofExpected = false;
        for (const Expected &e : m_expected) {
            QString w
                = e.inverted ? QStringLiteral("!") + QLatin1StringView(e.want) : QString::fromLatin1(e.want);
            if (w == QLatin1StringView("!.")) {
                eofExpected = true;
                continue;
            }
            wants.push_back(std::move(w));
        }
        std::sort(wants.begin(), wants.end());
        wants.erase(std::unique(wants.begin(), wants.end()), wants.end());
        if (eofExpected)
            wants.push_back(QStringLiteral("EOF"));
        QString list;
        for (size_t i = 0; i < wants.size(); ++i) {
            if (i > 0)
                list += (i + 1 == wants.size()) ? QStringLiteral(" or ") : QStringLiteral(", ");
            list += wants[i];
        }
        addError(m_maxFailPos, nullptr, QStringLiteral("no match found, expected: ") + list);
    }

    QString formatErrors() const
    {
        QStringList lines;
        for (const Error &e : m_errors) {
            QString line = position(e.pos);
            if (e.rule)
                line += QStringLiteral(": rule \"") + QLatin1StringView(e.rule) + u'"';
            line += QStringLiteral(": ") + e.message;
            if (!lines.contains(line))
                lines.push_back(line);
        }
        return lines.join(u'\n');
    }

    // ---- terminals ----

    bool lit(const Lit &l)
    {
        const qsizetype start = m_pos;
        if (m_in.sliced(m_pos).startsWith(l.text)) {
            m_pos += l.text.size();
            failAt(true, start, l.want);
            return true;
        }
        failAt(false, start, l.want);
        return false;
    }

    bool cls(bool (*pred)(char16_t), const char *want)
    {
        if (m_pos < m_in.size() && pred(m_in[m_pos].unicode())) {
            failAt(true, m_pos, want);
            ++m_pos;
            return true;
        }
        failAt(false, m_pos, want);
        return false;
    }

    // "." : any one code point.
    bool anyChar()
    {
        if (m_pos >= m_in.size()) {
            failAt(false, m_pos, kWantAny);
            return false;
        }
        const qsizetype start = m_pos;
        if (m_in[m_pos].isHighSurrogate() && m_pos + 1 < m_in.size() && m_in[m_pos + 1].isLowSurrogate())
            m_pos += 2;
        else
            ++m_pos;
        failAt(true, start, kWantAny);
        return true;
    }

    template<class F> bool notPredicate(F &&f)
    {
        const qsizetype start = m_pos;
        m_invert = !m_invert;
        const bool ok = f();
        m_invert = !m_invert;
        m_pos = start;
        return !ok;
    }

    template<class F> bool andPredicate(F &&f)
    {
        const qsizetype start = m_pos;
        const bool ok = f();
        m_pos = start;
        return ok;
    }

    bool eof()
    {
        return notPredicate([this] { return anyChar(); });
    }

    // _ <- [ \t\r\n]+
    bool ws()
    {
        if (!cls(isWs, kWantWs))
            return false;
        while (cls(isWs, kWantWs)) { }
        return true;
    }

    void wsOpt() { ws(); }

    // ---- rules ----

    std::optional<Node> input()
    {
        const qsizetype start = m_pos;
        wsOpt();
        if (lit(kOpenParen)) {
            wsOpt();
            Node e;
            if (orExpr(e)) {
                wsOpt();
                if (lit(kCloseParen)) {
                    wsOpt();
                    if (eof())
                        return e;
                }
            }
        }
        m_pos = start;
        wsOpt();
        Node e;
        if (orExpr(e)) {
            wsOpt();
            if (eof())
                return e;
        }
        m_pos = start;
        return std::nullopt;
    }

    // Or and And are right-recursive in the grammar; parsing the operands in a loop accepts exactly the
    // same inputs with the same failures and yields one n-ary node.
    bool orExpr(Node &out) { return binaryChain(out, kOr, Node::Kind::Or); }
    bool andExpr(Node &out) { return binaryChain(out, kAnd, Node::Kind::And); }

    bool operand(Node &out, Node::Kind kind) { return kind == Node::Kind::Or ? andExpr(out) : notExpr(out); }

    bool binaryChain(Node &out, const Lit &keyword, Node::Kind kind)
    {
        Node first;
        if (!operand(first, kind))
            return false;
        std::vector<Node> items;
        items.push_back(std::move(first));
        for (;;) {
            const qsizetype save = m_pos;
            Node next;
            if (ws() && lit(keyword) && ws() && operand(next, kind)) {
                items.push_back(std::move(next));
                continue;
            }
            m_pos = save;
            break;
        }
        if (items.size() == 1) {
            out = std::move(items.front());
        } else {
            out = Node();
            out.kind = kind;
            out.children = std::move(items);
        }
        return true;
    }

    bool notExpr(Node &out)
    {
        if (m_tooDeep)
            return false;
        if (m_depth >= kMaxNesting) {
            m_tooDeep = true;
            m_tooDeepPos = m_pos;
            return false;
        }
        ++m_depth;
        const qsizetype start = m_pos;
        bool ok = false;
        Node inner;
        if (lit(kNot) && ws() && notExpr(inner)) {
            if (inner.kind == Node::Kind::Not) {
                Node unwrapped = std::move(inner.children.front());
                out = std::move(unwrapped);
            } else {
                out = Node();
                out.kind = Node::Kind::Not;
                out.children.push_back(std::move(inner));
            }
            ok = true;
        } else {
            m_pos = start;
            ok = parenExpr(out);
        }
        --m_depth;
        return ok;
    }

    bool parenExpr(Node &out)
    {
        const qsizetype start = m_pos;
        bool innerParsed = false;
        qsizetype afterInner = -1;
        if (lit(kOpenParen)) {
            wsOpt();
            Node e;
            if (orExpr(e)) {
                innerParsed = true;
                wsOpt();
                afterInner = m_pos;
                if (lit(kCloseParen)) {
                    out = std::move(e);
                    return true;
                }
            }
        }
        m_pos = start;
        if (matchExpr(out))
            return true;
        m_pos = start;
        // Third branch: the same "(" _? Or _? as the first, then !")" (which can only succeed here,
        // and records nothing when it does) and the error.
        if (innerParsed)
            addError(afterInner, "grouping", QStringLiteral("Unmatched parentheses"));
        m_pos = start;
        return false;
    }

    bool matchExpr(Node &out)
    {
        const qsizetype start = m_pos;
        QStringList sel;
        MatchOp op = MatchOp::Equal;
        QString val;

        if (selector(sel) && selectorOpValueOperator(op) && value(val)) {
            out = makeMatch(std::move(sel), op, std::move(val));
            return true;
        }
        m_pos = start;
        if (selector(sel) && emptinessOperator(op)) {
            out = makeMatch(std::move(sel), op, std::nullopt);
            return true;
        }
        m_pos = start;
        if (value(val) && inOperator(op) && selector(sel)) {
            out = makeMatch(std::move(sel), op, std::move(val));
            return true;
        }
        m_pos = start;
        if (value(val) && inOperator(op)) {
            if (notPredicate([this] {
                    QStringList ignored;
                    return selector(ignored);
                }))
                addError(m_pos, "match", QStringLiteral("Invalid selector"));
        }
        m_pos = start;
        return false;
    }

    // MatchEqual / MatchNotEqual / MatchContains / MatchNotContains / MatchMatches / MatchNotMatches
    bool selectorOpValueOperator(MatchOp &op)
    {
        const qsizetype start = m_pos;
        wsOpt();
        if (lit(kEq)) {
            wsOpt();
            op = MatchOp::Equal;
            return true;
        }
        m_pos = start;
        wsOpt();
        if (lit(kNe)) {
            wsOpt();
            op = MatchOp::NotEqual;
            return true;
        }
        m_pos = start;
        if (ws() && lit(kContains) && ws()) {
            op = MatchOp::In;
            return true;
        }
        m_pos = start;
        if (ws() && lit(kNot) && ws() && lit(kContains) && ws()) {
            op = MatchOp::NotIn;
            return true;
        }
        m_pos = start;
        if (ws() && lit(kMatches) && ws()) {
            op = MatchOp::Matches;
            return true;
        }
        m_pos = start;
        if (ws() && lit(kNot) && ws() && lit(kMatches) && ws()) {
            op = MatchOp::NotMatches;
            return true;
        }
        m_pos = start;
        return false;
    }

    bool emptinessOperator(MatchOp &op)
    {
        const qsizetype start = m_pos;
        if (ws() && lit(kIs) && ws() && lit(kEmpty)) {
            op = MatchOp::IsEmpty;
            return true;
        }
        m_pos = start;
        if (ws() && lit(kIs) && ws() && lit(kNot) && ws() && lit(kEmpty)) {
            op = MatchOp::IsNotEmpty;
            return true;
        }
        m_pos = start;
        return false;
    }

    bool inOperator(MatchOp &op)
    {
        const qsizetype start = m_pos;
        if (ws() && lit(kIn) && ws()) {
            op = MatchOp::In;
            return true;
        }
        m_pos = start;
        if (ws() && lit(kNot) && ws() && lit(kIn) && ws()) {
            op = MatchOp::NotIn;
            return true;
        }
        m_pos = start;
        return false;
    }

    bool identifier(QString &out)
    {
        const qsizetype start = m_pos;
        if (!cls(isAlpha, kWantAlpha))
            return false;
        while (cls(isAlnum, kWantAlnum)) { }
        out = m_in.sliced(start, m_pos - start).toString();
        return true;
    }

    bool selector(QStringList &path)
    {
        path.clear();
        QString first;
        if (!identifier(first))
            return false;
        path.push_back(std::move(first));
        for (;;) {
            const qsizetype save = m_pos;
            QString segment;
            if (lit(kDot) && identifier(segment)) {
                path.push_back(std::move(segment));
                continue;
            }
            m_pos = save;
            if (indexExpr(segment)) {
                path.push_back(std::move(segment));
                continue;
            }
            m_pos = save;
            return true;
        }
    }

    bool indexExpr(QString &out)
    {
        const qsizetype start = m_pos;
        if (lit(kOpenBracket)) {
            wsOpt();
            if (stringLiteral(out)) {
                wsOpt();
                if (lit(kCloseBracket))
                    return true;
            }
        }
        m_pos = start;
        if (lit(kOpenBracket)) {
            wsOpt();
            if (notPredicate([this] {
                    QString ignored;
                    return stringLiteral(ignored);
                }))
                addError(m_pos, "index", QStringLiteral("Invalid index"));
        }
        m_pos = start;
        if (lit(kOpenBracket)) {
            wsOpt();
            QString ignored;
            if (stringLiteral(ignored)) {
                wsOpt();
                if (notPredicate([this] { return lit(kCloseBracket); }))
                    addError(m_pos, "index", QStringLiteral("Unclosed index expression"));
            }
        }
        m_pos = start;
        return false;
    }

    bool value(QString &raw)
    {
        const qsizetype start = m_pos;
        QStringList sel;
        if (selector(sel)) {
            raw = sel.join(u'.');
            return true;
        }
        m_pos = start;
        if (numberLiteral(raw))
            return true;
        m_pos = start;
        if (stringLiteral(raw))
            return true;
        m_pos = start;
        return false;
    }

    // AfterNumbers <- &(_ / EOF / ")")
    bool afterNumbers()
    {
        return andPredicate([this] {
            const qsizetype start = m_pos;
            if (ws())
                return true;
            m_pos = start;
            if (eof())
                return true;
            m_pos = start;
            return lit(kCloseParen);
        });
    }

    // ("0" / [1-9][0-9]*) ("." [0-9]+)?
    bool integerOrFloat()
    {
        const qsizetype start = m_pos;
        if (!lit(kZero)) {
            if (!cls(is19, kWant19)) {
                m_pos = start;
                return false;
            }
            while (cls(is09, kWant09)) { }
        }
        const qsizetype beforeFraction = m_pos;
        if (lit(kDot) && cls(is09, kWant09)) {
            while (cls(is09, kWant09)) { }
        } else {
            m_pos = beforeFraction;
        }
        return true;
    }

    bool numberLiteral(QString &raw)
    {
        const qsizetype start = m_pos;
        lit(kMinus);
        if (integerOrFloat() && andPredicate([this] { return afterNumbers(); })) {
            raw = m_in.sliced(start, m_pos - start).toString();
            return true;
        }
        m_pos = start;
        lit(kMinus);
        if (integerOrFloat() && notPredicate([this] { return afterNumbers(); }))
            addError(m_pos, "number", QStringLiteral("Invalid number literal"));
        m_pos = start;
        return false;
    }

    // One character of a quoted string: !quote .
    bool stringChar(const Lit &quote)
    {
        const qsizetype start = m_pos;
        if (notPredicate([&] { return lit(quote); }) && anyChar())
            return true;
        m_pos = start;
        return false;
    }

    bool quotedBody(const Lit &quote, bool needClose)
    {
        if (!lit(quote))
            return false;
        while (stringChar(quote)) { }
        return !needClose || lit(quote);
    }

    bool stringLiteral(QString &out)
    {
        const qsizetype start = m_pos;
        bool closed = quotedBody(kBacktick, true);
        if (!closed) {
            m_pos = start;
            closed = quotedBody(kQuote, true);
        }
        if (closed) {
            const std::optional<QString> v = goUnquote(m_in.sliced(start, m_pos - start));
            if (v) {
                out = *v;
            } else {
                out.clear();
                addError(start, "string", QStringLiteral("invalid syntax"));
            }
            return true;
        }
        m_pos = start;
        bool open = quotedBody(kBacktick, false);
        if (!open) {
            m_pos = start;
            open = quotedBody(kQuote, false);
        }
        if (open && eof())
            addError(m_pos, "string", QStringLiteral("Unterminated string literal"));
        m_pos = start;
        return false;
    }

    QStringView m_in;
    qsizetype m_pos = 0;
    qsizetype m_maxFailPos = 0;
    std::vector<Expected> m_expected;
    bool m_invert = false;
    std::vector<Error> m_errors;
    int m_depth = 0;
    bool m_tooDeep = false;
    qsizetype m_tooDeepPos = 0;
};

} // namespace

std::optional<Node> parseExpression(QStringView input, QString *error)
{
    return Parser(input).run(error);
}

} // namespace qonsul::filter::detail

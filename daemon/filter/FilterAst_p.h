#pragma once

// Internal: the syntax tree of a filter expression, built once by the parser and then annotated with
// pre-coerced values and compiled regular expressions so evaluation does no parsing per item.

#include <QRegularExpression>
#include <QString>
#include <QStringList>

#include <memory>
#include <optional>
#include <vector>

namespace qonsul::filter::detail {

struct SchemaNode;

enum class MatchOp : quint8
{
    Equal,
    NotEqual,
    In,
    NotIn,
    IsEmpty,
    IsNotEmpty,
    Matches,
    NotMatches
};

// bexpr's names for the operators, as they appear in its error messages.
inline const char *matchOpName(MatchOp op)
{
    switch (op) {
    case MatchOp::Equal:
        return "Equal";
    case MatchOp::NotEqual:
        return "Not Equal";
    case MatchOp::In:
        return "In";
    case MatchOp::NotIn:
        return "Not In";
    case MatchOp::IsEmpty:
        return "Is Empty";
    case MatchOp::IsNotEmpty:
        return "Is Not Empty";
    case MatchOp::Matches:
        return "Matches";
    case MatchOp::NotMatches:
        return "Not Matches";
    }
    return "UNKNOWN";
}

struct MatchExpr
{
    QStringList path; // selector segments, e.g. {"Service", "Meta", "env"}
    MatchOp op = MatchOp::Equal;
    bool hasValue = false; // false for is empty / is not empty
    QString raw; // the value as written (unquoted), or a selector value joined with "."

    // Value coercions computed once at parse time; the matching error text is kept for dynamic mode,
    // where the target type is only known per item.
    std::optional<qint64> asInt;
    std::optional<quint64> asUint;
    std::optional<double> asFloat;
    std::optional<bool> asBool;
    QString intError;
    QString floatError;
    QString boolError;
    QRegularExpression regex; // valid only for Matches / NotMatches

    // Typed mode only: the declared type reached by each selector segment, and the leaf type.
    std::vector<const SchemaNode *> segmentTypes;
    const SchemaNode *leafType = nullptr;

    QString selectorText() const { return path.join(u'.'); }
};

struct Node
{
    enum class Kind : quint8
    {
        And,
        Or,
        Not,
        Match
    };
    Kind kind = Kind::Match;
    std::vector<Node> children; // And / Or: two or more, Not: exactly one
    std::unique_ptr<MatchExpr> match; // Match only; boxed to keep parser stack frames small
};

} // namespace qonsul::filter::detail

#pragma once

// Consul's `?filter=` expression language (HashiCorp go-bexpr, as used by Consul's servers).
//
//   auto filter = Filter::parse(u"Service.Meta.env == prod and \"primary\" in Service.Tags", &error);
//   if (!filter) -> HTTP 500 with `error` (Consul answers malformed filters with 500 and this text)
//   for each item rendered to JSON: if (filter->matches(item, &error)) keep it
//
// Grammar: selectors are dotted names (`Service.Meta.env`) starting with an ASCII letter and made of
// letters, digits and underscores; a segment that is not such a name is written as an index with a
// quoted string: `Meta["some-key"]` or Meta[`x`] (bexpr has no `Meta."x"` form). Operators:
//   <sel> == <val>   <sel> != <val>   <sel> is empty   <sel> is not empty
//   <val> in <sel>   <val> not in <sel>   <sel> contains <val>   <sel> not contains <val>
//   <sel> matches <regex>   <sel> not matches <regex>
// joined with `and`, `or`, `not` (precedence not > and > or) and parentheses. Values are numbers
// (-1, 0.5; no exponents, no leading zeros), "double-quoted" strings with Go escapes, `raw` strings,
// or bare selector-like words (`Status == passing` compares with the text "passing"). Names are
// matched case-sensitively.
//
// Semantics follow bexpr: the value is coerced to the field's type (Port == "80" and Port == 80 are
// the same test; a bool field takes 1/t/true/0/f/false...; ints take Go literals like 0x1F); `in` /
// `contains` test element equality on lists, key presence on maps and substrings on strings; a
// selector that passes through a list tests its elements and is true if any element matches
// (`Checks.Status == critical`); a missing map key makes ==, in and is not empty false and !=,
// not in, is empty, matches and not matches true (the last is a quirk of the bexpr release Consul
// ships, kept for compatibility).
//
// Two modes:
//  - Without a Schema the JSON itself decides types: objects are maps and structs alike (a missing
//    member behaves as a missing map key), and type errors (`Port contains 8`, `Port == abc`) surface
//    from matches() when an item reaches them, with the text Consul would have answered. It is more
//    lenient in one place: `is empty` also works on strings (Consul rejects it there).
//  - With a Schema (the Go type of the listed items) parse() rejects what Consul rejects up front
//    with Consul's messages (`Selector "Foo" is not valid`, `Invalid match operator "Is Empty" for
//    selector "Service.Address"`, `Failed to coerce value ...`), members absent from the JSON read as
//    Go zero values, and matches() never fails.
//
// A Filter is immutable once parsed (values pre-coerced, regexes compiled) and cheap to copy;
// matches() may run concurrently from several threads. Regexes use QRegularExpression (PCRE2), which
// accepts a superset of Go's RE2 syntax.

#include <QJsonArray>
#include <QJsonObject>
#include <QJsonValue>
#include <QString>
#include <QStringView>

#include <memory>
#include <optional>
#include <utility>
#include <vector>

namespace qonsul::filter {

namespace detail {
struct SchemaNode;
struct Node;
} // namespace detail

// The Go type behind the JSON items an endpoint filters, i.e. bexpr's field configurations: which
// selectors exist, and how values are coerced and compared.
class Schema
{
public:
    static Schema string();
    static Schema boolean();
    static Schema integer(int bits = 64); // Go int / int8 ... int64
    static Schema unsignedInteger(int bits = 64); // Go uint / uint8 ... uint64
    static Schema floatingPoint(int bits = 64); // Go float32 / float64
    static Schema list(const Schema &element); // Go slice
    static Schema map(const Schema &value); // Go map[string]T
    static Schema structure(std::vector<std::pair<QString, Schema>> fields); // Go struct

    // Compact notation: "string", "bool", "int", "int8".."int64", "uint", "uint8".."uint64",
    // "float32", "float64"; [T] a list; {"*": T} a map; any other object a struct whose members are
    // its fields, e.g. {"Node": "string", "Meta": {"*": "string"}, "Tags": ["string"], "Port": "int"}.
    static std::optional<Schema> fromJson(const QJsonValue &description, QString *error = nullptr);

    Schema(const Schema &) = default;
    Schema &operator=(const Schema &) = default;
    ~Schema();

private:
    friend class Filter;
    explicit Schema(std::shared_ptr<const detail::SchemaNode> node);
    std::shared_ptr<const detail::SchemaNode> m_node;
};

class Filter
{
public:
    // nullopt + *error when the expression is malformed (or, with a schema, invalid for the type).
    // The message is Consul's, e.g. `Failed to create boolean expression evaluator: 1:4 (3): no match
    // found, expected: "!=", ".", "==", "[", [ \t\r\n] or [a-zA-Z0-9_]`. An empty expression is
    // valid and matches everything (Consul ignores an empty filter).
    static std::optional<Filter> parse(QStringView expression, QString *error);
    static std::optional<Filter> parse(QStringView expression, const Schema &schema, QString *error);

    // Evaluates against one item as rendered to JSON by the API (PascalCase member names). Returns
    // false and sets *error if evaluation fails (only possible without a schema; Consul fails the
    // whole request in that case, so callers should answer 500 with the message).
    bool matches(const QJsonValue &item, QString *error = nullptr) const;
    bool matches(const QJsonObject &item, QString *error = nullptr) const;

    // Convenience for list endpoints: the items that match, in order. nullopt + *error as matches().
    std::optional<QJsonArray> filterArray(const QJsonArray &items, QString *error = nullptr) const;
    // For endpoints that return a JSON object keyed by ID (/v1/agent/services, /v1/agent/checks):
    // keeps the members whose value matches.
    std::optional<QJsonObject> filterObjectValues(const QJsonObject &items, QString *error = nullptr) const;

    bool isMatchAll() const { return m_root == nullptr; }
    QString expression() const { return m_expression; }

private:
    Filter() = default;
    std::shared_ptr<const detail::Node> m_root; // null: empty expression
    std::shared_ptr<const detail::SchemaNode> m_schema; // null: dynamic mode
    QString m_expression;
};

} // namespace qonsul::filter

#pragma once
// A hand-written parser for the HCL (version 1) subset Consul configuration files use, producing
// the JSON object Consul's loader would see, so HCL and JSON files share one code path:
//   key = value            attributes; keys are identifiers (letters, digits, _ - .) or "quoted"
//   "str" 12 -3.5 1e3 true false [a, b,]  { k = v }   values; strings take \n \t \r \" \\ \uXXXX
//   name { ... }           block: "name": {...}
//   name "a" "b" { ... }   labelled block: "name": {"a": {"b": {...}}}
//   a block or object value given twice under one key becomes an array of objects, as in Consul
//   (service { } service { } → "service": [{...}, {...}]); a repeated plain value: the last wins
//   <<EOF ... EOF, <<-EOF  heredocs (the "-" form strips the common indentation)
//   # and // line comments, /* */ block comments
// Errors read "At L:C: what" (1-based line and byte column), as Consul's HCL errors do.
#include <QByteArray>
#include <QJsonObject>
#include <QString>
#include <optional>

namespace qonsul::config {

std::optional<QJsonObject> parseHcl(const QByteArray &text, QString *error);

// 1-based line and byte column of a byte offset; for HCL and JSON syntax errors alike.
struct TextPosition
{
    int line = 1;
    int column = 1;
};
TextPosition textPosition(const QByteArray &text, qsizetype offset);

} // namespace qonsul::config

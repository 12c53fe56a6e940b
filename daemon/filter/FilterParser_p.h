#pragma once

// Internal: parser for go-bexpr's expression grammar (the version Consul uses), written by hand as a
// PEG recogniser that tracks failures the way the pigeon-generated Go parser does, so syntax errors
// read the same: `1:4 (3): no match found, expected: "in", "not" or [ \t\r\n]`.

#include "FilterAst_p.h"

#include <QString>
#include <QStringView>

#include <optional>

namespace qonsul::filter::detail {

// Deeper nesting of parentheses / `not` than this is rejected instead of risking the stack.
inline constexpr int kMaxNesting = 256;

// On failure returns nullopt and sets *error (without Consul's "Failed to create boolean expression
// evaluator: " prefix). The tree has n-ary And/Or nodes and `not not x` folded to `x`.
std::optional<Node> parseExpression(QStringView input, QString *error);

} // namespace qonsul::filter::detail

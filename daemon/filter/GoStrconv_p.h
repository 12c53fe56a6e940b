#pragma once

// Internal: the parts of Go's strconv package that decide what a Consul filter accepts and what its
// error messages say (bexpr coerces match values with strconv and unquotes literals with it).

#include <QString>
#include <QStringView>

#include <optional>

namespace qonsul::filter::detail {

// strconv.ParseInt(s, 0, bitSize): base prefixes 0x/0o/0b, a bare leading 0 means octal, underscores
// between digits. On failure *error gets Go's text, e.g. `strconv.ParseInt: parsing "x": invalid syntax`.
std::optional<qint64> goParseInt(QStringView s, int bitSize, QString *error);
// strconv.ParseUint(s, 0, bitSize).
std::optional<quint64> goParseUint(QStringView s, int bitSize, QString *error);
// strconv.ParseFloat(s, bitSize): decimal and hex (0x1p-2) forms, inf/infinity/nan, underscores.
std::optional<double> goParseFloat(QStringView s, int bitSize, QString *error);
// strconv.ParseBool: 1 t T TRUE true True 0 f F FALSE false False.
std::optional<bool> goParseBool(QStringView s, QString *error);

// strconv.Quote, i.e. what fmt's %q prints for a string.
QString goQuote(QStringView s);

// strconv.Unquote for a complete "..." or `...` literal. nullopt where Go says "invalid syntax".
std::optional<QString> goUnquote(QStringView literal);

} // namespace qonsul::filter::detail

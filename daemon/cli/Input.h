#pragma once
// Command input as Consul reads it: "@file" for a file's contents, "-" for standard input,
// anything else literally. Errors use Go's wording ("Failed to read file: open x: no such
// file or directory").
#include <QByteArray>
#include <QString>

namespace qonsul::cli {

bool readDataArgument(const QString &arg, QByteArray *data, QString *error);
// The whole file; *error is Go's os error text ("open x: permission denied").
bool readFile(const QString &path, QByteArray *data, QString *error);
QByteArray readStdin();

} // namespace qonsul::cli

#pragma once
// Terminal output the way Consul's CLI lays it out: lines to stdout ("Output"/"Info") and stderr
// ("Error"), ryanuber/columnize tables, text/tabwriter key-value blocks, and Go's encoding/json
// text (HTML-safe string escaping, MarshalIndent layout) for the commands that print JSON.
#include <QByteArray>
#include <QList>
#include <QString>
#include <QStringList>

namespace qonsul::cli {

// One line (a newline is appended), flushed at once so output interleaves correctly with child
// processes (lock, watch handlers).
void out(const QByteArray &line);
void out(const QString &line);
void err(const QString &line);
void writeStdout(const QByteArray &raw); // no newline added

// columnize: cells trimmed, columns joined by two spaces, every column but the last padded to its
// widest cell (in characters); the last line has no trailing newline.
QString columnize(const QList<QStringList> &rows);

// text/tabwriter with minwidth 0, padding 6, ' ' fill: every cell but the last of a row padded to
// the widest cell of its column plus 6.
QString tabwrite(const QList<QStringList> &rows, int padding = 6);

// Go's json encoding of a string, quotes included ("<" becomes \u003c, as Go's encoder does).
QByteArray goJsonString(const QString &s);

// Re-lays out JSON text without reordering keys: indent > 0 gives json.MarshalIndent's layout
// with that many spaces (or a tab when useTab), indent == 0 the compact form. Returns the input
// unchanged when it is not JSON.
QByteArray relayoutJson(const QByteArray &json, int indent, bool useTab = false);

} // namespace qonsul::cli

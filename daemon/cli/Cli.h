#pragma once
// `qonsul <command> ...` for every command except `agent`: the same commands, flags, output and
// exit codes as Consul's CLI (see docs/cli.md).
#include <QStringList>

namespace qonsul::cli {

// Runs the command line (without the program name); returns the process exit code.
// Needs a QCoreApplication (commands like lock, watch and monitor run its event loop).
int run(const QStringList &args);

} // namespace qonsul::cli

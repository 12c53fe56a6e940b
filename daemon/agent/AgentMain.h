#pragma once
#include <QStringList>

namespace qonsul::agent {
// `qonsul agent <flags>`: loads the configuration, runs the agent until it is told to stop.
int runAgent(const QStringList &args);
} // namespace qonsul::agent

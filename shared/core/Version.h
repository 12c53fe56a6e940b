#pragma once
#include <QString>

namespace qonsul {
// Qonsul's own release.
QString qonsulVersion();
// The Consul release whose client-visible behaviour we match; reported where Consul reports its
// version (agent/self Config.Version, member `build` tag), because clients gate features on it.
QString consulCompatVersion();
QString buildRevision();
// When this binary was compiled, RFC 3339 (as Consul reports BuildDate).
QString buildDate();
} // namespace qonsul

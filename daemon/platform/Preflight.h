#pragma once
// Checks a service start makes before the agent touches its data dir, so a misconfigured
// installation fails with a message naming the fix instead of half-working.
#include <QString>

namespace qonsul::platform {

// Empty when `dataDir` is missing (the agent creates it) or owned by the user the agent runs as;
// otherwise why not. Files the agent would write there as another user (root, typically) would
// lock the service's own user out on its next start.
QString checkDataDirOwner(const QString &dataDir);

} // namespace qonsul::platform

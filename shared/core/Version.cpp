#include "core/Version.h"

namespace qonsul {
QString qonsulVersion()
{
    return QStringLiteral(QONSUL_VERSION);
}
QString consulCompatVersion()
{
    return QStringLiteral("1.17.0");
}
QString buildRevision()
{
    return QStringLiteral("qonsul-" QONSUL_VERSION);
}
} // namespace qonsul

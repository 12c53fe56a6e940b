#include "core/Version.h"

#include <QDateTime>
#include <QLocale>

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
QString buildDate()
{
    // __DATE__ is "Mmm dd yyyy" with a space-padded day; __TIME__ is "hh:mm:ss" (local to the build).
    const QString text = QStringLiteral(__DATE__ " " __TIME__).simplified();
    QDateTime when = QLocale::c().toDateTime(text, QStringLiteral("MMM d yyyy hh:mm:ss"));
    when.setTimeSpec(Qt::UTC);
    return when.toString(Qt::ISODate);
}
} // namespace qonsul

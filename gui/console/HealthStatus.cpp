#include "console/HealthStatus.h"

#include <QColor>
#include <QHash>
#include <QPainter>
#include <QPixmap>

namespace qonsul::console {

int HealthStatus::severity(QStringView status)
{
    if (status == u"passing")
        return 0;
    if (status == u"warning")
        return 1;
    if (status == u"critical" || status == u"maintenance")
        return 2;
    return -1;
}

QString HealthStatus::worst(QStringView a, QStringView b)
{
    return (severity(a) >= severity(b) ? a : b).toString();
}

QString HealthStatus::label(QStringView status)
{
    if (status == u"passing")
        return tr("passing");
    if (status == u"warning")
        return tr("warning");
    if (status == u"critical")
        return tr("critical");
    if (status == u"maintenance")
        return tr("maintenance");
    return tr("no checks");
}

QColor HealthStatus::color(QStringView status)
{
    switch (severity(status)) {
    case 0:
        return QColor(0x2e, 0xa0, 0x43);
    case 1:
        return QColor(0xe0, 0x9b, 0x13);
    case 2:
        return QColor(0xd3, 0x2f, 0x2f);
    default:
        return QColor(0x9e, 0x9e, 0x9e);
    }
}

QIcon HealthStatus::icon(QStringView status)
{
    static QHash<int, QIcon> cache;
    const int key = severity(status);
    auto it = cache.find(key);
    if (it != cache.end())
        return *it;
    QPixmap pixmap(16, 16);
    pixmap.fill(Qt::transparent);
    QPainter painter(&pixmap);
    painter.setRenderHint(QPainter::Antialiasing);
    painter.setPen(Qt::NoPen);
    painter.setBrush(color(status));
    painter.drawEllipse(QRectF(3, 3, 10, 10));
    painter.end();
    return *cache.insert(key, QIcon(pixmap));
}

void HealthCounts::add(QStringView status)
{
    switch (HealthStatus::severity(status)) {
    case 0:
        ++passing;
        break;
    case 1:
        ++warning;
        break;
    case 2:
        ++critical;
        break;
    default:
        break;
    }
}

HealthCounts &HealthCounts::operator+=(const HealthCounts &other)
{
    passing += other.passing;
    warning += other.warning;
    critical += other.critical;
    return *this;
}

QString HealthCounts::worst() const
{
    if (critical)
        return QStringLiteral("critical");
    if (warning)
        return QStringLiteral("warning");
    if (passing)
        return QStringLiteral("passing");
    return {};
}

QString HealthCounts::summary() const
{
    QStringList parts;
    if (passing)
        parts << HealthStatus::tr("%n passing", nullptr, passing);
    if (warning)
        parts << HealthStatus::tr("%n warning", nullptr, warning);
    if (critical)
        parts << HealthStatus::tr("%n critical", nullptr, critical);
    return parts.isEmpty() ? HealthStatus::tr("no checks") : parts.join(QStringLiteral(", "));
}

} // namespace qonsul::console

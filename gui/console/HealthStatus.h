#pragma once
// Consul's check states (passing, warning, critical, maintenance) as the console shows them:
// ordering by severity, a translated label and a coloured dot.
#include <QCoreApplication>
#include <QIcon>
#include <QString>

namespace qonsul::console {

class HealthStatus
{
    Q_DECLARE_TR_FUNCTIONS(HealthStatus)
public:
    static int severity(QStringView status); // passing 0, warning 1, critical 2, unknown -1
    static QString worst(QStringView a, QStringView b);
    static QString label(QStringView status);
    static QIcon icon(QStringView status);
    static QColor color(QStringView status);
};

// Per-service or per-node counts of checks by state.
struct HealthCounts
{
    int passing = 0;
    int warning = 0;
    int critical = 0;

    void add(QStringView status);
    HealthCounts &operator+=(const HealthCounts &other);
    QString worst() const;
    QString summary() const; // "2 passing, 1 critical"
};

} // namespace qonsul::console

#include "core/Metrics.h"

#include "core/Clock.h"

#include <QJsonObject>

#include <cmath>

namespace qonsul {

Metrics::Metrics(const Clock *clock)
    : m_clock(clock)
{
}

void Metrics::Aggregate::ingest(double value)
{
    min = count == 0 ? value : std::min(min, value);
    max = count == 0 ? value : std::max(max, value);
    ++count;
    sum += value;
    sumSquares += value * value;
}

QJsonObject Metrics::Aggregate::toJson(const QString &name, qint64 intervalMs) const
{
    const double mean = count ? sum / double(count) : 0;
    // go-metrics: the sample standard deviation, 0 for a single value.
    double stddev = 0;
    if (count > 1) {
        const double n = double(count);
        stddev = std::sqrt(std::max(0.0, (sumSquares - sum * sum / n) / (n - 1)));
    }
    return QJsonObject{{QStringLiteral("Name"), name},
                       {QStringLiteral("Count"), double(count)},
                       {QStringLiteral("Rate"), sum / (double(intervalMs) / 1000.0)},
                       {QStringLiteral("Sum"), sum},
                       {QStringLiteral("Min"), min},
                       {QStringLiteral("Max"), max},
                       {QStringLiteral("Mean"), mean},
                       {QStringLiteral("Stddev"), stddev},
                       {QStringLiteral("Labels"), QJsonObject()}};
}

Metrics::Interval &Metrics::current()
{
    const qint64 index = m_clock->wallMs() / kIntervalMs;
    if (index != m_current.index) {
        if (m_current.index >= 0) // the first interval has none before it
            m_previous = index == m_current.index + 1 ? std::move(m_current) : Interval{index - 1, {}, {}};
        m_current = Interval{index, {}, {}};
    }
    return m_current;
}

const Metrics::Interval &Metrics::displayed() const
{
    const qint64 index = m_clock->wallMs() / kIntervalMs;
    static const Interval kEmpty;
    if (index == m_current.index)
        return m_previous.index >= 0 ? m_previous : m_current;
    return index == m_current.index + 1 ? m_current : kEmpty; // nothing arrived in the last one
}

void Metrics::incrCounter(const QString &name, double value)
{
    current().counters[name].ingest(value);
    m_totals[name] += value;
}

void Metrics::addSample(const QString &name, double value)
{
    current().samples[name].ingest(value);
    SampleTotals &t = m_sampleTotals[name];
    ++t.count;
    t.sum += value;
}

void Metrics::declareCounter(const QString &name)
{
    if (!m_totals.contains(name))
        m_totals.insert(name, 0);
}

QJsonArray Metrics::toJson(const QMap<QString, Aggregate> &aggregates)
{
    QJsonArray out;
    for (auto it = aggregates.begin(); it != aggregates.end(); ++it)
        out.append(it.value().toJson(it.key(), kIntervalMs));
    return out;
}

QJsonArray Metrics::counters() const
{
    return toJson(displayed().counters);
}

QJsonArray Metrics::samples() const
{
    return toJson(displayed().samples);
}

qint64 Metrics::displayedIntervalStartMs() const
{
    const qint64 index = m_clock->wallMs() / kIntervalMs;
    const bool first = index == m_current.index && m_previous.index < 0;
    return (first ? index : index - 1) * kIntervalMs;
}

} // namespace qonsul

#pragma once
// Counters and samples as Consul's go-metrics keeps them, so /v1/agent/metrics shows the same
// set in both formats: JSON (its in-memory sink) shows what each received during the last
// finished 10-second interval — Count of updates, Sum, Min, Max, Mean, Stddev — and Prometheus
// (its prometheus sink) the running totals. Names are go-metrics keys with Consul's "consul."
// prefix ("consul.memberlist.udp.sent"); Prometheus replaces the dots with underscores.
#include <QJsonArray>
#include <QMap>
#include <QString>

namespace qonsul {

class Clock;

class Metrics
{
public:
    static constexpr qint64 kIntervalMs = 10000;

    explicit Metrics(const Clock *clock);

    void incrCounter(const QString &name, double value);
    void addSample(const QString &name, double value);

    // The JSON sink's view: the interval before the current one (the current one while it is
    // the first), as [{"Name", "Count", "Rate", "Sum", "Min", "Max", "Mean", "Stddev", "Labels"}]
    // by name, and that interval's start (Unix ms) for "Timestamp".
    QJsonArray counters() const;
    QJsonArray samples() const;
    qint64 displayedIntervalStartMs() const;

    // What each counter has added up to since the agent started, for Prometheus. Every counter
    // that ever received an update is there (0 until then for the ones `declare` names).
    QMap<QString, double> counterTotals() const { return m_totals; }
    // Samples' running count and sum (Prometheus summaries' _count and _sum).
    struct SampleTotals
    {
        quint64 count = 0;
        double sum = 0;
    };
    QMap<QString, SampleTotals> sampleTotals() const { return m_sampleTotals; }
    // Makes a counter show up (at 0) before its first update, in both formats.
    void declareCounter(const QString &name);

private:
    struct Aggregate
    {
        quint64 count = 0;
        double sum = 0;
        double sumSquares = 0;
        double min = 0;
        double max = 0;
        void ingest(double value);
        QJsonObject toJson(const QString &name, qint64 intervalMs) const;
    };
    struct Interval
    {
        qint64 index = -1; // start / kIntervalMs
        QMap<QString, Aggregate> counters;
        QMap<QString, Aggregate> samples;
    };

    Interval &current();
    const Interval &displayed() const;
    static QJsonArray toJson(const QMap<QString, Aggregate> &aggregates);

    const Clock *m_clock;
    Interval m_previous;
    Interval m_current;
    QMap<QString, double> m_totals;
    QMap<QString, SampleTotals> m_sampleTotals;
};

} // namespace qonsul

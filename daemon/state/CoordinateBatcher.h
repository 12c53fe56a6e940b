#pragma once
// Consul's server side of Coordinate.Update: agents report their LAN coordinate every 15 s or
// more, and writing each report through Raft would cost a log entry per agent and report. A
// server keeps the newest update per node and segment instead and writes what it holds every
// `periodMs`, in entries of at most `batchSize` updates and at most `maxBatches` entries a
// period; updates beyond that are dropped with a warning (the rate limit Consul applies).
// Updates go to the leader (writes are forwarded there), so only its batcher fills.
#include <QHash>
#include <QJsonObject>
#include <QList>
#include <QString>

#include "core/Clock.h"

namespace qonsul::state {

class Committer;

class CoordinateBatcher
{
public:
    struct Options
    {
        qint64 periodMs = 5000;
        int batchSize = 128;
        int maxBatches = 5;
    };

    CoordinateBatcher(Clock *clock, Committer *committer, Options options);
    ~CoordinateBatcher();
    CoordinateBatcher(const CoordinateBatcher &) = delete;
    CoordinateBatcher &operator=(const CoordinateBatcher &) = delete;

    // {"Node", "Segment", "Coord"}, already validated; replaces a pending one of the same node
    // and segment. The first update after a flush arms the timer for the next one.
    void queue(const QJsonObject &update);
    qsizetype pending() const { return m_order.size(); }

private:
    void flush();

    Clock *m_clock;
    Committer *m_committer;
    Options m_options;
    QHash<QString, QJsonObject> m_updates; // "node\nsegment" -> newest update
    QList<QString> m_order;                // keys in the order they first arrived: oldest written first
    Clock::TimerId m_timer = 0;
};

} // namespace qonsul::state

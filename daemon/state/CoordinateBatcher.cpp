#include "state/CoordinateBatcher.h"

#include "state/Command.h"
#include "state/Committer.h"

#include <QJsonArray>
#include <QLoggingCategory>

#include <algorithm>
#include <utility>

Q_LOGGING_CATEGORY(lcCoordinate, "agent.server.coordinate")

namespace qonsul::state {

CoordinateBatcher::CoordinateBatcher(Clock *clock, Committer *committer, Options options)
    : m_clock(clock)
    , m_committer(committer)
    , m_options(options)
{
}

CoordinateBatcher::~CoordinateBatcher() { m_clock->cancel(m_timer); }

void CoordinateBatcher::queue(const QJsonObject &update)
{
    const QString key = update.value(u"Node").toString() + u'\n' + update.value(u"Segment").toString();
    if (!m_updates.contains(key))
        m_order.append(key);
    m_updates.insert(key, update);
    if (!m_timer)
        m_timer = m_clock->schedule(m_options.periodMs, [this] { flush(); });
}

void CoordinateBatcher::flush()
{
    m_timer = 0;
    const QHash<QString, QJsonObject> updates = std::exchange(m_updates, {});
    QList<QString> order = std::exchange(m_order, {});
    const qsizetype limit = qsizetype(m_options.batchSize) * m_options.maxBatches;
    if (order.size() > limit) {
        qCWarning(lcCoordinate).noquote()
            << QStringLiteral("Discarded coordinate updates: number_discarded=%1").arg(order.size() - limit);
        order.resize(limit);
    }
    for (qsizetype start = 0; start < order.size(); start += m_options.batchSize) {
        QJsonArray batch;
        for (qsizetype i = start; i < std::min(order.size(), start + m_options.batchSize); ++i)
            batch.append(updates.value(order.at(i)));
        m_committer->propose(command::coordinateBatch(batch), [](const ApplyResult &r, quint64, const QString &error) {
            if (!r.error.isEmpty() || !error.isEmpty())
                qCWarning(lcCoordinate).noquote() << QStringLiteral("Batch update failed: error=%1").arg(r.error + error);
        });
    }
}

} // namespace qonsul::state

// The autopilot configuration: one record, replaced whole, with Consul's check-and-set.
#include "state/Command.h"
#include "state/StateStore.h"

namespace qonsul::state {

namespace {
const QString kAutopilot = QStringLiteral("autopilot-config");
}

quint64 StateStore::autopilotConfiguration(QJsonObject *out) const
{
    *out = m_autopilot;
    return std::max<quint64>(m_tableIndex.value(kAutopilot), 1);
}

ApplyResult StateStore::applyAutopilotSet(const QCborMap &cmd)
{
    ApplyResult r;
    const quint64 current = quint64(m_autopilot.value(u"ModifyIndex").toDouble());
    if (cmd.contains(QStringLiteral("cas")) && quint64(cmd.value(QStringLiteral("cas")).toInteger()) != current) {
        r.value = false;
        return r;
    }
    m_autopilot = withIndexes(command::toJson(cmd.value(QStringLiteral("config"))),
                              m_autopilot.isEmpty() ? nullptr : &m_autopilot);
    touchTable(kAutopilot);
    r.value = true;
    return r;
}

} // namespace qonsul::state

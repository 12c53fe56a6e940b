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
    QJsonObject config = command::toJson(cmd.value(QStringLiteral("config")));
    config.insert(QStringLiteral("CreateIndex"), m_autopilot.isEmpty() ? double(m_applying)
                                                                       : m_autopilot.value(u"CreateIndex").toDouble());
    config.insert(QStringLiteral("ModifyIndex"), double(m_applying));
    m_autopilot = config;
    touchTable(kAutopilot);
    r.value = true;
    return r;
}

} // namespace qonsul::state

#pragma once
// Autopilot's settings in the form Consul's API speaks (/v1/operator/autopilot/configuration):
// the agent's `autopilot` block is the default until an operator stores one through Raft.
#include <QJsonObject>
#include <optional>

#include "config/AgentConfig.h"

namespace qonsul::config {

// {"CleanupDeadServers", "LastContactThreshold": "200ms", "MaxTrailingLogs", "MinQuorum",
//  "ServerStabilizationTime": "10s", "RedundancyZoneTag", "DisableUpgradeMigration", "UpgradeVersionTag"}
QJsonObject autopilotToJson(const AutopilotConfig &config);
// A PUT body replaces the whole configuration (fields left out are zero, as in Consul); durations
// are Go duration strings. Unset, with *error, for a wrong type or a negative value.
std::optional<AutopilotConfig> autopilotFromJson(const QJsonObject &json, QString *error);
// What applies: the configuration stored through Raft (`stored`, empty when none), else `defaults`.
AutopilotConfig effectiveAutopilot(const QJsonObject &stored, const AutopilotConfig &defaults);

} // namespace qonsul::config

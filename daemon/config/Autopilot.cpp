#include "config/Autopilot.h"

#include "core/Duration.h"

namespace qonsul::config {

QJsonObject autopilotToJson(const AutopilotConfig &config)
{
    return QJsonObject{{QStringLiteral("CleanupDeadServers"), config.cleanupDeadServers},
                       {QStringLiteral("LastContactThreshold"), formatDuration(config.lastContactThreshold)},
                       {QStringLiteral("MaxTrailingLogs"), config.maxTrailingLogs},
                       {QStringLiteral("MinQuorum"), config.minQuorum},
                       {QStringLiteral("ServerStabilizationTime"), formatDuration(config.serverStabilizationTime)},
                       {QStringLiteral("RedundancyZoneTag"), QString()},
                       {QStringLiteral("DisableUpgradeMigration"), false},
                       {QStringLiteral("UpgradeVersionTag"), QString()}};
}

std::optional<AutopilotConfig> autopilotFromJson(const QJsonObject &json, QString *error)
{
    AutopilotConfig c;
    c.cleanupDeadServers = false;
    c.lastContactThreshold = 0;
    c.maxTrailingLogs = 0;
    c.serverStabilizationTime = 0;
    // Keys as clients send them: any case (Consul decodes JSON case-insensitively).
    for (auto it = json.begin(); it != json.end(); ++it) {
        const QString key = it.key().toLower();
        const QJsonValue v = it.value();
        auto duration = [&](Nanoseconds *out) {
            const std::optional<Nanoseconds> d = v.isString() ? parseDuration(v.toString())
                : v.isDouble()                                 ? std::optional<Nanoseconds>(Nanoseconds(v.toDouble()))
                                                               : std::nullopt;
            if (!d || *d < 0) {
                *error = QStringLiteral("%1: invalid duration").arg(it.key());
                return false;
            }
            *out = *d;
            return true;
        };
        auto count = [&](int *out) {
            if (!v.isDouble() || v.toDouble() < 0 || v.toDouble() > 1e9) {
                *error = QStringLiteral("%1: expected a non-negative number").arg(it.key());
                return false;
            }
            *out = int(v.toDouble());
            return true;
        };
        bool ok = true;
        if (key == u"cleanupdeadservers") {
            ok = v.isBool();
            c.cleanupDeadServers = v.toBool();
            if (!ok)
                *error = QStringLiteral("%1: expected a boolean").arg(it.key());
        } else if (key == u"lastcontactthreshold") {
            ok = duration(&c.lastContactThreshold);
        } else if (key == u"serverstabilizationtime") {
            ok = duration(&c.serverStabilizationTime);
        } else if (key == u"maxtrailinglogs") {
            ok = count(&c.maxTrailingLogs);
        } else if (key == u"minquorum") {
            ok = count(&c.minQuorum);
        }
        // RedundancyZoneTag, DisableUpgradeMigration, UpgradeVersionTag: Enterprise features,
        // accepted and ignored as Consul's community edition does; indexes are the server's.
        if (!ok)
            return std::nullopt;
    }
    return c;
}

AutopilotConfig effectiveAutopilot(const QJsonObject &stored, const AutopilotConfig &defaults)
{
    QString error;
    const std::optional<AutopilotConfig> c = stored.isEmpty() ? std::nullopt : autopilotFromJson(stored, &error);
    return c.value_or(defaults);
}

} // namespace qonsul::config

// `qonsul operator autopilot get-config | set-config`, over /v1/operator/autopilot/configuration,
// and `qonsul operator autopilot state`, over /v1/operator/autopilot/state.
#include "cli/Command.h"
#include "cli/Output.h"

#include "core/Duration.h"

#include <QJsonArray>
#include <QJsonDocument>
#include <QJsonObject>

namespace qonsul::cli {

namespace {

using client::Request;

const QString kQueryError = QStringLiteral("Error querying Autopilot configuration");

// The stored configuration, as `get-config` prints it and `set-config` starts from.
std::optional<QJsonObject> fetch(client::ApiClient &client, bool stale)
{
    Request req{"GET", QStringLiteral("/v1/operator/autopilot/configuration")};
    if (stale)
        req.param(QStringLiteral("stale"));
    const auto r = callOrReport(client, req, kQueryError);
    if (!r)
        return std::nullopt;
    return QJsonDocument::fromJson(r->body).object();
}

class AutopilotGetConfig final : public Command
{
public:
    AutopilotGetConfig()
    {
        m_http.addClientFlags(m_flags);
        m_http.addServerFlags(m_flags);
    }
    QString synopsis() const override { return QStringLiteral("Display the current Autopilot configuration"); }
    QString usage() const override
    {
        return QStringLiteral("Usage: qonsul operator autopilot get-config [options]\n\n"
                              "  Displays the current Autopilot configuration.");
    }
    int run(const QStringList &args) override
    {
        auto client = parseAndConnect(args);
        if (!client)
            return 1;
        const std::optional<QJsonObject> c = fetch(*client, m_http.stale());
        if (!c)
            return 1;
        auto boolean = [&](const char *key) { return c->value(QLatin1String(key)).toBool() ? QStringLiteral("true") : QStringLiteral("false"); };
        auto number = [&](const char *key) { return QString::number(quint64(c->value(QLatin1String(key)).toDouble())); };
        auto quoted = [&](const char *key) { return goQuote(c->value(QLatin1String(key)).toString()); };
        out(QStringLiteral("CleanupDeadServers = %1").arg(boolean("CleanupDeadServers")));
        out(QStringLiteral("LastContactThreshold = %1").arg(c->value(u"LastContactThreshold").toString()));
        out(QStringLiteral("MaxTrailingLogs = %1").arg(number("MaxTrailingLogs")));
        out(QStringLiteral("MinQuorum = %1").arg(number("MinQuorum")));
        out(QStringLiteral("ServerStabilizationTime = %1").arg(c->value(u"ServerStabilizationTime").toString()));
        out(QStringLiteral("RedundancyZoneTag = %1").arg(quoted("RedundancyZoneTag")));
        out(QStringLiteral("DisableUpgradeMigration = %1").arg(boolean("DisableUpgradeMigration")));
        out(QStringLiteral("UpgradeVersionTag = %1").arg(quoted("UpgradeVersionTag")));
        return 0;
    }
};

class AutopilotSetConfig final : public Command
{
public:
    AutopilotSetConfig()
    {
        m_flags.addOptString(QStringLiteral("cleanup-dead-servers"), &m_cleanup,
                             QStringLiteral("Controls whether Consul will automatically remove dead servers when new ones "
                                            "are successfully added. Must be one of `true|false`."));
        m_flags.addOptString(QStringLiteral("max-trailing-logs"), &m_maxTrailing,
                             QStringLiteral("Controls the maximum number of log entries that a server can trail the "
                                            "leader by before being considered unhealthy."));
        m_flags.addOptString(QStringLiteral("min-quorum"), &m_minQuorum,
                             QStringLiteral("Sets the minimum number of servers required in a cluster before autopilot "
                                            "is allowed to prune dead servers."));
        m_flags.addOptString(QStringLiteral("last-contact-threshold"), &m_lastContact,
                             QStringLiteral("Controls the maximum amount of time a server can go without contact from "
                                            "the leader before being considered unhealthy. Must be a duration value "
                                            "such as `200ms`."));
        m_flags.addOptString(QStringLiteral("server-stabilization-time"), &m_stabilization,
                             QStringLiteral("Controls the minimum amount of time a server must be stable in the "
                                            "'healthy' state before being added to the cluster. Must be a duration "
                                            "value such as `10s`."));
        m_flags.addOptString(QStringLiteral("redundancy-zone-tag"), &m_zoneTag,
                             QStringLiteral("(Enterprise-only) Controls the node_meta tag name used for separating "
                                            "servers into different redundancy zones."));
        m_flags.addOptString(QStringLiteral("disable-upgrade-migration"), &m_disableMigration,
                             QStringLiteral("(Enterprise-only) Controls whether Consul will avoid promoting new servers "
                                            "until it can perform a migration. Must be one of `true|false`."));
        m_flags.addOptString(QStringLiteral("upgrade-version-tag"), &m_versionTag,
                             QStringLiteral("(Enterprise-only) The node_meta tag to use for version info when "
                                            "performing upgrade migrations. If left blank, the Consul version will be "
                                            "used."));
        m_http.addClientFlags(m_flags);
        m_http.addServerFlags(m_flags);
    }
    QString synopsis() const override { return QStringLiteral("Modify the current Autopilot configuration"); }
    QString usage() const override
    {
        return QStringLiteral("Usage: qonsul operator autopilot set-config [options]\n\n"
                              "  Modifies the current Autopilot configuration.");
    }
    int run(const QStringList &args) override
    {
        auto client = parseAndConnect(args);
        if (!client)
            return 1;
        std::optional<QJsonObject> c = fetch(*client, false);
        if (!c)
            return 1;
        const quint64 modifyIndex = quint64(c->value(u"ModifyIndex").toDouble());
        if (!merge(&*c))
            return 1;
        Request req{"PUT", QStringLiteral("/v1/operator/autopilot/configuration")};
        req.param(QStringLiteral("cas"), QString::number(modifyIndex));
        req.body = QJsonDocument(*c).toJson(QJsonDocument::Compact);
        const auto r = callOrReport(*client, req, QStringLiteral("Error setting Autopilot configuration"));
        if (!r)
            return 1;
        if (r->body.trimmed() == "true") {
            out(QStringLiteral("Configuration updated!"));
            return 0;
        }
        out(QStringLiteral("Configuration could not be atomically updated, please try again"));
        return 1;
    }

private:
    // Overlays the flags that were given on the fetched configuration; false (and a message)
    // for a value that does not parse, as Go's flag package reports it.
    bool merge(QJsonObject *c) const
    {
        auto fail = [](const QString &flag, const QString &value, const QString &why) {
            err(QStringLiteral("Failed to parse args: invalid value \"%1\" for flag -%2: %3").arg(value, flag, why));
            return false;
        };
        if (m_cleanup) {
            bool v = false;
            if (!client::parseGoBool(*m_cleanup, &v))
                return fail(QStringLiteral("cleanup-dead-servers"), *m_cleanup, QStringLiteral("parse error"));
            c->insert(QStringLiteral("CleanupDeadServers"), v);
        }
        if (m_disableMigration) {
            bool v = false;
            if (!client::parseGoBool(*m_disableMigration, &v))
                return fail(QStringLiteral("disable-upgrade-migration"), *m_disableMigration, QStringLiteral("parse error"));
            c->insert(QStringLiteral("DisableUpgradeMigration"), v);
        }
        const std::pair<const std::optional<QString> *, const char *> counts[]
            = {{&m_maxTrailing, "max-trailing-logs"}, {&m_minQuorum, "min-quorum"}};
        for (const auto &[value, flag] : counts) {
            if (!*value)
                continue;
            bool ok = false;
            const quint64 n = (*value)->toULongLong(&ok);
            if (!ok)
                return fail(QLatin1String(flag), **value, QStringLiteral("parse error"));
            c->insert(QLatin1String(flag) == u"min-quorum" ? QStringLiteral("MinQuorum") : QStringLiteral("MaxTrailingLogs"),
                      double(n));
        }
        const std::pair<const std::optional<QString> *, const char *> durations[]
            = {{&m_lastContact, "last-contact-threshold"}, {&m_stabilization, "server-stabilization-time"}};
        for (const auto &[value, flag] : durations) {
            if (!*value)
                continue;
            const std::optional<Nanoseconds> d = parseDuration(**value);
            if (!d)
                return fail(QLatin1String(flag), **value, QStringLiteral("parse error"));
            c->insert(QLatin1String(flag) == u"last-contact-threshold" ? QStringLiteral("LastContactThreshold")
                                                                       : QStringLiteral("ServerStabilizationTime"),
                      formatDuration(*d));
        }
        if (m_zoneTag)
            c->insert(QStringLiteral("RedundancyZoneTag"), *m_zoneTag);
        if (m_versionTag)
            c->insert(QStringLiteral("UpgradeVersionTag"), *m_versionTag);
        return true;
    }

    std::optional<QString> m_cleanup, m_maxTrailing, m_minQuorum, m_lastContact, m_stabilization, m_zoneTag,
        m_disableMigration, m_versionTag;
};

// The state as Consul's CLI prints it: `pretty` (servers and meta sorted) or `json`
// (json.MarshalIndent of the API struct: its field order, four spaces).
class AutopilotState final : public Command
{
public:
    AutopilotState()
    {
        m_flags.addString(QStringLiteral("format"), &m_format, QStringLiteral("Output format {pretty|json}"));
        m_http.addClientFlags(m_flags);
        m_http.addServerFlags(m_flags);
    }
    QString synopsis() const override { return QStringLiteral("Display the current Autopilot configuration"); }
    QString usage() const override
    {
        return QStringLiteral("Usage: qonsul operator autopilot state [options]\n\n"
                              "  Displays the current Autopilot state.");
    }
    int run(const QStringList &args) override
    {
        auto client = parseAndConnect(args);
        if (!client)
            return 1;
        Request req{"GET", QStringLiteral("/v1/operator/autopilot/state")};
        if (m_http.stale())
            req.param(QStringLiteral("stale"));
        const auto r = callOrReport(*client, req, QStringLiteral("Error querying Autopilot state"));
        if (!r)
            return 1;
        const QJsonObject state = QJsonDocument::fromJson(r->body).object();
        if (m_format == u"json") {
            out(relayoutJson(json(state), 4));
            return 0;
        }
        if (m_format != u"pretty") {
            err(QStringLiteral("Unknown format: %1").arg(m_format));
            return 1;
        }
        out(pretty(state));
        return 0;
    }

private:
    static QByteArray json(const QJsonObject &state)
    {
        auto str = [](const QJsonObject &o, const char *key) { return goJsonString(o.value(QLatin1String(key)).toString()); };
        auto boolean = [](const QJsonObject &o, const char *key) {
            return QByteArray(o.value(QLatin1String(key)).toBool() ? "true" : "false");
        };
        auto number = [](const QJsonObject &o, const char *key) {
            return QByteArray::number(quint64(o.value(QLatin1String(key)).toDouble()));
        };
        const QJsonObject servers = state.value(u"Servers").toObject();
        QByteArrayList serverTexts;
        for (auto it = servers.begin(); it != servers.end(); ++it) { // QJsonObject keeps keys sorted, as Go's maps print
            const QJsonObject s = it.value().toObject();
            const QJsonObject meta = s.value(u"Meta").toObject();
            QByteArrayList metaTexts;
            for (auto m = meta.begin(); m != meta.end(); ++m)
                metaTexts.append(goJsonString(m.key()) + ':' + goJsonString(m.value().toString()));
            // A server not yet in the catalog has no meta: Go prints the nil map as null.
            const QByteArray metaText = s.value(u"Meta").isObject() ? '{' + metaTexts.join(',') + '}' : QByteArray("null");
            serverTexts.append(goJsonString(it.key()) + ":{\"ID\":" + str(s, "ID") + ",\"Name\":" + str(s, "Name")
                               + ",\"Address\":" + str(s, "Address") + ",\"NodeStatus\":" + str(s, "NodeStatus")
                               + ",\"Version\":" + str(s, "Version") + ",\"LastContact\":" + str(s, "LastContact")
                               + ",\"LastTerm\":" + number(s, "LastTerm") + ",\"LastIndex\":" + number(s, "LastIndex")
                               + ",\"Healthy\":" + boolean(s, "Healthy") + ",\"StableSince\":" + str(s, "StableSince")
                               + ",\"ReadReplica\":" + boolean(s, "ReadReplica") + ",\"Status\":" + str(s, "Status")
                               + ",\"Meta\":" + metaText + ",\"NodeType\":" + str(s, "NodeType") + '}');
        }
        QByteArrayList voters;
        for (const QJsonValue &v : state.value(u"Voters").toArray())
            voters.append(goJsonString(v.toString()));
        return "{\"Healthy\":" + boolean(state, "Healthy") + ",\"FailureTolerance\":" + number(state, "FailureTolerance")
            + ",\"OptimisticFailureTolerance\":" + number(state, "OptimisticFailureTolerance") + ",\"Servers\":{"
            + serverTexts.join(',') + "},\"Leader\":" + str(state, "Leader") + ",\"Voters\":[" + voters.join(',') + "]}";
    }

    static QString pretty(const QJsonObject &state)
    {
        auto boolean = [](const QJsonObject &o, const char *key) {
            return o.value(QLatin1String(key)).toBool() ? QStringLiteral("true") : QStringLiteral("false");
        };
        auto number = [](const QJsonObject &o, const char *key) { return QString::number(quint64(o.value(QLatin1String(key)).toDouble())); };
        QString text = QStringLiteral("Healthy:                      %1\n").arg(boolean(state, "Healthy"))
            + QStringLiteral("Failure Tolerance:            %1\n").arg(number(state, "FailureTolerance"))
            + QStringLiteral("Optimistic Failure Tolerance: %1\n").arg(number(state, "OptimisticFailureTolerance"))
            + QStringLiteral("Leader:                       %1\n").arg(state.value(u"Leader").toString()) + QStringLiteral("Voters:\n");
        for (const QJsonValue &v : state.value(u"Voters").toArray())
            text += QStringLiteral("   %1\n").arg(v.toString());
        text += QStringLiteral("Servers:\n");
        const QJsonObject servers = state.value(u"Servers").toObject();
        for (auto it = servers.begin(); it != servers.end(); ++it) {
            const QJsonObject s = it.value().toObject();
            text += QStringLiteral("   %1\n").arg(s.value(u"ID").toString());
            const std::pair<const char *, QString> rows[] = {
                {"Name:            ", s.value(u"Name").toString()},
                {"Address:         ", s.value(u"Address").toString()},
                {"Version:         ", s.value(u"Version").toString()},
                {"Status:          ", s.value(u"Status").toString()},
                {"Node Type:       ", s.value(u"NodeType").toString()},
                {"Node Status:     ", s.value(u"NodeStatus").toString()},
                {"Healthy:         ", boolean(s, "Healthy")},
                {"Last Contact:    ", s.value(u"LastContact").toString()},
                {"Last Term:       ", number(s, "LastTerm")},
                {"Last Index:      ", number(s, "LastIndex")},
            };
            for (const auto &[label, value] : rows)
                text += QStringLiteral("      ") + QLatin1String(label) + value + u'\n';
            if (s.value(u"ReadReplica").toBool())
                text += QStringLiteral("      Read Replica:    true\n");
            const QJsonObject meta = s.value(u"Meta").toObject();
            if (!meta.isEmpty()) {
                text += QStringLiteral("      Meta\n");
                for (auto m = meta.begin(); m != meta.end(); ++m)
                    text += QStringLiteral("         %1: %2\n").arg(goQuote(m.key()), goQuote(m.value().toString()));
            }
        }
        return text; // printed with one more newline, as Consul's UI.Info does
    }

    QString m_format = QStringLiteral("pretty");
};

} // namespace

void addAutopilotCommands(CommandTable &table)
{
    table[QStringLiteral("operator autopilot")] = [] {
        return std::make_unique<ParentCommand>(
            QStringLiteral("Provides tools for modifying Autopilot configuration"),
            QStringLiteral("Usage: qonsul operator autopilot <subcommand> [options]\n\n"
                           "  The Autopilot operator command is used to interact with Consul's Autopilot\n"
                           "  subsystem. The command can be used to view or modify the current configuration."));
    };
    table[QStringLiteral("operator autopilot get-config")] = [] { return std::make_unique<AutopilotGetConfig>(); };
    table[QStringLiteral("operator autopilot set-config")] = [] { return std::make_unique<AutopilotSetConfig>(); };
    table[QStringLiteral("operator autopilot state")] = [] { return std::make_unique<AutopilotState>(); };
}

} // namespace qonsul::cli

// `qonsul config write | read | list | delete`: config entries over /v1/config.
#include "cli/Command.h"
#include "cli/Input.h"
#include "cli/Output.h"

#include "config/Hcl.h"
#include "state/ConfigEntry.h"

#include <QJsonArray>
#include <QJsonDocument>
#include <QJsonObject>

namespace qonsul::cli {

namespace {

using client::Request;

const QString kNeedKind = QStringLiteral("Must specify the -kind parameter");
const QString kNeedName = QStringLiteral("Must specify the -name parameter");

QString quoted(const QString &s) // Go's %q
{
    return QString::fromUtf8(goJsonString(s));
}

// The entry a file (or "-": standard input) holds, in JSON or HCL, with Consul's field names; its
// kind and name for the messages. Prints Consul's error and returns false when it cannot be read.
bool loadEntry(const QString &source, QJsonObject *body, QString *kind, QString *name)
{
    QByteArray data;
    if (source == u"-") {
        data = readStdin();
    } else {
        QString why;
        if (!readFile(source, &data, &why)) {
            err(QStringLiteral("Failed to load data: Failed to read file: %1").arg(why));
            return false;
        }
    }
    // HCL takes JSON too, as Consul's decoder does; JSON first for its own error messages.
    QJsonParseError jsonError;
    const QJsonDocument doc = QJsonDocument::fromJson(data, &jsonError);
    QJsonObject raw;
    if (jsonError.error == QJsonParseError::NoError && doc.isObject()) {
        raw = doc.object();
    } else {
        QString hclError;
        const std::optional<QJsonObject> parsed = config::parseHcl(data, &hclError);
        if (!parsed) {
            err(QStringLiteral("Failed to decode config entry input: %1").arg(hclError));
            return false;
        }
        raw = *parsed;
    }
    QJsonObject entry;
    bool decodeError = false;
    const QString error = state::configentry::normalise(raw, &entry, &decodeError);
    if (decodeError) {
        static const QString prefix = QStringLiteral("Request decoding failed: ");
        err(QStringLiteral("Failed to decode config entry input: %1")
                .arg(error.startsWith(prefix) ? error.mid(prefix.size()) : error));
        return false;
    }
    // Validation is the servers' (their error names the entry); the body goes as written.
    *body = state::configentry::canonicalKeys(raw);
    const QJsonObject &named = error.isEmpty() ? entry : *body;
    *kind = named.value(u"Kind").toString();
    *name = named.value(u"Name").toString();
    return true;
}

// What the `config` subcommands share: -cas/-modify-index and sending their one request.
class ConfigCommand : public Command
{
protected:
    void addCasFlags()
    {
        m_flags.addBool(QStringLiteral("cas"), &m_cas,
            QStringLiteral("Perform a Check-And-Set operation. Specifying this value also requires the "
                           "-modify-index flag to be set. The default value is false."));
        m_flags.addUint64(QStringLiteral("modify-index"), &m_modifyIndex,
            QStringLiteral("Unsigned integer representing the ModifyIndex of the config entry. This is "
                           "used in combination with the -cas flag."));
    }
    // With -cas, -modify-index as the request's ?cas=.
    void addCasParam(Request &req) const
    {
        if (m_cas)
            req.param(QStringLiteral("cas"), QString::number(m_modifyIndex));
    }
    // Connects and sends `req`; nothing, with the error printed ("<what>: ..." when the request
    // failed), when either fails.
    std::optional<client::Response> send(const Request &req, const QString &what) const
    {
        const auto client = connectOrReport(m_http);
        if (!client)
            return std::nullopt;
        return callOrReport(*client, req, what);
    }

    bool m_cas = false;
    quint64 m_modifyIndex = 0;
};

class ConfigWrite final : public ConfigCommand
{
public:
    ConfigWrite()
    {
        addCasFlags();
        m_http.addClientFlags(m_flags);
        m_http.addServerFlags(m_flags);
    }
    QString synopsis() const override
    {
        return QStringLiteral("Create or update a centralized config entry");
    }
    QString usage() const override
    {
        return QStringLiteral("Usage: qonsul config write [options] <configuration>\n\n"
                              "  Request a config entry to be created or updated. The configuration\n"
                              "  argument is either a file path or '-' to indicate that the config\n"
                              "  should be read from stdin. The data should be either in HCL or\n"
                              "  JSON form.\n\n"
                              "  Example (from file):\n\n"
                              "    $ qonsul config write web.service.hcl\n\n"
                              "  Example (from stdin):\n\n"
                              "    $ qonsul config write -");
    }
    int run(const QStringList &args) override
    {
        if (!m_flags.parse(args))
            return 1;
        if (m_flags.args().size() != 1) {
            err(QStringLiteral(
                "Must provide exactly one positional argument to specify the config entry to write"));
            return 1;
        }
        QJsonObject body;
        QString kind, name;
        if (!loadEntry(m_flags.args().first(), &body, &kind, &name))
            return 1;
        Request req { "PUT", QStringLiteral("/v1/config") };
        addCasParam(req);
        req.body = QJsonDocument(body).toJson(QJsonDocument::Compact);
        const auto r = send(req, QStringLiteral("Error writing config entry %1/%2").arg(kind, name));
        if (!r)
            return 1;
        if (r->body.trimmed() != "true") {
            err(QStringLiteral("Config entry not updated: %1/%2").arg(kind, name));
            return 1;
        }
        out(QStringLiteral("Config entry written: %1/%2").arg(kind, name));
        return 0;
    }
};

class ConfigRead final : public ConfigCommand
{
public:
    ConfigRead()
    {
        m_flags.addString(
            QStringLiteral("kind"), &m_kind, QStringLiteral("The kind of configuration to read."));
        m_flags.addString(
            QStringLiteral("name"), &m_name, QStringLiteral("The name of configuration to read."));
        m_http.addClientFlags(m_flags);
        m_http.addServerFlags(m_flags);
    }
    QString synopsis() const override { return QStringLiteral("Read a centralized config entry"); }
    QString usage() const override
    {
        return QStringLiteral(
            "Usage: qonsul config read [options] -kind <config kind> -name <config name>\n\n"
            "  Reads the config entry specified by the given kind and name and outputs its\n"
            "  JSON representation.\n\n"
            "  Example:\n\n"
            "    $ qonsul config read -kind proxy-defaults -name global");
    }
    int run(const QStringList &args) override
    {
        if (!m_flags.parse(args))
            return 1;
        if (m_kind.isEmpty() || m_name.isEmpty()) {
            err(m_kind.isEmpty() ? kNeedKind : kNeedName);
            return 1;
        }
        Request req { "GET", QStringLiteral("/v1/config/%1/%2").arg(m_kind, m_name) };
        if (m_http.stale())
            req.param(QStringLiteral("stale"));
        const auto r
            = send(req, QStringLiteral("Error reading config entry %1 / %2").arg(quoted(m_kind), quoted(m_name)));
        if (!r)
            return 1;
        out(relayoutJson(r->body, 4));
        return 0;
    }

private:
    QString m_kind, m_name;
};

class ConfigList final : public ConfigCommand
{
public:
    ConfigList()
    {
        m_flags.addString(
            QStringLiteral("kind"), &m_kind, QStringLiteral("The kind of configurations to list."));
        m_flags.addString(
            QStringLiteral("filter"), &m_filter, QStringLiteral("Filter to use with the request."));
        m_http.addClientFlags(m_flags);
        m_http.addServerFlags(m_flags);
    }
    QString synopsis() const override
    {
        return QStringLiteral("List centralized config entries of a given kind");
    }
    QString usage() const override
    {
        return QStringLiteral("Usage: qonsul config list [options] -kind <config kind>\n\n"
                              "  Lists all of the config entries for a given kind.\n\n"
                              "  Example:\n\n"
                              "    $ qonsul config list -kind service-defaults");
    }
    int run(const QStringList &args) override
    {
        if (!m_flags.parse(args))
            return 1;
        if (m_kind.isEmpty()) {
            err(kNeedKind);
            return 1;
        }
        Request req { "GET", QStringLiteral("/v1/config/%1").arg(m_kind) };
        if (!m_filter.isEmpty())
            req.param(QStringLiteral("filter"), m_filter);
        if (m_http.stale())
            req.param(QStringLiteral("stale"));
        const auto r = send(req, QStringLiteral("Error listing config entries for kind %1").arg(quoted(m_kind)));
        if (!r)
            return 1;
        for (const QJsonValue &entry : QJsonDocument::fromJson(r->body).array())
            out(entry.toObject().value(u"Name").toString());
        return 0;
    }

private:
    QString m_kind, m_filter;
};

class ConfigDelete final : public ConfigCommand
{
public:
    ConfigDelete()
    {
        m_flags.addString(
            QStringLiteral("kind"), &m_kind, QStringLiteral("The kind of configuration to delete."));
        m_flags.addString(
            QStringLiteral("name"), &m_name, QStringLiteral("The name of configuration to delete."));
        addCasFlags();
        m_http.addClientFlags(m_flags);
        m_http.addServerFlags(m_flags);
    }
    QString synopsis() const override { return QStringLiteral("Delete a centralized config entry"); }
    QString usage() const override
    {
        return QStringLiteral(
            "Usage: qonsul config delete [options] -kind <config kind> -name <config name>\n\n"
            "  Deletes the configuration entry specified by the kind and name.\n\n"
            "  Example:\n\n"
            "    $ qonsul config delete -kind service-defaults -name web");
    }
    int run(const QStringList &args) override
    {
        if (!m_flags.parse(args))
            return 1;
        QString invalid = m_kind.isEmpty() ? kNeedKind : m_name.isEmpty() ? kNeedName : QString();
        if (invalid.isEmpty() && m_cas && m_modifyIndex == 0)
            invalid = QStringLiteral("Must specify a -modify-index greater than 0 with -cas");
        if (invalid.isEmpty() && m_modifyIndex != 0 && !m_cas)
            invalid = QStringLiteral("Cannot specify -modify-index without -cas");
        if (!invalid.isEmpty()) {
            err(invalid);
            return 1;
        }
        Request req { "DELETE", QStringLiteral("/v1/config/%1/%2").arg(m_kind, m_name) };
        addCasParam(req);
        const auto r = send(req, QStringLiteral("Error deleting config entry %1/%2").arg(m_kind, m_name));
        if (!r)
            return 1;
        if (m_cas && r->body.trimmed() != "true") {
            err(QStringLiteral("Config entry not deleted: %1/%2").arg(m_kind, m_name));
            return 1;
        }
        out(QStringLiteral("Config entry deleted: %1/%2").arg(m_kind, m_name));
        return 0;
    }

private:
    QString m_kind, m_name;
};

} // namespace

void addConfigCommands(CommandTable &table)
{
    table[QStringLiteral("config")] = [] {
        return std::make_unique<ParentCommand>(
            QStringLiteral("Interact with Consul's Centralized Configurations"),
            QStringLiteral(
                "Usage: qonsul config <subcommand> [options] [args]\n\n"
                "  This command has subcommands for interacting with Consul's centralized\n"
                "  configuration entries (service-defaults, proxy-defaults, ingress-gateway, ...)."));
    };
    table[QStringLiteral("config write")] = [] { return std::make_unique<ConfigWrite>(); };
    table[QStringLiteral("config read")] = [] { return std::make_unique<ConfigRead>(); };
    table[QStringLiteral("config list")] = [] { return std::make_unique<ConfigList>(); };
    table[QStringLiteral("config delete")] = [] { return std::make_unique<ConfigDelete>(); };
}

} // namespace qonsul::cli

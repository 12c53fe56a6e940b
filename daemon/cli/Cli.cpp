#include "cli/Cli.h"

#include "cli/Command.h"
#include "cli/Output.h"

#include <QJsonDocument>
#include <QJsonObject>
#include <QRegularExpression>

namespace qonsul::cli {

QString Command::help() const
{
    QString text = usage().trimmed() + QStringLiteral("\n\n") + m_flags.helpSections();
    while (text.endsWith(u'\n'))
        text.chop(1);
    return text;
}

std::unique_ptr<client::ApiClient> connectOrReport(const HttpFlags &http)
{
    QString error;
    auto client = http.makeClient(&error);
    if (!client)
        err(QStringLiteral("Error connecting to Consul agent: %1").arg(error));
    return client;
}

std::unique_ptr<client::ApiClient> Command::parseAndConnect(const QStringList &args)
{
    if (!m_flags.parse(args))
        return nullptr;
    return connectOrReport(m_http);
}

QString agentNodeNameOrReport(client::ApiClient &client)
{
    const client::Response r = client.call({ "GET", QStringLiteral("/v1/agent/self") });
    const QString name = r.ok()
        ? QJsonDocument::fromJson(r.body).object().value(u"Config").toObject().value(u"NodeName").toString()
        : QString();
    if (name.isEmpty())
        err(QStringLiteral("Error querying Consul agent: %1")
                .arg(r.ok() ? QStringLiteral("agent/self response has no Config.NodeName") : r.errorText()));
    return name;
}

std::optional<client::Response> callOrReport(client::ApiClient &client, const client::Request &request,
                                             const QString &what)
{
    client::Response r = client.call(request);
    if (r.ok())
        return r;
    err(QStringLiteral("%1: %2").arg(what, r.errorText()));
    return std::nullopt;
}

namespace {

// `qonsul agent` is started by main.cpp before the CLI is reached; this entry only gives it its
// place in the command list and help.
class AgentHelpCommand final : public Command
{
public:
    QString synopsis() const override { return QStringLiteral("Runs a Consul agent"); }
    QString usage() const override
    {
        return QStringLiteral("Usage: qonsul agent [options]\n\n"
                              "  Starts the agent and runs until an interrupt is received. The options\n"
                              "  are Consul's agent options; see docs/configuration.md.");
    }
    int run(const QStringList &) override { return kRunResultHelp; }
};

CommandTable buildTable()
{
    CommandTable table;
    table[QStringLiteral("agent")] = [] { return std::make_unique<AgentHelpCommand>(); };
    addKvCommands(table);
    addCatalogCommands(table);
    addAgentCommands(table);
    addSnapshotCommands(table);
    addConfigCommands(table);
    addLockCommand(table);
    addWatchCommand(table);
    addServiceCommands(table);
    addOperatorCommands(table);
    addAutopilotCommands(table);
    addKeyringCommand(table);
    addRttCommand(table);
    return table;
}

// The commands one level below `parent` ("" for the top level), keyed by their full name.
std::map<QString, CommandFactory> childrenOf(const CommandTable &table, const QString &parent)
{
    std::map<QString, CommandFactory> children;
    const QString prefix = parent.isEmpty() ? QString() : parent + u' ';
    const int depth = parent.isEmpty() ? 0 : int(parent.count(u' ')) + 1;
    for (const auto &[name, factory] : table) {
        if (name.startsWith(prefix) && name != parent && name.count(u' ') == depth)
            children[name] = factory;
    }
    return children;
}

QString topLevelHelp(const CommandTable &table)
{
    const auto commands = childrenOf(table, QString());
    qsizetype width = 0;
    for (const auto &entry : commands)
        width = qMax(width, entry.first.size());
    QString text = QStringLiteral(
        "Usage: qonsul [--version] [--help] <command> [<args>]\n\nAvailable commands are:\n");
    for (const auto &[name, factory] : commands)
        text += QStringLiteral("    %1    %2\n").arg(name.leftJustified(width), factory()->synopsis());
    return text;
}

QString commandHelp(const CommandTable &table, const QString &name, const Command &command)
{
    QString text = command.help();
    const auto subs = childrenOf(table, name);
    if (!subs.empty()) {
        qsizetype longest = 0;
        for (const auto &entry : subs)
            longest = qMax(longest, entry.first.size());
        text += QStringLiteral("\n\nSubcommands:");
        for (const auto &[key, factory] : subs) {
            const QString last = key.section(u' ', -1);
            text += QStringLiteral("\n    %1    %2")
                        .arg(last + QString(longest - key.size(), u' '), factory()->synopsis());
        }
    }
    return text + u'\n';
}

} // namespace

int run(const QStringList &args)
{
    const CommandTable table = buildTable();

    // Find the subcommand, help and version flags the way mitchellh/cli does.
    bool isHelp = false;
    bool isVersion = false;
    QString subcommand;
    QStringList subArgs;
    QStringList topFlags;
    for (qsizetype i = 0; i < args.size(); ++i) {
        const QString &arg = args[i];
        if (arg == u"--")
            break;
        if (arg == u"-h" || arg == u"-help" || arg == u"--help") {
            isHelp = true;
            continue;
        }
        if (subcommand.isEmpty()) {
            if (arg == u"-v" || arg == u"-version" || arg == u"--version") {
                isVersion = true;
                continue;
            }
            if (arg.startsWith(u'-'))
                topFlags << arg;
        }
        if (subcommand.isEmpty() && !arg.isEmpty() && !arg.startsWith(u'-')) {
            subcommand = arg;
            // The longest registered command the following words spell ("operator raft list-peers").
            qsizetype consumed = 0;
            QString candidate;
            for (qsizetype j = i; j < args.size(); ++j) {
                candidate += (j == i ? QString() : QStringLiteral(" ")) + args[j];
                if (table.count(candidate)) {
                    subcommand = candidate;
                    consumed = j - i;
                }
            }
            i += consumed;
            subArgs = args.mid(i + 1);
        }
    }

    if (isVersion && subcommand.isEmpty())
        return table.at(QStringLiteral("version"))()->run({});

    if (isHelp && subcommand.isEmpty()) {
        out(topLevelHelp(table));
        return 0;
    }

    const auto it = table.find(subcommand);
    if (it == table.end()) {
        out(topLevelHelp(table));
        return 127;
    }
    std::unique_ptr<Command> command = it->second();
    if (isHelp) {
        writeStdout(commandHelp(table, subcommand, *command).toUtf8());
        return 0;
    }
    if (!topFlags.isEmpty()) {
        out(QStringLiteral("Invalid flags before the subcommand: %1\n").arg(topFlags.join(u',')));
        writeStdout(commandHelp(table, subcommand, *command).toUtf8());
        return 1;
    }
    const int code = command->run(subArgs);
    if (code == kRunResultHelp) {
        err(commandHelp(table, subcommand, *command).chopped(1));
        return 1;
    }
    return code;
}

} // namespace qonsul::cli

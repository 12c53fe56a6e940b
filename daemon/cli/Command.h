#pragma once
// One CLI command (`kv get`, `members`, ...): its flags, its help, and run(). Commands are made
// fresh for each invocation by the factories in the registry (Cli.cpp), so flag state lives in
// members, as in Consul's command structs.
#include <QString>
#include <QStringList>
#include <functional>
#include <map>
#include <memory>
#include <optional>

#include "cli/Flags.h"

namespace qonsul::cli {

// Returned by run() to ask the dispatcher to print the command's help to stderr and exit 1
// (the parent commands `kv`, `catalog`, ... do this when run without a subcommand).
constexpr int kRunResultHelp = -18511;

class Command
{
public:
    virtual ~Command() = default;
    virtual QString synopsis() const = 0;
    // The usage paragraph ("Usage: qonsul kv get [options] [KEY_OR_PREFIX]\n\n  ...").
    virtual QString usage() const = 0;
    virtual int run(const QStringList &args) = 0;

    // usage() followed by the flag sections.
    QString help() const;

protected:
    // Parses the flags, then connects with them; nullptr (the error printed) when either fails.
    std::unique_ptr<client::ApiClient> parseAndConnect(const QStringList &args);

    FlagSet m_flags;
    HttpFlags m_http;
};

// A command with no behaviour of its own, only subcommands (`qonsul kv`).
class ParentCommand : public Command
{
public:
    ParentCommand(QString synopsis, QString usage)
        : m_synopsis(std::move(synopsis))
        , m_usage(std::move(usage))
    {
    }
    QString synopsis() const override { return m_synopsis; }
    QString usage() const override { return m_usage; }
    int run(const QStringList &) override { return kRunResultHelp; }

private:
    QString m_synopsis;
    QString m_usage;
};

using CommandFactory = std::function<std::unique_ptr<Command>()>;
using CommandTable = std::map<QString, CommandFactory>; // "kv get" -> factory, sorted by name

// Each file registers its commands here.
void addKvCommands(CommandTable &table);
void addCatalogCommands(CommandTable &table); // catalog and services
void addAgentCommands(CommandTable &table); // members, info, join, leave, maint, ...
void addLockCommand(CommandTable &table);
void addWatchCommand(CommandTable &table);
void addServiceCommands(CommandTable &table); // service install, uninstall, start, stop
void addOperatorCommands(CommandTable &table); // operator raft ...
void addAutopilotCommands(CommandTable &table); // operator autopilot ...
void addKeyringCommand(CommandTable &table);
void addRttCommand(CommandTable &table);
void addSnapshotCommands(CommandTable &table); // snapshot save, restore, inspect
void addConfigCommands(CommandTable &table); // config write, read, list, delete

// Shared helpers for command implementations.
std::unique_ptr<client::ApiClient> connectOrReport(
    const HttpFlags &http); // prints "Error connecting ..." on failure
// GET /v1/agent/self -> Config.NodeName; empty, with Consul's "Error querying Consul agent: ..."
// printed, when the agent cannot be reached.
QString agentNodeNameOrReport(client::ApiClient &client);
// client.call(request); when it fails, prints "<what>: <reason>" (Consul's wording is the
// caller's) and returns nothing.
std::optional<client::Response> callOrReport(client::ApiClient &client, const client::Request &request,
                                             const QString &what);

} // namespace qonsul::cli

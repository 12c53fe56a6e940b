#pragma once
// Flags + JSON/HCL config files/dirs → one validated AgentConfig, in Consul's order:
//   built-in defaults → `-dev` defaults → list-valued flags (-retry-join, -recursor, ...)
//   → config files and dirs in command-line order (each dir's *.json/*.hcl in lexical order)
//   → all other flags → -hcl fragments.
// Errors use Consul's wording and name the file and the key ("failed to parse
// /etc/qonsul.d/a.json: invalid config key limits.foo"); value errors found after merging
// name the source that set the value ("... (from /etc/qonsul.d/a.json)").
// HCL (*.hcl, -config-format=hcl, -hcl) is parsed by config/Hcl.h into the same JSON object.
// See docs/configuration.md for keys, flags, defaults and what is not supported.
#include <QString>
#include <QStringList>
#include <QTextStream>
#include <optional>

#include "config/AgentConfig.h"

namespace qonsul::config {

struct LoadResult
{
    std::optional<AgentConfig> config; // set on success
    QString error; // set on failure; one line, Consul's wording
    QStringList warnings; // deprecations etc.; for the agent's log
};

// args = everything after `qonsul agent`, e.g. {"-dev", "-http-port", "8501",
// "-config-dir", "/etc/qonsul.d"}. Go flag syntax: -flag value, -flag=value, --flag,
// booleans as -flag or -flag=false; flags stop at the first non-flag or "--".
LoadResult loadAgentConfig(const QStringList &args);

// The node ID to use: config.nodeId when set; with a data_dir the one persisted in
// <data_dir>/node-id (created with a new lower-case UUID on first start); without one (-dev)
// a new ID each call. IDs are random unless disable_host_node_id=false, which derives a
// stable ID from the machine ID. On failure returns "" and sets *error.
QString ensureNodeId(const AgentConfig &config, QString *error);

// `qonsul validate [-quiet] [-config-format=json] <file-or-dir>...`: loads the paths as the
// agent would (no flags, no -dev) and prints "Configuration is valid!" (exit 0), or
// "Config validation failed: <error>" on `err` (exit 1). Warnings go to `err` unless -quiet.
int runValidate(const QStringList &args, QTextStream &out, QTextStream &err);

// /v1/agent/self DebugConfig: config.raw with tokens, keys and secrets shown as "hidden".
QJsonObject sanitizedRaw(const AgentConfig &config);

} // namespace qonsul::config

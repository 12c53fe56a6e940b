#pragma once
// The shape of Consul's agent configuration: every key a JSON config file may contain, its
// type, and how two sources merge (the rules of Consul's agent/config/merge.go):
//   - blocks (`ports`, `limits`, `dns_config`, `acl`, ...) merge key by key;
//   - lists (`retry_join`, `recursors`, `services`, `watches`, ...) append;
//   - free-form maps (`node_meta`, `dns_config.service_ttl`, `http_config.response_headers`,
//     `tagged_addresses`, ...) are replaced by a later non-empty map (Go map semantics);
//   - scalars are replaced.
// decodeSource() turns one parsed JSON source into the canonical form (snake_case keys,
// aliases and deprecated keys translated) and reports unknown keys and type errors by their
// dotted path; mergeSources() applies the rules above and remembers which source set what.
#include <QHash>
#include <QJsonObject>
#include <QString>
#include <QStringList>

namespace qonsul::config {

struct DecodedSource
{
    QJsonObject config; // canonical form; empty when errors is non-empty
    QStringList errors; // "invalid config key limits.foo", "'server' expected type 'bool', ..."
    QStringList warnings; // deprecations
};

// Decodes a top-level configuration object (one file, or the values from flags). fromHcl: the
// object came from HCL, where a block given once is one object but stands for a one-element list.
DecodedSource decodeSource(const QJsonObject &input, bool fromHcl = false);

// Key path (dotted, e.g. "ports.http") → name of the source that last set it.
using Provenance = QHash<QString, QString>;

// Merges `src` (already canonical) into `dst`, recording `sourceName` for every leaf it sets.
void mergeSource(QJsonObject &dst, const QJsonObject &src, const QString &sourceName, Provenance &provenance);

// Normalises one service or check definition the way a config file's `service` / `check`
// block is read (also usable for API bodies): canonical snake_case keys, PascalCase and
// Consul's aliases (ServiceID, ScriptArgs, DeregisterCriticalServiceAfter, ...) accepted, a
// service's `check` folded into its `checks`. On error returns {} and sets *error.
QJsonObject normalizeServiceDefinition(const QJsonObject &service, QString *error);
QJsonObject normalizeCheckDefinition(const QJsonObject &check, QString *error);

// Dotted-path access into nested objects ("ports.http"); undefined when absent.
QJsonValue valueAtPath(const QJsonObject &object, const QString &path);
void setValueAtPath(QJsonObject &object, const QString &path, const QJsonValue &value);

// A copy of a merged configuration with secrets (tokens, encrypt key, TLS keys, CA provider
// config) replaced by "hidden", for /v1/agent/self.
QJsonObject sanitizeConfig(const QJsonObject &raw);

} // namespace qonsul::config

#pragma once
// Config entries (Consul's /v1/config, `consul config`): centrally stored configuration, one
// entry per kind and name, kept as the JSON object Consul returns (Kind, Name, the kind's fields),
// normalised once when it is written. These functions are pure: the HTTP API and the CLI decode
// with them, the state store stores what they produced, the DNS resolver reads ingress-gateway
// entries through ingressServices().
#include <QCborMap>
#include <QJsonArray>
#include <QJsonObject>
#include <QStringList>

namespace qonsul::state::configentry {

// The kinds Consul CE knows (its MakeConfigEntry).
bool isKnownKind(const QString &kind);
// Consul's error for any other kind: "invalid config entry kind: <kind>".
QString unknownKindError(const QString &kind);

// Field names as Consul's decoder accepts them (any case, snake_case: "listeners", "tls_min_version")
// in Consul's spelling ("Listeners", "TLSMinVersion"); the contents of Meta and Config maps stay
// as they are.
QJsonObject canonicalKeys(const QJsonObject &body);

// A request body into the entry as stored and shown (without CreateIndex/ModifyIndex). Returns an
// error text, empty on success: *decodeError set for a body Consul cannot decode (no or an unknown
// Kind: 400 "Request decoding failed: ..."), otherwise Consul's validation message (500).
QString normalise(const QJsonObject &body, QJsonObject *entry, bool *decodeError);

// The writes for agent files' config_entries.bootstrap: each entry is stored only when none of
// its kind and name is (check-and-set 0), as Consul's leader does when it takes office. Entries
// that do not validate are left out, with "config_entries.bootstrap[i]: <error>" in *errors.
QList<QCborMap> bootstrapCommands(const QJsonArray &entries, QStringList *errors);

// The service names an ingress-gateway entry's listeners expose ("*" included).
QStringList ingressServices(const QJsonObject &entry);

} // namespace qonsul::state::configentry

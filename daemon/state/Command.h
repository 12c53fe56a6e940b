#pragma once
// The serialized write commands the state store applies (CBOR maps; the Raft log carries their
// bytes). Builders live here so the HTTP handlers and the txn endpoint produce the same shapes.
//
//   {"t":"kv", "verb":"set|cas|lock|unlock|delete|delete-tree|delete-cas", "key", "value"(bytes),
//    "flags", "index"(cas), "session", "now"(proposer wall ms)}
//   {"t":"txn", "ops":[{"kind":"kv", ...kv fields...} | {"kind":"node","verb","node"(json)} |
//                      {"kind":"service","verb","node","service"(json)} | {"kind":"check","verb","check"(json)}],
//    "now"}
//   {"t":"register", "body"(catalog register JSON), "now", "keepNodeDetails"(optional bool)}
//   {"t":"deregister", "node", "serviceId", "checkId", "now"}
//   {"t":"session-create", "id", "session"(json), "now"}
//   {"t":"session-destroy", "id", "now"}
//   {"t":"tombstone-reap", "index"}
//   {"t":"query-set", "query"(definition json with ID), "create"(bool)}
//   {"t":"query-delete", "id"}
//   {"t":"config-set", "entry"(normalised config entry json), "cas"(optional ModifyIndex; 0: only if new)}
//   {"t":"config-delete", "kind", "name", "cas"(optional ModifyIndex)}
//   {"t":"autopilot-set", "config"(API JSON), "cas"(optional ModifyIndex)}
//   {"t":"coordinate-batch", "updates":[{"Node", "Segment", "Coord"(API JSON)}]}
//   {"t":"restore", "data"(a state snapshot: replaces everything)}
#include <QCborMap>
#include <QJsonArray>
#include <QJsonObject>
#include <optional>

namespace qonsul::state::command {

QCborMap kv(const QString &verb, const QString &key, const QByteArray &value = {}, quint64 flags = 0,
            quint64 index = 0, const QString &session = {}, qint64 now = 0);
QCborMap txn(const QCborArray &ops, qint64 now);
QCborMap registerNode(const QJsonObject &body, qint64 now);
// A registration by the leader's member reconcile: an existing node keeps its tagged addresses
// and meta (and datacenter), read when the command applies.
QCborMap registerMember(const QJsonObject &body, qint64 now);
QCborMap deregister(const QString &node, const QString &serviceId, const QString &checkId, qint64 now);
QCborMap sessionCreate(const QString &id, const QJsonObject &session, qint64 now);
QCborMap sessionDestroy(const QString &id, qint64 now);
QCborMap tombstoneReap(quint64 index);
QCborMap querySet(const QJsonObject &definition, bool create);
QCborMap queryDelete(const QString &id);
QCborMap configSet(const QJsonObject &entry, std::optional<quint64> cas);
QCborMap configDelete(const QString &kind, const QString &name, std::optional<quint64> cas);
QCborMap autopilotSet(const QJsonObject &config, std::optional<quint64> cas);
QCborMap coordinateBatch(const QJsonArray &updates);
QCborMap restore(const QByteArray &snapshot);

// CBOR <-> JSON for catalog payloads embedded in commands.
QCborValue fromJson(const QJsonObject &o);
QJsonObject toJson(const QCborValue &v);

} // namespace qonsul::state::command

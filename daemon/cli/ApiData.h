#pragma once
// Reading the agent's JSON where the CLI needs exact values (64-bit KV flags do not survive a
// JSON double), and writing it back in the field order Consul's Go client prints.
#include <QByteArray>
#include <QList>
#include <QString>

namespace qonsul::cli {

struct KvPair
{
    QString key;
    quint64 createIndex = 0;
    quint64 modifyIndex = 0;
    quint64 lockIndex = 0;
    quint64 flags = 0;
    QByteArray value;
    QString session;
};

// A /v1/kv response body (a JSON array of KVPair).
QList<KvPair> parseKvPairs(const QByteArray &body);

// api.KVPair as Go's encoding/json writes it: Key, CreateIndex, ModifyIndex, LockIndex, Flags,
// Value (base64 or null), Session; compact.
QByteArray kvPairJson(const KvPair &pair);

} // namespace qonsul::cli

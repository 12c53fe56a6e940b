#pragma once
// Consul's data model (KV pairs, nodes, services, checks, sessions) and its JSON, exactly as the
// HTTP API shows it. Shared by the agent's state store, the CLI and the console.
#include <QByteArray>
#include <QJsonArray>
#include <QJsonObject>
#include <QMap>
#include <QString>
#include <QStringList>

#include "core/Duration.h"

namespace qonsul::api {

using StringMap = QMap<QString, QString>;

struct KvEntry
{
    QString key;
    QByteArray value;
    quint64 flags = 0;
    QString session;
    quint64 lockIndex = 0;
    quint64 createIndex = 0;
    quint64 modifyIndex = 0;
};

struct Node
{
    QString id;
    QString node;
    QString address;
    QString datacenter;
    StringMap taggedAddresses;
    StringMap meta;
    quint64 createIndex = 0;
    quint64 modifyIndex = 0;
};

struct Weights
{
    int passing = 1;
    int warning = 1;
};

struct Service
{
    QString kind;
    QString id;
    QString service;
    QStringList tags;
    QString address;
    QJsonObject taggedAddresses; // name -> {"Address","Port"} as registered
    StringMap meta;
    int port = 0;
    QString socketPath;
    Weights weights;
    bool enableTagOverride = false;
    QJsonObject proxy;
    QJsonObject connect;
    quint64 createIndex = 0;
    quint64 modifyIndex = 0;
};

struct HealthCheck
{
    QString node;
    QString checkId;
    QString name;
    QString status = QStringLiteral("critical");
    QString notes;
    QString output;
    QString serviceId;
    QString serviceName;
    QStringList serviceTags;
    QString type;
    QJsonObject definition;
    Nanoseconds interval = 0;
    Nanoseconds timeout = 0;
    quint64 createIndex = 0;
    quint64 modifyIndex = 0;
};

struct Session
{
    QString id;
    QString name;
    QString node;
    Nanoseconds lockDelay = 15 * kSecond;
    QString behavior = QStringLiteral("release");
    QString ttl; // Go duration text as given ("30s"), empty for none
    QStringList nodeChecks;
    QStringList serviceChecks; // service check ids
    quint64 createIndex = 0;
    quint64 modifyIndex = 0;
};

bool isValidStatus(QStringView status); // passing, warning, critical

// JSON as Consul's HTTP API renders it.
QJsonObject toJson(const KvEntry &e);
QJsonObject toJson(const Node &n);
QJsonObject toJson(const Service &s); // NodeService / AgentService shape
QJsonObject toJson(const HealthCheck &c);
QJsonObject toJson(const Session &s);
// CatalogService: node fields flattened with Service-prefixed service fields.
QJsonObject catalogServiceJson(const Node &n, const Service &s);

// Readers accept PascalCase or snake_case keys, case-insensitively (python-consul sends "name").
// They return false and set *error ("Request decode failed: ...") on a type mismatch.
bool fromJson(const QJsonObject &o, Node *n, QString *error);
bool fromJson(const QJsonObject &o, Service *s, QString *error);
bool fromJson(const QJsonObject &o, HealthCheck *c, QString *error);

// The KV list as Consul renders it, written directly: Flags keep all 64 bits (a JSON double would
// round them) and the hot GET path skips building a QJsonDocument. `pretty` indents like ?pretty.
QByteArray encodeKvEntries(const QList<KvEntry> &entries, bool pretty);
// A JSON string literal as Go's encoding/json writes it (also escapes <, >, &, U+2028, U+2029).
void appendJsonString(QByteArray &out, QStringView s);

QJsonObject stringMapJson(const StringMap &m);
StringMap jsonStringMap(const QJsonValue &v);

// Case-insensitive key lookup that also matches snake_case against PascalCase
// ("check_id" ~ "CheckID"), the way Consul's decoders normalise request bodies.
QJsonValue lookup(const QJsonObject &o, QStringView key);
QString normaliseKey(QStringView key); // lower-case, underscores removed

} // namespace qonsul::api

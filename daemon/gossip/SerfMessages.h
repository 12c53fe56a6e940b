#pragma once
// The Serf layer's messages, carried inside memberlist UserMsg payloads and push/pull user state
// (CBOR arrays [type, fields...], validated like Messages.h).
#include <QByteArray>
#include <QHash>
#include <QList>
#include <QString>

#include <optional>
#include <variant>

namespace qonsul::gossip {

struct JoinIntent
{
    quint64 ltime = 0;
    QString node;
};
struct LeaveIntent
{
    quint64 ltime = 0;
    QString node;
    bool prune = false;
};
struct UserEventMsg
{
    quint64 ltime = 0;
    QString name;
    QByteArray payload;
};
struct KeyringOp // `consul keyring -install/-use/-remove`, applied by every member once
{
    enum Op : quint8 { Install = 0, Use = 1, Remove = 2 };
    quint64 id = 0; // random: de-duplicates the op's gossip
    Op op = Install;
    QByteArray key;
};
struct SerfPushPull
{
    quint64 ltime = 0;                  // member clock
    QHash<QString, quint64> statusLTimes; // members' last intent times
    QList<QString> leftMembers;
    quint64 eventLTime = 0;
    QList<UserEventMsg> events; // the recent ones, for members that missed their gossip
};

using SerfMessage = std::variant<JoinIntent, LeaveIntent, UserEventMsg, SerfPushPull, KeyringOp>;

// Name plus payload of a user event: Serf's UserEventSizeLimit (512) doubled, since the agent's
// event envelope here is JSON; either way one event fits in one gossip packet.
constexpr int kMaxUserEventBytes = 1024;

QByteArray encodeSerfMessage(const SerfMessage &message);
std::optional<SerfMessage> decodeSerfMessage(const QByteArray &bytes);

} // namespace qonsul::gossip

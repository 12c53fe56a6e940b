#pragma once
// The gossip wire format, in Qt's CBOR. A packet is a CBOR array of messages (a compound of one
// or more, so broadcasts ride on probes); a message is an array [type, fields...]. A stream
// carries one message each way. Decoding validates every field: truncated, oversized or garbled
// input yields nullopt and never a partial message.
#include "gossip/Transport.h"

#include <QList>

#include <optional>
#include <variant>

namespace qonsul::gossip {

enum class NodeState : quint8 { Alive = 0, Suspect = 1, Dead = 2, Left = 3 };

struct Ping
{
    quint32 seq = 0;
    QString target; // the name the sender means: a reused address must not ack for someone else
    QString source;
    Address sourceAddr;
};
struct IndirectPing
{
    quint32 seq = 0;
    QString target;
    Address targetAddr;
    bool nack = true; // the relay answers Nack when the target does not ack in time
    QString source;
    Address sourceAddr;
};
struct Ack
{
    quint32 seq = 0;
    QByteArray payload; // the acker's network coordinate (direct acks only)
};
struct Nack
{
    quint32 seq = 0;
};
struct Suspect
{
    quint32 incarnation = 0;
    QString node;
    QString from;
};
struct Alive
{
    quint32 incarnation = 0;
    QString node;
    Address addr;
    QByteArray meta;
};
struct Dead
{
    quint32 incarnation = 0;
    QString node;
    QString from; // == node: the member left on purpose
};
struct UserMsg // opaque to memberlist: the Serf layer's intents and events
{
    QByteArray payload;
};
struct PushNode
{
    QString name;
    Address addr;
    QByteArray meta;
    quint32 incarnation = 0;
    NodeState state = NodeState::Alive;
};
struct PushPull
{
    bool join = false;
    QList<PushNode> nodes;
    QByteArray userState;
};

using Message = std::variant<Ping, IndirectPing, Ack, Nack, Suspect, Alive, Dead, UserMsg, PushPull>;

constexpr int kMaxPacketBytes = 65507;          // anything larger is not a UDP datagram
constexpr int kMaxStreamBytes = 32 * 1024 * 1024; // a push/pull of a very large cluster
constexpr int kMaxMessagesPerPacket = 255;
constexpr int kMaxMetaBytes = 512; // memberlist's MetaMaxSize

QByteArray encodeMessage(const Message &message);
// A compound packet of already encoded messages (at most kMaxMessagesPerPacket).
QByteArray encodePacket(const QList<QByteArray> &encodedMessages);
// Bytes a packet of `count` messages adds around them.
int packetOverhead(int count);

std::optional<Message> decodeMessage(const QByteArray &bytes);
std::optional<QList<Message>> decodePacket(const QByteArray &packet);

} // namespace qonsul::gossip

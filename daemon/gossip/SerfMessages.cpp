#include "gossip/SerfMessages.h"
#include "gossip/Messages.h"

#include <QCborArray>
#include <QCborMap>
#include <QCborValue>

namespace qonsul::gossip {

namespace {

enum Type : int { kJoin = 0, kLeave, kEvent, kPushPull, kKeyring };

bool isU64(const QCborValue &v) { return v.isInteger() && v.toInteger() >= 0; }
bool isName(const QCborValue &v) { return v.isString() && !v.toString().isEmpty() && v.toString().size() <= 512; }

QCborArray eventArray(const UserEventMsg &e) { return QCborArray{kEvent, qint64(e.ltime), e.name, e.payload}; }

std::optional<UserEventMsg> decodeEvent(const QCborArray &a)
{
    if (a.size() != 4 || !isU64(a.at(1)) || !isName(a.at(2)) || !a.at(3).isByteArray())
        return std::nullopt;
    UserEventMsg e{quint64(a.at(1).toInteger()), a.at(2).toString(), a.at(3).toByteArray()};
    if (e.name.toUtf8().size() + e.payload.size() > kMaxUserEventBytes)
        return std::nullopt;
    return e;
}

} // namespace

QByteArray encodeSerfMessage(const SerfMessage &message)
{
    QCborArray a;
    std::visit(
        [&a](const auto &m) {
            using T = std::decay_t<decltype(m)>;
            if constexpr (std::is_same_v<T, JoinIntent>) {
                a = {kJoin, qint64(m.ltime), m.node};
            } else if constexpr (std::is_same_v<T, LeaveIntent>) {
                a = {kLeave, qint64(m.ltime), m.node, m.prune};
            } else if constexpr (std::is_same_v<T, UserEventMsg>) {
                a = eventArray(m);
            } else if constexpr (std::is_same_v<T, KeyringOp>) {
                a = {kKeyring, qint64(m.id), int(m.op), m.key};
            } else {
                QCborMap status;
                for (auto it = m.statusLTimes.cbegin(); it != m.statusLTimes.cend(); ++it)
                    status.insert(it.key(), qint64(it.value()));
                QCborArray left;
                for (const QString &n : m.leftMembers)
                    left.append(n);
                QCborArray events;
                for (const UserEventMsg &e : m.events)
                    events.append(eventArray(e));
                a = {kPushPull, qint64(m.ltime), status, left, qint64(m.eventLTime), events};
            }
        },
        message);
    return QCborValue(a).toCbor();
}

std::optional<SerfMessage> decodeSerfMessage(const QByteArray &bytes)
{
    if (bytes.isEmpty() || bytes.size() > kMaxStreamBytes)
        return std::nullopt;
    QCborParserError error;
    const QCborValue v = QCborValue::fromCbor(bytes, &error);
    if (error.error != QCborError::NoError || error.offset != bytes.size() || !v.isArray())
        return std::nullopt;
    const QCborArray a = v.toArray();
    if (a.isEmpty() || !a.at(0).isInteger())
        return std::nullopt;
    switch (a.at(0).toInteger()) {
    case kJoin:
        if (a.size() != 3 || !isU64(a.at(1)) || !isName(a.at(2)))
            return std::nullopt;
        return JoinIntent{quint64(a.at(1).toInteger()), a.at(2).toString()};
    case kLeave:
        if (a.size() != 4 || !isU64(a.at(1)) || !isName(a.at(2)) || !a.at(3).isBool())
            return std::nullopt;
        return LeaveIntent{quint64(a.at(1).toInteger()), a.at(2).toString(), a.at(3).toBool()};
    case kEvent:
        if (auto e = decodeEvent(a))
            return *e;
        return std::nullopt;
    case kKeyring: {
        if (a.size() != 4 || !a.at(1).isInteger() || !a.at(2).isInteger() || a.at(2).toInteger() < 0
            || a.at(2).toInteger() > KeyringOp::Remove || !a.at(3).isByteArray() || a.at(3).toByteArray().size() > 32)
            return std::nullopt;
        return KeyringOp{quint64(a.at(1).toInteger()), KeyringOp::Op(a.at(2).toInteger()), a.at(3).toByteArray()};
    }
    case kPushPull: {
        if (a.size() != 6 || !isU64(a.at(1)) || !a.at(2).isMap() || !a.at(3).isArray() || !isU64(a.at(4))
            || !a.at(5).isArray())
            return std::nullopt;
        SerfPushPull pp;
        pp.ltime = quint64(a.at(1).toInteger());
        const QCborMap status = a.at(2).toMap();
        for (auto it = status.cbegin(); it != status.cend(); ++it) {
            if (!isName(it.key()) || !isU64(it.value()))
                return std::nullopt;
            pp.statusLTimes.insert(it.key().toString(), quint64(it.value().toInteger()));
        }
        for (const QCborValue &n : a.at(3).toArray()) {
            if (!isName(n))
                return std::nullopt;
            pp.leftMembers.append(n.toString());
        }
        pp.eventLTime = quint64(a.at(4).toInteger());
        for (const QCborValue &e : a.at(5).toArray()) {
            const auto event = e.isArray() ? decodeEvent(e.toArray()) : std::nullopt;
            if (!event || e.toArray().at(0).toInteger() != kEvent)
                return std::nullopt;
            pp.events.append(*event);
        }
        return pp;
    }
    }
    return std::nullopt;
}

} // namespace qonsul::gossip

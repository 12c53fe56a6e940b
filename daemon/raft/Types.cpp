#include "raft/Types.h"

#include <QCborArray>
#include <QCborMap>
#include <QCborValue>

using namespace Qt::StringLiterals;

namespace qonsul::raft {

const Server *Configuration::find(const ServerId &id) const
{
    for (const Server &s : servers) {
        if (s.id == id)
            return &s;
    }
    return nullptr;
}

bool Configuration::isVoter(const ServerId &id) const
{
    const Server *s = find(id);
    return s && s->suffrage == Suffrage::Voter;
}

QList<ServerId> Configuration::voters() const
{
    QList<ServerId> out;
    for (const Server &s : servers) {
        if (s.suffrage == Suffrage::Voter)
            out.append(s.id);
    }
    return out;
}

QByteArray Configuration::encode() const
{
    QCborArray array;
    for (const Server &s : servers) {
        array.append(QCborMap { { u"id"_s, s.id }, { u"addr"_s, s.address },
            { u"voter"_s, s.suffrage == Suffrage::Voter } });
    }
    return QCborValue(array).toCbor();
}

bool Configuration::decode(const QByteArray &bytes, Configuration *out)
{
    QCborParserError error;
    const QCborValue value = QCborValue::fromCbor(bytes, &error);
    if (error.error != QCborError::NoError || !value.isArray())
        return false;
    Configuration config;
    for (const QCborValue &item : value.toArray()) {
        const QCborMap map = item.toMap();
        if (!map.value(u"id"_s).isString())
            return false;
        config.servers.append(Server { map.value(u"id"_s).toString(), map.value(u"addr"_s).toString(),
            map.value(u"voter"_s).toBool() ? Suffrage::Voter : Suffrage::Nonvoter });
    }
    *out = std::move(config);
    return true;
}

const char *toString(Message::Type type)
{
    switch (type) {
    case Message::Type::AppendEntries: return "AppendEntries";
    case Message::Type::AppendEntriesResponse: return "AppendEntriesResponse";
    case Message::Type::Heartbeat: return "Heartbeat";
    case Message::Type::HeartbeatResponse: return "HeartbeatResponse";
    case Message::Type::RequestVote: return "RequestVote";
    case Message::Type::RequestVoteResponse: return "RequestVoteResponse";
    case Message::Type::InstallSnapshot: return "InstallSnapshot";
    case Message::Type::InstallSnapshotResponse: return "InstallSnapshotResponse";
    case Message::Type::TimeoutNow: return "TimeoutNow";
    }
    return "?";
}

Timing Timing::fromMultiplier(int raftMultiplier)
{
    const qint64 m = std::clamp(raftMultiplier, 1, 10);
    return Timing { 1000 * m, 1000 * m, 500 * m };
}

Timing Timing::devMode()
{
    return Timing { 52, 35, 20 };
}

bool Timing::valid(QString *why) const
{
    if (heartbeatTimeout <= 0 || electionTimeout <= 0 || leaderLeaseTimeout <= 0) {
        *why = u"raft timeouts must be positive"_s;
        return false;
    }
    if (leaderLeaseTimeout >= heartbeatTimeout) {
        *why = u"leader lease timeout must be shorter than the heartbeat (election) timeout"_s;
        return false;
    }
    return true;
}

} // namespace qonsul::raft

#include "rpc/RaftCodec.h"

#include <QCborArray>
#include <QCborMap>

using namespace Qt::StringLiterals;

namespace qonsul::rpc {

namespace {
// Integer keys keep the frames compact; never reuse a number for another meaning.
enum Key : int {
    KType = 0, KFrom, KTo, KTerm, KPrevIndex, KPrevTerm, KEntries, KCommit, KStamp, KRound,
    KSuccess, KMatch, KReject, KConflictIndex, KConflictTerm, KLastIndex, KLastTerm, KPreVote,
    KTransfer, KSnapIndex, KSnapTerm, KSnapConfig, KSnapData, KSnapOffset, KSnapDone,
};
constexpr int kMaxMessageType = int(raft::Message::Type::TimeoutNow);
constexpr int kMaxEntryType = int(raft::LogEntry::Type::Configuration);

void putUInt(QCborMap &map, Key key, quint64 value)
{
    if (value)
        map.insert(key, qint64(value));
}

struct Reader
{
    const QCborMap &map;
    QString *error;
    bool ok = true;

    quint64 uint(Key key)
    {
        const QCborValue v = map.value(key);
        if (v.isUndefined())
            return 0;
        if (!v.isInteger() || v.toInteger() < 0) {
            fail(key);
            return 0;
        }
        return quint64(v.toInteger());
    }
    qint64 sint(Key key)
    {
        const QCborValue v = map.value(key);
        if (v.isUndefined())
            return 0;
        if (!v.isInteger()) {
            fail(key);
            return 0;
        }
        return v.toInteger();
    }
    bool flag(Key key)
    {
        const QCborValue v = map.value(key);
        if (v.isUndefined())
            return false;
        if (!v.isBool()) {
            fail(key);
            return false;
        }
        return v.toBool();
    }
    QString string(Key key)
    {
        const QCborValue v = map.value(key);
        if (v.isUndefined())
            return {};
        if (!v.isString()) {
            fail(key);
            return {};
        }
        return v.toString();
    }
    QByteArray bytes(Key key)
    {
        const QCborValue v = map.value(key);
        if (v.isUndefined())
            return {};
        if (!v.isByteArray()) {
            fail(key);
            return {};
        }
        return v.toByteArray();
    }
    void fail(Key key)
    {
        if (ok)
            *error = u"raft message field %1 has the wrong type"_s.arg(int(key));
        ok = false;
    }
};
} // namespace

QCborValue encodeRaftMessage(const raft::Message &m)
{
    QCborMap map;
    map.insert(KType, int(m.type));
    map.insert(KFrom, m.from);
    map.insert(KTo, m.to);
    putUInt(map, KTerm, m.term);
    putUInt(map, KPrevIndex, m.prevLogIndex);
    putUInt(map, KPrevTerm, m.prevLogTerm);
    if (!m.entries.isEmpty()) {
        QCborArray entries;
        for (const raft::LogEntry &e : m.entries)
            entries.append(QCborArray{qint64(e.index), qint64(e.term), int(e.type), e.data});
        map.insert(KEntries, entries);
    }
    putUInt(map, KCommit, m.leaderCommit);
    if (m.stamp)
        map.insert(KStamp, m.stamp);
    putUInt(map, KRound, m.round);
    if (m.success)
        map.insert(KSuccess, true);
    putUInt(map, KMatch, m.matchIndex);
    putUInt(map, KReject, m.rejectIndex);
    putUInt(map, KConflictIndex, m.conflictIndex);
    putUInt(map, KConflictTerm, m.conflictTerm);
    putUInt(map, KLastIndex, m.lastLogIndex);
    putUInt(map, KLastTerm, m.lastLogTerm);
    if (m.preVote)
        map.insert(KPreVote, true);
    if (m.leadershipTransfer)
        map.insert(KTransfer, true);
    const bool snapshot = m.type == raft::Message::Type::InstallSnapshot;
    if (snapshot || m.type == raft::Message::Type::InstallSnapshotResponse) {
        map.insert(KSnapIndex, qint64(m.snapshot.index));
        map.insert(KSnapTerm, qint64(m.snapshot.term));
        putUInt(map, KSnapOffset, m.snapshotOffset);
    }
    if (snapshot) {
        map.insert(KSnapConfig, m.snapshot.configuration.encode());
        map.insert(KSnapData, m.snapshotData);
        if (m.snapshotDone)
            map.insert(KSnapDone, true);
    }
    return map;
}

bool decodeRaftMessage(const QCborValue &value, raft::Message *out, QString *error)
{
    if (!value.isMap()) {
        *error = u"raft message is not a map"_s;
        return false;
    }
    const QCborMap map = value.toMap();
    Reader r{map, error};
    raft::Message m;
    const QCborValue type = map.value(KType);
    if (!type.isInteger() || type.toInteger() < 0 || type.toInteger() > kMaxMessageType) {
        *error = u"unknown raft message type"_s;
        return false;
    }
    m.type = raft::Message::Type(type.toInteger());
    m.from = r.string(KFrom);
    m.to = r.string(KTo);
    m.term = r.uint(KTerm);
    m.prevLogIndex = r.uint(KPrevIndex);
    m.prevLogTerm = r.uint(KPrevTerm);
    const QCborValue entries = map.value(KEntries);
    if (!entries.isUndefined()) {
        if (!entries.isArray()) {
            *error = u"raft entries are not an array"_s;
            return false;
        }
        const QCborArray list = entries.toArray();
        m.entries.reserve(list.size());
        for (const QCborValue &item : list) {
            const QCborArray e = item.toArray();
            if (e.size() != 4 || !e.at(0).isInteger() || e.at(0).toInteger() < 0 || !e.at(1).isInteger()
                || e.at(1).toInteger() < 0 || !e.at(2).isInteger() || e.at(2).toInteger() < 0
                || e.at(2).toInteger() > kMaxEntryType || !e.at(3).isByteArray()) {
                *error = u"malformed raft log entry"_s;
                return false;
            }
            m.entries.append(raft::LogEntry{quint64(e.at(0).toInteger()), quint64(e.at(1).toInteger()),
                                            raft::LogEntry::Type(e.at(2).toInteger()), e.at(3).toByteArray()});
        }
    }
    m.leaderCommit = r.uint(KCommit);
    m.stamp = r.sint(KStamp);
    m.round = r.uint(KRound);
    m.success = r.flag(KSuccess);
    m.matchIndex = r.uint(KMatch);
    m.rejectIndex = r.uint(KReject);
    m.conflictIndex = r.uint(KConflictIndex);
    m.conflictTerm = r.uint(KConflictTerm);
    m.lastLogIndex = r.uint(KLastIndex);
    m.lastLogTerm = r.uint(KLastTerm);
    m.preVote = r.flag(KPreVote);
    m.leadershipTransfer = r.flag(KTransfer);
    const bool snapshot = m.type == raft::Message::Type::InstallSnapshot;
    if (snapshot || m.type == raft::Message::Type::InstallSnapshotResponse) {
        m.snapshot.index = r.uint(KSnapIndex);
        m.snapshot.term = r.uint(KSnapTerm);
        m.snapshotOffset = r.uint(KSnapOffset);
    }
    if (snapshot) {
        m.snapshotDone = r.flag(KSnapDone);
        const QByteArray config = r.bytes(KSnapConfig);
        if (r.ok && !raft::Configuration::decode(config, &m.snapshot.configuration)) {
            *error = u"malformed snapshot configuration"_s;
            return false;
        }
        m.snapshotData = r.bytes(KSnapData);
    }
    if (!r.ok)
        return false;
    if (m.from.isEmpty()) {
        *error = u"raft message without a sender"_s;
        return false;
    }
    *out = std::move(m);
    return true;
}

} // namespace qonsul::rpc

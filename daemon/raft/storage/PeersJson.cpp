#include "raft/storage/PeersJson.h"

#include <QFile>
#include <QJsonArray>
#include <QJsonDocument>
#include <QJsonObject>
#include <QSet>

using namespace Qt::StringLiterals;

namespace qonsul::raft {

std::optional<Configuration> readPeersJson(const QString &path, QString *error)
{
    QFile file(path);
    if (!file.open(QIODevice::ReadOnly)) {
        *error = u"cannot read %1: %2"_s.arg(path, file.errorString());
        return std::nullopt;
    }
    QJsonParseError parseError;
    const QJsonDocument doc = QJsonDocument::fromJson(file.readAll(), &parseError);
    if (parseError.error != QJsonParseError::NoError || !doc.isArray()) {
        *error = u"%1 is not a JSON array: %2"_s.arg(path,
            parseError.error != QJsonParseError::NoError ? parseError.errorString()
                                                         : u"another JSON value"_s);
        return std::nullopt;
    }
    Configuration config;
    QSet<QString> ids, addresses;
    const QJsonArray array = doc.array();
    for (qsizetype i = 0; i < array.size(); ++i) {
        const QJsonValue v = array.at(i);
        Server s;
        if (v.isString()) { // Raft protocol 2: the address is the id
            s.id = s.address = v.toString();
        } else if (v.isObject()) {
            const QJsonObject o = v.toObject();
            const QJsonValue nonVoter = o.value(u"non_voter"_s);
            if (!o.value(u"id"_s).isString() || !o.value(u"address"_s).isString()
                || !(nonVoter.isUndefined() || nonVoter.isBool())) {
                *error = u"%1: server %2 needs \"id\" and \"address\" strings and an optional boolean "
                         "\"non_voter\""_s.arg(path)
                             .arg(i);
                return std::nullopt;
            }
            s.id = o.value(u"id"_s).toString();
            s.address = o.value(u"address"_s).toString();
            s.suffrage = nonVoter.toBool() ? Suffrage::Nonvoter : Suffrage::Voter;
        } else {
            *error = u"%1: server %2 is neither an object nor an address string"_s.arg(path).arg(i);
            return std::nullopt;
        }
        if (s.id.isEmpty() || s.address.isEmpty()) {
            *error = u"%1: server %2 has an empty id or address"_s.arg(path).arg(i);
            return std::nullopt;
        }
        if (ids.contains(s.id) || addresses.contains(s.address)) {
            *error = u"%1: server %2 repeats the id %3 or the address %4"_s.arg(path).arg(i).arg(
                s.id, s.address);
            return std::nullopt;
        }
        ids.insert(s.id);
        addresses.insert(s.address);
        config.servers.append(s);
    }
    if (config.voters().isEmpty()) {
        *error = u"%1 names no voter: a cluster needs at least one"_s.arg(path);
        return std::nullopt;
    }
    return config;
}

bool recoverCluster(LogStore &log, const StableStore &stable, SnapshotStore &snapshots, StateMachine &scratch,
    const Configuration &configuration, QString *error)
{
    const std::optional<SnapshotMeta> snapshot = snapshots.latest();
    if (stable.currentTerm() == 0 && log.lastIndex() == 0 && !snapshot) {
        *error = u"refusing to recover a server that has no Raft state; peers.json belongs next to the data "
                 "of a server that was part of the cluster"_s;
        return false;
    }
    SnapshotMeta meta { 0, 0, configuration };
    if (snapshot) {
        if (!scratch.restore(snapshots.latestData(), *snapshot)) {
            *error = u"the latest snapshot (index %1) cannot be restored"_s.arg(snapshot->index);
            return false;
        }
        meta.index = snapshot->index;
        meta.term = snapshot->term;
    }
    for (quint64 i = std::max(log.firstIndex(), meta.index + 1); i <= log.lastIndex(); ++i) {
        const LogEntry e = log.entry(i);
        if (e.type == LogEntry::Type::Command)
            scratch.apply(e);
        meta.index = e.index;
        meta.term = e.term;
    }
    // The new configuration as of the last index, in a snapshot: no older configuration entry
    // can come back from the log, which is emptied next.
    if (!snapshots.save(meta, scratch.capture()())) {
        *error = u"cannot save the recovered snapshot (see the log)"_s;
        return false;
    }
    if (!log.truncateBefore(meta.index + 1)) {
        *error = u"cannot empty the log after saving the recovered snapshot (see the log)"_s;
        return false;
    }
    return true;
}

} // namespace qonsul::raft

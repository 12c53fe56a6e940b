#include "state/StateStore.h"
#include "state/Command.h"

#include "core/Burst.h"
#include "core/Logging.h"

#include <QCborArray>
#include <QCborStreamReader>

namespace qonsul::state {

namespace {
const QString kNodes = QStringLiteral("nodes");
const QString kServices = QStringLiteral("services");
const QString kChecks = QStringLiteral("checks");
const QString kKvs = QStringLiteral("kvs");
const QString kTombstones = QStringLiteral("tombstones");
const QString kSessions = QStringLiteral("sessions");
} // namespace

StateStore::StateStore() = default;

QJsonObject StateStore::withIndexes(QJsonObject record, const QJsonObject *stored) const
{
    record.insert(QStringLiteral("CreateIndex"), stored ? stored->value(u"CreateIndex").toDouble() : double(m_applying));
    record.insert(QStringLiteral("ModifyIndex"), double(m_applying));
    return record;
}

void StateStore::touchTable(QStringView table)
{
    m_tableIndex[table.toString()] = m_applying;
    m_changes.table(table);
}

ApplyResult StateStore::apply(quint64 index, const QCborMap &command)
{
    // Indexes only grow. After a restore of a snapshot taken further along than this log, the
    // log's indexes are behind the store's: writes then take the next store index, which every
    // replica computes alike because they apply the same sequence.
    Q_ASSERT(index > 0);
    m_applying = std::max(index, m_lastIndex + 1);
    m_changes.clear();
    const QString type = command.value(QStringLiteral("t")).toString();
    ApplyResult result;
    if (type == u"kv")
        result = applyKv(command);
    else if (type == u"txn")
        result = applyTxn(command);
    else if (type == u"register")
        result = applyRegister(command);
    else if (type == u"deregister")
        result = applyDeregister(command);
    else if (type == u"session-create")
        result = applySessionCreate(command);
    else if (type == u"session-destroy")
        result = applySessionDestroy(command);
    else if (type == u"tombstone-reap")
        result = applyTombstoneReap(command);
    else if (type == u"query-set")
        result = applyQuerySet(command);
    else if (type == u"query-delete")
        result = applyQueryDelete(command);
    else if (type == u"config-set")
        result = applyConfigSet(command);
    else if (type == u"config-delete")
        result = applyConfigDelete(command);
    else if (type == u"autopilot-set")
        result = applyAutopilotSet(command);
    else if (type == u"coordinate-batch")
        result = applyCoordinateBatch(command);
    else if (type == u"restore")
        result = applyRestore(command);
    else
        result.error = QStringLiteral("unknown command type '%1'").arg(type);
    m_lastIndex = std::max(m_lastIndex, m_applying); // a restore may have moved it further
    if (!m_changes.isEmpty()) {
        ChangeSet changes;
        std::swap(changes, m_changes);
        core::BurstScope burst; // replies to the woken queries go out together (http/ParallelSender)
        m_watches.notify(changes);
    }
    return result;
}

// ---------------------------------------------------------------- KV

void StateStore::kvWrite(api::KvEntry entry)
{
    const auto it = m_kv.constFind(entry.key);
    entry.modifyIndex = m_applying;
    entry.createIndex = it != m_kv.constEnd() ? it->createIndex : m_applying;
    if (it != m_kv.constEnd() && !it->session.isEmpty() && it->session != entry.session)
        m_sessionKeys[it->session].remove(entry.key);
    if (!entry.session.isEmpty())
        m_sessionKeys[entry.session].insert(entry.key);
    m_tombstones.remove(entry.key);
    m_changes.key(entry.key);
    const QString key = entry.key;
    m_kv.insert(key, std::move(entry));
    touchTable(kKvs);
}

void StateStore::kvErase(const QString &key)
{
    const auto it = m_kv.constFind(key);
    if (it == m_kv.constEnd())
        return;
    if (!it->session.isEmpty())
        m_sessionKeys[it->session].remove(key);
    m_kv.remove(key);
    m_tombstones.insert(key, m_applying);
    m_changes.key(key);
    touchTable(kKvs);
    touchTable(kTombstones);
}

StateStore::KvOutcome StateStore::kvOp(QStringView verb, const QCborMap &op, qint64 now, bool dryRun)
{
    KvOutcome out;
    const QString key = op.value(QStringLiteral("key")).toString();
    const QByteArray value = op.value(QStringLiteral("value")).toByteArray();
    const quint64 flags = quint64(op.value(QStringLiteral("flags")).toInteger());
    const quint64 index = quint64(op.value(QStringLiteral("index")).toInteger());
    const QString session = op.value(QStringLiteral("session")).toString();
    const auto existing = m_kv.constFind(key);
    const bool exists = existing != m_kv.constEnd();
    auto fail = [&out](QString why) {
        out.ok = false;
        out.error = std::move(why);
        return out;
    };
    auto invalid = [&out](QString why) {
        out.ok = false;
        out.invalid = true;
        out.error = std::move(why);
        return out;
    };
    auto write = [&](api::KvEntry e) {
        if (!dryRun) {
            kvWrite(e);
            out.entry = m_kv.value(e.key);
        } else {
            out.entry = e;
        }
    };

    if (verb == u"set" || verb == u"cas") {
        if (verb == u"cas" && casRefused(index, exists ? &*existing : nullptr))
            return fail(QStringLiteral("failed to set key \"%1\", index is stale").arg(key));
        api::KvEntry e = exists ? *existing : api::KvEntry{};
        e.key = key;
        e.value = value;
        e.flags = flags;
        write(e);
    } else if (verb == u"lock") {
        if (session.isEmpty())
            return invalid(QStringLiteral("missing session"));
        if (!m_sessions.contains(session))
            return invalid(QStringLiteral("invalid session \"%1\"").arg(session));
        if (exists && !existing->session.isEmpty() && existing->session != session)
            return fail(QStringLiteral("key \"%1\" is already locked").arg(key));
        if (m_lockDelays.value(key) > now && !(exists && existing->session == session))
            return fail(QStringLiteral("key \"%1\" is in a lock delay").arg(key));
        api::KvEntry e = exists ? *existing : api::KvEntry{};
        if (!exists || e.session != session)
            ++e.lockIndex;
        e.key = key;
        e.value = value;
        e.flags = flags;
        e.session = session;
        write(e);
    } else if (verb == u"unlock") {
        if (session.isEmpty())
            return invalid(QStringLiteral("missing session"));
        if (!exists || existing->session != session)
            return fail(QStringLiteral("key \"%1\" is not locked by session \"%2\"").arg(key, session));
        api::KvEntry e = *existing;
        e.value = value;
        e.flags = flags;
        e.session.clear();
        write(e);
    } else if (verb == u"get" || verb == u"get-or-empty") {
        if (exists)
            out.entry = *existing;
        else if (verb == u"get")
            return fail(QStringLiteral("key \"%1\" doesn't exist").arg(key));
    } else if (verb == u"get-tree") {
        for (auto it = m_kv.lowerBound(key); it != m_kv.constEnd() && it.key().startsWith(key); ++it)
            out.entries.append(*it);
    } else if (verb == u"check-index") {
        if (!exists)
            return fail(QStringLiteral("key \"%1\" doesn't exist").arg(key));
        if (existing->modifyIndex != index)
            return fail(QStringLiteral("current modify index %1 != %2").arg(existing->modifyIndex).arg(index));
        out.entry = *existing;
    } else if (verb == u"check-session") {
        if (!exists)
            return fail(QStringLiteral("key \"%1\" doesn't exist").arg(key));
        if (existing->session != session)
            return fail(QStringLiteral("current session %1 != %2").arg(existing->session, session));
        out.entry = *existing;
    } else if (verb == u"check-not-exists") {
        if (exists)
            return fail(QStringLiteral("key \"%1\" exists").arg(key));
    } else if (verb == u"delete") {
        if (!dryRun)
            kvErase(key);
    } else if (verb == u"delete-cas") {
        // A missing key counts as deleted (Consul answers true).
        if (exists && existing->modifyIndex != index)
            return fail(QStringLiteral("failed to delete key \"%1\", index is stale").arg(key));
        if (!dryRun)
            kvErase(key);
    } else if (verb == u"delete-tree") {
        if (!dryRun) {
            QStringList doomed;
            for (auto it = m_kv.lowerBound(key); it != m_kv.constEnd() && it.key().startsWith(key); ++it)
                doomed.append(it.key());
            for (const QString &k : std::as_const(doomed))
                kvErase(k);
        }
    } else {
        return fail(QStringLiteral("unknown KV verb \"%1\"").arg(verb));
    }
    return out;
}

ApplyResult StateStore::applyKv(const QCborMap &cmd)
{
    const QString verb = cmd.value(QStringLiteral("verb")).toString();
    const KvOutcome outcome = kvOp(verb, cmd, cmd.value(QStringLiteral("now")).toInteger(), false);
    ApplyResult r;
    r.value = outcome.ok;
    if (outcome.invalid)
        r.error = outcome.error;
    return r;
}

ApplyResult StateStore::applyTombstoneReap(const QCborMap &cmd)
{
    const quint64 upTo = quint64(cmd.value(QStringLiteral("index")).toInteger());
    for (auto it = m_tombstones.begin(); it != m_tombstones.end();) {
        if (it.value() <= upTo)
            it = m_tombstones.erase(it);
        else
            ++it;
    }
    return {};
}

quint64 StateStore::kvGet(const QString &key, std::optional<api::KvEntry> *out, WatchSet *ws) const
{
    if (ws)
        ws->addKey(key);
    const auto it = m_kv.constFind(key);
    if (it != m_kv.constEnd()) {
        *out = *it;
        return it->modifyIndex;
    }
    out->reset();
    return std::max(m_tableIndex.value(kKvs), m_tableIndex.value(kTombstones));
}

quint64 StateStore::kvList(const QString &prefix, QList<api::KvEntry> *out, WatchSet *ws) const
{
    if (ws)
        ws->addPrefix(prefix);
    quint64 index = 0;
    for (auto it = m_kv.lowerBound(prefix); it != m_kv.constEnd() && it.key().startsWith(prefix); ++it) {
        out->append(*it);
        index = std::max(index, it->modifyIndex);
    }
    for (auto it = m_tombstones.lowerBound(prefix); it != m_tombstones.constEnd() && it.key().startsWith(prefix); ++it)
        index = std::max(index, it.value());
    // The whole tree uses the table indexes, which never go back when tombstones are reaped.
    if (!index || prefix.isEmpty())
        index = std::max({index, m_tableIndex.value(kKvs), m_tableIndex.value(kTombstones)});
    return index;
}

quint64 StateStore::kvKeys(const QString &prefix, const QString &separator, QStringList *out, WatchSet *ws) const
{
    if (ws)
        ws->addPrefix(prefix);
    quint64 index = 0;
    QString last;
    for (auto it = m_kv.lowerBound(prefix); it != m_kv.constEnd() && it.key().startsWith(prefix); ++it) {
        index = std::max(index, it->modifyIndex);
        QString key = it.key();
        if (!separator.isEmpty()) {
            const qsizetype at = key.indexOf(separator, prefix.size());
            if (at >= 0)
                key.truncate(at + separator.size());
        }
        if (key != last) {
            out->append(key);
            last = key;
        }
    }
    for (auto it = m_tombstones.lowerBound(prefix); it != m_tombstones.constEnd() && it.key().startsWith(prefix); ++it)
        index = std::max(index, it.value());
    if (!index || prefix.isEmpty())
        index = std::max({index, m_tableIndex.value(kKvs), m_tableIndex.value(kTombstones)});
    return index;
}

} // namespace qonsul::state

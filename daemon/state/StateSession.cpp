// Sessions in the state store: creation bound to a node and its checks, destruction with
// release/delete of held locks and lock-delay, and invalidation when a bound check goes critical.
#include "state/Command.h"
#include "state/StateStore.h"

#include <QCborArray>

namespace qonsul::state {

namespace {
const QString kSessions = QStringLiteral("sessions");
} // namespace

ApplyResult StateStore::applySessionCreate(const QCborMap &cmd)
{
    ApplyResult r;
    const QJsonObject o = command::toJson(cmd.value(QStringLiteral("session")));
    api::Session s;
    s.id = cmd.value(QStringLiteral("id")).toString();
    s.name = o.value(u"Name").toString();
    s.node = o.value(u"Node").toString();
    s.lockDelay = qint64(o.value(u"LockDelay").toDouble());
    s.behavior = o.value(u"Behavior").toString(QStringLiteral("release"));
    s.ttl = o.value(u"TTL").toString();
    for (const QJsonValue &v : o.value(u"NodeChecks").toArray())
        s.nodeChecks.append(v.toString());
    for (const QJsonValue &v : o.value(u"ServiceChecks").toArray())
        s.serviceChecks.append(v.toString());
    if (m_sessions.contains(s.id)) {
        r.error = QStringLiteral("Session ID '%1' already exists").arg(s.id);
        return r;
    }
    // Consul finds the node and its checks by their lower-case node index, and keeps the session's
    // Node as given; its node's deletion and checks find the session the same way.
    const api::Node *node = findNodeAnyCase(s.node);
    if (!node) {
        r.error = QStringLiteral("Missing node registration");
        return r;
    }
    for (const QString &id : s.nodeChecks + s.serviceChecks) {
        const api::HealthCheck *c = findCheck(node->node, id);
        if (!c) {
            r.error = QStringLiteral("Missing check '%1' registration").arg(id);
            return r;
        }
        if (c->status == u"critical") {
            r.error = QStringLiteral("Check '%1' is in critical state").arg(id);
            return r;
        }
    }
    s.createIndex = s.modifyIndex = m_applying;
    m_sessions.insert(s.id, s);
    touchTable(kSessions);
    r.value = s.id;
    return r;
}

ApplyResult StateStore::applySessionDestroy(const QCborMap &cmd)
{
    destroySession(cmd.value(QStringLiteral("id")).toString(), cmd.value(QStringLiteral("now")).toInteger(), false);
    ApplyResult r;
    r.value = true;
    return r;
}

void StateStore::destroySession(const QString &id, qint64 now, bool invalidated)
{
    Q_UNUSED(invalidated);
    const auto it = m_sessions.constFind(id);
    if (it == m_sessions.constEnd())
        return;
    const api::Session session = *it;
    m_sessions.erase(it);
    touchTable(kSessions);
    deleteQueriesOfSession(id);
    const QSet<QString> keys = m_sessionKeys.take(id);
    for (const QString &key : keys) {
        const auto entry = m_kv.constFind(key);
        if (entry == m_kv.constEnd() || entry->session != id)
            continue;
        if (session.behavior == u"delete") {
            kvErase(key);
        } else {
            api::KvEntry e = *entry;
            e.session.clear();
            kvWrite(e);
        }
        if (session.lockDelay > 0)
            m_lockDelays.insert(key, now + session.lockDelay / kMillisecond);
    }
}

void StateStore::invalidateSessionsFor(const QString &node, const QString &checkId, qint64 now)
{
    QStringList doomed;
    for (const api::Session &s : std::as_const(m_sessions)) {
        if (s.node.compare(node, Qt::CaseInsensitive) == 0
            && (s.nodeChecks.contains(checkId) || s.serviceChecks.contains(checkId)))
            doomed.append(s.id);
    }
    for (const QString &id : std::as_const(doomed))
        destroySession(id, now, true);
}

quint64 StateStore::session(const QString &id, std::optional<api::Session> *out, WatchSet *ws) const
{
    if (ws)
        ws->addTable(kSessions);
    const auto it = m_sessions.constFind(id);
    if (it != m_sessions.constEnd())
        *out = *it;
    else
        out->reset();
    return m_tableIndex.value(kSessions);
}

quint64 StateStore::sessions(QList<api::Session> *out, WatchSet *ws) const
{
    if (ws)
        ws->addTable(kSessions);
    *out = m_sessions.values();
    return m_tableIndex.value(kSessions);
}

quint64 StateStore::nodeSessions(const QString &node, QList<api::Session> *out, WatchSet *ws) const
{
    if (ws)
        ws->addTable(kSessions);
    for (const api::Session &s : m_sessions) {
        if (s.node.compare(node, Qt::CaseInsensitive) == 0) // Consul's sessions index nodes in lower case
            out->append(s);
    }
    return m_tableIndex.value(kSessions);
}

} // namespace qonsul::state

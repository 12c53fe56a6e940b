// The prepared-queries table: writes with Consul's integrity checks, lookups by ID, name and
// template prefix.
#include "state/Command.h"
#include "state/StateStore.h"

#include <QUuid>

namespace qonsul::state {

namespace {
const QString kQueries = QStringLiteral("prepared-queries");

bool looksLikeUuid(const QString &s)
{
    return s.size() == 36 && !QUuid::fromString(s).isNull();
}
} // namespace

ApplyResult StateStore::applyQuerySet(const QCborMap &cmd)
{
    ApplyResult r;
    PreparedQuery query;
    query.definition = command::toJson(cmd.value(QStringLiteral("query")));
    const QString id = query.id();
    const bool create = cmd.value(QStringLiteral("create")).toBool();
    const auto existing = m_queries.constFind(id);
    if (create && existing != m_queries.constEnd()) {
        r.error = QStringLiteral("Prepared query ID '%1' is already in use").arg(id);
        return r;
    }
    if (!create && existing == m_queries.constEnd()) {
        r.error = QStringLiteral("Cannot modify non-existent prepared query: '%1'").arg(id);
        return r;
    }
    // Names (case-insensitive) are unique, a name may not shadow another query's ID, and there
    // is at most one catch-all template (empty name).
    const QString name = query.name();
    for (const PreparedQuery &other : std::as_const(m_queries)) {
        if (other.id() == id)
            continue;
        if (!name.isEmpty() && other.name().compare(name, Qt::CaseInsensitive) == 0) {
            r.error = QStringLiteral("name '%1' aliases an existing query name").arg(name);
            return r;
        }
        if (name.isEmpty() && query.isTemplate() && other.isTemplate() && other.name().isEmpty()) {
            r.error = QStringLiteral("a query template with an empty name already exists");
            return r;
        }
    }
    if (!name.isEmpty() && m_queries.contains(name)) {
        r.error = QStringLiteral("name '%1' aliases an existing query id").arg(name);
        return r;
    }
    if (!query.session().isEmpty() && !m_sessions.contains(query.session())) {
        r.error = QStringLiteral("invalid session \"%1\"").arg(query.session());
        return r;
    }
    query.createIndex = existing != m_queries.constEnd() ? existing->createIndex : m_applying;
    query.modifyIndex = m_applying;
    m_queries.insert(id, query);
    touchTable(kQueries);
    r.value = true;
    return r;
}

ApplyResult StateStore::applyQueryDelete(const QCborMap &cmd)
{
    ApplyResult r;
    const QString id = cmd.value(QStringLiteral("id")).toString();
    if (!m_queries.remove(id)) {
        r.error = QStringLiteral("Cannot modify non-existent prepared query: '%1'").arg(id);
        return r;
    }
    touchTable(kQueries);
    r.value = true;
    return r;
}

void StateStore::deleteQueriesOfSession(const QString &session)
{
    bool changed = false;
    for (auto it = m_queries.begin(); it != m_queries.end();) {
        if (it->session() == session) {
            it = m_queries.erase(it);
            changed = true;
        } else {
            ++it;
        }
    }
    if (changed)
        touchTable(kQueries);
}

quint64 StateStore::preparedQueries(QList<PreparedQuery> *out, WatchSet *ws) const
{
    if (ws)
        ws->addTable(kQueries);
    *out = m_queries.values();
    return tableIndex(kQueries);
}

quint64 StateStore::preparedQuery(const QString &id, std::optional<PreparedQuery> *out, WatchSet *ws) const
{
    if (ws)
        ws->addTable(kQueries);
    const auto it = m_queries.constFind(id);
    if (it != m_queries.constEnd())
        *out = *it;
    else
        out->reset();
    return tableIndex(kQueries);
}

quint64 StateStore::resolvePreparedQuery(
    const QString &idOrName, std::optional<PreparedQuery> *out, QString *error, WatchSet *ws) const
{
    out->reset();
    const quint64 index = preparedQuery(looksLikeUuid(idOrName) ? idOrName : QString(), out, ws);
    if (*out) {
        if (out->value().isTemplate()) {
            out->reset();
            *error = QStringLiteral("prepared query templates can only be resolved up by name, not by ID");
        }
        return index;
    }
    if (idOrName.isEmpty())
        return index;
    const PreparedQuery *best = nullptr;
    for (const PreparedQuery &q : m_queries) {
        const QString name = q.name();
        if (!name.isEmpty() && name.compare(idOrName, Qt::CaseInsensitive) == 0) {
            best = &q; // an exact name wins over every template prefix
            break;
        }
        if (q.isTemplate() && idOrName.startsWith(name, Qt::CaseInsensitive)
            && (!best || name.size() > best->name().size()))
            best = &q;
    }
    if (best) {
        PreparedQuery rendered = *best;
        rendered.definition = preparedquery::render(best->definition, idOrName);
        *out = rendered;
    }
    return index;
}

} // namespace qonsul::state

// The config-entries table: kind -> name -> entry, written whole, with Consul's check-and-set.
#include "state/Command.h"
#include "state/StateStore.h"

namespace qonsul::state {

namespace {
const QString kConfigEntries = QStringLiteral("config-entries");

quint64 modifyIndexOf(const QJsonObject &entry)
{
    return quint64(entry.value(u"ModifyIndex").toDouble());
}
} // namespace

ApplyResult StateStore::applyConfigSet(const QCborMap &cmd)
{
    ApplyResult r;
    QJsonObject entry = command::toJson(cmd.value(QStringLiteral("entry")));
    const QString kind = entry.value(u"Kind").toString();
    const QString name = entry.value(u"Name").toString();
    const auto byKind = m_configEntries.constFind(kind);
    const QJsonObject *existing = nullptr;
    if (byKind != m_configEntries.constEnd()) {
        const auto it = byKind->constFind(name);
        if (it != byKind->constEnd())
            existing = &*it;
    }
    // cas=0 writes only a new entry; otherwise the stored one must be at that index.
    if (cmd.contains(QStringLiteral("cas"))) {
        const quint64 cas = quint64(cmd.value(QStringLiteral("cas")).toInteger());
        if (casRefused(cas, existing ? std::optional(modifyIndexOf(*existing)) : std::nullopt)) {
            r.value = false;
            return r;
        }
    } else if (existing) {
        // Writing the same entry again changes nothing, not even its ModifyIndex (Consul skips
        // such no-op upserts).
        QJsonObject current = *existing;
        current.remove(QStringLiteral("CreateIndex"));
        current.remove(QStringLiteral("ModifyIndex"));
        if (current == entry) {
            r.value = true;
            return r;
        }
    }
    entry = withIndexes(entry, existing);
    m_configEntries[kind].insert(name, entry);
    touchTable(kConfigEntries);
    r.value = true;
    return r;
}

ApplyResult StateStore::applyConfigDelete(const QCborMap &cmd)
{
    ApplyResult r;
    const QString kind = cmd.value(QStringLiteral("kind")).toString();
    const QString name = cmd.value(QStringLiteral("name")).toString();
    const auto byKind = m_configEntries.find(kind);
    const bool exists = byKind != m_configEntries.end() && byKind->contains(name);
    // With cas, only the entry at that index goes (cas=0 deletes nothing, a missing entry is
    // "not deleted"); without, deleting a missing entry succeeds.
    if (cmd.contains(QStringLiteral("cas"))
        && (!exists
            || modifyIndexOf(byKind->value(name)) != quint64(cmd.value(QStringLiteral("cas")).toInteger()))) {
        r.value = false;
        return r;
    }
    if (exists) {
        byKind->remove(name);
        if (byKind->isEmpty())
            m_configEntries.erase(byKind);
        touchTable(kConfigEntries);
    }
    r.value = true;
    return r;
}

quint64 StateStore::configEntry(
    const QString &kind, const QString &name, std::optional<QJsonObject> *out, WatchSet *ws) const
{
    if (ws)
        ws->addTable(kConfigEntries);
    out->reset();
    const auto byKind = m_configEntries.constFind(kind);
    if (byKind != m_configEntries.constEnd()) {
        const auto it = byKind->constFind(name);
        if (it != byKind->constEnd())
            *out = *it;
    }
    return tableIndex(kConfigEntries);
}

quint64 StateStore::configEntries(const QString &kind, QList<QJsonObject> *out, WatchSet *ws) const
{
    if (ws)
        ws->addTable(kConfigEntries);
    for (auto it = m_configEntries.cbegin(); it != m_configEntries.cend(); ++it) {
        if (kind.isEmpty() || it.key() == kind)
            out->append(it->values());
    }
    return tableIndex(kConfigEntries);
}

} // namespace qonsul::state

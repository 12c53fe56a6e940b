// Transactions: a list of KV, node, service and check operations applied atomically. Every op
// runs in order against the live tables; if any fails, the tables are put back as they were
// (Qt's implicitly shared containers make the saved copy cheap until the first write).
#include "state/Command.h"
#include "state/StateStore.h"

#include <QCborArray>

using namespace Qt::StringLiterals;

namespace qonsul::state {

namespace {
QCborValue json(const QJsonObject &o)
{
    return QCborValue::fromJsonValue(o);
}
} // namespace

ApplyResult StateStore::applyTxn(const QCborMap &cmd)
{
    const QCborArray ops = cmd.value(QStringLiteral("ops")).toArray();
    const qint64 now = cmd.value(QStringLiteral("now")).toInteger();

    const auto savedTableIndex = m_tableIndex;
    const auto savedKv = m_kv;
    const auto savedTombstones = m_tombstones;
    const auto savedLockDelays = m_lockDelays;
    const auto savedSessionKeys = m_sessionKeys;
    const auto savedNodes = m_nodes;
    const auto savedNodeIds = m_nodeIds;
    const auto savedNodeNames = m_nodeNamesFolded;
    const auto savedServices = m_services;
    const auto savedChecks = m_checks;
    const auto savedInstances = m_serviceInstances;
    const auto savedServiceIndex = m_serviceIndex;
    const auto savedSessions = m_sessions;
    const auto savedCoordinates = m_coordinates; // a node's deletion takes its coordinates along

    QCborArray results;
    QCborArray errors;
    auto fail = [&errors](qsizetype i, const QString &what) {
        errors.append(QCborMap{{QStringLiteral("OpIndex"), qint64(i)}, {QStringLiteral("What"), what}});
    };
    // Op i on one node, service or check (`what`, `id` in messages; `existing` the stored one),
    // with Consul's verbs: get; set and cas (`set` writes it: its error, empty when written;
    // `stored` reads it back for the result); delete and delete-cas (`remove`).
    auto catalogOp = [&](qsizetype i, const QCborMap &op, const QString &what, const QString &id, const auto *existing,
                         const auto &set, const auto &stored, const auto &remove) {
        const QString verb = op.value(QStringLiteral("verb")).toString();
        const quint64 index = quint64(op.value(QStringLiteral("index")).toInteger());
        const QString key = what.first(1).toUpper() + what.mid(1); // "Node": the result's key
        if (verb == u"get") {
            if (!existing)
                fail(i, QStringLiteral("%1 \"%2\" doesn't exist").arg(what, id));
            else
                results.append(QCborMap{{key, json(api::toJson(*existing))}});
        } else if (verb == u"set" || verb == u"cas") {
            if (verb == u"cas" && casRefused(index, existing)) {
                fail(i, QStringLiteral("failed to set %1 \"%2\", index is stale").arg(what, id));
                return;
            }
            if (const QString why = set(); !why.isEmpty())
                fail(i, why);
            else
                results.append(QCborMap{{key, json(api::toJson(*stored()))}});
        } else if (verb == u"delete" || verb == u"delete-cas") {
            if (verb == u"delete-cas" && (!existing || existing->modifyIndex != index)) {
                fail(i, QStringLiteral("failed to delete %1 \"%2\", index is stale").arg(what, id));
                return;
            }
            remove();
        } else {
            fail(i, QStringLiteral("unknown %1 verb \"%2\"").arg(key, verb));
        }
    };

    for (qsizetype i = 0; i < ops.size(); ++i) {
        const QCborMap op = ops.at(i).toMap();
        const QString kind = op.value(QStringLiteral("kind")).toString();
        const QString verb = op.value(QStringLiteral("verb")).toString();
        if (kind == u"kv") {
            const KvOutcome out = kvOp(verb, op, now, false);
            if (!out.ok) {
                fail(i, out.error);
                continue;
            }
            const bool read = verb == u"get" || verb == u"get-or-empty" || verb == u"get-tree";
            if (verb == u"get-tree") {
                for (const api::KvEntry &e : out.entries)
                    results.append(QCborMap{{QStringLiteral("KV"), json(api::toJson(e))}});
            } else if (out.entry) {
                api::KvEntry e = *out.entry;
                if (!read)
                    e.value.clear();
                results.append(QCborMap{{QStringLiteral("KV"), json(api::toJson(e))}});
            } else if (verb == u"get-or-empty") {
                results.append(QCborMap{{QStringLiteral("KV"), QCborValue()}});
            }
        } else if (kind == u"node") {
            api::Node node;
            QString error;
            api::fromJson(command::toJson(op.value(QStringLiteral("node"))), &node, &error);
            if (node.node.isEmpty()) {
                fail(i, QStringLiteral("Must provide node"));
                continue;
            }
            // Consul reads, compares and deletes the node by its lower-case name index (getNodeTxn,
            // deleteNodeTxn): the name in any case.
            const api::Node *existing = findNodeAnyCase(node.node);
            catalogOp(i, op, u"node"_s, node.node, existing,
                [&] {
                    const QString conflict = nodeIdConflict(node);
                    if (conflict.isEmpty())
                        ensureNode(node, now);
                    return conflict;
                },
                [&] { return findNode(node.node); },
                [&] {
                    if (existing)
                        deleteNode(QString(existing->node), now); // a copy: deleteNode removes what it names
                });
        } else if (kind == u"service") {
            const QString nodeName = op.value(QStringLiteral("node")).toString();
            api::Service service;
            QString error;
            api::fromJson(command::toJson(op.value(QStringLiteral("service"))), &service, &error);
            catalogOp(i, op, u"service"_s, service.id, findService(nodeName, service.id),
                [&] {
                    if (service.service.isEmpty())
                        return QStringLiteral("Must provide service name");
                    return ensureService(nodeName, service);
                },
                [&] { return findService(nodeName, service.id); },
                [&] { deleteService(nodeName, service.id, now); });
        } else if (kind == u"check") {
            api::HealthCheck check;
            QString error;
            api::fromJson(command::toJson(op.value(QStringLiteral("check"))), &check, &error);
            catalogOp(i, op, u"check"_s, check.checkId, findCheck(check.node, check.checkId),
                [&] { return ensureCheck(check, now); }, [&] { return findCheck(check.node, check.checkId); },
                [&] { deleteCheck(check.node, check.checkId, now); });
        } else {
            fail(i, QStringLiteral("unknown operation kind \"%1\"").arg(kind));
        }
    }

    ApplyResult r;
    if (!errors.isEmpty()) {
        m_tableIndex = savedTableIndex;
        m_kv = savedKv;
        m_tombstones = savedTombstones;
        m_lockDelays = savedLockDelays;
        m_sessionKeys = savedSessionKeys;
        m_nodes = savedNodes;
        m_nodeIds = savedNodeIds;
        m_nodeNamesFolded = savedNodeNames;
        m_services = savedServices;
        m_checks = savedChecks;
        m_serviceInstances = savedInstances;
        m_serviceIndex = savedServiceIndex;
        m_sessions = savedSessions;
        m_coordinates = savedCoordinates;
        m_changes.clear();
        r.value = QCborMap{{QStringLiteral("Errors"), errors}};
    } else {
        r.value = QCborMap{{QStringLiteral("Results"), results}};
    }
    return r;
}

} // namespace qonsul::state

// Transactions: a list of KV, node, service and check operations applied atomically. Every op
// runs in order against the live tables; if any fails, the tables are put back as they were
// (Qt's implicitly shared containers make the saved copy cheap until the first write).
#include "state/Command.h"
#include "state/StateStore.h"

#include <QCborArray>

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
            const api::Node *existing = findNode(node.node);
            const quint64 index = quint64(op.value(QStringLiteral("index")).toInteger());
            if (node.node.isEmpty()) {
                fail(i, QStringLiteral("Must provide node"));
            } else if (verb == u"get") {
                if (!existing)
                    fail(i, QStringLiteral("node \"%1\" doesn't exist").arg(node.node));
                else
                    results.append(QCborMap{{QStringLiteral("Node"), json(api::toJson(*existing))}});
            } else if (verb == u"set" || verb == u"cas") {
                if (verb == u"cas" && (index == 0 ? existing != nullptr : (!existing || existing->modifyIndex != index))) {
                    fail(i, QStringLiteral("failed to set node \"%1\", index is stale").arg(node.node));
                    continue;
                }
                if (const QString conflict = nodeIdConflict(node); !conflict.isEmpty()) {
                    fail(i, conflict);
                    continue;
                }
                ensureNode(node, false, now);
                results.append(QCborMap{{QStringLiteral("Node"), json(api::toJson(*findNode(node.node)))}});
            } else if (verb == u"delete" || verb == u"delete-cas") {
                if (verb == u"delete-cas" && (!existing || existing->modifyIndex != index)) {
                    fail(i, QStringLiteral("failed to delete node \"%1\", index is stale").arg(node.node));
                    continue;
                }
                deleteNode(node.node, now);
            } else {
                fail(i, QStringLiteral("unknown Node verb \"%1\"").arg(verb));
            }
        } else if (kind == u"service") {
            const QString nodeName = op.value(QStringLiteral("node")).toString();
            api::Service service;
            QString error;
            api::fromJson(command::toJson(op.value(QStringLiteral("service"))), &service, &error);
            const api::Service *existing = findService(nodeName, service.id);
            const quint64 index = quint64(op.value(QStringLiteral("index")).toInteger());
            if (verb == u"get") {
                if (!existing)
                    fail(i, QStringLiteral("service \"%1\" doesn't exist").arg(service.id));
                else
                    results.append(QCborMap{{QStringLiteral("Service"), json(api::toJson(*existing))}});
            } else if (verb == u"set" || verb == u"cas") {
                if (verb == u"cas" && (index == 0 ? existing != nullptr : (!existing || existing->modifyIndex != index))) {
                    fail(i, QStringLiteral("failed to set service \"%1\", index is stale").arg(service.id));
                    continue;
                }
                if (service.service.isEmpty()) {
                    fail(i, QStringLiteral("Must provide service name"));
                    continue;
                }
                const QString why = ensureService(nodeName, service);
                if (!why.isEmpty())
                    fail(i, why);
                else
                    results.append(
                        QCborMap{{QStringLiteral("Service"), json(api::toJson(*findService(nodeName, service.id)))}});
            } else if (verb == u"delete" || verb == u"delete-cas") {
                if (verb == u"delete-cas" && (!existing || existing->modifyIndex != index)) {
                    fail(i, QStringLiteral("failed to delete service \"%1\", index is stale").arg(service.id));
                    continue;
                }
                deleteService(nodeName, service.id, now);
            } else {
                fail(i, QStringLiteral("unknown Service verb \"%1\"").arg(verb));
            }
        } else if (kind == u"check") {
            api::HealthCheck check;
            QString error;
            api::fromJson(command::toJson(op.value(QStringLiteral("check"))), &check, &error);
            const api::HealthCheck *existing = findCheck(check.node, check.checkId);
            const quint64 index = quint64(op.value(QStringLiteral("index")).toInteger());
            if (verb == u"get") {
                if (!existing)
                    fail(i, QStringLiteral("check \"%1\" doesn't exist").arg(check.checkId));
                else
                    results.append(QCborMap{{QStringLiteral("Check"), json(api::toJson(*existing))}});
            } else if (verb == u"set" || verb == u"cas") {
                if (verb == u"cas" && (index == 0 ? existing != nullptr : (!existing || existing->modifyIndex != index))) {
                    fail(i, QStringLiteral("failed to set check \"%1\", index is stale").arg(check.checkId));
                    continue;
                }
                const QString why = ensureCheck(check, now);
                if (!why.isEmpty())
                    fail(i, why);
                else
                    results.append(
                        QCborMap{{QStringLiteral("Check"), json(api::toJson(*findCheck(check.node, check.checkId)))}});
            } else if (verb == u"delete" || verb == u"delete-cas") {
                if (verb == u"delete-cas" && (!existing || existing->modifyIndex != index)) {
                    fail(i, QStringLiteral("failed to delete check \"%1\", index is stale").arg(check.checkId));
                    continue;
                }
                deleteCheck(check.node, check.checkId, now);
            } else {
                fail(i, QStringLiteral("unknown Check verb \"%1\"").arg(verb));
            }
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

// Catalog tables of the state store: nodes, services, checks, and their reads.
#include "state/Command.h"
#include "state/StateStore.h"

#include <QCborArray>
#include <algorithm>
#include <cctype>

using namespace Qt::StringLiterals;

namespace qonsul::state {

namespace {
const QString kNodes = QStringLiteral("nodes");
const QString kServices = QStringLiteral("services");
const QString kChecks = QStringLiteral("checks");

bool sameNode(const api::Node &a, const api::Node &b)
{
    return a.id == b.id && a.address == b.address && a.datacenter == b.datacenter
        && a.taggedAddresses == b.taggedAddresses && a.meta == b.meta;
}

bool sameService(const api::Service &a, const api::Service &b)
{
    return a.kind == b.kind && a.service == b.service && a.tags == b.tags && a.address == b.address
        && a.taggedAddresses == b.taggedAddresses && a.meta == b.meta && a.port == b.port
        && a.socketPath == b.socketPath && a.weights.passing == b.weights.passing
        && a.weights.warning == b.weights.warning && a.enableTagOverride == b.enableTagOverride
        && a.proxy == b.proxy && a.connect == b.connect;
}

bool sameCheck(const api::HealthCheck &a, const api::HealthCheck &b)
{
    return a.name == b.name && a.status == b.status && a.notes == b.notes && a.output == b.output
        && a.serviceId == b.serviceId && a.serviceName == b.serviceName && a.serviceTags == b.serviceTags
        && a.type == b.type && a.definition == b.definition && a.interval == b.interval && a.timeout == b.timeout;
}

// A node ID as Consul's uuid index holds it: the UUID's bytes, here their lower-case hex digits.
QString nodeIdKey(const QString &id)
{
    return id.toLower().remove(u'-');
}

// A "node name or ID" read as an ID prefix the way Consul's nodeServices does: cut to an even
// length (resizeNodeLookupKey), then parsed by its uuid prefix index (variableLengthUUIDStringToBytes:
// at most 36 bytes and 4 hyphens, an even number of hex digits once the hyphens go). Lengths
// are Go's, in bytes. Empty when that parse fails (Consul then finds no node).
std::optional<QString> nodeIdPrefix(const QString &nameOrId)
{
    QByteArray s = nameOrId.toUtf8();
    if (s.size() % 2 != 0)
        s.chop(1);
    if (s.size() > 36 || s.count('-') > 4)
        return std::nullopt;
    s.replace("-", "");
    if (s.size() % 2 != 0
        || !std::all_of(s.cbegin(), s.cend(), [](char c) { return std::isxdigit(uchar(c)); }))
        return std::nullopt;
    return QString::fromLatin1(s).toLower();
}
} // namespace

void StateStore::touchService(const QString &name)
{
    m_serviceIndex[name] = m_applying;
    m_changes.service(name);
}

void StateStore::touchServicesOfNode(const QString &node)
{
    for (const api::Service &s : m_services.value(node))
        touchService(s.service);
    m_changes.node(node);
}

const api::Node *StateStore::findNodeById(const QString &id) const
{
    const auto it = m_nodeIds.constFind(nodeIdKey(id));
    return it == m_nodeIds.constEnd() ? nullptr : findNode(*it);
}

void StateStore::indexNode(const api::Node &node)
{
    if (!node.id.isEmpty())
        m_nodeIds.insert(nodeIdKey(node.id), node.node);
    m_nodeNamesFolded.insert(node.node.toLower(), node.node);
}

void StateStore::unindexNode(const api::Node &node)
{
    // Another node may have taken the ID over (a rename deletes the old holder first, so only
    // a restored inconsistent state gets here with it): its entry stays.
    if (const QString key = nodeIdKey(node.id); !node.id.isEmpty() && m_nodeIds.value(key) == node.node)
        m_nodeIds.remove(key);
    m_nodeNamesFolded.remove(node.node.toLower(), node.node);
}

QString StateStore::nodeNameReserved(const api::Node &node, bool allowClashWithoutId) const
{
    // Consul looks at every node whose name equals this one case-insensitively (the folded-name
    // index holds exactly those); only a registration with a new node ID, or one renaming a
    // node, gets this far.
    const QStringList sameName = m_nodeNamesFolded.values(node.node.toLower());
    for (const QString &name : sameName) {
        const api::Node &holder = *findNode(name);
        if (holder.id == node.id)
            continue;
        // No serfHealth: an external registration, not managed by an agent; may be taken over.
        const api::HealthCheck *serf = findCheck(holder.node, u"serfHealth"_s);
        const bool healthy = serf && serf->status != u"critical";
        if (!(holder.id.isEmpty() && allowClashWithoutId) && healthy)
            return u"Node name %1 is reserved by node %2 with name %3 (%4)"_s.arg(
                node.node, holder.id, holder.node, holder.address);
    }
    return {};
}

// As Consul's ensureNodeTxn: a node ID belongs to one node name. Renaming a node (its ID under
// another name) may not take a name a live node holds; a new ID may also take over a name
// registered without an ID.
QString StateStore::nodeIdConflict(const api::Node &node) const
{
    if (node.id.isEmpty())
        return {};
    if (const api::Node *sameId = findNodeById(node.id)) {
        if (sameId->node.compare(node.node, Qt::CaseInsensitive) == 0)
            return {};
        if (const QString reserved = nodeNameReserved(node, false); !reserved.isEmpty())
            return u"Error while renaming Node ID: \"%1\" (%2): %3"_s.arg(node.id, node.address, reserved);
        return {};
    }
    if (const QString reserved = nodeNameReserved(node, true); !reserved.isEmpty())
        return u"Error while renaming Node ID: \"%1\": %2"_s.arg(node.id, reserved);
    return {};
}

void StateStore::ensureNode(const api::Node &in, qint64 now)
{
    // The ID named another node: that one is renamed, its registrations go with its old name.
    if (const api::Node *renamed = in.id.isEmpty() ? nullptr : findNodeById(in.id);
        renamed && renamed->node != in.node)
        deleteNode(QString(renamed->node), now); // a copy: deleteNode removes what `renamed` points to
    auto it = m_nodes.find(in.node);
    if (it != m_nodes.end() && sameNode(*it, in))
        return;
    api::Node node = in;
    node.createIndex = it != m_nodes.end() ? it->createIndex : m_applying;
    node.modifyIndex = m_applying;
    if (it != m_nodes.end())
        unindexNode(*it);
    m_nodes.insert(node.node, node);
    indexNode(node);
    touchTable(kNodes);
    touchServicesOfNode(node.node);
}

QString StateStore::ensureService(const QString &node, api::Service service)
{
    if (!m_nodes.contains(node))
        return QStringLiteral("Missing node registration");
    auto &services = m_services[node];
    auto it = services.find(service.id);
    if (it != services.end()) {
        if (sameService(*it, service))
            return {};
        service.createIndex = it->createIndex;
        if (it->service != service.service) {
            m_serviceInstances[it->service][node].remove(service.id);
            touchService(it->service);
        }
    } else {
        service.createIndex = m_applying;
    }
    service.modifyIndex = m_applying;
    m_serviceInstances[service.service][node].insert(service.id);
    services.insert(service.id, service);
    touchTable(kServices);
    touchService(service.service);
    m_changes.node(node);
    // Checks of this service carry its name and tags.
    auto &checks = m_checks[node];
    for (api::HealthCheck &c : checks) {
        if (c.serviceId == service.id && (c.serviceName != service.service || c.serviceTags != service.tags)) {
            c.serviceName = service.service;
            c.serviceTags = service.tags;
            c.modifyIndex = m_applying;
            touchTable(kChecks);
        }
    }
    return {};
}

QString StateStore::ensureCheck(api::HealthCheck check, qint64 now)
{
    if (!m_nodes.contains(check.node))
        return QStringLiteral("Missing node registration");
    if (!api::isValidStatus(check.status))
        return QStringLiteral("Invalid check status '%1'").arg(check.status);
    if (!check.serviceId.isEmpty()) {
        const api::Service *svc = findService(check.node, check.serviceId);
        if (!svc)
            return QStringLiteral("Missing service registration");
        check.serviceName = svc->service;
        check.serviceTags = svc->tags;
    } else {
        check.serviceName.clear();
        check.serviceTags.clear();
    }
    auto &checks = m_checks[check.node];
    auto it = checks.find(check.checkId);
    if (it != checks.end()) {
        if (sameCheck(*it, check))
            return {};
        check.createIndex = it->createIndex;
    } else {
        check.createIndex = m_applying;
    }
    check.modifyIndex = m_applying;
    const QString node = check.node, id = check.checkId, serviceName = check.serviceName;
    const bool critical = check.status == u"critical";
    checks.insert(id, std::move(check));
    touchTable(kChecks);
    if (serviceName.isEmpty())
        touchServicesOfNode(node);
    else
        touchService(serviceName);
    m_changes.node(node);
    if (critical)
        invalidateSessionsFor(node, id, now);
    return {};
}

void StateStore::deleteCheck(const QString &node, const QString &checkId, qint64 now)
{
    auto nodeChecks = m_checks.find(node);
    if (nodeChecks == m_checks.end() || !nodeChecks->contains(checkId))
        return;
    const api::HealthCheck check = nodeChecks->take(checkId);
    touchTable(kChecks);
    if (check.serviceName.isEmpty())
        touchServicesOfNode(node);
    else
        touchService(check.serviceName);
    m_changes.node(node);
    invalidateSessionsFor(node, checkId, now);
}

void StateStore::deleteService(const QString &node, const QString &serviceId, qint64 now)
{
    auto nodeServices = m_services.find(node);
    if (nodeServices == m_services.end() || !nodeServices->contains(serviceId))
        return;
    QStringList doomedChecks;
    for (const api::HealthCheck &c : m_checks.value(node)) {
        if (c.serviceId == serviceId)
            doomedChecks.append(c.checkId);
    }
    for (const QString &id : std::as_const(doomedChecks))
        deleteCheck(node, id, now);
    const api::Service service = nodeServices->take(serviceId);
    auto instances = m_serviceInstances.find(service.service);
    if (instances != m_serviceInstances.end()) {
        (*instances)[node].remove(serviceId);
        if ((*instances)[node].isEmpty())
            instances->remove(node);
        if (instances->isEmpty())
            m_serviceInstances.erase(instances);
    }
    touchTable(kServices);
    touchService(service.service);
    m_changes.node(node);
}

void StateStore::deleteNode(const QString &node, qint64 now)
{
    if (!m_nodes.contains(node))
        return;
    if (m_coordinates.remove(node))
        touchTable(u"coordinates");
    const QStringList serviceIds = m_services.value(node).keys();
    for (const QString &id : serviceIds)
        deleteService(node, id, now);
    const QStringList checkIds = m_checks.value(node).keys();
    for (const QString &id : checkIds)
        deleteCheck(node, id, now);
    QStringList doomedSessions;
    for (const api::Session &s : std::as_const(m_sessions)) {
        if (s.node.compare(node, Qt::CaseInsensitive) == 0) // created under the name in any case
            doomedSessions.append(s.id);
    }
    for (const QString &id : std::as_const(doomedSessions))
        destroySession(id, now, true);
    m_services.remove(node);
    m_checks.remove(node);
    if (const auto it = m_nodes.constFind(node); it != m_nodes.constEnd())
        unindexNode(*it);
    m_nodes.remove(node);
    touchTable(kNodes);
    m_changes.node(node);
}

bool decodeRegistration(const QJsonObject &body, Registration *out, QString *error)
{
    if (!api::fromJson(body, &out->node, error))
        return false;
    out->skipNodeUpdate = api::lookup(body, u"SkipNodeUpdate").toBool();
    if (const QJsonValue service = api::lookup(body, u"Service"); service.isObject()) {
        api::Service s;
        if (!api::fromJson(service.toObject(), &s, error))
            return false;
        out->service = s;
    }
    QJsonArray checkList = api::lookup(body, u"Checks").toArray();
    if (const QJsonValue single = api::lookup(body, u"Check"); single.isObject())
        checkList.prepend(single);
    for (const QJsonValue &v : std::as_const(checkList)) {
        api::HealthCheck c;
        if (!api::fromJson(v.toObject(), &c, error))
            return false;
        out->checks.append(c);
    }
    return true;
}

ApplyResult StateStore::applyRegister(const QCborMap &cmd)
{
    const qint64 now = cmd.value(QStringLiteral("now")).toInteger();
    ApplyResult r;
    Registration reg;
    if (!decodeRegistration(command::toJson(cmd.value(QStringLiteral("body"))), &reg, &r.error))
        return r;
    if (const api::Node *e = cmd.value(QStringLiteral("keepNodeDetails")).toBool() ? findNode(reg.node.node) : nullptr) {
        reg.node.taggedAddresses = e->taggedAddresses;
        reg.node.meta = e->meta;
        if (reg.node.datacenter.isEmpty())
            reg.node.datacenter = e->datacenter;
    }
    const api::Node &node = reg.node;
    // Validate everything before the first mutation: a rejected register changes nothing.
    if (node.node.isEmpty()) {
        r.error = QStringLiteral("Must provide node");
        return r;
    }
    if (node.address.isEmpty() && !reg.skipNodeUpdate) {
        r.error = QStringLiteral("Must provide address if SkipNodeUpdate is not set");
        return r;
    }
    const std::optional<api::Service> &service = reg.service;
    if (service && service->service.isEmpty()) {
        r.error = QStringLiteral("Must provide service name (Service.Service) with a non-empty value");
        return r;
    }
    for (api::HealthCheck &c : reg.checks) {
        if (!c.node.isEmpty() && c.node != node.node) {
            r.error = QStringLiteral("Node mismatch: check '%1' is for node '%2', not '%3'")
                          .arg(c.checkId, c.node, node.node);
            return r;
        }
        if (c.checkId.isEmpty()) {
            r.error = QStringLiteral("Must provide a CheckID or Name for each check");
            return r;
        }
        if (!api::isValidStatus(c.status)) {
            r.error = QStringLiteral("Invalid check status '%1'").arg(c.status);
            return r;
        }
        c.node = node.node;
        if (!c.serviceId.isEmpty() && !(service && service->id == c.serviceId) && !findService(node.node, c.serviceId)) {
            r.error = QStringLiteral("Missing service registration");
            return r;
        }
    }
    // As Consul's ensureRegistrationTxn: an existing node is written (and its ID checked) only
    // when the registration changes it, which one with SkipNodeUpdate never does.
    const api::Node *existing = findNode(node.node);
    const bool writeNode = !existing || (!reg.skipNodeUpdate && !sameNode(*existing, node));
    if (const QString conflict = writeNode ? nodeIdConflict(node) : QString(); !conflict.isEmpty()) {
        r.error = u"failed inserting node: "_s + conflict;
        return r;
    }
    if (writeNode)
        ensureNode(node, now);
    if (service)
        ensureService(node.node, *service);
    for (const api::HealthCheck &c : std::as_const(reg.checks))
        ensureCheck(c, now);
    r.value = true;
    return r;
}

ApplyResult StateStore::applyDeregister(const QCborMap &cmd)
{
    const QString node = cmd.value(QStringLiteral("node")).toString();
    const QString serviceId = cmd.value(QStringLiteral("serviceId")).toString();
    const QString checkId = cmd.value(QStringLiteral("checkId")).toString();
    const qint64 now = cmd.value(QStringLiteral("now")).toInteger();
    ApplyResult r;
    if (node.isEmpty()) {
        r.error = QStringLiteral("Must provide node");
        return r;
    }
    // As Consul's FSM applyDeregister: the node by its lower-case name index, and either the
    // service (a ServiceID wins over a CheckID), the check, or the whole node.
    r.value = true;
    const api::Node *found = findNodeAnyCase(node);
    if (!found)
        return r;
    const QString name = found->node; // a copy: deleteNode removes what `found` points to
    if (!serviceId.isEmpty())
        deleteService(name, serviceId, now);
    else if (!checkId.isEmpty())
        deleteCheck(name, checkId, now);
    else
        deleteNode(name, now);
    return r;
}

// ---------------------------------------------------------------- reads

const api::Node *StateStore::findNode(const QString &name) const
{
    const auto it = m_nodes.constFind(name);
    return it == m_nodes.constEnd() ? nullptr : &*it;
}

const api::Node *StateStore::findNodeAnyCase(const QString &name) const
{
    if (const api::Node *exact = findNode(name))
        return exact;
    // Two names that differ only in case are one node to Consul; here both may be registered:
    // the first in order answers, on every server alike.
    const auto [first, last] = m_nodeNamesFolded.equal_range(name.toLower());
    const auto it = std::min_element(first, last);
    return it == last ? nullptr : findNode(*it);
}

const api::Node *StateStore::lookupNode(const QString &nameOrId, bool *byId) const
{
    if (byId)
        *byId = false;
    if (const api::Node *byName = findNodeAnyCase(nameOrId))
        return byName;
    constexpr qsizetype minUuidLookupLen = 2; // Consul's minUUIDLookupLen, in bytes
    const std::optional<QString> prefix
        = nameOrId.toUtf8().size() < minUuidLookupLen ? std::nullopt : nodeIdPrefix(nameOrId);
    if (!prefix)
        return nullptr;
    const auto it = m_nodeIds.lowerBound(*prefix);
    if (it == m_nodeIds.cend() || !it.key().startsWith(*prefix))
        return nullptr;
    // A node lookup can not be ambiguous: a prefix of several IDs finds none.
    if (const auto next = std::next(it); next != m_nodeIds.cend() && next.key().startsWith(*prefix))
        return nullptr;
    if (byId)
        *byId = true;
    return findNode(*it);
}

const QMap<QString, api::HealthCheck> *StateStore::checksOnNode(const QString &node) const
{
    const auto it = m_checks.constFind(node);
    return it == m_checks.constEnd() ? nullptr : &*it;
}

quint64 StateStore::serviceIndex(const QString &name) const
{
    if (!m_serviceInstances.contains(name))
        return 0;
    return std::max<quint64>(1, m_serviceIndex.value(name)); // 1: restored without one, unchanged since
}

const api::Service *StateStore::findService(const QString &node, const QString &id) const
{
    const auto n = m_services.constFind(node);
    if (n == m_services.constEnd())
        return nullptr;
    const auto it = n->constFind(id);
    return it == n->constEnd() ? nullptr : &*it;
}

const api::HealthCheck *StateStore::findCheck(const QString &node, const QString &id) const
{
    const auto n = m_checks.constFind(node);
    if (n == m_checks.constEnd())
        return nullptr;
    const auto it = n->constFind(id);
    return it == n->constEnd() ? nullptr : &*it;
}

quint64 StateStore::nodes(QList<api::Node> *out, WatchSet *ws) const
{
    if (ws)
        ws->addTable(kNodes);
    *out = m_nodes.values();
    return m_tableIndex.value(kNodes);
}

quint64 StateStore::node(
    const QString &nameOrId, std::optional<api::Node> *out, QList<api::Service> *services, WatchSet *ws) const
{
    bool byId = false;
    const api::Node *n = lookupNode(nameOrId, &byId);
    if (ws) {
        // What an ID prefix finds, and whether a name finds anything, changes with any node's write.
        if (n)
            ws->addNode(n->node);
        if (!n || byId)
            ws->addTable(kNodes);
    }
    if (n) {
        *out = *n;
        if (services)
            *services = m_services.value(n->node).values();
    } else {
        out->reset();
    }
    return std::max(m_tableIndex.value(kNodes), m_tableIndex.value(kServices));
}

quint64 StateStore::services(QMap<QString, QStringList> *nameToTags, WatchSet *ws) const
{
    if (ws)
        ws->addTable(kServices);
    for (const auto &perNode : m_services) {
        for (const api::Service &s : perNode) {
            QStringList &tags = (*nameToTags)[s.service];
            for (const QString &t : s.tags) {
                if (!tags.contains(t))
                    tags.append(t);
            }
        }
    }
    return m_tableIndex.value(kServices);
}

quint64 StateStore::serviceNodes(const QString &name, QList<ServiceInstance> *out, WatchSet *ws) const
{
    if (ws) {
        ws->addService(name);
        ws->addTable(kNodes);
    }
    const auto instances = m_serviceInstances.constFind(name);
    if (instances != m_serviceInstances.constEnd()) {
        for (auto it = instances->begin(); it != instances->end(); ++it) {
            QStringList ids = it.value().values();
            ids.sort();
            for (const QString &id : std::as_const(ids))
                out->append({m_nodes.value(it.key()), *findService(it.key(), id)});
        }
    }
    const quint64 idx = m_serviceIndex.value(name);
    return std::max(idx ? idx : m_tableIndex.value(kServices), m_tableIndex.value(kNodes));
}

quint64 StateStore::nodeChecks(const QString &node, QList<api::HealthCheck> *out, WatchSet *ws) const
{
    if (ws)
        ws->addTable(kChecks);
    const api::Node *n = findNodeAnyCase(node);
    *out = n ? m_checks.value(n->node).values() : QList<api::HealthCheck>();
    return m_tableIndex.value(kChecks);
}

quint64 StateStore::serviceChecks(const QString &service, QList<api::HealthCheck> *out, WatchSet *ws) const
{
    if (ws)
        ws->addTable(kChecks);
    for (const auto &perNode : m_checks) {
        for (const api::HealthCheck &c : perNode) {
            if (c.serviceName == service)
                out->append(c);
        }
    }
    return m_tableIndex.value(kChecks);
}

quint64 StateStore::checksInState(const QString &state, QList<api::HealthCheck> *out, WatchSet *ws) const
{
    if (ws)
        ws->addTable(kChecks);
    for (const auto &perNode : m_checks) {
        for (const api::HealthCheck &c : perNode) {
            if (state == u"any" || c.status == state)
                out->append(c);
        }
    }
    return m_tableIndex.value(kChecks);
}

quint64 StateStore::healthService(const QString &name, QList<HealthEntry> *out, WatchSet *ws) const
{
    QList<ServiceInstance> instances;
    const quint64 index = serviceNodes(name, &instances, ws);
    for (ServiceInstance &inst : instances) {
        HealthEntry e{std::move(inst.node), std::move(inst.service), {}};
        for (const api::HealthCheck &c : m_checks.value(e.node.node)) {
            if (c.serviceId.isEmpty())
                e.checks.append(c);
        }
        for (const api::HealthCheck &c : m_checks.value(e.node.node)) {
            if (c.serviceId == e.service.id)
                e.checks.append(c);
        }
        out->append(std::move(e));
    }
    return index;
}

} // namespace qonsul::state

#include "cluster/WanAddressTranslation.h"

#include <QJsonArray>
#include <QJsonDocument>
#include <QJsonObject>

using namespace Qt::StringLiterals;

namespace qonsul::cluster {

namespace {

bool isQueryExecution(const QString &path)
{
    return path.startsWith(u"/v1/query/") && path.endsWith(u"/execute");
}

// A node (or a ServiceNode's node part): Address from TaggedAddresses.wan.
void translateNode(QJsonObject &node, const QString &addressKey = u"Address"_s)
{
    const QString wan = node.value(u"TaggedAddresses").toObject().value(u"wan").toString();
    if (!wan.isEmpty() && node.contains(addressKey))
        node.insert(addressKey, wan);
}

// A service's address and port from its tagged "wan" address ({Address, Port}).
void translateService(QJsonObject &service, const QString &taggedKey, const QString &addressKey, const QString &portKey)
{
    const QJsonObject wan = service.value(taggedKey).toObject().value(u"wan").toObject();
    const QString address = wan.value(u"Address").toString();
    const int port = wan.value(u"Port").toInt();
    if (!address.isEmpty())
        service.insert(addressKey, address);
    if (port != 0)
        service.insert(portKey, port);
}

void translateServiceNodes(QJsonArray &entries)
{
    for (QJsonValueRef ref : entries) {
        QJsonObject entry = ref.toObject();
        translateNode(entry);
        translateService(entry, u"ServiceTaggedAddresses"_s, u"ServiceAddress"_s, u"ServicePort"_s);
        ref = entry;
    }
}

void translateCheckServiceNodes(QJsonArray &entries)
{
    for (QJsonValueRef ref : entries) {
        QJsonObject entry = ref.toObject();
        QJsonObject node = entry.value(u"Node").toObject();
        translateNode(node);
        entry.insert(u"Node"_s, node);
        QJsonObject service = entry.value(u"Service").toObject();
        translateService(service, u"TaggedAddresses"_s, u"Address"_s, u"Port"_s);
        entry.insert(u"Service"_s, service);
        ref = entry;
    }
}

// /v1/catalog/node/<n> (Services by ID) and /v1/catalog/node-services/<n> (a list).
void translateNodeServices(QJsonObject &answer)
{
    if (answer.value(u"Node").isObject()) {
        QJsonObject node = answer.value(u"Node").toObject();
        translateNode(node);
        answer.insert(u"Node"_s, node);
    }
    auto service = [](QJsonValueRef ref) {
        QJsonObject s = ref.toObject();
        translateService(s, u"TaggedAddresses"_s, u"Address"_s, u"Port"_s);
        ref = s;
    };
    if (answer.value(u"Services").isObject()) {
        QJsonObject services = answer.value(u"Services").toObject();
        for (auto it = services.begin(); it != services.end(); ++it)
            service(it.value());
        answer.insert(u"Services"_s, services);
    } else if (answer.value(u"Services").isArray()) {
        QJsonArray services = answer.value(u"Services").toArray();
        for (QJsonValueRef ref : services)
            service(ref);
        answer.insert(u"Services"_s, services);
    }
}

} // namespace

bool answersWithAddresses(const QString &path)
{
    return path == u"/v1/catalog/nodes" || path.startsWith(u"/v1/catalog/service/")
        || path.startsWith(u"/v1/catalog/connect/") || path.startsWith(u"/v1/catalog/node/")
        || path.startsWith(u"/v1/catalog/node-services/") || path.startsWith(u"/v1/health/service/")
        || path.startsWith(u"/v1/health/connect/") || path.startsWith(u"/v1/health/ingress/") || isQueryExecution(path);
}

QByteArray translateWanAddresses(const QString &path, const QByteArray &body, const QString &localDatacenter,
                                 bool otherDatacenter, bool pretty)
{
    QJsonParseError error;
    QJsonDocument doc = QJsonDocument::fromJson(body, &error);
    if (error.error != QJsonParseError::NoError)
        return body;
    if (isQueryExecution(path)) {
        // The answer names where its nodes come from: failover may have found them elsewhere.
        QJsonObject answer = doc.object();
        const QString dc = answer.value(u"Datacenter").toString();
        if (dc.isEmpty() || dc == localDatacenter)
            return body;
        QJsonArray nodes = answer.value(u"Nodes").toArray();
        translateCheckServiceNodes(nodes);
        answer.insert(u"Nodes"_s, nodes);
        doc.setObject(answer);
    } else if (!otherDatacenter) {
        return body;
    } else if (path == u"/v1/catalog/nodes") {
        QJsonArray nodes = doc.array();
        for (QJsonValueRef ref : nodes) {
            QJsonObject node = ref.toObject();
            translateNode(node);
            ref = node;
        }
        doc.setArray(nodes);
    } else if (path.startsWith(u"/v1/catalog/service/") || path.startsWith(u"/v1/catalog/connect/")) {
        QJsonArray entries = doc.array();
        translateServiceNodes(entries);
        doc.setArray(entries);
    } else if (path.startsWith(u"/v1/catalog/node/") || path.startsWith(u"/v1/catalog/node-services/")) {
        if (!doc.isObject())
            return body; // null: no such node
        QJsonObject answer = doc.object();
        translateNodeServices(answer);
        doc.setObject(answer);
    } else {
        QJsonArray entries = doc.array();
        translateCheckServiceNodes(entries);
        doc.setArray(entries);
    }
    return doc.toJson(pretty ? QJsonDocument::Indented : QJsonDocument::Compact);
}

} // namespace qonsul::cluster

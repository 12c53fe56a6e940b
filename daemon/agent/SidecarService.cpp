#include "agent/SidecarService.h"

#include <QHostAddress>
#include <QJsonArray>
#include <QSet>

namespace qonsul::agent {

namespace {

const QString kSuffix = QStringLiteral("-sidecar-proxy");

QString folded(const QString &key)
{
    QString out;
    for (QChar c : key) {
        if (c != u'_' && c != u'-')
            out.append(c.toLower());
    }
    return out;
}

// Removes a field in every spelling (snake_case from config files, any case from the API).
void drop(QJsonObject *o, const QString &key)
{
    const QString wanted = folded(key);
    for (auto it = o->begin(); it != o->end();) {
        if (folded(it.key()) == wanted)
            it = o->erase(it);
        else
            ++it;
    }
}

// Sets `key` in Consul's spelling, replacing the same field in any other spelling.
void put(QJsonObject *o, const QString &key, const QJsonValue &value)
{
    drop(o, key);
    o->insert(key, value);
}

bool isEmptyValue(const QJsonValue &v)
{
    return v.isUndefined() || v.isNull() || (v.isString() && v.toString().isEmpty())
        || (v.isArray() && v.toArray().isEmpty()) || (v.isObject() && v.toObject().isEmpty())
        || (v.isDouble() && v.toDouble() < 1);
}

// ipaddr.FormatAddressPort: IPv6 literals in brackets.
QString addressPort(const QString &address, int port)
{
    const bool v6 = QHostAddress(address).protocol() == QAbstractSocket::IPv6Protocol;
    return (v6 ? QStringLiteral("[%1]:%2") : QStringLiteral("%1:%2")).arg(address).arg(port);
}

// The lowest free port of the range, or the one the sidecar holds already.
http::v1::AgentError allocatePort(
    const QString &id, const QMap<QString, api::Service> &services, SidecarPorts ports, int *port)
{
    if (ports.min < 1 || ports.max < 1 || ports.max < ports.min)
        return { 500,
            QStringLiteral("no port provided for sidecar_service and auto-assignment disabled in config") };
    QSet<int> used;
    for (const api::Service &s : services) {
        if (s.port < ports.min || s.port > ports.max)
            continue;
        if (s.id == id) {
            *port = s.port;
            return {};
        }
        used.insert(s.port);
    }
    for (int p = ports.min; p <= ports.max; ++p) {
        if (!used.contains(p)) {
            *port = p;
            return {};
        }
    }
    return { 500,
        QStringLiteral("no port provided for sidecar_service and none left in the configured range [%1, %2]")
            .arg(ports.min)
            .arg(ports.max) };
}

} // namespace

QString sidecarId(const QString &parentId)
{
    return parentId + kSuffix;
}

bool wantsSidecar(const QJsonObject &definition)
{
    const QJsonValue sidecar = api::lookup(api::lookup(definition, u"Connect").toObject(), u"SidecarService");
    return sidecar.isObject();
}

http::v1::AgentError expandSidecar(const QJsonObject &definition, const QMap<QString, api::Service> &services,
    SidecarPorts ports, QJsonObject *parent, QJsonObject *sidecarOut)
{
    *parent = definition;
    *sidecarOut = {};
    api::Service ns;
    QString error;
    if (!wantsSidecar(definition) || !api::fromJson(definition, &ns, &error))
        return {};
    QJsonObject connect = api::lookup(definition, u"Connect").toObject();
    QJsonObject sidecar = api::lookup(connect, u"SidecarService").toObject();
    // The parent keeps the rest of its Connect block; the sugar goes no further (as in Consul).
    drop(&connect, QStringLiteral("SidecarService"));
    if (connect.isEmpty()) {
        drop(parent, QStringLiteral("Connect"));
    } else {
        put(parent, QStringLiteral("Connect"), connect);
    }
    if (ns.id.isEmpty())
        ns.id = ns.service;

    const QString id = sidecarId(ns.id);
    put(&sidecar, QStringLiteral("ID"), id);
    if (isEmptyValue(api::lookup(sidecar, u"Meta")) && !ns.meta.isEmpty())
        put(&sidecar, QStringLiteral("Meta"), api::stringMapJson(ns.meta));
    if (isEmptyValue(api::lookup(sidecar, u"Tags")) && !ns.tags.isEmpty())
        put(&sidecar, QStringLiteral("Tags"), QJsonArray::fromStringList(ns.tags));
    if (isEmptyValue(api::lookup(sidecar, u"Kind")))
        put(&sidecar, QStringLiteral("Kind"), QStringLiteral("connect-proxy"));
    if (isEmptyValue(api::lookup(sidecar, u"Name")) && isEmptyValue(api::lookup(sidecar, u"Service")))
        put(&sidecar, QStringLiteral("Name"), QString(ns.service + kSuffix));
    if (isEmptyValue(api::lookup(sidecar, u"Address")) && !ns.address.isEmpty())
        put(&sidecar, QStringLiteral("Address"), ns.address);

    QJsonObject proxy = api::lookup(sidecar, u"Proxy").toObject();
    if (isEmptyValue(api::lookup(proxy, u"DestinationServiceName")))
        put(&proxy, QStringLiteral("DestinationServiceName"), ns.service);
    if (isEmptyValue(api::lookup(proxy, u"DestinationServiceID")))
        put(&proxy, QStringLiteral("DestinationServiceID"), ns.id);
    // The local service: the parent's socket, or its port on 127.0.0.1, where not given.
    if (isEmptyValue(api::lookup(proxy, u"LocalServiceSocketPath"))
        && (isEmptyValue(api::lookup(proxy, u"LocalServiceAddress"))
            || isEmptyValue(api::lookup(proxy, u"LocalServicePort")))) {
        if (!ns.socketPath.isEmpty()) {
            put(&proxy, QStringLiteral("LocalServiceSocketPath"), ns.socketPath);
        } else {
            if (isEmptyValue(api::lookup(proxy, u"LocalServiceAddress")))
                put(&proxy, QStringLiteral("LocalServiceAddress"), QStringLiteral("127.0.0.1"));
            if (isEmptyValue(api::lookup(proxy, u"LocalServicePort")))
                put(&proxy, QStringLiteral("LocalServicePort"), ns.port);
        }
    }
    put(&sidecar, QStringLiteral("Proxy"), proxy);

    int port = api::lookup(sidecar, u"Port").toInt();
    if (port < 1) {
        if (const http::v1::AgentError e = allocatePort(id, services, ports, &port))
            return e;
        put(&sidecar, QStringLiteral("Port"), port);
    }
    // Default checks: the proxy's port listens, and the parent is healthy.
    if (isEmptyValue(api::lookup(sidecar, u"Check")) && isEmptyValue(api::lookup(sidecar, u"Checks"))) {
        QString checkAddress = api::lookup(sidecar, u"Address").toString();
        if (checkAddress.isEmpty())
            checkAddress = api::lookup(proxy, u"LocalServiceAddress").toString();
        put(&sidecar, QStringLiteral("Checks"),
            QJsonArray {
                QJsonObject { { QStringLiteral("Name"), QStringLiteral("Connect Sidecar Listening") },
                    { QStringLiteral("TCP"), addressPort(checkAddress, port) },
                    { QStringLiteral("Interval"), QStringLiteral("10s") } },
                QJsonObject {
                    { QStringLiteral("Name"), QStringLiteral("Connect Sidecar Aliasing %1").arg(ns.id) },
                    { QStringLiteral("AliasService"), ns.id } } });
    }
    *sidecarOut = sidecar;
    return {};
}

} // namespace qonsul::agent

#include "state/ConfigEntry.h"
#include "state/Command.h"

#include <QJsonArray>
#include <QRegularExpression>
#include <QSet>

namespace qonsul::state::configentry {

namespace {

// Words Consul's field names spell in capitals (TLSMinVersion, SDS, MeshGateway's HTTP...).
const QSet<QString> &acronyms()
{
    static const QSet<QString> s { QStringLiteral("tls"), QStringLiteral("sds"), QStringLiteral("http"),
        QStringLiteral("id"), QStringLiteral("ttl"), QStringLiteral("sni"), QStringLiteral("jwt"),
        QStringLiteral("ip"), QStringLiteral("acl"), QStringLiteral("url"), QStringLiteral("dns"),
        QStringLiteral("api") };
    return s;
}

// "tls_min_version" -> "TLSMinVersion", "listeners" -> "Listeners"; "MaxConnections" stays.
QString canonicalKey(const QString &key)
{
    if (!key.contains(u'_') && !key.contains(u'-')) {
        if (acronyms().contains(key.toLower()))
            return key.toUpper();
        return key.isEmpty() ? key : key.at(0).toUpper() + key.mid(1);
    }
    QString out;
    for (const QString &word : key.split(QRegularExpression(QStringLiteral("[_-]")), Qt::SkipEmptyParts)) {
        if (acronyms().contains(word.toLower()))
            out += word.toUpper();
        else
            out += word.at(0).toUpper() + word.mid(1);
    }
    return out;
}

// Maps whose keys are the user's (metadata, opaque proxy config, header names).
bool userMap(const QString &canonical)
{
    return canonical == u"Meta" || canonical == u"Config" || canonical == u"Add" || canonical == u"Set";
}

QJsonValue canonicalValue(const QJsonValue &v)
{
    if (v.isObject())
        return canonicalKeys(v.toObject());
    if (v.isArray()) {
        QJsonArray out;
        for (const QJsonValue &item : v.toArray())
            out.append(canonicalValue(item));
        return out;
    }
    return v;
}

bool isHttpLike(const QString &protocol)
{
    return protocol == u"http" || protocol == u"http2" || protocol == u"grpc";
}

// Consul's validateHost: "*" alone (without TLS), else a DNS name whose only wildcard is a
// leftmost "*.".
QString validateHost(bool tlsEnabled, const QString &host)
{
    if (host == u"*") {
        if (tlsEnabled)
            return QStringLiteral(
                "Host '*' is not allowed when TLS is enabled, all hosts must be valid DNS records to "
                "add as a DNSSAN");
        return {};
    }
    static const QRegularExpression label(QStringLiteral("^[^.\\s]{1,63}$"));
    QString name = host.endsWith(u'.') ? host.chopped(1) : host;
    bool valid = !name.isEmpty() && name.toUtf8().size() <= 253;
    for (const QString &l : name.split(u'.'))
        valid = valid && label.match(l).hasMatch();
    if (!valid)
        return QStringLiteral("Host \"%1\" must be a valid DNS hostname").arg(host);
    if ((host.startsWith(u"*.") ? host.mid(2) : host).contains(u'*'))
        return QStringLiteral(
            "Host \"%1\" is not valid, a wildcard specifier is only allowed as the leftmost label")
            .arg(host);
    return {};
}

// Consul's IngressGatewayConfigEntry Normalize and Validate.
QString normaliseIngress(QJsonObject *entry, bool *decodeError)
{
    QJsonObject tls = entry->value(u"TLS").toObject();
    if (!tls.contains(u"Enabled"))
        tls.insert(QStringLiteral("Enabled"), false);
    entry->insert(QStringLiteral("TLS"), tls);
    const QJsonValue listenersValue = entry->value(u"Listeners");
    if (!listenersValue.isUndefined() && !listenersValue.isNull() && !listenersValue.isArray()) {
        *decodeError = true;
        return QStringLiteral(
            "Request decoding failed: 'Listeners': source data must be an array or slice, got %1")
            .arg(listenersValue.isObject() ? QStringLiteral("map") : QStringLiteral("string"));
    }
    QJsonArray listeners;
    QSet<int> ports;
    for (const QJsonValue &lv : listenersValue.toArray()) {
        QJsonObject listener = lv.toObject();
        const int port = listener.value(u"Port").toInt();
        QString protocol = listener.value(u"Protocol").toString().toLower();
        if (protocol.isEmpty())
            protocol = QStringLiteral("tcp");
        listener.insert(QStringLiteral("Protocol"), protocol);
        if (ports.contains(port))
            return QStringLiteral("port %1 declared on two listeners").arg(port);
        ports.insert(port);
        if (protocol != u"tcp" && !isHttpLike(protocol))
            return QStringLiteral(
                "protocol must be 'tcp', 'http', 'http2', or 'grpc'. '%1' is an unsupported protocol")
                .arg(protocol);
        const QJsonArray services = listener.value(u"Services").toArray();
        if (services.isEmpty())
            return QStringLiteral("No service declared for listener with port %1").arg(port);
        if (!isHttpLike(protocol) && services.size() > 1)
            return QStringLiteral(
                "Multiple services per listener are only supported for L7 protocols, 'http', 'grpc' "
                "and 'http2' (listener on port %1)")
                .arg(port);
        QSet<QString> names, hosts;
        QJsonArray normalised;
        for (const QJsonValue &sv : services) {
            QJsonObject service = sv.toObject();
            const QString name = service.value(u"Name").toString();
            const QJsonArray serviceHosts = service.value(u"Hosts").toArray();
            if (protocol == u"tcp") {
                if (name == u"*")
                    return QStringLiteral(
                        "Wildcard service name is only valid for protocol = 'http' (listener on "
                        "port %1)")
                        .arg(port);
                if (!serviceHosts.isEmpty())
                    return QStringLiteral(
                        "Associating hosts to a service is not supported for the %1 protocol "
                        "(listener on port %2)")
                        .arg(protocol)
                        .arg(port);
            }
            if (name.isEmpty())
                return QStringLiteral("Service name cannot be blank (listener on port %1)").arg(port);
            if (name == u"*" && !serviceHosts.isEmpty())
                return QStringLiteral(
                    "Associating hosts to a wildcard service is not supported (listener on port %1)")
                    .arg(port);
            if (names.contains(name))
                return QStringLiteral("Service %1 cannot be added multiple times (listener on port %2)")
                    .arg(name)
                    .arg(port);
            names.insert(name);
            for (const QJsonValue &h : serviceHosts) {
                if (hosts.contains(h.toString()))
                    return QStringLiteral(
                        "Hosts must be unique within a specific listener (listener on port %1)")
                        .arg(port);
                hosts.insert(h.toString());
                if (const QString e = validateHost(tls.value(u"Enabled").toBool(), h.toString());
                    !e.isEmpty())
                    return e;
            }
            if (!service.contains(u"Hosts"))
                service.insert(QStringLiteral("Hosts"), QJsonValue::Null); // Go's nil slice
            normalised.append(service);
        }
        listener.insert(QStringLiteral("Services"), normalised);
        listeners.append(listener);
    }
    entry->insert(QStringLiteral("Listeners"), listeners);
    return {};
}

} // namespace

bool isKnownKind(const QString &kind)
{
    static const QSet<QString> kinds {
        QStringLiteral("service-defaults"),
        QStringLiteral("proxy-defaults"),
        QStringLiteral("service-router"),
        QStringLiteral("service-splitter"),
        QStringLiteral("service-resolver"),
        QStringLiteral("ingress-gateway"),
        QStringLiteral("terminating-gateway"),
        QStringLiteral("service-intentions"),
        QStringLiteral("mesh"),
        QStringLiteral("exported-services"),
        QStringLiteral("sameness-group"),
        QStringLiteral("api-gateway"),
        QStringLiteral("bound-api-gateway"),
        QStringLiteral("file-system-certificate"),
        QStringLiteral("inline-certificate"),
        QStringLiteral("http-route"),
        QStringLiteral("tcp-route"),
        QStringLiteral("jwt-provider"),
    };
    return kinds.contains(kind);
}

QString unknownKindError(const QString &kind)
{
    return QStringLiteral("invalid config entry kind: %1").arg(kind);
}

QJsonObject canonicalKeys(const QJsonObject &body)
{
    QJsonObject out;
    for (auto it = body.begin(); it != body.end(); ++it) {
        const QString key = canonicalKey(it.key());
        out.insert(key, userMap(key) ? it.value() : canonicalValue(it.value()));
    }
    return out;
}

QString normalise(const QJsonObject &body, QJsonObject *entry, bool *decodeError)
{
    *decodeError = true;
    // Consul looks for exactly "Kind" or "kind" before decoding anything else.
    const QJsonValue kindValue = body.contains(u"Kind") ? body.value(u"Kind") : body.value(u"kind");
    if (kindValue.isUndefined())
        return QStringLiteral(
            "Request decoding failed: Payload does not contain a kind/Kind key at the top level");
    if (!kindValue.isString())
        return QStringLiteral("Request decoding failed: Kind value in payload is not a string");
    const QString kind = kindValue.toString();
    if (!isKnownKind(kind))
        return QStringLiteral("Request decoding failed: %1").arg(unknownKindError(kind));
    QJsonObject e = canonicalKeys(body);
    e.remove(QStringLiteral("CreateIndex"));
    e.remove(QStringLiteral("ModifyIndex"));
    e.insert(QStringLiteral("Kind"), kind);
    const QJsonValue name = e.value(u"Name");
    if (!name.isUndefined() && !name.isString())
        return QStringLiteral(
            "Request decoding failed: 'Name' expected type 'string', got unconvertible type '%1'")
            .arg(name.isDouble() ? QStringLiteral("float64") : QStringLiteral("map[string]interface {}"));
    *decodeError = false;
    if (kind == u"proxy-defaults") {
        // The one proxy-defaults entry is "global"; an empty name means it.
        if (!name.toString().isEmpty() && name.toString() != u"global")
            return QStringLiteral("invalid name (\"%1\"), only \"global\" is supported").arg(name.toString());
        e.insert(QStringLiteral("Name"), QStringLiteral("global"));
    } else if (kind == u"mesh") {
        e.insert(QStringLiteral("Name"), QStringLiteral("mesh")); // a singleton too
    } else if (kind == u"ingress-gateway") {
        if (const QString error = normaliseIngress(&e, decodeError); !error.isEmpty())
            return error;
    }
    *entry = e;
    return {};
}

QList<QCborMap> bootstrapCommands(const QJsonArray &entries, QStringList *errors)
{
    QList<QCborMap> out;
    for (qsizetype i = 0; i < entries.size(); ++i) {
        QJsonObject entry;
        bool decodeError = false;
        static const QString prefix = QStringLiteral("Request decoding failed: ");
        if (QString error = normalise(entries.at(i).toObject(), &entry, &decodeError); !error.isEmpty()) {
            if (error.startsWith(prefix))
                error = error.mid(prefix.size());
            errors->append(QStringLiteral("config_entries.bootstrap[%1]: %2").arg(i).arg(error));
            continue;
        }
        out.append(command::configSet(entry, 0));
    }
    return out;
}

QStringList ingressServices(const QJsonObject &entry)
{
    QStringList out;
    for (const QJsonValue &listener : entry.value(u"Listeners").toArray()) {
        for (const QJsonValue &service : listener.toObject().value(u"Services").toArray())
            out.append(service.toObject().value(u"Name").toString());
    }
    return out;
}

} // namespace qonsul::state::configentry

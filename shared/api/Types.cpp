#include "api/Types.h"

namespace qonsul::api {

namespace {

QJsonArray stringArray(const QStringList &list)
{
    return QJsonArray::fromStringList(list);
}

// Reads an optional field; a present value of the wrong type is a decode error.
struct Reader
{
    const QJsonObject &o;
    QString *error;
    bool ok = true;

    QJsonValue get(QStringView key) const { return lookup(o, key); }
    void fail(QStringView key, QStringView expected)
    {
        if (ok && error)
            *error = QStringLiteral("Request decode failed: field %1: expected %2").arg(key, expected);
        ok = false;
    }
    void str(QStringView key, QString *out)
    {
        const QJsonValue v = get(key);
        if (v.isString())
            *out = v.toString();
        else if (!v.isUndefined() && !v.isNull())
            fail(key, u"string");
    }
    void integer(QStringView key, int *out)
    {
        const QJsonValue v = get(key);
        if (v.isDouble())
            *out = int(v.toDouble());
        else if (!v.isUndefined() && !v.isNull())
            fail(key, u"number");
    }
    void boolean(QStringView key, bool *out)
    {
        const QJsonValue v = get(key);
        if (v.isBool())
            *out = v.toBool();
        else if (!v.isUndefined() && !v.isNull())
            fail(key, u"bool");
    }
    void strings(QStringView key, QStringList *out)
    {
        const QJsonValue v = get(key);
        if (v.isArray()) {
            out->clear();
            for (const QJsonValue &item : v.toArray()) {
                if (!item.isString())
                    return fail(key, u"array of strings");
                out->append(item.toString());
            }
        } else if (!v.isUndefined() && !v.isNull()) {
            fail(key, u"array of strings");
        }
    }
    void map(QStringView key, StringMap *out)
    {
        const QJsonValue v = get(key);
        if (v.isObject()) {
            out->clear();
            const QJsonObject m = v.toObject();
            for (auto it = m.begin(); it != m.end(); ++it) {
                if (!it.value().isString())
                    return fail(key, u"map of strings");
                out->insert(it.key(), it.value().toString());
            }
        } else if (!v.isUndefined() && !v.isNull()) {
            fail(key, u"map of strings");
        }
    }
    void object(QStringView key, QJsonObject *out)
    {
        const QJsonValue v = get(key);
        if (v.isObject())
            *out = v.toObject();
        else if (!v.isUndefined() && !v.isNull())
            fail(key, u"object");
    }
};

} // namespace

QString normaliseKey(QStringView key)
{
    QString out;
    out.reserve(key.size());
    for (QChar c : key) {
        if (c != u'_' && c != u'-')
            out.append(c.toLower());
    }
    return out;
}

QJsonValue lookup(const QJsonObject &o, QStringView key)
{
    const auto exact = o.constFind(key);
    if (exact != o.constEnd())
        return *exact;
    const QString wanted = normaliseKey(key);
    for (auto it = o.begin(); it != o.end(); ++it) {
        if (normaliseKey(it.key()) == wanted)
            return it.value();
    }
    return QJsonValue(QJsonValue::Undefined);
}

bool isValidStatus(QStringView status)
{
    return status == u"passing" || status == u"warning" || status == u"critical";
}

QJsonObject stringMapJson(const StringMap &m)
{
    QJsonObject o;
    for (auto it = m.begin(); it != m.end(); ++it)
        o.insert(it.key(), it.value());
    return o;
}

StringMap jsonStringMap(const QJsonValue &v)
{
    StringMap m;
    const QJsonObject o = v.toObject();
    for (auto it = o.begin(); it != o.end(); ++it)
        m.insert(it.key(), it.value().toString());
    return m;
}

QJsonObject toJson(const KvEntry &e)
{
    QJsonObject o{{QStringLiteral("LockIndex"), double(e.lockIndex)},
                  {QStringLiteral("Key"), e.key},
                  {QStringLiteral("Flags"), double(e.flags)},
                  {QStringLiteral("Value"), e.value.isEmpty() ? QJsonValue()
                                                              : QJsonValue(QString::fromLatin1(e.value.toBase64()))},
                  {QStringLiteral("CreateIndex"), double(e.createIndex)},
                  {QStringLiteral("ModifyIndex"), double(e.modifyIndex)}};
    if (!e.session.isEmpty())
        o.insert(QStringLiteral("Session"), e.session);
    return o;
}

void appendJsonString(QByteArray &out, QStringView s)
{
    // As Go's encoding/json writes strings (what Consul and its CLI emit): HTML-sensitive
    // characters and U+2028/U+2029 escaped too.
    static const char hex[] = "0123456789abcdef";
    const QByteArray utf8 = s.toUtf8();
    out.reserve(out.size() + utf8.size() + 2);
    out += '"';
    for (qsizetype i = 0; i < utf8.size(); ++i) {
        const auto c = static_cast<unsigned char>(utf8[i]);
        switch (c) {
        case '"':
            out += "\\\"";
            break;
        case '\\':
            out += "\\\\";
            break;
        case '\n':
            out += "\\n";
            break;
        case '\r':
            out += "\\r";
            break;
        case '\t':
            out += "\\t";
            break;
        case '<':
        case '>':
        case '&':
            out += "\\u00";
            out += hex[c >> 4];
            out += hex[c & 0xf];
            break;
        default:
            if (c < 0x20) {
                out += "\\u00";
                out += hex[c >> 4];
                out += hex[c & 0xf];
            } else if (c == 0xe2 && i + 2 < utf8.size() && uchar(utf8[i + 1]) == 0x80
                       && (uchar(utf8[i + 2]) == 0xa8 || uchar(utf8[i + 2]) == 0xa9)) {
                out += uchar(utf8[i + 2]) == 0xa8 ? "\\u2028" : "\\u2029";
                i += 2;
            } else {
                out += char(c);
            }
        }
    }
    out += '"';
}

QByteArray encodeKvEntries(const QList<KvEntry> &entries, bool pretty)
{
    QByteArray out;
    out.reserve(entries.size() * 160 + 4);
    const char *open = pretty ? "    {\n" : "{";
    const char *field = pretty ? "        " : "";
    const char *sep = pretty ? ",\n" : ",";
    const char *colon = pretty ? ": " : ":";
    out += pretty ? "[\n" : "[";
    for (qsizetype i = 0; i < entries.size(); ++i) {
        const KvEntry &e = entries.at(i);
        if (i)
            out += sep;
        out += open;
        auto number = [&](const char *name, quint64 v, bool last = false) {
            out += field;
            out += '"';
            out += name;
            out += '"';
            out += colon;
            out += QByteArray::number(v);
            if (!last)
                out += sep;
        };
        number("LockIndex", e.lockIndex);
        out += field;
        out += "\"Key\"";
        out += colon;
        appendJsonString(out, e.key);
        out += sep;
        number("Flags", e.flags);
        out += field;
        out += "\"Value\"";
        out += colon;
        if (e.value.isEmpty()) {
            out += "null";
        } else {
            out += '"';
            out += e.value.toBase64();
            out += '"';
        }
        out += sep;
        if (!e.session.isEmpty()) {
            out += field;
            out += "\"Session\"";
            out += colon;
            appendJsonString(out, e.session);
            out += sep;
        }
        number("CreateIndex", e.createIndex);
        number("ModifyIndex", e.modifyIndex, true);
        out += pretty ? "\n    }" : "}";
    }
    out += pretty ? "\n]\n" : "]";
    return out;
}

QJsonObject toJson(const Node &n)
{
    return QJsonObject{
        {QStringLiteral("ID"), n.id},
        {QStringLiteral("Node"), n.node},
        {QStringLiteral("Address"), n.address},
        {QStringLiteral("Datacenter"), n.datacenter},
        {QStringLiteral("TaggedAddresses"), n.taggedAddresses.isEmpty() ? QJsonValue() : stringMapJson(n.taggedAddresses)},
        {QStringLiteral("Meta"), stringMapJson(n.meta)},
        {QStringLiteral("CreateIndex"), double(n.createIndex)},
        {QStringLiteral("ModifyIndex"), double(n.modifyIndex)},
    };
}

QJsonObject toJson(const Service &s)
{
    QJsonObject o{
        {QStringLiteral("ID"), s.id},
        {QStringLiteral("Service"), s.service},
        {QStringLiteral("Tags"), stringArray(s.tags)},
        {QStringLiteral("Address"), s.address},
        {QStringLiteral("Meta"), stringMapJson(s.meta)},
        {QStringLiteral("Port"), s.port},
        {QStringLiteral("Weights"),
         QJsonObject{{QStringLiteral("Passing"), s.weights.passing}, {QStringLiteral("Warning"), s.weights.warning}}},
        {QStringLiteral("EnableTagOverride"), s.enableTagOverride},
        {QStringLiteral("CreateIndex"), double(s.createIndex)},
        {QStringLiteral("ModifyIndex"), double(s.modifyIndex)},
    };
    if (!s.kind.isEmpty())
        o.insert(QStringLiteral("Kind"), s.kind);
    if (!s.taggedAddresses.isEmpty())
        o.insert(QStringLiteral("TaggedAddresses"), s.taggedAddresses);
    if (!s.socketPath.isEmpty())
        o.insert(QStringLiteral("SocketPath"), s.socketPath);
    if (!s.proxy.isEmpty())
        o.insert(QStringLiteral("Proxy"), s.proxy);
    if (!s.connect.isEmpty())
        o.insert(QStringLiteral("Connect"), s.connect);
    return o;
}

QJsonObject catalogServiceJson(const Node &n, const Service &s)
{
    return QJsonObject{
        {QStringLiteral("ID"), n.id},
        {QStringLiteral("Node"), n.node},
        {QStringLiteral("Address"), n.address},
        {QStringLiteral("Datacenter"), n.datacenter},
        {QStringLiteral("TaggedAddresses"), n.taggedAddresses.isEmpty() ? QJsonValue() : stringMapJson(n.taggedAddresses)},
        {QStringLiteral("NodeMeta"), stringMapJson(n.meta)},
        {QStringLiteral("ServiceKind"), s.kind},
        {QStringLiteral("ServiceID"), s.id},
        {QStringLiteral("ServiceName"), s.service},
        {QStringLiteral("ServiceTags"), stringArray(s.tags)},
        {QStringLiteral("ServiceAddress"), s.address},
        {QStringLiteral("ServiceTaggedAddresses"), s.taggedAddresses.isEmpty() ? QJsonValue() : QJsonValue(s.taggedAddresses)},
        {QStringLiteral("ServiceWeights"),
         QJsonObject{{QStringLiteral("Passing"), s.weights.passing}, {QStringLiteral("Warning"), s.weights.warning}}},
        {QStringLiteral("ServiceMeta"), stringMapJson(s.meta)},
        {QStringLiteral("ServicePort"), s.port},
        {QStringLiteral("ServiceSocketPath"), s.socketPath},
        {QStringLiteral("ServiceEnableTagOverride"), s.enableTagOverride},
        {QStringLiteral("ServiceProxy"), s.proxy},
        {QStringLiteral("ServiceConnect"), s.connect},
        {QStringLiteral("CreateIndex"), double(s.createIndex)},
        {QStringLiteral("ModifyIndex"), double(s.modifyIndex)},
    };
}

QJsonObject toJson(const HealthCheck &c)
{
    return QJsonObject{
        {QStringLiteral("Node"), c.node},
        {QStringLiteral("CheckID"), c.checkId},
        {QStringLiteral("Name"), c.name},
        {QStringLiteral("Status"), c.status},
        {QStringLiteral("Notes"), c.notes},
        {QStringLiteral("Output"), c.output},
        {QStringLiteral("ServiceID"), c.serviceId},
        {QStringLiteral("ServiceName"), c.serviceName},
        {QStringLiteral("ServiceTags"), stringArray(c.serviceTags)},
        {QStringLiteral("Type"), c.type},
        {QStringLiteral("Interval"), c.interval ? formatDuration(c.interval) : QString()},
        {QStringLiteral("Timeout"), c.timeout ? formatDuration(c.timeout) : QString()},
        {QStringLiteral("ExposedPort"), 0},
        {QStringLiteral("Definition"), c.definition},
        {QStringLiteral("CreateIndex"), double(c.createIndex)},
        {QStringLiteral("ModifyIndex"), double(c.modifyIndex)},
    };
}

QJsonObject toJson(const Session &s)
{
    QJsonArray serviceChecks;
    for (const QString &id : s.serviceChecks)
        serviceChecks.append(QJsonObject{{QStringLiteral("ID"), id}, {QStringLiteral("Namespace"), QString()}});
    return QJsonObject{
        {QStringLiteral("ID"), s.id},
        {QStringLiteral("Name"), s.name},
        {QStringLiteral("Node"), s.node},
        {QStringLiteral("LockDelay"), double(s.lockDelay)},
        {QStringLiteral("Behavior"), s.behavior},
        {QStringLiteral("TTL"), s.ttl},
        {QStringLiteral("NodeChecks"), stringArray(s.nodeChecks)},
        {QStringLiteral("ServiceChecks"), serviceChecks.isEmpty() ? QJsonValue() : QJsonValue(serviceChecks)},
        {QStringLiteral("CreateIndex"), double(s.createIndex)},
        {QStringLiteral("ModifyIndex"), double(s.modifyIndex)},
    };
}

bool fromJson(const QJsonObject &o, Node *n, QString *error)
{
    Reader r{o, error};
    r.str(u"ID", &n->id);
    r.str(u"Node", &n->node);
    r.str(u"Address", &n->address);
    r.str(u"Datacenter", &n->datacenter);
    r.map(u"TaggedAddresses", &n->taggedAddresses);
    r.map(u"Meta", &n->meta);
    if (n->meta.isEmpty())
        r.map(u"NodeMeta", &n->meta);
    return r.ok;
}

bool fromJson(const QJsonObject &o, Service *s, QString *error)
{
    Reader r{o, error};
    r.str(u"Kind", &s->kind);
    r.str(u"ID", &s->id);
    r.str(u"Service", &s->service);
    if (s->service.isEmpty())
        r.str(u"Name", &s->service);
    r.strings(u"Tags", &s->tags);
    r.str(u"Address", &s->address);
    r.object(u"TaggedAddresses", &s->taggedAddresses);
    r.map(u"Meta", &s->meta);
    r.integer(u"Port", &s->port);
    r.str(u"SocketPath", &s->socketPath);
    QJsonObject weights;
    r.object(u"Weights", &weights);
    if (!weights.isEmpty()) {
        Reader w{weights, error};
        w.integer(u"Passing", &s->weights.passing);
        w.integer(u"Warning", &s->weights.warning);
        r.ok = r.ok && w.ok;
    }
    r.boolean(u"EnableTagOverride", &s->enableTagOverride);
    r.object(u"Proxy", &s->proxy);
    r.object(u"Connect", &s->connect);
    if (s->id.isEmpty())
        s->id = s->service;
    return r.ok;
}

bool fromJson(const QJsonObject &o, HealthCheck *c, QString *error)
{
    Reader r{o, error};
    r.str(u"Node", &c->node);
    r.str(u"CheckID", &c->checkId);
    if (c->checkId.isEmpty())
        r.str(u"ID", &c->checkId);
    r.str(u"Name", &c->name);
    r.str(u"Status", &c->status);
    r.str(u"Notes", &c->notes);
    r.str(u"Output", &c->output);
    r.str(u"ServiceID", &c->serviceId);
    r.str(u"ServiceName", &c->serviceName);
    r.strings(u"ServiceTags", &c->serviceTags);
    r.str(u"Type", &c->type);
    r.object(u"Definition", &c->definition);
    if (c->checkId.isEmpty())
        c->checkId = c->name;
    if (c->status.isEmpty())
        c->status = QStringLiteral("critical");
    return r.ok;
}

} // namespace qonsul::api

// Prepared query definitions: decoding as Consul does, template rendering, result filters.
#include "state/PreparedQuery.h"

#include "api/Types.h"
#include "core/Duration.h"
#include "state/StateStore.h"

#include <QJsonArray>
#include <QRegularExpression>
#include <QSet>

namespace qonsul::state {

namespace {

const QString kNamePrefixMatch = QStringLiteral("name_prefix_match");

QString jsonTypeName(const QJsonValue &v)
{
    switch (v.type()) {
    case QJsonValue::Bool:
        return QStringLiteral("bool");
    case QJsonValue::Double:
        return QStringLiteral("number");
    case QJsonValue::String:
        return QStringLiteral("string");
    case QJsonValue::Array:
        return QStringLiteral("array");
    case QJsonValue::Object:
        return QStringLiteral("object");
    default:
        return QStringLiteral("null");
    }
}

// Reads fields of one JSON object the way Go's encoding/json fills a struct: names match
// case-insensitively, null or absent leaves the zero value, a wrong type is a decode error
// naming the field.
class Decoder
{
public:
    Decoder(const QJsonObject &object, QString path, QString *error)
        : m_object(object)
        , m_path(std::move(path))
        , m_error(error)
    {
    }

    QJsonValue field(QStringView name, QJsonValue::Type want, const char *goType)
    {
        const QJsonValue v = api::lookup(m_object, name);
        if (v.isNull() || v.isUndefined() || !m_error->isEmpty())
            return QJsonValue();
        if (v.type() != want) {
            *m_error = QStringLiteral("json: cannot unmarshal %1 into Go struct field %2.%3 of type %4")
                           .arg(jsonTypeName(v), m_path, name, QLatin1StringView(goType));
            return QJsonValue();
        }
        return v;
    }
    QString string(QStringView name) { return field(name, QJsonValue::String, "string").toString(); }
    bool boolean(QStringView name) { return field(name, QJsonValue::Bool, "bool").toBool(); }
    QJsonObject object(QStringView name, const char *goType)
    {
        return field(name, QJsonValue::Object, goType).toObject();
    }
    int integer(QStringView name)
    {
        const QJsonValue v = field(name, QJsonValue::Double, "int");
        const double d = v.toDouble();
        if (m_error->isEmpty() && d != double(qint64(d)))
            *m_error
                = QStringLiteral("json: cannot unmarshal number %1 into Go struct field %2.%3 of type int")
                      .arg(d)
                      .arg(m_path, name);
        return int(d);
    }
    // A list of strings, or null (Go's nil slice) when absent.
    QJsonValue strings(QStringView name)
    {
        const QJsonValue v = field(name, QJsonValue::Array, "[]string");
        if (!v.isArray())
            return QJsonValue::Null;
        for (const QJsonValue &item : v.toArray()) {
            if (!item.isString() && m_error->isEmpty())
                *m_error
                    = QStringLiteral("json: cannot unmarshal %1 into Go struct field %2.%3 of type string")
                          .arg(jsonTypeName(item), m_path, name);
        }
        return v;
    }
    // A map of strings, or null when absent.
    QJsonValue stringMap(QStringView name)
    {
        const QJsonObject o = object(name, "map[string]string");
        if (o.isEmpty())
            return QJsonValue::Null;
        for (auto it = o.begin(); it != o.end(); ++it) {
            if (!it->isString() && m_error->isEmpty())
                *m_error
                    = QStringLiteral("json: cannot unmarshal %1 into Go struct field %2.%3 of type string")
                          .arg(jsonTypeName(*it), m_path, name);
        }
        return o;
    }

private:
    QJsonObject m_object;
    QString m_path;
    QString *m_error;
};

// Consul's template variables inside "${...}": name.full, name.prefix, name.suffix,
// agent.segment and match(N). Returns the value, or nullopt for anything else.
std::optional<QString> variable(
    QStringView expr, const QString &full, const QString &prefix, const QRegularExpressionMatch *match)
{
    const QStringView e = expr.trimmed();
    if (e == u"name.full")
        return full;
    if (e == u"name.prefix")
        return prefix;
    if (e == u"name.suffix")
        return full.mid(prefix.size());
    if (e == u"agent.segment")
        return QString(); // network segments are an Enterprise feature: always the default
    static const QRegularExpression matchCall(QStringLiteral(R"(^match\(\s*(\d+)\s*\)$)"));
    const QRegularExpressionMatch m = matchCall.match(e.toString());
    if (!m.hasMatch())
        return std::nullopt;
    const int n = m.capturedView(1).toInt();
    if (!match || !match->hasMatch() || n > match->lastCapturedIndex())
        return QString();
    return match->captured(n);
}

// Replaces every ${...} in `text`; sets *error for an unknown variable or an unclosed "${".
QString interpolate(const QString &text, const QString &full, const QString &prefix,
    const QRegularExpressionMatch *match, QString *error)
{
    QString out;
    qsizetype pos = 0;
    while (true) {
        const qsizetype start = text.indexOf(QLatin1StringView("${"), pos);
        if (start < 0) {
            out.append(QStringView(text).mid(pos));
            return out;
        }
        const qsizetype end = text.indexOf(u'}', start + 2);
        if (end < 0) {
            *error = QStringLiteral("unterminated interpolation in \"%1\"").arg(text);
            return text;
        }
        out.append(QStringView(text).mid(pos, start - pos));
        const QStringView expr = QStringView(text).mid(start + 2, end - start - 2);
        const std::optional<QString> value = variable(expr, full, prefix, match);
        if (!value) {
            *error = QStringLiteral("unknown variable accessed: %1").arg(expr.trimmed());
            return text;
        }
        out.append(*value);
        pos = end + 1;
    }
}

// Interpolates every string inside a JSON value (object values and array items).
QJsonValue interpolateAll(const QJsonValue &v, const QString &full, const QString &prefix,
    const QRegularExpressionMatch *match, QString *error)
{
    if (v.isString())
        return interpolate(v.toString(), full, prefix, match, error);
    if (v.isArray()) {
        QJsonArray a;
        for (const QJsonValue &item : v.toArray())
            a.append(interpolateAll(item, full, prefix, match, error));
        return a;
    }
    if (v.isObject()) {
        QJsonObject o = v.toObject();
        for (auto it = o.begin(); it != o.end(); ++it)
            *it = interpolateAll(*it, full, prefix, match, error);
        return o;
    }
    return v;
}

bool hasAll(const QJsonValue &wanted, const api::StringMap &have)
{
    const QJsonObject w = wanted.toObject();
    for (auto it = w.begin(); it != w.end(); ++it) {
        const auto found = have.constFind(it.key());
        if (found == have.constEnd() || *found != it->toString())
            return false;
    }
    return true;
}

} // namespace

bool PreparedQuery::isTemplate() const
{
    return !definition.value(QLatin1StringView("Template"))
                .toObject()
                .value(QLatin1StringView("Type"))
                .toString()
                .isEmpty();
}

namespace preparedquery {

QString normalise(const QJsonObject &body, QJsonObject *definition, bool *decodeError)
{
    QString error;
    Decoder top(body, QStringLiteral("PreparedQuery"), &error);
    const QString name = top.string(u"Name");
    const QString session = top.string(u"Session");
    const QString token = top.string(u"Token");
    Decoder tmpl(
        top.object(u"Template", "QueryTemplateOptions"), QStringLiteral("QueryTemplateOptions"), &error);
    const QJsonObject templ { { QStringLiteral("Type"), tmpl.string(u"Type") },
        { QStringLiteral("Regexp"), tmpl.string(u"Regexp") },
        { QStringLiteral("RemoveEmptyTags"), tmpl.boolean(u"RemoveEmptyTags") } };
    Decoder svc(top.object(u"Service", "ServiceQuery"), QStringLiteral("ServiceQuery"), &error);
    Decoder failover(
        svc.object(u"Failover", "QueryFailoverOptions"), QStringLiteral("QueryFailoverOptions"), &error);
    QJsonObject failoverJson { { QStringLiteral("NearestN"), failover.integer(u"NearestN") },
        { QStringLiteral("Datacenters"), failover.strings(u"Datacenters") } };
    const QJsonValue targets = failover.field(u"Targets", QJsonValue::Array, "[]QueryFailoverTarget");
    if (!targets.toArray().isEmpty())
        failoverJson.insert(QStringLiteral("Targets"), targets);
    const QJsonObject service { { QStringLiteral("Service"), svc.string(u"Service") },
        { QStringLiteral("Failover"), failoverJson },
        { QStringLiteral("OnlyPassing"), svc.boolean(u"OnlyPassing") },
        { QStringLiteral("IgnoreCheckIDs"), svc.strings(u"IgnoreCheckIDs") },
        { QStringLiteral("Near"), svc.string(u"Near") }, { QStringLiteral("Tags"), svc.strings(u"Tags") },
        { QStringLiteral("NodeMeta"), svc.stringMap(u"NodeMeta") },
        { QStringLiteral("ServiceMeta"), svc.stringMap(u"ServiceMeta") },
        { QStringLiteral("Peer"), svc.string(u"Peer") },
        { QStringLiteral("Connect"), svc.boolean(u"Connect") } };
    Decoder dns(top.object(u"DNS", "QueryDNSOptions"), QStringLiteral("QueryDNSOptions"), &error);
    const QString ttl = dns.string(u"TTL");
    if (!error.isEmpty()) {
        *decodeError = true;
        return QStringLiteral("Request decode failed: ") + error;
    }
    *decodeError = false;

    // Consul's parseQuery: the service sub-structure, then the DNS options.
    if (service.value(u"Service").toString().isEmpty())
        return QStringLiteral("Must provide a Service name to query");
    const int nearestN = failoverJson.value(u"NearestN").toInt();
    if (nearestN < 0)
        return QStringLiteral("Bad NearestN '%1', must be >= 0").arg(nearestN);
    if (!ttl.isEmpty()) {
        const std::optional<Nanoseconds> parsed = parseDuration(ttl);
        if (!parsed)
            return QStringLiteral("Bad DNS TTL '%1': time: invalid duration \"%1\"").arg(ttl);
        if (*parsed < 0)
            return QStringLiteral("DNS TTL '%1', must be >=0").arg(*parsed);
    }
    *definition = QJsonObject { { QStringLiteral("ID"), QString() }, { QStringLiteral("Name"), name },
        { QStringLiteral("Session"), session }, { QStringLiteral("Token"), token },
        { QStringLiteral("Template"), templ }, { QStringLiteral("Service"), service },
        { QStringLiteral("DNS"), QJsonObject { { QStringLiteral("TTL"), ttl } } } };
    return compileTemplate(*definition);
}

QString compileTemplate(const QJsonObject &definition)
{
    const QJsonObject templ = definition.value(u"Template").toObject();
    const QString type = templ.value(u"Type").toString();
    if (type.isEmpty())
        return {};
    if (type != kNamePrefixMatch)
        return QStringLiteral("Bad Template.Type '%1'").arg(type);
    const QString pattern = templ.value(u"Regexp").toString();
    if (!pattern.isEmpty()) {
        const QRegularExpression re(pattern);
        if (!re.isValid())
            return QStringLiteral("Invalid query template regexp '%1': %2").arg(pattern, re.errorString());
    }
    QString error;
    interpolateAll(definition.value(u"Service"), QString(), QString(), nullptr, &error);
    return error.isEmpty() ? QString() : QStringLiteral("Failed to compile query template: ") + error;
}

QJsonObject render(const QJsonObject &definition, const QString &name)
{
    const QJsonObject templ = definition.value(u"Template").toObject();
    if (templ.value(u"Type").toString().isEmpty())
        return definition;
    const QString pattern = templ.value(u"Regexp").toString();
    QRegularExpressionMatch match;
    if (!pattern.isEmpty())
        match = QRegularExpression(pattern).match(name);
    QString ignored; // the template compiled when it was written
    QJsonObject service = interpolateAll(
        definition.value(u"Service"), name, definition.value(u"Name").toString(), &match, &ignored)
                              .toObject();
    if (templ.value(u"RemoveEmptyTags").toBool() && service.value(u"Tags").isArray()) {
        QJsonArray tags;
        for (const QJsonValue &t : service.value(u"Tags").toArray()) {
            if (!t.toString().isEmpty())
                tags.append(t);
        }
        service.insert(QStringLiteral("Tags"), tags);
    }
    QJsonObject out = definition;
    out.insert(QStringLiteral("Service"), service);
    return out;
}

QJsonObject toJson(const PreparedQuery &query)
{
    QJsonObject o = query.definition;
    o.insert(QStringLiteral("CreateIndex"), double(query.createIndex));
    o.insert(QStringLiteral("ModifyIndex"), double(query.modifyIndex));
    return o;
}

QList<HealthEntry> filter(const QJsonObject &definition, const QList<HealthEntry> &instances)
{
    const QJsonObject service = definition.value(u"Service").toObject();
    const bool onlyPassing = service.value(u"OnlyPassing").toBool();
    QSet<QString> ignored;
    for (const QJsonValue &id : service.value(u"IgnoreCheckIDs").toArray())
        ignored.insert(id.toString());
    QStringList must, mustNot;
    for (const QJsonValue &t : service.value(u"Tags").toArray()) {
        const QString tag = t.toString().toLower();
        if (tag.startsWith(u'!'))
            mustNot.append(tag.mid(1));
        else
            must.append(tag);
    }
    const QJsonValue nodeMeta = service.value(u"NodeMeta");
    const QJsonValue serviceMeta = service.value(u"ServiceMeta");

    QList<HealthEntry> out;
    for (const HealthEntry &e : instances) {
        const bool unhealthy
            = std::any_of(e.checks.cbegin(), e.checks.cend(), [&](const api::HealthCheck &c) {
                  return !ignored.contains(c.checkId)
                      && (c.status == u"critical" || (onlyPassing && c.status != u"passing"));
              });
        if (unhealthy || !hasAll(nodeMeta, e.node.meta) || !hasAll(serviceMeta, e.service.meta))
            continue;
        QSet<QString> tags;
        for (const QString &t : e.service.tags)
            tags.insert(t.toLower());
        const bool tagsOk
            = std::all_of(must.cbegin(), must.cend(), [&](const QString &t) { return tags.contains(t); })
            && std::none_of(
                mustNot.cbegin(), mustNot.cend(), [&](const QString &t) { return tags.contains(t); });
        if (tagsOk)
            out.append(e);
    }
    return out;
}

} // namespace preparedquery
} // namespace qonsul::state

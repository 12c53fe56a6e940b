#pragma once
// Prepared queries (Consul's /v1/query and `<name>.query.consul`): a stored service lookup with
// health, tag and metadata filters, found by ID, by exact name, or — for templates — by the
// longest name prefix and then rendered for the name that was asked.
//
// A definition is kept as the JSON object Consul returns (ID, Name, Session, Token, Template,
// Service, DNS), normalised once when it is written, so reads serve it without conversion.
// These functions are pure: the state store applies and indexes definitions, the HTTP API and
// the DNS resolver execute them.
#include <QJsonObject>
#include <QList>

namespace qonsul::state {

struct HealthEntry;

struct PreparedQuery
{
    QJsonObject definition; // ID, Name, Session, Token, Template, Service, DNS
    quint64 createIndex = 0;
    quint64 modifyIndex = 0;

    QString id() const { return definition.value(QLatin1StringView("ID")).toString(); }
    QString name() const { return definition.value(QLatin1StringView("Name")).toString(); }
    QString session() const { return definition.value(QLatin1StringView("Session")).toString(); }
    bool isTemplate() const;
};

namespace preparedquery {

// A request body as Consul decodes it (field names case-insensitive) into the canonical
// definition, without ID. Returns an error text: "Request decode failed: ..." for a body of the
// wrong shape (400), or Consul's validation message (a service name is required, bad TTL, ...).
QString normalise(const QJsonObject &body, QJsonObject *definition, bool *decodeError);

// Checks a template (type, regexp, interpolations) the way Consul compiles it on write.
QString compileTemplate(const QJsonObject &definition);

// The definition a template yields for `name` (which it matched by prefix): every string in
// Service interpolated (${name.full|prefix|suffix}, ${match(N)}, ${agent.segment}), empty tags
// dropped with RemoveEmptyTags. Non-templates are returned unchanged.
QJsonObject render(const QJsonObject &definition, const QString &name);

// The definition as the API shows it (with CreateIndex/ModifyIndex).
QJsonObject toJson(const PreparedQuery &query);

// Applies the query's filters to a service's instances (HealthEntry list of its service):
// health (critical excluded, warning too with OnlyPassing, IgnoreCheckIDs skipped), NodeMeta,
// ServiceMeta and Tags (all required, "!tag" excluded, case-insensitive).
QList<HealthEntry> filter(const QJsonObject &definition, const QList<HealthEntry> &instances);

} // namespace preparedquery
} // namespace qonsul::state

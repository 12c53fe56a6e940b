// /v1/acl/* and /v1/agent/token/: Qonsul has no ACL system yet, so it answers these as a Consul
// agent whose ACLs are disabled does: each of Consul's handlers starts with checkACLDisabled()
// and answers 401 "ACL support disabled" (after the router's method check, 405 for the others).
#include "http/v1/Api.h"
#include "http/v1/Common.h"

namespace qonsul::http::v1 {

void Api::registerAcl()
{
    const QStringList get { QStringLiteral("GET") };
    const QStringList put { QStringLiteral("PUT") };
    const QStringList post { QStringLiteral("POST") };
    const QStringList crud { QStringLiteral("GET"), QStringLiteral("PUT"), QStringLiteral("DELETE") };
    // Consul's agent/http_register.go; a path ending in '/' is a prefix.
    const std::pair<const char *, QStringList> endpoints[] = {
        { "/v1/acl/bootstrap", put },
        { "/v1/acl/login", post },
        { "/v1/acl/logout", post },
        { "/v1/acl/replication", get },
        { "/v1/acl/policies", get },
        { "/v1/acl/policy", put },
        { "/v1/acl/policy/", crud },
        { "/v1/acl/policy/name/", get },
        { "/v1/acl/roles", get },
        { "/v1/acl/role", put },
        { "/v1/acl/role/name/", get },
        { "/v1/acl/role/", crud },
        { "/v1/acl/binding-rules", get },
        { "/v1/acl/binding-rule", put },
        { "/v1/acl/binding-rule/", crud },
        { "/v1/acl/auth-methods", get },
        { "/v1/acl/auth-method", put },
        { "/v1/acl/auth-method/", crud },
        { "/v1/acl/tokens", get },
        { "/v1/acl/token", put },
        { "/v1/acl/token/self", get },
        { "/v1/acl/token/", crud },
        { "/v1/acl/templated-policies", get },
        { "/v1/acl/templated-policy/name/", get },
        { "/v1/acl/templated-policy/preview/", post },
        { "/v1/agent/token/", put },
    };
    for (const auto &[path, methods] : endpoints) {
        const QString p = QString::fromLatin1(path);
        add(p, p.endsWith(u'/'), methods, [](const HttpRequest &, const QString &, const Responder &out) {
            sendError(out, 401, QStringLiteral("ACL support disabled"));
        });
    }
}

} // namespace qonsul::http::v1

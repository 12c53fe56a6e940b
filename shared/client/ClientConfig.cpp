#include "client/ClientConfig.h"

namespace qonsul::client {

bool parseGoBool(QStringView text, bool *value)
{
    static const char *const truths[] = { "1", "t", "T", "TRUE", "true", "True" };
    static const char *const lies[] = { "0", "f", "F", "FALSE", "false", "False" };
    for (const char *t : truths) {
        if (text == QLatin1StringView(t)) {
            *value = true;
            return true;
        }
    }
    for (const char *f : lies) {
        if (text == QLatin1StringView(f)) {
            *value = false;
            return true;
        }
    }
    return false;
}

ClientConfig ClientConfig::fromEnvironment(const QProcessEnvironment &env)
{
    ClientConfig c;
    c.address = env.value(QStringLiteral("CONSUL_HTTP_ADDR"));
    c.tokenFile = env.value(QStringLiteral("CONSUL_HTTP_TOKEN_FILE"));
    c.token = env.value(QStringLiteral("CONSUL_HTTP_TOKEN"));
    c.httpAuth = env.value(QStringLiteral("CONSUL_HTTP_AUTH"));
    bool flag = false;
    if (parseGoBool(env.value(QStringLiteral("CONSUL_HTTP_SSL")), &flag))
        c.https = flag;
    c.tlsServerName = env.value(QStringLiteral("CONSUL_TLS_SERVER_NAME"));
    c.caFile = env.value(QStringLiteral("CONSUL_CACERT"));
    c.caPath = env.value(QStringLiteral("CONSUL_CAPATH"));
    c.clientCert = env.value(QStringLiteral("CONSUL_CLIENT_CERT"));
    c.clientKey = env.value(QStringLiteral("CONSUL_CLIENT_KEY"));
    if (parseGoBool(env.value(QStringLiteral("CONSUL_HTTP_SSL_VERIFY")), &flag))
        c.insecureSkipVerify = !flag;
    return c;
}

bool parseEndpoint(const ClientConfig &config, Endpoint *endpoint, QString *error)
{
    Endpoint e;
    if (config.https)
        e.scheme = QStringLiteral("https");
    QString address = config.address.isEmpty() ? QStringLiteral("127.0.0.1:8500") : config.address;
    const qsizetype sep = address.indexOf(QLatin1StringView("://"));
    if (sep >= 0) {
        const QString scheme = address.left(sep);
        address = address.mid(sep + 3);
        if (scheme == u"https") {
            e.scheme = scheme;
        } else if (scheme == u"unix") {
            e.scheme = scheme;
        } else if (scheme != u"http") {
            *error = QStringLiteral("Unknown protocol scheme: %1").arg(scheme);
            return false;
        }
        // An http(s) address may carry a path prefix for a reverse proxy in front of the agent.
        if (e.scheme != u"unix") {
            const qsizetype slash = address.indexOf(u'/');
            if (slash >= 0) {
                e.pathPrefix = address.mid(slash);
                address = address.left(slash);
                while (e.pathPrefix.endsWith(u'/'))
                    e.pathPrefix.chop(1);
            }
        }
    }
    e.hostPort = address;
    *endpoint = e;
    return true;
}

} // namespace qonsul::client

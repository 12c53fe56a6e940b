#pragma once
// Where and how to reach a Consul-compatible agent: the settings of Consul's Go `api.Config`,
// filled from the same environment variables (CONSUL_HTTP_ADDR, CONSUL_HTTP_TOKEN, ...) and
// overridden by the CLI's -http-addr / -token / -datacenter flags.
#include <QProcessEnvironment>
#include <QString>

namespace qonsul::client {

struct ClientConfig
{
    // As the user wrote it: "127.0.0.1:8500", "http://host:8500", "https://host:8501/prefix",
    // "unix:///run/consul.sock". Empty means 127.0.0.1:8500.
    QString address;
    bool https = false; // CONSUL_HTTP_SSL=true; an https:// address sets it too
    QString token;
    QString tokenFile; // read once when the client is made; wins over `token` when non-empty
    QString datacenter; // sent as ?dc= on every request that does not set its own
    QString httpAuth; // "user:password" for HTTP basic auth (CONSUL_HTTP_AUTH)
    QString caFile; // CONSUL_CACERT
    QString caPath; // CONSUL_CAPATH
    QString clientCert; // CONSUL_CLIENT_CERT
    QString clientKey; // CONSUL_CLIENT_KEY
    QString tlsServerName; // CONSUL_TLS_SERVER_NAME: the name checked on the agent's certificate
    bool insecureSkipVerify = false; // CONSUL_HTTP_SSL_VERIFY=false

    // Consul's defaults, then the CONSUL_* variables of `env`.
    static ClientConfig fromEnvironment(
        const QProcessEnvironment &env = QProcessEnvironment::systemEnvironment());
};

// The address split the way Consul's api.NewClient splits it.
struct Endpoint
{
    QString scheme = QStringLiteral("http"); // http, https or unix
    QString hostPort = QStringLiteral("127.0.0.1:8500"); // host:port, or the socket path for unix
    QString pathPrefix; // "/prefix" when the agent sits behind a reverse proxy
};

// Parses ClientConfig::address; false and *error ("Unknown protocol scheme: ftp") when unusable.
bool parseEndpoint(const ClientConfig &config, Endpoint *endpoint, QString *error);

// Go's strconv.ParseBool: 1 t T TRUE true True 0 f F FALSE false False.
bool parseGoBool(QStringView text, bool *value);

} // namespace qonsul::client

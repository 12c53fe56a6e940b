#pragma once
// TLS for the checks that speak it (HTTPS, gRPC with grpc_use_tls, H2PING with h2ping_use_tls,
// TCP with tcp_use_tls), as Consul's OutgoingTLSConfigForCheck: with
// `enable_agent_tls_for_checks` the agent's internal-RPC TLS settings (tls.internal_rpc, else
// tls.defaults: the CAs of ca_file, else every file under ca_path, and cert_file/key_file
// presented as the client certificate); without it the system's CAs and no client
// certificate. Per check, tls_skip_verify turns verification off and tls_server_name is the
// name sent (SNI) and verified instead of the target's host.
#include <QList>
#include <QSslConfiguration>
#include <QSslError>
#include <QString>
#include <optional>

namespace qonsul::checks {

struct CheckTlsSettings
{
    bool useAgentTls = false; // enable_agent_tls_for_checks
    QString caFile;
    QString caPath;
    QString certFile;
    QString keyFile;
};

// The base configuration every check's TLS starts from; nullopt stands for Qt's default one,
// made only when a TLS check runs. Not even a null QSslConfiguration is made before: its
// constructor loads Qt's TLS backends (libssl, libcrypto: ~4 MB of every agent's RSS).
using TlsBase = std::optional<QSslConfiguration>;

// The base: nullopt without enable_agent_tls_for_checks; none at all (outer nullopt) and
// `error` (Consul's text) when a file named in the settings cannot be loaded.
std::optional<TlsBase> checkTlsConfiguration(const CheckTlsSettings &settings, QString *error);

// `base` with one check's tls_skip_verify applied (the name is set on the socket or request).
QSslConfiguration checkTlsFor(const TlsBase &base, bool skipVerify);

// A failed verification as Go's crypto/tls reports it, e.g.
// "tls: failed to verify certificate: x509: certificate signed by unknown authority" or
// "... x509: certificate is valid for check.test, not other.test".
QString goTlsError(const QList<QSslError> &errors, const QString &verifiedName);

} // namespace qonsul::checks

#pragma once
// TLS for the checks that speak it (HTTPS, gRPC with grpc_use_tls, H2PING with h2ping_use_tls,
// TCP with tcp_use_tls), as Consul's OutgoingTLSConfigForCheck: with
// `enable_agent_tls_for_checks` the agent's internal-RPC TLS settings (tls.internal_rpc, else
// tls.defaults: the CAs of ca_file, else every file under ca_path, cert_file/key_file
// presented as the client certificate, tls_min_version and tls_cipher_suites); without it the
// system's CAs, no client certificate and the TLS library's defaults. Per check,
// tls_skip_verify turns verification off and tls_server_name is the name sent (SNI) and
// verified instead of the target's host.
#include <QList>
#include <QSslConfiguration>
#include <QSslError>
#include <QString>
#include <QStringList>
#include <memory>
#include <optional>

namespace qonsul::checks {

struct CheckTlsSettings
{
    bool useAgentTls = false; // enable_agent_tls_for_checks
    QString caFile;
    QString caPath;
    QString certFile;
    QString keyFile;
    QString minVersion;       // Consul's names: TLSv1_0 … TLSv1_3; "" or TLS_AUTO is TLS 1.2
    QStringList cipherSuites; // IANA names (the config loader accepts only Consul's ten)
};

// The base configuration every check's TLS starts from; nullopt stands for Qt's default one,
// made only when a TLS check runs. Not even a null QSslConfiguration is made before: its
// constructor loads Qt's TLS backends (libssl, libcrypto: ~4 MB of every agent's RSS).
using TlsBase = std::optional<QSslConfiguration>;

// The agent's TlsBase, shared by every runner that speaks TLS and read at each probe: a
// reload assigns the re-read one in place, so every TLS check (changed or not) uses it from
// its next probe on, as Consul's checks do (its reload restarts them all).
using SharedTlsBase = std::shared_ptr<TlsBase>;

// The base: nullopt without enable_agent_tls_for_checks; none at all (outer nullopt) and
// `error` (Consul's text) when a file named in the settings cannot be loaded.
std::optional<TlsBase> checkTlsConfiguration(const CheckTlsSettings &settings, QString *error);

// `base` with one check's tls_skip_verify applied (the name is set on the socket or request).
QSslConfiguration checkTlsFor(const TlsBase &base, bool skipVerify);

// A failed verification as Go's crypto/tls reports it, e.g.
// "tls: failed to verify certificate: x509: certificate signed by unknown authority" or
// "... x509: certificate is valid for check.test, not other.test".
QString goTlsError(const QList<QSslError> &errors, const QString &verifiedName);

// A handshake the peer refused with an alert, as Go's crypto/tls reports it ("remote error:
// tls: handshake failure", "... protocol version not supported"); other texts unchanged.
QString goHandshakeError(const QString &qtError);

} // namespace qonsul::checks

#include "checks/CheckTls.h"

#include <QDirIterator>
#include <QFile>
#include <QFileInfo>
#include <QHostAddress>
#include <QSslCertificate>
#include <QSslCipher>
#include <QSslKey>

#include <utility>

namespace qonsul::checks {

namespace {
bool readFile(const QString &path, QByteArray *out, QString *error)
{
    QFile f(path);
    if (!f.open(QIODevice::ReadOnly)) {
        *error = QStringLiteral("Error loading from %1: open %1: %2").arg(path, f.errorString().toLower());
        return false;
    }
    *out = f.readAll();
    return true;
}

bool addCas(const QString &path, QList<QSslCertificate> *cas, QString *error)
{
    QByteArray pem;
    if (!readFile(path, &pem, error))
        return false;
    const QList<QSslCertificate> certs = QSslCertificate::fromData(pem, QSsl::Pem);
    if (certs.isEmpty()) {
        *error = QStringLiteral("failed to parse PEM %1").arg(path);
        return false;
    }
    *cas += certs;
    return true;
}

// tls_min_version → Qt's protocol. Below 1.2 Qt's enumerators are deprecated (the system's
// OpenSSL may refuse those versions at its security level whatever is asked).
QSsl::SslProtocol protocolFor(const QString &minVersion)
{
    QT_WARNING_PUSH
    QT_WARNING_DISABLE_DEPRECATED
    if (minVersion == u"TLSv1_0")
        return QSsl::TlsV1_0OrLater;
    if (minVersion == u"TLSv1_1")
        return QSsl::TlsV1_1OrLater;
    QT_WARNING_POP
    if (minVersion == u"TLSv1_3")
        return QSsl::TlsV1_3OrLater;
    return QSsl::TlsV1_2OrLater; // TLSv1_2, TLS_AUTO, unset: Consul's TLS 1.2
}

// Consul's ten agent cipher suites (IANA names) as OpenSSL names them.
QString opensslCipherName(const QString &iana)
{
    static const std::pair<const char *, const char *> names[] = {
        {"TLS_ECDHE_ECDSA_WITH_CHACHA20_POLY1305_SHA256", "ECDHE-ECDSA-CHACHA20-POLY1305"},
        {"TLS_ECDHE_ECDSA_WITH_AES_128_CBC_SHA", "ECDHE-ECDSA-AES128-SHA"},
        {"TLS_ECDHE_ECDSA_WITH_AES_128_GCM_SHA256", "ECDHE-ECDSA-AES128-GCM-SHA256"},
        {"TLS_ECDHE_ECDSA_WITH_AES_256_CBC_SHA", "ECDHE-ECDSA-AES256-SHA"},
        {"TLS_ECDHE_ECDSA_WITH_AES_256_GCM_SHA384", "ECDHE-ECDSA-AES256-GCM-SHA384"},
        {"TLS_ECDHE_RSA_WITH_CHACHA20_POLY1305_SHA256", "ECDHE-RSA-CHACHA20-POLY1305"},
        {"TLS_ECDHE_RSA_WITH_AES_128_CBC_SHA", "ECDHE-RSA-AES128-SHA"},
        {"TLS_ECDHE_RSA_WITH_AES_128_GCM_SHA256", "ECDHE-RSA-AES128-GCM-SHA256"},
        {"TLS_ECDHE_RSA_WITH_AES_256_CBC_SHA", "ECDHE-RSA-AES256-SHA"},
        {"TLS_ECDHE_RSA_WITH_AES_256_GCM_SHA384", "ECDHE-RSA-AES256-GCM-SHA384"},
    };
    for (const auto &[ianaName, opensslName] : names) {
        if (iana == QLatin1StringView(ianaName))
            return QString::fromLatin1(opensslName);
    }
    return {};
}

// Go's CipherSuites lists only TLS 1.0-1.2 suites; TLS 1.3's stay on as in Go, where they
// cannot be configured.
QList<QSslCipher> ciphersFor(const QStringList &suites)
{
    QList<QSslCipher> ciphers;
    for (const QString &suite : suites) {
        const QSslCipher cipher(opensslCipherName(suite));
        if (!cipher.isNull())
            ciphers.append(cipher);
    }
    const QList<QSslCipher> supported = QSslConfiguration::supportedCiphers();
    for (const QSslCipher &cipher : supported) {
        if (cipher.protocol() == QSsl::TlsV1_3)
            ciphers.append(cipher);
    }
    return ciphers;
}
} // namespace

std::optional<TlsBase> checkTlsConfiguration(const CheckTlsSettings &settings, QString *error)
{
    if (!settings.useAgentTls)
        return TlsBase(); // checkTlsFor() takes Qt's default (loading TLS only then)
    QSslConfiguration config = QSslConfiguration::defaultConfiguration();
    config.setProtocol(protocolFor(settings.minVersion));
    if (!settings.cipherSuites.isEmpty())
        config.setCiphers(ciphersFor(settings.cipherSuites));
    QList<QSslCertificate> cas;
    if (!settings.caFile.isEmpty()) {
        if (!addCas(settings.caFile, &cas, error))
            return std::nullopt;
    } else if (!settings.caPath.isEmpty()) {
        QDirIterator it(settings.caPath, QDir::Files, QDirIterator::Subdirectories);
        while (it.hasNext()) {
            if (!addCas(it.next(), &cas, error))
                return std::nullopt;
        }
        if (cas.isEmpty()) {
            *error = QStringLiteral("Error loading from CAPath: no CAs found");
            return std::nullopt;
        }
    }
    if (!cas.isEmpty())
        config.setCaCertificates(cas); // only these, as Go's RootCAs
    if (!settings.certFile.isEmpty() && !settings.keyFile.isEmpty()) {
        QByteArray certPem, keyPem;
        if (!readFile(settings.certFile, &certPem, error) || !readFile(settings.keyFile, &keyPem, error))
            return std::nullopt;
        const QList<QSslCertificate> chain = QSslCertificate::fromData(certPem, QSsl::Pem);
        QSslKey key(keyPem, QSsl::Ec, QSsl::Pem);
        if (key.isNull())
            key = QSslKey(keyPem, QSsl::Rsa, QSsl::Pem);
        if (chain.isEmpty() || key.isNull()) {
            *error = QStringLiteral("Failed to load cert/key pair: tls: failed to find any PEM data in %1")
                         .arg(chain.isEmpty() ? QStringLiteral("certificate input") : QStringLiteral("key input"));
            return std::nullopt;
        }
        config.setLocalCertificateChain(chain);
        config.setPrivateKey(key);
    }
    return config;
}

QSslConfiguration checkTlsFor(const TlsBase &base, bool skipVerify)
{
    QSslConfiguration config = base ? *base : QSslConfiguration::defaultConfiguration();
    if (skipVerify)
        config.setPeerVerifyMode(QSslSocket::VerifyNone);
    return config;
}

QString goTlsError(const QList<QSslError> &errors, const QString &verifiedName)
{
    QString reason;
    for (const QSslError &e : errors) {
        switch (e.error()) {
        case QSslError::SelfSignedCertificate:
        case QSslError::SelfSignedCertificateInChain:
        case QSslError::UnableToGetLocalIssuerCertificate:
        case QSslError::UnableToGetIssuerCertificate:
        case QSslError::UnableToVerifyFirstCertificate:
        case QSslError::CertificateUntrusted:
            reason = QStringLiteral("x509: certificate signed by unknown authority");
            break;
        case QSslError::CertificateExpired:
        case QSslError::CertificateNotYetValid:
            reason = QStringLiteral("x509: certificate has expired or is not yet valid");
            break;
        case QSslError::HostNameMismatch: {
            if (!reason.isEmpty())
                break; // an untrusted chain is what Go reports first
            QStringList names;
            const QSslCertificate cert = e.certificate();
            const auto alternates = cert.subjectAlternativeNames();
            for (auto it = alternates.begin(); it != alternates.end(); ++it)
                names.append(it.value());
            if (names.isEmpty())
                names = cert.subjectInfo(QSslCertificate::CommonName);
            reason = QStringLiteral("x509: certificate is valid for %1, not %2").arg(names.join(QStringLiteral(", ")), verifiedName);
            break;
        }
        default:
            if (reason.isEmpty())
                reason = e.errorString();
        }
        if (reason.startsWith(u"x509: certificate signed") || reason.startsWith(u"x509: certificate has"))
            break;
    }
    return QStringLiteral("tls: failed to verify certificate: %1").arg(reason);
}

QString goHandshakeError(const QString &qtError)
{
    // OpenSSL's reason for a received alert → the alert's text in Go (crypto/tls alert.go).
    static const std::pair<const char *, const char *> alerts[] = {
        {"alert handshake failure", "handshake failure"},
        {"alert protocol version", "protocol version not supported"},
        {"alert bad certificate", "bad certificate"},
        {"alert certificate required", "certificate required"},
        {"alert unknown ca", "unknown certificate authority"},
        {"alert certificate unknown", "unknown certificate"},
        {"alert insufficient security", "insufficient security level"},
        {"alert internal error", "internal error"},
        {"alert no application protocol", "no application protocol"},
    };
    for (const auto &[openssl, go] : alerts) {
        if (qtError.contains(QLatin1StringView(openssl)))
            return QStringLiteral("remote error: tls: %1").arg(QLatin1StringView(go));
    }
    return qtError;
}

} // namespace qonsul::checks

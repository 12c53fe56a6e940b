#include "checks/CheckTls.h"

#include <QDirIterator>
#include <QFile>
#include <QFileInfo>
#include <QHostAddress>
#include <QSslCertificate>
#include <QSslKey>

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
} // namespace

std::optional<TlsBase> checkTlsConfiguration(const CheckTlsSettings &settings, QString *error)
{
    if (!settings.useAgentTls)
        return TlsBase(); // checkTlsFor() takes Qt's default (loading TLS only then)
    QSslConfiguration config = QSslConfiguration::defaultConfiguration();
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

} // namespace qonsul::checks

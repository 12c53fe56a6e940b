#include "console/TokenStore.h"

#include <QDir>
#include <QFile>
#include <QJsonDocument>
#include <QJsonObject>
#include <QLoggingCategory>
#include <QPointer>
#include <QSaveFile>
#include <QSettings>
#include <QTimer>
#include <qt6keychain/keychain.h>

Q_LOGGING_CATEGORY(lcTokens, "qonsul.console.tokens")

namespace qonsul::console {

namespace {
const QString kService = QStringLiteral("qonsul-console");
// A keychain that does not answer within this time is treated as absent (a D-Bus session bus
// without a Secret Service can otherwise keep a job pending for 25 s).
constexpr int kKeychainTimeoutMs = 3000;

bool noBackend(QKeychain::Error e)
{
    return e == QKeychain::NoBackendAvailable || e == QKeychain::NotImplemented || e == QKeychain::OtherError
        || e == QKeychain::AccessDenied;
}
} // namespace

TokenStore::TokenStore(QObject *parent)
    : QObject(parent)
{
}

QString TokenStore::fallbackFilePath()
{
    // Beside the console's settings (~/.config/Qonsul/ on Linux), so one place holds its state.
    return QFileInfo(QSettings().fileName()).absolutePath() + QStringLiteral("/qonsul-console-tokens.json");
}

QString TokenStore::whereText() const
{
    switch (m_where) {
    case Where::Keychain:
        return tr("Tokens are kept in the system keychain.");
    case Where::File:
        return tr(
            "No keychain service answered (%1): tokens are kept in %2, readable only by you (mode 0600).")
            .arg(m_fallbackReason, QDir::toNativeSeparators(fallbackFilePath()));
    case Where::Unknown:
        break;
    }
    return tr("Tokens are kept in the system keychain when one answers.");
}

void TokenStore::useFile(const QString &why)
{
    if (m_where == Where::File)
        return;
    qCWarning(lcTokens) << "keychain unavailable, using the 0600 token file:" << why;
    m_where = Where::File;
    m_fallbackReason = why;
    Q_EMIT whereChanged();
}

void TokenStore::read(const QString &connection, std::function<void(const QString &)> done)
{
    if (m_where == Where::File) {
        QTimer::singleShot(0, this, [this, connection, done] { done(readFile(connection)); });
        return;
    }
    auto *job = new QKeychain::ReadPasswordJob(kService, this);
    job->setKey(connection);
    job->setAutoDelete(false);
    auto settled = std::make_shared<bool>(false);
    auto finish = [this, job, connection, done, settled](bool timedOut) {
        if (*settled)
            return;
        *settled = true;
        if (timedOut || noBackend(job->error())) {
            useFile(timedOut ? tr("no answer") : job->errorString());
            done(readFile(connection));
        } else {
            if (m_where != Where::Keychain) {
                m_where = Where::Keychain;
                Q_EMIT whereChanged();
            }
            done(job->error() == QKeychain::NoError ? job->textData() : QString());
        }
        job->deleteLater();
    };
    connect(job, &QKeychain::Job::finished, this, [finish] { finish(false); });
    QTimer::singleShot(kKeychainTimeoutMs, job, [finish] { finish(true); });
    job->start();
}

void TokenStore::write(const QString &connection, const QString &token, std::function<void()> done)
{
    if (m_where == Where::File) {
        writeFile(connection, token);
        if (done)
            QTimer::singleShot(0, this, done);
        return;
    }
    auto *job = new QKeychain::WritePasswordJob(kService, this);
    job->setKey(connection);
    job->setTextData(token);
    job->setAutoDelete(false);
    auto settled = std::make_shared<bool>(false);
    auto finish = [this, job, connection, token, done, settled](bool timedOut) {
        if (*settled)
            return;
        *settled = true;
        if (timedOut || job->error() != QKeychain::NoError) {
            useFile(timedOut ? tr("no answer") : job->errorString());
            writeFile(connection, token);
        } else if (m_where != Where::Keychain) {
            m_where = Where::Keychain;
            Q_EMIT whereChanged();
        }
        if (done)
            done();
        job->deleteLater();
    };
    connect(job, &QKeychain::Job::finished, this, [finish] { finish(false); });
    QTimer::singleShot(kKeychainTimeoutMs, job, [finish] { finish(true); });
    job->start();
}

void TokenStore::remove(const QString &connection)
{
    if (m_where != Where::File) {
        auto *job = new QKeychain::DeletePasswordJob(kService, this);
        job->setKey(connection);
        job->start(); // deletes itself
    }
    if (QFile::exists(fallbackFilePath()))
        writeFile(connection, QString());
}

QString TokenStore::readFile(const QString &connection) const
{
    QFile file(fallbackFilePath());
    if (!file.open(QIODevice::ReadOnly))
        return {};
    return QJsonDocument::fromJson(file.readAll()).object().value(connection).toString();
}

bool TokenStore::writeFile(const QString &connection, const QString &token) const
{
    const QString path = fallbackFilePath();
    QDir().mkpath(QFileInfo(path).absolutePath());
    QJsonObject all;
    {
        QFile in(path);
        if (in.open(QIODevice::ReadOnly))
            all = QJsonDocument::fromJson(in.readAll()).object();
    }
    if (token.isEmpty())
        all.remove(connection);
    else
        all.insert(connection, token);
    QSaveFile out(path);
    if (!out.open(QIODevice::WriteOnly))
        return false;
    // Restrict before the token is written, so it never sits in a readable file.
    out.setPermissions(QFileDevice::ReadOwner | QFileDevice::WriteOwner);
    out.write(QJsonDocument(all).toJson());
    if (!out.commit()) {
        qCWarning(lcTokens) << "cannot write" << path << out.errorString();
        return false;
    }
    QFile::setPermissions(path, QFileDevice::ReadOwner | QFileDevice::WriteOwner);
    return true;
}

} // namespace qonsul::console

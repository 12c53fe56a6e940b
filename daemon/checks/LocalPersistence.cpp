#include "checks/LocalPersistence.h"

#include <QCryptographicHash>
#include <QDir>
#include <QFile>
#include <QJsonDocument>
#include <QSaveFile>

namespace qonsul::checks {

LocalPersistence::LocalPersistence(QString dataDir)
    : m_servicesDir(dataDir + QStringLiteral("/services"))
    , m_checksDir(dataDir + QStringLiteral("/checks"))
    , m_stateDir(dataDir + QStringLiteral("/checks/state"))
{
}

QString LocalPersistence::fileName(const QString &id)
{
    return QString::fromLatin1(QCryptographicHash::hash(id.toUtf8(), QCryptographicHash::Sha256).toHex());
}

bool LocalPersistence::write(const QString &dir, const QString &id, const QJsonObject &body, QString *error)
{
    if (!QDir().mkpath(dir)) {
        if (error)
            *error = QStringLiteral("failed to create %1").arg(dir);
        return false;
    }
    QSaveFile file(dir + u'/' + fileName(id));
    if (!file.open(QIODevice::WriteOnly)) {
        if (error)
            *error = QStringLiteral("failed writing %1: %2").arg(file.fileName(), file.errorString());
        return false;
    }
    file.setPermissions(QFile::ReadOwner | QFile::WriteOwner);
    file.write(QJsonDocument(body).toJson(QJsonDocument::Compact));
    if (!file.commit()) {
        if (error)
            *error = QStringLiteral("failed writing %1: %2").arg(file.fileName(), file.errorString());
        return false;
    }
    return true;
}

bool LocalPersistence::saveService(const QString &id, const QJsonObject &definition, const QString &token, QString *error)
{
    return write(m_servicesDir, id,
                 QJsonObject{{QStringLiteral("ID"), id},
                             {QStringLiteral("Service"), definition},
                             {QStringLiteral("Token"), token},
                             {QStringLiteral("Source"), QStringLiteral("remote")}},
                 error);
}

bool LocalPersistence::removeService(const QString &id)
{
    const QString path = m_servicesDir + u'/' + fileName(id);
    return !QFile::exists(path) || QFile::remove(path);
}

bool LocalPersistence::saveCheck(const QString &id, const QJsonObject &definition, const QString &token, QString *error)
{
    return write(m_checksDir, id,
                 QJsonObject{{QStringLiteral("ID"), id},
                             {QStringLiteral("Check"), definition},
                             {QStringLiteral("Token"), token},
                             {QStringLiteral("Source"), QStringLiteral("remote")}},
                 error);
}

bool LocalPersistence::removeCheck(const QString &id)
{
    removeCheckState(id);
    const QString path = m_checksDir + u'/' + fileName(id);
    return !QFile::exists(path) || QFile::remove(path);
}

bool LocalPersistence::saveCheckState(const PersistedCheckState &state, QString *error)
{
    return write(m_stateDir, state.checkId,
                 QJsonObject{{QStringLiteral("CheckID"), state.checkId},
                             {QStringLiteral("Status"), state.status},
                             {QStringLiteral("Output"), state.output},
                             {QStringLiteral("Expires"), double(state.expiresWallMs)}},
                 error);
}

bool LocalPersistence::removeCheckState(const QString &id)
{
    const QString path = m_stateDir + u'/' + fileName(id);
    return !QFile::exists(path) || QFile::remove(path);
}

QList<LocalPersistence::Entry> LocalPersistence::load(const QString &dir, const QString &key, QStringList *warnings) const
{
    QList<Entry> out;
    const QDir d(dir);
    for (const QString &name : d.entryList(QDir::Files, QDir::Name)) {
        QFile f(d.filePath(name));
        if (!f.open(QIODevice::ReadOnly)) {
            if (warnings)
                warnings->append(QStringLiteral("failed reading %1: %2").arg(f.fileName(), f.errorString()));
            continue;
        }
        QJsonParseError perr;
        const QJsonDocument doc = QJsonDocument::fromJson(f.readAll(), &perr);
        const QJsonObject o = doc.object();
        if (perr.error != QJsonParseError::NoError || !o.value(key).isObject() || o.value(u"ID").toString().isEmpty()
            || name != fileName(o.value(u"ID").toString())) {
            if (warnings)
                warnings->append(QStringLiteral("skipping corrupt file %1").arg(f.fileName()));
            continue;
        }
        out.append({o.value(u"ID").toString(), o.value(key).toObject(), o.value(u"Token").toString()});
    }
    return out;
}

QList<LocalPersistence::Entry> LocalPersistence::services(QStringList *warnings) const
{
    return load(m_servicesDir, QStringLiteral("Service"), warnings);
}

QList<LocalPersistence::Entry> LocalPersistence::checks(QStringList *warnings) const
{
    return load(m_checksDir, QStringLiteral("Check"), warnings);
}

std::optional<PersistedCheckState> LocalPersistence::checkState(const QString &id, qint64 nowWallMs) const
{
    QFile f(m_stateDir + u'/' + fileName(id));
    if (!f.open(QIODevice::ReadOnly))
        return std::nullopt;
    const QJsonObject o = QJsonDocument::fromJson(f.readAll()).object();
    if (o.value(u"CheckID").toString() != id)
        return std::nullopt;
    PersistedCheckState s{id, o.value(u"Status").toString(), o.value(u"Output").toString(),
                          qint64(o.value(u"Expires").toDouble())};
    if (s.expiresWallMs <= nowWallMs)
        return std::nullopt;
    return s;
}

} // namespace qonsul::checks

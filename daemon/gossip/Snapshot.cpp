#include "gossip/Snapshot.h"

#include <QDir>
#include <QFile>
#include <QFileInfo>
#include <QJsonArray>
#include <QJsonDocument>
#include <QJsonObject>
#include <QSaveFile>

namespace qonsul::gossip {

Snapshot Snapshot::load(const QString &path)
{
    Snapshot s;
    QFile f(path);
    if (!f.open(QIODevice::ReadOnly))
        return s;
    const QJsonObject o = QJsonDocument::fromJson(f.readAll()).object();
    s.left = o.value(u"left").toBool();
    for (const QJsonValue &v : o.value(u"alive").toArray()) {
        if (const auto a = Address::parse(v.toString(), 0); a && a->isValid())
            s.alive.append(*a);
    }
    return s;
}

bool Snapshot::save(const QString &path, QString *error) const
{
    QJsonArray members;
    for (const Address &a : alive)
        members.append(a.toString());
    QDir().mkpath(QFileInfo(path).absolutePath());
    QSaveFile f(path);
    if (!f.open(QIODevice::WriteOnly)) {
        *error = QStringLiteral("Failed to write snapshot: %1").arg(f.errorString());
        return false;
    }
    f.write(QJsonDocument(QJsonObject{{QStringLiteral("alive"), members}, {QStringLiteral("left"), left}})
                .toJson(QJsonDocument::Compact));
    if (!f.commit()) {
        *error = QStringLiteral("Failed to write snapshot: %1").arg(f.errorString());
        return false;
    }
    return true;
}

} // namespace qonsul::gossip

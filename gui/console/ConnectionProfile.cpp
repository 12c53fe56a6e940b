#include "console/ConnectionProfile.h"

#include <QSettings>

namespace qonsul::console {

client::ClientConfig ConnectionProfile::clientConfig(const QString &token) const
{
    client::ClientConfig config;
    config.address = address.trimmed();
    config.https = https || config.address.startsWith(u"https://");
    if (config.https && !config.address.contains(u"://"))
        config.address = QStringLiteral("https://") + config.address;
    config.caFile = caFile;
    config.insecureSkipVerify = insecureSkipVerify;
    config.datacenter = datacenter;
    config.token = token;
    return config;
}

QList<ConnectionProfile> ConnectionStore::load()
{
    QSettings settings;
    QList<ConnectionProfile> out;
    const int n = settings.beginReadArray(QStringLiteral("connections"));
    for (int i = 0; i < n; ++i) {
        settings.setArrayIndex(i);
        ConnectionProfile p;
        p.name = settings.value(QStringLiteral("name")).toString();
        p.address = settings.value(QStringLiteral("address"), p.address).toString();
        p.https = settings.value(QStringLiteral("https"), false).toBool();
        p.caFile = settings.value(QStringLiteral("caFile")).toString();
        p.insecureSkipVerify = settings.value(QStringLiteral("insecureSkipVerify"), false).toBool();
        p.datacenter = settings.value(QStringLiteral("datacenter")).toString();
        out.append(p);
    }
    settings.endArray();
    return out;
}

namespace {
void writeAll(const QList<ConnectionProfile> &profiles)
{
    QSettings settings;
    settings.remove(QStringLiteral("connections"));
    settings.beginWriteArray(QStringLiteral("connections"), int(profiles.size()));
    for (int i = 0; i < profiles.size(); ++i) {
        const ConnectionProfile &p = profiles[i];
        settings.setArrayIndex(i);
        settings.setValue(QStringLiteral("name"), p.name);
        settings.setValue(QStringLiteral("address"), p.address);
        settings.setValue(QStringLiteral("https"), p.https);
        settings.setValue(QStringLiteral("caFile"), p.caFile);
        settings.setValue(QStringLiteral("insecureSkipVerify"), p.insecureSkipVerify);
        settings.setValue(QStringLiteral("datacenter"), p.datacenter);
    }
    settings.endArray();
}
} // namespace

void ConnectionStore::save(const ConnectionProfile &profile)
{
    QList<ConnectionProfile> profiles = load();
    auto it = std::find_if(
        profiles.begin(), profiles.end(), [&](const auto &p) { return p.name == profile.name; });
    if (it != profiles.end())
        *it = profile;
    else
        profiles.append(profile);
    writeAll(profiles);
}

void ConnectionStore::remove(const QString &name)
{
    QList<ConnectionProfile> profiles = load();
    profiles.removeIf([&](const auto &p) { return p.name == name; });
    writeAll(profiles);
}

QString ConnectionStore::lastConnection()
{
    return QSettings().value(QStringLiteral("lastConnection")).toString();
}

void ConnectionStore::setLastConnection(const QString &name)
{
    QSettings().setValue(QStringLiteral("lastConnection"), name);
}

ConnectionProfile ConnectionStore::find(const QString &name, bool *found)
{
    for (const ConnectionProfile &p : load()) {
        if (p.name == name) {
            if (found)
                *found = true;
            return p;
        }
    }
    if (found)
        *found = false;
    return {};
}

} // namespace qonsul::console

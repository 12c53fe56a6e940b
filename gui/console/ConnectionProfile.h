#pragma once
// A saved way to reach an agent, kept in QSettings under "connections/<name>". The ACL token is
// not part of it: TokenStore keeps tokens in the system keychain.
#include <QList>
#include <QString>

#include "client/ClientConfig.h"

namespace qonsul::console {

struct ConnectionProfile
{
    QString name; // what the user calls it; also the keychain entry's key
    QString address = QStringLiteral("127.0.0.1:8500");
    bool https = false;
    QString caFile;
    bool insecureSkipVerify = false;
    QString datacenter; // empty: the agent's own

    client::ClientConfig clientConfig(const QString &token) const;
    QString displayName() const { return name.isEmpty() ? address : name; }
};

class ConnectionStore
{
public:
    static QList<ConnectionProfile> load();
    static void save(const ConnectionProfile &profile); // adds or replaces by name
    static void remove(const QString &name);
    static QString lastConnection();
    static void setLastConnection(const QString &name);
    static ConnectionProfile find(const QString &name, bool *found = nullptr);
};

} // namespace qonsul::console

// `qonsul keyring -list | -install | -use | -remove`: the gossip encryption keys of every
// member, through /v1/operator/keyring.
#include "cli/Command.h"
#include "cli/Output.h"

#include "client/ApiClient.h"

#include <QJsonArray>
#include <QJsonDocument>
#include <QJsonObject>

namespace qonsul::cli {

using client::Request;
using client::Response;

namespace {

class Keyring final : public Command
{
public:
    Keyring()
    {
        m_flags.addString(QStringLiteral("install"), &m_install,
            QStringLiteral("Install a new encryption key. This will broadcast the new key to all members in the cluster."));
        m_flags.addBool(QStringLiteral("list"), &m_list, QStringLiteral("List all keys currently in use within the cluster."));
        m_flags.addBool(QStringLiteral("list-primary"), &m_listPrimary,
            QStringLiteral("List all primary keys currently in use within the cluster."));
        m_flags.addBool(QStringLiteral("local-only"), &m_localOnly,
            QStringLiteral("Setting this to true will force the keyring query to only hit local servers (no WAN traffic). "
                           "This flag can only be set for list queries."));
        m_flags.addInt(QStringLiteral("relay-factor"), &m_relay,
            QStringLiteral("Setting this to a non-zero value will cause nodes to relay their response to the operation "
                           "through this many randomly-chosen other nodes in the cluster. The maximum allowed value is 5."));
        m_flags.addString(QStringLiteral("remove"), &m_remove,
            QStringLiteral("Remove the given key from the cluster. This operation may only be performed on keys which are "
                           "not currently the primary key."));
        m_flags.addString(QStringLiteral("use"), &m_use,
            QStringLiteral("Change the primary encryption key, which is used to encrypt messages. The key must already be "
                           "installed before this operation can succeed."));
        m_http.addClientFlags(m_flags);
    }
    QString synopsis() const override { return QStringLiteral("Manages gossip layer encryption keys"); }
    QString usage() const override
    {
        return QStringLiteral("Usage: qonsul keyring [options]\n\n"
                              "  Manages the encryption keys of the gossip pools: lists the keys every member\n"
                              "  holds, installs a new key on all of them, makes it the primary one and removes\n"
                              "  the old one, so keys rotate without disrupting the cluster. Exits 1 when an\n"
                              "  operation fails.");
    }
    int run(const QStringList &args) override
    {
        if (!m_flags.parse(args))
            return 1;
        int actions = int(m_list) + int(m_listPrimary);
        for (const QString *key : {&m_install, &m_use, &m_remove})
            actions += !key->isEmpty();
        if (actions > 1) {
            err(QStringLiteral("Only a single action is allowed"));
            return 1;
        }
        if (actions == 0) {
            err(help());
            return 1;
        }
        if (m_relay < 0 || m_relay > 5) {
            err(QStringLiteral("Error parsing relay factor: Relay factor must be in range: [0, 5]"));
            return 1;
        }
        if (m_localOnly && !m_list && !m_listPrimary) {
            err(QStringLiteral("Cannot use -local-only with anything but -list or -list-primary"));
            return 1;
        }
        auto client = connectOrReport(m_http);
        if (!client)
            return 1;
        if (m_list || m_listPrimary)
            return list(*client);
        const char *method = !m_install.isEmpty() ? "POST" : !m_use.isEmpty() ? "PUT" : "DELETE";
        const QString key = !m_install.isEmpty() ? m_install : !m_use.isEmpty() ? m_use : m_remove;
        out(QStringLiteral("==> ") + (!m_install.isEmpty() ? QStringLiteral("Installing new gossip encryption key...")
                                     : !m_use.isEmpty()    ? QStringLiteral("Changing primary gossip encryption key...")
                                                           : QStringLiteral("Removing gossip encryption key...")));
        Request req { method, QStringLiteral("/v1/operator/keyring") };
        req.body = QJsonDocument(QJsonObject{{QStringLiteral("Key"), key}}).toJson(QJsonDocument::Compact);
        if (m_relay)
            req.param(QStringLiteral("relay-factor"), QString::number(m_relay));
        const auto r = callOrReport(*client, req, QStringLiteral("error"));
        if (!r)
            return 1;
        return 0;
    }

private:
    int list(client::ApiClient &client)
    {
        out(m_listPrimary ? QStringLiteral("==> Gathering installed primary encryption keys...")
                          : QStringLiteral("==> Gathering installed encryption keys..."));
        Request req { "GET", QStringLiteral("/v1/operator/keyring") };
        if (m_localOnly)
            req.param(QStringLiteral("local-only"), QStringLiteral("true"));
        if (m_relay)
            req.param(QStringLiteral("relay-factor"), QString::number(m_relay));
        const auto r = callOrReport(client, req, QStringLiteral("error"));
        if (!r)
            return 1;
        for (const QJsonValue &v : QJsonDocument::fromJson(r->body).array()) {
            const QJsonObject pool = v.toObject();
            if (m_localOnly && pool.value(u"WAN").toBool())
                continue;
            QString name = pool.value(u"WAN").toBool() ? QStringLiteral("WAN")
                                                       : pool.value(u"Datacenter").toString() + QStringLiteral(" (LAN)");
            const QJsonObject keys = pool.value(m_listPrimary ? u"PrimaryKeys" : u"Keys").toObject();
            out(QString());
            out(name + u':');
            for (auto it = keys.begin(); it != keys.end(); ++it)
                out(QStringLiteral("  %1 [%2/%3]").arg(it.key()).arg(it.value().toInt()).arg(pool.value(u"NumNodes").toInt()));
        }
        return 0;
    }

    QString m_install;
    QString m_use;
    QString m_remove;
    bool m_list = false;
    bool m_listPrimary = false;
    bool m_localOnly = false;
    int m_relay = 0;
};

} // namespace

void addKeyringCommand(CommandTable &table)
{
    table[QStringLiteral("keyring")] = [] { return std::make_unique<Keyring>(); };
}

} // namespace qonsul::cli

#pragma once
// Services and checks registered over the HTTP API, kept under data_dir so that they survive
// an agent restart (Consul's layout: <data_dir>/services/<hash>, <data_dir>/checks/<hash>,
// and the last TTL status in <data_dir>/checks/state/<hash>). One JSON file per entry, written
// atomically (temp file + rename); file names are the SHA-256 of the id, so any id is safe.
// Not wired into the agent yet: the agent only runs in -dev mode (no data_dir) until Raft
// lands; see docs/checks.md.
#include <QJsonObject>
#include <QList>
#include <QString>
#include <QStringList>
#include <optional>

namespace qonsul::checks {

struct PersistedCheckState
{
    QString checkId;
    QString status;
    QString output;
    qint64 expiresWallMs = 0; // when the TTL would have run out
};

class LocalPersistence
{
public:
    explicit LocalPersistence(QString dataDir);

    // `definition` is the registration body as accepted; `token` the ACL token it came with.
    bool saveService(const QString &id, const QJsonObject &definition, const QString &token, QString *error);
    bool removeService(const QString &id);
    bool saveCheck(const QString &id, const QJsonObject &definition, const QString &token, QString *error);
    bool removeCheck(const QString &id);
    bool saveCheckState(const PersistedCheckState &state, QString *error);
    bool removeCheckState(const QString &id);

    struct Entry
    {
        QString id;
        QJsonObject definition;
        QString token;
    };
    // Everything persisted; unreadable or corrupt files are skipped and named in *warnings.
    QList<Entry> services(QStringList *warnings = nullptr) const;
    QList<Entry> checks(QStringList *warnings = nullptr) const;
    // The saved TTL state when it has not expired at `nowWallMs` (Consul drops expired ones).
    std::optional<PersistedCheckState> checkState(const QString &id, qint64 nowWallMs) const;

    static QString fileName(const QString &id);

private:
    bool write(const QString &dir, const QString &id, const QJsonObject &body, QString *error);
    QList<Entry> load(const QString &dir, const QString &key, QStringList *warnings) const;
    QString m_servicesDir;
    QString m_checksDir;
    QString m_stateDir;
};

} // namespace qonsul::checks

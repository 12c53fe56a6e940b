#include "raft/storage/FileSnapshotStore.h"

#include <QDateTime>
#include <QDir>
#include <QFile>
#include <QJsonArray>
#include <QJsonDocument>
#include <QJsonObject>

#include <algorithm>
#include <cstdio>

#include "raft/storage/Crc32c.h"
#include "raft/storage/FileSync.h"
#include "raft/storage/StorageLog.h"

using namespace Qt::StringLiterals;

namespace qonsul::raft {

namespace {
const QString kState = u"state.bin"_s;
const QString kMeta = u"meta.json"_s;
const QString kTmpSuffix = u".tmp"_s;
constexpr int kRetain = 2;

struct Name
{
    quint64 term = 0;
    quint64 index = 0;
    qint64 ms = 0;
    QString name;
};

std::optional<Name> parseName(const QString &name)
{
    const QStringList parts = name.split(u'-');
    if (parts.size() != 3)
        return std::nullopt;
    bool ok[3];
    Name n { parts[0].toULongLong(&ok[0]), parts[1].toULongLong(&ok[1]), parts[2].toLongLong(&ok[2]), name };
    if (!ok[0] || !ok[1] || !ok[2])
        return std::nullopt;
    return n;
}

// Finished snapshots, newest first.
QList<Name> listSnapshots(const QString &dir)
{
    QList<Name> names;
    for (const QString &entry : QDir(dir).entryList(QDir::Dirs | QDir::NoDotAndDotDot)) {
        if (const std::optional<Name> n = parseName(entry))
            names.append(*n);
    }
    std::sort(names.begin(), names.end(), [](const Name &a, const Name &b) {
        return std::tie(a.index, a.term, a.ms) > std::tie(b.index, b.term, b.ms);
    });
    return names;
}

QJsonObject metaToJson(const SnapshotMeta &meta, qsizetype size, quint32 crc)
{
    QJsonArray servers;
    for (const Server &s : meta.configuration.servers) {
        servers.append(QJsonObject { { u"ID"_s, s.id }, { u"Address"_s, s.address },
            { u"Suffrage"_s, s.suffrage == Suffrage::Voter ? u"Voter"_s : u"Nonvoter"_s } });
    }
    return QJsonObject { { u"Version"_s, 1 }, { u"Index"_s, QString::number(meta.index) },
        { u"Term"_s, QString::number(meta.term) }, { u"Configuration"_s, servers },
        { u"Size"_s, QString::number(size) }, { u"CRC32C"_s, QString::number(crc) } };
}

// Reads and checks one snapshot directory. Empty string on success, else why it is unusable.
QString readSnapshot(const QString &path, SnapshotMeta *meta, QByteArray *data)
{
    QFile metaFile(path + u'/' + kMeta);
    if (!metaFile.open(QIODevice::ReadOnly))
        return u"cannot read %1: %2"_s.arg(metaFile.fileName(), metaFile.errorString());
    QJsonParseError parseError;
    const QJsonObject json = QJsonDocument::fromJson(metaFile.readAll(), &parseError).object();
    bool ok[4];
    meta->index = json.value(u"Index"_s).toString().toULongLong(&ok[0]);
    meta->term = json.value(u"Term"_s).toString().toULongLong(&ok[1]);
    const qsizetype size = json.value(u"Size"_s).toString().toLongLong(&ok[2]);
    const quint32 crc = json.value(u"CRC32C"_s).toString().toUInt(&ok[3]);
    if (parseError.error != QJsonParseError::NoError || json.value(u"Version"_s).toInt() != 1 || !ok[0]
        || !ok[1] || !ok[2] || !ok[3]) {
        return u"%1 is malformed"_s.arg(metaFile.fileName());
    }
    meta->configuration = {};
    for (const QJsonValue &v : json.value(u"Configuration"_s).toArray()) {
        const QJsonObject s = v.toObject();
        meta->configuration.servers.append(
            Server { s.value(u"ID"_s).toString(), s.value(u"Address"_s).toString(),
                s.value(u"Suffrage"_s).toString() == u"Nonvoter"_s ? Suffrage::Nonvoter : Suffrage::Voter });
    }
    QFile stateFile(path + u'/' + kState);
    if (!stateFile.open(QIODevice::ReadOnly))
        return u"cannot read %1: %2"_s.arg(stateFile.fileName(), stateFile.errorString());
    *data = stateFile.readAll();
    if (data->size() != size)
        return u"%1 has %2 bytes, its metadata says %3"_s.arg(stateFile.fileName())
            .arg(data->size())
            .arg(size);
    if (crc32c(*data) != crc)
        return u"%1 fails its checksum"_s.arg(stateFile.fileName());
    return {};
}
} // namespace

std::unique_ptr<FileSnapshotStore> FileSnapshotStore::open(
    const QString &dir, QStringList *warnings, QString *error)
{
    if (!QDir().mkpath(dir)) {
        *error = u"cannot create the snapshot directory %1"_s.arg(dir);
        return nullptr;
    }
    std::unique_ptr<FileSnapshotStore> self(new FileSnapshotStore(dir));
    const QList<Name> names = listSnapshots(dir);
    QStringList skipped;
    for (const Name &n : names) {
        SnapshotMeta meta;
        QByteArray data;
        const QString path = dir + u'/' + n.name;
        const QString why = readSnapshot(path, &meta, &data);
        if (why.isEmpty() && (meta.index != n.index || meta.term != n.term))
            skipped.append(
                u"%1: its metadata names index %2 term %3"_s.arg(path).arg(meta.index).arg(meta.term));
        else if (!why.isEmpty())
            skipped.append(why);
        else {
            for (const QString &s : std::as_const(skipped)) {
                const QString line = u"snapshot skipped: %1; using the older snapshot %2"_s.arg(s, path);
                qCWarning(lcRaftStorage).noquote() << line;
                warnings->append(line);
            }
            self->m_latest = meta;
            self->m_latestPath = path;
            self->m_verified = data;
            return self;
        }
    }
    if (!skipped.isEmpty()) {
        *error = u"no intact snapshot in %1: %2"_s.arg(dir, skipped.join(u"; "_s));
        return nullptr;
    }
    return self;
}

std::optional<SnapshotMeta> FileSnapshotStore::latest() const
{
    const QMutexLocker lock(&m_mutex);
    return m_latest;
}

QString FileSnapshotStore::latestPath() const
{
    const QMutexLocker lock(&m_mutex);
    return m_latestPath;
}

QByteArray FileSnapshotStore::latestData() const
{
    const QMutexLocker lock(&m_mutex);
    if (!m_latest)
        return {};
    if (!m_verified.isNull())
        return std::exchange(m_verified, QByteArray());
    SnapshotMeta meta;
    QByteArray data;
    const QString why = readSnapshot(m_latestPath, &meta, &data);
    if (!why.isEmpty()) {
        qCCritical(lcRaftStorage).noquote() << "the latest snapshot became unreadable:" << why;
        return {};
    }
    return data;
}

bool FileSnapshotStore::write(const SnapshotMeta &meta, const QByteArray &data, QString *error)
{
    QString name = u"%1-%2-%3"_s.arg(meta.term).arg(meta.index).arg(QDateTime::currentMSecsSinceEpoch());
    while (QFileInfo::exists(m_dir + u'/' + name)) // the same snapshot saved twice within a millisecond
        name = u"%1-%2-%3"_s.arg(meta.term).arg(meta.index).arg(parseName(name)->ms + 1);
    const QString tmp = m_dir + u'/' + name + kTmpSuffix;
    const QString final = m_dir + u'/' + name;
    QDir(tmp).removeRecursively();
    const auto fail = [&](const QString &why) {
        *error = why;
        QDir(tmp).removeRecursively();
        return false;
    };
    if (!QDir().mkpath(tmp))
        return fail(u"cannot create %1"_s.arg(tmp));
    const QByteArray metaJson = QJsonDocument(metaToJson(meta, data.size(), crc32c(data))).toJson();
    QString why;
    if (!writeFileSynced(tmp + u'/' + kState, data, &why)
        || !writeFileSynced(tmp + u'/' + kMeta, metaJson, &why) || !syncPath(tmp, &why)) {
        return fail(why);
    }
    if (std::rename(QFile::encodeName(tmp).constData(), QFile::encodeName(final).constData()) != 0)
        return fail(u"cannot rename %1 to %2"_s.arg(tmp, final));
    if (!syncPath(m_dir, &why)) {
        *error = why;
        return false;
    }
    const QMutexLocker lock(&m_mutex);
    m_latest = meta;
    m_latestPath = final;
    m_verified = QByteArray();
    prune();
    return true;
}

bool FileSnapshotStore::save(const SnapshotMeta &meta, const QByteArray &data)
{
    QString error;
    if (write(meta, data, &error))
        return true;
    qCWarning(lcRaftStorage).noquote() << "cannot save the snapshot at index" << meta.index << "-" << error;
    return false;
}

void FileSnapshotStore::prune()
{
    const QDir dir(m_dir);
    for (const QString &entry : dir.entryList(QDir::Dirs | QDir::NoDotAndDotDot)) {
        if (entry.endsWith(kTmpSuffix)) // left by a crash during save()
            QDir(m_dir + u'/' + entry).removeRecursively();
    }
    const QList<Name> names = listSnapshots(m_dir);
    for (qsizetype i = kRetain; i < names.size(); ++i) {
        if (m_dir + u'/' + names[i].name != m_latestPath)
            QDir(m_dir + u'/' + names[i].name).removeRecursively();
    }
}

} // namespace qonsul::raft

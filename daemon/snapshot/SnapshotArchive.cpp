// Snapshot archives: tar.gz through libarchive, SHA-256 sums checked on read.
#include "snapshot/SnapshotArchive.h"

#include "core/LazyLibrary.h"

#include <QCryptographicHash>
#include <QDateTime>
#include <QJsonDocument>
#include <QJsonObject>
#include <QMap>

#include <archive.h>
#include <archive_entry.h>

#include <memory>

namespace qonsul::snapshot {

namespace {

const QString kMetaFile = QStringLiteral("meta.json");
const QString kStateFile = QStringLiteral("state.bin");
const QString kSumsFile = QStringLiteral("SHA256SUMS");
// Bounds what an upload may expand to, so a small hostile gzip can't exhaust memory.
constexpr qsizetype kMaxUnpackedBytes = qsizetype(1) << 31;

// libarchive is opened the first time a snapshot is written or read: most agents never do.
struct Libarchive
{
    core::LazyLibrary lib{"archive", 13, "snapshots"};
    QONSUL_LAZY_FUNCTION(archive_entry_free);
    QONSUL_LAZY_FUNCTION(archive_entry_new);
    QONSUL_LAZY_FUNCTION(archive_entry_pathname);
    QONSUL_LAZY_FUNCTION(archive_entry_set_filetype);
    QONSUL_LAZY_FUNCTION(archive_entry_set_mtime);
    QONSUL_LAZY_FUNCTION(archive_entry_set_pathname);
    QONSUL_LAZY_FUNCTION(archive_entry_set_perm);
    QONSUL_LAZY_FUNCTION(archive_entry_set_size);
    QONSUL_LAZY_FUNCTION(archive_error_string);
    QONSUL_LAZY_FUNCTION(archive_free);
    QONSUL_LAZY_FUNCTION(archive_read_data);
    QONSUL_LAZY_FUNCTION(archive_read_new);
    QONSUL_LAZY_FUNCTION(archive_read_next_header);
    QONSUL_LAZY_FUNCTION(archive_read_open_memory);
    QONSUL_LAZY_FUNCTION(archive_read_support_filter_gzip);
    QONSUL_LAZY_FUNCTION(archive_read_support_format_tar);
    QONSUL_LAZY_FUNCTION(archive_write_add_filter_gzip);
    QONSUL_LAZY_FUNCTION(archive_write_close);
    QONSUL_LAZY_FUNCTION(archive_write_data);
    QONSUL_LAZY_FUNCTION(archive_write_header);
    QONSUL_LAZY_FUNCTION(archive_write_new);
    QONSUL_LAZY_FUNCTION(archive_write_open);
    QONSUL_LAZY_FUNCTION(archive_write_set_bytes_in_last_block);
    QONSUL_LAZY_FUNCTION(archive_write_set_format_pax_restricted);
};

const Libarchive &la()
{
    static const Libarchive lib;
    return lib;
}

struct ArchiveDeleter
{
    void operator()(struct archive *a) const { la().archive_free(a); }
};
using ArchivePtr = std::unique_ptr<struct archive, ArchiveDeleter>;

la_ssize_t appendToBuffer(struct archive *, void *buffer, const void *data, size_t size)
{
    static_cast<QByteArray *>(buffer)->append(static_cast<const char *>(data), qsizetype(size));
    return la_ssize_t(size);
}

void addFile(struct archive *a, const QString &name, const QByteArray &data, qint64 mtime)
{
    struct archive_entry *entry = la().archive_entry_new();
    la().archive_entry_set_pathname(entry, name.toUtf8().constData());
    la().archive_entry_set_size(entry, data.size());
    la().archive_entry_set_filetype(entry, AE_IFREG);
    la().archive_entry_set_perm(entry, 0600);
    la().archive_entry_set_mtime(entry, mtime, 0);
    la().archive_write_header(a, entry);
    la().archive_write_data(a, data.constData(), size_t(data.size()));
    la().archive_entry_free(entry);
}

QByteArray sha256Hex(const QByteArray &data)
{
    return QCryptographicHash::hash(data, QCryptographicHash::Sha256).toHex();
}

} // namespace

QByteArray write(const Meta &meta, const QByteArray &state)
{
    const QByteArray metaJson = QJsonDocument(QJsonObject{{QStringLiteral("Version"), meta.version},
                                                          {QStringLiteral("ID"), meta.id},
                                                          {QStringLiteral("Index"), double(meta.index)},
                                                          {QStringLiteral("Term"), double(meta.term)},
                                                          {QStringLiteral("Size"), double(state.size())}})
                                    .toJson(QJsonDocument::Compact);
    const QByteArray sums = sha256Hex(metaJson) + "  " + kMetaFile.toUtf8() + '\n' + sha256Hex(state) + "  "
        + kStateFile.toUtf8() + '\n';
    QByteArray out;
    ArchivePtr a(la().archive_write_new());
    la().archive_write_add_filter_gzip(a.get());
    la().archive_write_set_format_pax_restricted(a.get());
    la().archive_write_set_bytes_in_last_block(a.get(), 1); // no zero padding after the gzip stream
    la().archive_write_open(a.get(), &out, nullptr, appendToBuffer, nullptr);
    const qint64 now = QDateTime::currentSecsSinceEpoch();
    addFile(a.get(), kMetaFile, metaJson, now);
    addFile(a.get(), kStateFile, state, now);
    addFile(a.get(), kSumsFile, sums, now);
    la().archive_write_close(a.get());
    return out;
}

std::optional<Archive> read(const QByteArray &bytes, QString *error)
{
    ArchivePtr a(la().archive_read_new());
    la().archive_read_support_filter_gzip(a.get());
    la().archive_read_support_format_tar(a.get());
    if (la().archive_read_open_memory(a.get(), bytes.constData(), size_t(bytes.size())) != ARCHIVE_OK) {
        *error = QStringLiteral("failed to read snapshot file: %1").arg(QString::fromUtf8(la().archive_error_string(a.get())));
        return std::nullopt;
    }
    QMap<QString, QByteArray> files;
    qsizetype unpacked = 0;
    struct archive_entry *entry = nullptr;
    while (true) {
        const int r = la().archive_read_next_header(a.get(), &entry);
        if (r == ARCHIVE_EOF)
            break;
        if (r != ARCHIVE_OK) {
            *error = QStringLiteral("failed to read snapshot file: %1")
                         .arg(QString::fromUtf8(la().archive_error_string(a.get())));
            return std::nullopt;
        }
        const QString name = QString::fromUtf8(la().archive_entry_pathname(entry));
        if (name != kMetaFile && name != kStateFile && name != kSumsFile) {
            *error = QStringLiteral("unexpected file \"%1\" in snapshot").arg(name);
            return std::nullopt;
        }
        if (files.contains(name)) {
            *error = QStringLiteral("duplicate file \"%1\" in snapshot").arg(name);
            return std::nullopt;
        }
        // Read in chunks, never trusting the declared size, and stop at the unpacked bound.
        QByteArray data;
        char chunk[65536];
        la_ssize_t n = 0;
        while ((n = la().archive_read_data(a.get(), chunk, sizeof chunk)) > 0) {
            unpacked += n;
            if (unpacked > kMaxUnpackedBytes) {
                *error = QStringLiteral("failed to read snapshot file: larger than %1 bytes unpacked")
                             .arg(kMaxUnpackedBytes);
                return std::nullopt;
            }
            data.append(chunk, qsizetype(n));
        }
        if (n < 0) {
            *error = QStringLiteral("failed to read snapshot file: %1")
                         .arg(QString::fromUtf8(la().archive_error_string(a.get())));
            return std::nullopt;
        }
        files.insert(name, data);
    }
    for (const QString &name : {kMetaFile, kStateFile, kSumsFile}) {
        if (!files.contains(name)) {
            *error = QStringLiteral("failed to read snapshot file: missing %1").arg(name);
            return std::nullopt;
        }
    }
    // Every listed sum must match, and both data files must be listed.
    QMap<QString, QByteArray> sums;
    for (const QByteArray &line : files.value(kSumsFile).split('\n')) {
        if (line.isEmpty())
            continue;
        const qsizetype gap = line.indexOf("  ");
        if (gap != 64) {
            *error = QStringLiteral("failed checking integrity of snapshot: malformed SHA256SUMS");
            return std::nullopt;
        }
        sums.insert(QString::fromUtf8(line.mid(gap + 2)), line.left(gap));
    }
    for (const QString &name : {kMetaFile, kStateFile}) {
        if (!sums.contains(name)) {
            *error = QStringLiteral("failed checking integrity of snapshot: no sum for %1").arg(name);
            return std::nullopt;
        }
        if (sums.value(name) != sha256Hex(files.value(name))) {
            *error = QStringLiteral("failed checking integrity of snapshot: sum mismatch for %1").arg(name);
            return std::nullopt;
        }
    }
    const QJsonObject meta = QJsonDocument::fromJson(files.value(kMetaFile)).object();
    Archive archive;
    archive.meta.id = meta.value(u"ID").toString();
    archive.meta.index = quint64(meta.value(u"Index").toDouble());
    archive.meta.term = quint64(meta.value(u"Term").toDouble());
    archive.meta.version = meta.value(u"Version").toInt();
    if (archive.meta.version != 1) {
        *error = QStringLiteral("unsupported snapshot version %1").arg(archive.meta.version);
        return std::nullopt;
    }
    archive.state = files.value(kStateFile);
    return archive;
}

} // namespace qonsul::snapshot

#pragma once
// The snapshot archive of `qonsul snapshot save|restore|inspect` and GET/PUT /v1/snapshot: a
// gzipped tar, as Consul's, holding meta.json (ID, Index, Term, Version), state.bin (the state
// store's snapshot) and SHA256SUMS over both, checked before anything is restored. Reading goes
// through libarchive, so a damaged or hostile upload is refused, never half-read.
#include <QByteArray>
#include <QList>
#include <QString>
#include <optional>

namespace qonsul::snapshot {

struct Meta
{
    QString id; // "<term>-<index>-<unix ms>"
    quint64 index = 0;
    quint64 term = 0;
    int version = 1; // the archive layout, not the data inside
};

struct Archive
{
    Meta meta;
    QByteArray state; // state.bin
};

QByteArray write(const Meta &meta, const QByteArray &state);
// The archive's contents once every checksum matched; otherwise nullopt and *error says why.
std::optional<Archive> read(const QByteArray &bytes, QString *error);

} // namespace qonsul::snapshot

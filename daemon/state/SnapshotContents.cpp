// Counting a state snapshot's records for `qonsul snapshot inspect`.
#include "state/SnapshotContents.h"

#include <QCborArray>
#include <QCborMap>
#include <QCborValue>

namespace qonsul::state {

namespace {
qint64 encodedSize(const QCborValue &v) { return v.toCbor().size(); }
} // namespace

bool inspectSnapshot(const QByteArray &data, SnapshotContents *out, QString *error)
{
    QCborParserError parseError;
    const QCborValue value = QCborValue::fromCbor(data, &parseError);
    if (parseError.error != QCborError::NoError || !value.isMap()) {
        *error = QStringLiteral("snapshot is not a valid CBOR document: %1").arg(parseError.errorString());
        return false;
    }
    const QCborMap doc = value.toMap();
    auto add = [out](const QString &name, qint64 count, qint64 size) {
        if (count > 0)
            out->types.append({name, count, size});
    };
    // A node's registration carries its services and checks, as Consul's Register records do.
    qint64 registerSize = 0;
    for (const char *table : {"nodes", "services", "checks"}) {
        for (const QCborValue &row : doc.value(QLatin1StringView(table)).toArray())
            registerSize += encodedSize(row);
    }
    add(QStringLiteral("Register"), doc.value(QStringLiteral("nodes")).toArray().size(), registerSize);
    qint64 kvSize = 0;
    for (const QCborValue &row : doc.value(QStringLiteral("kv")).toArray()) {
        const qint64 size = encodedSize(row);
        kvSize += size;
        out->keySizes.append({row.toArray().at(0).toString(), size});
    }
    add(QStringLiteral("KVS"), out->keySizes.size(), kvSize);
    const struct
    {
        const char *table;
        const char *type;
    } simple[] = {{"sessions", "Session"}, {"queries", "PreparedQuery"}, {"tombstones", "Tombstone"},
                  {"configEntries", "ConfigEntry"}};
    for (const auto &t : simple) {
        const QCborArray rows = doc.value(QLatin1StringView(t.table)).toArray();
        qint64 size = 0;
        for (const QCborValue &row : rows)
            size += encodedSize(row);
        add(QLatin1StringView(t.type), rows.size(), size);
    }
    const QCborMap indexes = doc.value(QStringLiteral("tableIndex")).toMap();
    qint64 indexSize = 0;
    for (auto it = indexes.begin(); it != indexes.end(); ++it)
        indexSize += encodedSize(it.key()) + encodedSize(it.value());
    add(QStringLiteral("Index"), indexes.size(), indexSize);
    return true;
}

} // namespace qonsul::state

#include "cli/ApiData.h"

#include "cli/Output.h"

#include <QJsonArray>
#include <QJsonDocument>
#include <QJsonObject>
#include <QRegularExpression>

namespace qonsul::cli {

QList<KvPair> parseKvPairs(const QByteArray &body)
{
    QList<KvPair> pairs;
    const QJsonArray array = QJsonDocument::fromJson(body).array();
    // Flags use all 64 bits, more than a JSON double holds: read them from the text. A quote
    // inside a key is escaped, so every "Flags": in the text is a field name, in array order.
    static const QRegularExpression flagsRe(QStringLiteral(R"("Flags"\s*:\s*(\d+))"));
    QList<quint64> rawFlags;
    for (auto it = flagsRe.globalMatch(QString::fromUtf8(body)); it.hasNext();)
        rawFlags << it.next().captured(1).toULongLong();
    for (const QJsonValue &item : array) {
        const QJsonObject o = item.toObject();
        KvPair p;
        p.key = o.value(u"Key").toString();
        p.createIndex = quint64(o.value(u"CreateIndex").toInteger());
        p.modifyIndex = quint64(o.value(u"ModifyIndex").toInteger());
        p.lockIndex = quint64(o.value(u"LockIndex").toInteger());
        p.flags = rawFlags.size() == array.size() ? rawFlags[pairs.size()]
                                                  : quint64(o.value(u"Flags").toInteger());
        p.value = QByteArray::fromBase64(o.value(u"Value").toString().toLatin1());
        p.session = o.value(u"Session").toString();
        pairs << p;
    }
    return pairs;
}

QByteArray kvPairJson(const KvPair &p)
{
    return "{\"Key\":" + goJsonString(p.key) + ",\"CreateIndex\":" + QByteArray::number(p.createIndex)
        + ",\"ModifyIndex\":" + QByteArray::number(p.modifyIndex)
        + ",\"LockIndex\":" + QByteArray::number(p.lockIndex) + ",\"Flags\":" + QByteArray::number(p.flags)
        + ",\"Value\":" + (p.value.isEmpty() ? QByteArray("null") : '"' + p.value.toBase64() + '"')
        + ",\"Session\":" + goJsonString(p.session) + '}';
}

} // namespace qonsul::cli

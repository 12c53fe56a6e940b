#include "console/ValueCodec.h"

#include <QJsonDocument>
#include <QJsonParseError>
#include <QStringDecoder>

namespace qonsul::console {

bool ValueCodec::isText(const QByteArray &value)
{
    QStringDecoder decoder(QStringDecoder::Utf8, QStringDecoder::Flag::Stateless);
    const QString text = decoder.decode(value);
    if (decoder.hasError())
        return false;
    for (const QChar c : text) {
        if (c.unicode() < 0x20 && c != u'\t' && c != u'\n' && c != u'\r')
            return false;
    }
    return true;
}

bool ValueCodec::looksLikeJson(const QByteArray &value)
{
    const QByteArray t = value.trimmed();
    if (!(t.startsWith('{') || t.startsWith('[')))
        return false;
    QJsonParseError e;
    QJsonDocument::fromJson(t, &e);
    return e.error == QJsonParseError::NoError;
}

QString ValueCodec::encode(const QByteArray &value, Mode mode)
{
    switch (mode) {
    case Text:
    case Json:
        return QString::fromUtf8(value);
    case Hex: {
        // 16 bytes a line, like a hex dump without offsets, so it can be edited and read back.
        QString out;
        out.reserve(value.size() * 3);
        for (qsizetype i = 0; i < value.size(); i += 16) {
            if (i)
                out += u'\n';
            out += QString::fromLatin1(value.mid(i, 16).toHex(' '));
        }
        return out;
    }
    case Base64:
        return QString::fromLatin1(value.toBase64());
    }
    return {};
}

bool ValueCodec::validateJson(const QString &text, QString *error)
{
    const QByteArray utf8 = text.toUtf8();
    QJsonParseError e;
    QJsonDocument::fromJson(utf8, &e);
    if (e.error == QJsonParseError::NoError)
        return true;
    // Line and column of the byte offset, for the message.
    const QByteArray before = utf8.left(e.offset);
    const int line = int(before.count('\n')) + 1;
    const int column = int(QString::fromUtf8(before.mid(before.lastIndexOf('\n') + 1)).size()) + 1;
    *error = tr("Not valid JSON: %1 (line %2, column %3)").arg(e.errorString()).arg(line).arg(column);
    return false;
}

bool ValueCodec::prettyJson(const QString &text, QString *pretty, QString *error)
{
    if (!validateJson(text, error))
        return false;
    *pretty
        = QString::fromUtf8(QJsonDocument::fromJson(text.toUtf8()).toJson(QJsonDocument::Indented)).trimmed();
    return true;
}

bool ValueCodec::decode(const QString &text, Mode mode, QByteArray *value, QString *error)
{
    switch (mode) {
    case Text:
        *value = text.toUtf8();
        return true;
    case Json:
        if (!validateJson(text, error))
            return false;
        *value = text.toUtf8();
        return true;
    case Hex: {
        QByteArray digits;
        digits.reserve(text.size());
        for (const QChar c : text) {
            if (c.isSpace())
                continue;
            if (!isxdigit(c.toLatin1()) || c.unicode() > 0x7f) {
                *error = tr("Not hexadecimal: '%1'").arg(c);
                return false;
            }
            digits += c.toLatin1();
        }
        if (digits.size() % 2) {
            *error = tr("Hexadecimal needs an even number of digits.");
            return false;
        }
        *value = QByteArray::fromHex(digits);
        return true;
    }
    case Base64: {
        const auto result = QByteArray::fromBase64Encoding(
            text.trimmed().toLatin1(), QByteArray::AbortOnBase64DecodingErrors);
        if (!result) {
            *error = tr("Not valid base64.");
            return false;
        }
        *value = *result;
        return true;
    }
    }
    return false;
}

} // namespace qonsul::console

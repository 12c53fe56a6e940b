#pragma once
// A KV value as editable text in one of the editor's modes, and back: plain text (UTF-8), JSON
// (text that must parse), hex and base64 for values that are not valid UTF-8.
#include <QByteArray>
#include <QCoreApplication>
#include <QString>

namespace qonsul::console {

class ValueCodec
{
    Q_DECLARE_TR_FUNCTIONS(ValueCodec)
public:
    enum Mode
    {
        Text,
        Json,
        Hex,
        Base64
    };

    static bool isText(const QByteArray &value); // valid UTF-8 without control bytes but tab/CR/LF
    static bool looksLikeJson(const QByteArray &value);
    static QString encode(const QByteArray &value, Mode mode);
    // false and *error when the text is not valid for the mode (bad hex digit, JSON error ...).
    static bool decode(const QString &text, Mode mode, QByteArray *value, QString *error);
    static bool validateJson(const QString &text, QString *error); // error with line and column
    static bool prettyJson(const QString &text, QString *pretty, QString *error);
};

} // namespace qonsul::console

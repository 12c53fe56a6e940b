#pragma once
// The console's language: the system locale unless one is chosen in the settings ("language" in
// QSettings: "", "en" or "zh_CN"). Translations are compiled into the binary (:/i18n).
#include <QString>
#include <QStringList>

class QCoreApplication;

namespace qonsul::console {

class Language
{
public:
    static QStringList available(); // "en", "zh_CN"
    static QString displayName(const QString &code);
    static QString chosen(); // "" = follow the system
    static void choose(const QString &code);
    // Installs the console's translator (and Qt's own, when the system has it) for `code`, or
    // for the chosen/system language when empty. Returns the language in effect.
    static QString install(QCoreApplication *app, const QString &code = QString());
};

} // namespace qonsul::console

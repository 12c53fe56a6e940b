#include "console/Language.h"

#include <QCoreApplication>
#include <QLibraryInfo>
#include <QLocale>
#include <QSettings>
#include <QTranslator>

namespace qonsul::console {

QStringList Language::available()
{
    return { QStringLiteral("en"), QStringLiteral("zh_CN") };
}

QString Language::displayName(const QString &code)
{
    // Each language in its own words, so a user can find theirs whatever is shown now.
    if (code == u"zh_CN")
        return QStringLiteral("简体中文");
    return QStringLiteral("English");
}

QString Language::chosen()
{
    return QSettings().value(QStringLiteral("language")).toString();
}

void Language::choose(const QString &code)
{
    QSettings().setValue(QStringLiteral("language"), code);
}

QString Language::install(QCoreApplication *app, const QString &code)
{
    static QTranslator *console = nullptr;
    static QTranslator *qt = nullptr;
    for (QTranslator *t : { console, qt }) {
        if (t) {
            app->removeTranslator(t);
            delete t;
        }
    }
    console = qt = nullptr;
    QString language = code.isEmpty() ? chosen() : code;
    if (language.isEmpty())
        language
            = QLocale::system().name().startsWith(u"zh") ? QStringLiteral("zh_CN") : QStringLiteral("en");
    console = new QTranslator(app);
    if (console->load(QStringLiteral(":/i18n/qonsul_console_") + language))
        app->installTranslator(console);
    qt = new QTranslator(app);
    if (qt->load(QStringLiteral("qtbase_") + language, QLibraryInfo::path(QLibraryInfo::TranslationsPath)))
        app->installTranslator(qt);
    return language;
}

} // namespace qonsul::console

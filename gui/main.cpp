// qonsul-console: the desktop console for Qonsul (and Consul) agents.
#include <QApplication>

#include "console/Language.h"
#include "console/MainWindow.h"

int main(int argc, char **argv)
{
    QApplication app(argc, argv);
    QApplication::setOrganizationName(QStringLiteral("Qonsul"));
    QApplication::setApplicationName(QStringLiteral("qonsul-console"));
    QApplication::setApplicationVersion(QStringLiteral(QONSUL_VERSION));
    QApplication::setWindowIcon(QIcon(QStringLiteral(":/icons/qonsul-console.png")));
    qonsul::console::Language::install(&app);

    qonsul::console::MainWindow window;
    window.show();
    window.connectToLast();
    return app.exec();
}

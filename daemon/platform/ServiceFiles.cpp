#include "platform/ServiceFiles.h"

#include <QFile>
#include <QJsonDocument>
#include <QJsonObject>

namespace qonsul::platform {

namespace {
QByteArray resource(const QString &path)
{
    QFile file(path);
    // Compiled in: a failure here is a build mistake, not a runtime condition.
    if (!file.open(QIODevice::ReadOnly))
        qFatal("missing resource %s", qPrintable(path));
    return file.readAll();
}

QByteArray xmlEscaped(const QString &text)
{
    return text.toHtmlEscaped().toUtf8();
}
} // namespace

QStringList serviceCommandLine(const ServiceLayout &layout)
{
    return { layout.binary, QStringLiteral("agent"), QStringLiteral("-config-dir=%1/").arg(layout.configDir) };
}

QByteArray systemdUnit(const ServiceLayout &layout)
{
    // The shipped unit names the packaged paths; each is replaced as a whole token.
    QByteArray unit = resource(QStringLiteral(":/installers/linux/qonsul.service"));
    auto set = [&unit](const char *packaged, const QString &value) { unit.replace(packaged, value.toUtf8()); };
    set("ExecStart=/usr/bin/qonsul agent -config-dir=/etc/qonsul.d/",
        u"ExecStart=" + serviceCommandLine(layout).join(u' '));
    set("ReadWritePaths=/var/lib/qonsul", u"ReadWritePaths=" + layout.dataDir);
    set("User=qonsul", u"User=" + layout.user);
    set("Group=qonsul", u"Group=" + layout.user);
    if (layout.dnsPort < 1024) {
        const QString capability = QStringLiteral("CAP_NET_BIND_SERVICE");
        set("CapabilityBoundingSet=\n", u"CapabilityBoundingSet=" + capability + u'\n');
        set("AmbientCapabilities=\n", u"AmbientCapabilities=" + capability + u'\n');
        set("PrivateUsers=yes", QStringLiteral("PrivateUsers=no"));
    }
    return unit;
}

QByteArray defaultConfig(const ServiceLayout &layout)
{
    QJsonObject config = QJsonDocument::fromJson(resource(QStringLiteral(":/installers/config/qonsul.json"))).object();
    config.insert(QStringLiteral("data_dir"), layout.dataDir);
    QJsonObject ports = config.value(u"ports").toObject();
    ports.insert(QStringLiteral("dns"), layout.dnsPort);
    config.insert(QStringLiteral("ports"), ports);
    return QJsonDocument(config).toJson(QJsonDocument::Indented);
}

QByteArray launchdPlist(const ServiceLayout &layout)
{
    QByteArray arguments;
    for (const QString &arg : serviceCommandLine(layout))
        arguments += "\t\t<string>" + xmlEscaped(arg) + "</string>\n";
    const QByteArray log = xmlEscaped(layout.logFile);
    return "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n"
           "<!DOCTYPE plist PUBLIC \"-//Apple//DTD PLIST 1.0//EN\" "
           "\"http://www.apple.com/DTDs/PropertyList-1.0.dtd\">\n"
           "<plist version=\"1.0\">\n"
           "<dict>\n"
           "\t<key>Label</key>\n\t<string>"
        + QByteArray(kLaunchdLabel)
        + "</string>\n"
          "\t<key>ProgramArguments</key>\n\t<array>\n"
        + arguments
        + "\t</array>\n"
          "\t<key>RunAtLoad</key>\n\t<true/>\n"
          "\t<key>KeepAlive</key>\n\t<dict>\n\t\t<key>SuccessfulExit</key>\n\t\t<false/>\n\t</dict>\n"
          "\t<key>ThrottleInterval</key>\n\t<integer>2</integer>\n"
          "\t<key>ExitTimeOut</key>\n\t<integer>30</integer>\n"
          "\t<key>WorkingDirectory</key>\n\t<string>"
        + xmlEscaped(layout.dataDir)
        + "</string>\n"
          "\t<key>StandardOutPath</key>\n\t<string>"
        + log
        + "</string>\n"
          "\t<key>StandardErrorPath</key>\n\t<string>"
        + log
        + "</string>\n"
          "\t<key>SoftResourceLimits</key>\n\t<dict>\n\t\t<key>NumberOfFiles</key>\n\t\t<integer>65536</integer>\n\t</dict>\n"
          "\t<key>HardResourceLimits</key>\n\t<dict>\n\t\t<key>NumberOfFiles</key>\n\t\t<integer>65536</integer>\n\t</dict>\n"
          "</dict>\n"
          "</plist>\n";
}

} // namespace qonsul::platform

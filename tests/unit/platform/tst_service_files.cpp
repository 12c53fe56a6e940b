// The files `qonsul service install` writes (from the packaged unit and sample config) and the
// syslog facility names.
#include "platform/ServiceFiles.h"
#include "platform/Syslog.h"

#include <QJsonDocument>
#include <QJsonObject>
#include <QTest>

#include <syslog.h>

using namespace qonsul::platform;

class TestServiceFiles : public QObject
{
    Q_OBJECT

private Q_SLOTS:
    void packagedUnitIsUnchangedForPackagedLayout()
    {
        QFile shipped(qEnvironmentVariable("QONSUL_SOURCE_DIR") + u"/installers/linux/qonsul.service");
        QVERIFY(shipped.open(QIODevice::ReadOnly));
        QCOMPARE(systemdUnit(ServiceLayout()), shipped.readAll());
    }

    void unitFollowsLayout()
    {
        ServiceLayout layout;
        layout.binary = QStringLiteral("/opt/q/bin/qonsul");
        layout.configDir = QStringLiteral("/srv/q/conf");
        layout.dataDir = QStringLiteral("/srv/q/data");
        layout.user = QStringLiteral("svc");
        const QByteArray unit = systemdUnit(layout);
        QVERIFY(unit.contains("\nExecStart=/opt/q/bin/qonsul agent -config-dir=/srv/q/conf/\n"));
        QVERIFY(unit.contains("\nReadWritePaths=/srv/q/data\n"));
        QVERIFY(unit.contains("\nUser=svc\nGroup=svc\n"));
        QVERIFY(unit.contains("\nType=notify\n"));
        QVERIFY(!unit.contains("/var/lib/qonsul"));
        QVERIFY(!unit.contains("/etc/qonsul.d"));
    }

    void defaultConfigIsAClientWithTheGivenDataDir()
    {
        ServiceLayout layout;
        layout.dataDir = QStringLiteral("/srv/data");
        const QJsonObject config = QJsonDocument::fromJson(defaultConfig(layout)).object();
        QCOMPARE(config.value(u"data_dir").toString(), QStringLiteral("/srv/data"));
        QCOMPARE(config.value(u"server").toBool(true), false);
        QCOMPARE(config.value(u"client_addr").toString(), QStringLiteral("127.0.0.1"));
        QCOMPARE(config.value(u"ports").toObject().value(u"http").toInt(), 8500);
        QCOMPARE(config.value(u"ports").toObject().value(u"dns").toInt(), 8600);
    }

    void lowDnsPortKeepsOnlyNetBindService()
    {
        ServiceLayout layout;
        QVERIFY(systemdUnit(layout).contains("\nCapabilityBoundingSet=\nAmbientCapabilities=\n"));
        layout.dnsPort = 53;
        const QByteArray unit = systemdUnit(layout);
        QVERIFY(unit.contains("\nCapabilityBoundingSet=CAP_NET_BIND_SERVICE\nAmbientCapabilities=CAP_NET_BIND_SERVICE\n"));
        QVERIFY(unit.contains("\nPrivateUsers=no\n"));
        QCOMPARE(QJsonDocument::fromJson(defaultConfig(layout)).object().value(u"ports").toObject().value(u"dns").toInt(), 53);
    }

    void launchdPlistEscapesAndNamesEverything()
    {
        ServiceLayout layout;
        layout.binary = QStringLiteral("/usr/local/bin/qonsul");
        layout.configDir = QStringLiteral("/usr/local/etc/q&d");
        layout.logFile = QStringLiteral("/usr/local/var/log/qonsul.log");
        const QByteArray plist = launchdPlist(layout);
        QVERIFY(plist.startsWith("<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<!DOCTYPE plist"));
        QVERIFY(plist.contains("<string>org.qonsul.agent</string>"));
        QVERIFY(plist.contains("<string>-config-dir=/usr/local/etc/q&amp;d/</string>"));
        QVERIFY(plist.contains("<key>StandardErrorPath</key>\n\t<string>/usr/local/var/log/qonsul.log</string>"));
    }

    void syslogFacilities()
    {
        QCOMPARE(syslogFacility(QStringLiteral("LOCAL0")), std::optional<int>(LOG_LOCAL0));
        QCOMPARE(syslogFacility(QStringLiteral("daemon")), std::optional<int>(LOG_DAEMON));
        QCOMPARE(syslogFacility(QStringLiteral("authpriv")), std::optional<int>(LOG_AUTHPRIV));
        QCOMPARE(syslogFacility(QStringLiteral("LOCAL8")), std::nullopt);
        QString error;
        QVERIFY(!installSyslog(QStringLiteral("bogus"), &error));
        QCOMPARE(error, QStringLiteral("Syslog setup failed: invalid syslog facility \"bogus\""));
    }
};

QTEST_GUILESS_MAIN(TestServiceFiles)
#include "tst_service_files.moc"

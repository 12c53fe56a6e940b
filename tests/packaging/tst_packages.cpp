// The .deb and .rpm built from this build tree with cpack, installed into a throwaway root with
// `dpkg --root --force-script-chrootless` (the maintainer scripts honour $DPKG_ROOT), checked for
// files, owners and modes, linted, and the installed agent started with the installed config.
// Also: the systemd unit (systemd-analyze verify / security), `qonsul service install` into a
// directory, the launchd plist (python3 plistlib) and the Win32 service file (MinGW).
#include "AgentProcess.h"
#include "TestSupport.h"

#include <QDir>
#include <QDirIterator>
#include <QFile>
#include <QJsonDocument>
#include <QJsonObject>
#include <QLibraryInfo>
#include <QProcess>
#include <QRegularExpression>
#include <QStandardPaths>
#include <QTcpServer>
#include <QTemporaryDir>
#include <QTest>

#include <sys/stat.h>
#include <unistd.h>

using namespace qonsul::test;

namespace {

struct Run
{
    int code = -1;
    QByteArray output; // stdout and stderr
};

Run run(const QString &program, const QStringList &args, int timeoutMs = 60000, const QString &workingDir = {})
{
    QProcess p;
    p.setWorkingDirectory(workingDir);
    p.setProcessChannelMode(QProcess::MergedChannels);
    p.start(program, args);
    Run r;
    if (!p.waitForStarted(10000)) {
        r.output = p.errorString().toUtf8();
        return r;
    }
    if (!p.waitForFinished(timeoutMs)) {
        p.kill();
        p.waitForFinished();
    }
    r.output = p.readAll();
    r.code = p.exitStatus() == QProcess::NormalExit ? p.exitCode() : -1;
    return r;
}

struct stat statOf(const QString &path)
{
    struct stat info = {};
    ::lstat(QFile::encodeName(path).constData(), &info);
    return info;
}

// The id (third field) of `name` in a passwd or group file; -1 when missing.
int idIn(const QString &file, const QString &name)
{
    QFile f(file);
    if (!f.open(QIODevice::ReadOnly))
        return -1;
    for (const QByteArray &line : f.readAll().split('\n')) {
        const QList<QByteArray> fields = line.split(':');
        if (fields.size() > 2 && fields[0] == name.toUtf8())
            return fields[2].toInt();
    }
    return -1;
}

} // namespace

class TestPackages : public QObject
{
    Q_OBJECT

private Q_SLOTS:
    void initTestCase();
    void debContents();
    void rpmContents();
    void lintianFindsNoErrors();
    void dpkgRootInstallAndPurge();
    void unitVerifiesAndIsHardened();
    void installedAgentServesWithInstalledConfig();
    void badInputFailsClearly();
    void serviceInstallIntoRoot();
    void launchdPlistIsAPropertyList();
    void win32ServiceFileCrossCompiles();
    void windowsBranchesCompile();
    void windowsInstallerBuilds();

private:
    // The installed agent on free ports with a temp data dir; "" config dir when it failed.
    QString adjustedConfigDir(const QString &dataDir);

    QTemporaryDir m_dir;
    QString m_deb;
    QString m_rpm;
    QString m_root; // the .deb installed here by dpkg --root
    QString m_qonsul; // $QONSUL_BIN
};

void TestPackages::initTestCase()
{
    QVERIFY(m_dir.isValid());
    m_qonsul = qEnvironmentVariable("QONSUL_BIN");
    const QString build = qEnvironmentVariable("QONSUL_BUILD_DIR");
    QVERIFY2(QFile::exists(build + u"/CPackConfig.cmake"), "run from CTest (QONSUL_BUILD_DIR)");
    for (const char *generator : { "DEB", "RPM" }) {
        const Run r = run(QStringLiteral("cpack"),
                          { QStringLiteral("--config"), build + u"/CPackConfig.cmake", QStringLiteral("-G"),
                            QLatin1StringView(generator), QStringLiteral("-B"), m_dir.filePath(QStringLiteral("out")) },
                          120000);
        QVERIFY2(r.code == 0, r.output.constData());
    }
    const QDir out(m_dir.filePath(QStringLiteral("out")));
    const QStringList debs = out.entryList({ QStringLiteral("qonsul_*.deb") });
    const QStringList rpms = out.entryList({ QStringLiteral("qonsul-*.rpm") });
    QCOMPARE(debs.size(), 1);
    QCOMPARE(rpms.size(), 1);
    m_deb = out.filePath(debs.first());
    m_rpm = out.filePath(rpms.first());
    // One version source: project(VERSION) → both package versions.
    const Run version = run(m_qonsul, { QStringLiteral("version") });
    const QString qonsulVersion
        = QRegularExpression(QStringLiteral("Qonsul v(\\d+\\.\\d+\\.\\d+)")).match(QString::fromUtf8(version.output)).captured(1);
    QVERIFY2(!qonsulVersion.isEmpty(), version.output.constData());
    QCOMPARE(debs.first(), QStringLiteral("qonsul_%1_amd64.deb").arg(qonsulVersion));
    QVERIFY(rpms.first().startsWith(QStringLiteral("qonsul-%1-").arg(qonsulVersion)));
}

void TestPackages::debContents()
{
    const Run list = run(QStringLiteral("dpkg-deb"), { QStringLiteral("-c"), m_deb });
    QCOMPARE(list.code, 0);
    const QString files = QString::fromUtf8(list.output);
    auto expect = [&files](const char *mode, const char *path) {
        const QRegularExpression line(QStringLiteral("^%1 root/root .* \\./%2$")
                                          .arg(QLatin1StringView(mode), QRegularExpression::escape(QLatin1StringView(path))),
                                      QRegularExpression::MultilineOption);
        return line.match(files).hasMatch();
    };
    QVERIFY2(expect("-rwxr-xr-x", "usr/bin/qonsul"), qPrintable(files));
    QVERIFY2(expect("-rw-r--r--", "usr/lib/systemd/system/qonsul.service"), qPrintable(files));
    QVERIFY2(expect("-rw-r-----", "etc/qonsul.d/qonsul.json"), qPrintable(files));
    QVERIFY2(expect("drwxr-x---", "var/lib/qonsul/"), qPrintable(files));
    QVERIFY2(expect("-rw-r--r--", "usr/share/doc/qonsul/copyright"), qPrintable(files));
    // The console, its menu entry and icon, when the GUI is part of the build.
    if (QFile::exists(qEnvironmentVariable("QONSUL_BUILD_DIR") + u"/bin/qonsul-console")) {
        QVERIFY2(expect("-rwxr-xr-x", "usr/bin/qonsul-console"), qPrintable(files));
        QVERIFY2(expect("-rw-r--r--", "usr/share/applications/qonsul-console.desktop"), qPrintable(files));
        QVERIFY2(expect("-rw-r--r--", "usr/share/icons/hicolor/scalable/apps/qonsul-console.svg"), qPrintable(files));
    }
    const Run conffiles = run(QStringLiteral("dpkg-deb"), { QStringLiteral("-I"), m_deb, QStringLiteral("conffiles") });
    QCOMPARE(conffiles.output.trimmed(), QByteArray("/etc/qonsul.d/qonsul.json"));
    const Run depends = run(QStringLiteral("dpkg-deb"), { QStringLiteral("-f"), m_deb, QStringLiteral("Depends") });
    QVERIFY2(depends.output.contains("libqt6core6") && depends.output.contains("passwd"), depends.output.constData());
}

void TestPackages::rpmContents()
{
    const Run list = run(QStringLiteral("rpm"), { QStringLiteral("-qlvp"), m_rpm });
    QCOMPARE(list.code, 0);
    const QString files = QString::fromUtf8(list.output);
    QVERIFY2(files.contains(QRegularExpression(QStringLiteral("-rwxr-xr-x\\s+1 root\\s+root .* /usr/bin/qonsul\\n"))),
             qPrintable(files));
    QVERIFY2(files.contains(QRegularExpression(QStringLiteral("-rw-r-----\\s+1 root\\s+qonsul .* /etc/qonsul.d/qonsul.json"))),
             qPrintable(files));
    QVERIFY2(files.contains(QRegularExpression(QStringLiteral("drwxr-x---\\s+2 qonsul\\s+qonsul .* /var/lib/qonsul\\n"))),
             qPrintable(files));
    QVERIFY(files.contains(QStringLiteral(" /usr/lib/systemd/system/qonsul.service")));
    const Run config = run(QStringLiteral("rpm"), { QStringLiteral("-qcp"), m_rpm });
    QCOMPARE(config.output.trimmed(), QByteArray("/etc/qonsul.d/qonsul.json"));
    const Run scripts = run(QStringLiteral("rpm"), { QStringLiteral("-qp"), QStringLiteral("--scripts"), m_rpm });
    QVERIFY(scripts.output.contains("preinstall scriptlet"));
    QVERIFY(scripts.output.contains("useradd --system"));
}

void TestPackages::lintianFindsNoErrors()
{
    if (QStandardPaths::findExecutable(QStringLiteral("lintian")).isEmpty())
        QSKIP("lintian is not installed (scripts/install-deps.sh installs it)");
    const Run r = run(QStringLiteral("lintian"), { QStringLiteral("--no-cfg"), QStringLiteral("--fail-on"),
                                                   QStringLiteral("error"), m_deb },
                      120000);
    qInfo().noquote() << "lintian:" << r.output.trimmed();
    QVERIFY2(r.code == 0, r.output.constData());
    QVERIFY2(!r.output.contains("\nE: ") && !r.output.startsWith("E: "), r.output.constData());
}

void TestPackages::dpkgRootInstallAndPurge()
{
    if (::geteuid() != 0)
        QSKIP("dpkg --root sets owners and runs the maintainer scripts: needs root");
    // A root with just enough for dpkg (its database) and useradd (the account files).
    const QString root = m_dir.filePath(QStringLiteral("root"));
    QVERIFY(writeFile(root + u"/etc/passwd", "root:x:0:0:root:/root:/bin/sh\n"));
    QVERIFY(writeFile(root + u"/etc/group", "root:x:0:\n"));
    QVERIFY(writeFile(root + u"/etc/shadow", "root:*:19000:0:99999:7:::\n"));
    QVERIFY(writeFile(root + u"/etc/gshadow", "root:*::\n"));
    QVERIFY(writeFile(root + u"/var/lib/dpkg/status", ""));
    QVERIFY(QDir().mkpath(root + u"/var/lib/dpkg/info"));
    QVERIFY(QDir().mkpath(root + u"/var/lib/dpkg/updates"));
    const QStringList dpkg = { QStringLiteral("--root=%1").arg(root), QStringLiteral("--log=/dev/null"),
                               QStringLiteral("--force-script-chrootless"), QStringLiteral("--force-depends") };
    const Run install = run(QStringLiteral("dpkg"), dpkg + QStringList { QStringLiteral("-i"), m_deb });
    QVERIFY2(install.code == 0, install.output.constData());

    // postinst: the account, the data dir owned by it, the config readable by its group.
    const int uid = idIn(root + u"/etc/passwd", QStringLiteral("qonsul"));
    const int gid = idIn(root + u"/etc/group", QStringLiteral("qonsul"));
    QVERIFY2(uid > 0 && uid < 1000, "qonsul is a system account");
    QVERIFY(gid > 0);
    struct stat data = statOf(root + u"/var/lib/qonsul");
    QCOMPARE(int(data.st_uid), uid);
    QCOMPARE(int(data.st_gid), gid);
    QCOMPARE(data.st_mode & 07777, 0750u);
    struct stat config = statOf(root + u"/etc/qonsul.d/qonsul.json");
    QCOMPARE(int(config.st_uid), 0);
    QCOMPARE(int(config.st_gid), gid);
    QCOMPARE(config.st_mode & 07777, 0640u);
    struct stat binary = statOf(root + u"/usr/bin/qonsul");
    QCOMPARE(binary.st_mode & 07777, 0755u);
    QCOMPARE(int(binary.st_uid), 0);
    // Enabled (not started: there is no running systemd in a directory).
    const QString wants = root + u"/etc/systemd/system/multi-user.target.wants/qonsul.service";
    QVERIFY2(QFileInfo(wants).isSymLink(), "the unit is enabled");
    QCOMPARE(QFileInfo(wants).symLinkTarget(), QStringLiteral("/usr/lib/systemd/system/qonsul.service"));
    m_root = root;

    // Upgrade and purge in a copy, so the installed tree stays for the tests below.
    const QString copy = m_dir.filePath(QStringLiteral("purged"));
    QCOMPARE(run(QStringLiteral("cp"), { QStringLiteral("-a"), m_root, copy }).code, 0);
    QStringList copyArgs = dpkg;
    copyArgs[0] = QStringLiteral("--root=%1").arg(copy);

    // An upgrade (the same package again) keeps an edited config, the data and a disabled unit.
    QVERIFY(writeFile(copy + u"/etc/qonsul.d/qonsul.json", "{\"server\": true}"));
    QVERIFY(writeFile(copy + u"/var/lib/qonsul/node-id", "kept"));
    const Run disable = run(QStringLiteral("systemctl"), { QStringLiteral("--root=%1").arg(copy), QStringLiteral("disable"),
                                                           QStringLiteral("qonsul.service") });
    QVERIFY2(disable.code == 0, disable.output.constData());
    QVERIFY(!QFileInfo(copy + u"/etc/systemd/system/multi-user.target.wants/qonsul.service").isSymLink());
    const Run upgrade = run(QStringLiteral("dpkg"),
                            copyArgs + QStringList { QStringLiteral("--force-confold"), QStringLiteral("-i"), m_deb });
    QVERIFY2(upgrade.code == 0, upgrade.output.constData());
    QFile edited(copy + u"/etc/qonsul.d/qonsul.json");
    QVERIFY(edited.open(QIODevice::ReadOnly));
    QCOMPARE(edited.readAll(), QByteArray("{\"server\": true}"));
    QVERIFY(QFile::exists(copy + u"/var/lib/qonsul/node-id"));
    QVERIFY2(!QFileInfo(copy + u"/etc/systemd/system/multi-user.target.wants/qonsul.service").isSymLink(),
             "an upgrade keeps the operator's disable");

    const Run purge = run(QStringLiteral("dpkg"), copyArgs + QStringList { QStringLiteral("--purge"), QStringLiteral("qonsul") });
    QVERIFY2(purge.code == 0, purge.output.constData());
    QVERIFY(!QFile::exists(copy + u"/usr/bin/qonsul"));
    QVERIFY(!QFile::exists(copy + u"/etc/qonsul.d/qonsul.json"));
    QVERIFY(!QFile::exists(copy + u"/var/lib/qonsul"));
    QVERIFY(!QFileInfo(copy + u"/etc/systemd/system/multi-user.target.wants/qonsul.service").isSymLink());
}

void TestPackages::unitVerifiesAndIsHardened()
{
    if (QStandardPaths::findExecutable(QStringLiteral("systemd-analyze")).isEmpty())
        QSKIP("systemd-analyze is not installed (scripts/install-deps.sh installs systemd)");
    if (m_root.isEmpty())
        QSKIP("needs the dpkg --root install");
    // The installed unit, pointing at the installed binary (verify checks that it is executable).
    QFile shipped(m_root + u"/usr/lib/systemd/system/qonsul.service");
    QVERIFY(shipped.open(QIODevice::ReadOnly));
    QByteArray unit = shipped.readAll();
    unit.replace("ExecStart=/usr/bin/qonsul", QByteArray("ExecStart=" + QFile::encodeName(m_root) + "/usr/bin/qonsul"));
    const QString path = m_dir.filePath(QStringLiteral("unit/qonsul.service"));
    QVERIFY(writeFile(path, unit));
    const Run verify = run(QStringLiteral("systemd-analyze"), { QStringLiteral("verify"), QStringLiteral("--man=no"), path });
    QVERIFY2(verify.code == 0 && verify.output.trimmed().isEmpty(), verify.output.constData());

    auto exposure = [](const QString &unitPath) {
        const Run security = run(QStringLiteral("systemd-analyze"), { QStringLiteral("security"),
                                 QStringLiteral("--offline=true"), QStringLiteral("--no-pager"), unitPath });
        const QRegularExpressionMatch level
            = QRegularExpression(QStringLiteral("Overall exposure level for qonsul.service: (\\d+\\.\\d+)"))
                  .match(QString::fromUtf8(security.output));
        if (!level.hasMatch())
            qWarning().noquote() << security.output;
        return level.hasMatch() ? level.captured(1).toDouble() : 10.0;
    };
    const double packaged = exposure(path);
    qInfo() << "systemd-analyze security exposure:" << packaged;
    QVERIFY(packaged < 3.0);

    // With DNS on port 53 the unit keeps CAP_NET_BIND_SERVICE and stays under 3.0.
    const QString lowRoot = m_dir.filePath(QStringLiteral("low-port"));
    const Run install = run(qEnvironmentVariable("QONSUL_BIN"),
                            { QStringLiteral("service"), QStringLiteral("install"), QStringLiteral("-root"), lowRoot,
                              QStringLiteral("-dns-port"), QStringLiteral("53"), QStringLiteral("-binary"),
                              m_root + u"/usr/bin/qonsul" });
    QVERIFY2(install.code == 0, install.output.constData());
    const QString lowUnit = lowRoot + u"/etc/systemd/system/qonsul.service";
    const Run lowVerify = run(QStringLiteral("systemd-analyze"), { QStringLiteral("verify"), QStringLiteral("--man=no"), lowUnit });
    QVERIFY2(lowVerify.code == 0 && lowVerify.output.trimmed().isEmpty(), lowVerify.output.constData());
    const double lowPort = exposure(lowUnit);
    qInfo() << "systemd-analyze security exposure with DNS on port 53:" << lowPort;
    QVERIFY(lowPort < 3.0);
}

QString TestPackages::adjustedConfigDir(const QString &dataDir)
{
    QFile installed(m_root + u"/etc/qonsul.d/qonsul.json");
    if (!installed.open(QIODevice::ReadOnly))
        return {};
    QJsonObject config = QJsonDocument::fromJson(installed.readAll()).object();
    config.insert(QStringLiteral("data_dir"), dataDir);
    config.insert(QStringLiteral("ports"),
                  QJsonObject { { QStringLiteral("http"), freeTcpPort() }, { QStringLiteral("dns"), freeTcpUdpPort() },
                                { QStringLiteral("serf_lan"), freeTcpUdpPort() }, { QStringLiteral("serf_wan"), freeTcpUdpPort() },
                                { QStringLiteral("server"), freeTcpPort() }, { QStringLiteral("grpc"), -1 } });
    config.insert(QStringLiteral("bind_addr"), QStringLiteral("127.0.0.1"));
    const QString dir = m_dir.filePath(QStringLiteral("conf-%1").arg(freeTcpPort()));
    if (!writeFile(dir + u"/qonsul.json", QJsonDocument(config).toJson()))
        return {};
    return dir;
}

void TestPackages::installedAgentServesWithInstalledConfig()
{
    if (m_root.isEmpty())
        QSKIP("needs the dpkg --root install");
    const QString dataDir = m_dir.filePath(QStringLiteral("data"));
    const QString confDir = adjustedConfigDir(dataDir);
    QVERIFY(!confDir.isEmpty());
    QFile conf(confDir + u"/qonsul.json");
    QVERIFY(conf.open(QIODevice::ReadOnly));
    const int port = QJsonDocument::fromJson(conf.readAll()).object().value(u"ports").toObject().value(u"http").toInt();
    const QString binary = m_root + u"/usr/bin/qonsul";
    // The installed config is a client agent: it serves its own API without any server.
    QProcess agent;
    agent.setProcessChannelMode(QProcess::MergedChannels);
    agent.start(binary, { QStringLiteral("agent"), QStringLiteral("-config-dir=%1").arg(confDir) });
    QVERIFY(agent.waitForStarted());
    HttpResult self;
    for (int i = 0; i < 100 && self.status != 200 && agent.state() == QProcess::Running; ++i) {
        QTest::qWait(100);
        self = httpRequest("GET", QStringLiteral("http://127.0.0.1:%1/v1/agent/self").arg(port), {}, {}, 2000);
    }
    agent.terminate();
    agent.waitForFinished(10000);
    QVERIFY2(self.status == 200, agent.readAll().constData());
    const QJsonObject config = QJsonDocument::fromJson(self.body).object().value(u"Config").toObject();
    QCOMPARE(config.value(u"Server").toBool(true), false);
    QCOMPARE(config.value(u"Datacenter").toString(), QStringLiteral("dc1"));
}

void TestPackages::badInputFailsClearly()
{
    if (m_root.isEmpty())
        QSKIP("needs the dpkg --root install");
    const QString binary = m_root + u"/usr/bin/qonsul";
    auto agent = [&binary](const QStringList &args, const QString &asUser = {}) {
        if (asUser.isEmpty())
            return run(binary, QStringList { QStringLiteral("agent") } + args, 20000);
        return run(QStringLiteral("setpriv"),
                   QStringList { QStringLiteral("--reuid=%1").arg(asUser), QStringLiteral("--regid=%1").arg(asUser),
                                 QStringLiteral("--clear-groups"), binary, QStringLiteral("agent") }
                       + args,
                   20000);
    };

    // A missing config dir.
    const QString missing = m_dir.filePath(QStringLiteral("no-such-dir"));
    Run r = agent({ QStringLiteral("-config-dir=%1").arg(missing) });
    QCOMPARE(r.code, 1);
    QVERIFY2(r.output.contains(QByteArray("config: Open failed on " + QFile::encodeName(missing))), r.output.constData());

    // An unreadable config dir (the agent runs as nobody; the dir is root's, mode 0700).
    const QString secret = m_dir.filePath(QStringLiteral("secret"));
    QVERIFY(QDir().mkpath(secret));
    QVERIFY(writeFile(secret + u"/a.json", "{\"server\": false}"));
    QFile::setPermissions(secret, QFile::ReadOwner | QFile::WriteOwner | QFile::ExeOwner);
    QFile::setPermissions(m_dir.path(), QFile::ReadOwner | QFile::WriteOwner | QFile::ExeOwner | QFile::ExeGroup | QFile::ExeOther);
    if (::geteuid() == 0) {
        r = agent({ QStringLiteral("-dev"), QStringLiteral("-config-dir=%1").arg(secret) }, QStringLiteral("65534"));
        QCOMPARE(r.code, 1);
        QVERIFY2(r.output.contains("permission denied"), r.output.constData());
    }

    // A data dir owned by another user.
    const QString foreign = m_dir.filePath(QStringLiteral("foreign-data"));
    QVERIFY(QDir().mkpath(foreign));
    if (::geteuid() == 0) {
        QVERIFY(::chown(QFile::encodeName(foreign).constData(), 65534, 65534) == 0);
        const QString confDir = adjustedConfigDir(foreign);
        r = agent({ QStringLiteral("-config-dir=%1").arg(confDir) });
        QCOMPARE(r.code, 1);
        QVERIFY2(r.output.contains("is owned by user") && r.output.contains("chown"), r.output.constData());
        QVERIFY(!QFile::exists(foreign + u"/node-id")); // nothing written
    }

    // The HTTP port in use.
    QTcpServer taken;
    QVERIFY(taken.listen(QHostAddress::LocalHost));
    r = agent({ QStringLiteral("-dev"), QStringLiteral("-http-port=%1").arg(taken.serverPort()),
                QStringLiteral("-dns-port=-1"), QStringLiteral("-serf-lan-port=%1").arg(freeTcpUdpPort()),
                QStringLiteral("-serf-wan-port=%1").arg(freeTcpUdpPort()), QStringLiteral("-server-port=%1").arg(freeTcpPort()) });
    QCOMPARE(r.code, 1);
    QVERIFY2(r.output.contains(QStringLiteral("Failed to start HTTP server on 127.0.0.1:%1").arg(taken.serverPort()).toUtf8()),
             r.output.constData());
}

void TestPackages::serviceInstallIntoRoot()
{
    const QString root = m_dir.filePath(QStringLiteral("svc"));
    const QStringList install = { QStringLiteral("service"), QStringLiteral("install"), QStringLiteral("-root"), root,
                                  QStringLiteral("-binary"), QStringLiteral("/usr/bin/qonsul") };
    Run r = run(m_qonsul, install);
    QVERIFY2(r.code == 0, r.output.constData());
    // The same unit and default config the package installs.
    QFile unit(root + u"/etc/systemd/system/qonsul.service");
    QFile packaged(qEnvironmentVariable("QONSUL_SOURCE_DIR") + u"/installers/linux/qonsul.service");
    QVERIFY(unit.open(QIODevice::ReadOnly) && packaged.open(QIODevice::ReadOnly));
    QCOMPARE(unit.readAll(), packaged.readAll());
    QFile config(root + u"/etc/qonsul.d/qonsul.json");
    QVERIFY(config.open(QIODevice::ReadOnly));
    const QJsonObject json = QJsonDocument::fromJson(config.readAll()).object();
    QCOMPARE(json.value(u"server").toBool(true), false);
    QCOMPARE(json.value(u"data_dir").toString(), QStringLiteral("/var/lib/qonsul"));
    QCOMPARE(statOf(root + u"/var/lib/qonsul").st_mode & 07777, 0750u);
    QVERIFY(QFileInfo(root + u"/etc/systemd/system/multi-user.target.wants/qonsul.service").isSymLink());

    // A second install is refused and changes nothing; -force replaces.
    QVERIFY(writeFile(root + u"/etc/qonsul.d/qonsul.json", "{\"server\": true}"));
    r = run(m_qonsul, install);
    QCOMPARE(r.code, 1);
    QVERIFY2(r.output.contains("qonsul is already installed as a service") && r.output.contains("-force"),
             r.output.constData());
    QFile kept(root + u"/etc/qonsul.d/qonsul.json");
    QVERIFY(kept.open(QIODevice::ReadOnly));
    QCOMPARE(kept.readAll(), QByteArray("{\"server\": true}"));
    r = run(m_qonsul, install + QStringList { QStringLiteral("-force") });
    QVERIFY2(r.code == 0, r.output.constData());

    // An existing config dir alone also stops a fresh install.
    const QString other = m_dir.filePath(QStringLiteral("svc2"));
    QVERIFY(writeFile(other + u"/etc/qonsul.d/mine.json", "{}"));
    r = run(m_qonsul, { QStringLiteral("service"), QStringLiteral("install"), QStringLiteral("-root"), other });
    QCOMPARE(r.code, 1);
    QVERIFY2(r.output.contains("already has files in it"), r.output.constData());

    // Without -root, installing needs root.
    if (::geteuid() == 0) {
        r = run(QStringLiteral("setpriv"), { QStringLiteral("--reuid=65534"), QStringLiteral("--regid=65534"),
                                             QStringLiteral("--clear-groups"), m_qonsul, QStringLiteral("service"),
                                             QStringLiteral("install") });
        QCOMPARE(r.code, 1);
        QVERIFY2(r.output.contains("Error: service install needs root privileges"), r.output.constData());
    }
    // As root on a machine without systemd (a container), it says so before writing anything.
    if (::geteuid() == 0 && !QFileInfo(QStringLiteral("/run/systemd/system")).isDir()) {
        r = run(m_qonsul, { QStringLiteral("service"), QStringLiteral("install") });
        QCOMPARE(r.code, 1);
        QVERIFY2(r.output.contains("Error: systemd is not running on this machine"), r.output.constData());
        QVERIFY(!QFile::exists(QStringLiteral("/etc/systemd/system/qonsul.service")));
    }

    // start/stop need the live service manager; uninstall twice fails the second time.
    r = run(m_qonsul, { QStringLiteral("service"), QStringLiteral("start"), QStringLiteral("-root"), root });
    QCOMPARE(r.code, 1);
    QVERIFY(r.output.contains("flag provided but not defined: -root"));
    const QStringList uninstall = { QStringLiteral("service"), QStringLiteral("uninstall"), QStringLiteral("-root"), root };
    r = run(m_qonsul, uninstall);
    QVERIFY2(r.code == 0, r.output.constData());
    QVERIFY(!QFile::exists(root + u"/etc/systemd/system/qonsul.service"));
    QVERIFY(!QFileInfo(root + u"/etc/systemd/system/multi-user.target.wants/qonsul.service").isSymLink());
    QVERIFY(QFile::exists(root + u"/etc/qonsul.d/qonsul.json")); // config kept
    r = run(m_qonsul, uninstall);
    QCOMPARE(r.code, 1);
    QVERIFY2(r.output.contains("qonsul is not installed as a service"), r.output.constData());
}

void TestPackages::launchdPlistIsAPropertyList()
{
    const QString root = m_dir.filePath(QStringLiteral("mac"));
    Run r = run(m_qonsul, { QStringLiteral("service"), QStringLiteral("install"), QStringLiteral("-init"),
                            QStringLiteral("launchd"), QStringLiteral("-root"), root, QStringLiteral("-binary"),
                            QStringLiteral("/usr/local/bin/qonsul") });
    QVERIFY2(r.code == 0, r.output.constData());
    const QString plist = root + u"/Library/LaunchDaemons/org.qonsul.agent.plist";
    // plistlib is Python's reader of Apple's property-list format; it rejects malformed XML,
    // unknown elements and wrong value types.
    r = run(QStringLiteral("/usr/bin/python3"),
            { QStringLiteral("-c"),
              QStringLiteral("import plistlib, json, sys\n"
                             "with open(sys.argv[1], 'rb') as f: print(json.dumps(plistlib.load(f, fmt=plistlib.FMT_XML)))"),
              plist });
    QVERIFY2(r.code == 0, r.output.constData());
    const QJsonObject daemon = QJsonDocument::fromJson(r.output).object();
    QCOMPARE(daemon.value(u"Label").toString(), QStringLiteral("org.qonsul.agent"));
    QCOMPARE(daemon.value(u"ProgramArguments").toVariant().toStringList(),
             QStringList({ QStringLiteral("/usr/local/bin/qonsul"), QStringLiteral("agent"),
                           QStringLiteral("-config-dir=/usr/local/etc/qonsul.d/") }));
    QCOMPARE(daemon.value(u"RunAtLoad").toBool(), true);
    QCOMPARE(daemon.value(u"KeepAlive").toObject().value(u"SuccessfulExit").toBool(true), false);
    QCOMPARE(daemon.value(u"StandardErrorPath").toString(), QStringLiteral("/usr/local/var/log/qonsul.log"));
    QCOMPARE(daemon.value(u"SoftResourceLimits").toObject().value(u"NumberOfFiles").toInt(), 65536);
    QVERIFY(QFile::exists(root + u"/usr/local/etc/qonsul.d/qonsul.json"));
}

void TestPackages::win32ServiceFileCrossCompiles()
{
    const QString gxx = QStandardPaths::findExecutable(QStringLiteral("x86_64-w64-mingw32-g++-posix"));
    if (gxx.isEmpty())
        QSKIP("x86_64-w64-mingw32-g++-posix is not installed (scripts/install-deps.sh installs it)");
    // The Win32 side is plain C++ over the Windows API: compile and link it with a caller for
    // every entry point. Running it needs Windows; that is not verified here.
    const QString source = qEnvironmentVariable("QONSUL_SOURCE_DIR") + u"/daemon";
    const QString main = m_dir.filePath(QStringLiteral("winmain.cpp"));
    QVERIFY(writeFile(main, "#include \"platform/WindowsScm.h\"\n"
                            "using namespace qonsul::platform;\n"
                            "int main() {\n"
                            "    std::wstring e;\n"
                            "    if (!win32::connect(L\"Qonsul\", [](std::uint32_t) {})) return 1;\n"
                            "    winsvc::StateMachine m([](const winsvc::Status &s) { win32::setStatus(s); }, 1, 1);\n"
                            "    m.starting(); m.running(); m.stopped(0); win32::disconnect();\n"
                            "    win32::reportEvent(L\"Qonsul\", win32::EventType::Error, L\"x\");\n"
                            "    return win32::installService(L\"a\", L\"b\", L\"c\", L\"d\", &e) && win32::startService(L\"a\", &e)\n"
                            "        && win32::stopService(L\"a\", 1, &e) && win32::uninstallService(L\"a\", &e);\n"
                            "}\n"));
    const Run r = run(gxx, { QStringLiteral("-std=c++20"), QStringLiteral("-Wall"), QStringLiteral("-Wextra"),
                             QStringLiteral("-Werror"), QStringLiteral("-I") + source, main,
                             source + u"/platform/WindowsServiceWin32.cpp", source + u"/platform/WindowsService.cpp",
                             QStringLiteral("-ladvapi32"), QStringLiteral("-static"), QStringLiteral("-o"),
                             m_dir.filePath(QStringLiteral("qonsul-service-check.exe")) },
                      180000);
    QVERIFY2(r.code == 0, r.output.constData());
}

// The daemon's own Windows branches (sockets in the HTTP server, the service host, ...) are
// compiled against Qt's headers with MinGW, syntax only: there is no Qt for Windows here to link
// against, but a Windows-only typo or a Linux-only call in shared code is caught.
void TestPackages::windowsBranchesCompile()
{
    const QString gxx = QStandardPaths::findExecutable(QStringLiteral("x86_64-w64-mingw32-g++-posix"));
    if (gxx.isEmpty())
        QSKIP("x86_64-w64-mingw32-g++-posix is not installed (scripts/install-deps.sh installs it)");
    const QString root = qEnvironmentVariable("QONSUL_SOURCE_DIR");
    const QString qt = QLibraryInfo::path(QLibraryInfo::HeadersPath);
    const QRegularExpression platformBranch(QStringLiteral("Q_OS_(WIN|LINUX)"));
    QStringList sources;
    for (const QString &dir : { QStringLiteral("/daemon"), QStringLiteral("/shared") }) {
        QDirIterator it(root + dir, { QStringLiteral("*.cpp") }, QDir::Files, QDirIterator::Subdirectories);
        while (it.hasNext()) {
            QFile f(it.next());
            if (f.open(QIODevice::ReadOnly) && platformBranch.match(QString::fromUtf8(f.readAll())).hasMatch()
                && !f.fileName().endsWith(u"Win32.cpp")) // plain Win32, linked by the test above
                sources << f.fileName();
        }
    }
    QVERIFY2(sources.size() >= 5, qPrintable(sources.join(u' ')));
    for (const QString &source : std::as_const(sources)) {
        const Run r = run(gxx,
            { QStringLiteral("-std=c++20"), QStringLiteral("-fsyntax-only"), QStringLiteral("-DQT_NO_KEYWORDS"),
              QStringLiteral("-DQT_USE_QSTRINGBUILDER"), QStringLiteral("-Wall"), QStringLiteral("-Wextra"),
              QStringLiteral("-Wno-attributes"), // Qt's Linux headers declare exports Windows-style
              QStringLiteral("-Werror"), QStringLiteral("-I") + root + u"/daemon", QStringLiteral("-I") + root + u"/shared",
              QStringLiteral("-I") + qt, QStringLiteral("-I") + qt + u"/QtCore", QStringLiteral("-I") + qt + u"/QtNetwork",
              source },
            180000);
        QVERIFY2(r.code == 0, qPrintable(source + u'\n' + QString::fromUtf8(r.output)));
    }
}

void TestPackages::windowsInstallerBuilds()
{
    if (QStandardPaths::findExecutable(QStringLiteral("wixl")).isEmpty())
        QSKIP("wixl is not installed (scripts/install-deps.sh installs it)");
    const QString exe = m_dir.filePath(QStringLiteral("qonsul-service-check.exe"));
    if (!QFile::exists(exe))
        QSKIP("needs the MinGW-built stand-in for qonsul.exe");
    // The real qonsul.exe cannot be built here (no Qt for Windows): the MSI is built around the
    // cross-compiled stand-in to check that the .wxs, its service registration and the
    // generated Windows config are accepted.
    const QString config = qEnvironmentVariable("QONSUL_BUILD_DIR") + u"/packaging/windows/qonsul.json";
    QFile json(config);
    QVERIFY(json.open(QIODevice::ReadOnly));
    QCOMPARE(QJsonDocument::fromJson(json.readAll()).object().value(u"data_dir").toString(),
             QStringLiteral("C:/ProgramData/qonsul/data"));
    // wixl takes file sources relative to its working directory.
    QVERIFY(QFile::copy(config, m_dir.filePath(QStringLiteral("windows-qonsul.json"))));
    const QString msi = m_dir.filePath(QStringLiteral("qonsul.msi"));
    const Run r = run(QStringLiteral("wixl"),
                      { QStringLiteral("-a"), QStringLiteral("x64"), QStringLiteral("-D"), QStringLiteral("Version=0.1.0"),
                        QStringLiteral("-D"), QStringLiteral("QonsulExe=qonsul-service-check.exe"), QStringLiteral("-D"),
                        QStringLiteral("ConfigFile=windows-qonsul.json"), QStringLiteral("-D"),
                        QStringLiteral("ConsoleExe=qonsul-service-check.exe"), QStringLiteral("-o"), msi,
                        qEnvironmentVariable("QONSUL_SOURCE_DIR") + u"/installers/windows/qonsul.wxs" },
                      120000, m_dir.path());
    QVERIFY2(r.code == 0, r.output.constData());
    QFile built(msi);
    QVERIFY(built.open(QIODevice::ReadOnly));
    const QByteArray content = built.readAll();
    QVERIFY(content.contains("ServiceInstall"));
    QVERIFY(content.contains("agent -config-dir=\"[CommonAppDataFolder]qonsul\\config\\\\\""));
}

QTEST_GUILESS_MAIN(TestPackages)
#include "tst_packages.moc"

// qonsul-console driven like a user would, against a real `qonsul agent -dev`: connecting, the
// service list and a service's instances, editing KV (save, the CAS conflict, deleting a folder),
// a check turning critical showing up without any user action, and bad agents (unreachable,
// 403, garbage). With QONSUL_SCREENSHOTS=<dir> it also writes a PNG of every view there.
#include "AgentProcess.h"
#include "TestSupport.h"

#include <QAction>
#include <QClipboard>
#include <QComboBox>
#include <QDir>
#include <QFile>
#include <QJsonDocument>
#include <QJsonObject>
#include <QLabel>
#include <QLineEdit>
#include <QPlainTextEdit>
#include <QPushButton>
#include <QSettings>
#include <QSslConfiguration>
#include <QSslKey>
#include <QSslServer>
#include <QTabWidget>
#include <QTableView>
#include <QTcpServer>
#include <QTcpSocket>
#include <QTemporaryDir>
#include <QTreeView>
#include <QTreeWidget>
#include <QXmlStreamReader>
#include <QtTest>

#include "console/AgentSession.h"
#include "console/BlockingQuery.h"
#include "console/ConflictDialog.h"
#include "console/ConnectionDialog.h"
#include "console/HealthView.h"
#include "console/KvEditor.h"
#include "console/KvModel.h"
#include "console/KvView.h"
#include "console/Language.h"
#include "console/MainWindow.h"
#include "console/NodesView.h"
#include "console/ServiceDetail.h"
#include "console/ServicesModel.h"
#include "console/ServicesView.h"
#include "console/TokenStore.h"

using namespace qonsul::console;
using qonsul::test::AgentProcess;
using qonsul::test::httpRequest;

namespace {
// Answers every request with one canned HTTP response: a stand-in for a broken or hostile agent.
// With a certificate and key it speaks HTTPS (QSslServer hands out connections after the
// handshake, which is why connections are taken on pendingConnectionAvailable).
class CannedServer : public QSslServer
{
public:
    explicit CannedServer(QByteArray response, const QString &certFile = {}, const QString &keyFile = {})
        : m_response(std::move(response))
        , m_tls(!certFile.isEmpty())
    {
        if (m_tls) {
            QSslConfiguration ssl = QSslConfiguration::defaultConfiguration();
            ssl.setLocalCertificate(QSslCertificate::fromPath(certFile).value(0));
            QFile key(keyFile);
            key.open(QIODevice::ReadOnly);
            ssl.setPrivateKey(QSslKey(key.readAll(), QSsl::Rsa));
            setSslConfiguration(ssl);
        }
        connect(this, &QTcpServer::pendingConnectionAvailable, this, [this] {
            while (QTcpSocket *s = nextPendingConnection()) {
                auto answer = [this, s] {
                    requests += int(s->readAll().count("HTTP/1.1\r\n"));
                    s->write(m_response);
                    s->disconnectFromHost();
                };
                connect(s, &QTcpSocket::readyRead, s, answer);
                connect(s, &QTcpSocket::disconnected, s, &QObject::deleteLater);
                if (s->bytesAvailable() > 0)
                    answer();
            }
        });
        listen(QHostAddress::LocalHost);
    }
    QString address() const { return QStringLiteral("127.0.0.1:%1").arg(serverPort()); }
    int requests = 0;

protected:
    // Plain HTTP unless a certificate was given: hand the socket over without a handshake.
    void incomingConnection(qintptr handle) override
    {
        if (m_tls)
            return QSslServer::incomingConnection(handle);
        auto *socket = new QTcpSocket(this);
        socket->setSocketDescriptor(handle);
        addPendingConnection(socket);
    }

private:
    QByteArray m_response;
    bool m_tls;
};

// A TCP forwarder to the agent that can be cut (every connection dropped, the port closed) and
// restored on the same port: a network outage the console has to ride out.
class CuttableProxy : public QTcpServer
{
public:
    explicit CuttableProxy(quint16 target)
        : m_target(target)
    {
        connect(this, &QTcpServer::newConnection, this, [this] {
            while (QTcpSocket *client = nextPendingConnection()) {
                auto *upstream = new QTcpSocket(client);
                connect(client, &QTcpSocket::readyRead, upstream,
                    [client, upstream] { upstream->write(client->readAll()); });
                connect(upstream, &QTcpSocket::readyRead, client,
                    [client, upstream] { client->write(upstream->readAll()); });
                connect(upstream, &QTcpSocket::disconnected, client, &QTcpSocket::disconnectFromHost);
                connect(client, &QTcpSocket::disconnected, client, &QObject::deleteLater);
                upstream->connectToHost(QHostAddress::LocalHost, m_target);
                upstream->waitForConnected(1000);
                upstream->write(client->readAll());
            }
        });
        listen(QHostAddress::LocalHost);
        m_port = serverPort();
    }
    void cut()
    {
        close();
        for (QTcpSocket *s : findChildren<QTcpSocket *>(QString(), Qt::FindDirectChildrenOnly))
            s->abort();
    }
    bool restore() { return listen(QHostAddress::LocalHost, m_port); }
    QString address() const { return QStringLiteral("127.0.0.1:%1").arg(m_port); }

private:
    quint16 m_target;
    quint16 m_port = 0;
};

QByteArray httpAnswer(int status, const QByteArray &reason, const QByteArray &body)
{
    return "HTTP/1.1 " + QByteArray::number(status) + ' ' + reason + "\r\nContent-Type: application/json\r\n"
        + "X-Consul-Index: 5\r\nContent-Length: " + QByteArray::number(body.size())
        + "\r\nConnection: close\r\n\r\n" + body;
}

bool treeContains(QTreeWidget *tree, const QString &text, int column = -1)
{
    QTreeWidgetItemIterator it(tree);
    for (; *it; ++it) {
        for (int c = 0; c < tree->columnCount(); ++c) {
            if ((column < 0 || column == c) && (*it)->text(c).contains(text))
                return true;
        }
    }
    return false;
}
} // namespace

class TestConsole : public QObject
{
    Q_OBJECT

    QTemporaryDir m_config;
    AgentProcess m_agent;
    MainWindow *m_window = nullptr;

    QString url(const QString &path) const { return m_agent.baseUrl() + path; }
    void put(const QString &path, const QByteArray &body = {})
    {
        const auto r = httpRequest("PUT", url(path), body);
        QVERIFY2(r.status == 200, r.body.constData());
    }
    QByteArray raw(const QString &key)
    {
        return httpRequest("GET", url(QStringLiteral("/v1/kv/") + key + QStringLiteral("?raw"))).body;
    }
    KvView *kv() const { return m_window->kvView(); }

    void openKey(const QString &key)
    {
        m_window->tabs()->setCurrentWidget(kv());
        kv()->selectKey(key);
        QTRY_COMPARE(kv()->editor()->key(), key);
        QTRY_VERIFY(kv()->editor()->loadedIndex() > 0);
    }

    void screenshot(const QString &name, QWidget *window = nullptr)
    {
        const QString dir = qEnvironmentVariable("QONSUL_SCREENSHOTS");
        if (dir.isEmpty())
            return;
        QTest::qWait(300); // let the last answers paint
        QVERIFY((window ? window : m_window)->grab().save(QDir(dir).filePath(name + QStringLiteral(".png"))));
    }

private Q_SLOTS:
    void initTestCase()
    {
        // Settings and the token file go to a directory of this run, not the user's.
        QVERIFY(m_config.isValid());
        QSettings::setPath(QSettings::NativeFormat, QSettings::UserScope, m_config.path());
        QCoreApplication::setOrganizationName(QStringLiteral("QonsulTest"));
        QCoreApplication::setApplicationName(QStringLiteral("qonsul-console-test"));
        QVERIFY(TokenStore::fallbackFilePath().startsWith(m_config.path()));
        Language::install(qApp, QStringLiteral("en"));
        QVERIFY(m_agent.start());

        // Two instances of web, one of db with a TTL check, and some configuration.
        put(QStringLiteral("/v1/agent/service/register"),
            R"({"Name":"web","ID":"web-1","Port":8080,"Tags":["primary","v2"],"Meta":{"team":"edge"}})");
        put(QStringLiteral("/v1/agent/service/register"),
            R"({"Name":"web","ID":"web-2","Port":8081,"Tags":["secondary"],"Check":{"TTL":"10m","Status":"passing"}})");
        put(QStringLiteral("/v1/agent/service/register"),
            R"({"Name":"db","Port":5432,"Tags":["postgres"],"Check":{"CheckID":"db-ttl","Name":"db alive","TTL":"10m","Status":"passing"}})");
        for (const char *k :
            { "config/app/name", "config/app/port", "config/old/a", "config/old/b", "config/old/c/d" })
            put(QStringLiteral("/v1/kv/") + QString::fromLatin1(k), "v-" + QByteArray(k));
        put(QStringLiteral("/v1/kv/config/app/settings"), R"({"debug":false,"workers":4})");

        m_window = new MainWindow;
        m_window->resize(1200, 760);
        m_window->show();
        ConnectionProfile profile;
        profile.name = QStringLiteral("test agent");
        profile.address = m_agent.httpAddr();
        m_window->connectTo(profile, QStringLiteral("secret-token"));
    }

    void cleanupTestCase()
    {
        delete m_window;
        m_agent.stop();
    }

    void connects()
    {
        AgentSession *session = m_window->session();
        QTRY_COMPARE(session->state(), AgentSession::State::Connected);
        QTRY_VERIFY(m_window->agentLabel()->text().contains(session->info().nodeName));
        QVERIFY(!session->info().nodeName.isEmpty());
        QCOMPARE(session->info().datacenter, QStringLiteral("dc1"));
        QTRY_VERIFY(!session->info().leader.isEmpty());
        QTRY_COMPARE(m_window->datacenterBox()->currentText(), QStringLiteral("dc1"));
        QVERIFY(m_window->connectionLabel()->text().contains(QStringLiteral("test agent")));
        // The connection is saved, the token is not in the settings.
        QCOMPARE(ConnectionStore::find(QStringLiteral("test agent")).address, m_agent.httpAddr());
        QCOMPARE(ConnectionStore::lastConnection(), QStringLiteral("test agent"));
        QTRY_VERIFY(m_window->tokens()->where() != TokenStore::Where::Unknown);
        if (m_window->tokens()->where() == TokenStore::Where::File) {
            QFile file(TokenStore::fallbackFilePath());
            QTRY_VERIFY(file.exists());
            QCOMPARE(file.permissions()
                    & (QFile::ReadGroup | QFile::ReadOther | QFile::WriteGroup | QFile::WriteOther),
                QFileDevice::Permissions());
            QVERIFY(m_window->tokens()->whereText().contains(QStringLiteral("0600")));
        }
        QString token;
        bool read = false;
        m_window->tokens()->read(QStringLiteral("test agent"), [&](const QString &t) {
            token = t;
            read = true;
        });
        QTRY_VERIFY(read);
        QCOMPARE(token, QStringLiteral("secret-token"));
    }

    void listsServices()
    {
        m_window->tabs()->setCurrentWidget(m_window->servicesView());
        ServicesView *view = m_window->servicesView();
        ServicesModel *model = view->model();
        QTRY_VERIFY(model->rowOf(QStringLiteral("web")) >= 0);
        QVERIFY(model->rowOf(QStringLiteral("db")) >= 0);
        QVERIFY(model->rowOf(QStringLiteral("consul")) >= 0);
        const int web = model->rowOf(QStringLiteral("web"));
        QTRY_COMPARE(model->index(web, ServicesModel::Instances).data().toInt(), 2);
        // Two instances on a node with a passing serfHealth, plus one service check.
        QTRY_COMPARE(model->index(web, ServicesModel::Health).data().toString(), QStringLiteral("3 passing"));
        QVERIFY(model->index(web, ServicesModel::Tags).data().toString().contains(QStringLiteral("primary")));

        // Filtering by name, tag and state.
        view->filterEdit()->setText(QStringLiteral("tag:postgres"));
        QCOMPARE(view->proxy()->rowCount(), 1);
        QCOMPARE(view->proxy()->index(0, 0).data().toString(), QStringLiteral("db"));
        view->filterEdit()->setText(QStringLiteral("WE"));
        QCOMPARE(view->proxy()->rowCount(), 1);
        view->filterEdit()->setText(QStringLiteral("status:critical"));
        QCOMPARE(view->proxy()->rowCount(), 0);
        view->filterEdit()->clear();
        QCOMPARE(view->proxy()->rowCount(), model->rowCount());
    }

    void opensService()
    {
        ServicesView *view = m_window->servicesView();
        view->selectService(QStringLiteral("web"));
        QTreeWidget *tree = view->detail()->tree();
        QTRY_COMPARE(tree->topLevelItemCount(), 2);
        QVERIFY(treeContains(tree, QStringLiteral("web-1")));
        QVERIFY(treeContains(tree, QStringLiteral(":8081")));
        QVERIFY(treeContains(tree, QStringLiteral("team=edge")));
        QVERIFY(treeContains(tree, QStringLiteral("Serf Health Status")));
        QCOMPARE(view->selectedName(), QStringLiteral("web"));
        m_window->findChild<QAction *>(QStringLiteral("copyName"))->trigger();
        QCOMPARE(QGuiApplication::clipboard()->text(), QStringLiteral("web"));
        tree->setCurrentItem(tree->topLevelItem(1)->child(0));
        m_window->findChild<QAction *>(QStringLiteral("copyAddress"))->trigger();
        QCOMPARE(QGuiApplication::clipboard()->text(), QStringLiteral("127.0.0.1:8081"));
        screenshot(QStringLiteral("services"));
    }

    void showsNodes()
    {
        m_window->tabs()->setCurrentWidget(m_window->nodesView());
        NodesView *view = m_window->nodesView();
        QTRY_COMPARE(view->list()->topLevelItemCount(), 1);
        view->list()->setCurrentItem(view->list()->topLevelItem(0));
        QTRY_VERIFY(treeContains(view->detail(), QStringLiteral("web-2")));
        QTRY_VERIFY(treeContains(view->detail(), QStringLiteral("db alive")));
        QCOMPARE(view->selectedAddress(), QStringLiteral("127.0.0.1"));
        screenshot(QStringLiteral("nodes"));
    }

    void editsAndSavesKv()
    {
        openKey(QStringLiteral("config/app/name"));
        KvEditor *editor = kv()->editor();
        QCOMPARE(editor->textEdit()->toPlainText(), QStringLiteral("v-config/app/name"));
        editor->textEdit()->setPlainText(QStringLiteral("shop 新"));
        QVERIFY(editor->isModified());
        QSignalSpy saved(editor, &KvEditor::saved);
        kv()->saveValue();
        QTRY_COMPARE(saved.count(), 1);
        QCOMPARE(raw(QStringLiteral("config/app/name")), QStringLiteral("shop 新").toUtf8());
        QTRY_VERIFY(!editor->isModified());

        // A JSON value opens in JSON mode; invalid JSON is refused there with its position.
        openKey(QStringLiteral("config/app/settings"));
        QCOMPARE(editor->modeBox()->currentIndex(), int(ValueCodec::Json));
        screenshot(QStringLiteral("kv"));
        editor->textEdit()->setPlainText(QStringLiteral("{\"debug\": tru}"));
        editor->save();
        QVERIFY(editor->messageLabel()->text().contains(QStringLiteral("line 1")));
        QCOMPARE(raw(QStringLiteral("config/app/settings")), QByteArray(R"({"debug":false,"workers":4})"));
        editor->revert();
        QTRY_VERIFY(!editor->isModified());
    }

    void casConflictShowsBothVersions()
    {
        openKey(QStringLiteral("config/app/port"));
        KvEditor *editor = kv()->editor();
        editor->textEdit()->setPlainText(QStringLiteral("9090"));
        // Someone else writes the key after it was loaded.
        put(QStringLiteral("/v1/kv/config/app/port"), "7070");
        // Another key is not opened over unsaved edits unless the user agrees.
        QString asked;
        kv()->setConfirm([&](const QString &, const QString &text) {
            asked = text;
            return false;
        });
        kv()->selectKey(QStringLiteral("config/app/name"));
        QVERIFY(asked.contains(QStringLiteral("config/app/port")));
        QTRY_COMPARE(kv()->selectedName(), QStringLiteral("config/app/port"));
        QCOMPARE(editor->key(), QStringLiteral("config/app/port"));
        QCOMPARE(editor->textEdit()->toPlainText(), QStringLiteral("9090"));
        QSignalSpy conflict(editor, &KvEditor::conflict);
        editor->save();
        QTRY_COMPARE(conflict.count(), 1);
        QCOMPARE(raw(QStringLiteral("config/app/port")), QByteArray("7070")); // not overwritten
        ConflictDialog *dialog = editor->conflictDialog();
        QVERIFY(dialog);
        QCOMPARE(dialog->mineEdit()->toPlainText(), QStringLiteral("9090"));
        QCOMPARE(dialog->theirsEdit()->toPlainText(), QStringLiteral("7070"));
        QVERIFY(editor->isModified());
        screenshot(QStringLiteral("kv-conflict"), dialog);
        QSignalSpy saved(editor, &KvEditor::saved);
        dialog->findChild<QPushButton *>(QStringLiteral("overwrite"))->click();
        QTRY_COMPARE(saved.count(), 1);
        QCOMPARE(raw(QStringLiteral("config/app/port")), QByteArray("9090"));
    }

    void deletesFolder()
    {
        openKey(QStringLiteral("config/old/a"));
        QString asked;
        kv()->setConfirm([&](const QString &, const QString &text) {
            asked = text;
            return true;
        });
        QSignalSpy done(kv(), &KvView::operationFinished);
        kv()->deleteFolder(QStringLiteral("config/old/"));
        QTRY_COMPARE(done.count(), 1);
        QVERIFY2(asked.contains(QStringLiteral("config/old/")) && asked.contains(QStringLiteral("3 keys")),
            qPrintable(asked));
        QCOMPARE(httpRequest("GET", url(QStringLiteral("/v1/kv/config/old/?keys"))).status, 404);
        QTRY_VERIFY(!kv()->model()->indexOfKey(QStringLiteral("config/old/")).isValid());
        QVERIFY(kv()->model()->indexOfKey(QStringLiteral("config/app/")).isValid());
        QCOMPARE(kv()->editor()->key(), QString()); // the open key went with its folder
        QVERIFY(raw(QStringLiteral("config/app/port")) == "9090");
    }

    void createsAndRenamesKeys()
    {
        QSignalSpy done(kv(), &KvView::operationFinished);
        kv()->createKey(QStringLiteral("config/app/new"));
        QTRY_COMPARE(done.count(), 1);
        QCOMPARE(httpRequest("GET", url(QStringLiteral("/v1/kv/config/app/new"))).status, 200);
        kv()->renameKey(QStringLiteral("config/app/new"), QStringLiteral("config/app/renamed"));
        QTRY_COMPARE(done.count(), 2);
        QCOMPARE(httpRequest("GET", url(QStringLiteral("/v1/kv/config/app/new"))).status, 404);
        QCOMPARE(httpRequest("GET", url(QStringLiteral("/v1/kv/config/app/renamed"))).status, 200);
        // A key written elsewhere appears in the open folder by itself.
        put(QStringLiteral("/v1/kv/config/app/elsewhere"), "x");
        QTRY_VERIFY(kv()->model()->indexOfKey(QStringLiteral("config/app/elsewhere")).isValid());
    }

    void deletesKeyAndShowsLockHolder()
    {
        kv()->setConfirm([](const QString &, const QString &) { return true; });
        QSignalSpy done(kv(), &KvView::operationFinished);
        kv()->deleteKey(QStringLiteral("config/app/renamed"));
        QTRY_COMPARE(done.count(), 1);
        QCOMPARE(httpRequest("GET", url(QStringLiteral("/v1/kv/config/app/renamed"))).status, 404);

        const auto session
            = httpRequest("PUT", url(QStringLiteral("/v1/session/create")), R"({"Name":"deploy-lock"})");
        const QString id = QJsonDocument::fromJson(session.body).object().value(u"ID").toString();
        QVERIFY(!id.isEmpty());
        QCOMPARE(httpRequest("PUT", url(QStringLiteral("/v1/kv/locks/deploy?acquire=") + id), "held").body,
            QByteArray("true"));
        openKey(QStringLiteral("locks/deploy"));
        QTRY_VERIFY(kv()->editor()->lockLabel()->text().contains(QStringLiteral("deploy-lock")));
        QVERIFY(kv()->editor()->lockLabel()->text().contains(id));
        QVERIFY(kv()->editor()->lockLabel()->isVisible());
    }

    void binaryAndLargeValues()
    {
        QByteArray binary("\x00\xff\xfe\x01 ok", 7);
        put(QStringLiteral("/v1/kv/blob/bin"), binary);
        QByteArray large(512 * 1024, 'x');
        put(QStringLiteral("/v1/kv/blob/large"), large);
        openKey(QStringLiteral("blob/bin"));
        KvEditor *editor = kv()->editor();
        QCOMPARE(editor->modeBox()->currentIndex(), int(ValueCodec::Hex));
        QVERIFY(editor->messageLabel()->text().contains(QStringLiteral("UTF-8")));
        QCOMPARE(editor->textEdit()->toPlainText(), QStringLiteral("00 ff fe 01 20 6f 6b"));
        // Switching to text is refused, base64 works and saves the same bytes back.
        editor->modeBox()->setCurrentIndex(ValueCodec::Text);
        Q_EMIT editor->modeBox()->activated(ValueCodec::Text);
        QCOMPARE(editor->modeBox()->currentIndex(), int(ValueCodec::Hex));
        editor->modeBox()->setCurrentIndex(ValueCodec::Base64);
        Q_EMIT editor->modeBox()->activated(ValueCodec::Base64);
        QCOMPARE(editor->textEdit()->toPlainText(), QString::fromLatin1(binary.toBase64()));
        editor->textEdit()->setPlainText(QString::fromLatin1(QByteArray(binary + '!').toBase64()));
        QSignalSpy saved(editor, &KvEditor::saved);
        editor->save();
        QTRY_COMPARE(saved.count(), 1);
        QCOMPARE(raw(QStringLiteral("blob/bin")), QByteArray(binary + '!'));

        openKey(QStringLiteral("blob/large"));
        QCOMPARE(editor->textEdit()->toPlainText().size(), large.size());

        // 512 KB that is not text: shown as hex, 16 bytes a line.
        QByteArray largeBinary(512 * 1024, '\0');
        for (qsizetype i = 0; i < largeBinary.size(); ++i)
            largeBinary[i] = char(i * 7 % 256);
        put(QStringLiteral("/v1/kv/blob/large-binary"), largeBinary);
        openKey(QStringLiteral("blob/large-binary"));
        QCOMPARE(editor->modeBox()->currentIndex(), int(ValueCodec::Hex));
        QCOMPARE(editor->textEdit()->document()->blockCount(), 512 * 1024 / 16);
    }

    void checkTurningCriticalShowsUpLive()
    {
        m_window->tabs()->setCurrentWidget(m_window->healthView());
        HealthView *health = m_window->healthView();
        QTRY_VERIFY(health->isLive());
        QVERIFY(!m_window->servicesView()->isLive()); // hidden views stop their queries
        QTRY_VERIFY(health->tree()->topLevelItemCount() == 0);
        put(QStringLiteral("/v1/agent/check/fail/db-ttl?note=disk%20full"));
        QTRY_VERIFY_WITH_TIMEOUT(treeContains(health->tree(), QStringLiteral("disk full")), 5000);
        QVERIFY(treeContains(health->tree(), QStringLiteral("db alive")));
        QVERIFY(treeContains(health->tree(), QStringLiteral("db"), 0));
        screenshot(QStringLiteral("health"));
        // The service list catches up as soon as it is shown again.
        m_window->tabs()->setCurrentWidget(m_window->servicesView());
        ServicesModel *model = m_window->servicesView()->model();
        QTRY_COMPARE(
            model->index(model->rowOf(QStringLiteral("db")), ServicesModel::Health).data().toString(),
            QStringLiteral("1 passing, 1 critical"));
    }

    void switchesDatacenter()
    {
        AgentSession *session = m_window->session();
        ServicesModel *model = m_window->servicesView()->model();
        QVERIFY(m_window->servicesView()->isVisible());
        session->setDatacenter(QStringLiteral("dc9"));
        QCOMPARE(model->rowCount(), 0); // nothing of the other datacenter stays on screen
        QTRY_VERIFY(m_window->connectionLabel()->text().contains(QStringLiteral("No path to datacenter")));
        QCOMPARE(session->state(), AgentSession::State::Lost);
        session->setDatacenter(QString());
        QTRY_COMPARE(session->state(), AgentSession::State::Connected);
        QTRY_VERIFY(model->rowOf(QStringLiteral("web")) >= 0);
        QTRY_COMPARE(m_window->datacenterBox()->currentText(), QStringLiteral("dc1"));
    }

    void chineseTranslation()
    {
        QCOMPARE(Language::install(qApp, QStringLiteral("zh_CN")), QStringLiteral("zh_CN"));
        MainWindow window;
        QCOMPARE(window.windowTitle(), QStringLiteral("Qonsul 控制台"));
        QCOMPARE(window.tabs()->tabText(0), QStringLiteral("服务(&S)"));
        QCOMPARE(window.kvView()->editor()->modeBox()->itemText(ValueCodec::Hex), QStringLiteral("十六进制"));
        window.resize(m_window->size());
        window.show();
        window.connectTo(ConnectionStore::find(QStringLiteral("test agent")), QString());
        QTRY_VERIFY(window.servicesView()->model()->rowOf(QStringLiteral("db")) >= 0);
        window.servicesView()->selectService(QStringLiteral("db"));
        QTRY_COMPARE(window.servicesView()->detail()->tree()->topLevelItemCount(), 1);
        QTRY_VERIFY(window.agentLabel()->text().startsWith(QStringLiteral("代理")));
        screenshot(QStringLiteral("services-zh_CN"), &window);
        Language::install(qApp, QStringLiteral("en"));
    }

    void connectionDialogShowsSavedConnection()
    {
        ConnectionProfile profile;
        profile.name = QStringLiteral("secure");
        profile.address = QStringLiteral("consul.example:8501");
        profile.https = true;
        profile.caFile = QStringLiteral("/etc/consul/ca.pem");
        profile.insecureSkipVerify = true;
        profile.datacenter = QStringLiteral("dc2");
        ConnectionStore::save(profile);
        bool written = false;
        m_window->tokens()->write(profile.name, QStringLiteral("tok-2"), [&] { written = true; });
        QTRY_VERIFY(written);
        const qonsul::client::ClientConfig config = profile.clientConfig(QStringLiteral("tok-2"));
        QCOMPARE(config.address, QStringLiteral("https://consul.example:8501"));
        QVERIFY(config.insecureSkipVerify);
        QCOMPARE(config.caFile, profile.caFile);
        QCOMPARE(config.datacenter, QStringLiteral("dc2"));

        ConnectionDialog dialog(m_window->tokens(), profile.name);
        QTRY_COMPARE(dialog.token(), QStringLiteral("tok-2"));
        screenshot(QStringLiteral("connect"), &dialog);
        const ConnectionProfile shown = dialog.profile();
        QCOMPARE(shown.address, profile.address);
        QVERIFY(shown.https && shown.insecureSkipVerify);
        QCOMPARE(shown.caFile, profile.caFile);
        QCOMPARE(shown.datacenter, profile.datacenter);
        ConnectionStore::remove(profile.name);
        QVERIFY(!ConnectionStore::load().isEmpty());
        bool found = true;
        ConnectionStore::find(profile.name, &found);
        QVERIFY(!found);
    }

    void remembersLayoutAndLastConnection()
    {
        {
            MainWindow window;
            window.resize(900, 640);
            window.show();
            window.tabs()->setCurrentIndex(2);
            window.close();
        }
        ConnectionStore::setLastConnection(QStringLiteral("test agent"));
        MainWindow window;
        QCOMPARE(window.size(), QSize(900, 640));
        QCOMPARE(window.tabs()->currentIndex(), 2);
        window.show();
        window.connectToLast();
        QTRY_COMPARE(window.session()->state(), AgentSession::State::Connected);
        QCOMPARE(window.session()->profile().address, m_agent.httpAddr());
    }

    void translationsAreComplete()
    {
        // Every message of both .ts files has a translation that is not left unfinished.
        for (const char *language : { "en", "zh_CN" }) {
            QFile file(qEnvironmentVariable("QONSUL_SOURCE_DIR")
                + QStringLiteral("/gui/translations/qonsul_console_") + QLatin1String(language)
                + QStringLiteral(".ts"));
            QVERIFY2(file.open(QIODevice::ReadOnly), qPrintable(file.fileName()));
            QXmlStreamReader xml(&file);
            int messages = 0;
            QString source;
            while (!xml.atEnd()) {
                xml.readNext();
                if (!xml.isStartElement())
                    continue;
                if (xml.name() == u"source") {
                    source = xml.readElementText();
                } else if (xml.name() == u"translation") {
                    ++messages;
                    QVERIFY2(xml.attributes().value(QStringLiteral("type")).isEmpty(), qPrintable(source));
                    const QString text = xml.readElementText(QXmlStreamReader::IncludeChildElements);
                    QVERIFY2(!text.trimmed().isEmpty(), qPrintable(source));
                }
            }
            QVERIFY(!xml.hasError());
            QVERIFY(messages > 150);
        }
    }

    void unreachableAgentIsRetried()
    {
        MainWindow window;
        ConnectionProfile profile;
        profile.name = QStringLiteral("nowhere");
        profile.address = QStringLiteral("127.0.0.1:%1").arg(qonsul::test::freeTcpPort());
        window.show();
        QCOMPARE(window.connectionLabel()->text(), QStringLiteral("Not connected"));
        QSignalSpy done(window.kvView(), &KvView::operationFinished);
        window.kvView()->createKey(QStringLiteral("x")); // nothing to talk to: said, not crashed
        QCOMPARE(done.count(), 1);
        window.connectTo(profile, QString());
        QTRY_COMPARE(window.session()->state(), AgentSession::State::Lost);
        QTRY_VERIFY(window.connectionLabel()->text().contains(QStringLiteral("connection refused")));
        QVERIFY(window.connectionLabel()->text().contains(QStringLiteral("retrying")));
        window.session()->close();
        QCOMPARE(window.connectionLabel()->text(), QStringLiteral("Not connected"));
    }

    void lostConnectionIsRetriedKeepingTheView()
    {
        CuttableProxy proxy(m_agent.httpPort());
        MainWindow window;
        window.tabs()->setCurrentWidget(window.servicesView());
        window.show();
        ConnectionProfile profile;
        profile.name = QStringLiteral("via proxy");
        profile.address = proxy.address();
        window.connectTo(profile, QString());
        ServicesModel *model = window.servicesView()->model();
        QTRY_VERIFY(model->rowOf(QStringLiteral("web")) >= 0);
        QTRY_COMPARE(window.session()->state(), AgentSession::State::Connected);

        proxy.cut();
        QTRY_COMPARE(window.session()->state(), AgentSession::State::Lost);
        QVERIFY(window.connectionLabel()->text().contains(QStringLiteral("retrying")));
        QVERIFY(model->rowOf(QStringLiteral("web")) >= 0); // what was shown stays
        put(QStringLiteral("/v1/agent/service/register"), R"({"Name":"cache","Port":6379})");

        QVERIFY(proxy.restore());
        QTRY_COMPARE_WITH_TIMEOUT(window.session()->state(), AgentSession::State::Connected, 10000);
        QTRY_VERIFY(model->rowOf(QStringLiteral("cache")) >= 0);
        QVERIFY(window.servicesView()->isLive());
    }

    void httpsWithCaFileOrSkipVerify()
    {
        // tls/: a self-signed certificate for 127.0.0.1 (2020-2120) and its key, made for this test only.
        const QString tls = qEnvironmentVariable("QONSUL_SOURCE_DIR") + QStringLiteral("/tests/gui/tls/");
        CannedServer agent(
            httpAnswer(
                200, "OK", R"({"Config":{"NodeName":"tls-agent","Datacenter":"dc1","Version":"1.17.0"}})"),
            tls + QStringLiteral("agent-cert.pem"), tls + QStringLiteral("agent-key.pem"));
        QVERIFY(agent.isListening());
        auto connectWith = [&](const QString &name, const QString &caFile, bool skipVerify) {
            auto *window = new MainWindow;
            ConnectionProfile profile;
            profile.name = name;
            profile.address = agent.address();
            profile.https = true;
            profile.caFile = caFile;
            profile.insecureSkipVerify = skipVerify;
            window->connectTo(profile, QString());
            return window;
        };
        std::unique_ptr<MainWindow> trusted(
            connectWith(QStringLiteral("tls ca"), tls + QStringLiteral("agent-cert.pem"), false));
        QTRY_COMPARE(trusted->session()->info().nodeName, QStringLiteral("tls-agent"));
        std::unique_ptr<MainWindow> skipping(connectWith(QStringLiteral("tls skip"), QString(), true));
        QTRY_COMPARE(skipping->session()->info().nodeName, QStringLiteral("tls-agent"));
        // Neither: the certificate is refused and the status bar says why.
        std::unique_ptr<MainWindow> strict(connectWith(QStringLiteral("tls strict"), QString(), false));
        QTRY_COMPARE(strict->session()->state(), AgentSession::State::Lost);
        QVERIFY2(strict->connectionLabel()->text().contains(QStringLiteral("tls:")),
            qPrintable(strict->connectionLabel()->text()));
        QVERIFY(strict->session()->info().nodeName.isEmpty());
    }

    void agentAnsweringAtOnceIsNotPolledInALoop()
    {
        // A broken agent that answers every blocking query at once with the same index.
        CannedServer eager(httpAnswer(200, "OK", "[]"));
        qonsul::client::ClientConfig config;
        config.address = eager.address();
        qonsul::client::ApiClient client(config);
        BlockingQuery query(&client, qonsul::client::Request("GET", QStringLiteral("/v1/catalog/nodes")));
        QSignalSpy changed(&query, &BlockingQuery::changed);
        query.start();
        QTest::qWait(1500);
        QCOMPARE(changed.count(), 1); // the index never moved
        QVERIFY2(eager.requests <= 4, qPrintable(QString::number(eager.requests)));
        query.stop();
    }

    void forbiddenAndGarbageAgents()
    {
        CannedServer forbidden(httpAnswer(403, "Forbidden", "Permission denied"));
        MainWindow window;
        window.show();
        ConnectionProfile profile;
        profile.name = QStringLiteral("forbidden");
        profile.address = forbidden.address();
        window.connectTo(profile, QStringLiteral("wrong"));
        QTRY_VERIFY(window.connectionLabel()->text().contains(QStringLiteral("403")));

        CannedServer garbage(httpAnswer(200, "OK", "{\"Config\": [garbage"));
        profile.name = QStringLiteral("garbage");
        profile.address = garbage.address();
        window.connectTo(profile, QString());
        QTRY_VERIFY(window.connectionLabel()->text().contains(QStringLiteral("not valid JSON")));
        window.tabs()->setCurrentWidget(window.kvView());
        QTRY_VERIFY(window.kvView()
                        ->findChild<QLabel *>(QStringLiteral("kvStatus"))
                        ->text()
                        .contains(QStringLiteral("not valid JSON")));
    }
};

QTEST_MAIN(TestConsole)
#include "tst_console.moc"

// The `qonsul` CLI against a real `qonsul agent -dev`: every command and flag the way the seed
// tutorial and a user run them, checking the exact text and exit codes Consul's CLI gives.
#include "AgentProcess.h"
#include "TestSupport.h"

#include <QJsonArray>
#include <QJsonDocument>
#include <QJsonObject>
#include <QLocalServer>
#include <QLocalSocket>
#include <QProcess>
#include <QRegularExpression>
#include <QTemporaryDir>
#include <QThread>
#include <QtTest>
#include <csignal>

#include "client/ApiClient.h"

using qonsul::test::AgentProcess;
using qonsul::test::httpRequest;

class TestCli : public QObject
{
    Q_OBJECT

private:
    AgentProcess m_agent;
    QTemporaryDir m_tmp;

    struct Run
    {
        int code = -1;
        QByteArray out;
        QByteArray err;
    };

    Run cli(const QStringList &args, const QByteArray &stdinData = {}, int timeoutMs = 15000)
    {
        Run r;
        r.code = m_agent.runCli(args, &r.out, &r.err, stdinData, timeoutMs);
        return r;
    }

    QJsonObject kvEntry(const QString &key)
    {
        const auto r = httpRequest("GET", m_agent.baseUrl() + QStringLiteral("/v1/kv/") + key);
        return QJsonDocument::fromJson(r.body).array().at(0).toObject();
    }

    QString sessionCreate()
    {
        const auto r = httpRequest("PUT", m_agent.baseUrl() + QStringLiteral("/v1/session/create"), "{}");
        return QJsonDocument::fromJson(r.body).object().value(u"ID").toString();
    }

    // A CLI process left running (lock holders, watches, monitor).
    QProcess *startCli(const QStringList &args)
    {
        auto *p = new QProcess(this);
        QProcessEnvironment env = QProcessEnvironment::systemEnvironment();
        env.insert(QStringLiteral("CONSUL_HTTP_ADDR"), m_agent.httpAddr());
        p->setProcessEnvironment(env);
        p->start(AgentProcess::binary(), args);
        p->waitForStarted(5000);
        return p;
    }

    // QProcess::waitForFinished() is false for a process that has already finished.
    static bool ended(QProcess *p, int timeoutMs)
    {
        return p->state() == QProcess::NotRunning || p->waitForFinished(timeoutMs);
    }

    QString file(const QString &name, const QByteArray &content)
    {
        const QString path = m_tmp.filePath(name);
        QFile f(path);
        f.open(QIODevice::WriteOnly);
        f.write(content);
        return path;
    }

private Q_SLOTS:
    void initTestCase()
    {
        QVERIFY(m_tmp.isValid());
        QVERIFY(m_agent.start());
    }

    // --- shared/client --------------------------------------------------------------------

    void clientEscapesPathsLikeGo()
    {
        using qonsul::client::ApiClient;
        QCOMPARE(ApiClient::escapePath(QStringLiteral("/v1/kv/a b?c#d%e")),
            QByteArray("/v1/kv/a%20b%3Fc%23d%25e"));
        QCOMPARE(ApiClient::escapePath(QStringLiteral("/v1/kv/é")), QByteArray("/v1/kv/%C3%A9"));
        QCOMPARE(ApiClient::escapePath(QStringLiteral("/a:b@c=d&e+f,g;h$")), QByteArray("/a:b@c=d&e+f,g;h$"));
        QCOMPARE(
            ApiClient::escapeQueryComponent(QStringLiteral("a b&c=d/é")), QByteArray("a+b%26c%3Dd%2F%C3%A9"));
    }

    void clientAsyncAndSync()
    {
        using namespace qonsul::client;
        ClientConfig config;
        config.address = m_agent.baseUrl();
        config.datacenter = QStringLiteral("dc1");
        ApiClient client(config);
        QVERIFY(client.isValid());
        Request put("PUT", QStringLiteral("/v1/kv/client/a b?#%"));
        put.body = "value";
        const Response w = client.call(put);
        QCOMPARE(w.status, 200);
        QCOMPARE(w.body.trimmed(), QByteArray("true"));
        QCOMPARE(client.displayUrl(Request("GET", QStringLiteral("/v1/kv/x"))),
            m_agent.baseUrl() + QStringLiteral("/v1/kv/x?dc=dc1"));

        // Asynchronous, with a blocking query woken by a write.
        const Response first = client.call(Request("GET", QStringLiteral("/v1/kv/client/a b?#%")));
        QCOMPARE(first.status, 200);
        QVERIFY(first.index() > 0);
        Request blocking("GET", QStringLiteral("/v1/kv/client/a b?#%"));
        blocking.param(QStringLiteral("index"), QString::number(first.index()));
        Response got;
        bool done = false;
        client.send(blocking, this, [&](const Response &r) {
            got = r;
            done = true;
        });
        QTest::qWait(200);
        QVERIFY(!done);
        put.body = "changed";
        QCOMPARE(client.call(put).status, 200);
        QTRY_VERIFY(done);
        QVERIFY(got.index() > first.index());
        QVERIFY(got.body.contains(QByteArray("changed").toBase64()));

        // Errors read as Consul's Go client words them.
        ClientConfig dead;
        dead.address = QStringLiteral("127.0.0.1:%1").arg(qonsul::test::freeTcpPort());
        ApiClient deadClient(dead);
        const Response refused = deadClient.call(Request("GET", QStringLiteral("/v1/kv/x")));
        QCOMPARE(refused.status, 0);
        QCOMPARE(refused.errorText(),
            QStringLiteral("Get \"http://%1/v1/kv/x\": dial tcp %1: connect: connection refused")
                .arg(dead.address));
        const Response bad = client.call(Request("GET", QStringLiteral("/v1/session/renew/nope")));
        QVERIFY(bad.errorText().startsWith(QStringLiteral("Unexpected response code: ")));

        ClientConfig badScheme;
        badScheme.address = QStringLiteral("ftp://x");
        QCOMPARE(ApiClient(badScheme).setupError(), QStringLiteral("Unknown protocol scheme: ftp"));
        ClientConfig noTokenFile;
        noTokenFile.tokenFile = m_tmp.filePath(QStringLiteral("missing-token"));
        QCOMPARE(ApiClient(noTokenFile).setupError(),
            QStringLiteral("Error loading token file: open %1: no such file or directory")
                .arg(noTokenFile.tokenFile));
    }

    void clientOverUnixSocket()
    {
        using namespace qonsul::client;
        // A canned HTTP/1.1 server on a Unix socket: the chunked body arrives in pieces.
        QLocalServer server;
        const QString path = m_tmp.filePath(QStringLiteral("agent.sock"));
        QVERIFY(server.listen(path));
        QByteArray seenRequest;
        connect(&server, &QLocalServer::newConnection, this, [&] {
            QLocalSocket *s = server.nextPendingConnection();
            connect(s, &QLocalSocket::readyRead, s, [&, s] {
                seenRequest += s->readAll();
                if (!seenRequest.contains("\r\n\r\n"))
                    return;
                s->write(
                    "HTTP/1.1 200 OK\r\nX-Consul-Index: 7\r\nTransfer-Encoding: chunked\r\n\r\n4\r\n[\"a");
                s->flush();
                QTimer::singleShot(50, s, [s] {
                    s->write("\"\r\n2\r\n]\n\r\n0\r\n\r\n");
                    s->disconnectFromServer();
                });
            });
        });
        ClientConfig config;
        config.address = QStringLiteral("unix://") + path;
        config.token = QStringLiteral("secret");
        ApiClient client(config);
        const Response r = client.call(Request("GET", QStringLiteral("/v1/kv/a b")));
        QVERIFY2(r.status == 200, qPrintable(r.errorText()));
        QCOMPARE(r.body, QByteArray("[\"a\"]\n"));
        QCOMPARE(r.index(), 7u);
        QVERIFY(seenRequest.startsWith("GET /v1/kv/a%20b HTTP/1.1\r\n"));
        QVERIFY(seenRequest.contains("X-Consul-Token: secret\r\n"));

        ClientConfig missing;
        missing.address = QStringLiteral("unix://") + m_tmp.filePath(QStringLiteral("none.sock"));
        const Response e = ApiClient(missing).call(Request("GET", QStringLiteral("/v1/kv/x")));
        QCOMPARE(e.status, 0);
        QVERIFY2(e.errorText().endsWith(QStringLiteral(": connect: no such file or directory")),
            qPrintable(e.errorText()));
    }

    // --- kv -------------------------------------------------------------------------------

    void kvSeedTutorial()
    {
        Run r = cli({ "kv", "put", "redis/config/minconns", "1" });
        QCOMPARE(r.code, 0);
        QCOMPARE(r.out, QByteArray("Success! Data written to: redis/config/minconns\n"));

        // The tutorial's `consul kv get redis/config/minconns 1` typo.
        r = cli({ "kv", "get", "redis/config/minconns", "1" });
        QCOMPARE(r.code, 1);
        QCOMPARE(r.err, QByteArray("Too many arguments (expected 1, got 2)\n"));

        r = cli({ "kv", "put", "redis/config/maxconn" });
        QCOMPARE(r.code, 0);
        QCOMPARE(r.out, QByteArray("Success! Data written to: redis/config/maxconn\n"));
        r = cli({ "kv", "get", "redis/config/maxconn" });
        QCOMPARE(r.code, 0);
        QCOMPARE(r.out, QByteArray("\n"));

        r = cli({ "kv", "get", "redis/config/minconns" });
        QCOMPARE(r.code, 0);
        QCOMPARE(r.out, QByteArray("1\n"));

        const QJsonObject e = kvEntry(QStringLiteral("redis/config/minconns"));
        r = cli({ "kv", "get", "-detailed", "redis/config/minconns" });
        QCOMPARE(r.code, 0);
        QCOMPARE(r.out,
            QStringLiteral("CreateIndex      %1\n"
                           "Flags            0\n"
                           "Key              redis/config/minconns\n"
                           "LockIndex        0\n"
                           "ModifyIndex      %2\n"
                           "Session          -\n"
                           "Value            1\n")
                .arg(e.value(u"CreateIndex").toInteger())
                .arg(e.value(u"ModifyIndex").toInteger())
                .toUtf8());

        r = cli({ "kv", "get", "-recurse" });
        QCOMPARE(r.code, 0);
        QVERIFY(r.out.contains("redis/config/maxconn:\nredis/config/minconns:1\n"));

        r = cli({ "kv", "delete", "redis/config/minconns" });
        QCOMPARE(r.code, 0);
        QCOMPARE(r.out, QByteArray("Success! Deleted key: redis/config/minconns\n"));
        r = cli({ "kv", "get", "redis/config/minconns" });
        QCOMPARE(r.code, 1);
        QCOMPARE(r.err, QByteArray("Error! No key exists at: redis/config/minconns\n"));

        r = cli({ "kv", "put", "-flags=42", "redis/config/other", "1234" });
        QCOMPARE(r.code, 0);
        const QJsonObject o = kvEntry(QStringLiteral("redis/config/other"));
        r = cli({ "kv", "get", "-detailed", "redis/config/other" });
        QCOMPARE(r.out,
            QStringLiteral(
                "CreateIndex      %1\nFlags            42\nKey              redis/config/other\n"
                "LockIndex        0\nModifyIndex      %1\nSession          -\nValue            1234\n")
                .arg(o.value(u"CreateIndex").toInteger())
                .toUtf8());

        // Check-and-set: the first write with the current index wins, the repeat fails.
        cli({ "kv", "put", "redis/config/minconns", "1" });
        const QString index = QString::number(
            kvEntry(QStringLiteral("redis/config/minconns")).value(u"ModifyIndex").toInteger());
        r = cli({ "kv", "put", "-cas", "-modify-index=" + index, "redis/config/minconns", "8" });
        QCOMPARE(r.code, 0);
        QCOMPARE(r.out, QByteArray("Success! Data written to: redis/config/minconns\n"));
        r = cli({ "kv", "put", "-cas", "-modify-index=" + index, "redis/config/minconns", "8" });
        QCOMPARE(r.code, 1);
        QCOMPARE(r.out, QByteArray());
        QCOMPARE(r.err, QByteArray("Error! Did not write to redis/config/minconns: CAS failed\n"));
        r = cli({ "kv", "put", "-cas", "redis/config/minconns", "8" });
        QCOMPARE(r.code, 1);
        QCOMPARE(r.err, QByteArray("Must specify -modify-index with -cas!\n"));
    }

    void kvGetFlags()
    {
        cli({ "kv", "put", "web/a", "1" });
        cli({ "kv", "put", "web/sub/b", "2" });
        cli({ "kv", "put", "web/sub/c", "3" });
        Run r = cli({ "kv", "get", "-keys", "web/" });
        QCOMPARE(r.out, QByteArray("web/a\nweb/sub/\n"));
        r = cli({ "kv", "get", "-keys", "-separator=", "web/" });
        QCOMPARE(r.out, QByteArray("web/a\nweb/sub/b\nweb/sub/c\n"));
        r = cli({ "kv", "get", "-recurse", "-base64", "web/sub" });
        QCOMPARE(r.out, QByteArray("web/sub/b:Mg==\nweb/sub/c:Mw==\n"));
        r = cli({ "kv", "get", "--recurse", "-detailed", "web/sub" });
        QCOMPARE(r.code, 0);
        QVERIFY(r.out.contains("Value            2\n\nCreateIndex"));
        QVERIFY(r.out.endsWith("Value            3\n"));
        r = cli({ "kv", "get", "-recurse", "nothing/here" });
        QCOMPARE(r.code, 0);
        QCOMPARE(r.out, QByteArray());
        r = cli({ "kv", "get", "/web/a" }); // a leading slash is dropped
        QCOMPARE(r.out, QByteArray("1\n"));
        r = cli({ "kv", "get" });
        QCOMPARE(r.code, 1);
        QCOMPARE(r.err, QByteArray("Error! Missing KEY argument\n"));
        r = cli({ "kv", "get", "-stale", "-datacenter=dc1", "web/a" });
        QCOMPARE(r.out, QByteArray("1\n"));
        r = cli({ "kv", "get", "-bogus", "web/a" });
        QCOMPARE(r.code, 1);
        QVERIFY(r.err.startsWith("flag provided but not defined: -bogus\nUsage:\n"));
        r = cli({ "kv", "get", "-http-addr=127.0.0.1:1", "web/a" });
        QCOMPARE(r.code, 1);
        QCOMPARE(r.err,
            QByteArray("Error querying Consul agent: Get \"http://127.0.0.1:1/v1/kv/web/a\": dial tcp "
                       "127.0.0.1:1: connect: connection refused\n"));
    }

    void kvPutDataSources()
    {
        Run r = cli({ "kv", "put", "in/stdin", "-" }, "from stdin\n");
        QCOMPARE(r.code, 0);
        QCOMPARE(cli({ "kv", "get", "in/stdin" }).out, QByteArray("from stdin\n\n"));
        const QString path = file(QStringLiteral("license.lic"), "line1\nline2");
        r = cli({ "kv", "put", "in/file", "@" + path });
        QCOMPARE(r.code, 0);
        QCOMPARE(cli({ "kv", "get", "in/file" }).out, QByteArray("line1\nline2\n"));
        r = cli({ "kv", "put", "in/missing", "@/nonexistent/x" });
        QCOMPARE(r.code, 1);
        QCOMPARE(r.err,
            QByteArray("Error! Failed to read file: open /nonexistent/x: no such file or directory\n"));
        r = cli({ "kv", "put", "-base64", "in/b64", "aGVsbG8gd29ybGQ=" });
        QCOMPARE(r.code, 0);
        QCOMPARE(cli({ "kv", "get", "in/b64" }).out, QByteArray("hello world\n"));
        // As in Consul, -base64 only changes -recurse and -detailed output.
        QCOMPARE(cli({ "kv", "get", "-base64", "in/b64" }).out, QByteArray("hello world\n"));
        QVERIFY(cli({ "kv", "get", "-base64", "-detailed", "in/b64" })
                    .out.endsWith("Value            aGVsbG8gd29ybGQ=\n"));
        r = cli({ "kv", "put", "in/a", "b", "c" });
        QCOMPARE(r.code, 1);
        QCOMPARE(r.err, QByteArray("Error! Too many arguments (expected 1 or 2, got 3)\n"));
        r = cli({ "kv", "put" });
        QCOMPARE(r.err, QByteArray("Error! Missing KEY argument\n"));
        // Keys with spaces, '?', '#', '%' and Unicode survive the round trip.
        const QString odd = QStringLiteral("odd/a b?c#d%e/é ü");
        r = cli({ "kv", "put", odd, "v" });
        QCOMPARE(r.out, (QStringLiteral("Success! Data written to: ") + odd + u'\n').toUtf8());
        QCOMPARE(cli({ "kv", "get", odd }).out, QByteArray("v\n"));
        QCOMPARE(cli({ "kv", "get", "-keys", "odd/" }).out, QByteArray("odd/a b?c#d%e/\n"));
        // Flags use all 64 bits.
        r = cli({ "kv", "put", "-flags=18446744073709551615", "in/flags", "x" });
        QCOMPARE(r.code, 0);
        QVERIFY(cli({ "kv", "get", "-detailed", "in/flags" })
                    .out.contains("Flags            18446744073709551615\n"));
        r = cli({ "kv", "put", "-flags=abc", "in/flags", "x" });
        QCOMPARE(r.code, 1);
        QVERIFY(r.err.startsWith("invalid value \"abc\" for flag -flags: parse error\n"));
    }

    void kvLocks()
    {
        const QString session = sessionCreate();
        QVERIFY(!session.isEmpty());
        Run r = cli({ "kv", "put", "-acquire", "lk/key", "v" });
        QCOMPARE(r.code, 1);
        QCOMPARE(r.err, QByteArray("Error! Missing -session (required with -acquire and -release)\n"));
        r = cli({ "kv", "put", "-acquire", "-session=" + session, "lk/key", "v" });
        QCOMPARE(r.code, 0);
        QCOMPARE(r.out, QByteArray("Success! Lock acquired on: lk/key\n"));
        QVERIFY(cli({ "kv", "get", "-detailed", "lk/key" }).out.contains("LockIndex        1\n"));
        QVERIFY(cli({ "kv", "get", "-detailed", "lk/key" })
                    .out.contains(("Session          " + session + "\n").toUtf8()));
        const QString other = sessionCreate();
        r = cli({ "kv", "put", "-acquire", "-session", other, "lk/key", "v" });
        QCOMPARE(r.code, 1);
        QCOMPARE(r.err, QByteArray("Error! Did not acquire lock\n"));
        r = cli({ "kv", "put", "-release", "-session=" + other, "lk/key", "v" });
        QCOMPARE(r.code, 1);
        QCOMPARE(r.err, QByteArray("Error! Did not release lock\n"));
        r = cli({ "kv", "put", "-release", "-session=" + session, "lk/key", "v" });
        QCOMPARE(r.code, 0);
        QCOMPARE(r.out, QByteArray("Success! Lock released on: lk/key\n"));
        QVERIFY(cli({ "kv", "get", "-detailed", "lk/key" }).out.contains("Session          -\n"));
    }

    void kvDelete()
    {
        cli({ "kv", "put", "del/a", "1" });
        cli({ "kv", "put", "del/b", "2" });
        cli({ "kv", "put", "delx", "3" });
        const QString index
            = QString::number(kvEntry(QStringLiteral("del/a")).value(u"ModifyIndex").toInteger());
        Run r = cli({ "kv", "delete", "-cas", "-modify-index=1", "del/a" });
        QCOMPARE(r.code, 1);
        QCOMPARE(r.err, QByteArray("Error! Did not delete key del/a: CAS failed\n"));
        r = cli({ "kv", "delete", "-cas", "-modify-index=" + index, "del/a" });
        QCOMPARE(r.code, 0);
        QCOMPARE(r.out, QByteArray("Success! Deleted key: del/a\n"));
        r = cli({ "kv", "delete", "-cas", "del/a" });
        QCOMPARE(r.err,
            QByteArray(
                "Cannot delete a key that does not exist. Provide a -modify-index greater than than 0.\n"));
        r = cli({ "kv", "delete", "-modify-index=3", "del/a" });
        QCOMPARE(r.err, QByteArray("Cannot specify -modify-index without -cas!\n"));
        r = cli({ "kv", "delete", "-cas", "-modify-index=3", "-recurse", "del" });
        QCOMPARE(r.err, QByteArray("Cannot specify both -cas and -recurse!\n"));
        r = cli({ "kv", "delete" });
        QCOMPARE(r.err, QByteArray("Error! Missing KEY argument\n"));
        r = cli({ "kv", "delete", "-recurse", "del" });
        QCOMPARE(r.code, 0);
        QCOMPARE(r.out, QByteArray("Success! Deleted keys with prefix: del\n"));
        QCOMPARE(cli({ "kv", "get", "-keys", "del" }).out, QByteArray()); // "delx" went too, as in Consul
        QCOMPARE(cli({ "kv", "delete", "not/there" }).code, 0);
    }

    void kvExportImport()
    {
        cli({ "kv", "put", "exp/a", "1" });
        cli({ "kv", "put", "-flags=7", "exp/b<&>", "two" });
        Run r = cli({ "kv", "export", "exp/" });
        QCOMPARE(r.code, 0);
        QCOMPARE(r.out,
            QByteArray("[\n\t{\n\t\t\"key\": \"exp/a\",\n\t\t\"flags\": 0,\n\t\t\"value\": \"MQ==\"\n\t},\n"
                       "\t{\n\t\t\"key\": \"exp/b\\u003c\\u0026\\u003e\",\n\t\t\"flags\": 7,\n"
                       "\t\t\"value\": \"dHdv\"\n\t}\n]\n"));
        QCOMPARE(cli({ "kv", "export", "none/" }).out, QByteArray("[]\n"));
        const QByteArray exported = r.out;
        r = cli({ "kv", "import", "-" }, exported);
        QCOMPARE(r.code, 0);
        QCOMPARE(r.out, QByteArray("Imported: exp/a\nImported: exp/b<&>\n"));
        r = cli({ "kv", "import", "-prefix=copy/", "@" + file(QStringLiteral("exp.json"), exported) });
        QCOMPARE(r.out, QByteArray("Imported: copy/exp/a\nImported: copy/exp/b<&>\n"));
        QVERIFY(cli({ "kv", "get", "-detailed", "copy/exp/b<&>" }).out.contains("Flags            7\n"));
        r = cli({ "kv", "import", QString::fromUtf8(exported) });
        QCOMPARE(r.code, 0);
        r = cli({ "kv", "import" });
        QCOMPARE(r.code, 1);
        QCOMPARE(r.err, QByteArray("Error! Missing DATA argument\n"));
        r = cli({ "kv", "import", "not json" });
        QCOMPARE(r.code, 1);
        QVERIFY(r.err.startsWith("Cannot unmarshal data: "));
    }

    void kvParentShowsHelp()
    {
        Run r = cli({ "kv" });
        QCOMPARE(r.code, 1);
        QVERIFY(r.err.startsWith("Usage: qonsul kv <subcommand>"));
        QVERIFY(r.err.contains("Subcommands:\n    delete    Removes data from the KV store\n"));
        r = cli({ "kv", "get", "-h" });
        QCOMPARE(r.code, 0);
        QVERIFY(r.out.startsWith("Usage: qonsul kv get [options] [KEY_OR_PREFIX]\n"));
        QVERIFY(r.out.contains("HTTP API Options\n\n  -ca-file=<value>\n"));
        QVERIFY(r.out.contains("Command Options\n\n  -base64\n"));
    }

    // --- catalog / services ----------------------------------------------------------------

    void catalogAndServices()
    {
        Run r = cli({ "catalog", "datacenters" });
        QCOMPARE(r.code, 0);
        QCOMPARE(r.out, QByteArray("dc1\n"));

        const QJsonArray nodes
            = QJsonDocument::fromJson(httpRequest("GET", m_agent.baseUrl() + "/v1/catalog/nodes").body)
                  .array();
        QCOMPARE(nodes.size(), 1);
        const QJsonObject node = nodes[0].toObject();
        const QString name = node.value(u"Node").toString();
        const QString id = node.value(u"ID").toString();
        r = cli({ "catalog", "nodes" });
        QCOMPARE(r.code, 0);
        const QStringList lines = QString::fromUtf8(r.out).split(u'\n', Qt::SkipEmptyParts);
        QCOMPARE(lines.size(), 2);
        QVERIFY(QRegularExpression(QStringLiteral("^Node +ID +Address +DC$")).match(lines[0]).hasMatch());
        QVERIFY(QRegularExpression(QStringLiteral("^%1 +%2 +127\\.0\\.0\\.1 +dc1$")
                                       .arg(QRegularExpression::escape(name), id.section(u'-', 0, 0)))
                    .match(lines[1])
                    .hasMatch());
        // Columns are aligned: every column starts where its header does.
        QCOMPARE(lines[1].indexOf(id.section(u'-', 0, 0)), lines[0].indexOf(u"ID"));
        r = cli({ "catalog", "nodes", "-detailed" });
        QVERIFY(r.out.startsWith("Node"));
        QVERIFY(r.out.contains("TaggedAddresses"));
        QVERIFY(r.out.contains(id.toUtf8()));
        QVERIFY(r.out.contains("lan=127.0.0.1"));
        r = cli({ "catalog", "nodes", "-node-meta=nope=x" });
        QCOMPARE(r.code, 0);
        QCOMPARE(r.err, QByteArray("No nodes match the given query - try expanding your search.\n"));
        r = cli({ "catalog", "nodes", "extra" });
        QCOMPARE(r.code, 1);
        QCOMPARE(r.err, QByteArray("Too many arguments (expected 0, got 1)\n"));
        // -filter as Consul's LoadDataSource reads it: @file, else the expression itself.
        const QString filter = file(QStringLiteral("filter.txt"), "Node == \"nobody\"");
        r = cli({ "catalog", "nodes", "-filter=@" + filter });
        QCOMPARE(r.code, 0);
        QCOMPARE(r.err, QByteArray("No nodes match the given query - try expanding your search.\n"));
        r = cli({ "catalog", "nodes", "-filter=@/nonexistent/filter" });
        QCOMPARE(r.code, 1);
        QCOMPARE(r.err,
            QByteArray("Could not process filter argument: Failed to read file: open /nonexistent/filter: no such "
                       "file or directory\n"));

        // The tutorial's service definition file, registered through the CLI.
        const QString web = file(
            QStringLiteral("web.json"), R"({"service": {"name": "web", "tags": ["rails"], "port": 8888}})");
        r = cli({ "services", "register", web });
        QCOMPARE(r.code, 0);
        QCOMPARE(r.out, QByteArray("Registered service: web\n"));
        r = cli({ "services", "register", "-name=db", "-id=db1", "-port=5432", "-tag=primary", "-tag=v2",
            "-meta=role=main" });
        QCOMPARE(r.code, 0);
        QCOMPARE(r.out, QByteArray("Registered service: db\n"));
        const QJsonObject svc
            = QJsonDocument::fromJson(httpRequest("GET", m_agent.baseUrl() + "/v1/agent/service/db1").body)
                  .object();
        QCOMPARE(svc.value(u"Port").toInt(), 5432);
        QCOMPARE(svc.value(u"Tags").toArray(), QJsonArray({ "primary", "v2" }));
        QCOMPARE(svc.value(u"Meta").toObject().value(u"role").toString(), QStringLiteral("main"));

        QTRY_COMPARE(cli({ "catalog", "services" }).out, QByteArray("consul\ndb\nweb\n"));
        r = cli({ "catalog", "services", "-tags" });
        QCOMPARE(r.out, QByteArray("consul      \ndb          primary,v2\nweb         rails\n"));
        QCOMPARE(cli({ "catalog", "services", "-node", name }).out, QByteArray("consul\ndb\nweb\n"));
        QCOMPARE(cli({ "catalog", "nodes", "-service=web" }).out, cli({ "catalog", "nodes" }).out);
        r = cli({ "catalog", "services", "-node-meta=nope=x" });
        QCOMPARE(r.err, QByteArray("No services match the given query - try expanding your search.\n"));

        r = cli({ "services", "register" });
        QCOMPARE(r.code, 1);
        QCOMPARE(r.err, QByteArray("Service registration requires at least one argument or flags.\n"));
        r = cli({ "services", "register", "-name=x", web });
        QCOMPARE(r.err, QByteArray("Service registration requires arguments or -id, not both.\n"));

        r = cli({ "services", "deregister", web });
        QCOMPARE(r.code, 0);
        QCOMPARE(r.out, QByteArray("Deregistered service: web\n"));
        r = cli({ "services", "deregister", "-id=db1" });
        QCOMPARE(r.out, QByteArray("Deregistered service: db1\n"));
        r = cli({ "services", "deregister" });
        QCOMPARE(r.code, 1);
        QCOMPARE(r.err, QByteArray("Service deregistration requires at least one argument or -id.\n"));
        QTRY_COMPARE(cli({ "catalog", "services" }).out, QByteArray("consul\n"));
    }

    // --- agent commands ---------------------------------------------------------------------

    void members()
    {
        Run r = cli({ "members" });
        QCOMPARE(r.code, 0);
        const QStringList lines = QString::fromUtf8(r.out).split(u'\n', Qt::SkipEmptyParts);
        QCOMPARE(lines.size(), 2);
        QVERIFY(QRegularExpression(
            QStringLiteral("^Node +Address +Status +Type +Build +Protocol +DC +Partition +Segment$"))
                    .match(lines[0])
                    .hasMatch());
        QVERIFY(QRegularExpression(
            QStringLiteral(
                R"(^\S+ +127\.0\.0\.1:\d+ +alive +server +\d+\.\d+\.\d+ +2 +dc1 +default +<all>$)"))
                    .match(lines[1])
                    .hasMatch());
        QCOMPARE(lines[1].indexOf(u"alive"), lines[0].indexOf(u"Status"));
        r = cli({ "members", "-detailed" });
        QVERIFY(r.out.startsWith("Node"));
        QVERIFY(r.out.contains("role=consul"));
        QVERIFY(r.out.contains("ap=default"));
        QVERIFY(r.out.contains("segment=<all>"));
        r = cli({ "members", "-status=failed" });
        QCOMPARE(r.code, 2);
        QCOMPARE(r.out, QByteArray());
        QCOMPARE(cli({ "members", "-status=ali.e" }).code, 0);
        r = cli({ "members", "-status=(" });
        QCOMPARE(r.code, 1);
        QVERIFY(r.err.startsWith("Failed to compile status regexp: "));
        QCOMPARE(cli({ "members", "-wan" }).code, 0);
    }

    void info()
    {
        Run r = cli({ "info" });
        QCOMPARE(r.code, 0);
        const QString text = QString::fromUtf8(r.out);
        for (const char *section :
            { "agent:\n", "build:\n", "consul:\n", "raft:\n", "runtime:\n", "serf_lan:\n", "serf_wan:\n" })
            QVERIFY2(text.contains(QLatin1StringView(section)), section);
        QVERIFY(text.contains(QStringLiteral("\tleader = true\n")));
        QVERIFY(text.indexOf(u"agent:") < text.indexOf(u"build:"));
        QVERIFY(text.indexOf(u"build:") < text.indexOf(u"consul:"));
    }

    void reloadAndMaint()
    {
        Run r = cli({ "reload" });
        QCOMPARE(r.code, 0);
        QCOMPARE(r.out, QByteArray("Configuration reload triggered\n"));

        QCOMPARE(cli({ "maint" }).out, QByteArray());
        r = cli({ "maint", "-enable", "-reason", "kernel upgrade" });
        QCOMPARE(r.code, 0);
        QCOMPARE(r.out, QByteArray("Node maintenance is now enabled\n"));
        cli({ "services", "register", "-name=api", "-port=9000" });
        r = cli({ "maint", "-enable", "-service=api" });
        QCOMPARE(r.out, QByteArray("Service maintenance is now enabled for \"api\"\n"));
        r = cli({ "maint" });
        QVERIFY(r.out.contains("Node:\n  Name:   "));
        QVERIFY(r.out.contains("  Reason: kernel upgrade\n\n"));
        QVERIFY(r.out.contains("Service:\n  ID:     api\n  Reason: "));
        r = cli({ "maint", "-disable", "-service=api" });
        QCOMPARE(r.out, QByteArray("Service maintenance is now disabled for \"api\"\n"));
        r = cli({ "maint", "-disable" });
        QCOMPARE(r.out, QByteArray("Node maintenance is now disabled\n"));
        QCOMPARE(cli({ "maint" }).out, QByteArray());
        r = cli({ "maint", "-enable", "-disable" });
        QCOMPARE(r.code, 1);
        QCOMPARE(r.err, QByteArray("Only one of -enable or -disable may be provided\n"));
        QCOMPARE(cli({ "maint", "-reason=x" }).err, QByteArray("Reason may only be provided with -enable\n"));
        QCOMPARE(cli({ "maint", "-service=api" }).err,
            QByteArray("Service requires either -enable or -disable\n"));
        cli({ "services", "deregister", "-id=api" });
    }

    void event()
    {
        Run r = cli({ "event", "-name=deploy", "v1.2" });
        QCOMPARE(r.code, 0);
        QVERIFY2(
            QRegularExpression(
                QStringLiteral("^Event ID: [0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}\n$"))
                .match(QString::fromUtf8(r.out))
                .hasMatch(),
            r.out);
        const QJsonArray events = QJsonDocument::fromJson(
            httpRequest("GET", m_agent.baseUrl() + "/v1/event/list?name=deploy").body)
                                      .array();
        QCOMPARE(events.last().toObject().value(u"Payload").toString(),
            QString::fromLatin1(QByteArray("v1.2").toBase64()));
        r = cli({ "event" });
        QCOMPARE(r.code, 1);
        QVERIFY(r.err.startsWith("Event name must be specified\n\nUsage: qonsul event"));
        r = cli({ "event", "-name=x", "-tag=a" });
        QCOMPARE(r.err, QByteArray("Cannot provide tag filter without service filter.\n"));
    }

    void raftListPeers()
    {
        Run r = cli({ "operator", "raft", "list-peers" });
        QCOMPARE(r.code, 0);
        const QStringList lines = QString::fromUtf8(r.out).split(u'\n', Qt::SkipEmptyParts);
        QCOMPARE(lines.size(), 2);
        QVERIFY(QRegularExpression(
            QStringLiteral("^Node +ID +Address +State +Voter +RaftProtocol +Commit Index +Trails Leader By$"))
                    .match(lines[0])
                    .hasMatch());
        QVERIFY(QRegularExpression(QStringLiteral(R"(^\S+ +\S+ +127\.0\.0\.1:\d+ +leader +true +3 +\d+ +_$)"))
                    .match(lines[1])
                    .hasMatch());
    }

    void joinAndForceLeave()
    {
        const quint16 port = qonsul::test::freeTcpPort();
        Run r = cli({ "join", QStringLiteral("127.0.0.1:%1").arg(port) });
        QCOMPARE(r.code, 1);
        QVERIFY(
            r.err.startsWith(QStringLiteral("Error joining address '127.0.0.1:%1': ").arg(port).toUtf8()));
        QVERIFY(r.err.endsWith("Failed to join any nodes.\n"));
        r = cli({ "join" });
        QCOMPARE(r.code, 1);
        QVERIFY(r.err.startsWith("At least one address to join must be specified.\n\n"));
        r = cli({ "force-leave" });
        QCOMPARE(r.code, 1);
        QVERIFY(r.err.startsWith("A single node name must be specified to force leave.\n"));
        r = cli({ "leave", "extra" });
        QCOMPARE(r.code, 1);
        QCOMPARE(r.err, QByteArray("Error found unexpected args: [extra]\n"));
    }

    // --- lock ---------------------------------------------------------------------------------

    void lockRunsChildHoldingLock()
    {
        Run r = cli({ "lock", "-verbose", "locks/a", "echo held=$CONSUL_LOCK_HELD; qonsul_dummy=1" });
        QCOMPARE(r.code, 0);
        QCOMPARE(r.out,
            QByteArray(
                "Setting up lock at path: locks/a/.lock\nAttempting lock acquisition\nStarting handler\n"
                "held=true\nChild terminated, releasing lock\nCleanup succeeded\n"));
        QCOMPARE(cli({ "kv", "get", "-keys", "locks/a" }).out, QByteArray()); // cleaned up

        r = cli({ "lock", "locks/a", "exit 3" });
        QCOMPARE(r.code, 0);
        QCOMPARE(r.err, QByteArray("Error running handler: exit status 3\n"));
        r = cli({ "lock", "-child-exit-code", "locks/a", "exit 3" });
        QCOMPARE(r.code, 2);
        r = cli({ "lock", "-shell=false", "locks/a", "/bin/echo", "no", "shell" });
        QCOMPARE(r.out, QByteArray("no shell\n"));
        r = cli({ "lock", "locks/a" });
        QCOMPARE(r.code, 1);
        QCOMPARE(r.err, QByteArray("Key prefix and child command must be specified\n"));
        QCOMPARE(cli({ "lock", "-n=0", "locks/a", "true" }).err,
            QByteArray("Lock holder limit must be positive\n"));
    }

    void lockExcludesAndTimesOut()
    {
        // The holder keeps the lock until the test opens the gate, however slow the machine is.
        const QString gate = m_tmp.filePath(QStringLiteral("gate-b"));
        QProcess *holder = startCli({ "lock", "locks/b",
            QStringLiteral("echo first; while [ ! -e %1 ]; do sleep 0.05; done").arg(gate) });
        QVERIFY(holder->waitForReadyRead(10000));
        QCOMPARE(holder->readAllStandardOutput(), QByteArray("first\n"));
        // The key is held by a session with Consul's lock flags.
        const QJsonObject e = kvEntry(QStringLiteral("locks/b/.lock"));
        QVERIFY(!e.value(u"Session").toString().isEmpty());
        QVERIFY(httpRequest("GET", m_agent.baseUrl() + "/v1/kv/locks/b/.lock")
                    .body.contains("\"Flags\":3304740253564472344")
            || httpRequest("GET", m_agent.baseUrl() + "/v1/kv/locks/b/.lock")
                   .body.contains("\"Flags\": 3304740253564472344"));

        QElapsedTimer t;
        t.start();
        Run r = cli({ "lock", "-timeout=500ms", "locks/b", "echo second" });
        QCOMPARE(r.code, 1);
        QCOMPARE(r.out, QByteArray());
        QCOMPARE(r.err, QByteArray("Shutdown triggered or timeout during lock acquisition\n"));
        QVERIFY(t.elapsed() >= 500);

        QProcess *waiter = startCli({ "lock", "locks/b", "echo second" }); // blocks until the holder is done
        QTest::qWait(300);
        QCOMPARE(waiter->state(), QProcess::Running);
        QCOMPARE(waiter->readAllStandardOutput(), QByteArray());
        file(QStringLiteral("gate-b"), {});
        QVERIFY(ended(holder, 10000));
        QCOMPARE(holder->exitCode(), 0);
        QVERIFY(ended(waiter, 20000));
        QCOMPARE(waiter->exitCode(), 0);
        QCOMPARE(waiter->readAllStandardOutput(), QByteArray("second\n"));
    }

    void lockSemaphore()
    {
        QList<QProcess *> holders;
        for (int i = 0; i < 2; ++i)
            holders << startCli({ "lock", "-n=2", "sem",
                QStringLiteral("echo in; while [ ! -e %1 ]; do sleep 0.05; done")
                    .arg(m_tmp.filePath("gate-sem")) });
        for (QProcess *p : holders)
            QVERIFY(p->waitForReadyRead(10000));
        const QByteArray lock = cli({ "kv", "get", "sem/.lock" }).out;
        QVERIFY2(QRegularExpression(
                     QStringLiteral(
                         R"(^\{"Limit":2,"Holders":\{"[0-9a-f-]{36}":true,"[0-9a-f-]{36}":true\}\}\n$)"))
                     .match(QString::fromUtf8(lock))
                     .hasMatch(),
            lock);
        Run r = cli({ "lock", "-n=2", "-timeout=300ms", "sem", "echo third" });
        QCOMPARE(r.code, 1);
        QCOMPARE(r.err, QByteArray("Shutdown triggered or timeout during lock acquisition\n"));
        r = cli({ "lock", "-n=3", "-timeout=300ms", "sem", "true" });
        QCOMPARE(r.code, 1);
        QCOMPARE(
            r.err, QByteArray("Lock acquisition failed: semaphore limit conflict (lock: 2, local: 3)\n"));
        file(QStringLiteral("gate-sem"), {});
        for (QProcess *p : holders)
            QVERIFY(ended(p, 10000));
        r = cli({ "lock", "-n=2", "sem", "echo third" });
        QCOMPARE(r.out, QByteArray("third\n"));
        QCOMPARE(cli({ "kv", "get", "-keys", "sem/" }).out, QByteArray());
    }

    void lockForwardsSignalsAndReleases()
    {
        QProcess *p = startCli({ "lock", "-verbose", "locks/sig",
            "trap 'echo child got TERM; kill $!; exit 0' TERM; echo ready; sleep 30 & wait" });
        QByteArray seen; // QTRY_* evaluates its expression once more at the end: keep what was read
        QTRY_VERIFY_WITH_TIMEOUT((seen += p->readAllStandardOutput()).contains("ready"), 10000);
        p->terminate();
        QVERIFY(ended(p, 10000));
        QCOMPARE(p->exitCode(), 0);
        const QByteArray rest = seen + p->readAllStandardOutput();
        QVERIFY2(rest.contains("child got TERM"), rest);
        QVERIFY(rest.contains("Cleanup succeeded"));
        QCOMPARE(cli({ "kv", "get", "-keys", "locks/sig" }).out, QByteArray());
    }

    void lockLostKillsChild()
    {
        QProcess *p = startCli({ "lock", "-verbose", "locks/lost", "echo ready; sleep 30" });
        QByteArray seen;
        QTRY_VERIFY_WITH_TIMEOUT((seen += p->readAllStandardOutput()).contains("ready"), 10000);
        const QString session = kvEntry(QStringLiteral("locks/lost/.lock")).value(u"Session").toString();
        QVERIFY(!session.isEmpty());
        httpRequest("PUT", m_agent.baseUrl() + "/v1/session/destroy/" + session);
        QVERIFY(ended(p, 10000));
        QCOMPARE(p->exitCode(), 0);
        const QByteArray text = seen + p->readAllStandardOutput();
        QVERIFY2(text.contains("Lock lost, killing child\nTerminating child pid "), text);
        QVERIFY(p->readAllStandardError().contains("Error running handler: signal: terminated\n"));
    }

    // --- watch ----------------------------------------------------------------------------

    void watchPrintsOnce()
    {
        cli({ "kv", "put", "w/key", "hello" });
        const QJsonObject e = kvEntry(QStringLiteral("w/key"));
        Run r = cli({ "watch", "-type=key", "-key=w/key" });
        QCOMPARE(r.code, 0);
        QCOMPARE(r.out,
            QStringLiteral("{\n    \"Key\": \"w/key\",\n    \"CreateIndex\": %1,\n    \"ModifyIndex\": %1,\n"
                           "    \"LockIndex\": 0,\n    \"Flags\": 0,\n    \"Value\": \"aGVsbG8=\",\n"
                           "    \"Session\": \"\"\n}\n")
                .arg(e.value(u"CreateIndex").toInteger())
                .toUtf8());
        QCOMPARE(cli({ "watch", "-type=key", "-key=w/none" }).out, QByteArray("null\n"));
        r = cli({ "watch", "-type=keyprefix", "-prefix=w/" });
        QVERIFY(r.out.startsWith("[\n    {\n        \"Key\": \"w/key\",\n"));
        r = cli({ "watch", "-type=services" });
        QVERIFY(r.out.startsWith("{\n    \"consul\": []"));
        r = cli({ "watch", "-type=nodes" });
        QVERIFY(r.out.startsWith("[\n    {\n        \"ID\": "));
        QCOMPARE(cli({ "watch", "-type=service", "-service=consul" }).code, 0);
        QCOMPARE(cli({ "watch", "-type=checks", "-state=passing" }).code, 0);

        r = cli({ "watch" });
        QCOMPARE(r.code, 1);
        QVERIFY(r.err.startsWith("Watch type must be specified\n\nUsage: qonsul watch"));
        QCOMPARE(cli({ "watch", "-type=key" }).err, QByteArray("Must specify a single key to watch\n"));
        QCOMPARE(cli({ "watch", "-type=services", "-key=x" }).err, QByteArray("Invalid parameters: [key]\n"));
        QCOMPARE(cli({ "watch", "-type=bogus" }).err, QByteArray("Unsupported watch type: bogus\n"));
        QCOMPARE(cli({ "watch", "-type=checks", "-service=a", "-state=any" }).err,
            QByteArray("Cannot specify service and state\n"));
    }

    void watchRunsHandlerOnChange()
    {
        const QString outFile = m_tmp.filePath(QStringLiteral("watch.out"));
        cli({ "kv", "put", "w/h", "v1" });
        QProcess *p = startCli({ "watch", "-type=key", "-key=w/h",
            QStringLiteral("cat >> %1; echo \" index=$CONSUL_INDEX\" >> %1").arg(outFile) });
        auto lines = [&] {
            QFile f(outFile);
            if (!f.open(QIODevice::ReadOnly))
                return QStringList();
            return QString::fromUtf8(f.readAll()).split(u'\n', Qt::SkipEmptyParts);
        };
        QTRY_COMPARE_WITH_TIMEOUT(lines().size(), 2, 10000);
        QVERIFY(lines()[0].contains(
            QStringLiteral("\"Value\":\"%1\"").arg(QString::fromLatin1(QByteArray("v1").toBase64()))));
        cli({ "kv", "put", "w/h", "v2" });
        QTRY_COMPARE_WITH_TIMEOUT(lines().size(), 4, 10000);
        const QJsonObject e = kvEntry(QStringLiteral("w/h"));
        QVERIFY(lines()[2].startsWith(u"{\"Key\":\"w/h\""));
        QCOMPARE(lines()[3], QStringLiteral(" index=%1").arg(e.value(u"ModifyIndex").toInteger()));
        p->terminate();
        QVERIFY(ended(p, 5000));
        QCOMPARE(p->exitStatus(), QProcess::NormalExit);
        QCOMPARE(p->exitCode(), 0);

        // A failing handler ends the watch with exit 1.
        Run r = cli({ "watch", "-type=key", "-key=w/h", "exit 4" });
        QCOMPARE(r.code, 1);
        QCOMPARE(r.err, QByteArray("Error executing handler: exit status 4\n"));
    }

    // --- monitor ----------------------------------------------------------------------------

    void monitorStreamsUntilInterrupted()
    {
        QProcess *p = startCli({ "monitor", "-log-level=debug" });
        QTRY_VERIFY_WITH_TIMEOUT(p->bytesAvailable() > 0, 10000);
        const QByteArray line = p->readAllStandardOutput();
        QVERIFY2(QRegularExpression(QStringLiteral(R"(^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d+Z \[)"))
                     .match(QString::fromUtf8(line))
                     .hasMatch(),
            line);
        ::kill(pid_t(p->processId()), SIGINT);
        QVERIFY(ended(p, 5000));
        QCOMPARE(p->exitCode(), 0);
        QCOMPARE(p->readAllStandardError(), QByteArray());
    }

    // --- offline commands and help ---------------------------------------------------------

    void versionKeygenHelp()
    {
        Run r = cli({ "version" });
        QCOMPARE(r.code, 0);
        QVERIFY(QRegularExpression(
            QStringLiteral(
                "^Qonsul v\\d+\\.\\d+\\.\\d+\nRevision \\S+\nProtocol 2 spoken by default, understands 2 "
                "to 3 \\(agent will automatically use protocol >2 when speaking to compatible "
                "agents\\)\n\n$"))
                    .match(QString::fromUtf8(r.out))
                    .hasMatch());
        QCOMPARE(cli({ "--version" }).out, r.out);
        QCOMPARE(cli({ "-v" }).out, r.out);
        const QJsonObject json = QJsonDocument::fromJson(cli({ "version", "-format=json" }).out).object();
        QCOMPARE(json.value(u"RPC").toObject().value(u"Max").toInt(), 3);
        QCOMPARE(cli({ "version", "-format=xml" }).err, QByteArray("Unknown format: xml\n"));

        r = cli({ "keygen" });
        QCOMPARE(r.code, 0);
        QCOMPARE(QByteArray::fromBase64(r.out.trimmed()).size(), 32);
        QVERIFY(r.out != cli({ "keygen" }).out);

        r = cli({});
        QCOMPARE(r.code, 127);
        QVERIFY(r.out.startsWith(
            "Usage: qonsul [--version] [--help] <command> [<args>]\n\nAvailable commands are:\n"));
        QVERIFY(r.out.contains("\n    kv             Interact with the key-value store\n"));
        QVERIFY(r.out.contains(
            "\n    force-leave    Forces a member of the cluster to enter the \"left\" state\n"));
        QVERIFY(r.out.endsWith("\n\n"));
        QCOMPARE(cli({ "--help" }).code, 0);
        QCOMPARE(cli({ "member" }).code, 127); // the tutorial's typo: help, like consul
        r = cli({ "-x", "members" });
        QCOMPARE(r.code, 1);
        QVERIFY(r.out.startsWith("Invalid flags before the subcommand: -x\n"));
    }

    void validate()
    {
        const QString good = file(QStringLiteral("good.json"),
            R"({"datacenter": "dc1", "data_dir": "/tmp/qonsul-validate", "server": true})");
        Run r = cli({ "validate", good });
        QCOMPARE(r.code, 0);
        QCOMPARE(r.out, QByteArray("Configuration is valid!\n"));
        QCOMPARE(cli({ "validate", "-quiet", good }).out, QByteArray());
        const QString bad = file(QStringLiteral("bad.json"), "{\"datacenter\":");
        r = cli({ "validate", bad });
        QCOMPARE(r.code, 1);
        QVERIFY(r.err.startsWith("Config validation failed: "));
    }

    void configEntries()
    {
        // HCL from a file, with Consul's snake_case field names.
        const QString hcl = file(QStringLiteral("ingress.hcl"),
            "kind = \"ingress-gateway\"\nname = \"ingress-service\"\n"
            "listeners = [\n  {\n    port = 8080\n    protocol = \"http\"\n"
            "    services = [\n      { name = \"web\" }\n    ]\n  }\n]\n");
        Run r = cli({ "config", "write", hcl });
        QCOMPARE(r.err, QByteArray());
        QCOMPARE(r.code, 0);
        QCOMPARE(r.out, QByteArray("Config entry written: ingress-gateway/ingress-service\n"));
        // JSON from standard input.
        r = cli({ "config", "write", "-" }, R"({"Kind":"service-defaults","Name":"web","Protocol":"http"})");
        QCOMPARE(r.code, 0);
        QCOMPARE(r.out, QByteArray("Config entry written: service-defaults/web\n"));

        r = cli({ "config", "read", "-kind", "ingress-gateway", "-name", "ingress-service" });
        QCOMPARE(r.code, 0);
        const QJsonObject entry = QJsonDocument::fromJson(r.out).object();
        QCOMPARE(entry.value(u"Listeners").toArray().at(0).toObject().value(u"Port").toInt(), 8080);
        QVERIFY(r.out.contains("\n    \"Kind\": \"ingress-gateway\",\n")); // MarshalIndent, 4 spaces
        r = cli({ "config", "list", "-kind", "ingress-gateway" });
        QCOMPARE(r.code, 0);
        QCOMPARE(r.out, QByteArray("ingress-service\n"));

        // Consul's refusals.
        r = cli({ "config", "read", "-kind", "service-defaults" });
        QCOMPARE(r.code, 1);
        QCOMPARE(r.err, QByteArray("Must specify the -name parameter\n"));
        r = cli({ "config", "list" });
        QCOMPARE(r.err, QByteArray("Must specify the -kind parameter\n"));
        r = cli({ "config", "read", "-kind", "service-defaults", "-name", "nope" });
        QCOMPARE(r.code, 1);
        QCOMPARE(r.err, QByteArray("Error reading config entry \"service-defaults\" / \"nope\": Unexpected response code: 404 "
                                   "(Config entry not found for \"service-defaults\" / \"nope\")\n"));
        r = cli({ "config", "write", "-" }, R"({"Name":"x"})");
        QCOMPARE(r.code, 1);
        QCOMPARE(r.err, QByteArray("Failed to decode config entry input: Payload does not contain a kind/Kind key at the top level\n"));
        r = cli({ "config", "write", "-" }, R"({"Kind":"proxy-defaults","Name":"x"})");
        QCOMPARE(r.code, 1);
        QCOMPARE(r.err, QByteArray("Error writing config entry proxy-defaults/x: Unexpected response code: 500 "
                                   "(invalid name (\"x\"), only \"global\" is supported)\n"));
        r = cli({ "config", "write", "-cas", "-modify-index", "0", "-" }, R"({"Kind":"service-defaults","Name":"web"})");
        QCOMPARE(r.code, 1);
        QCOMPARE(r.err, QByteArray("Config entry not updated: service-defaults/web\n"));
        r = cli({ "config", "delete", "-kind", "service-defaults", "-name", "web", "-cas" });
        QCOMPARE(r.err, QByteArray("Must specify a -modify-index greater than 0 with -cas\n"));
        r = cli({ "config", "delete", "-kind", "service-defaults", "-name", "web", "-cas", "-modify-index", "1" });
        QCOMPARE(r.code, 1);
        QCOMPARE(r.err, QByteArray("Config entry not deleted: service-defaults/web\n"));

        r = cli({ "config", "delete", "-kind", "service-defaults", "-name", "web" });
        QCOMPARE(r.code, 0);
        QCOMPARE(r.out, QByteArray("Config entry deleted: service-defaults/web\n"));
        QCOMPARE(cli({ "config", "list", "-kind", "service-defaults" }).out, QByteArray());
        QCOMPARE(cli({ "config", "delete", "-kind", "ingress-gateway", "-name", "ingress-service" }).code, 0);
    }

    // Last: `leave` shuts the agent down.
    void leave()
    {
        Run r = cli({ "leave" });
        QCOMPARE(r.code, 0);
        QCOMPARE(r.out, QByteArray("Graceful leave complete\n"));
        QVERIFY(ended(&m_agent.process(), 15000));
    }

    void cleanupTestCase() { m_agent.stop(); }
};

QTEST_GUILESS_MAIN(TestCli)
#include "tst_cli.moc"

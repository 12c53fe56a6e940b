// The check kinds that talk to other programs, against a real `qonsul agent -dev` and real
// peers the test starts: gRPC and H2PING (a Python grpcio health server, plain h2c and TLS;
// an HTTP/1.1-only server for H2PING), OS service (a fake `systemctl` first on the agent's
// PATH: CI machines and containers run no systemd, and the test must not depend on the host's
// units) and Docker (a fake Docker Engine API on a unix socket: CI has no Docker daemon). Each
// kind is registered from a config file (snake_case) and over HTTP (PascalCase), and its bad
// definitions are refused with Consul's texts. Every wait polls with a deadline.
#include "AgentProcess.h"
#include "TestSupport.h"

#include <QDeadlineTimer>
#include <QDir>
#include <QFile>
#include <QJsonArray>
#include <QJsonDocument>
#include <QJsonObject>
#include <QLocalServer>
#include <QLocalSocket>
#include <QProcess>
#include <QTcpServer>
#include <QTcpSocket>
#include <QTemporaryDir>
#include <QTest>

using namespace qonsul::test;
using namespace Qt::StringLiterals;

namespace {

QJsonObject jsonObject(const HttpResult &r)
{
    return QJsonDocument::fromJson(r.body).object();
}

// A check definition for a config file: `def` with its id and name `id`, run every second.
QJsonObject check(const QString &id, QJsonObject def)
{
    def.insert(u"id"_s, id);
    def.insert(u"name"_s, id);
    def.insert(u"interval"_s, u"1s"_s);
    return def;
}

QString sourceDir()
{
    return qEnvironmentVariable("QONSUL_SOURCE_DIR");
}

// A helper program that prints its port on the first line and runs until stdin closes.
class Peer
{
public:
    ~Peer() { stop(); }
    bool start(const QString &program, const QStringList &args)
    {
        m_process.setProcessChannelMode(QProcess::ForwardedErrorChannel);
        m_process.start(program, args);
        if (!m_process.waitForStarted(5000))
            return false;
        QDeadlineTimer deadline(15000);
        while (!m_process.canReadLine() && !deadline.hasExpired())
            m_process.waitForReadyRead(200);
        m_port = quint16(m_process.readLine().trimmed().toUInt());
        return m_port != 0;
    }
    void stop()
    {
        if (m_process.state() == QProcess::NotRunning)
            return;
        m_process.closeWriteChannel();
        if (!m_process.waitForFinished(3000)) {
            m_process.kill();
            m_process.waitForFinished(3000);
        }
    }
    quint16 port() const { return m_port; }

private:
    QProcess m_process;
    quint16 m_port = 0;
};

// Answers every connection like an HTTP/1.1-only server, then closes it.
class Http1Server : public QTcpServer
{
public:
    Http1Server()
    {
        connect(this, &QTcpServer::newConnection, this, [this] {
            while (QTcpSocket *s = nextPendingConnection()) {
                connect(s, &QTcpSocket::readyRead, s, [s] {
                    s->readAll();
                    s->write("HTTP/1.1 400 Bad Request\r\nContent-Length: 0\r\nConnection: close\r\n\r\n");
                    s->disconnectFromHost();
                });
                connect(s, &QTcpSocket::disconnected, s, &QObject::deleteLater);
            }
        });
    }
};

// The three Docker Engine API calls a Docker check makes. Container "web1" runs anything:
// the command's output is "out:<Cmd joined by spaces>" on stdout and "err" on stderr, and its
// exit code is N when the last argument ends in "exit N". "gone" does not exist (404),
// "paused" is paused (409). Inspect answers are chunked, as Go servers send them.
class FakeDocker : public QLocalServer
{
public:
    FakeDocker()
    {
        connect(this, &QLocalServer::newConnection, this, [this] {
            while (QLocalSocket *s = nextPendingConnection()) {
                connect(s, &QLocalSocket::readyRead, s, [this, s] {
                    const QByteArray buffered = s->property("in").toByteArray() + s->readAll();
                    s->setProperty("in", buffered);
                    const qsizetype end = buffered.indexOf("\r\n\r\n");
                    if (end < 0)
                        return;
                    qsizetype length = 0;
                    for (const QByteArray &line : buffered.left(end).split('\n'))
                        if (line.toLower().startsWith("content-length:"))
                            length = line.mid(15).trimmed().toLongLong();
                    if (buffered.size() < end + 4 + length)
                        return;
                    ++requests;
                    s->write(answer(buffered.left(end).split(' '), buffered.mid(end + 4, length)));
                    s->disconnectFromServer();
                });
                connect(s, &QLocalSocket::disconnected, s, &QObject::deleteLater);
            }
        });
    }
    int requests = 0;

private:
    static QByteArray json(const QByteArray &status, const QByteArray &body)
    {
        return "HTTP/1.1 " + status + "\r\nContent-Type: application/json\r\nContent-Length: "
            + QByteArray::number(body.size()) + "\r\n\r\n" + body;
    }
    static QByteArray frame(char stream, const QByteArray &payload)
    {
        QByteArray f(8, '\0');
        f[0] = stream;
        f[7] = char(payload.size()); // short payloads
        return f + payload;
    }
    QByteArray answer(const QList<QByteArray> &requestLine, const QByteArray &body)
    {
        const QByteArray method = requestLine.value(0);
        const QList<QByteArray> path = requestLine.value(1).split('/');
        if (method == "POST" && path.value(1) == "containers" && path.value(3) == "exec") {
            if (path.value(2) == "gone")
                return json("404 Not Found", R"({"message":"No such container: gone"})");
            if (path.value(2) == "paused")
                return json("409 Conflict", R"({"message":"Container paused is paused"})");
            QStringList cmd;
            for (const QJsonValue &v : QJsonDocument::fromJson(body).object().value(u"Cmd").toArray())
                cmd.append(v.toString());
            const QString id = u"exec%1"_s.arg(m_execs.size());
            const qsizetype exitAt = cmd.value(cmd.size() - 1).lastIndexOf(u"exit "_s);
            m_execs.insert(id, {cmd.join(u' ').toUtf8(), exitAt < 0 ? 0 : cmd.last().mid(exitAt + 5).toInt()});
            return json("201 Created", QJsonDocument(QJsonObject{{u"Id"_s, id}}).toJson(QJsonDocument::Compact));
        }
        const auto exec = m_execs.constFind(QString::fromUtf8(path.value(2)));
        if (path.value(1) != "exec" || exec == m_execs.constEnd())
            return json("404 Not Found", R"({"message":"No such exec instance"})");
        if (method == "POST" && path.value(3) == "start")
            return "HTTP/1.1 200 OK\r\nContent-Type: application/vnd.docker.multiplexed-stream\r\n\r\n"
                + frame(1, "out:" + exec->first + "\n") + frame(2, "err\n");
        const QByteArray inspect = R"({"ExitCode":)" + QByteArray::number(exec->second) + R"(,"Running":false})";
        return "HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nTransfer-Encoding: chunked\r\n\r\n"
            + QByteArray::number(inspect.size(), 16) + "\r\n" + inspect + "\r\n0\r\n\r\n";
    }
    QMap<QString, QPair<QByteArray, int>> m_execs;
};

} // namespace

class TestChecksKinds : public QObject
{
    Q_OBJECT

    QTemporaryDir m_dir;

    HttpResult get(const AgentProcess &a, const QString &path) { return httpRequest("GET", a.baseUrl() + path); }
    HttpResult put(const AgentProcess &a, const QString &path, const QByteArray &body = QByteArray())
    {
        return httpRequest("PUT", a.baseUrl() + path, body);
    }

    bool waitForCheck(const AgentProcess &a, const QString &id, const QString &status, const QString &outputPrefix = QString(),
                      int timeoutMs = 10000)
    {
        return qonsul::test::waitForCheck(a, id, status, outputPrefix, timeoutMs);
    }

    // A config dir holding `config` as checks.json; empty when it could not be written.
    QString configDir(const QString &name, const QJsonObject &config)
    {
        const QString dir = m_dir.filePath(name);
        return writeFile(dir + u"/checks.json"_s, QJsonDocument(config).toJson()) ? dir : QString();
    }

    // Certificates made once per run: a CA, a server certificate it signed for check.test and
    // 127.0.0.1, and a self-signed one for the same names that nobody trusts (EC keys: the
    // cipher suites that apply are ECDSA ones). Returns their directory.
    QString certificates()
    {
        const QString dir = m_dir.filePath(u"tls"_s);
        if (QFile::exists(dir + u"/other.pem"_s))
            return dir;
        if (!writeFile(dir + u"/san.ext"_s, "subjectAltName=DNS:check.test,IP:127.0.0.1\n"))
            return {};
        const QStringList ec{u"-newkey"_s, u"ec"_s, u"-pkeyopt"_s, u"ec_paramgen_curve:prime256v1"_s, u"-nodes"_s, u"-days"_s, u"2"_s};
        for (const QStringList &args : QList<QStringList>{
                 QStringList{u"req"_s, u"-x509"_s, u"-keyout"_s, u"ca.key"_s, u"-out"_s, u"ca.pem"_s, u"-subj"_s, u"/CN=Qonsul Test CA"_s} + ec,
                 QStringList{u"req"_s, u"-keyout"_s, u"server.key"_s, u"-out"_s, u"server.csr"_s, u"-subj"_s, u"/CN=check.test"_s} + ec,
                 QStringList{u"x509"_s, u"-req"_s, u"-in"_s, u"server.csr"_s, u"-CA"_s, u"ca.pem"_s, u"-CAkey"_s, u"ca.key"_s,
                             u"-CAcreateserial"_s, u"-out"_s, u"server.pem"_s, u"-days"_s, u"2"_s, u"-extfile"_s, u"san.ext"_s},
                 QStringList{u"req"_s, u"-x509"_s, u"-keyout"_s, u"other.key"_s, u"-out"_s, u"other.pem"_s, u"-subj"_s, u"/CN=check.test"_s,
                             u"-addext"_s, u"subjectAltName=DNS:check.test,IP:127.0.0.1"_s} + ec}) {
            QProcess openssl;
            openssl.setWorkingDirectory(dir);
            openssl.setProcessChannelMode(QProcess::MergedChannels);
            openssl.start(u"openssl"_s, args);
            if (!openssl.waitForFinished(30000) || openssl.exitCode() != 0) {
                qWarning().noquote() << "openssl" << args.join(u' ') << openssl.readAll();
                return {};
            }
        }
        return dir;
    }

private Q_SLOTS:
    void initTestCase() { QVERIFY(m_dir.isValid()); }

    void grpc()
    {
        Peer plain, tls;
        const QString server = sourceDir() + u"/tests/integration/checks/grpc_health_server.py"_s;
        QVERIFY2(plain.start(u"/usr/bin/python3"_s, {server}), "needs python3-grpcio (scripts/install-deps.sh)");
        const QString certs = sourceDir() + u"/tests/gui/tls/"_s;
        QVERIFY(tls.start(u"/usr/bin/python3"_s, {server, certs + u"agent-cert.pem"_s, certs + u"agent-key.pem"_s}));
        const QString target = u"127.0.0.1:%1"_s.arg(plain.port());
        const QString tlsTarget = u"127.0.0.1:%1"_s.arg(tls.port());
        const quint16 closed = freeTcpPort();

        const QJsonObject config{
            {u"check_update_interval"_s, u"0s"_s},
            {u"service"_s, QJsonObject{{u"name"_s, u"web"_s}, {u"port"_s, int(plain.port())},
                                      {u"check"_s, QJsonObject{{u"grpc"_s, QString(target + u"/web"_s)}, {u"interval"_s, u"1s"_s}}}}},
            {u"checks"_s, QJsonArray{
                check(u"grpc-app"_s, {{u"grpc"_s, target}, {u"timeout"_s, u"3s"_s}}),
                check(u"grpc-down"_s, {{u"grpc"_s, QString(target + u"/down"_s)}}),
                check(u"grpc-unknown"_s, {{u"grpc"_s, QString(target + u"/nope"_s)}}),
                check(u"grpc-closed"_s, {{u"grpc"_s, u"127.0.0.1:%1"_s.arg(closed)}}),
                check(u"grpc-tls"_s, {{u"grpc"_s, QString(tlsTarget + u"/web"_s)}, {u"grpc_use_tls"_s, true}, {u"tls_skip_verify"_s, true}}),
                check(u"grpc-tls-untrusted"_s, {{u"grpc"_s, tlsTarget}, {u"grpc_use_tls"_s, true}}),
            }},
        };
        AgentProcess agent({u"-config-dir"_s, configDir(u"grpc"_s, config)});
        QVERIFY(agent.start());

        QVERIFY(waitForCheck(agent, u"service:web"_s, u"passing"_s, u"gRPC check %1/web: success"_s.arg(target)));
        QVERIFY(waitForCheck(agent, u"grpc-app"_s, u"passing"_s, u"gRPC check %1: success"_s.arg(target)));
        QVERIFY(waitForCheck(agent, u"grpc-down"_s, u"critical"_s, u"gRPC %1/down serving status: NOT_SERVING"_s.arg(target)));
        QVERIFY(waitForCheck(agent, u"grpc-unknown"_s, u"critical"_s, u"rpc error: code = NotFound desc = unknown service"_s));
        QVERIFY(waitForCheck(agent, u"grpc-closed"_s, u"critical"_s,
                             u"rpc error: code = Unavailable desc = connection error: desc = \"transport: Error while dialing: "
                             "dial tcp 127.0.0.1:%1: connect: connection refused\""_s.arg(closed)));
        QVERIFY(waitForCheck(agent, u"grpc-tls"_s, u"passing"_s, u"gRPC check %1/web: success"_s.arg(tlsTarget)));
        QVERIFY(waitForCheck(agent, u"grpc-tls-untrusted"_s, u"critical"_s, u"rpc error: code = Unavailable desc = "_s));
        QCOMPARE(jsonObject(get(agent, u"/v1/agent/checks"_s)).value(u"grpc-app"_s).toObject().value(u"Type"_s).toString(), u"grpc"_s);

        // Over HTTP (PascalCase); a check without an interval is refused.
        QCOMPARE(put(agent, u"/v1/agent/check/register"_s,
                     QJsonDocument(QJsonObject{{u"Name"_s, u"api-grpc"_s}, {u"GRPC"_s, QString(tlsTarget + u"/web"_s)}, {u"GRPCUseTLS"_s, true},
                                               {u"TLSSkipVerify"_s, true}, {u"TLSServerName"_s, u"127.0.0.1"_s},
                                               {u"Interval"_s, u"1s"_s}})
                         .toJson())
                     .status,
                 200);
        QVERIFY(waitForCheck(agent, u"api-grpc"_s, u"passing"_s, u"gRPC check %1/web: success"_s.arg(tlsTarget)));
        const HttpResult r = put(agent, u"/v1/agent/check/register"_s, R"({"Name":"g2","GRPC":"127.0.0.1:1"})");
        QCOMPARE(r.status, 400);
        QVERIFY2(r.body.startsWith("Invalid check: Interval must be > 0 for Script, HTTP, H2PING, TCP"), r.body);

        // The server goes away: the check turns critical, refused (Unavailable) or, when the probe
        // went out on the HTTP/2 connection Qt still held, at its timeout (DeadlineExceeded).
        plain.stop();
        QVERIFY(waitForCheck(agent, u"grpc-app"_s, u"critical"_s, u"rpc error: code = "_s, 15000));
    }

    void agentTlsForChecks()
    {
        const QString dir = certificates();
        QVERIFY(!dir.isEmpty());
        const QString tlsServer = sourceDir() + u"/tests/integration/checks/tls_server.py"_s;
        const QString grpcServer = sourceDir() + u"/tests/integration/checks/grpc_health_server.py"_s;
        Peer trusted, untrusted, grpc, mutual, mutualOther;
        QVERIFY(trusted.start(u"/usr/bin/python3"_s, {tlsServer, dir + u"/server.pem"_s, dir + u"/server.key"_s}));
        // These two want a client certificate: one the agent's CA signed, one only other.pem.
        QVERIFY(mutual.start(u"/usr/bin/python3"_s, {tlsServer, dir + u"/server.pem"_s, dir + u"/server.key"_s, dir + u"/ca.pem"_s}));
        QVERIFY(mutualOther.start(u"/usr/bin/python3"_s, {tlsServer, dir + u"/server.pem"_s, dir + u"/server.key"_s, dir + u"/other.pem"_s}));
        QVERIFY(untrusted.start(u"/usr/bin/python3"_s, {tlsServer, dir + u"/other.pem"_s, dir + u"/other.key"_s}));
        QVERIFY2(grpc.start(u"/usr/bin/python3"_s, {grpcServer, dir + u"/server.pem"_s, dir + u"/server.key"_s}),
                 "needs python3-grpcio (scripts/install-deps.sh)");
        const QString good = u"127.0.0.1:%1"_s.arg(trusted.port());
        const QString bad = u"127.0.0.1:%1"_s.arg(untrusted.port());
        const QString grpcTarget = u"127.0.0.1:%1"_s.arg(grpc.port());

        const QJsonObject config{
            {u"enable_agent_tls_for_checks"_s, true},
            // The CA from tls.defaults, the client certificate from tls.internal_rpc.
            {u"tls"_s, QJsonObject{{u"defaults"_s, QJsonObject{{u"ca_file"_s, QString(dir + u"/ca.pem"_s)}}},
                                   {u"internal_rpc"_s, QJsonObject{{u"cert_file"_s, QString(dir + u"/server.pem"_s)},
                                                                  {u"key_file"_s, QString(dir + u"/server.key"_s)}}}}},
            {u"checks"_s, QJsonArray{
                check(u"https"_s, {{u"http"_s, u"https://%1/"_s.arg(good)}}),
                check(u"https-name"_s, {{u"http"_s, u"https://%1/"_s.arg(good)}, {u"tls_server_name"_s, u"check.test"_s}}),
                check(u"https-wrong-name"_s, {{u"http"_s, u"https://%1/"_s.arg(good)}, {u"tls_server_name"_s, u"other.test"_s}}),
                check(u"https-untrusted"_s, {{u"http"_s, u"https://%1/"_s.arg(bad)}}),
                check(u"https-skip"_s, {{u"http"_s, u"https://%1/"_s.arg(bad)}, {u"tls_skip_verify"_s, true}}),
                check(u"https-client-cert"_s, {{u"http"_s, u"https://127.0.0.1:%1/"_s.arg(mutual.port())}}),
                check(u"https-client-cert-refused"_s, {{u"http"_s, u"https://127.0.0.1:%1/"_s.arg(mutualOther.port())}}),
                check(u"tcp-tls"_s, {{u"tcp"_s, good}, {u"tcp_use_tls"_s, true}}),
                check(u"tcp-tls-untrusted"_s, {{u"tcp"_s, bad}, {u"tcp_use_tls"_s, true}}),
                check(u"tcp-tls-wrong-name"_s, {{u"tcp"_s, good}, {u"tcp_use_tls"_s, true}, {u"tls_server_name"_s, u"other.test"_s}}),
                check(u"tcp-tls-skip"_s, {{u"tcp"_s, bad}, {u"tcp_use_tls"_s, true}, {u"tls_skip_verify"_s, true}}),
                check(u"grpc-tls"_s, {{u"grpc"_s, QString(grpcTarget + u"/web"_s)}, {u"grpc_use_tls"_s, true}}),
                check(u"h2-tls"_s, {{u"h2ping"_s, grpcTarget}, {u"h2ping_use_tls"_s, true}}),
                check(u"h2-tls-name"_s, {{u"h2ping"_s, grpcTarget}, {u"h2ping_use_tls"_s, true}, {u"tls_server_name"_s, u"check.test"_s}}),
                check(u"h2-not-h2"_s, {{u"h2ping"_s, good}, {u"h2ping_use_tls"_s, true}}),
                check(u"h2-untrusted"_s, {{u"h2ping"_s, bad}, {u"h2ping_use_tls"_s, true}}),
            }},
        };
        AgentProcess agent({u"-config-dir"_s, configDir(u"agent-tls"_s, config)});
        QVERIFY(agent.start());

        const QString unknownAuthority = u"tls: failed to verify certificate: x509: certificate signed by unknown authority"_s;
        QVERIFY(waitForCheck(agent, u"https"_s, u"passing"_s, u"HTTP GET https://%1/: 200 OK Output: tls ok"_s.arg(good)));
        QVERIFY(waitForCheck(agent, u"https-name"_s, u"passing"_s, u"HTTP GET https://%1/: 200 OK"_s.arg(good)));
        QVERIFY(waitForCheck(agent, u"https-wrong-name"_s, u"critical"_s,
                             u"Get \"https://%1/\": tls: failed to verify certificate: x509: certificate is valid for "_s.arg(good)));
        QVERIFY(waitForCheck(agent, u"https-untrusted"_s, u"critical"_s, u"Get \"https://%1/\": %2"_s.arg(bad, unknownAuthority)));
        QVERIFY(waitForCheck(agent, u"https-skip"_s, u"passing"_s, u"HTTP GET https://%1/: 200 OK"_s.arg(bad)));
        QVERIFY(waitForCheck(agent, u"https-client-cert"_s, u"passing"_s, u"HTTP GET https://127.0.0.1:%1/: 200 OK"_s.arg(mutual.port())));
        QVERIFY(waitForCheck(agent, u"https-client-cert-refused"_s, u"critical"_s, u"Get \"https://127.0.0.1:%1/\": "_s.arg(mutualOther.port())));
        QVERIFY(waitForCheck(agent, u"tcp-tls"_s, u"passing"_s, u"TCP connect %1: Success"_s.arg(good)));
        QVERIFY(waitForCheck(agent, u"tcp-tls-untrusted"_s, u"critical"_s, unknownAuthority));
        QVERIFY(waitForCheck(agent, u"tcp-tls-wrong-name"_s, u"critical"_s,
                             u"tls: failed to verify certificate: x509: certificate is valid for check.test, 127.0.0.1, not other.test"_s));
        QVERIFY(waitForCheck(agent, u"tcp-tls-skip"_s, u"passing"_s, u"TCP connect %1: Success"_s.arg(bad)));
        QVERIFY(waitForCheck(agent, u"grpc-tls"_s, u"passing"_s, u"gRPC check %1/web: success"_s.arg(grpcTarget)));
        QVERIFY(waitForCheck(agent, u"h2-tls"_s, u"passing"_s, u"HTTP2 ping was successful"_s));
        QVERIFY(waitForCheck(agent, u"h2-tls-name"_s, u"passing"_s, u"HTTP2 ping was successful"_s));
        QVERIFY(waitForCheck(agent, u"h2-not-h2"_s, u"critical"_s, u"HTTP2 ping failed: http2: unexpected ALPN protocol \"\"; want \"h2\""_s));
        QVERIFY(waitForCheck(agent, u"h2-untrusted"_s, u"critical"_s, u"Failed to dial to %1: %2"_s.arg(bad, unknownAuthority)));

        // Over HTTP (PascalCase): TCPUseTLS.
        QCOMPARE(put(agent, u"/v1/agent/check/register"_s,
                     QJsonDocument(QJsonObject{{u"Name"_s, u"api-tcp-tls"_s}, {u"TCP"_s, good}, {u"TCPUseTLS"_s, true}, {u"Interval"_s, u"1s"_s}})
                         .toJson())
                     .status,
                 200);
        QVERIFY(waitForCheck(agent, u"api-tcp-tls"_s, u"passing"_s, u"TCP connect %1: Success"_s.arg(good)));

        // A reload reads the TLS files again and every TLS check uses them from its next
        // probe: an agent that trusted only the system's CAs verifies, with the CA it now
        // names, a check added by the reload and the checks the reload left unchanged (each
        // kind: HTTPS, TCP, gRPC and H2PING over TLS, from a file and over HTTP); a CA file
        // that cannot be read fails the reload and changes nothing.
        const QJsonArray before{check(u"https-before"_s, {{u"http"_s, u"https://%1/"_s.arg(good)}}),
                                check(u"tcp-tls-before"_s, {{u"tcp"_s, good}, {u"tcp_use_tls"_s, true}}),
                                check(u"grpc-tls-before"_s, {{u"grpc"_s, QString(grpcTarget + u"/web"_s)}, {u"grpc_use_tls"_s, true}}),
                                check(u"h2-tls-before"_s, {{u"h2ping"_s, grpcTarget}, {u"h2ping_use_tls"_s, true}})};
        const QString reloadDir = configDir(u"agent-tls-reload"_s, QJsonObject{{u"checks"_s, before}});
        AgentProcess reloaded({u"-config-dir"_s, reloadDir});
        QVERIFY(reloaded.start());
        QCOMPARE(put(reloaded, u"/v1/agent/check/register"_s,
                     QJsonDocument(QJsonObject{{u"Name"_s, u"api-https-before"_s}, {u"HTTP"_s, u"https://%1/"_s.arg(good)},
                                               {u"Interval"_s, u"1s"_s}})
                         .toJson())
                     .status,
                 200);
        QVERIFY(waitForCheck(reloaded, u"https-before"_s, u"critical"_s, u"Get \"https://%1/\": %2"_s.arg(good, unknownAuthority)));
        QVERIFY(waitForCheck(reloaded, u"api-https-before"_s, u"critical"_s, u"Get \"https://%1/\": %2"_s.arg(good, unknownAuthority)));
        QVERIFY(waitForCheck(reloaded, u"tcp-tls-before"_s, u"critical"_s, unknownAuthority));
        QVERIFY(waitForCheck(reloaded, u"grpc-tls-before"_s, u"critical"_s, u"rpc error: code = Unavailable desc = "_s));
        QVERIFY(waitForCheck(reloaded, u"h2-tls-before"_s, u"critical"_s, u"Failed to dial to %1: %2"_s.arg(grpcTarget, unknownAuthority)));
        QJsonObject withCa = config;
        withCa.insert(u"ca_file"_s, QString(dir + u"/missing.pem"_s));
        withCa.remove(u"tls"_s);
        QJsonArray after = before;
        after.append(check(u"https-after"_s, {{u"http"_s, u"https://%1/"_s.arg(good)}}));
        withCa.insert(u"checks"_s, after);
        QVERIFY(writeFile(reloadDir + u"/checks.json"_s, QJsonDocument(withCa).toJson()));
        HttpResult r = put(reloaded, u"/v1/agent/reload"_s);
        QCOMPARE(r.status, 500);
        QVERIFY2(r.body.contains(QByteArray("Error loading from " + dir.toUtf8() + "/missing.pem")), r.body.constData());
        QVERIFY(jsonObject(get(reloaded, u"/v1/agent/checks"_s)).contains(u"https-before"_s));
        QTest::qWait(1500); // a probe or more under the settings that stayed
        QVERIFY(waitForCheck(reloaded, u"https-before"_s, u"critical"_s, u"Get \"https://%1/\": %2"_s.arg(good, unknownAuthority)));
        withCa.insert(u"ca_file"_s, QString(dir + u"/ca.pem"_s));
        QVERIFY(writeFile(reloadDir + u"/checks.json"_s, QJsonDocument(withCa).toJson()));
        r = put(reloaded, u"/v1/agent/reload"_s);
        QCOMPARE(r.status, 200);
        QVERIFY(waitForCheck(reloaded, u"https-after"_s, u"passing"_s, u"HTTP GET https://%1/: 200 OK"_s.arg(good)));
        QVERIFY(waitForCheck(reloaded, u"https-before"_s, u"passing"_s, u"HTTP GET https://%1/: 200 OK"_s.arg(good)));
        QVERIFY(waitForCheck(reloaded, u"api-https-before"_s, u"passing"_s, u"HTTP GET https://%1/: 200 OK"_s.arg(good)));
        QVERIFY(waitForCheck(reloaded, u"tcp-tls-before"_s, u"passing"_s, u"TCP connect %1: Success"_s.arg(good)));
        QVERIFY(waitForCheck(reloaded, u"grpc-tls-before"_s, u"passing"_s, u"gRPC check %1/web: success"_s.arg(grpcTarget)));
        QVERIFY(waitForCheck(reloaded, u"h2-tls-before"_s, u"passing"_s, u"HTTP2 ping was successful"_s));

        // A CA file that cannot be read stops the agent at start.
        AgentProcess broken({u"-config-dir"_s, configDir(u"agent-tls-broken"_s, QJsonObject{
                                 {u"enable_agent_tls_for_checks"_s, true}, {u"ca_file"_s, QString(dir + u"/missing.pem"_s)}})});
        QVERIFY(!broken.start(5000));
    }

    void agentTlsVersionAndCipherSuites()
    {
        // With enable_agent_tls_for_checks the checks also take tls_min_version and
        // tls_cipher_suites (tls.internal_rpc's, else tls.defaults'), as Consul's
        // OutgoingTLSConfigForCheck does; TLS 1.3 suites are not configurable (Go's rule), so a
        // TLS 1.3 server is reached whatever the list says. A reload applies new settings to
        // the unchanged checks too.
        const QString dir = certificates();
        QVERIFY(!dir.isEmpty());
        const QString tlsServer = sourceDir() + u"/tests/integration/checks/tls_server.py"_s;
        const QStringList cert{tlsServer, dir + u"/server.pem"_s, dir + u"/server.key"_s};
        Peer aes128, aes256, tls13;
        QVERIFY(aes128.start(u"/usr/bin/python3"_s, cert + QStringList{u"--tls12"_s, u"--ciphers"_s, u"ECDHE-ECDSA-AES128-GCM-SHA256"_s}));
        QVERIFY(aes256.start(u"/usr/bin/python3"_s, cert + QStringList{u"--tls12"_s, u"--ciphers"_s, u"ECDHE-ECDSA-AES256-GCM-SHA384"_s}));
        QVERIFY(tls13.start(u"/usr/bin/python3"_s, cert));
        const QString a128 = u"127.0.0.1:%1"_s.arg(aes128.port());
        const QString a256 = u"127.0.0.1:%1"_s.arg(aes256.port());
        const QString t13 = u"127.0.0.1:%1"_s.arg(tls13.port());
        QJsonObject config{
            {u"enable_agent_tls_for_checks"_s, true},
            {u"tls"_s, QJsonObject{{u"defaults"_s, QJsonObject{{u"ca_file"_s, QString(dir + u"/ca.pem"_s)},
                                                               {u"tls_cipher_suites"_s, u"TLS_ECDHE_ECDSA_WITH_AES_128_GCM_SHA256"_s}}}}},
            {u"checks"_s, QJsonArray{
                check(u"tcp-aes128"_s, {{u"tcp"_s, a128}, {u"tcp_use_tls"_s, true}}),
                check(u"https-aes128"_s, {{u"http"_s, u"https://%1/"_s.arg(a128)}}),
                check(u"tcp-aes256"_s, {{u"tcp"_s, a256}, {u"tcp_use_tls"_s, true}}),
                check(u"https-aes256"_s, {{u"http"_s, u"https://%1/"_s.arg(a256)}}),
                check(u"tcp-tls13"_s, {{u"tcp"_s, t13}, {u"tcp_use_tls"_s, true}}),
            }},
        };
        const QString configPath = configDir(u"agent-tls-versions"_s, config);
        AgentProcess agent({u"-config-dir"_s, configPath});
        QVERIFY(agent.start());
        const QString handshake = u"remote error: tls: handshake failure"_s;
        QVERIFY(waitForCheck(agent, u"tcp-aes128"_s, u"passing"_s, u"TCP connect %1: Success"_s.arg(a128)));
        QVERIFY(waitForCheck(agent, u"https-aes128"_s, u"passing"_s, u"HTTP GET https://%1/: 200 OK Output: tls ok"_s.arg(a128)));
        QVERIFY(waitForCheck(agent, u"tcp-aes256"_s, u"critical"_s, handshake));
        QVERIFY(waitForCheck(agent, u"https-aes256"_s, u"critical"_s, u"Get \"https://%1/\": %2"_s.arg(a256, handshake)));
        QVERIFY(waitForCheck(agent, u"tcp-tls13"_s, u"passing"_s, u"TCP connect %1: Success"_s.arg(t13)));

        // TLS 1.3 at least, for tls.internal_rpc only (it then inherits no cipher suites).
        QJsonObject tls = config.value(u"tls"_s).toObject();
        tls.insert(u"internal_rpc"_s, QJsonObject{{u"tls_min_version"_s, u"TLSv1_3"_s}});
        config.insert(u"tls"_s, tls);
        QVERIFY(writeFile(configPath + u"/checks.json"_s, QJsonDocument(config).toJson()));
        QCOMPARE(put(agent, u"/v1/agent/reload"_s).status, 200);
        const QString version = u"remote error: tls: protocol version not supported"_s;
        QVERIFY(waitForCheck(agent, u"tcp-aes128"_s, u"critical"_s, version));
        QVERIFY(waitForCheck(agent, u"https-aes128"_s, u"critical"_s, u"Get \"https://%1/\": %2"_s.arg(a128, version)));
        QVERIFY(waitForCheck(agent, u"tcp-tls13"_s, u"passing"_s, u"TCP connect %1: Success"_s.arg(t13)));

        // A bad value is refused with Consul's text.
        tls.insert(u"internal_rpc"_s, QJsonObject{{u"tls_min_version"_s, u"TLSv1_2"_s}, {u"tls_cipher_suites"_s, u"TLS_RSA_WITH_RC4"_s}});
        config.insert(u"tls"_s, tls);
        QVERIFY(writeFile(configPath + u"/checks.json"_s, QJsonDocument(config).toJson()));
        const HttpResult r = put(agent, u"/v1/agent/reload"_s);
        QCOMPARE(r.status, 500);
        QVERIFY2(r.body.contains("tls.internal_rpc.tls_cipher_suites: invalid TLS cipher suites: no matching Consul Agent TLS "
                                 "cipher suite found for TLS_RSA_WITH_RC4"),
                 r.body.constData());
    }

    void h2ping()
    {
        // grpc's server speaks HTTP/2 (h2c, and h2 over TLS through ALPN) and answers PINGs.
        Peer plain, tls;
        const QString server = sourceDir() + u"/tests/integration/checks/grpc_health_server.py"_s;
        QVERIFY2(plain.start(u"/usr/bin/python3"_s, {server}), "needs python3-grpcio (scripts/install-deps.sh)");
        const QString certs = sourceDir() + u"/tests/gui/tls/"_s;
        QVERIFY(tls.start(u"/usr/bin/python3"_s, {server, certs + u"agent-cert.pem"_s, certs + u"agent-key.pem"_s}));
        Http1Server http1;
        QVERIFY(http1.listen(QHostAddress::LocalHost));
        const QString target = u"127.0.0.1:%1"_s.arg(plain.port());
        const QString tlsTarget = u"127.0.0.1:%1"_s.arg(tls.port());
        const QString closed = u"127.0.0.1:%1"_s.arg(freeTcpPort());
        const QString http1Target = u"127.0.0.1:%1"_s.arg(http1.serverPort());

        const QJsonObject config{
            {u"check_update_interval"_s, u"0s"_s},
            {u"checks"_s, QJsonArray{
                check(u"h2"_s, {{u"h2ping"_s, target}, {u"h2ping_use_tls"_s, false}}),
                check(u"h2-tls"_s, {{u"h2ping"_s, tlsTarget}, {u"h2ping_use_tls"_s, true}, {u"tls_skip_verify"_s, true}}),
                check(u"h2-closed"_s, {{u"h2ping"_s, closed}}),
                check(u"h2-http1"_s, {{u"h2ping"_s, http1Target}}),
            }},
        };
        AgentProcess agent({u"-config-dir"_s, configDir(u"h2ping"_s, config)});
        QVERIFY(agent.start());
        QVERIFY(waitForCheck(agent, u"h2"_s, u"passing"_s, u"HTTP2 ping was successful"_s));
        QVERIFY(waitForCheck(agent, u"h2-tls"_s, u"passing"_s, u"HTTP2 ping was successful"_s));
        QVERIFY(waitForCheck(agent, u"h2-closed"_s, u"critical"_s,
                             u"Failed to dial to %1: dial tcp %1: connect: connection refused"_s.arg(closed)));
        QVERIFY(waitForCheck(agent, u"h2-http1"_s, u"critical"_s, u"HTTP2 ping failed: "_s));
        QCOMPARE(jsonObject(get(agent, u"/v1/agent/checks"_s)).value(u"h2"_s).toObject().value(u"Type"_s).toString(), u"h2ping"_s);

        QCOMPARE(put(agent, u"/v1/agent/check/register"_s,
                     QJsonDocument(QJsonObject{{u"Name"_s, u"api-h2"_s}, {u"H2PING"_s, tlsTarget}, {u"H2PingUseTLS"_s, true},
                                               {u"TLSSkipVerify"_s, true}, {u"Interval"_s, u"1s"_s}})
                         .toJson())
                     .status,
                 200);
        QVERIFY(waitForCheck(agent, u"api-h2"_s, u"passing"_s, u"HTTP2 ping was successful"_s));
        // Without tls_skip_verify the test certificate is not trusted.
        QCOMPARE(put(agent, u"/v1/agent/check/register"_s,
                     QJsonDocument(QJsonObject{{u"Name"_s, u"api-h2-untrusted"_s}, {u"H2PING"_s, tlsTarget},
                                               {u"H2PingUseTLS"_s, true}, {u"Interval"_s, u"1s"_s}})
                         .toJson())
                     .status,
                 200);
        QVERIFY(waitForCheck(agent, u"api-h2-untrusted"_s, u"critical"_s, u"Failed to dial to %1: "_s.arg(tlsTarget)));
        const HttpResult r = put(agent, u"/v1/agent/check/register"_s, R"({"Name":"h","H2PING":"127.0.0.1:1"})");
        QCOMPARE(r.status, 400);
        QCOMPARE(r.body, QByteArray("Invalid check: Interval must be > 0 for Script, HTTP, H2PING, TCP, UDP or OSService checks"));
    }

    void osService()
    {
        // A fake systemctl first on the agent's PATH answers `is-active -- <unit>` per unit.
        const QString bin = m_dir.filePath(u"fakebin"_s);
        QVERIFY(QDir().mkpath(bin));
        QVERIFY(writeFile(bin + u"/systemctl"_s,
                  "#!/bin/sh\n"
                  "[ \"$1 $2\" = \"is-active --\" ] || { echo \"unexpected: $*\" >&2; exit 2; }\n"
                  "case \"$3\" in\n"
                  "web.service) echo active ;;\n"
                  "db.service) echo inactive; exit 3 ;;\n"
                  "crashy.service) echo failed; exit 3 ;;\n"
                  "slow.service) echo activating; exit 3 ;;\n"
                  "hang.service) exec sleep 30 ;;\n"
                  "*) echo \"System has not been booted with systemd as init system (PID 1). Can't operate.\" >&2; exit 1 ;;\n"
                  "esac\n"));
        QVERIFY(QFile::setPermissions(bin + u"/systemctl"_s, QFile::ReadOwner | QFile::WriteOwner | QFile::ExeOwner));
        auto osCheck = [](const QString &id, const QString &unit) { return check(id, {{u"os_service"_s, unit}}); };
        QJsonObject hang = osCheck(u"os-hang"_s, u"hang.service"_s);
        hang.insert(u"timeout"_s, u"1s"_s);
        const QJsonObject config{
            {u"check_update_interval"_s, u"0s"_s},
            {u"checks"_s, QJsonArray{osCheck(u"os-web"_s, u"web.service"_s), osCheck(u"os-db"_s, u"db.service"_s),
                                     osCheck(u"os-crashy"_s, u"crashy.service"_s), osCheck(u"os-slow"_s, u"slow.service"_s),
                                     osCheck(u"os-nosystemd"_s, u"other.service"_s), hang}},
        };
        AgentProcess agent({u"-config-dir"_s, configDir(u"os"_s, config)});
        QProcessEnvironment env = QProcessEnvironment::systemEnvironment();
        env.insert(u"PATH"_s, bin + u":"_s + env.value(u"PATH"_s));
        agent.process().setProcessEnvironment(env);
        QVERIFY(agent.start());
        QVERIFY(waitForCheck(agent, u"os-web"_s, u"passing"_s, u"Service \"web.service\" is healthy"_s));
        QVERIFY(waitForCheck(agent, u"os-db"_s, u"critical"_s, u"service status: inactive - OS Service unhealthy"_s));
        QVERIFY(waitForCheck(agent, u"os-crashy"_s, u"critical"_s, u"service status: failed - OS Service unhealthy"_s));
        QVERIFY(waitForCheck(agent, u"os-slow"_s, u"warning"_s, u"service status: activating"_s));
        QVERIFY(waitForCheck(agent, u"os-nosystemd"_s, u"warning"_s,
                             u"error querying service status: System has not been booted with systemd"_s));
        QVERIFY(waitForCheck(agent, u"os-hang"_s, u"critical"_s, u"Timed out (1s) running check"_s));
        QCOMPARE(jsonObject(get(agent, u"/v1/agent/checks"_s)).value(u"os-web"_s).toObject().value(u"Type"_s).toString(),
                 u"os_service"_s);

        QCOMPARE(put(agent, u"/v1/agent/check/register"_s, R"({"Name":"api-os","OSService":"web.service","Interval":"1s"})").status, 200);
        QVERIFY(waitForCheck(agent, u"api-os"_s, u"passing"_s, u"Service \"web.service\" is healthy"_s));
        HttpResult r = put(agent, u"/v1/agent/check/register"_s, R"({"Name":"o","OSService":"web.service"})");
        QCOMPARE(r.status, 400);
        QCOMPARE(r.body, QByteArray("Invalid check: Interval must be > 0 for Script, HTTP, H2PING, TCP, UDP or OSService checks"));
        // Docker checks run commands: refused over HTTP while script checks are off.
        r = put(agent, u"/v1/agent/check/register"_s, R"({"Name":"d","DockerContainerID":"web1","Args":["true"],"Interval":"1s"})");
        QCOMPARE(r.status, 400);
        QCOMPARE(r.body, QByteArray("Scripts are disabled on this agent from remote calls; to enable, configure 'enable_script_checks' to true"));
    }

    void docker()
    {
        FakeDocker docker;
        const QString socket = m_dir.filePath(u"docker.sock"_s);
        QVERIFY(docker.listen(socket));
        auto dockerCheck = [](const QString &id, const QString &container, QJsonObject def) {
            def.insert(u"docker_container_id"_s, container);
            return check(id, def);
        };
        const QJsonObject config{
            {u"check_update_interval"_s, u"0s"_s},
            {u"enable_local_script_checks"_s, true},
            {u"checks"_s, QJsonArray{
                dockerCheck(u"docker-ok"_s, u"web1"_s, {{u"args"_s, QJsonArray{u"/bin/check"_s, u"ok"_s}}}),
                dockerCheck(u"docker-warn"_s, u"web1"_s, {{u"script"_s, u"exit 1"_s}, {u"shell"_s, u"/bin/bash"_s}}),
                dockerCheck(u"docker-crit"_s, u"web1"_s, {{u"args"_s, QJsonArray{u"sh"_s, u"-c"_s, u"exit 2"_s}}}),
                dockerCheck(u"docker-gone"_s, u"gone"_s, {{u"args"_s, QJsonArray{u"true"_s}}}),
                dockerCheck(u"docker-paused"_s, u"paused"_s, {{u"args"_s, QJsonArray{u"true"_s}}}),
            }},
        };
        AgentProcess agent({u"-config-dir"_s, configDir(u"docker"_s, config)});
        QProcessEnvironment env = QProcessEnvironment::systemEnvironment();
        env.insert(u"DOCKER_HOST"_s, u"unix://"_s + socket);
        agent.process().setProcessEnvironment(env);
        QVERIFY(agent.start());
        QVERIFY(waitForCheck(agent, u"docker-ok"_s, u"passing"_s, u"out:/bin/check ok\nerr\n"_s));
        QVERIFY(waitForCheck(agent, u"docker-warn"_s, u"warning"_s, u"out:/bin/bash -c exit 1\nerr\n"_s));
        QVERIFY(waitForCheck(agent, u"docker-crit"_s, u"critical"_s, u"out:sh -c exit 2\nerr\n"_s));
        QVERIFY(waitForCheck(agent, u"docker-gone"_s, u"critical"_s, u"create exec failed for unknown container gone"_s));
        QVERIFY(waitForCheck(agent, u"docker-paused"_s, u"critical"_s,
                             u"create exec failed since container paused is paused or stopped"_s));
        QCOMPARE(jsonObject(get(agent, u"/v1/agent/checks"_s)).value(u"docker-ok"_s).toObject().value(u"Type"_s).toString(),
                 u"docker"_s);
        // enable_local_script_checks alone: allowed from files, refused over HTTP.
        HttpResult r = put(agent, u"/v1/agent/check/register"_s,
                           R"({"Name":"api-docker","DockerContainerID":"web1","Args":["true"],"Interval":"1s"})");
        QCOMPARE(r.status, 400);
        QVERIFY2(r.body.startsWith("Scripts are disabled on this agent from remote calls"), r.body);

        // The daemon goes away: the dial error, as Go prints it.
        docker.close();
        QFile::remove(socket);
        QVERIFY(waitForCheck(agent, u"docker-ok"_s, u"critical"_s,
                             u"create exec failed for container web1: Post \"http://docker/containers/web1/exec\": dial unix %1: "
                             "connect: no such file or directory"_s.arg(socket)));
    }

    void dockerOverHttpRegistration()
    {
        FakeDocker docker;
        const QString socket = m_dir.filePath(u"docker2.sock"_s);
        QVERIFY(docker.listen(socket));
        AgentProcess agent({u"-enable-script-checks"_s});
        QProcessEnvironment env = QProcessEnvironment::systemEnvironment();
        env.insert(u"DOCKER_HOST"_s, u"unix://"_s + socket);
        agent.process().setProcessEnvironment(env);
        QVERIFY(agent.start());
        QCOMPARE(put(agent, u"/v1/agent/check/register"_s,
                     R"({"Name":"api-docker","DockerContainerID":"web1","Shell":"/bin/zsh","Script":"check-web","Interval":"1s"})")
                     .status,
                 200);
        QVERIFY(waitForCheck(agent, u"api-docker"_s, u"passing"_s, u"out:/bin/zsh -c check-web\nerr\n"_s));
    }
};

QTEST_GUILESS_MAIN(TestChecksKinds)
#include "tst_checks_kinds.moc"

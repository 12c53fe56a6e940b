// The two tutorials the project was made from (/work/shared/seeds, Chinese), run as written with
// `qonsul` in place of `consul`: real agents on the tutorials' addresses and default ports, the
// real `dig`, `curl`, python-consul and npm consul 0.40, and what each step prints compared with
// what the tutorial (or, where the tutorial shows nothing, Consul) prints.
//
// Seed 000: three servers on 127.0.0.2-4 with their own -http-port/-dns-port and
// -bootstrap-expect=2, a client cli-0 on 127.0.0.1 joining all three with web.json in its config
// dir; members, DNS (node, service A and SRV), the catalog over HTTP, the kv CLI sequence, the
// python and Node.js examples against agent-one's HTTP port 4101, the failing script check.
// Seed 001: three servers and a client started from the tutorial's JSON configs (bootstrap_expect
// 3, retry_join, retry_interval, rejoin_after_leave, skip_leave_on_interrupt) on default ports;
// members, a leader, `qonsul info`, and its last section: a stale address cleared by deleting
// the client's data dir and restarting it.
//
// What differs from the text, and why (each also noted where it happens):
// - a temporary directory instead of /data/tmp; no sudo, no ifconfig (127.0.0.0/8 is all loopback
//   on Linux);
// - seed 000 shows `members` and a node lookup before the client starts, but its servers are
//   started without -join: they only meet through the client's joins (as with Consul), so those
//   steps are checked once the client has joined;
// - the tutorial's typos are run as written and answer as Consul answers (`kv get KEY 1`,
//   `consul member`), then the intended command is run;
// - seed 001 runs each agent on its own host (docker --net=host): here four agents share one
//   host, so each gets a node_name and its own address as client_addr (0.0.0.0:8500 can be bound
//   once per host).
//
// The agents use fixed ports (8300-8302 on 127.0.0.2-4, 8301/8500/8600 on 127.0.0.1), so CTest
// runs this under RESOURCE_LOCK default_ports.
#include "AgentProcess.h"
#include "TestSupport.h"

#include <QDeadlineTimer>
#include <QDir>
#include <QFile>
#include <QHostAddress>
#include <QJsonArray>
#include <QJsonDocument>
#include <QJsonObject>
#include <QProcess>
#include <QRegularExpression>
#include <QStandardPaths>
#include <QTcpSocket>
#include <QTemporaryDir>
#include <QTest>
#include <QThread>

#include <memory>

#include <signal.h>

using namespace Qt::StringLiterals;
using qonsul::test::AgentProcess;
using qonsul::test::httpRequest;
using qonsul::test::digSection;
using qonsul::test::writeFile;

namespace {

struct Run
{
    int code = -1;
    QByteArray out;
    QByteArray err;
};

// The environment of every command: no CONSUL_* variables from the caller, so the CLI talks to
// 127.0.0.1:8500 unless told otherwise, as in the tutorials.
QProcessEnvironment cleanEnvironment()
{
    QProcessEnvironment env = QProcessEnvironment::systemEnvironment();
    for (const QString &key : env.keys()) {
        if (key.startsWith(u"CONSUL_"_s))
            env.remove(key);
    }
    return env;
}

Run run(const QString &program, const QStringList &args, int timeoutMs = 20000, const QString &dir = {})
{
    QProcess p;
    p.setProcessEnvironment(cleanEnvironment());
    if (!dir.isEmpty())
        p.setWorkingDirectory(dir);
    p.start(program, args);
    Run r;
    if (!p.waitForStarted(5000)) {
        r.err = p.errorString().toUtf8();
        return r;
    }
    if (!p.waitForFinished(timeoutMs)) {
        p.kill();
        p.waitForFinished(2000);
    }
    r.out = p.readAllStandardOutput();
    r.err = p.readAllStandardError();
    r.code = p.exitStatus() == QProcess::NormalExit ? p.exitCode() : -1;
    return r;
}

// `consul <args>` from the tutorial, run as `qonsul <args>`.
Run runQonsul(const QStringList &args)
{
    return run(AgentProcess::binary(), args);
}

Run bash(const QString &script)
{
    return run(u"bash"_s, {u"-c"_s, script});
}

QString digStatus(const QByteArray &digOutput)
{
    static const QRegularExpression status(u"status: ([A-Z]+)"_s);
    return status.match(QString::fromUtf8(digOutput)).captured(1);
}

// `members` output as rows of named columns (Consul's columnize: single-word cells here).
QList<QMap<QString, QString>> parseMembers(const QByteArray &out)
{
    QList<QMap<QString, QString>> rows;
    QStringList lines = QString::fromUtf8(out).split(u'\n', Qt::SkipEmptyParts);
    if (lines.isEmpty())
        return rows;
    const QStringList header = lines.takeFirst().split(u' ', Qt::SkipEmptyParts);
    for (const QString &line : std::as_const(lines)) {
        const QStringList cells = line.split(u' ', Qt::SkipEmptyParts);
        QMap<QString, QString> row;
        for (qsizetype i = 0; i < header.size() && i < cells.size(); ++i)
            row.insert(header[i], cells[i]);
        rows << row;
    }
    return rows;
}

// `info` output: "section.key" -> value.
QMap<QString, QString> parseInfo(const QByteArray &out)
{
    QMap<QString, QString> values;
    QString section;
    for (const QString &line : QString::fromUtf8(out).split(u'\n')) {
        if (line.endsWith(u':') && !line.startsWith(u'\t')) {
            section = line.chopped(1);
            values.insert(section, QString());
        } else if (line.startsWith(u'\t') && line.contains(u" = "_s)) {
            values.insert(section + u'.' + line.section(u" = "_s, 0, 0).trimmed(), line.section(u" = "_s, 1));
        }
    }
    return values;
}

// One `qonsul agent ...` with the tutorial's arguments. Stopped (SIGTERM, then SIGKILL) when
// destroyed.
class SeedAgent
{
public:
    SeedAgent(QString name, QString httpAddr, QStringList args)
        : m_name(std::move(name))
        , m_httpAddr(std::move(httpAddr))
        , m_args(std::move(args))
    {
        m_process.setProcessChannelMode(QProcess::MergedChannels);
        m_process.setProcessEnvironment(cleanEnvironment());
    }
    ~SeedAgent() { stop(); }

    // Starts it and waits until its HTTP API answers (neither servers nor a leader required).
    // A default port taken for a while by some other agent on this machine (a dev agent's
    // gossip) is waited out: the tutorials' ports are fixed.
    bool start(int timeoutMs = 30000)
    {
        m_output.clear();
        m_process.start(AgentProcess::binary(), m_args);
        if (!m_process.waitForStarted(5000)) {
            qWarning() << "cannot start" << m_name << m_process.errorString();
            return false;
        }
        QDeadlineTimer deadline(timeoutMs);
        while (!deadline.hasExpired()) {
            if (m_process.state() != QProcess::Running) {
                if (output().contains("already in use") && !deadline.hasExpired()) {
                    QThread::msleep(1000);
                    m_output.clear();
                    m_process.start(AgentProcess::binary(), m_args);
                    m_process.waitForStarted(5000);
                    continue;
                }
                qWarning().noquote() << m_name << "exited early:" << output();
                return false;
            }
            if (httpRequest("GET", url(u"/v1/agent/self"_s), {}, {}, 1000).status == 200)
                return true;
            QThread::msleep(50);
        }
        qWarning().noquote() << m_name << "did not answer on" << m_httpAddr << output();
        return false;
    }
    void stop()
    {
        if (m_process.state() == QProcess::NotRunning)
            return;
        m_process.terminate();
        if (!m_process.waitForFinished(10000)) {
            m_process.kill();
            m_process.waitForFinished(2000);
        }
        output();
    }
    // Delivers a signal and, for SIGINT/SIGTERM, waits for the exit.
    void signal(int sig)
    {
        const qint64 pid = m_process.processId();
        if (m_process.state() != QProcess::Running || pid <= 0)
            return; // kill(0, sig) would signal our whole process group
        ::kill(pid_t(pid), sig);
        if (sig == SIGINT || sig == SIGTERM)
            m_process.waitForFinished(10000);
    }
    bool running() const { return m_process.state() == QProcess::Running; }
    QByteArray output()
    {
        m_output += m_process.readAll();
        return m_output;
    }
    QString url(const QString &path) const { return u"http://"_s + m_httpAddr + path; }
    QByteArray get(const QString &path) const { return httpRequest("GET", url(path), {}, {}, 5000).body; }
    QByteArray leader() const { return get(u"/v1/status/leader"_s); }
    const QString &name() const { return m_name; }

private:
    QString m_name;
    QString m_httpAddr;
    QStringList m_args;
    QProcess m_process;
    QByteArray m_output;
};

bool portAccepts(const QString &host, quint16 port)
{
    QTcpSocket s;
    s.connectToHost(host, port);
    return s.waitForConnected(1000);
}

} // namespace

class TestSeeds : public QObject
{
    Q_OBJECT

private Q_SLOTS:
    void initTestCase();
    void cleanupTestCase();

    void seed000ServersStartAsWritten();
    void seed000ClientJoinsWithWebService();
    void seed000DnsNodeLookup();
    void seed000DnsServiceLookups();
    void seed000HttpCatalogService();
    void seed000KvSequence();
    void seed000PythonExample();
    void seed000NodeExample();
    void seed000ScriptCheck();
    void seed000MembersAndInfo();
    void seed000Stop();

    void seed001JsonConfigCluster();

private:
    QString path(const QString &relative) const { return m_dir.filePath(relative); }
    static QString source(const QString &relative)
    {
        return QDir(qEnvironmentVariable("QONSUL_SOURCE_DIR")).filePath(relative);
    }
    SeedAgent &client() { return *m_client; }
    QStringList clientArgs() const;

    QTemporaryDir m_dir;
    std::vector<std::unique_ptr<SeedAgent>> m_servers;
    std::unique_ptr<SeedAgent> m_client;
};

void TestSeeds::initTestCase()
{
    QVERIFY(m_dir.isValid());
    const QString bin = AgentProcess::binary();
    QVERIFY2(QFile::exists(bin) || !QStandardPaths::findExecutable(bin).isEmpty(), "no qonsul: set QONSUL_BIN (CTest does)");
    for (const QString &tool : {u"dig"_s, u"curl"_s, u"bash"_s})
        QVERIFY2(!QStandardPaths::findExecutable(tool).isEmpty(), qPrintable(tool + u" missing: bash scripts/install-deps.sh"_s));
    // Every address and port the tutorials use must be free: another agent on them would answer
    // in our place.
    for (const QString &ip : {u"127.0.0.2"_s, u"127.0.0.3"_s, u"127.0.0.4"_s})
        QVERIFY2(!portAccepts(ip, 8300), qPrintable(u"something listens on %1:8300"_s.arg(ip)));
    // Dev agents started elsewhere on this machine take 127.0.0.1:8301/8302 while they run: wait.
    for (quint16 port : {8301, 8302, 8500, 8600, 4101, 4102, 4103})
        QTRY_VERIFY2_WITH_TIMEOUT(!portAccepts(u"127.0.0.1"_s, port), qPrintable(u"something listens on 127.0.0.1:%1"_s.arg(port)), 60000);
}

void TestSeeds::cleanupTestCase()
{
    m_client.reset();
    m_servers.clear();
}

void TestSeeds::seed000ServersStartAsWritten()
{
    // $ mkdir -pv /data/tmp/{consul-0,consul-0.d,consul-1,consul-1.d,consul-2,consul-2.d}
    const Run mkdir = bash(u"mkdir -pv %1/{consul-0,consul-0.d,consul-1,consul-1.d,consul-2,consul-2.d}"_s.arg(m_dir.path()));
    QCOMPARE(mkdir.code, 0);
    QCOMPARE(mkdir.out.count("mkdir: created directory"), 6);

    const QString tmp = m_dir.path();
    const QList<QStringList> commands{
        {u"agent"_s, u"-server"_s, u"-dns-port=4001"_s, u"-http-port=4101"_s, u"-ui"_s, u"-bootstrap-expect=2"_s,
         u"-data-dir=%1/consul-0"_s.arg(tmp), u"-node=agent-one"_s, u"-bind=127.0.0.2"_s,
         u"-config-dir=%1/consul-0.d"_s.arg(tmp)},
        {u"agent"_s, u"-server"_s, u"-dns-port=4002"_s, u"-http-port=4102"_s, u"-bootstrap-expect=2"_s, u"-ui"_s,
         u"-data-dir=%1/consul-1"_s.arg(tmp), u"-node=agent-two"_s, u"-bind=127.0.0.3"_s,
         u"-config-dir=%1/consul-1.d"_s.arg(tmp)},
        {u"agent"_s, u"-server"_s, u"-dns-port=4003"_s, u"-http-port=4103"_s, u"-ui"_s, u"-bootstrap-expect=2"_s,
         u"-data-dir=%1/consul-2"_s.arg(tmp), u"-node=agent-three"_s, u"-bind=127.0.0.4"_s,
         u"-config-dir=%1/consul-2.d"_s.arg(tmp)},
    };
    const QStringList names{u"agent-one"_s, u"agent-two"_s, u"agent-three"_s};
    for (int i = 0; i < 3; ++i) {
        m_servers.push_back(std::make_unique<SeedAgent>(names[i], u"127.0.0.1:%1"_s.arg(4101 + i), commands[i]));
        QVERIFY(m_servers.back()->start());
    }

    // The servers were started without -join: like Consul's, each knows only itself until the
    // client joins all three (the tutorial's four-line members output comes after that).
    const Run members = runQonsul({u"members"_s, u"-http-addr=127.0.0.1:4103"_s});
    QCOMPARE(members.code, 0);
    const auto rows = parseMembers(members.out);
    QCOMPARE(rows.size(), 1);
    QCOMPARE(rows[0].value(u"Node"_s), u"agent-three"_s);
    QCOMPARE(rows[0].value(u"Address"_s), u"127.0.0.4:8301"_s);
    QCOMPARE(m_servers[2]->leader(), QByteArray("\"\""));
}

QStringList TestSeeds::clientArgs() const
{
    // $ consul agent -node=cli-0 -join 127.0.0.2 -join 127.0.0.3 -join 127.0.0.4 -bind=127.0.0.1
    //       -data-dir=/data/tmp/consul-cli-0 -config-dir=/data/tmp/consul-cli-0.d
    return {u"agent"_s, u"-node=cli-0"_s, u"-join"_s, u"127.0.0.2"_s, u"-join"_s, u"127.0.0.3"_s, u"-join"_s,
            u"127.0.0.4"_s, u"-bind=127.0.0.1"_s, u"-data-dir=%1/consul-cli-0"_s.arg(m_dir.path()),
            u"-config-dir=%1/consul-cli-0.d"_s.arg(m_dir.path())};
}

void TestSeeds::seed000ClientJoinsWithWebService()
{
    QCOMPARE(m_servers.size(), size_t(3));
    QCOMPARE(bash(u"mkdir -pv %1/{consul-cli-0,consul-cli-0.d}"_s.arg(m_dir.path())).code, 0);
    // $ echo '{"service": {...}}' | sudo tee /data/tmp/consul-cli-0.d/web.json
    const Run tee = bash(u"echo '{\"service\": {\"name\": \"web\", \"tags\": [\"rails\"], \"port\": 8888}}' | tee %1/consul-cli-0.d/web.json"_s.arg(m_dir.path()));
    QCOMPARE(tee.code, 0);

    m_client = std::make_unique<SeedAgent>(u"cli-0"_s, u"127.0.0.1:8500"_s, clientArgs());
    QVERIFY(m_client->start());

    // The servers met through the client's joins and two of them bootstrapped (-bootstrap-expect=2).
    QTRY_VERIFY_WITH_TIMEOUT(client().leader().size() > 2, 30000);
    const QByteArray leader = client().leader();
    QVERIFY2(leader.startsWith("\"127.0.0.") && leader.endsWith(":8300\""), leader.constData());
    for (const auto &s : m_servers)
        QTRY_COMPARE_WITH_TIMEOUT(s->leader(), leader, 15000);

    // $ consul members -http-addr=127.0.0.1:4103
    QList<QMap<QString, QString>> rows;
    QTRY_VERIFY_WITH_TIMEOUT(
        (rows = parseMembers(runQonsul({u"members"_s, u"-http-addr=127.0.0.1:4103"_s}).out)).size() == 4, 15000);
    const QStringList expected{u"agent-one 127.0.0.2:8301 server <all>"_s, u"agent-three 127.0.0.4:8301 server <all>"_s,
                               u"agent-two 127.0.0.3:8301 server <all>"_s, u"cli-0 127.0.0.1:8301 client <default>"_s};
    for (int i = 0; i < 4; ++i) {
        const auto &row = rows[i];
        QCOMPARE(QStringList({row[u"Node"_s], row[u"Address"_s], row[u"Type"_s], row[u"Segment"_s]}).join(u' '), expected[i]);
        QCOMPARE(row[u"Status"_s], u"alive"_s);
        QCOMPARE(row[u"Protocol"_s], u"2"_s);
        QCOMPARE(row[u"DC"_s], u"dc1"_s);
        QCOMPARE(row[u"Partition"_s], u"default"_s);
    }
}

void TestSeeds::seed000DnsNodeLookup()
{
    QVERIFY(m_client);
    // $ dig @127.0.0.1 -p 4001 agent-one.node.consul
    Run dig;
    QTRY_VERIFY_WITH_TIMEOUT(
        !digSection((dig = run(u"dig"_s, {u"@127.0.0.1"_s, u"-p"_s, u"4001"_s, u"agent-one.node.consul"_s})).out, u"ANSWER"_s).isEmpty(),
        45000);
    QCOMPARE(digSection(dig.out, u"QUESTION"_s), QStringList{u";agent-one.node.consul. IN A"_s});
    QCOMPARE(digSection(dig.out, u"ANSWER"_s), QStringList{u"agent-one.node.consul. 0 IN A 127.0.0.2"_s});
}

void TestSeeds::seed000DnsServiceLookups()
{
    QVERIFY(m_client);
    // $ dig @127.0.0.1 -p 8600 web.service.consul
    Run dig;
    QTRY_VERIFY_WITH_TIMEOUT(
        !digSection((dig = run(u"dig"_s, {u"@127.0.0.1"_s, u"-p"_s, u"8600"_s, u"web.service.consul"_s})).out, u"ANSWER"_s).isEmpty(),
        45000);
    QCOMPARE(digSection(dig.out, u"QUESTION"_s), QStringList{u";web.service.consul. IN A"_s});
    QCOMPARE(digSection(dig.out, u"ANSWER"_s), QStringList{u"web.service.consul. 0 IN A 127.0.0.1"_s});

    // $ dig @127.0.0.1 -p 8600 web.service.consul SRV
    // The node's meta (the TXT additional) is in the catalog from the service's first write on
    // (it carries the node info while that is out of sync, as Consul's does). The client's DNS
    // questions are answered by any server from its own store (stale reads), so one that has not
    // applied the write yet may still answer without the service: only that is waited for.
    QTRY_VERIFY_WITH_TIMEOUT(
        !digSection((dig = run(u"dig"_s, {u"@127.0.0.1"_s, u"-p"_s, u"8600"_s, u"web.service.consul"_s, u"SRV"_s})).out, u"ANSWER"_s).isEmpty(),
        5000);
    QCOMPARE(dig.code, 0);
    QCOMPARE(digSection(dig.out, u"QUESTION"_s), QStringList{u";web.service.consul. IN SRV"_s});
    QCOMPARE(digSection(dig.out, u"ANSWER"_s), QStringList{u"web.service.consul. 0 IN SRV 1 1 8888 cli-0.node.dc1.consul."_s});
    const QStringList additional = digSection(dig.out, u"ADDITIONAL"_s);
    QVERIFY2(additional.contains(u"cli-0.node.dc1.consul. 0 IN A 127.0.0.1"_s), qPrintable(additional.join(u'\n')));
    QVERIFY2(additional.contains(u"cli-0.node.dc1.consul. 0 IN TXT \"consul-network-segment=\""_s), qPrintable(additional.join(u'\n')));
}

void TestSeeds::seed000HttpCatalogService()
{
    QVERIFY(m_client);
    // $ curl http://localhost:8500/v1/catalog/service/web 2>/dev/null | python -m json.tool
    const Run curl = bash(u"curl http://localhost:8500/v1/catalog/service/web 2>/dev/null | python3 -m json.tool"_s);
    QCOMPARE(curl.code, 0);
    const QJsonArray list = QJsonDocument::fromJson(curl.out).array();
    QCOMPARE(list.size(), 1);
    const QJsonObject web = list[0].toObject();
    static const QRegularExpression uuid(u"^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$"_s);
    QVERIFY2(uuid.match(web[u"ID"].toString()).hasMatch(), qPrintable(web[u"ID"].toString()));
    QCOMPARE(web[u"Node"].toString(), u"cli-0"_s);
    QCOMPARE(web[u"Address"].toString(), u"127.0.0.1"_s);
    QCOMPARE(web[u"Datacenter"].toString(), u"dc1"_s);
    QCOMPARE(web[u"TaggedAddresses"][u"lan"].toString(), u"127.0.0.1"_s);
    QCOMPARE(web[u"TaggedAddresses"][u"wan"].toString(), u"127.0.0.1"_s);
    QVERIFY(web[u"NodeMeta"].toObject().contains(u"consul-network-segment"));
    QCOMPARE(web[u"NodeMeta"][u"consul-network-segment"].toString(), QString());
    QCOMPARE(web[u"ServiceID"].toString(), u"web"_s);
    QCOMPARE(web[u"ServiceName"].toString(), u"web"_s);
    QCOMPARE(web[u"ServiceTags"].toArray(), QJsonArray{u"rails"_s});
    QCOMPARE(web[u"ServiceAddress"].toString(), QString());
    QCOMPARE(web[u"ServicePort"].toInt(), 8888);
    QCOMPARE(web[u"ServiceEnableTagOverride"], QJsonValue(false));
    QVERIFY(web[u"CreateIndex"].toInt() > 0);
    QCOMPARE(web[u"ModifyIndex"].toInt(), web[u"CreateIndex"].toInt());
}

void TestSeeds::seed000KvSequence()
{
    QVERIFY(m_client);
    // The tutorial's commands against the default address (the client cli-0), with Consul's output.
    auto expectOk = [](const QStringList &args, const QByteArray &out) {
        const Run r = runQonsul(args);
        if (r.code != 0 || r.out != out || !r.err.isEmpty())
            qWarning().noquote() << args.join(u' ') << "->" << r.code << r.out << r.err;
        return r.code == 0 && r.out == out && r.err.isEmpty();
    };
    auto expectError = [](const QStringList &args, const QByteArray &err) {
        const Run r = runQonsul(args);
        if (r.code != 1 || r.err != err || !r.out.isEmpty())
            qWarning().noquote() << args.join(u' ') << "->" << r.code << r.out << r.err;
        return r.code == 1 && r.err == err && r.out.isEmpty();
    };
    auto detailed = [](const QString &key) {
        const Run r = runQonsul({u"kv"_s, u"get"_s, u"-detailed"_s, key});
        return r.code == 0 ? r.out : r.err;
    };
    // "# 存储数据": the first line says `get` where `put` is meant; as written it is refused.
    QVERIFY(expectError({u"kv"_s, u"get"_s, u"redis/config/minconns"_s, u"1"_s}, "Too many arguments (expected 1, got 2)\n"));
    QVERIFY(expectOk({u"kv"_s, u"put"_s, u"redis/config/minconns"_s, u"1"_s}, "Success! Data written to: redis/config/minconns\n"));
    // A key without data is an empty value.
    QVERIFY(expectOk({u"kv"_s, u"put"_s, u"redis/config/maxconn"_s}, "Success! Data written to: redis/config/maxconn\n"));
    QVERIFY(expectOk({u"kv"_s, u"get"_s, u"redis/config/minconns"_s}, "1\n"));

    static const QRegularExpression minconns(
        u"^CreateIndex      (\\d+)\nFlags            0\nKey              redis/config/minconns\nLockIndex        0\nModifyIndex      (\\d+)\nSession          -\nValue            1\n$"_s);
    QRegularExpressionMatch m = minconns.match(QString::fromUtf8(detailed(u"redis/config/minconns"_s)));
    QVERIFY2(m.hasMatch(), detailed(u"redis/config/minconns"_s).constData());
    QCOMPARE(m.captured(1), m.captured(2));

    QVERIFY(expectOk({u"kv"_s, u"get"_s, u"-recurse"_s}, "redis/config/maxconn:\nredis/config/minconns:1\n"));
    QVERIFY(expectOk({u"kv"_s, u"delete"_s, u"redis/config/minconns"_s}, "Success! Deleted key: redis/config/minconns\n"));
    QVERIFY(expectOk({u"kv"_s, u"put"_s, u"-flags=42"_s, u"redis/config/other"_s, u"1234"_s}, "Success! Data written to: redis/config/other\n"));
    static const QRegularExpression other(
        u"^CreateIndex      (\\d+)\nFlags            42\nKey              redis/config/other\nLockIndex        0\nModifyIndex      (\\d+)\nSession          -\nValue            1234\n$"_s);
    QVERIFY2(other.match(QString::fromUtf8(detailed(u"redis/config/other"_s))).hasMatch(), detailed(u"redis/config/other"_s).constData());

    // `put -cas -modify-index=33`: the key was just deleted, so index 33 is stale here and the
    // write fails with the tutorial's second message.
    QVERIFY(expectError({u"kv"_s, u"put"_s, u"-cas"_s, u"-modify-index=33"_s, u"redis/config/minconns"_s, u"8"_s},
                        "Error! Did not write to redis/config/minconns: CAS failed\n"));
    // The tutorial's success needs the key's current ModifyIndex (33 in its cluster): recreate the
    // key, take its index, and the same command succeeds once, then fails.
    QVERIFY(expectOk({u"kv"_s, u"put"_s, u"redis/config/minconns"_s, u"1"_s}, "Success! Data written to: redis/config/minconns\n"));
    m = minconns.match(QString::fromUtf8(detailed(u"redis/config/minconns"_s)));
    QVERIFY(m.hasMatch());
    const QString cas = u"-modify-index="_s + m.captured(2);
    QVERIFY(expectOk({u"kv"_s, u"put"_s, u"-cas"_s, cas, u"redis/config/minconns"_s, u"8"_s}, "Success! Data written to: redis/config/minconns\n"));
    QVERIFY(expectError({u"kv"_s, u"put"_s, u"-cas"_s, cas, u"redis/config/minconns"_s, u"8"_s},
                        "Error! Did not write to redis/config/minconns: CAS failed\n"));
    QVERIFY(expectOk({u"kv"_s, u"get"_s, u"redis/config/minconns"_s}, "8\n"));
}

void TestSeeds::seed000PythonExample()
{
    QVERIFY(m_client);
    // Debian's python3-consul lives in the system interpreter, not in any pyenv on PATH.
    const Run py = run(u"/usr/bin/python3"_s, {source(u"tests/acceptance/python/seed_cluster.py"_s), u"4101"_s}, 60000);
    QVERIFY2(py.code == 0, QByteArray(py.out + py.err).constData());
    const QStringList lines = QString::fromUtf8(py.out).split(u'\n', Qt::SkipEmptyParts);
    QCOMPARE(lines.size(), 3);
    // print(index, data['Value'])
    QVERIFY2(QRegularExpression(u"^\\d+ b'python-zy'$"_s).match(lines[0]).hasMatch(), qPrintable(lines[0]));
    // print(services): python-consul returns (index, {...})
    QVERIFY2(lines[1].contains(u"{'consul': [], 'web': ['rails']}"_s), qPrintable(lines[1]));
    // print(service)
    for (const QString &field : {u"'Node': 'cli-0'"_s, u"'Address': '127.0.0.1'"_s, u"'Datacenter': 'dc1'"_s,
                                 u"'consul-network-segment': ''"_s, u"'ServiceID': 'web'"_s, u"'ServiceName': 'web'"_s,
                                 u"'ServiceTags': ['rails']"_s, u"'ServiceAddress': ''"_s, u"'ServicePort': 8888"_s,
                                 u"'ServiceEnableTagOverride': False"_s, u"'lan': '127.0.0.1'"_s, u"'wan': '127.0.0.1'"_s})
        QVERIFY2(lines[2].contains(field), qPrintable(field + u" not in "_s + lines[2]));
}

void TestSeeds::seed000NodeExample()
{
    QVERIFY(m_client);
    const QString dir = source(u"tests/acceptance/node/consul-0.40"_s);
    QVERIFY2(QDir(dir).exists(u"node_modules/consul"_s), "run `npm ci` in tests/acceptance/node/consul-0.40");
    const Run node = run(u"node"_s, {u"seed_cluster.js"_s, u"4101"_s}, 30000, dir);
    QVERIFY2(node.code == 0, QByteArray(node.out + node.err).constData());
    const QByteArray &out = node.out;
    // The tutorial's output, in its order: the lock is released right after the writes and the
    // lookup are sent, so their results print around the release.
    for (const char *line : {"lock acquired\n", "\ntrue\n", "\nlock released\n", "\nlock released or there was a permanent failure\n"})
        QVERIFY2(out.contains(line), QByteArray(line + QByteArray(" not in\n") + out).constData());
    QVERIFY(out.indexOf("lock acquired") < out.indexOf("lock released"));
    QVERIFY(out.indexOf("\nlock released\n") < out.indexOf("lock released or there was a permanent failure"));
    // consul.health.service('web'): cli-0's web on 8888
    for (const char *field : {"Node: 'cli-0'", "Address: '127.0.0.1'", "Datacenter: 'dc1'", "ID: 'web'",
                              "Service: 'web'", "Port: 8888", "EnableTagOverride: false", "Checks: ["})
        QVERIFY2(out.contains(field), QByteArray(field + QByteArray(" not in\n") + out).constData());
    // consul.kv.get('test-zy')
    for (const char *field : {"LockIndex: 0", "Key: 'test-zy'", "Flags: 0", "Value: 'test-zy'"})
        QVERIFY2(out.contains(field), QByteArray(field + QByteArray(" not in\n") + out).constData());
    QVERIFY2(!out.contains("lock error"), out.constData());
}

void TestSeeds::seed000ScriptCheck()
{
    QVERIFY(m_client);
    if (portAccepts(u"localhost"_s, 80))
        QSKIP("something answers on localhost:80, so the tutorial's `curl localhost` check would pass");
    // $ echo '{"service": {"name": "web", "tags": ["rails"], "port": 80,
    //     "check": {"script": "curl localhost >/dev/null 2>&1", "interval": "10s"}}}' >/data/tmp/consul-cli-0.d/web.json
    const QString webJson = u"%1/consul-cli-0.d/web.json"_s.arg(m_dir.path());
    QCOMPARE(bash(u"echo '{\"service\": {\"name\": \"web\", \"tags\": [\"rails\"], \"port\": 80,\n  \"check\": {\"script\": \"curl localhost >/dev/null 2>&1\", \"interval\": \"10s\"}}}' \\\n  >%1"_s.arg(webJson)).code, 0);

    // The tutorial (Consul 1.0.0) reloads with SIGHUP (§2.4 step 8). Since Consul 0.9 script checks
    // are off unless enabled, so the reload refuses the check with Consul's message and the
    // agent keeps running without it.
    const QByteArray disabled = "Scripts are disabled on this agent; to enable, configure 'enable_script_checks' or 'enable_local_script_checks' to true";
    client().signal(SIGHUP);
    QTRY_VERIFY_WITH_TIMEOUT(client().output().contains(disabled), 10000);
    QVERIFY(client().running());
    QCOMPARE(QJsonDocument::fromJson(client().get(u"/v1/agent/checks"_s)).object().size(), 0);

    // What a Consul user does next: enable local script checks (checks from config files only) and
    // restart the agent (the setting is not reloadable), with the tutorial's command line.
    QVERIFY(writeFile(u"%1/consul-cli-0.d/script-checks.json"_s.arg(m_dir.path()), R"({"enable_local_script_checks": true})"));
    client().stop();
    QVERIFY(client().start());

    // $ curl http://localhost:8500/v1/health/state/critical 2>/dev/null | python -m json.tool
    auto criticalWebCheck = [] {
        const Run curl = bash(u"curl http://localhost:8500/v1/health/state/critical 2>/dev/null | python3 -m json.tool"_s);
        for (const QJsonValue &v : QJsonDocument::fromJson(curl.out).array()) {
            if (v[u"CheckID"].toString() == u"service:web")
                return v.toObject();
        }
        return QJsonObject();
    };
    QJsonObject check;
    QTRY_VERIFY_WITH_TIMEOUT(!(check = criticalWebCheck()).isEmpty(), 20000);
    QCOMPARE(check[u"Node"].toString(), u"cli-0"_s);
    QCOMPARE(check[u"Name"].toString(), u"Service 'web' check"_s);
    QCOMPARE(check[u"Status"].toString(), u"critical"_s);
    QCOMPARE(check[u"Notes"].toString(), QString());
    QCOMPARE(check[u"ServiceID"].toString(), u"web"_s);
    QCOMPARE(check[u"ServiceName"].toString(), u"web"_s);
    QCOMPARE(check[u"ServiceTags"].toArray(), QJsonArray{u"rails"_s});
    QVERIFY(check[u"CreateIndex"].toInt() > 0);

    // On the agent too, with the script's output (curl's, sent to /dev/null) empty.
    const QJsonObject local = QJsonDocument::fromJson(client().get(u"/v1/agent/checks"_s))[u"service:web"].toObject();
    QCOMPARE(local[u"Status"].toString(), u"critical"_s);
    QCOMPARE(local[u"Output"].toString(), QString());
    QCOMPARE(local[u"Type"].toString(), u"script"_s);

    // "有故障的服务不会被返回": DNS no longer returns the failing service.
    Run dig;
    QTRY_VERIFY_WITH_TIMEOUT(
        digStatus((dig = run(u"dig"_s, {u"@127.0.0.1"_s, u"-p"_s, u"8600"_s, u"web.service.consul"_s})).out) == u"NXDOMAIN"_s, 15000);
    QCOMPARE(digSection(dig.out, u"QUESTION"_s), QStringList{u";web.service.consul. IN A"_s});
    QCOMPARE(digSection(dig.out, u"ANSWER"_s), QStringList());
}

void TestSeeds::seed000MembersAndInfo()
{
    QVERIFY(m_client);
    // $ consul member  (sic): an unknown command prints the command list and exits 127, as Consul's CLI does.
    const Run typo = runQonsul({u"member"_s});
    QCOMPARE(typo.code, 127);
    const QByteArray typoOutput = typo.out + typo.err;
    QVERIFY2(typoOutput.contains("members"), typoOutput.constData());

    Run members;
    QTRY_VERIFY_WITH_TIMEOUT((members = runQonsul({u"members"_s})).out.count(" alive ") == 4, 15000);
    QCOMPARE(members.code, 0);

    // $ consul info  (the client cli-0)
    const Run info = runQonsul({u"info"_s});
    QCOMPARE(info.code, 0);
    const auto values = parseInfo(info.out);
    for (const QString &section : {u"agent"_s, u"build"_s, u"consul"_s, u"runtime"_s, u"serf_lan"_s})
        QVERIFY2(values.contains(section), qPrintable(section + u" missing in\n"_s + QString::fromUtf8(info.out)));
    QCOMPARE(values.value(u"consul.server"_s), u"false"_s);
    QCOMPARE(values.value(u"consul.known_servers"_s), u"3"_s);
    QCOMPARE(values.value(u"serf_lan.members"_s), u"4"_s);
    QVERIFY(!values.contains(u"raft"_s));

    // and on a server
    const Run serverInfo = runQonsul({u"info"_s, u"-http-addr=127.0.0.1:4101"_s});
    QCOMPARE(serverInfo.code, 0);
    const auto server = parseInfo(serverInfo.out);
    for (const QString &section : {u"agent"_s, u"build"_s, u"consul"_s, u"raft"_s, u"runtime"_s, u"serf_lan"_s, u"serf_wan"_s})
        QVERIFY2(server.contains(section), qPrintable(section + u" missing in\n"_s + QString::fromUtf8(serverInfo.out)));
    QCOMPARE(server.value(u"consul.server"_s), u"true"_s);
    QCOMPARE(server.value(u"consul.leader_addr"_s), QString::fromUtf8(client().leader()).remove(u'"'));
    QCOMPARE(server.value(u"serf_lan.members"_s), u"4"_s);
    // With -bootstrap-expect=2 the third server joined as a non-voter; autopilot promotes it
    // after server_stabilization_time (10s).
    QTRY_COMPARE_WITH_TIMEOUT(parseInfo(runQonsul({u"info"_s, u"-http-addr=127.0.0.1:4101"_s}).out).value(u"raft.num_peers"_s), u"2"_s, 20000);
    // The servers flood-joined each other's WAN pool.
    QTRY_COMPARE_WITH_TIMEOUT(parseInfo(runQonsul({u"info"_s, u"-http-addr=127.0.0.1:4101"_s}).out).value(u"serf_wan.members"_s), u"3"_s, 15000);
}

void TestSeeds::seed000Stop()
{
    // Seed 001 uses the same addresses and ports.
    m_client.reset();
    m_servers.clear();
}

void TestSeeds::seed001JsonConfigCluster()
{
    QVERIFY(!m_client && m_servers.empty());
    const QString base = path(u"001"_s);
    const QStringList ips{u"127.0.0.2"_s, u"127.0.0.3"_s, u"127.0.0.4"_s};
    // The tutorial's server.json, per server (its hosts' addresses become 127.0.0.2-4).
    auto agentConfig = [&](const QString &name, const QString &ip, bool server, const QString &datacenter) {
        QJsonObject c{
            {u"datacenter"_s, datacenter},
            {u"data_dir"_s, u"%1/%2/data"_s.arg(base, name)},
            {u"server"_s, server},
            {u"ui"_s, server},
            {u"bind_addr"_s, ip},
            // 0.0.0.0 in the tutorial, where every agent has a host of its own.
            {u"client_addr"_s, ip},
            {u"bootstrap_expect"_s, server ? 3 : 0},
            {u"retry_join"_s, QJsonArray::fromStringList(ips)},
            {u"retry_interval"_s, u"10s"_s},
            {u"rejoin_after_leave"_s, true},
            {u"skip_leave_on_interrupt"_s, true},
            // The tutorial's hosts have names of their own; here they share one.
            {u"node_name"_s, name},
        };
        return QJsonDocument(c).toJson(QJsonDocument::Compact);
    };
    std::vector<std::unique_ptr<SeedAgent>> agents;
    auto startAgent = [&](const QString &name, const QString &ip, bool server, const QString &datacenter) {
        const QString dir = u"%1/%2"_s.arg(base, name);
        if (!QDir().mkpath(dir + u"/config"_s) || !QDir().mkpath(dir + u"/data"_s))
            return false;
        if (!writeFile(dir + (server ? u"/config/server.json"_s : u"/config/client.json"_s), agentConfig(name, ip, server, datacenter)))
            return false;
        // The consul docker image runs `consul agent -data-dir=/consul/data -config-dir=/consul/config`.
        agents.push_back(std::make_unique<SeedAgent>(
            name, ip + u":8500"_s,
            QStringList{u"agent"_s, u"-data-dir=%1/data"_s.arg(dir), u"-config-dir=%1/config"_s.arg(dir)}));
        return agents.back()->start();
    };
    for (int i = 0; i < 3; ++i)
        QVERIFY(startAgent(u"server-%1"_s.arg(i + 1), ips[i], true, u"xxx-consul"_s));
    // bootstrap_expect 3: a leader once all three have found each other through retry_join.
    QTRY_VERIFY_WITH_TIMEOUT(agents[0]->leader().size() > 2, 40000);
    const QByteArray leader = agents[0]->leader();
    for (const auto &a : agents)
        QTRY_COMPARE_WITH_TIMEOUT(a->leader(), leader, 15000);

    // The tutorial's client.json names the datacenter "xxx-test-consul", its servers'
    // "xxx-consul": as Consul does, the servers refuse a member of another datacenter, and the
    // client theirs, so it never joins (retry_join keeps trying).
    QVERIFY(startAgent(u"client"_s, u"127.0.0.1"_s, false, u"xxx-test-consul"_s));
    // What the user sees is Consul's text: memberlist's multierror of the refusal, in
    // retry_join's log line and in what `join` prints.
    QTRY_VERIFY_WITH_TIMEOUT(agents.back()->output().contains("Join cluster failed, will retry: cluster=LAN retry_interval=10s error=\"3 errors occurred:\n\t* Failed to join 127.0.0.2:8301: Member 'server-"), 15000);
    const Run refused = runQonsul({u"join"_s, u"127.0.0.3"_s});
    QCOMPARE(refused.code, 1);
    static const QRegularExpression refusedText(uR"(^Error joining address '127\.0\.0\.3': Unexpected response code: 500 \(1 error occurred:\n\t\* Failed to join 127\.0\.0\.3:8301: Member 'server-[123]' part of wrong datacenter 'xxx-consul'\)\nFailed to join any nodes\.\n$)"_s);
    QVERIFY2(refusedText.match(QString::fromUtf8(refused.err)).hasMatch(), refused.err.constData());
    QVERIFY(!runQonsul({u"members"_s, u"-http-addr=127.0.0.2:8500"_s}).out.contains("client"));
    QVERIFY(!runQonsul({u"members"_s}).out.contains("server-"));
    agents.pop_back();
    // With the servers' datacenter it joins.
    QVERIFY(startAgent(u"client"_s, u"127.0.0.1"_s, false, u"xxx-consul"_s));
    SeedAgent &cli = *agents.back();
    QTRY_COMPARE_WITH_TIMEOUT(cli.leader(), leader, 20000);

    // members through the client on the default address 127.0.0.1:8500
    QList<QMap<QString, QString>> rows;
    QTRY_VERIFY_WITH_TIMEOUT((rows = parseMembers(runQonsul({u"members"_s}).out)).size() == 4, 15000);
    for (int i = 0; i < 4; ++i) {
        QCOMPARE(rows[i][u"Node"_s], i < 3 ? u"server-%1"_s.arg(i + 1) : u"client"_s);
        QCOMPARE(rows[i][u"Address"_s], (i < 3 ? ips[i] : u"127.0.0.1"_s) + u":8301"_s);
        QCOMPARE(rows[i][u"Status"_s], u"alive"_s);
        QCOMPARE(rows[i][u"Type"_s], i < 3 ? u"server"_s : u"client"_s);
        QCOMPARE(rows[i][u"DC"_s], u"xxx-consul"_s);
    }

    // $ docker exec consul consul info: on the client, then on each server
    auto info = [](const QStringList &extra) { return parseInfo(runQonsul(QStringList{u"info"_s} + extra).out); };
    const auto clientInfo = info({});
    QCOMPARE(clientInfo.value(u"consul.server"_s), u"false"_s);
    QCOMPARE(clientInfo.value(u"consul.known_servers"_s), u"3"_s);
    QCOMPARE(clientInfo.value(u"agent.checks"_s), u"0"_s);
    int leaders = 0;
    for (const QString &ip : ips) {
        const auto s = info({u"-http-addr=%1:8500"_s.arg(ip)});
        for (const QString &section : {u"agent"_s, u"build"_s, u"consul"_s, u"raft"_s, u"runtime"_s, u"serf_lan"_s, u"serf_wan"_s})
            QVERIFY2(s.contains(section), qPrintable(section + u" missing on "_s + ip));
        QCOMPARE(s.value(u"consul.server"_s), u"true"_s);
        QCOMPARE(s.value(u"consul.bootstrap"_s), u"false"_s);
        QCOMPARE(s.value(u"consul.known_datacenters"_s), u"1"_s);
        QCOMPARE(s.value(u"consul.leader_addr"_s), QString::fromUtf8(leader).remove(u'"'));
        QCOMPARE(s.value(u"raft.num_peers"_s), u"2"_s);
        QCOMPARE(s.value(u"serf_lan.members"_s), u"4"_s);
        leaders += s.value(u"consul.leader"_s) == u"true"_s;
        QCOMPARE(s.value(u"raft.state"_s), s.value(u"consul.leader"_s) == u"true"_s ? u"Leader"_s : u"Follower"_s);
    }
    QCOMPARE(leaders, 1);

    // skip_leave_on_interrupt: Ctrl-C stops the client without leaving, so the servers see it
    // fail rather than leave; started again, retry_join brings it back.
    cli.signal(SIGINT);
    QVERIFY(!cli.running());
    QVERIFY2(!cli.output().contains("Gracefully shutting down agent"), cli.output().constData());
    QTRY_VERIFY_WITH_TIMEOUT(runQonsul({u"members"_s, u"-http-addr=127.0.0.2:8500"_s}).out.contains(" failed "), 30000);
    QVERIFY(!runQonsul({u"members"_s, u"-http-addr=127.0.0.2:8500"_s}).out.contains(" left "));
    QVERIFY(cli.start());
    QTRY_COMPARE_WITH_TIMEOUT(runQonsul({u"members"_s, u"-http-addr=127.0.0.2:8500"_s}).out.count(" alive "), 4, 30000);

    // 问题解决: a node still lists the address of a deleted container (here a service it
    // registered through the client's API: the client keeps it in its data dir, so a restart
    // brings it back); delete everything in the client's data dir and restart the client. As
    // with Consul it comes back with a new node ID and the stale address leaves the catalog.
    QCOMPARE(httpRequest("PUT", cli.url(u"/v1/agent/service/register"_s), R"({"Name":"gone","Address":"172.17.0.9","Port":80})").status, 200);
    auto catalogNode = [] { return QJsonDocument::fromJson(httpRequest("GET", u"http://127.0.0.2:8500/v1/catalog/node/client"_s).body).object(); };
    QTRY_VERIFY_WITH_TIMEOUT(catalogNode().value(u"Services"_s).toObject().contains(u"gone"_s), 15000);
    const QString oldId = catalogNode().value(u"Node"_s).toObject().value(u"ID"_s).toString();
    const QString data = u"%1/client/data"_s.arg(base);
    cli.signal(SIGTERM); // docker restart stops the container with SIGTERM
    QVERIFY(!cli.running());
    QVERIFY(QDir(data).removeRecursively() && QDir().mkpath(data));
    QVERIFY(cli.start());
    QTRY_VERIFY_WITH_TIMEOUT(!catalogNode().value(u"Node"_s).toObject().value(u"ID"_s).toString().isEmpty()
                                 && catalogNode().value(u"Node"_s).toObject().value(u"ID"_s).toString() != oldId,
                             30000);
    QTRY_VERIFY_WITH_TIMEOUT(!catalogNode().value(u"Services"_s).toObject().contains(u"gone"_s), 30000);
    QTRY_COMPARE_WITH_TIMEOUT(runQonsul({u"members"_s, u"-http-addr=127.0.0.2:8500"_s}).out.count(" alive "), 4, 30000);
}

QTEST_GUILESS_MAIN(TestSeeds)
#include "tst_seeds.moc"

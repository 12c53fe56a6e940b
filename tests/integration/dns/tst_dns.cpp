// The DNS interface of a real `qonsul agent -dev`, asked by real clients: dig (BIND) and kdig
// (Knot). Every Consul name form, health filtering (a TTL check going critical, maintenance),
// truncation over UDP and full answers over TCP, EDNS, bad packets, and recursion to a real
// resolver (unbound serving a small zone on loopback, started by the test).
#include "AgentProcess.h"
#include "TestSupport.h"

#include <QDir>
#include <QElapsedTimer>
#include <QJsonArray>
#include <QJsonDocument>
#include <QJsonObject>
#include <QRegularExpression>
#include <QStandardPaths>
#include <QTemporaryDir>
#include <QUdpSocket>
#include <QtTest>

using qonsul::test::AgentProcess;
using qonsul::test::digSection;
using qonsul::test::httpRequest;

namespace {

struct DigResult
{
    int exitCode = -1;
    QString out;
    QString status() const
    {
        static const QRegularExpression re(QStringLiteral("status: ([A-Z]+)"));
        return re.match(out).captured(1);
    }
    QStringList flags() const
    {
        static const QRegularExpression re(QStringLiteral(";; [Ff]lags: ([a-z ]*)[;\\n]"));
        return re.match(out).captured(1).split(u' ', Qt::SkipEmptyParts);
    }
    // Records of a section ("ANSWER", "AUTHORITY", "ADDITIONAL") as "name ttl class type rdata"
    // with runs of white space collapsed.
    QStringList section(const QString &name) const { return digSection(out.toUtf8(), name); }
    QStringList answers() const { return section(QStringLiteral("ANSWER")); }
    QStringList ofType(const QString &section, const QString &type) const
    {
        QStringList out;
        for (const QString &r : this->section(section)) {
            if (r.section(u' ', 3, 3) == type)
                out << r;
        }
        return out;
    }
};

DigResult runTool(const QString &tool, quint16 port, const QStringList &args)
{
    QProcess p;
    p.setProcessChannelMode(QProcess::MergedChannels);
    const bool knot = tool == u"kdig";
    p.start(tool, QStringList{QStringLiteral("@127.0.0.1"), QStringLiteral("-p"), QString::number(port),
                              knot ? QStringLiteral("+retry=0") : QStringLiteral("+tries=1"), QStringLiteral("+time=3")}
                      + args);
    DigResult r;
    if (!p.waitForStarted(5000) || !p.waitForFinished(15000)) {
        p.kill();
        p.waitForFinished(1000);
        return r;
    }
    r.exitCode = p.exitCode();
    r.out = QString::fromUtf8(p.readAll());
    return r;
}

QString nodeName(const AgentProcess &agent)
{
    const auto r = httpRequest("GET", agent.baseUrl() + QStringLiteral("/v1/agent/self"));
    return QJsonDocument::fromJson(r.body).object().value(u"Config").toObject().value(u"NodeName").toString();
}

bool put(const AgentProcess &agent, const QString &path, const QJsonObject &body = {})
{
    const auto r = httpRequest("PUT", agent.baseUrl() + path,
                               body.isEmpty() ? QByteArray() : QJsonDocument(body).toJson(QJsonDocument::Compact));
    if (r.status != 200)
        qWarning().noquote() << path << r.status << r.body;
    return r.status == 200;
}

QString hex4(const QString &ip)
{
    QString out;
    for (const QString &part : ip.split(u'.'))
        out += QStringLiteral("%1").arg(part.toInt(), 2, 16, QLatin1Char('0'));
    return out;
}

} // namespace

class TestDns : public QObject
{
    Q_OBJECT

    AgentProcess m_agent;
    QString m_node;

    DigResult dig(const QStringList &args) { return runTool(QStringLiteral("dig"), m_agent.dnsPort(), args); }
    DigResult kdig(const QStringList &args) { return runTool(QStringLiteral("kdig"), m_agent.dnsPort(), args); }

private Q_SLOTS:
    void initTestCase()
    {
        if (QStandardPaths::findExecutable(QStringLiteral("dig")).isEmpty()
            || QStandardPaths::findExecutable(QStringLiteral("kdig")).isEmpty())
            QFAIL("dig and kdig are needed (apt-get install dnsutils knot-dnsutils; scripts/install-deps.sh)");
        QVERIFY(m_agent.start());
        m_node = nodeName(m_agent);
        QVERIFY(!m_node.isEmpty());
        QVERIFY(put(m_agent, QStringLiteral("/v1/agent/service/register"),
                    QJsonObject{{"ID", "web1"}, {"Name", "web"}, {"Tags", QJsonArray{"primary"}}, {"Address", "10.1.0.1"},
                                {"Port", 8080}, {"Weights", QJsonObject{{"Passing", 7}, {"Warning", 1}}}}));
        QVERIFY(put(m_agent, QStringLiteral("/v1/agent/service/register"),
                    QJsonObject{{"ID", "web2"}, {"Name", "web"}, {"Tags", QJsonArray{"secondary"}}, {"Port", 8081}}));
        for (int i = 1; i <= 20; ++i)
            QVERIFY(put(m_agent, QStringLiteral("/v1/agent/service/register"),
                        QJsonObject{{"ID", QStringLiteral("many%1").arg(i)}, {"Name", "many"},
                                    {"Address", QStringLiteral("10.2.0.%1").arg(i)}, {"Port", 9000 + i}}));
    }
    void cleanupTestCase() { m_agent.stop(); }

    void nodeLookup()
    {
        DigResult r = dig({m_node + QStringLiteral(".node.consul")});
        QVERIFY2(r.status() == u"NOERROR", qPrintable(r.out + QString::number(r.exitCode)));
        QVERIFY2(r.flags().contains(QStringLiteral("aa")), qPrintable(r.out));
        QCOMPARE(r.answers(), QStringList{QStringLiteral("%1.node.consul. 0 IN A 127.0.0.1").arg(m_node)});
        // Node meta as TXT, RFC 1464 style, read by kdig.
        r = kdig({m_node + QStringLiteral(".node.dc1.consul"), QStringLiteral("TXT")});
        QCOMPARE(r.status(), QStringLiteral("NOERROR"));
        QVERIFY2(r.out.contains(QStringLiteral("\"consul-network-segment=\"")), qPrintable(r.out));
        // ANY: address and TXT.
        r = dig({m_node.toUpper() + QStringLiteral(".NODE.CONSUL"), QStringLiteral("ANY")});
        QCOMPARE(r.ofType(QStringLiteral("ANSWER"), QStringLiteral("A")).size(), 1);
        QVERIFY(r.ofType(QStringLiteral("ANSWER"), QStringLiteral("TXT")).size() >= 1);
        // Unknown node: NXDOMAIN with the SOA.
        r = dig({QStringLiteral("nosuchnode.node.consul")});
        QCOMPARE(r.status(), QStringLiteral("NXDOMAIN"));
        QCOMPARE(r.ofType(QStringLiteral("AUTHORITY"), QStringLiteral("SOA")).size(), 1);
    }

    // As Consul's node lookups (Catalog.NodeServices): the name in any case, or the node ID or a
    // unique prefix of it; an ambiguous prefix finds nothing.
    void nodeLookupByIdOrNameInAnyCase()
    {
        const QString id1 = QStringLiteral("40e4a748-2192-161a-0510-aaaaaaaaaaaa");
        const QString id2 = QStringLiteral("40e4a748-2192-161a-0510-bbbbbbbbbbbb");
        QVERIFY(put(m_agent, QStringLiteral("/v1/catalog/register"),
                    QJsonObject{{"Node", "Ext-Node-A"}, {"ID", id1}, {"Address", "10.3.0.1"}}));
        QVERIFY(put(m_agent, QStringLiteral("/v1/catalog/register"),
                    QJsonObject{{"Node", "ext-node-b"}, {"ID", id2}, {"Address", "10.3.0.2"}}));
        auto addressOf = [this](const QString &name) {
            const QStringList a = dig({name, QStringLiteral("A")}).ofType(QStringLiteral("ANSWER"), QStringLiteral("A"));
            return a.size() == 1 ? a.first().section(u' ', 4) : a.join(u'|');
        };
        QCOMPARE(addressOf(QStringLiteral("ext-node-a.node.consul")), QStringLiteral("10.3.0.1"));
        QCOMPARE(addressOf(QStringLiteral("EXT-NODE-B.node.dc1.consul")), QStringLiteral("10.3.0.2"));
        QCOMPARE(addressOf(id1 + QStringLiteral(".node.consul")), QStringLiteral("10.3.0.1"));
        QCOMPARE(addressOf(id2.toUpper() + QStringLiteral(".node.consul")), QStringLiteral("10.3.0.2"));
        QCOMPARE(addressOf(QStringLiteral("40e4a748-2192-161a-0510-bb.node.consul")), QStringLiteral("10.3.0.2"));
        // Ambiguous: 20 hex digits both IDs start with.
        DigResult r = dig({QStringLiteral("40e4a748-2192-161a-0510-.node.consul")});
        QCOMPARE(r.status(), QStringLiteral("NXDOMAIN"));
        QCOMPARE(r.ofType(QStringLiteral("AUTHORITY"), QStringLiteral("SOA")).size(), 1);
        // Malformed (Consul's own "ambiguous" example): 23 bytes, cut to 22, leave 19 hex digits.
        QCOMPARE(dig({QStringLiteral("40e4a748-2192-161a-0510.node.consul")}).status(), QStringLiteral("NXDOMAIN"));
        QVERIFY(put(m_agent, QStringLiteral("/v1/catalog/deregister"), QJsonObject{{"Node", "Ext-Node-A"}}));
        // The prefix is node b's alone now; node a's ID finds nothing.
        QCOMPARE(addressOf(QStringLiteral("40e4a748-2192-161a-0510-.node.consul")), QStringLiteral("10.3.0.2"));
        QCOMPARE(dig({id1 + QStringLiteral(".node.consul")}).status(), QStringLiteral("NXDOMAIN"));
        QVERIFY(put(m_agent, QStringLiteral("/v1/catalog/deregister"), QJsonObject{{"Node", "ext-node-b"}}));
    }

    void serviceLookup()
    {
        DigResult r = dig({QStringLiteral("web.service.consul")});
        QCOMPARE(r.status(), QStringLiteral("NOERROR"));
        QStringList answers = r.answers();
        answers.sort();
        QCOMPARE(answers, (QStringList{QStringLiteral("web.service.consul. 0 IN A 10.1.0.1"),
                                       QStringLiteral("web.service.consul. 0 IN A 127.0.0.1")}));
        r = kdig({QStringLiteral("primary.web.service.consul"), QStringLiteral("A")});
        QCOMPARE(r.status(), QStringLiteral("NOERROR"));
        QCOMPARE(r.answers(), QStringList{QStringLiteral("primary.web.service.consul. 0 IN A 10.1.0.1")});
        r = dig({QStringLiteral("secondary.web.service.dc1.consul")});
        QCOMPARE(r.answers(), QStringList{QStringLiteral("secondary.web.service.dc1.consul. 0 IN A 127.0.0.1")});
        // Unknown service and unknown tag: NXDOMAIN with SOA; wrong datacenter too.
        for (const QString &name : {QStringLiteral("nosuch.service.consul"), QStringLiteral("nosuchtag.web.service.consul"),
                                    QStringLiteral("web.service.dc9.consul")}) {
            r = dig({name});
            QCOMPARE(r.status(), QStringLiteral("NXDOMAIN"));
            QVERIFY2(r.ofType(QStringLiteral("AUTHORITY"), QStringLiteral("SOA")).value(0).startsWith(
                         QStringLiteral("consul. 0 IN SOA ns.consul. hostmaster.consul. ")),
                     qPrintable(r.out));
        }
        // A known name without the asked type: NODATA (NOERROR, no answer, SOA).
        r = dig({QStringLiteral("web.service.consul"), QStringLiteral("AAAA")});
        QCOMPARE(r.status(), QStringLiteral("NOERROR"));
        QCOMPARE(r.answers().size(), 0);
        QCOMPARE(r.ofType(QStringLiteral("AUTHORITY"), QStringLiteral("SOA")).size(), 1);
    }

    void srvWithAdditionals()
    {
        for (const QString &tool : {QStringLiteral("dig"), QStringLiteral("kdig")}) {
            const DigResult r = runTool(tool, m_agent.dnsPort(), {QStringLiteral("web.service.consul"), QStringLiteral("SRV")});
            QCOMPARE(r.status(), QStringLiteral("NOERROR"));
            QStringList srv = r.ofType(QStringLiteral("ANSWER"), QStringLiteral("SRV"));
            srv.sort();
            QCOMPARE(srv, (QStringList{QStringLiteral("web.service.consul. 0 IN SRV 1 1 8081 %1.node.dc1.consul.").arg(m_node),
                                       QStringLiteral("web.service.consul. 0 IN SRV 1 7 8080 0a010001.addr.dc1.consul.")}));
            const QStringList extraA = r.ofType(QStringLiteral("ADDITIONAL"), QStringLiteral("A"));
            QVERIFY2(extraA.contains(QStringLiteral("0a010001.addr.dc1.consul. 0 IN A 10.1.0.1")), qPrintable(r.out));
            QVERIFY2(extraA.contains(QStringLiteral("%1.node.dc1.consul. 0 IN A 127.0.0.1").arg(m_node)), qPrintable(r.out));
            QVERIFY2(r.ofType(QStringLiteral("ADDITIONAL"), QStringLiteral("TXT")).size() >= 2, qPrintable(r.out));
        }
    }

    // Prepared queries: created over HTTP, executed over HTTP and DNS, by name, by ID and through
    // a name_prefix_match template with a regexp; tag exclusion, the query's TTL, CRUD errors.
    void preparedQueries()
    {
        const QString base = m_agent.baseUrl();
        auto post = [&](const QJsonObject &body) {
            return httpRequest("POST", base + QStringLiteral("/v1/query"), QJsonDocument(body).toJson());
        };
        auto r = post(QJsonObject{{"Name", "web-primary"},
                                  {"Service", QJsonObject{{"Service", "web"}, {"Tags", QJsonArray{"!secondary"}}}},
                                  {"DNS", QJsonObject{{"TTL", "10s"}}}});
        QCOMPARE(r.status, 200);
        const QString id = QJsonDocument::fromJson(r.body).object().value(u"ID").toString();
        QCOMPARE(id.size(), 36);
        r = post(QJsonObject{{"Name", "tpl-"},
                             {"Template", QJsonObject{{"Type", "name_prefix_match"}, {"Regexp", "^tpl-(.*)-(.*)$"}}},
                             {"Service", QJsonObject{{"Service", "${match(2)}"}, {"Tags", QJsonArray{"${match(1)}"}}}}});
        QCOMPARE(r.status, 200);

        // HTTP execute: only the instance without the excluded tag, with the query's DNS options.
        r = httpRequest("GET", base + QStringLiteral("/v1/query/web-primary/execute"));
        QCOMPARE(r.status, 200);
        QJsonObject out = QJsonDocument::fromJson(r.body).object();
        QCOMPARE(out.value(u"Service").toString(), QStringLiteral("web"));
        QCOMPARE(out.value(u"Datacenter").toString(), QStringLiteral("dc1"));
        QCOMPARE(out.value(u"DNS").toObject().value(u"TTL").toString(), QStringLiteral("10s"));
        QCOMPARE(out.value(u"Nodes").toArray().size(), 1);
        QCOMPARE(out.value(u"Nodes").toArray().at(0).toObject().value(u"Service").toObject().value(u"ID").toString(),
                 QStringLiteral("web1"));
        // Explain renders the template for the name.
        r = httpRequest("GET", base + QStringLiteral("/v1/query/tpl-secondary-web/explain"));
        QCOMPARE(r.status, 200);
        const QJsonObject rendered = QJsonDocument::fromJson(r.body).object().value(u"Query").toObject();
        QCOMPARE(rendered.value(u"Service").toObject().value(u"Service").toString(), QStringLiteral("web"));
        QCOMPARE(rendered.value(u"Service").toObject().value(u"Tags").toArray(), QJsonArray{"secondary"});

        // DNS: by name (the query's TTL), by ID, through the template, SRV with additionals.
        DigResult d = dig({QStringLiteral("web-primary.query.consul")});
        QCOMPARE(d.status(), QStringLiteral("NOERROR"));
        QCOMPARE(d.answers(), QStringList{QStringLiteral("web-primary.query.consul. 10 IN A 10.1.0.1")});
        d = kdig({id + QStringLiteral(".query.dc1.consul"), QStringLiteral("A")});
        QCOMPARE(d.answers(), QStringList{id + QStringLiteral(".query.dc1.consul. 10 IN A 10.1.0.1")});
        d = dig({QStringLiteral("tpl-secondary-web.query.consul"), QStringLiteral("SRV")});
        QCOMPARE(d.ofType(QStringLiteral("ANSWER"), QStringLiteral("SRV")),
                 QStringList{QStringLiteral("tpl-secondary-web.query.consul. 0 IN SRV 1 1 8081 %1.node.dc1.consul.").arg(m_node)});
        QVERIFY2(d.ofType(QStringLiteral("ADDITIONAL"), QStringLiteral("A"))
                     .contains(QStringLiteral("%1.node.dc1.consul. 0 IN A 127.0.0.1").arg(m_node)),
                 qPrintable(d.out));
        // Unknown query, and a template that renders to an unknown service: NXDOMAIN with SOA.
        for (const QString &name : {QStringLiteral("nosuch.query.consul"), QStringLiteral("tpl-x-nosuch.query.consul")}) {
            d = dig({name});
            QCOMPARE(d.status(), QStringLiteral("NXDOMAIN"));
            QCOMPARE(d.ofType(QStringLiteral("AUTHORITY"), QStringLiteral("SOA")).size(), 1);
        }

        // Errors as Consul gives them; nothing stored changes.
        r = post(QJsonObject{{"Name", "web-primary"}, {"Service", QJsonObject{{"Service", "web"}}}});
        QCOMPARE(r.status, 500);
        QCOMPARE(r.body, QByteArray("name 'web-primary' aliases an existing query name"));
        r = post(QJsonObject{{"Name", "no-service"}});
        QCOMPARE(r.status, 500);
        QCOMPARE(r.body, QByteArray("Must provide a Service name to query"));
        r = post(QJsonObject{{"Service", QJsonObject{{"Service", 7}}}});
        QCOMPARE(r.status, 400);
        QVERIFY(r.body.startsWith("Request decode failed: "));
        r = httpRequest("GET", base + QStringLiteral("/v1/query/nosuch/execute"));
        QCOMPARE(r.status, 404);
        QCOMPARE(r.body, QByteArray("Query not found"));
        r = httpRequest("GET", base + QStringLiteral("/v1/query"));
        QCOMPARE(QJsonDocument::fromJson(r.body).array().size(), 2);

        // Update, then delete: the name stops resolving.
        r = httpRequest("PUT", base + QStringLiteral("/v1/query/") + id,
                        QJsonDocument(QJsonObject{{"Name", "web-primary"},
                                                  {"Service", QJsonObject{{"Service", "web"}, {"Tags", QJsonArray{"secondary"}}}}})
                            .toJson());
        QCOMPARE(r.status, 200);
        d = dig({QStringLiteral("web-primary.query.consul")});
        QCOMPARE(d.answers(), QStringList{QStringLiteral("web-primary.query.consul. 0 IN A 127.0.0.1")});
        r = httpRequest("GET", base + QStringLiteral("/v1/query/") + id);
        const QJsonObject stored = QJsonDocument::fromJson(r.body).array().at(0).toObject();
        QVERIFY(stored.value(u"ModifyIndex").toInteger() > stored.value(u"CreateIndex").toInteger());
        QCOMPARE(httpRequest("DELETE", base + QStringLiteral("/v1/query/") + id).status, 200);
        QCOMPARE(httpRequest("GET", base + QStringLiteral("/v1/query/") + id).status, 404);
        QCOMPARE(dig({QStringLiteral("web-primary.query.consul")}).status(), QStringLiteral("NXDOMAIN"));
    }

    void rfc2782()
    {
        DigResult r = dig({QStringLiteral("_web._primary.service.consul"), QStringLiteral("SRV")});
        QCOMPARE(r.ofType(QStringLiteral("ANSWER"), QStringLiteral("SRV")),
                 QStringList{QStringLiteral("_web._primary.service.consul. 0 IN SRV 1 7 8080 0a010001.addr.dc1.consul.")});
        r = kdig({QStringLiteral("_web._tcp.consul"), QStringLiteral("SRV")});
        QCOMPARE(r.ofType(QStringLiteral("ANSWER"), QStringLiteral("SRV")).size(), 2);
        r = dig({QStringLiteral("_web._tcp.service.dc1.consul"), QStringLiteral("SRV")});
        QCOMPARE(r.ofType(QStringLiteral("ANSWER"), QStringLiteral("SRV")).size(), 2);
    }

    void connectName()
    {
        QVERIFY(put(m_agent, QStringLiteral("/v1/agent/service/register"),
                    QJsonObject{{"ID", "web-sidecar-proxy"}, {"Name", "web-sidecar-proxy"}, {"Kind", "connect-proxy"},
                                {"Port", 21000}, {"Address", "10.1.0.9"},
                                {"Proxy", QJsonObject{{"DestinationServiceName", "web"}}}}));
        const DigResult r = dig({QStringLiteral("web.connect.consul"), QStringLiteral("SRV")});
        QCOMPARE(r.status(), QStringLiteral("NOERROR"));
        QCOMPARE(r.ofType(QStringLiteral("ANSWER"), QStringLiteral("SRV")),
                 QStringList{QStringLiteral("web.connect.consul. 0 IN SRV 1 1 21000 0a010009.addr.dc1.consul.")});
    }

    void virtualAndIngressNames()
    {
        // No mesh: no virtual IPs (NOERROR, empty).
        DigResult r = dig({QStringLiteral("web.virtual.consul")});
        QCOMPARE(r.status(), QStringLiteral("NOERROR"));
        QVERIFY(r.answers().isEmpty());
        QVERIFY(r.section(QStringLiteral("AUTHORITY")).isEmpty());
        // An ingress gateway that no ingress-gateway config entry routes to the service: NXDOMAIN.
        QVERIFY(put(m_agent, QStringLiteral("/v1/agent/service/register"),
                    QJsonObject{{"ID", "ingress"}, {"Name", "ingress"}, {"Kind", "ingress-gateway"}, {"Port", 8888}}));
        QVERIFY(put(m_agent, QStringLiteral("/v1/agent/service/register"),
                    QJsonObject{{"ID", "other-gw"}, {"Name", "other-gw"}, {"Kind", "ingress-gateway"}, {"Port", 9999}}));
        r = kdig({QStringLiteral("web.ingress.consul")});
        QCOMPARE(r.status(), QStringLiteral("NXDOMAIN"));
        QCOMPARE(r.ofType(QStringLiteral("AUTHORITY"), QStringLiteral("SOA")).size(), 1);
        // Its entry exposes web: web's ingress instances are that gateway's (not other-gw's).
        QVERIFY(put(m_agent, QStringLiteral("/v1/config"),
                    QJsonObject{{"Kind", "ingress-gateway"}, {"Name", "ingress"},
                                {"Listeners", QJsonArray{QJsonObject{{"Port", 8080}, {"Protocol", "http"},
                                                                    {"Services", QJsonArray{QJsonObject{{"Name", "web"}}}}}}}}));
        r = dig({QStringLiteral("web.ingress.consul")});
        QCOMPARE(r.status(), QStringLiteral("NOERROR"));
        QCOMPARE(r.answers(), QStringList{QStringLiteral("web.ingress.consul. 0 IN A 127.0.0.1")});
        r = kdig({QStringLiteral("WEB.ingress.dc1.consul"), QStringLiteral("SRV")});
        const QStringList srv = r.ofType(QStringLiteral("ANSWER"), QStringLiteral("SRV"));
        QCOMPARE(srv.size(), 1);
        QVERIFY2(srv.first().contains(QStringLiteral(" IN SRV 1 1 8888 ")), qPrintable(srv.first()));
        r = dig({QStringLiteral("db.ingress.consul")});
        QCOMPARE(r.status(), QStringLiteral("NXDOMAIN"));
        // A wildcard exposes every registered service of the default kind, not made-up names.
        QVERIFY(put(m_agent, QStringLiteral("/v1/config"),
                    QJsonObject{{"Kind", "ingress-gateway"}, {"Name", "other-gw"},
                                {"Listeners", QJsonArray{QJsonObject{{"Port", 8081}, {"Protocol", "http"},
                                                                    {"Services", QJsonArray{QJsonObject{{"Name", "*"}}}}}}}}));
        r = dig({QStringLiteral("web.ingress.consul"), QStringLiteral("SRV")});
        QCOMPARE(r.ofType(QStringLiteral("ANSWER"), QStringLiteral("SRV")).size(), 2);
        r = dig({QStringLiteral("nosuch.ingress.consul")});
        QCOMPARE(r.status(), QStringLiteral("NXDOMAIN"));
        // A gateway in maintenance (critical) is left out.
        QVERIFY(put(m_agent, QStringLiteral("/v1/agent/service/maintenance/other-gw?enable=true")));
        r = dig({QStringLiteral("web.ingress.consul"), QStringLiteral("SRV")});
        QCOMPARE(r.ofType(QStringLiteral("ANSWER"), QStringLiteral("SRV")).size(), 1);
        // Without the entries no gateway exposes web any more.
        for (const char *gateway : {"ingress", "other-gw"})
            QCOMPARE(httpRequest("DELETE", m_agent.baseUrl() + QStringLiteral("/v1/config/ingress-gateway/") + QLatin1String(gateway)).status, 200);
        r = dig({QStringLiteral("web.ingress.consul")});
        QCOMPARE(r.status(), QStringLiteral("NXDOMAIN"));
        QVERIFY(put(m_agent, QStringLiteral("/v1/agent/service/deregister/ingress")));
        QVERIFY(put(m_agent, QStringLiteral("/v1/agent/service/deregister/other-gw")));
    }

    void addrAndPtr()
    {
        DigResult r = dig({QStringLiteral("0a010001.addr.dc1.consul")});
        QCOMPARE(r.answers(), QStringList{QStringLiteral("0a010001.addr.dc1.consul. 0 IN A 10.1.0.1")});
        r = kdig({QStringLiteral("20010db8000000000000000000000001.addr.dc1.consul"), QStringLiteral("AAAA")});
        QCOMPARE(r.answers(), QStringList{QStringLiteral("20010db8000000000000000000000001.addr.dc1.consul. 0 IN AAAA 2001:db8::1")});
        r = dig({QStringLiteral("-x"), QStringLiteral("127.0.0.1")});
        QCOMPARE(r.status(), QStringLiteral("NOERROR"));
        QCOMPARE(r.answers(), QStringList{QStringLiteral("1.0.0.127.in-addr.arpa. 0 IN PTR %1.node.dc1.consul.").arg(m_node)});
        r = kdig({QStringLiteral("-x"), QStringLiteral("10.1.0.1")});
        QCOMPARE(r.answers(), QStringList{QStringLiteral("1.0.1.10.in-addr.arpa. 0 IN PTR web.service.dc1.consul.")});
        r = dig({QStringLiteral("-x"), QStringLiteral("192.0.2.99")});
        QCOMPARE(r.status(), QStringLiteral("NXDOMAIN"));
    }

    void soaAndNs()
    {
        DigResult r = dig({QStringLiteral("consul"), QStringLiteral("SOA")});
        QCOMPARE(r.status(), QStringLiteral("NOERROR"));
        const QStringList soa = r.ofType(QStringLiteral("ANSWER"), QStringLiteral("SOA"));
        QCOMPARE(soa.size(), 1);
        QVERIFY2(QRegularExpression(QStringLiteral("^consul\\. 0 IN SOA ns\\.consul\\. hostmaster\\.consul\\. \\d+ 3600 600 86400 0$"))
                     .match(soa.first()).hasMatch(),
                 qPrintable(soa.first()));
        QCOMPARE(r.ofType(QStringLiteral("AUTHORITY"), QStringLiteral("NS")),
                 QStringList{QStringLiteral("consul. 0 IN NS %1.node.dc1.consul.").arg(m_node.toLower())});
        r = kdig({QStringLiteral("consul"), QStringLiteral("NS")});
        QCOMPARE(r.ofType(QStringLiteral("ANSWER"), QStringLiteral("NS")).size(), 1);
        QCOMPARE(r.ofType(QStringLiteral("ADDITIONAL"), QStringLiteral("A")),
                 QStringList{QStringLiteral("%1.node.dc1.consul. 0 IN A 127.0.0.1").arg(m_node.toLower())});
    }

    void truncationOverUdpAndFullAnswersOverTcp()
    {
        // UDP without EDNS: udp_answer_limit (3) records, TC not set (enable_truncate is off).
        DigResult r = dig({QStringLiteral("+noedns"), QStringLiteral("+ignore"), QStringLiteral("many.service.consul")});
        QCOMPARE(r.status(), QStringLiteral("NOERROR"));
        QCOMPARE(r.answers().size(), 3);
        QVERIFY(!r.flags().contains(QStringLiteral("tc")));
        // EDNS with a large buffer: all 20; the buffer size is echoed.
        r = dig({QStringLiteral("+bufsize=4096"), QStringLiteral("many.service.consul")});
        QCOMPARE(r.answers().size(), 20);
        QVERIFY2(r.out.contains(QStringLiteral("udp: 4096")), qPrintable(r.out));
        // TCP: everything, SRV with 20 additionals, read by both tools.
        r = dig({QStringLiteral("+tcp"), QStringLiteral("+noedns"), QStringLiteral("many.service.consul"), QStringLiteral("SRV")});
        QCOMPARE(r.ofType(QStringLiteral("ANSWER"), QStringLiteral("SRV")).size(), 20);
        QCOMPARE(r.ofType(QStringLiteral("ADDITIONAL"), QStringLiteral("A")).size(), 20);
        r = kdig({QStringLiteral("+tcp"), QStringLiteral("many.service.consul"), QStringLiteral("A")});
        QCOMPARE(r.answers().size(), 20);
    }

    void ednsClientSubnetEchoed()
    {
        const DigResult r = dig({QStringLiteral("+subnet=192.0.2.0/24"), QStringLiteral("web.service.consul")});
        QCOMPARE(r.status(), QStringLiteral("NOERROR"));
        QVERIFY2(r.out.contains(QStringLiteral("CLIENT-SUBNET: 192.0.2.0/24/0")), qPrintable(r.out));
    }

    void criticalTtlCheckRemovesTheInstance()
    {
        QVERIFY(put(m_agent, QStringLiteral("/v1/agent/service/register"),
                    QJsonObject{{"ID", "ttl1"}, {"Name", "ttlsvc"}, {"Address", "10.3.0.1"}, {"Port", 1},
                                {"Check", QJsonObject{{"CheckID", "ttl1-check"}, {"TTL", "60s"}}}}));
        QVERIFY(put(m_agent, QStringLiteral("/v1/agent/service/register"),
                    QJsonObject{{"ID", "ttl2"}, {"Name", "ttlsvc"}, {"Address", "10.3.0.2"}, {"Port", 2}}));
        // A new TTL check starts critical: only ttl2 is served.
        DigResult r = dig({QStringLiteral("ttlsvc.service.consul")});
        QCOMPARE(r.answers(), QStringList{QStringLiteral("ttlsvc.service.consul. 0 IN A 10.3.0.2")});
        QVERIFY(put(m_agent, QStringLiteral("/v1/agent/check/pass/ttl1-check")));
        r = kdig({QStringLiteral("ttlsvc.service.consul"), QStringLiteral("A")});
        QCOMPARE(r.answers().size(), 2);
        // Warning stays in (weight Warning in SRV), critical goes.
        QVERIFY(put(m_agent, QStringLiteral("/v1/agent/check/warn/ttl1-check")));
        QCOMPARE(dig({QStringLiteral("ttlsvc.service.consul")}).answers().size(), 2);
        QVERIFY(put(m_agent, QStringLiteral("/v1/agent/check/fail/ttl1-check")));
        r = dig({QStringLiteral("ttlsvc.service.consul")});
        QCOMPARE(r.answers(), QStringList{QStringLiteral("ttlsvc.service.consul. 0 IN A 10.3.0.2")});
        // Service maintenance takes ttl2 out too: no healthy instance left → NXDOMAIN.
        QVERIFY(put(m_agent, QStringLiteral("/v1/agent/service/maintenance/ttl2?enable=true&reason=test")));
        r = dig({QStringLiteral("ttlsvc.service.consul")});
        QCOMPARE(r.status(), QStringLiteral("NXDOMAIN"));
        QVERIFY(put(m_agent, QStringLiteral("/v1/agent/service/maintenance/ttl2?enable=false")));
        QCOMPARE(dig({QStringLiteral("ttlsvc.service.consul")}).answers().size(), 1);
        // Node maintenance (a node-level critical check) hides every service of the node.
        QVERIFY(put(m_agent, QStringLiteral("/v1/agent/maintenance?enable=true&reason=test")));
        QCOMPARE(dig({QStringLiteral("web.service.consul")}).status(), QStringLiteral("NXDOMAIN"));
        QVERIFY(put(m_agent, QStringLiteral("/v1/agent/maintenance?enable=false")));
        QCOMPARE(dig({QStringLiteral("web.service.consul")}).answers().size(), 2);
    }

    void badInputIsAnsweredOrDroppedAndTheServerKeepsServing()
    {
        // No recursors: names outside the domain are refused; CHAOS class too.
        DigResult r = dig({QStringLiteral("example.com")});
        QCOMPARE(r.status(), QStringLiteral("REFUSED"));
        QVERIFY(!r.flags().contains(QStringLiteral("ra")));
        QCOMPARE(dig({QStringLiteral("version.bind"), QStringLiteral("CH"), QStringLiteral("TXT")}).status(), QStringLiteral("REFUSED"));
        QCOMPARE(dig({QStringLiteral("+opcode=status"), QStringLiteral("web.service.consul")}).status(), QStringLiteral("NOTIMP"));
        QVERIFY(runTool(QStringLiteral("kdig"), m_agent.dnsPort(), {QStringLiteral("consul"), QStringLiteral("AXFR")})
                    .out.contains(QStringLiteral("NOTIMPL")));
        // Raw packets: truncated header (dropped), counts past the end, a label loop, two questions.
        QUdpSocket s;
        const QList<QByteArray> packets{
            QByteArray::fromHex("1234"),
            QByteArray::fromHex("abcd0100ffff00000000000003666f6f00"),
            QByteArray::fromHex("abcd01000001000000000000c00c00010001"),
            QByteArray::fromHex("abcd010000020000000000000161000001000101620000010001"),
            QByteArray::fromHex("abcd0100000100000000000040") + QByteArray(70, 'a'),
        };
        QList<int> rcodes;
        for (const QByteArray &p : packets) {
            s.writeDatagram(p, QHostAddress::LocalHost, m_agent.dnsPort());
            QElapsedTimer t;
            t.start();
            while (!s.hasPendingDatagrams() && t.elapsed() < 300)
                QTest::qWait(5);
            if (!s.hasPendingDatagrams()) {
                rcodes << -1;
                continue;
            }
            QByteArray b(int(s.pendingDatagramSize()), '\0');
            s.readDatagram(b.data(), b.size());
            rcodes << (b.size() >= 4 ? uchar(b[3]) & 0xF : -2);
        }
        QCOMPARE(rcodes, (QList<int>{-1, 1, 1, 1, 1})); // dropped, then FORMERR
        QCOMPARE(dig({QStringLiteral("web.service.consul")}).answers().size(), 2);
    }
};

// A second agent with recursors (a real unbound on loopback), alt_domain, enable_truncate,
// only_passing and TTLs.
class TestDnsConfigured : public QObject
{
    Q_OBJECT

    QTemporaryDir m_dir;
    QProcess m_unbound;
    quint16 m_unboundPort = 0;
    std::unique_ptr<AgentProcess> m_agent;

    DigResult dig(const QStringList &args) { return runTool(QStringLiteral("dig"), m_agent->dnsPort(), args); }

private Q_SLOTS:
    void initTestCase()
    {
        const QString unbound = QStandardPaths::findExecutable(QStringLiteral("unbound"), {"/usr/sbin", "/usr/bin", "/sbin"});
        if (unbound.isEmpty())
            QFAIL("unbound is needed for the recursor tests (apt-get install unbound; scripts/install-deps.sh)");
        m_unboundPort = qonsul::test::freeTcpUdpPort();
        QString conf = QStringLiteral(
                           "server:\n  interface: 127.0.0.1@%1\n  port: %1\n  do-daemonize: no\n  use-syslog: no\n"
                           "  logfile: \"\"\n  chroot: \"\"\n  username: \"\"\n  directory: \"%2\"\n  pidfile: \"%2/unbound.pid\"\n"
                           "  do-ip6: no\n  num-threads: 1\n  access-control: 127.0.0.0/8 allow\n"
                           "  module-config: \"iterator\"\n  local-zone: \"example.test.\" static\n"
                           "  local-data: \"www.example.test. 300 IN A 192.0.2.10\"\n")
                           .arg(m_unboundPort)
                           .arg(m_dir.path());
        for (int i = 1; i <= 60; ++i)
            conf += QStringLiteral("  local-data: \"big.example.test. 300 IN A 198.51.100.%1\"\n").arg(i);
        QFile f(m_dir.filePath(QStringLiteral("unbound.conf")));
        QVERIFY(f.open(QIODevice::WriteOnly));
        f.write(conf.toUtf8());
        f.close();
        m_unbound.setProcessChannelMode(QProcess::MergedChannels);
        m_unbound.start(unbound, {QStringLiteral("-d"), QStringLiteral("-c"), f.fileName()});
        QVERIFY(m_unbound.waitForStarted(5000));
        // Ready when it answers.
        QElapsedTimer t;
        t.start();
        while (runTool(QStringLiteral("dig"), m_unboundPort, {QStringLiteral("www.example.test")}).status() != u"NOERROR") {
            if (t.elapsed() > 10000 || m_unbound.state() != QProcess::Running)
                QFAIL(qPrintable(QStringLiteral("unbound did not start: ") + QString::fromUtf8(m_unbound.readAll())));
            QTest::qWait(100);
        }

        // The first recursor is dead (nothing listens there): sequential order skips it.
        const quint16 dead = qonsul::test::freeTcpUdpPort();
        QVERIFY(writeConfig(QJsonObject{
            {"recursors", QJsonArray{QStringLiteral("127.0.0.1:%1").arg(dead), QStringLiteral("127.0.0.1:%1").arg(m_unboundPort)}},
            {"alt_domain", "alt.test"},
            {"dns_config", QJsonObject{{"enable_truncate", true},
                                       {"only_passing", true},
                                       {"recursor_timeout", "300ms"},
                                       {"node_ttl", "10s"},
                                       {"service_ttl", QJsonObject{{"*", "5s"}, {"web", "30s"}}}}}}));
        m_agent = std::make_unique<AgentProcess>(QStringList{QStringLiteral("-config-file"), configPath()});
        QVERIFY(m_agent->start());
        for (int i = 1; i <= 12; ++i)
            QVERIFY(put(*m_agent, QStringLiteral("/v1/agent/service/register"),
                        QJsonObject{{"ID", QStringLiteral("web%1").arg(i)}, {"Name", "web"},
                                    {"Address", QStringLiteral("10.4.0.%1").arg(i)}, {"Port", 80}}));
        QVERIFY(put(*m_agent, QStringLiteral("/v1/agent/service/register"),
                    QJsonObject{{"ID", "warn1"}, {"Name", "warnsvc"}, {"Address", "10.5.0.1"}, {"Port", 1},
                                {"Check", QJsonObject{{"CheckID", "warn1-check"}, {"TTL", "60s"}}}}));
        QVERIFY(put(*m_agent, QStringLiteral("/v1/agent/check/warn/warn1-check")));
        QVERIFY(put(*m_agent, QStringLiteral("/v1/agent/service/register"),
                    QJsonObject{{"ID", "other"}, {"Name", "other"}, {"Address", "10.6.0.1"}, {"Port", 1}}));
    }
    void cleanupTestCase()
    {
        if (m_agent)
            m_agent->stop();
        if (m_unbound.state() != QProcess::NotRunning) {
            m_unbound.terminate();
            if (!m_unbound.waitForFinished(3000))
                m_unbound.kill();
        }
    }

    void recursionThroughARealResolver()
    {
        DigResult r = dig({QStringLiteral("www.example.test")});
        QCOMPARE(r.status(), QStringLiteral("NOERROR"));
        QVERIFY2(r.flags().contains(QStringLiteral("ra")), qPrintable(r.out));
        QCOMPARE(r.answers(), QStringList{QStringLiteral("www.example.test. 300 IN A 192.0.2.10")});
        r = runTool(QStringLiteral("kdig"), m_agent->dnsPort(), {QStringLiteral("nosuch.example.test"), QStringLiteral("A")});
        QCOMPARE(r.status(), QStringLiteral("NXDOMAIN"));
        // Truncated upstream answer: UDP gets TC, TCP gets all 60.
        r = dig({QStringLiteral("+noedns"), QStringLiteral("+ignore"), QStringLiteral("big.example.test")});
        QVERIFY2(r.flags().contains(QStringLiteral("tc")), qPrintable(r.out));
        r = dig({QStringLiteral("+tcp"), QStringLiteral("big.example.test")});
        QCOMPARE(r.answers().size(), 60);
        // Without the +ignore dig itself retries over TCP and gets all of them.
        r = dig({QStringLiteral("+noedns"), QStringLiteral("big.example.test")});
        QCOMPARE(r.answers().size(), 60);
        // Consul's own names still answered locally, with RA (recursion available).
        r = dig({QStringLiteral("web.service.consul")});
        QVERIFY(r.flags().contains(QStringLiteral("ra")));
        QVERIFY(r.flags().contains(QStringLiteral("aa")));
    }

    void allRecursorsFailingIsServfail()
    {
        cleanupUnbound();
        const DigResult r = dig({QStringLiteral("www.example.test")});
        QCOMPARE(r.status(), QStringLiteral("SERVFAIL"));
        QVERIFY(r.flags().contains(QStringLiteral("ra")));
    }

    void altDomain()
    {
        const DigResult r = dig({QStringLiteral("+tcp"), QStringLiteral("web.service.alt.test"), QStringLiteral("SRV")});
        QCOMPARE(r.status(), QStringLiteral("NOERROR"));
        const QStringList srv = r.ofType(QStringLiteral("ANSWER"), QStringLiteral("SRV"));
        QCOMPARE(srv.size(), 12);
        for (const QString &s : srv)
            QVERIFY2(s.endsWith(QStringLiteral(".addr.dc1.alt.test.")), qPrintable(s));
        const DigResult nx = dig({QStringLiteral("nope.alt.test")});
        QCOMPARE(nx.status(), QStringLiteral("NXDOMAIN"));
        QVERIFY(nx.ofType(QStringLiteral("AUTHORITY"), QStringLiteral("SOA")).value(0).startsWith(QStringLiteral("alt.test. ")));
    }

    void enableTruncateSetsTc()
    {
        DigResult r = dig({QStringLiteral("+noedns"), QStringLiteral("+ignore"), QStringLiteral("web.service.consul")});
        QCOMPARE(r.answers().size(), 3);
        QVERIFY2(r.flags().contains(QStringLiteral("tc")), qPrintable(r.out));
        // dig follows the TC over TCP and gets all twelve.
        r = dig({QStringLiteral("+noedns"), QStringLiteral("web.service.consul")});
        QCOMPARE(r.answers().size(), 12);
    }

    void onlyPassingAndTtls()
    {
        QCOMPARE(dig({QStringLiteral("warnsvc.service.consul")}).status(), QStringLiteral("NXDOMAIN"));
        QVERIFY(put(*m_agent, QStringLiteral("/v1/agent/check/pass/warn1-check")));
        DigResult r = dig({QStringLiteral("warnsvc.service.consul")});
        QCOMPARE(r.answers(), QStringList{QStringLiteral("warnsvc.service.consul. 5 IN A 10.5.0.1")});
        r = dig({QStringLiteral("+tcp"), QStringLiteral("web.service.consul")});
        QVERIFY(r.answers().value(0).startsWith(QStringLiteral("web.service.consul. 30 IN A ")));
        r = dig({QStringLiteral("other.service.consul")});
        QCOMPARE(r.answers(), QStringList{QStringLiteral("other.service.consul. 5 IN A 10.6.0.1")});
        r = dig({nodeName(*m_agent) + QStringLiteral(".node.consul")});
        QVERIFY2(r.answers().value(0).section(u' ', 1, 1) == u"10", qPrintable(r.out));
    }

    // dns_config and recursors are reloadable, as in Consul: TTLs, only_passing and the recursors
    // change for the queries after a reload, also where an answer was cached before it.
    void reloadAppliesDnsConfigAndRecursors()
    {
        QVERIFY(put(*m_agent, QStringLiteral("/v1/agent/check/warn/warn1-check")));
        QCOMPARE(dig({QStringLiteral("warnsvc.service.consul")}).status(), QStringLiteral("NXDOMAIN"));
        QCOMPARE(dig({QStringLiteral("other.service.consul")}).answers(),
                 QStringList{QStringLiteral("other.service.consul. 5 IN A 10.6.0.1")});
        // allRecursorsFailingIsServfail stopped unbound: the recursors are there, and failing.
        QCOMPARE(dig({QStringLiteral("www.example.test")}).status(), QStringLiteral("SERVFAIL"));
        QVERIFY(writeConfig(QJsonObject{{"alt_domain", "alt.test"},
                                        {"dns_config", QJsonObject{{"node_ttl", "42s"}, {"service_ttl", QJsonObject{{"*", "7s"}}}}}}));
        QVERIFY(put(*m_agent, QStringLiteral("/v1/agent/reload")));
        QCOMPARE(dig({QStringLiteral("other.service.consul")}).answers(),
                 QStringList{QStringLiteral("other.service.consul. 7 IN A 10.6.0.1")});
        QCOMPARE(dig({QStringLiteral("warnsvc.service.consul")}).answers(),
                 QStringList{QStringLiteral("warnsvc.service.consul. 7 IN A 10.5.0.1")}); // warning counts again
        DigResult r = dig({nodeName(*m_agent) + QStringLiteral(".node.consul")});
        QVERIFY2(r.answers().value(0).section(u' ', 1, 1) == u"42", qPrintable(r.out));
        r = dig({QStringLiteral("www.example.test")}); // no recursors now
        QCOMPARE(r.status(), QStringLiteral("REFUSED"));
        QVERIFY(!r.flags().contains(QStringLiteral("ra")));
        // A config that does not load changes nothing.
        QFile bad(configPath());
        QVERIFY(bad.open(QIODevice::WriteOnly));
        bad.write(R"({"dns_config": {"node_ttl": "forever"}})");
        bad.close();
        QCOMPARE(httpRequest("PUT", m_agent->baseUrl() + QStringLiteral("/v1/agent/reload")).status, 500);
        r = dig({nodeName(*m_agent) + QStringLiteral(".node.consul")});
        QVERIFY2(r.answers().value(0).section(u' ', 1, 1) == u"42", qPrintable(r.out));
    }

private:
    QString configPath() const { return m_dir.filePath(QStringLiteral("agent.json")); }
    bool writeConfig(const QJsonObject &config)
    {
        QFile f(configPath());
        return f.open(QIODevice::WriteOnly | QIODevice::Truncate) && f.write(QJsonDocument(config).toJson()) > 0;
    }

    void cleanupUnbound()
    {
        m_unbound.terminate();
        if (!m_unbound.waitForFinished(3000))
            m_unbound.kill();
    }
};

int main(int argc, char **argv)
{
    QCoreApplication app(argc, argv);
    int status = 0;
    {
        TestDns t;
        status |= QTest::qExec(&t, argc, argv);
    }
    {
        TestDnsConfigured t;
        status |= QTest::qExec(&t, argc, argv);
    }
    return status;
}

#include "tst_dns.moc"

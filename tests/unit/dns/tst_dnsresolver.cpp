// DnsResolver against a real in-memory state store: every Consul name form, health filtering,
// TTLs, truncation, EDNS, and the answers to bad input.
#include <QtTest>

#include "dns/DnsResolver.h"
#include "state/Command.h"
#include "state/StateStore.h"

using namespace qonsul;
using namespace qonsul::dns;

namespace {

QByteArray hex(const char *h) { return QByteArray::fromHex(h); }

QByteArray query(const QByteArray &name, quint16 qtype, std::optional<quint16> edns = std::nullopt,
                 quint16 qclass = klass::IN)
{
    Message m;
    m.header.id = 0x5151;
    m.header.rd = true;
    m.questions.append({name, qtype, qclass});
    if (edns) {
        m.edns = Edns{};
        m.edns->udpSize = *edns;
    }
    return encode(m);
}

QJsonObject check(const QString &id, const QString &status, const QString &serviceId = {})
{
    QJsonObject c{{"CheckID", id}, {"Name", id}, {"Status", status}};
    if (!serviceId.isEmpty())
        c.insert("ServiceID", serviceId);
    return c;
}

class Fixture
{
public:
    state::StateStore store;

    void node(const QString &name, const QString &address, const QJsonObject &meta = {}, const QJsonArray &checks = {})
    {
        QJsonObject body{{"Node", name}, {"Address", address}, {"NodeMeta", meta}};
        if (!checks.isEmpty())
            body.insert("Checks", checks);
        apply(body);
    }
    void service(const QString &node, const QJsonObject &svc, const QJsonArray &checks = {})
    {
        QJsonObject body{{"Node", node}, {"Address", store.findNode(node)->address}, {"Service", svc},
                         {"SkipNodeUpdate", true}};
        if (!checks.isEmpty())
            body.insert("Checks", checks);
        apply(body);
    }
    void apply(const QJsonObject &body)
    {
        const state::ApplyResult r = store.apply(store.lastIndex() + 1, state::command::registerNode(body, 0));
        QVERIFY2(r.error.isEmpty(), qPrintable(r.error));
    }
};

Message ask(DnsResolver &r, const QByteArray &packet, bool tcp = false)
{
    const DnsResolver::Outcome out = r.handle(packet, tcp);
    if (out.action != DnsResolver::Action::Reply)
        return {};
    const auto m = parse(out.reply);
    return m ? *m : Message{};
}

QList<QByteArray> addresses(const QList<Record> &records, quint16 t = type::A)
{
    QList<QByteArray> out;
    for (const Record &r : records) {
        if (r.type == t)
            out.append(r.address.toHex());
    }
    std::sort(out.begin(), out.end());
    return out;
}

} // namespace

class TestDnsResolver : public QObject
{
    Q_OBJECT

    std::unique_ptr<Fixture> fp;
    std::unique_ptr<DnsResolver> resolver;
    DnsSettings settings;

    void makeResolver() { resolver = std::make_unique<DnsResolver>(&fp->store, settings); }

private Q_SLOTS:
    void init()
    {
        fp = std::make_unique<Fixture>();
        Fixture &f = *fp;
        settings = DnsSettings{};
        settings.altDomain = "alt.test.";
        f.node("node1", "10.0.0.1", QJsonObject{{"rack", "r1"}, {"rfc1035-raw", "plain"}});
        f.node("node2", "10.0.0.2");
        f.node("node3", "10.0.0.3", {}, QJsonArray{check("serfHealth", "critical")});
        f.node("v6node", "2001:db8::6");
        f.service("node1", QJsonObject{{"ID", "web1"}, {"Service", "web"}, {"Port", 8080}, {"Tags", QJsonArray{"Primary"}},
                                       {"Weights", QJsonObject{{"Passing", 10}, {"Warning", 2}}}},
                  QJsonArray{check("web1-ttl", "passing", "web1")});
        f.service("node2", QJsonObject{{"ID", "web2"}, {"Service", "web"}, {"Port", 8081}, {"Address", "10.1.1.2"},
                                       {"Weights", QJsonObject{{"Passing", 10}, {"Warning", 2}}}},
                  QJsonArray{check("web2-ttl", "warning", "web2")});
        f.service("node3", QJsonObject{{"ID", "web3"}, {"Service", "web"}, {"Port", 8082}}); // serfHealth critical
        f.service("node1", QJsonObject{{"ID", "db1"}, {"Service", "db"}, {"Port", 5432}},
                  QJsonArray{check("db1", "critical", "db1")});
        f.service("node2", QJsonObject{{"ID", "ext"}, {"Service", "ext"}, {"Port", 443}, {"Address", "example.org"}});
        f.service("v6node", QJsonObject{{"ID", "six"}, {"Service", "six"}, {"Port", 6}});
        makeResolver();
    }

    void serviceAReturnsOnlyHealthyInstances()
    {
        const Message m = ask(*resolver, query("web.service.consul.", type::A));
        QCOMPARE(m.header.rcode, rcode::NoError);
        QVERIFY(m.header.aa && m.header.qr && !m.header.ra);
        QCOMPARE(addresses(m.answers), (QList<QByteArray>{"0a000001", "0a010102"}));
        for (const Record &r : m.answers)
            QCOMPARE(r.name, QByteArray("web.service.consul."));
    }

    void namesAreCaseInsensitiveAndKeepTheAskedSpelling()
    {
        const Message m = ask(*resolver, query("WEB.Service.CONSUL.", type::A));
        QCOMPARE(m.answers.size(), 2);
        QCOMPARE(m.answers[0].name, QByteArray("WEB.Service.CONSUL."));
    }

    void onlyPassingDropsWarningInstances()
    {
        settings.config.onlyPassing = true;
        makeResolver();
        const Message m = ask(*resolver, query("web.service.consul.", type::A));
        QCOMPARE(addresses(m.answers), (QList<QByteArray>{"0a000001"}));
    }

    void allCriticalIsNxdomainWithSoa()
    {
        const Message m = ask(*resolver, query("db.service.consul.", type::A));
        QCOMPARE(m.header.rcode, rcode::NXDomain);
        QCOMPARE(m.answers.size(), 0);
        QCOMPARE(m.authority.size(), 1);
        QCOMPARE(m.authority[0].type, type::SOA);
        QCOMPARE(m.authority[0].name, QByteArray("consul."));
        QCOMPARE(m.authority[0].target, QByteArray("ns.consul."));
        QCOMPARE(m.authority[0].mbox, QByteArray("hostmaster.consul."));
        QCOMPARE(m.authority[0].refresh, 3600u);
        QCOMPARE(m.authority[0].retry, 600u);
        QCOMPARE(m.authority[0].expire, 86400u);
    }

    void tagFilterIsCaseInsensitive()
    {
        const Message m = ask(*resolver, query("primary.web.service.consul.", type::A));
        QCOMPARE(addresses(m.answers), (QList<QByteArray>{"0a000001"}));
        QCOMPARE(ask(*resolver, query("nosuchtag.web.service.consul.", type::A)).header.rcode, rcode::NXDomain);
    }

    void srvHasWeightsTargetsAndAdditionals()
    {
        const Message m = ask(*resolver, query("web.service.consul.", type::SRV));
        QCOMPARE(m.answers.size(), 2);
        QMap<quint16, Record> byPort;
        for (const Record &r : m.answers)
            byPort.insert(r.port, r);
        QCOMPARE(byPort[8080].priority, 1);
        QCOMPARE(byPort[8080].weight, 10); // passing
        QCOMPARE(byPort[8080].target, QByteArray("node1.node.dc1.consul."));
        QCOMPARE(byPort[8081].weight, 2); // warning
        QCOMPARE(byPort[8081].target, QByteArray("0a010102.addr.dc1.consul."));
        // Additional: A for each target, plus node1's meta as TXT.
        QStringList extra;
        for (const Record &r : m.additional)
            extra << QString::fromLatin1(r.name + ' ' + QByteArray::number(r.type) + ' ' + r.address.toHex()
                                         + (r.texts.isEmpty() ? QByteArray() : r.texts[0]));
        extra.sort();
        QCOMPARE(extra, (QStringList{"0a010102.addr.dc1.consul. 1 0a010102", "node1.node.dc1.consul. 1 0a000001",
                                     "node1.node.dc1.consul. 16 plain", "node1.node.dc1.consul. 16 rack=r1"}));
    }

    void rfc2782Forms()
    {
        Message m = ask(*resolver, query("_web._tcp.service.consul.", type::SRV));
        QCOMPARE(m.answers.size(), 2);
        m = ask(*resolver, query("_web._primary.service.consul.", type::SRV));
        QCOMPARE(m.answers.size(), 1);
        QCOMPARE(m.answers[0].port, 8080);
        m = ask(*resolver, query("_web._tcp.consul.", type::SRV)); // without ".service"
        QCOMPARE(m.answers.size(), 2);
        m = ask(*resolver, query("_web._tcp.dc1.consul.", type::SRV));
        QCOMPARE(m.answers.size(), 2);
        QCOMPARE(ask(*resolver, query("_web._tcp.consul.", type::A)).header.rcode, rcode::NXDomain);
    }

    void datacenterLabel()
    {
        QCOMPARE(ask(*resolver, query("web.service.dc1.consul.", type::A)).answers.size(), 2);
        QCOMPARE(ask(*resolver, query("web.service.dc1.dc.consul.", type::A)).answers.size(), 2);
        QCOMPARE(ask(*resolver, query("web.service.dc2.consul.", type::A)).header.rcode, rcode::NXDomain);
        QCOMPARE(ask(*resolver, query("node1.node.dc2.consul.", type::A)).header.rcode, rcode::NXDomain);
    }

    void otherDatacentersAreForwardedWhenKnown()
    {
        resolver->setRemoteDatacenters([](const QString &dc) { return dc == u"dc2"; });
        for (const char *name : {"web.service.dc2.consul.", "node1.node.dc2.consul.", "q.query.dc2.consul.",
                                 "web.connect.dc2.dc.consul."}) {
            const DnsResolver::Outcome out = resolver->handle(query(name, type::A), false);
            QCOMPARE(int(out.action), int(DnsResolver::Action::Forward));
            QCOMPARE(out.datacenter, QByteArray("dc2"));
            QCOMPARE(out.query.questions[0].name, QByteArray(name));
            const Message failed = *parse(resolver->forwardFailed(out.query));
            QCOMPARE(failed.header.rcode, rcode::ServFail);
        }
        // No path to it: NXDOMAIN, as without WAN federation; this datacenter answers itself.
        QCOMPARE(ask(*resolver, query("web.service.dc3.consul.", type::A)).header.rcode, rcode::NXDomain);
        QCOMPARE(ask(*resolver, query("web.service.dc1.consul.", type::A)).header.rcode, rcode::NoError);
    }

    void preparedQueryFailoverOutcome()
    {
        const QJsonObject definition{{"ID", "a0000000-0000-0000-0000-000000000001"}, {"Name", "far"},
                                     {"Service", QJsonObject{{"Service", "nowhere"}, {"Failover", QJsonObject{{"NearestN", 1}}}}}};
        QVERIFY(fp->store.apply(fp->store.lastIndex() + 1, state::command::querySet(definition, true)).error.isEmpty());
        // Without other datacenters: NXDOMAIN as before.
        QCOMPARE(ask(*resolver, query("far.query.consul.", type::A)).header.rcode, rcode::NXDomain);
        resolver->setRemoteDatacenters([](const QString &dc) { return dc == u"dc2"; });
        const DnsResolver::Outcome out = resolver->handle(query("far.query.consul.", type::SRV), false);
        QCOMPARE(int(out.action), int(DnsResolver::Action::Failover));
        QCOMPARE(out.definition.value("Name").toString(), QString("far"));
        // dc2's instances become the answer, named in dc2.
        QList<state::HealthEntry> entries;
        fp->store.healthService(QStringLiteral("web"), &entries);
        QVERIFY(!entries.isEmpty());
        const Message m = *parse(resolver->answerFailover(out.query, false, out.definition, "dc2", entries));
        QCOMPARE(m.header.rcode, rcode::NoError);
        QCOMPARE(m.answers.size(), entries.size());
        QVERIFY(m.answers[0].target.endsWith(".dc2.consul."));
        const Message none = *parse(resolver->answerFailover(out.query, false, out.definition, "dc1", {}));
        QCOMPARE(none.header.rcode, rcode::NXDomain);
    }

    void wanAddressesForAnotherDatacentersAgent()
    {
        fp->apply(QJsonObject{{"Node", "edge"}, {"Address", "10.9.0.9"},
                              {"TaggedAddresses", QJsonObject{{"lan", "10.9.0.9"}, {"wan", "203.0.113.9"}}}});
        fp->service("edge", QJsonObject{{"ID", "api1"}, {"Service", "api"}, {"Address", "10.9.0.1"}, {"Port", 80},
                                        {"TaggedAddresses", QJsonObject{{"wan", QJsonObject{{"Address", "198.51.100.7"}, {"Port", 8443}}}}}});
        fp->service("edge", QJsonObject{{"ID", "db1"}, {"Service", "db"}, {"Port", 5432}});
        auto translated = [&](const QByteArray &packet) {
            const DnsResolver::Outcome out = resolver->handle(packet, false, true);
            return out.action == DnsResolver::Action::Reply ? *parse(out.reply) : Message{};
        };
        QCOMPARE(addresses(ask(*resolver, query("api.service.consul.", type::A)).answers), (QList<QByteArray>{"0a090001"}));
        QCOMPARE(addresses(translated(query("api.service.consul.", type::A)).answers), (QList<QByteArray>{"c6336407"}));
        const Message srv = translated(query("api.service.consul.", type::SRV));
        QCOMPARE(srv.answers.size(), 1);
        QCOMPARE(srv.answers[0].port, 8443);
        // Without a service address the node's WAN address answers; node lookups too.
        QCOMPARE(addresses(translated(query("db.service.consul.", type::A)).answers), (QList<QByteArray>{"cb007109"}));
        QCOMPARE(addresses(translated(query("edge.node.consul.", type::A)).answers), (QList<QByteArray>{"cb007109"}));
        QCOMPARE(addresses(ask(*resolver, query("edge.node.consul.", type::A)).answers), (QList<QByteArray>{"0a090009"}));
    }

    void serviceHostnameIsCname()
    {
        const Message m = ask(*resolver, query("ext.service.consul.", type::A));
        QCOMPARE(m.header.rcode, rcode::NoError);
        QCOMPARE(m.answers.size(), 1);
        QCOMPARE(m.answers[0].type, type::CNAME);
        QCOMPARE(m.answers[0].target, QByteArray("example.org."));
        const Message srv = ask(*resolver, query("ext.service.consul.", type::SRV));
        QCOMPARE(srv.answers[0].target, QByteArray("example.org."));
    }

    void ipv6Instances()
    {
        Message m = ask(*resolver, query("six.service.consul.", type::AAAA));
        QCOMPARE(addresses(m.answers, type::AAAA), (QList<QByteArray>{"20010db8000000000000000000000006"}));
        m = ask(*resolver, query("six.service.consul.", type::A)); // no IPv4: NODATA with SOA
        QCOMPARE(m.header.rcode, rcode::NoError);
        QCOMPARE(m.answers.size(), 0);
        QCOMPARE(m.authority.size(), 1);
        QCOMPARE(m.authority[0].type, type::SOA);
        // AAAA for an IPv4-only service: NODATA too.
        m = ask(*resolver, query("web.service.consul.", type::AAAA));
        QCOMPARE(m.header.rcode, rcode::NoError);
        QCOMPARE(m.answers.size(), 0);
        QCOMPARE(m.authority[0].type, type::SOA);
    }

    void nodeLookups()
    {
        Message m = ask(*resolver, query("node1.node.consul.", type::A));
        QCOMPARE(addresses(m.answers), (QList<QByteArray>{"0a000001"}));
        QCOMPARE(m.additional.size(), 2); // node meta TXT in the additional section
        m = ask(*resolver, query("NODE1.node.dc1.consul.", type::TXT));
        QCOMPARE(m.answers.size(), 2);
        QCOMPARE(m.answers[0].type, type::TXT);
        m = ask(*resolver, query("node1.node.consul.", type::ANY));
        QCOMPARE(m.answers.size(), 3);
        m = ask(*resolver, query("nosuch.node.consul.", type::A));
        QCOMPARE(m.header.rcode, rcode::NXDomain);
        QCOMPARE(m.authority[0].type, type::SOA);
        m = ask(*resolver, query("node1.node.consul.", type::MX));
        QCOMPARE(m.header.rcode, rcode::NoError);
        QCOMPARE(m.answers.size(), 0);
        QCOMPARE(m.authority[0].type, type::SOA);
        // The critical serfHealth hides services, not the node itself.
        QCOMPARE(ask(*resolver, query("node3.node.consul.", type::A)).answers.size(), 1);
    }

    void nodeMetaTxtCanBeTurnedOff()
    {
        settings.config.enableAdditionalNodeMetaTxt = false;
        makeResolver();
        QCOMPARE(ask(*resolver, query("node1.node.consul.", type::A)).additional.size(), 0);
        const Message srv = ask(*resolver, query("primary.web.service.consul.", type::SRV));
        QCOMPARE(srv.additional.size(), 1);
    }

    void addrLookups()
    {
        Message m = ask(*resolver, query("c0a80001.addr.dc1.consul.", type::A));
        QCOMPARE(addresses(m.answers), (QList<QByteArray>{"c0a80001"}));
        m = ask(*resolver, query("20010db8000000000000000000000001.addr.dc1.consul.", type::AAAA));
        QCOMPARE(addresses(m.answers, type::AAAA), (QList<QByteArray>{"20010db8000000000000000000000001"}));
        QCOMPARE(ask(*resolver, query("zz000001.addr.dc1.consul.", type::A)).header.rcode, rcode::NXDomain);
        QCOMPARE(ask(*resolver, query("c0a8.addr.dc1.consul.", type::A)).header.rcode, rcode::NXDomain);
        m = ask(*resolver, query("c0a80001.addr.dc1.consul.", type::AAAA));
        QCOMPARE(m.header.rcode, rcode::NoError);
        QCOMPARE(m.answers.size(), 0);
    }

    void ptrLookups()
    {
        Message m = ask(*resolver, query("1.0.0.10.in-addr.arpa.", type::PTR));
        QCOMPARE(m.header.rcode, rcode::NoError);
        QCOMPARE(m.answers.size(), 1);
        QCOMPARE(m.answers[0].target, QByteArray("node1.node.dc1.consul."));
        // A service address no node has.
        m = ask(*resolver, query("2.1.1.10.in-addr.arpa.", type::PTR));
        QCOMPARE(m.answers[0].target, QByteArray("web.service.dc1.consul."));
        m = ask(*resolver, query(reverseName(QHostAddress("2001:db8::6")), type::PTR));
        QCOMPARE(m.answers[0].target, QByteArray("v6node.node.dc1.consul."));
        m = ask(*resolver, query("9.9.9.9.in-addr.arpa.", type::PTR));
        QCOMPARE(m.header.rcode, rcode::NXDomain);
        QCOMPARE(m.authority[0].type, type::SOA);
    }

    void soaAndNsAtTheApex()
    {
        fp->service("node1", QJsonObject{{"ID", "consul"}, {"Service", "consul"}, {"Port", 8300}});
        Message m = ask(*resolver, query("consul.", type::SOA));
        QCOMPARE(m.header.rcode, rcode::NoError);
        QCOMPARE(m.answers.size(), 1);
        QCOMPARE(m.answers[0].type, type::SOA);
        QCOMPARE(m.authority.size(), 1);
        QCOMPARE(m.authority[0].target, QByteArray("node1.node.dc1.consul."));
        QCOMPARE(addresses(m.additional), (QList<QByteArray>{"0a000001"}));
        m = ask(*resolver, query("consul.", type::NS));
        QCOMPARE(m.answers.size(), 1);
        QCOMPARE(m.answers[0].type, type::NS);
        QCOMPARE(m.answers[0].name, QByteArray("consul."));
        // An A query at the apex is not a name form.
        QCOMPARE(ask(*resolver, query("consul.", type::A)).header.rcode, rcode::NXDomain);
    }

    void configurableSoaTimers()
    {
        settings.config.soa = {100, 50, 1000, 7};
        makeResolver();
        const Message m = ask(*resolver, query("nope.consul.", type::A));
        QCOMPARE(m.authority[0].refresh, 100u);
        QCOMPARE(m.authority[0].retry, 50u);
        QCOMPARE(m.authority[0].expire, 1000u);
        QCOMPARE(m.authority[0].minimum, 7u);
        QCOMPARE(m.authority[0].ttl, 7u);
    }

    void altDomain()
    {
        Message m = ask(*resolver, query("web.service.alt.test.", type::SRV));
        QCOMPARE(m.answers.size(), 2);
        for (const Record &r : m.answers)
            QVERIFY(r.target.endsWith(".dc1.alt.test."));
        m = ask(*resolver, query("nope.alt.test.", type::A));
        QCOMPARE(m.authority[0].name, QByteArray("alt.test."));
    }

    void ttls()
    {
        settings.config.nodeTtl = 10 * kSecond;
        settings.config.serviceTtl = {{"*", 5 * kSecond}, {"we*", 7 * kSecond}, {"db", 9 * kSecond}};
        makeResolver();
        QCOMPARE(ask(*resolver, query("web.service.consul.", type::A)).answers[0].ttl, 7u);
        QCOMPARE(ask(*resolver, query("six.service.consul.", type::AAAA)).answers[0].ttl, 5u);
        QCOMPARE(ask(*resolver, query("node1.node.consul.", type::A)).answers[0].ttl, 10u);
        settings.config.serviceTtl = {};
        makeResolver();
        QCOMPARE(ask(*resolver, query("web.service.consul.", type::A)).answers[0].ttl, 0u);
    }

    void manyInstancesAreTrimmedOverUdpAndShuffled()
    {
        for (int i = 0; i < 40; ++i) {
            const QString node = QStringLiteral("big%1").arg(i);
            fp->node(node, QStringLiteral("10.9.0.%1").arg(i + 1));
            fp->service(node, QJsonObject{{"ID", "big"}, {"Service", "big"}, {"Port", 1000 + i}});
        }
        // UDP without EDNS: udp_answer_limit (3), no TC unless enable_truncate.
        Message m = ask(*resolver, query("big.service.consul.", type::A));
        QCOMPARE(m.answers.size(), 3);
        QVERIFY(!m.header.tc);
        // Shuffled: across tries different instances come first.
        QSet<QByteArray> firsts;
        for (int i = 0; i < 30; ++i)
            firsts.insert(ask(*resolver, query("big.service.consul.", type::A)).answers[0].address);
        QVERIFY(firsts.size() > 3);
        // EDNS with a big buffer: all of them.
        m = ask(*resolver, query("big.service.consul.", type::A, 4096));
        QCOMPARE(m.answers.size(), 40);
        QVERIFY(m.edns);
        QCOMPARE(m.edns->udpSize, 4096);
        // EDNS with 512: as many as fit.
        const QByteArray small = resolver->handle(query("big.service.consul.", type::SRV, 512), false).reply;
        QVERIFY(small.size() <= 512);
        // TCP: everything.
        QCOMPARE(ask(*resolver, query("big.service.consul.", type::SRV), true).answers.size(), 40);
        QCOMPARE(ask(*resolver, query("big.service.consul.", type::SRV), true).additional.size(), 40);

        settings.config.enableTruncate = true;
        makeResolver();
        m = ask(*resolver, query("big.service.consul.", type::A));
        QCOMPARE(m.answers.size(), 3);
        QVERIFY(m.header.tc);
        m = ask(*resolver, query("big.service.consul.", type::SRV));
        QVERIFY(m.header.tc);
        QVERIFY(m.answers.size() <= 3);
        // After trimming, each SRV target keeps its address record.
        for (const Record &a : m.answers)
            QVERIFY(std::any_of(m.additional.begin(), m.additional.end(), [&](const Record &r) { return r.name == a.target; }));
        QVERIFY(!ask(*resolver, query("big.service.consul.", type::A), true).header.tc);

        settings.config.udpAnswerLimit = 1;
        settings.config.aRecordLimit = 0;
        makeResolver();
        QCOMPARE(ask(*resolver, query("big.service.consul.", type::A)).answers.size(), 1);
    }

    void aRecordLimitCapsAddressAnswers()
    {
        for (int i = 0; i < 10; ++i) {
            const QString node = QStringLiteral("lim%1").arg(i);
            fp->node(node, QStringLiteral("10.8.0.%1").arg(i + 1));
            fp->service(node, QJsonObject{{"ID", "lim"}, {"Service", "lim"}, {"Port", 80}});
        }
        settings.config.aRecordLimit = 2;
        makeResolver();
        QCOMPARE(ask(*resolver, query("lim.service.consul.", type::A), true).answers.size(), 2);
        QCOMPARE(ask(*resolver, query("lim.service.consul.", type::SRV), true).answers.size(), 10);
    }

    void ednsAndClientSubnetAreEchoed()
    {
        Message q;
        q.header.id = 9;
        q.questions.append({"web.service.consul.", type::A, klass::IN});
        q.edns = Edns{};
        q.edns->udpSize = 1232;
        q.edns->options.append({kEcsOption, hex("0001180cc0a801")});
        q.edns->options.append({10, hex("0102030405060708")}); // cookie: not echoed
        const Message m = ask(*resolver, encode(q));
        QVERIFY(m.edns);
        QCOMPARE(m.edns->udpSize, 1232);
        QCOMPARE(m.edns->options.size(), 1);
        QCOMPARE(m.edns->options[0].code, kEcsOption);
        QCOMPARE(m.edns->options[0].data, hex("00011800c0a801")); // scope 0: a global answer
        QVERIFY(!ask(*resolver, query("web.service.consul.", type::A)).edns);
    }

    void catalogWritesAreVisibleToTheNextQuery()
    {
        QCOMPARE(ask(*resolver, query("web.service.consul.", type::A)).answers.size(), 2);
        fp->apply(QJsonObject{{"Node", "node1"}, {"Address", "10.0.0.1"}, {"SkipNodeUpdate", true},
                            {"Check", check("web1-ttl", "critical", "web1")}});
        QCOMPARE(ask(*resolver, query("web.service.consul.", type::A)).answers.size(), 1);
        fp->apply(QJsonObject{{"Node", "node1"}, {"Address", "10.0.0.1"}, {"SkipNodeUpdate", true},
                            {"Check", check("_node_maintenance", "critical")}});
        fp->apply(QJsonObject{{"Node", "node1"}, {"Address", "10.0.0.1"}, {"SkipNodeUpdate", true},
                            {"Check", check("web1-ttl", "passing", "web1")}});
        QCOMPARE(ask(*resolver, query("web.service.consul.", type::A)).answers.size(), 1); // still in maintenance
        fp->node("node9", "10.0.0.9");
        fp->service("node9", QJsonObject{{"ID", "web9"}, {"Service", "web"}, {"Port", 1}});
        QCOMPARE(ask(*resolver, query("web.service.consul.", type::A)).answers.size(), 2);
    }

    void cachedServicesFollowEveryKindOfWrite()
    {
        // Per-service answers last until that service is written to; name indexes are kept
        // across writes. Every way a write can change an answer must still show at once.
        QCOMPARE(ask(*resolver, query("web.service.consul.", type::A)).answers.size(), 2);
        QCOMPARE(ask(*resolver, query("node1.node.consul.", type::A)).answers.size(), 1);
        // A new service in lower case, then one in mixed case (found through a rebuilt index).
        fp->service("node2", QJsonObject{{"ID", "api1"}, {"Service", "api"}, {"Port", 1}});
        QCOMPARE(addresses(ask(*resolver, query("API.service.consul.", type::A)).answers), (QList<QByteArray>{"0a000002"}));
        fp->service("node1", QJsonObject{{"ID", "mixed1"}, {"Service", "MixedCase"}, {"Port", 1}});
        QCOMPARE(addresses(ask(*resolver, query("mixedcase.service.consul.", type::A)).answers), (QList<QByteArray>{"0a000001"}));
        // A node-level check on one node drops that node's instances of every cached service.
        QCOMPARE(ask(*resolver, query("api.service.consul.", type::A)).answers.size(), 1);
        fp->apply(QJsonObject{{"Node", "node2"}, {"Address", "10.0.0.2"}, {"SkipNodeUpdate", true},
                              {"Check", check("serfHealth", "critical")}});
        QCOMPARE(ask(*resolver, query("api.service.consul.", type::A)).header.rcode, rcode::NXDomain);
        QCOMPARE(addresses(ask(*resolver, query("web.service.consul.", type::A)).answers), (QList<QByteArray>{"0a000001"}));
        // A node's address changes the answers of the services on it.
        fp->node("node1", "10.0.0.11", QJsonObject{{"rack", "r1"}, {"rfc1035-raw", "plain"}});
        QCOMPARE(addresses(ask(*resolver, query("web.service.consul.", type::A)).answers), (QList<QByteArray>{"0a00000b"}));
        QCOMPARE(addresses(ask(*resolver, query("node1.node.consul.", type::A)).answers), (QList<QByteArray>{"0a00000b"}));
        // Deregistered: gone, and a new node is found by name.
        QVERIFY(fp->store.apply(fp->store.lastIndex() + 1, state::command::deregister("node1", "mixed1", {}, 0)).error.isEmpty());
        QCOMPARE(ask(*resolver, query("mixedcase.service.consul.", type::A)).header.rcode, rcode::NXDomain);
        fp->node("Node7", "10.0.0.7");
        QCOMPARE(addresses(ask(*resolver, query("node7.node.consul.", type::A)).answers), (QList<QByteArray>{"0a000007"}));
        // Unrelated writes keep the entry of a service (same answers, nothing rebuilt).
        fp->service("node2", QJsonObject{{"ID", "other"}, {"Service", "other"}, {"Port", 1}});
        QCOMPARE(addresses(ask(*resolver, query("web.service.consul.", type::A)).answers), (QList<QByteArray>{"0a00000b"}));
    }

    void restoredSnapshotOfAnotherClusterReplacesCachedAnswers()
    {
        // Another cluster's store, written in the same order (so db has the same index in both)
        // but with node1 at another address, and one write further. Restored here, the answer
        // cached for db at that same index must not survive.
        Fixture other;
        other.node("node1", "10.0.0.9");
        other.service("node1", QJsonObject{{"ID", "db1"}, {"Service", "db"}, {"Port", 5432}});
        other.node("node5", "10.0.0.5");
        fp = std::make_unique<Fixture>();
        fp->node("node1", "10.0.0.1");
        fp->service("node1", QJsonObject{{"ID", "db1"}, {"Service", "db"}, {"Port", 5432}});
        makeResolver();
        QCOMPARE(addresses(ask(*resolver, query("db.service.consul.", type::A)).answers), (QList<QByteArray>{"0a000001"}));
        QVERIFY(other.store.lastIndex() > fp->store.lastIndex());
        QString error;
        QVERIFY2(fp->store.restore(other.store.snapshot(), &error), qPrintable(error));
        QCOMPARE(addresses(ask(*resolver, query("db.service.consul.", type::A)).answers), (QList<QByteArray>{"0a000009"}));
    }

    void cachedRepliesKeepShufflingIdsAndSpelling()
    {
        // Encoded replies are reused per instance order: every order still comes up, each reply
        // carries its own query's ID, and a different spelling of the name is its own question.
        for (const char *id : {"w7"}) // with web1 and web2 (warning): 3 healthy instances
            fp->service("node2", QJsonObject{{"ID", QString::fromLatin1(id)}, {"Service", "web"}, {"Port", 1}, {"Address", QString(QStringLiteral("10.2.0.") + QLatin1Char(id[1]))}});
        resolver->seed(7);
        QSet<QByteArray> orders;
        for (int n = 0; n < 120; ++n) {
            QByteArray packet = query("web.service.consul.", type::A);
            packet[0] = char(n), packet[1] = char(n * 7);
            const DnsResolver::Outcome out = resolver->handle(packet, false);
            QCOMPARE(out.reply.first(2), packet.first(2));
            const auto m = parse(out.reply);
            QVERIFY(m);
            QByteArray order;
            for (const Record &r : m->answers)
                order += r.address.toHex() + ' ';
            QCOMPARE(m->answers.size(), 3);
            orders.insert(order);
        }
        QCOMPARE(orders.size(), 6); // 3 instances: all 3! orders
        const Message upper = ask(*resolver, query("WEB.service.consul.", type::A));
        QCOMPARE(upper.questions.first().name, QByteArray("WEB.service.consul."));
        QCOMPARE(upper.answers.first().name, QByteArray("WEB.service.consul."));
        const Message srv = ask(*resolver, query("web.service.consul.", type::SRV), true);
        QCOMPARE(srv.answers.size(), 3);
        QCOMPARE(srv.answers.first().type, type::SRV);
        // UDP and TCP replies to the same bytes differ (3 answers without EDNS, all over TCP).
        for (int i = 0; i < 4; ++i)
            fp->service(i % 2 ? "node1" : "node2", QJsonObject{{"ID", QStringLiteral("quad%1").arg(i)}, {"Service", "quad"}, {"Port", 1},
                                                               {"Address", QStringLiteral("10.4.0.%1").arg(i)}});
        for (int n = 0; n < 30; ++n) {
            QCOMPARE(ask(*resolver, query("quad.service.consul.", type::A)).answers.size(), 3);
            QCOMPARE(ask(*resolver, query("quad.service.consul.", type::A), true).answers.size(), 4);
        }
        // A write to the service replaces its cached replies at once; other services keep theirs.
        fp->apply(QJsonObject{{"Node", "node2"}, {"Address", "10.0.0.2"}, {"SkipNodeUpdate", true},
                              {"Check", check("quad0", "critical", "quad0")}});
        for (int n = 0; n < 30; ++n) {
            QCOMPARE(ask(*resolver, query("quad.service.consul.", type::A), true).answers.size(), 3);
            QCOMPARE(ask(*resolver, query("web.service.consul.", type::A)).answers.size(), 3);
        }
    }

    void replyCacheStartsOverWhenFull()
    {
        // Every EDNS size is another question: past the cache's 32,768 replies it is emptied and
        // filled again, and answers stay right throughout.
        for (int i = 0; i < 34000; ++i) {
            const Message m = ask(*resolver, query("web.service.consul.", type::A, quint16(600 + i)));
            QCOMPARE(m.answers.size(), 2);
            QCOMPARE(m.edns->udpSize, quint16(600 + i));
        }
    }

    void outsideTheDomain()
    {
        Message m = ask(*resolver, query("example.com.", type::A));
        QCOMPARE(m.header.rcode, rcode::Refused);
        QVERIFY(!m.header.ra);
        settings.haveRecursors = true;
        makeResolver();
        const DnsResolver::Outcome out = resolver->handle(query("example.com.", type::A), false);
        QCOMPARE(int(out.action), int(DnsResolver::Action::Recurse));
        QCOMPARE(out.query.questions[0].name, QByteArray("example.com."));
        m = *parse(resolver->recursionFailed(out.query));
        QCOMPARE(m.header.rcode, rcode::ServFail);
        QVERIFY(m.header.ra);
        // Answers of ours say RA when recursors exist.
        QVERIFY(ask(*resolver, query("web.service.consul.", type::A)).header.ra);
        // An unknown reverse name is forwarded too.
        QCOMPARE(int(resolver->handle(query("9.9.9.9.in-addr.arpa.", type::PTR), false).action),
                 int(DnsResolver::Action::Recurse));
    }

    void connectNamesAnswerProxiesAndNativeInstances()
    {
        fp->service("node2", QJsonObject{{"ID", "web-proxy"}, {"Service", "web-sidecar-proxy"}, {"Kind", "connect-proxy"},
                                         {"Port", 21000}, {"Proxy", QJsonObject{{"DestinationServiceName", "web"}}}});
        fp->service("node1", QJsonObject{{"ID", "api1"}, {"Service", "api"}, {"Port", 9000}, {"Address", "10.7.0.1"},
                                         {"Connect", QJsonObject{{"Native", true}}}});
        fp->service("node2", QJsonObject{{"ID", "api2"}, {"Service", "api"}, {"Port", 9001}, {"Address", "10.7.0.2"}});
        Message m = ask(*resolver, query("web.connect.consul.", type::SRV));
        QCOMPARE(m.header.rcode, rcode::NoError);
        QCOMPARE(m.answers.size(), 1);
        QCOMPARE(m.answers[0].port, 21000);
        QCOMPARE(m.answers[0].target, QByteArray("node2.node.dc1.consul."));
        m = ask(*resolver, query("api.connect.consul.", type::A));
        QCOMPARE(addresses(m.answers), (QList<QByteArray>{"0a070001"}));
        QCOMPARE(ask(*resolver, query("db.connect.consul.", type::A)).header.rcode, rcode::NXDomain);
    }

    void unsupportedFormsAreNxdomain()
    {
        for (const char *name : {"nosuch.connect.consul.", "web.ingress.consul.", "q.query.consul.", "virtual.consul.",
                                 "service.consul.", "x.y.node.a.b.c.consul.", "foo.bar.consul."})
            QVERIFY2(ask(*resolver, query(name, type::A)).header.rcode == rcode::NXDomain, name);
    }

    void virtualNamesHaveNoAddressWithoutAMesh()
    {
        // Consul's answer for a service without a virtual IP: NOERROR, nothing, no SOA.
        for (const char *name : {"web.virtual.consul.", "nosuch.virtual.consul.", "web.virtual.peer1.consul."}) {
            const Message m = ask(*resolver, query(name, type::A));
            QCOMPARE(m.header.rcode, rcode::NoError);
            QVERIFY(m.header.aa);
            QVERIFY(m.answers.isEmpty());
            QVERIFY(m.authority.isEmpty());
        }
    }

    void badInput()
    {
        // Too short, or a response: dropped.
        QCOMPARE(int(resolver->handle(hex("0102"), false).action), int(DnsResolver::Action::Drop));
        QByteArray response = query("web.service.consul.", type::A);
        response[2] = char(uchar(response[2]) | 0x80);
        QCOMPARE(int(resolver->handle(response, false).action), int(DnsResolver::Action::Drop));
        // Truncated body: FORMERR with the ID.
        QByteArray cut = query("web.service.consul.", type::A);
        cut.chop(3);
        Message m = ask(*resolver, cut);
        QCOMPARE(m.header.id, 0x5151);
        QCOMPARE(m.header.rcode, rcode::FormErr);
        // Two questions: FORMERR.
        Message two;
        two.questions = {{"a.consul.", type::A, klass::IN}, {"b.consul.", type::A, klass::IN}};
        QCOMPARE(ask(*resolver, encode(two)).header.rcode, rcode::FormErr);
        // No question: FORMERR.
        QCOMPARE(ask(*resolver, encode(Message{})).header.rcode, rcode::FormErr);
        // Opcode STATUS / UPDATE: NOTIMP.
        QByteArray status = query("web.service.consul.", type::A);
        status[2] = char((uchar(status[2]) & 0x87) | (2 << 3));
        QCOMPARE(ask(*resolver, status).header.rcode, rcode::NotImp);
        // CHAOS class: REFUSED.
        QCOMPARE(ask(*resolver, query("version.bind.", type::TXT, std::nullopt, klass::CH)).header.rcode, rcode::Refused);
        // Zone transfers: NOTIMP.
        QCOMPARE(ask(*resolver, query("consul.", type::AXFR), true).header.rcode, rcode::NotImp);
        // A label loop: FORMERR.
        QCOMPARE(ask(*resolver, hex("abcd01000001000000000000c00c00010001")).header.rcode, rcode::FormErr);
    }
};

QTEST_GUILESS_MAIN(TestDnsResolver)
#include "tst_dnsresolver.moc"

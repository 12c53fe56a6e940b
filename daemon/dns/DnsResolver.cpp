// Consul's DNS name forms answered from the state store: see DnsResolver.h and docs/dns.md.
#include "dns/DnsResolver.h"

#include "state/ConfigEntry.h"
#include "state/StateStore.h"

#include <QDateTime>
#include <QSet>
#include <QVarLengthArray>

#include <algorithm>

namespace qonsul::dns {

namespace {

constexpr int kMaxUdpAnswerLimit = 8;   // Consul's hard cap on udp_answer_limit
constexpr int kDefaultMaxUdpSize = 512;
constexpr int kMaxUdpDatagram = 65535 - 60; // bigger EDNS sizes are clamped to this
constexpr int kMaxTcpSize = 65523;
constexpr int kMaxCachedOrderInstances = 4; // 4! = 24 orders per question
constexpr int kMaxCachedReplies = 32768;    // a few MB at most, whatever clients send

quint32 seconds(Nanoseconds ns) { return ns <= 0 ? 0 : quint32(std::min<qint64>(ns / kSecond, 0xFFFFFFFFLL)); }

QByteArray lower(const QString &s) { return lowerName(s.toUtf8()); }

// Which addresses a record of the asked type may use (Consul's TranslateAddressAccept).
enum Accept { AcceptDomain = 1, AcceptIPv4 = 2, AcceptIPv6 = 4, AcceptAny = 8 };

int acceptFor(quint16 qtype)
{
    if (qtype == type::A)
        return AcceptDomain | AcceptIPv4;
    if (qtype == type::AAAA)
        return AcceptDomain | AcceptIPv6;
    return AcceptDomain | AcceptAny;
}

// The wire bytes of an IP literal (4 or 16); empty when `s` is not one.
QByteArray ipBytes(const QString &s)
{
    QHostAddress ip;
    if (s.isEmpty() || !ip.setAddress(s))
        return {};
    if (ip.protocol() == QAbstractSocket::IPv4Protocol) {
        const quint32 v = ip.toIPv4Address();
        const char b[4] = {char(v >> 24), char((v >> 16) & 0xFF), char((v >> 8) & 0xFF), char(v & 0xFF)};
        return QByteArray(b, 4);
    }
    bool isV4 = false;
    const quint32 mapped = ip.toIPv4Address(&isV4);
    if (isV4) { // ::ffff:a.b.c.d behaves as IPv4, as Go's To4() does
        const char b[4] = {char(mapped >> 24), char((mapped >> 16) & 0xFF), char((mapped >> 8) & 0xFF), char(mapped & 0xFF)};
        return QByteArray(b, 4);
    }
    const Q_IPV6ADDR v6 = ip.toIPv6Address();
    return QByteArray(reinterpret_cast<const char *>(v6.c), 16);
}

// An address as registered, with its wire bytes when it is an IP literal (parsed once, when the
// cache is filled, not per query).
struct Addr
{
    QString text;
    QByteArray ip; // 4 or 16 bytes, or empty for a host name / nothing
};

Addr makeAddr(const QString &text) { return {text, ipBytes(text)}; }

// Which of the default, lan_ipv4 and lan_ipv6 addresses a record of the asked type uses
// (Consul's translateAddressAccept); null when none fits.
const Addr *translate(int accept, const Addr &def, const Addr &v4, const Addr &v6)
{
    if ((accept & AcceptIPv6) && !v6.text.isEmpty())
        return &v6;
    if ((accept & AcceptIPv4) && !v4.text.isEmpty())
        return &v4;
    if ((accept & AcceptAny) && !def.text.isEmpty())
        return &def;
    if (!def.ip.isEmpty()) {
        const bool isV4 = def.ip.size() == 4;
        return (isV4 && (accept & AcceptIPv4)) || (!isV4 && (accept & AcceptIPv6)) ? &def : nullptr;
    }
    return !def.text.isEmpty() && (accept & AcceptDomain) ? &def : nullptr;
}

QByteArray fqdn(const QString &s)
{
    QByteArray out = s.toUtf8();
    if (!out.endsWith('.'))
        out.append('.');
    return out;
}

// A/AAAA for `ip` if the asked type allows it (Consul's makeARecord).
std::optional<Record> addressRecord(quint16 qtype, const QByteArray &ip, const QByteArray &name, quint32 ttl)
{
    const bool anyLike = qtype == type::SRV || qtype == type::ANY || qtype == type::NS || qtype == type::TXT;
    if (ip.size() == 4 && (anyLike || qtype == type::A))
        return Record::a(name, ttl, ip);
    if (ip.size() == 16 && (anyLike || qtype == type::AAAA))
        return Record::aaaa(name, ttl, ip);
    return std::nullopt;
}

QString serviceTaggedAddress(const api::Service &s, const char *key)
{
    return s.taggedAddresses.value(QLatin1StringView(key)).toObject().value(QLatin1StringView("Address")).toString();
}

} // namespace

QByteArray reverseName(const QHostAddress &address)
{
    QByteArray out;
    bool isV4 = false;
    const quint32 v4 = address.toIPv4Address(&isV4);
    if (isV4) {
        for (int i = 0; i < 4; ++i)
            out += QByteArray::number((v4 >> (8 * i)) & 0xFF) + '.';
        return out + "in-addr.arpa.";
    }
    const Q_IPV6ADDR v6 = address.toIPv6Address();
    static const char hex[] = "0123456789abcdef";
    for (int i = 15; i >= 0; --i) {
        out += hex[v6.c[i] & 0xF];
        out += '.';
        out += hex[v6.c[i] >> 4];
        out += '.';
    }
    return out + "ip6.arpa.";
}

// RFC 1464: backquote '`' and '=' in the key and its leading/trailing spaces; '`' in the value.
QByteArray rfc1464(const QString &key, const QString &value)
{
    QByteArray k = key.toUtf8();
    k.replace("`", "``");
    k.replace("=", "`=");
    qsizetype lead = 0;
    while (lead < k.size() && k.at(lead) == ' ')
        ++lead;
    qsizetype trail = 0;
    while (trail < k.size() - lead && k.at(k.size() - 1 - trail) == ' ')
        ++trail;
    QByteArray mid = k.mid(lead, k.size() - lead - trail);
    k = QByteArray("` ").repeated(lead) + mid + QByteArray("` ").repeated(trail);
    QByteArray v = value.toUtf8();
    v.replace("`", "``");
    return k + '=' + v;
}

DnsSettings DnsSettings::fromAgentConfig(const config::AgentConfig &c)
{
    DnsSettings s;
    s.domain = lowerName(fqdn(c.domain.isEmpty() ? QStringLiteral("consul.") : c.domain));
    s.altDomain = c.altDomain.isEmpty() ? QByteArray() : lowerName(fqdn(c.altDomain));
    s.datacenter = lower(c.datacenter);
    s.haveRecursors = !c.recursors.isEmpty();
    s.config = c.dnsConfig;
    return s;
}

// One healthy service instance, with what the answers need precomputed.
struct DnsResolver::Instance
{
    QString node;
    QByteArray nodeUtf8;
    Addr nodeAddress, nodeV4, nodeV6;
    Addr serviceAddress, serviceV4, serviceV6;
    quint16 port = 0;
    // What translate_wan_addrs answers with (Consul's TranslateAddress / TranslateServiceAddress /
    // TranslateServicePort): the "wan" tagged address in place of the default one when there is
    // one, the wan_ipv4 / wan_ipv6 ones in place of the LAN ones, the "wan" port when set.
    Addr wanNode, wanNodeV4, wanNodeV6, wanService, wanServiceV4, wanServiceV6;
    quint16 wanPort = 0;
    quint16 weight = 1;
    QList<QByteArray> tags; // lower case
    QList<QByteArray> metaTxt;
};

struct DnsResolver::ServiceCache
{
    quint64 version = 0;       // the service's index when built (Connect: the catalog's)
    QList<Instance> instances; // healthy ones only
    quint32 ttl = 0;           // service_ttl for this (lower-case) name
    QString name;              // as registered
};

// One instance as DNS answers use it, addresses parsed once.
static DnsResolver::Instance makeInstance(const api::Node &node, const api::Service &service, bool warning)
{
    DnsResolver::Instance i;
    i.node = node.node;
    i.nodeUtf8 = node.node.toUtf8();
    i.nodeAddress = makeAddr(node.address);
    i.nodeV4 = makeAddr(node.taggedAddresses.value(QStringLiteral("lan_ipv4")));
    i.nodeV6 = makeAddr(node.taggedAddresses.value(QStringLiteral("lan_ipv6")));
    i.serviceAddress = makeAddr(service.address);
    i.serviceV4 = makeAddr(serviceTaggedAddress(service, "lan_ipv4"));
    i.serviceV6 = makeAddr(serviceTaggedAddress(service, "lan_ipv6"));
    i.port = quint16(service.port);
    const QJsonObject serviceWan = service.taggedAddresses.value(QLatin1StringView("wan")).toObject();
    i.wanNode = node.taggedAddresses.contains(QStringLiteral("wan")) ? makeAddr(node.taggedAddresses.value(QStringLiteral("wan")))
                                                                      : i.nodeAddress;
    i.wanNodeV4 = makeAddr(node.taggedAddresses.value(QStringLiteral("wan_ipv4")));
    i.wanNodeV6 = makeAddr(node.taggedAddresses.value(QStringLiteral("wan_ipv6")));
    i.wanService = serviceWan.isEmpty() ? i.serviceAddress : makeAddr(serviceWan.value(QLatin1StringView("Address")).toString());
    i.wanServiceV4 = makeAddr(serviceTaggedAddress(service, "wan_ipv4"));
    i.wanServiceV6 = makeAddr(serviceTaggedAddress(service, "wan_ipv6"));
    const int wanPort = serviceWan.value(QLatin1StringView("Port")).toInt();
    i.wanPort = wanPort > 0 && wanPort <= 65535 ? quint16(wanPort) : i.port;
    i.weight = quint16(warning ? service.weights.warning : service.weights.passing);
    for (const QString &t : service.tags)
        i.tags.append(lower(t));
    for (auto m = node.meta.cbegin(); m != node.meta.cend(); ++m) {
        if (m.key().startsWith(QLatin1StringView("rfc1035-"), Qt::CaseInsensitive))
            i.metaTxt.append(m.value().toUtf8());
        else
            i.metaTxt.append(rfc1464(m.key(), m.value()));
    }
    return i;
}

DnsResolver::DnsResolver(const state::StateStore *store, DnsSettings settings)
    : m_store(store)
    , m_settings(std::move(settings))
    , m_random(QRandomGenerator::securelySeeded())
{
}

DnsResolver::~DnsResolver() = default;

void DnsResolver::refreshCache()
{
    const quint64 last = m_store->lastIndex();
    const quint64 restores = m_store->restoreCount();
    if (last == m_seenIndex && restores == m_seenRestores)
        return; // nothing written since the last query
    if (restores != m_seenRestores)
        dropCaches(); // a snapshot was restored: indexes seen before mean nothing now
    m_seenIndex = last;
    m_seenRestores = restores;
    // Only catalog writes matter (KV writes move the store's index too). Names and addresses
    // change with the nodes and services tables; health with the checks table as well.
    const quint64 names = std::max(m_store->tableIndex(u"nodes"), m_store->tableIndex(u"services"));
    m_catalogIndex = std::max(names, m_store->tableIndex(u"checks"));
    if (names != m_namesIndex) {
        // The service name index is kept (see registeredName()); the PTR index is rebuilt.
        m_namesIndex = names;
        m_ptr.clear();
    }
}

void DnsResolver::dropCaches()
{
    m_namesBuiltAt = ~quint64(0);
    m_serviceNames.clear();
    m_services.clear();
    m_ptr.clear();
    m_replies[0].clear();
    m_replies[1].clear();
    m_replyCount = 0;
}

void DnsResolver::setSettings(DnsSettings settings)
{
    m_settings = std::move(settings);
    dropCaches(); // TTLs, only_passing, limits: every cached answer was made with the old ones
}

void DnsResolver::rebuildNames()
{
    m_namesBuiltAt = m_namesIndex;
    m_serviceNames.clear();
    QMap<QString, QStringList> services;
    m_store->services(&services);
    for (auto it = services.cbegin(); it != services.cend(); ++it)
        m_serviceNames.insert(lower(it.key()), it.key());
    // Entries of services that are gone go too, so the cache stays as small as the catalog.
    for (auto it = m_services.begin(); it != m_services.end();) {
        const bool lookupKey = it.key().startsWith('\1') || it.key().startsWith('\2'); // .connect, .ingress
        const QByteArray name = lookupKey ? it.key().sliced(1) : it.key();
        it = m_serviceNames.contains(name) ? std::next(it) : m_services.erase(it);
    }
}

const QString *DnsResolver::registeredName(const QByteArray &lowerName, quint64 *version)
{
    // A write does not rebuild the name index: a name it does not know yet is looked up as
    // asked (most services are registered in lower case), and only a name found neither way
    // rebuilds it, once per catalog change.
    if (m_namesBuiltAt == ~quint64(0))
        rebuildNames();
    for (int attempt = 0; attempt < 2; ++attempt) {
        if (const auto it = m_serviceNames.constFind(lowerName); it != m_serviceNames.constEnd()) {
            if ((*version = m_store->serviceIndex(*it)))
                return &*it;
        }
        const QString exact = QString::fromUtf8(lowerName);
        if ((*version = m_store->serviceIndex(exact)))
            return &*m_serviceNames.insert(lowerName, exact);
        if (m_namesBuiltAt == m_namesIndex)
            return nullptr;
        rebuildNames();
    }
    return nullptr;
}

// Worst status of an instance's checks and its node's: 0 passing, 1 warning, 2 critical.
static int severity(const state::StateStore *store, const state::ServiceInstance &e)
{
    const QMap<QString, api::HealthCheck> *checks = store->checksOnNode(e.node.node);
    int worst = 0;
    if (!checks)
        return worst;
    for (const api::HealthCheck &c : *checks) {
        if (!c.serviceId.isEmpty() && c.serviceId != e.service.id)
            continue;
        worst = std::max(worst, c.status == u"passing" ? 0 : c.status == u"warning" ? 1 : 2);
    }
    return worst;
}

std::shared_ptr<DnsResolver::ServiceCache> DnsResolver::service(const QByteArray &lowerName, Lookup lookup)
{
    if (lookup == Lookup::Ingress)
        return ingressGateways(lowerName);
    static const auto empty = std::make_shared<ServiceCache>();
    const bool connect = lookup == Lookup::Connect;
    quint64 version = 0;
    const QString *found = registeredName(lowerName, &version);
    if (!found) {
        // Unknown names are not cached: the cache stays as small as the catalog, whatever
        // names clients make up.
        return empty;
    }
    // A service's entry lasts until a write touches the service (its instances, their checks
    // or nodes); Connect entries span every service, so any catalog write ends them.
    const QString name = *found; // (a copy: rebuildNames() below may move the index)
    if (connect)
        version = m_catalogIndex;
    const QByteArray key = connect ? QByteArray('\1' + lowerName) : lowerName;
    if (const auto hit = m_services.constFind(key); hit != m_services.constEnd() && (*hit)->version == version)
        return *hit;

    auto entry = std::make_shared<ServiceCache>();
    entry->version = version;
    entry->name = name;
    entry->ttl = serviceTtl(lowerName);
    QList<state::ServiceInstance> instances;
    if (!connect) {
        m_store->serviceNodes(name, &instances);
    } else {
        // Connect-capable endpoints: sidecar proxies for the service, and instances of the
        // service that are Connect-native.
        if (m_namesBuiltAt != m_namesIndex)
            rebuildNames(); // every service name is needed here
        for (auto it = m_serviceNames.cbegin(); it != m_serviceNames.cend(); ++it) {
            QList<state::ServiceInstance> all;
            m_store->serviceNodes(it.value(), &all);
            for (state::ServiceInstance &si : all) {
                const bool proxy = si.service.kind == u"connect-proxy"
                    && lower(api::lookup(si.service.proxy, u"DestinationServiceName").toString()) == lowerName;
                const bool native = it.key() == lowerName && api::lookup(si.service.connect, u"Native").toBool();
                if (proxy || native)
                    instances.append(std::move(si));
            }
        }
    }
    addHealthy(instances, entry.get());
    m_services.insert(key, entry);
    return entry;
}

std::shared_ptr<DnsResolver::ServiceCache> DnsResolver::ingressGateways(const QByteArray &lowerName)
{
    static const auto empty = std::make_shared<ServiceCache>();
    // Gateways, their health and the config entries may all change what this answers.
    const quint64 version = std::max(m_catalogIndex, m_store->tableIndex(u"config-entries"));
    const QByteArray key = '\2' + lowerName;
    if (const auto hit = m_services.constFind(key); hit != m_services.constEnd() && (*hit)->version == version)
        return *hit;
    QList<QJsonObject> gateways;
    m_store->configEntries(QStringLiteral("ingress-gateway"), &gateways);
    QList<state::ServiceInstance> instances;
    bool exposed = false;
    for (const QJsonObject &gateway : std::as_const(gateways)) {
        bool matches = false;
        for (const QString &service : state::configentry::ingressServices(gateway)) {
            if (service == u"*") {
                // A wildcard exposes the services of the default kind that are registered.
                quint64 ignored = 0;
                const QString *registered = registeredName(lowerName, &ignored);
                QList<state::ServiceInstance> all;
                if (registered && *registered != u"consul")
                    m_store->serviceNodes(*registered, &all);
                matches = matches || std::any_of(all.cbegin(), all.cend(), [](const state::ServiceInstance &si) {
                              return si.service.kind.isEmpty();
                          });
            } else {
                matches = matches || lower(service) == lowerName;
            }
        }
        if (!matches)
            continue;
        exposed = true;
        QList<state::ServiceInstance> all;
        m_store->serviceNodes(gateway.value(u"Name").toString(), &all);
        for (state::ServiceInstance &si : all) {
            if (si.service.kind == u"ingress-gateway")
                instances.append(std::move(si));
        }
    }
    if (!exposed)
        return empty; // not cached, like any name no gateway exposes
    auto entry = std::make_shared<ServiceCache>();
    entry->version = version;
    entry->name = QString::fromUtf8(lowerName);
    entry->ttl = serviceTtl(lowerName);
    addHealthy(instances, entry.get());
    m_services.insert(key, entry);
    return entry;
}

void DnsResolver::addHealthy(const QList<state::ServiceInstance> &instances, ServiceCache *entry) const
{
    const int worstAllowed = m_settings.config.onlyPassing ? 0 : 1;
    for (const state::ServiceInstance &e : instances) {
        const int worst = severity(m_store, e);
        if (worst > worstAllowed)
            continue;
        entry->instances.append(makeInstance(e.node, e.service, worst == 1));
    }
}

QByteArray DnsResolver::respDomainFor(QByteArrayView lowerQname) const
{
    // The longer of the two domains wins when both match (one may be a suffix of the other).
    const QByteArray &a = m_settings.domain, &b = m_settings.altDomain;
    const bool inA = isSubdomain(lowerQname, a), inB = !b.isEmpty() && isSubdomain(lowerQname, b);
    if (inA && inB)
        return a.size() >= b.size() ? a : b;
    if (inA)
        return a;
    if (inB)
        return b;
    return {};
}

quint32 DnsResolver::serviceTtl(const QByteArray &lowerService) const
{
    const auto &ttls = m_settings.config.serviceTtl;
    const QString name = QString::fromUtf8(lowerService);
    if (const auto it = ttls.constFind(name); it != ttls.constEnd())
        return seconds(*it);
    // Longest wildcard prefix ("web*", "*").
    qsizetype best = -1;
    Nanoseconds ttl = 0;
    for (auto it = ttls.cbegin(); it != ttls.cend(); ++it) {
        if (!it.key().endsWith(u'*'))
            continue;
        const QStringView prefix = QStringView(it.key()).chopped(1);
        if (name.startsWith(prefix) && prefix.size() > best) {
            best = prefix.size();
            ttl = it.value();
        }
    }
    return best >= 0 ? seconds(ttl) : 0;
}

void DnsResolver::settle(Result res, Message *resp, const QByteArray &respDomain) const
{
    if (res == Result::NameError) {
        resp->header.rcode = rcode::NXDomain;
        resp->answers.clear();
        resp->additional.clear();
    }
    if (res != Result::Ok)
        resp->authority.append(soa(respDomain));
}

Record DnsResolver::soa(const QByteArray &respDomain) const
{
    Record r;
    r.name = respDomain;
    r.type = type::SOA;
    r.ttl = m_settings.config.soa.minTtl;
    r.target = "ns." + respDomain;
    r.mbox = "hostmaster." + respDomain;
    r.serial = quint32(QDateTime::currentSecsSinceEpoch());
    r.refresh = m_settings.config.soa.refresh;
    r.retry = m_settings.config.soa.retry;
    r.expire = m_settings.config.soa.expire;
    r.minimum = m_settings.config.soa.minTtl;
    return r;
}

void DnsResolver::setEdns(const Message &query, Message *resp) const
{
    if (!query.edns)
        return;
    Edns e;
    e.udpSize = query.edns->udpSize; // Consul echoes the client's size
    for (const EdnsOption &o : query.edns->options) {
        if (o.code != kEcsOption)
            continue;
        EdnsOption ecs = o;
        if (ecs.data.size() >= 4)
            ecs.data[3] = 0; // scope 0: our answers do not depend on the client's subnet
        e.options.append(ecs);
        break;
    }
    resp->edns = std::move(e);
}

DnsResolver::Outcome DnsResolver::handle(QByteArrayView packet, bool tcp, bool translateWan)
{
    m_translateWan = translateWan;
    Outcome out;
    if (!translateWan && packet.size() > 12) {
        // The same bytes (ID aside) asked before about a service that has not changed since:
        // a reply made then for one order of its instances, picked at random, answers it
        // without parsing anything. Orders not made yet are made below.
        refreshCache();
        auto &table = m_replies[tcp ? 1 : 0];
        const auto it = table.find(QByteArray::fromRawData(packet.data() + 2, packet.size() - 2));
        if (it != table.end()) {
            if (it->catalogIndex != m_catalogIndex) {
                if (it->service->version != m_store->serviceIndex(it->service->name)) {
                    m_replyCount -= int(std::count_if(it->replies.cbegin(), it->replies.cend(),
                                                      [](const QByteArray &r) { return !r.isEmpty(); }));
                    table.erase(it);
                    return handle(packet, tcp, translateWan); // answered the long way (no entry now)
                }
                it->catalogIndex = m_catalogIndex;
            }
            const QByteArray &reply = it->replies.at(int(m_random.bounded(quint32(it->replies.size()))));
            if (!reply.isEmpty()) {
                out.action = Action::Reply;
                out.reply = reply;
                out.reply[0] = packet[0]; // the cached reply answered another query: its ID
                out.reply[1] = packet[1];
                return out;
            }
        }
    }
    ParseError error = ParseError::None;
    Header header;
    std::optional<Message> query = parse(packet, &error, &header);
    if (error == ParseError::ShortHeader || header.qr)
        return out; // no reply can be formed, or a response: never answer those
    out.action = Action::Reply;
    if (!query) {
        out.reply = errorReply(header, header.opcode == opcode::Query ? rcode::FormErr : rcode::NotImp);
        return out;
    }
    const Message &q = *query;
    if (q.header.opcode != opcode::Query) {
        Message r = replyTo(q, rcode::NotImp);
        setEdns(q, &r);
        out.reply = encode(r);
        return out;
    }
    // Like Go's miekg/dns server: exactly one question, no answers beyond one, no authority.
    if (q.questions.size() != 1 || q.answers.size() > 1 || !q.authority.isEmpty() || q.additional.size() > 1) {
        Message r = replyTo(q, rcode::FormErr);
        if (q.questions.size() != 1)
            r.questions.clear();
        out.reply = encode(r);
        return out;
    }
    bool recurse = false;
    QByteArray wire;
    m_forwardDc.clear();
    m_failover.reset();
    m_replyService.reset();
    Message r = answer(q, tcp, &recurse, &wire);
    if (m_failover) {
        out.action = Action::Failover;
        out.query = q;
        out.definition = std::move(*m_failover);
        m_failover.reset();
        return out;
    }
    if (!m_forwardDc.isEmpty()) {
        out.action = Action::Forward;
        out.query = q;
        out.datacenter = std::exchange(m_forwardDc, {});
        return out;
    }
    if (recurse) {
        out.action = Action::Recurse;
        out.query = q;
        return out;
    }
    out.reply = wire.isEmpty() ? encode(r, {!m_settings.config.disableCompression}) : std::move(wire);
    // Only answers (no SOA: NXDOMAIN and NODATA carry the time as its serial).
    if (m_replyService && r.header.rcode == rcode::NoError && !r.answers.isEmpty() && r.authority.isEmpty()) {
        if (m_replyCount >= kMaxCachedReplies) {
            // Full (of questions that may never come again, or of stale ones): start over.
            m_replies[0].clear();
            m_replies[1].clear();
            m_replyCount = 0;
        }
        CachedQuestion &c = m_replies[tcp ? 1 : 0][packet.sliced(2).toByteArray()];
        if (c.service != m_replyService) { // new, or made from an older entry of the service
            m_replyCount -= int(std::count_if(c.replies.cbegin(), c.replies.cend(),
                                              [](const QByteArray &r) { return !r.isEmpty(); }));
            c = CachedQuestion{m_replyService, m_catalogIndex, QList<QByteArray>(m_replyOrders)};
        }
        if (c.replies[m_replyRank].isEmpty()) {
            c.replies[m_replyRank] = out.reply;
            ++m_replyCount;
        }
    }
    m_replyService.reset();
    return out;
}

QByteArray DnsResolver::recursionFailed(const Message &query) const
{
    Message r = replyTo(query, rcode::ServFail);
    r.header.ra = true;
    setEdns(query, &r);
    return encode(r, {!m_settings.config.disableCompression});
}

QByteArray DnsResolver::forwardFailed(const Message &query) const
{
    Message r = replyTo(query, rcode::ServFail);
    r.header.ra = m_settings.haveRecursors;
    setEdns(query, &r);
    return encode(r, {!m_settings.config.disableCompression});
}

DnsResolver::Result DnsResolver::otherDatacenter(const QByteArray &dc)
{
    if (m_remoteDc && m_remoteDc(QString::fromUtf8(dc)))
        m_forwardDc = dc;
    return Result::NameError;
}

Message DnsResolver::answer(const Message &q, bool tcp, bool *recurse, QByteArray *wire)
{
    refreshCache();
    const Question &question = q.questions.first();
    Message r = replyTo(q, rcode::NoError);
    r.header.ra = m_settings.haveRecursors;
    if (question.qclass != klass::IN && question.qclass != klass::ANY) {
        r.header.rcode = rcode::Refused; // CHAOS, HESIOD, ...: not a zone we serve
        setEdns(q, &r);
        return r;
    }
    m_lowerQname = lowerName(question.name);
    const QByteArray &qname = m_lowerQname;
    const QByteArray respDomain = respDomainFor(qname);
    if (respDomain.isEmpty()) {
        if (isSubdomain(qname, "arpa.")) {
            r.header.aa = true;
            if (ptrQuery(q, &r)) {
                setEdns(q, &r);
                return r;
            }
            if (m_settings.haveRecursors) {
                *recurse = true;
                return r;
            }
            r.header.rcode = rcode::NXDomain;
            r.authority.append(soa(m_settings.domain));
            setEdns(q, &r);
            return r;
        }
        if (m_settings.haveRecursors) {
            *recurse = true;
            return r;
        }
        r.header.rcode = rcode::Refused; // no recursors: not ours to answer
        setEdns(q, &r);
        return r;
    }
    r.header.aa = true;
    switch (question.qtype) {
    case type::SOA:
        r.answers.append(soa(respDomain));
        nameservers(q, respDomain, &r.authority, &r.additional);
        break;
    case type::NS:
        nameservers(q, respDomain, &r.answers, &r.additional);
        break;
    case type::AXFR:
    case type::IXFR:
        r.header.rcode = rcode::NotImp;
        break;
    default: {
        settle(dispatch(q, &r, respDomain), &r, respDomain);
        break;
    }
    }
    setEdns(q, &r);
    *wire = trim(q, &r, tcp);
    return r;
}

DnsResolver::Result DnsResolver::dispatch(const Message &q, Message *resp, const QByteArray &respDomain)
{
    const Question &question = q.questions.first();
    const QByteArray &qname = m_lowerQname;
    const QByteArrayView inner = QByteArrayView(qname).first(qname.size() - respDomain.size());
    const QList<QByteArrayView> labels = splitLabels(inner);

    QByteArrayView kind;
    QList<QByteArrayView> parts, suffixes;
    for (qsizetype i = labels.size() - 1; i >= 0 && kind.isEmpty(); --i) {
        const QByteArrayView l = labels.at(i);
        if (l == "service" || l == "connect" || l == "virtual" || l == "ingress" || l == "node" || l == "query"
            || l == "addr") {
            kind = l;
            parts = labels.first(i);
            suffixes = labels.sliced(i + 1);
        } else if (question.qtype == type::SRV && l.startsWith('_')) {
            kind = "service"; // RFC 2782 form without the "service" label
            parts = labels.first(i + 1);
            suffixes = labels.sliced(i + 1);
        }
    }
    // Locality: nothing (this datacenter), "<dc>" or "<dc>.dc".
    QByteArray dc = m_settings.datacenter;
    if (suffixes.size() == 1)
        dc = suffixes.at(0).toByteArray();
    else if (suffixes.size() == 2 && suffixes.at(1) == "dc")
        dc = suffixes.at(0).toByteArray();
    else if (!suffixes.isEmpty() && kind != "addr")
        return Result::NameError;
    if (parts.isEmpty())
        return Result::NameError;

    auto join = [](const QList<QByteArrayView> &ls) {
        QByteArray out;
        for (const QByteArrayView &l : ls) {
            if (!out.isEmpty())
                out.append('.');
            out.append(l);
        }
        return out;
    };

    if (kind == "service") {
        QByteArray service, tag;
        if (parts.size() == 2 && parts.at(0).startsWith('_') && parts.at(1).startsWith('_')) {
            service = parts.at(0).sliced(1).toByteArray();
            tag = parts.at(1).sliced(1).toByteArray();
            if (tag == "tcp")
                tag.clear();
        } else {
            service = parts.last().toByteArray();
            tag = join(parts.first(parts.size() - 1));
        }
        return serviceQuery(q, resp, respDomain, dc, service, tag);
    }
    if (kind == "node")
        return nodeQuery(q, resp, dc, join(parts));
    if (kind == "addr") {
        if (parts.size() != 1)
            return Result::NameError;
        return addrQuery(q, resp, parts.at(0));
    }
    if (kind == "connect") // <service>.connect: its sidecar proxies and Connect-native instances
        return serviceQuery(q, resp, respDomain, dc, parts.last().toByteArray(), QByteArray(), Lookup::Connect);
    if (kind == "query")
        return preparedQuery(q, resp, respDomain, dc, join(parts));
    if (kind == "virtual") {
        // Consul answers with the service's virtual IP, which its servers allocate only to
        // Connect-enabled services when the service mesh runs. Without a mesh no service has
        // one, and Consul's answer is NOERROR with no records and no SOA.
        return Result::Ok;
    }
    // ingress: the ingress gateways that expose the service (tags are not supported, as in Consul).
    return serviceQuery(q, resp, respDomain, dc, parts.last().toByteArray(), QByteArray(), Lookup::Ingress);
}

DnsResolver::Result DnsResolver::preparedQuery(const Message &q, Message *resp, const QByteArray &respDomain,
                                               const QByteArray &dc, const QByteArray &name)
{
    if (dc != m_settings.datacenter)
        return otherDatacenter(dc);
    QString error;
    std::optional<state::PreparedQuery> query;
    m_store->resolvePreparedQuery(QString::fromUtf8(name), &query, &error);
    if (!query)
        return Result::NameError;
    const QJsonObject service = query->definition.value(u"Service").toObject();
    QList<state::HealthEntry> all;
    m_store->healthService(service.value(u"Service").toString(), &all);
    QList<state::HealthEntry> entries = state::preparedquery::filter(query->definition, all);
    const QJsonObject failover = service.value(u"Failover").toObject();
    if (entries.isEmpty() && m_remoteDc
        && (failover.value(u"NearestN").toInt() > 0 || !failover.value(u"Datacenters").toArray().isEmpty()
            || !failover.value(u"Targets").toArray().isEmpty())) {
        m_failover = query->definition; // the agent tries the other datacenters
        return Result::NameError;
    }
    // Shuffled, then (with Near, "_agent" being this agent: DNS has no way to name a source)
    // sorted by estimated round trip, the source's own instance first.
    std::shuffle(entries.begin(), entries.end(), m_random);
    const QString near = service.value(u"Near").toString();
    if (m_near && !near.isEmpty())
        state::sortPreparedQueryNear(&entries, m_near(near), [](const state::HealthEntry &e) { return e.node.node; });
    return queryAnswers(q, resp, respDomain, dc, query->definition, entries);
}

// The instances in the given order (a failover answer comes shuffled by the datacenter that ran it).
DnsResolver::Result DnsResolver::queryAnswers(const Message &q, Message *resp, const QByteArray &respDomain,
                                              const QByteArray &dc, const QJsonObject &definition,
                                              const QList<state::HealthEntry> &entries)
{
    QList<Instance> instances;
    for (const state::HealthEntry &e : entries) {
        const bool warning = std::any_of(e.checks.cbegin(), e.checks.cend(),
                                         [](const api::HealthCheck &c) { return c.status == u"warning"; });
        instances.append(makeInstance(e.node, e.service, warning));
    }
    if (instances.isEmpty())
        return Result::NameError;
    QList<const Instance *> nodes;
    for (const Instance &i : std::as_const(instances))
        nodes.append(&i);
    // The query's own DNS TTL wins; without one, the agent's service_ttl for the service.
    const QString ttlText = definition.value(u"DNS").toObject().value(u"TTL").toString();
    const QString serviceName = definition.value(u"Service").toObject().value(u"Service").toString();
    const quint32 ttl = ttlText.isEmpty() ? serviceTtl(lower(serviceName)) : seconds(parseDuration(ttlText).value_or(0));
    return serviceAnswers(q, resp, respDomain, dc, nodes, ttl);
}

QByteArray DnsResolver::answerFailover(const Message &q, bool tcp, const QJsonObject &definition, const QByteArray &dc,
                                       const QList<state::HealthEntry> &entries)
{
    refreshCache();
    Message r = replyTo(q, rcode::NoError);
    r.header.ra = m_settings.haveRecursors;
    r.header.aa = true;
    m_lowerQname = lowerName(q.questions.first().name);
    const QByteArray respDomain = respDomainFor(m_lowerQname);
    settle(queryAnswers(q, &r, respDomain, dc, definition, entries), &r, respDomain);
    setEdns(q, &r);
    return trim(q, &r, tcp);
}

DnsResolver::Result DnsResolver::serviceQuery(const Message &q, Message *resp, const QByteArray &respDomain,
                                              const QByteArray &dc, const QByteArray &service, const QByteArray &tag,
                                              Lookup lookup)
{
    if (dc != m_settings.datacenter)
        return otherDatacenter(dc);
    const std::shared_ptr<ServiceCache> cache = this->service(service, lookup);
    QList<const Instance *> nodes;
    nodes.reserve(cache->instances.size());
    for (const Instance &i : std::as_const(cache->instances)) {
        if (tag.isEmpty() || i.tags.contains(tag))
            nodes.append(&i);
    }
    if (nodes.isEmpty())
        return Result::NameError;
    const QVarLengthArray<const Instance *, kMaxCachedOrderInstances> before(nodes.cbegin(), nodes.cend());
    std::shuffle(nodes.begin(), nodes.end(), m_random);
    if (nodes.size() <= kMaxCachedOrderInstances && !m_translateWan && lookup == Lookup::Service) {
        // This reply can be reused (handle()): everything it depends on is in the entry, in the
        // query's bytes, or the order the shuffle chose, numbered 0 .. n!-1 (factorial base).
        const int n = int(nodes.size());
        int positions[kMaxCachedOrderInstances];
        for (int k = 0; k < n; ++k)
            positions[k] = int(std::find(before.cbegin(), before.cend(), nodes.at(k)) - before.cbegin());
        int rank = 0, orders = 1;
        for (int k = 0; k < n; ++k) {
            int smaller = 0;
            for (int j = k + 1; j < n; ++j)
                smaller += positions[j] < positions[k];
            rank = rank * (n - k) + smaller;
            orders *= k + 1;
        }
        m_replyService = cache;
        m_replyRank = rank;
        m_replyOrders = orders;
    }
    return serviceAnswers(q, resp, respDomain, dc, nodes, cache->ttl);
}

DnsResolver::Result DnsResolver::serviceAnswers(const Message &q, Message *resp, const QByteArray &respDomain,
                                                const QByteArray &dc, const QList<const Instance *> &givenNodes,
                                                quint32 ttl)
{
    const Question &question = q.questions.first();
    const quint16 qtype = question.qtype;
    const int accept = acceptFor(qtype);
    const QByteArray dcDomain = qtype == type::SRV ? QByteArray(dc + '.' + respDomain) : QByteArray();
    const int aLimit = m_settings.config.aRecordLimit;
    // translate_wan_addrs (a question from another datacenter): copies with the WAN addresses.
    QList<Instance> wanCopies;
    QList<const Instance *> wanNodes;
    if (m_translateWan) {
        wanCopies.reserve(givenNodes.size());
        for (const Instance *n : givenNodes) {
            Instance t = *n;
            t.nodeAddress = t.wanNode, t.nodeV4 = t.wanNodeV4, t.nodeV6 = t.wanNodeV6;
            t.serviceAddress = t.wanService, t.serviceV4 = t.wanServiceV4, t.serviceV6 = t.wanServiceV6;
            t.port = t.wanPort;
            wanCopies.append(std::move(t));
        }
        for (const Instance &t : std::as_const(wanCopies))
            wanNodes.append(&t);
    }
    const QList<const Instance *> &nodes = m_translateWan ? wanNodes : givenNodes;

    // Records for one instance (Consul's makeNodeServiceRecords): answers + additional.
    auto records = [&](const Instance &i, QList<Record> *answers, QList<Record> *extra) {
        static const Addr none;
        const Addr *sa = translate(accept, i.serviceAddress, i.serviceV4, i.serviceV6);
        const Addr *na = translate(accept, i.nodeAddress, i.nodeV4, i.nodeV6);
        const QString &serviceAddr = (sa ? sa : &none)->text, &nodeAddr = (na ? na : &none)->text;
        if (serviceAddr.isEmpty() && nodeAddr.isEmpty())
            return;
        const QByteArray &nodeIp = (na ? na : &none)->ip, &serviceIp = (sa ? sa : &none)->ip;
        auto fromIp = [&](const QByteArray &ip, bool viaNode) {
            std::optional<Record> rec = addressRecord(qtype, ip, question.name, ttl);
            if (!rec)
                return;
            if (qtype == type::SRV) {
                QByteArray target;
                if (viaNode) {
                    target = i.nodeUtf8 + ".node." + dcDomain;
                } else {
                    target = QByteArray(ip.toHex()) + ".addr." + dcDomain;
                }
                answers->append(Record::srv(question.name, ttl, 1, i.weight, i.port, target));
                rec->name = target;
                extra->append(std::move(*rec));
                return;
            }
            answers->append(std::move(*rec));
        };
        auto fromFqdn = [&](const QString &host) {
            const QByteArray target = fqdn(host);
            if (qtype == type::SRV)
                answers->append(Record::srv(question.name, ttl, 1, i.weight, i.port, target));
            else
                answers->append(Record::cname(question.name, ttl, target));
        };
        if (serviceAddr.isEmpty() && !nodeIp.isEmpty())
            fromIp(nodeIp, na == &i.nodeAddress);
        else if (serviceAddr.isEmpty())
            fromFqdn(nodeAddr);
        else if (!serviceIp.isEmpty())
            fromIp(serviceIp, false);
        else if (lowerName(fqdn(serviceAddr)) == lowerName(question.name) && !nodeIp.isEmpty())
            fromIp(nodeIp, na == &i.nodeAddress);
        else
            fromFqdn(serviceAddr);
    };

    if (qtype == type::SRV) {
        // Same node, address and port twice is one record.
        QSet<QString> handledMany;
        QVarLengthArray<const Instance *, 16> handled;
        for (const Instance *i : std::as_const(nodes)) {
            if (nodes.size() <= 16) {
                if (std::any_of(handled.cbegin(), handled.cend(), [&](const Instance *h) {
                        return h->port == i->port && h->node == i->node && h->serviceAddress.text == i->serviceAddress.text;
                    }))
                    continue;
                handled.append(i);
            } else {
                const QString tuple = i->node + u':' + i->serviceAddress.text + u':' + QString::number(i->port);
                if (handledMany.contains(tuple))
                    continue;
                handledMany.insert(tuple);
            }
            records(*i, &resp->answers, &resp->additional);
            if (m_settings.config.enableAdditionalNodeMetaTxt && !i->metaTxt.isEmpty()) {
                const QByteArray owner = i->nodeUtf8 + ".node." + dcDomain;
                for (const QByteArray &t : i->metaTxt)
                    resp->additional.append(Record::txt(owner, ttl, {t}));
            }
        }
    } else {
        // Duplicate records (two instances on one address) are answered once.
        QSet<QByteArray> handledMany;
        QList<Record> firstCname;
        QList<Record> recs, unused;
        int count = 0;
        for (const Instance *i : std::as_const(nodes)) {
            recs.clear();
            records(*i, &recs, &unused);
            if (recs.isEmpty())
                continue;
            const Record &head = recs.first();
            if (nodes.size() <= 16) { // a scan of the few answers so far beats hashing
                const auto same = [&](const Record &r) {
                    return r.type == head.type && r.address == head.address && r.target == head.target;
                };
                if (std::any_of(resp->answers.cbegin(), resp->answers.cend(), same)
                    || std::any_of(firstCname.cbegin(), firstCname.cend(), same))
                    continue;
            } else {
                const QByteArray key = QByteArray::number(head.type) + ':' + head.address + head.target;
                if (handledMany.contains(key))
                    continue;
                handledMany.insert(key);
            }
            if (head.type == type::CNAME) {
                if (firstCname.isEmpty())
                    firstCname = recs;
                continue;
            }
            resp->answers.append(recs);
            if (++count == aLimit)
                break;
        }
        if (resp->answers.isEmpty() && !firstCname.isEmpty())
            resp->answers = firstCname;
    }
    return resp->answers.isEmpty() ? Result::NoData : Result::Ok;
}

DnsResolver::Result DnsResolver::nodeQuery(const Message &q, Message *resp, const QByteArray &dc, const QByteArray &name)
{
    if (dc != m_settings.datacenter)
        return otherDatacenter(dc);
    // By name in any case or by node ID (prefix), as Consul's Catalog.NodeServices finds it.
    const api::Node *node = m_store->lookupNode(QString::fromUtf8(name));
    if (!node)
        return Result::NameError;
    const Question &question = q.questions.first();
    const quint16 qtype = question.qtype;
    if (qtype != type::ANY && qtype != type::A && qtype != type::AAAA && qtype != type::TXT)
        return Result::NoData;
    const quint32 ttl = seconds(m_settings.config.nodeTtl);
    if (qtype != type::TXT) {
        const QString wan = m_translateWan ? node->taggedAddresses.value(QStringLiteral("wan")) : QString();
        const QString prefix = m_translateWan ? QStringLiteral("wan") : QStringLiteral("lan");
        const Addr def = makeAddr(wan.isEmpty() ? node->address : wan),
                   v4 = makeAddr(node->taggedAddresses.value(prefix + QStringLiteral("_ipv4"))),
                   v6 = makeAddr(node->taggedAddresses.value(prefix + QStringLiteral("_ipv6")));
        const Addr *chosen = translate(acceptFor(qtype), def, v4, v6);
        const QString addr = chosen ? chosen->text : QString();
        const QByteArray ip = chosen ? chosen->ip : QByteArray();
        if (!ip.isEmpty()) {
            if (std::optional<Record> rec = addressRecord(qtype, ip, question.name, ttl))
                resp->answers.append(*rec);
        } else if (!addr.isEmpty()) {
            resp->answers.append(Record::cname(question.name, ttl, fqdn(addr)));
        }
    }
    const bool metaInAnswer = qtype == type::TXT || qtype == type::ANY;
    if (m_settings.config.enableAdditionalNodeMetaTxt || metaInAnswer) {
        for (auto m = node->meta.cbegin(); m != node->meta.cend(); ++m) {
            const QByteArray txt = m.key().startsWith(QLatin1StringView("rfc1035-"), Qt::CaseInsensitive)
                ? m.value().toUtf8()
                : rfc1464(m.key(), m.value());
            (metaInAnswer ? resp->answers : resp->additional).append(Record::txt(question.name, ttl, {txt}));
        }
    }
    return resp->answers.isEmpty() ? Result::NoData : Result::Ok;
}

DnsResolver::Result DnsResolver::addrQuery(const Message &q, Message *resp, const QByteArrayView &hex)
{
    if (hex.size() != 8 && hex.size() != 32)
        return Result::NameError;
    for (char c : hex) {
        if (!((c >= '0' && c <= '9') || (c >= 'a' && c <= 'f')))
            return Result::NameError;
    }
    const QByteArray ip = QByteArray::fromHex(hex.toByteArray());
    const Question &question = q.questions.first();
    const quint32 ttl = seconds(m_settings.config.nodeTtl);
    const bool v4 = ip.size() == 4;
    const Record rec = v4 ? Record::a(question.name, ttl, ip) : Record::aaaa(question.name, ttl, ip);
    if (question.qtype == (v4 ? type::A : type::AAAA) || question.qtype == type::ANY) {
        resp->answers.append(rec);
        return Result::Ok;
    }
    resp->additional.append(rec);
    return Result::NoData;
}

bool DnsResolver::ptrQuery(const Message &q, Message *resp)
{
    if (m_ptr.isEmpty()) {
        QList<api::Node> nodes;
        m_store->nodes(&nodes);
        const QByteArray suffix = ".node." + m_settings.datacenter + '.' + m_settings.domain;
        for (const api::Node &n : std::as_const(nodes)) {
            QHostAddress ip;
            if (ip.setAddress(n.address)) {
                const QByteArray arpa = reverseName(ip);
                if (!m_ptr.contains(arpa))
                    m_ptr.insert(arpa, n.node.toUtf8() + suffix);
            }
        }
        // Then service addresses (only where no node has the address).
        QMap<QString, QStringList> services;
        m_store->services(&services);
        for (auto it = services.cbegin(); it != services.cend(); ++it) {
            QList<state::ServiceInstance> instances;
            m_store->serviceNodes(it.key(), &instances);
            for (const state::ServiceInstance &si : std::as_const(instances)) {
                QHostAddress ip;
                if (!si.service.address.isEmpty() && ip.setAddress(si.service.address)) {
                    const QByteArray arpa = reverseName(ip);
                    if (!m_ptr.contains(arpa))
                        m_ptr.insert(arpa, si.service.service.toUtf8() + ".service." + m_settings.datacenter + '.'
                                               + m_settings.domain);
                }
            }
        }
        m_ptr.insert(QByteArray(), QByteArray()); // marks the index as built
    }
    const Question &question = q.questions.first();
    const QByteArray name = lowerName(question.name);
    const auto it = m_ptr.constFind(name);
    if (name.isEmpty() || it == m_ptr.constEnd())
        return false;
    if (question.qtype == type::SOA)
        resp->authority.append(soa(m_settings.domain));
    resp->answers.append(Record::ptr(question.name, 0, *it));
    return true;
}

void DnsResolver::nameservers(const Message &, const QByteArray &respDomain, QList<Record> *ns, QList<Record> *glue)
{
    // The "consul" service instances are the servers; up to three, shuffled.
    const std::shared_ptr<ServiceCache> servers = service("consul");
    QList<const Instance *> nodes;
    for (const Instance &i : servers->instances)
        nodes.append(&i);
    std::shuffle(nodes.begin(), nodes.end(), m_random);
    const quint32 ttl = seconds(m_settings.config.nodeTtl);
    for (const Instance *i : std::as_const(nodes)) {
        bool valid = !i->node.isEmpty();
        for (QChar c : i->node) {
            if (!(c.isLetterOrNumber() && c.unicode() < 128) && c != u'-')
                valid = false;
        }
        if (!valid)
            continue;
        const QByteArray target = lowerName(QByteArray(i->node.toUtf8() + ".node." + m_settings.datacenter + '.' + respDomain));
        ns->append(Record::ns(respDomain, ttl, target));
        const QByteArray &ip = i->nodeAddress.ip;
        if (std::optional<Record> rec = addressRecord(type::ANY, ip, target, ttl))
            glue->append(*rec);
        if (ns->size() >= 3)
            break;
    }
}

QByteArray DnsResolver::trim(const Message &query, Message *resp, bool tcp) const
{
    const qsizetype original = resp->answers.size();
    bool trimmed = false;
    // Keeps, for each SRV answer's target, the first additional record with that owner name
    // (Consul's syncExtra); only used once answers are dropped.
    const QList<Record> allExtra = resp->additional;
    auto syncExtra = [&]() {
        if (allExtra.isEmpty())
            return;
        QList<Record> extra;
        QSet<QByteArray> resolved;
        for (const Record &a : std::as_const(resp->answers)) {
            if (a.type != type::SRV)
                continue;
            QByteArray target = lowerName(a.target);
            while (!resolved.contains(target)) {
                resolved.insert(target);
                const auto hit = std::find_if(allExtra.begin(), allExtra.end(),
                                              [&](const Record &r) { return lowerName(r.name) == target; });
                if (hit == allExtra.end())
                    break;
                extra.append(*hit);
                if (hit->type != type::CNAME)
                    break;
                target = lowerName(hit->target);
            }
        }
        resp->additional = extra;
    };
    const EncodeOptions opts{!m_settings.config.disableCompression};
    // The last encoding made with the final compression setting, reused as the reply.
    QByteArray last;
    auto size = [&](bool compress) {
        QByteArray bytes = encode(*resp, {compress && opts.compress});
        const qsizetype n = bytes.size();
        last = compress ? std::move(bytes) : QByteArray();
        return n;
    };

    if (tcp) {
        const qsizetype cap = query.questions.first().qtype == type::SRV ? 1024 : 4096;
        if (resp->answers.size() > cap)
            resp->answers.resize(cap);
        qsizetype len = 0;
        while (resp->answers.size() > 1 && (len = size(true)) > kMaxTcpSize) {
            trimmed = true;
            resp->authority.clear();
            // Drop about the excess share of answers at once, then one by one.
            qsizetype keep = resp->answers.size() - 1;
            if (len - kMaxTcpSize > 100)
                keep = std::max<qsizetype>(1, qsizetype(double(resp->answers.size()) * kMaxTcpSize / len));
            resp->answers.resize(keep);
            syncExtra();
            last.clear();
        }
    } else {
        int maxSize = kDefaultMaxUdpSize;
        if (query.edns && query.edns->udpSize > maxSize)
            maxSize = query.edns->udpSize;
        maxSize = std::min(maxSize, kMaxUdpDatagram);
        const int maxAnswers = std::min(kMaxUdpAnswerLimit, m_settings.config.udpAnswerLimit);
        bool compress = true;
        if (maxSize == kDefaultMaxUdpSize && resp->answers.size() > maxAnswers) {
            compress = false; // measured uncompressed, as Consul does, to stay safe for relays
            resp->answers.resize(maxAnswers);
            syncExtra();
        }
        qsizetype len = 0;
        while (resp->answers.size() > 1 && (len = size(compress)) > maxSize - 8) {
            resp->authority.clear();
            qsizetype keep = resp->answers.size() - 1;
            if (len - maxSize > 100)
                keep = std::max<qsizetype>(1, qsizetype(double(resp->answers.size()) * (maxSize - 8) / len));
            resp->answers.resize(keep);
            syncExtra();
            last.clear();
        }
        trimmed = resp->answers.size() < original;
        // Whatever is left must still fit the datagram: drop the additional section, then the
        // answers (with TC, so the client retries over TCP).
        if (last.isEmpty())
            size(true);
        if (last.size() > maxSize) {
            resp->additional.clear();
            resp->authority.clear();
            if (size(true) > maxSize) {
                resp->answers.clear();
                resp->header.tc = true;
                size(true);
            }
        }
    }
    if (trimmed && m_settings.config.enableTruncate) {
        resp->header.tc = true;
        if (!last.isEmpty())
            last[2] = char(uchar(last[2]) | 0x02);
    }
    return last;
}

} // namespace qonsul::dns

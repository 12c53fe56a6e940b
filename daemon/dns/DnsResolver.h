#pragma once
// Answers one DNS query from the state store, the way Consul's DNS interface does: bytes in,
// bytes out (or "drop", or "forward to the recursors"). No sockets: DnsServer does the I/O, and
// the unit tests drive this class directly. Single-threaded, like the store it reads.
//
// Reads go through a small cache (healthy instances per service, node and PTR indexes) that is
// thrown away whenever the store's index moves, so a catalog write is visible to the very next
// query.
#include <QByteArray>
#include <QHash>
#include <QJsonObject>
#include <QHostAddress>
#include <QRandomGenerator>
#include <functional>
#include <memory>
#include <optional>

#include "config/AgentConfig.h"
#include "dns/DnsMessage.h"
#include "state/NearSort.h"

namespace qonsul::state {
class StateStore;
struct HealthEntry;
struct ServiceInstance;
} // namespace qonsul::state

namespace qonsul::dns {

struct DnsSettings
{
    QByteArray domain = "consul."; // lower case, absolute
    QByteArray altDomain;          // "" or lower case, absolute
    QByteArray datacenter = "dc1";
    bool haveRecursors = false;
    config::DnsConfig config;

    static DnsSettings fromAgentConfig(const config::AgentConfig &c);
};

class DnsResolver
{
public:
    DnsResolver(const state::StateStore *store, DnsSettings settings);
    ~DnsResolver();

    // Forward: the question names another datacenter this agent has a path to; a server of that
    // datacenter answers the same packet.
    // Failover: a prepared query with no healthy instance here and a Failover policy; the agent
    // runs it in other datacenters and answers with answerFailover().
    enum class Action { Reply, Drop, Recurse, Forward, Failover };
    struct Outcome
    {
        Action action = Action::Drop;
        QByteArray reply;      // Reply: the encoded response
        Message query;         // Recurse, Forward: the parsed query (for the SERVFAIL when it fails)
        QByteArray datacenter; // Forward: where to
        QJsonObject definition; // Failover: the (rendered) prepared query
    };
    // Handles one query as received over UDP (tcp = false) or TCP. `translateWan`: the question
    // came from another datacenter whose agent has translate_wan_addrs, so answers carry the
    // nodes' and services' WAN addresses (and WAN ports) where they have them.
    Outcome handle(QByteArrayView packet, bool tcp, bool translateWan = false);

    // The reply when recursion failed (SERVFAIL, RA set, EDNS echoed).
    QByteArray recursionFailed(const Message &query) const;
    // The reply when no server of the other datacenter answered (SERVFAIL, EDNS echoed).
    QByteArray forwardFailed(const Message &query) const;
    // The reply to a Failover outcome: the instances datacenter `dc` found (none: NXDOMAIN).
    QByteArray answerFailover(const Message &query, bool tcp, const QJsonObject &definition, const QByteArray &dc,
                              const QList<state::HealthEntry> &entries);

    // Which other datacenters questions may be forwarded to (servers: those in the WAN pool).
    // Without it, or for a datacenter it does not know, such names do not exist (NXDOMAIN,
    // Consul's answer when there is no path to the datacenter).
    void setRemoteDatacenters(std::function<bool(const QString &datacenter)> known) { m_remoteDc = std::move(known); }

    // Seeds the shuffle (tests).
    void seed(quint32 s) { m_random.seed(s); }
    // Where a prepared query's Near (a node or "_agent") gets its distances: the agent's network
    // coordinates. Without it, Near is ignored and answers stay shuffled.
    using NearLookup = std::function<state::NearSource(const QString &node)>;
    void setNearLookup(NearLookup lookup) { m_near = std::move(lookup); }
    const DnsSettings &settings() const { return m_settings; }
    // On reload (dns_config and recursors are reloadable, as in Consul): later queries use these.
    void setSettings(DnsSettings settings);

    struct Instance;
    struct ServiceCache;

private:
    enum class Result { Ok, NameError, NoData };
    // What a name asks for: a service's instances, its Connect-capable endpoints (.connect), or
    // the ingress gateways that expose it (.ingress).
    enum class Lookup { Service, Connect, Ingress };
    // The response; *wire is set to its encoding when trimming already produced it.
    Message answer(const Message &query, bool tcp, bool *recurse, QByteArray *wire);
    Result dispatch(const Message &query, Message *resp, const QByteArray &respDomain);
    Result serviceQuery(const Message &query, Message *resp, const QByteArray &respDomain, const QByteArray &dc,
                        const QByteArray &service, const QByteArray &tag, Lookup lookup = Lookup::Service);
    // The records for healthy instances, shuffled already: A/AAAA/CNAME or SRV with additionals.
    Result serviceAnswers(const Message &query, Message *resp, const QByteArray &respDomain, const QByteArray &dc,
                          const QList<const Instance *> &nodes, quint32 ttl);
    Result preparedQuery(const Message &query, Message *resp, const QByteArray &respDomain, const QByteArray &dc,
                         const QByteArray &name);
    Result nodeQuery(const Message &query, Message *resp, const QByteArray &dc, const QByteArray &node);
    Result addrQuery(const Message &query, Message *resp, const QByteArrayView &hex);
    bool ptrQuery(const Message &query, Message *resp);
    void nameservers(const Message &query, const QByteArray &respDomain, QList<Record> *ns, QList<Record> *glue);
    Record soa(const QByteArray &respDomain) const;
    // A lookup's outcome in the response: a name error is NXDOMAIN with no answers, and every
    // answer other than Ok carries the SOA in its authority section.
    void settle(Result res, Message *resp, const QByteArray &respDomain) const;
    void setEdns(const Message &query, Message *resp) const;
    // Trims to the transport's limits; returns the final encoding.
    QByteArray trim(const Message &query, Message *resp, bool tcp) const;
    void refreshCache();
    void dropCaches();
    void rebuildNames();
    // The registered name for a lower-case service name, null when there is none;
    // *version: the service's index. (Nodes are found by the state store's lookupNode().)
    const QString *registeredName(const QByteArray &lowerName, quint64 *version);
    // Healthy instances of a service (or what `lookup` asks for instead), cached.
    std::shared_ptr<ServiceCache> service(const QByteArray &lowerName, Lookup lookup = Lookup::Service);
    // Healthy instances of the ingress gateways whose ingress-gateway config entry exposes the
    // service, by name or by "*" (then only a registered service of the default kind), cached.
    std::shared_ptr<ServiceCache> ingressGateways(const QByteArray &lowerName);
    // Appends the instances DNS may answer with (no critical check; no warning one with
    // only_passing) to entry->instances.
    void addHealthy(const QList<state::ServiceInstance> &instances, ServiceCache *entry) const;
    QByteArray respDomainFor(QByteArrayView lowerQname) const;
    quint32 serviceTtl(const QByteArray &lowerService) const;

    // The records for a prepared query's instances (its DNS TTL, else service_ttl).
    Result queryAnswers(const Message &query, Message *resp, const QByteArray &respDomain, const QByteArray &dc,
                        const QJsonObject &definition, const QList<state::HealthEntry> &entries);
    // Another datacenter's name: NXDOMAIN, and m_forwardDc set when there is a path to it.
    Result otherDatacenter(const QByteArray &dc);

    const state::StateStore *m_store;
    DnsSettings m_settings;
    std::function<bool(const QString &)> m_remoteDc;
    QByteArray m_forwardDc; // set while answering a question for another datacenter
    bool m_translateWan = false; // set while answering with WAN addresses
    std::optional<QJsonObject> m_failover; // set while a prepared query needs failover
    QRandomGenerator m_random;
    NearLookup m_near;
    quint64 m_seenIndex = ~quint64(0);
    quint64 m_seenRestores = 0;
    quint64 m_namesIndex = ~quint64(0);    // the nodes and services tables' index
    quint64 m_namesBuiltAt = ~quint64(0);  // m_namesIndex when the service name index was built
    quint64 m_catalogIndex = ~quint64(0);  // nodes, services and checks tables' index
    QByteArray m_lowerQname; // of the query being answered
    // Encoded replies to service lookups (handle()), by the query's bytes after the ID, one
    // table per transport (0 UDP, 1 TCP): one slot per order of the service's instances.
    struct CachedQuestion
    {
        std::shared_ptr<ServiceCache> service; // the entry the replies were made from
        quint64 catalogIndex = 0;              // when they were last known to be current
        QList<QByteArray> replies;             // by order number; empty: not made yet
    };
    QHash<QByteArray, CachedQuestion> m_replies[2];
    int m_replyCount = 0; // replies held in m_replies
    // Set by serviceQuery() while making a reply that can go into m_replies.
    std::shared_ptr<ServiceCache> m_replyService;
    int m_replyRank = 0, m_replyOrders = 0;
    QHash<QByteArray, QString> m_serviceNames; // lower-case name -> registered name
    QHash<QByteArray, QByteArray> m_ptr;       // lower-case arpa name -> target
    QHash<QByteArray, std::shared_ptr<ServiceCache>> m_services;
};

// Helpers shared with tests.
QByteArray reverseName(const QHostAddress &address); // "1.0.0.127.in-addr.arpa."
QByteArray rfc1464(const QString &key, const QString &value);

} // namespace qonsul::dns

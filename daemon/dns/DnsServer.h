#pragma once
// The agent's DNS listener: UDP and TCP on one address and port, on the Qt event loop (no
// threads). Queries are answered by DnsResolver; names outside the Consul domains go to the
// configured recursors (UDP, then TCP when the answer is truncated; sequential or random order;
// each attempt bounded by recursor_timeout).
#include <QHostAddress>
#include <QList>
#include <QObject>
#include <QPointer>
#include <QStringList>
#include <memory>

#include "dns/DnsResolver.h"

class QUdpSocket;
class QTcpServer;
class QTcpSocket;

namespace qonsul::dns {

struct Recursor
{
    QHostAddress address;
    quint16 port = 53;
};
// "ip", "ip:port", "[v6]:port", "v6" → a recursor; false if not an IP literal.
bool parseRecursor(const QString &text, Recursor *out);

class DnsServer final : public QObject
{
    Q_OBJECT
public:
    DnsServer(const state::StateStore *store, DnsSettings settings, QList<Recursor> recursors,
              QString recursorStrategy, Nanoseconds recursorTimeout, QObject *parent = nullptr);
    ~DnsServer() override;

    // Binds UDP and TCP on address:port (port 0 picks one free for both). False with *error.
    bool listen(const QHostAddress &address, quint16 port, QString *error);
    quint16 port() const { return m_port; }
    // Reload: queries from now on use these; recursions in flight finish with what they started.
    void reconfigure(DnsSettings settings, QList<Recursor> recursors, const QString &recursorStrategy,
                     Nanoseconds recursorTimeout);
    DnsResolver &resolver() { return m_resolver; }
    // Client agents keep no catalog: questions for the Consul domains go to a server, which
    // answers them with its resolver. `ask` calls `answer` once with the reply, or with empty
    // bytes when no server could answer (the local answer goes out then).
    using Upstream = std::function<void(const QByteArray &packet, bool tcp, std::function<void(const QByteArray &)> answer)>;
    void setUpstream(Upstream ask) { m_upstream = std::move(ask); }
    // Servers: questions for another datacenter (<name>.service.<dc>.consul, ...) go to a server
    // of that datacenter; `answer` gets its reply, or empty bytes when none answered (SERVFAIL).
    using DatacenterForwarder = std::function<void(const QByteArray &packet, bool tcp, const QString &datacenter,
                                                   std::function<void(const QByteArray &)> answer)>;
    void setDatacenterForwarder(std::function<bool(const QString &)> known, DatacenterForwarder forward);
    // Servers: a prepared query with no healthy instance here runs in the datacenters of its
    // Failover; `done` gets the datacenter that answered and its instances (none: NXDOMAIN).
    using QueryFailover = std::function<void(const QJsonObject &definition,
                                             std::function<void(const QByteArray &dc, const QList<state::HealthEntry> &)> done)>;
    void setQueryFailover(QueryFailover failover) { m_queryFailover = std::move(failover); }

    // TCP connections idle longer than this are closed.
    static constexpr int kTcpIdleMs = 10000;
    static constexpr int kMaxTcpConnections = 512;
    // Replies queued on one TCP connection before it is no longer read.
    static constexpr qint64 kMaxTcpPending = 256 * 1024;
    // Recursions in flight (each holds a socket) before further ones get SERVFAIL at once.
    static constexpr int kMaxForwards = 1024;

private:
    struct Client
    {
        bool tcp = false;
        QHostAddress address;
        quint16 port = 0;
        QPointer<QTcpSocket> socket;
        int maxUdpSize = 512;
    };
    struct Forward;

    void onUdpReady();
#ifdef Q_OS_LINUX
    // Answers up to `budget` queued datagrams in batches; returns how many it read.
    int readBatches(int budget);
#endif
    // Acts on the resolver's outcome for one query (reply, recurse, forward, failover, drop).
    void dispatch(const Client &client, QByteArrayView packet, DnsResolver::Outcome out);
    void onNewConnection();
    void onTcpReady(QTcpSocket *socket);
    void reply(const Client &client, const QByteArray &bytes);
    void answer(const Client &client, QByteArrayView packet, QByteArray localReply);
    void startForward(const Client &client, QByteArrayView packet, const Message &query);
    void forwardToDatacenter(const Client &client, QByteArrayView packet, const DnsResolver::Outcome &outcome);
    void failover(const Client &client, const DnsResolver::Outcome &outcome);
    void tryNext(const std::shared_ptr<Forward> &f);
    void sendTcp(const std::shared_ptr<Forward> &f);
    void finish(const std::shared_ptr<Forward> &f, QByteArray response);
    void release(const std::shared_ptr<Forward> &f);

    DnsResolver m_resolver;
    QList<Recursor> m_recursors;
    bool m_randomOrder = false;
    int m_recursorTimeoutMs = 2000;
    QUdpSocket *m_udp = nullptr;
    QTcpServer *m_tcp = nullptr;
    quint16 m_port = 0;
    QByteArray m_buffer;
    std::unique_ptr<char[]> m_batch; // recvmmsg slots, allocated on the first query
    int m_tcpConnections = 0;
    QHash<Forward *, std::shared_ptr<Forward>> m_forwards; // recursions in flight
    Upstream m_upstream;
    DatacenterForwarder m_datacenterForwarder;
    QueryFailover m_queryFailover;
};

} // namespace qonsul::dns

// DNS over UDP and TCP on the event loop, plus forwarding to recursors: see DnsServer.h.
#include "dns/DnsServer.h"
#include "state/StateStore.h"

#include "core/Logging.h"

#include <QNetworkProxy>
#include <QRandomGenerator>
#include <QTcpServer>
#include <QTcpSocket>
#include <QTimer>
#include <QUdpSocket>

#include <algorithm>

#ifdef Q_OS_LINUX
#include <arpa/inet.h>
#include <netinet/in.h>
#include <sys/socket.h>
#endif

namespace qonsul::dns {

namespace {
constexpr int kMaxUdpReply = 65535 - 60;

quint16 rd16(const char *p) { return quint16((uchar(p[0]) << 8) | uchar(p[1])); }
void set16(QByteArray *b, int at, quint16 v)
{
    (*b)[at] = char(v >> 8);
    (*b)[at + 1] = char(v & 0xFF);
}
QByteArray lengthPrefixed(const QByteArray &msg)
{
    QByteArray out;
    out.reserve(msg.size() + 2);
    out.append(char(msg.size() >> 8));
    out.append(char(msg.size() & 0xFF));
    out.append(msg);
    return out;
}
template <typename T>
void dispose(std::unique_ptr<T> &p)
{
    // Sockets may be inside one of their own signals: delete them from the event loop.
    if (p) {
        p->disconnect();
        p.release()->deleteLater();
    }
}
} // namespace

bool parseRecursor(const QString &text, Recursor *out)
{
    QString host = text.trimmed();
    quint16 port = 53;
    if (host.startsWith(u'[')) {
        const qsizetype close = host.indexOf(u']');
        if (close < 0)
            return false;
        const QString rest = host.mid(close + 1);
        host = host.mid(1, close - 1);
        if (!rest.isEmpty()) {
            bool ok = false;
            if (!rest.startsWith(u':') || (port = rest.mid(1).toUShort(&ok), !ok))
                return false;
        }
    } else if (host.count(u':') == 1) {
        bool ok = false;
        port = host.section(u':', 1).toUShort(&ok);
        if (!ok)
            return false;
        host = host.section(u':', 0, 0);
    }
    QHostAddress addr;
    if (!addr.setAddress(host))
        return false;
    out->address = addr;
    out->port = port;
    return true;
}

struct DnsServer::Forward
{
    Client client;
    QByteArray packet; // the client's query with our own ID
    quint16 clientId = 0;
    quint16 ourId = 0;
    QList<Recursor> recursors; // as configured when it started (a reload does not touch it)
    int timeoutMs = 2000;
    QList<int> order;
    int next = 0;
    int current = -1;
    Message query;
    QByteArray truncated; // a TC answer kept in case TCP fails too
    std::unique_ptr<QUdpSocket> udp;
    std::unique_ptr<QTcpSocket> tcp;
    QByteArray tcpBuffer;
    std::unique_ptr<QTimer> timer;
    bool done = false;
};

DnsServer::DnsServer(const state::StateStore *store, DnsSettings settings, QList<Recursor> recursors,
                     QString recursorStrategy, Nanoseconds recursorTimeout, QObject *parent)
    : QObject(parent)
    , m_resolver(store, settings)
{
    reconfigure(std::move(settings), std::move(recursors), recursorStrategy, recursorTimeout);
}

void DnsServer::reconfigure(DnsSettings settings, QList<Recursor> recursors, const QString &recursorStrategy,
                            Nanoseconds recursorTimeout)
{
    settings.haveRecursors = !recursors.isEmpty();
    m_resolver.setSettings(std::move(settings));
    m_recursors = std::move(recursors);
    m_randomOrder = recursorStrategy == u"random";
    m_recursorTimeoutMs = recursorTimeout <= 0 ? 2000 : int(std::clamp<qint64>(recursorTimeout / kMillisecond, 1, 600000));
}

DnsServer::~DnsServer() = default;

bool DnsServer::listen(const QHostAddress &address, quint16 port, QString *error)
{
    m_udp = new QUdpSocket(this);
    m_tcp = new QTcpServer(this);
    // Listeners and recursor queries never go through a proxy; see gossip/NetTransport.
    m_udp->setProxy(QNetworkProxy::NoProxy);
    m_tcp->setProxy(QNetworkProxy::NoProxy);
    // With port 0 the UDP port is chosen first and TCP follows it (retrying if it is taken).
    for (int attempt = 0; attempt < 20; ++attempt) {
        if (!m_udp->bind(address, port)) {
            *error = m_udp->errorString();
            return false;
        }
        const quint16 chosen = m_udp->localPort();
        if (m_tcp->listen(address, chosen)) {
            m_port = chosen;
            break;
        }
        *error = m_tcp->errorString();
        m_udp->close();
        if (port != 0)
            return false;
    }
    if (!m_port)
        return false;
    m_udp->setSocketOption(QAbstractSocket::ReceiveBufferSizeSocketOption, 4 * 1024 * 1024);
    m_udp->setSocketOption(QAbstractSocket::SendBufferSizeSocketOption, 4 * 1024 * 1024);
    connect(m_udp, &QUdpSocket::readyRead, this, &DnsServer::onUdpReady);
    connect(m_tcp, &QTcpServer::newConnection, this, &DnsServer::onNewConnection);
    m_buffer.resize(65536);
    return true;
}

void DnsServer::onUdpReady()
{
    // Bounded per wakeup so TCP clients and timers get their turn under a flood.
    int budget = 256;
#ifdef Q_OS_LINUX
    budget -= readBatches(budget);
    if (budget <= 0) {
        QTimer::singleShot(0, this, &DnsServer::onUdpReady);
        return;
    }
#endif
    // Elsewhere this is the whole loop; on Linux the queue is empty by now and the read that
    // finds it empty re-arms Qt's read notifier (QUdpSocket does that in readDatagram).
    QHostAddress sender;
    quint16 senderPort = 0;
    for (; budget > 0; --budget) {
        const qint64 len = m_udp->readDatagram(m_buffer.data(), m_buffer.size(), &sender, &senderPort);
        if (len < 0)
            break;
        Client c;
        c.address = sender;
        c.port = senderPort;
        const QByteArrayView packet(m_buffer.constData(), len);
        dispatch(c, packet, m_resolver.handle(packet, false));
    }
    if (m_udp->hasPendingDatagrams())
        QTimer::singleShot(0, this, &DnsServer::onUdpReady);
}

#ifdef Q_OS_LINUX
int DnsServer::readBatches(int budget)
{
    // recvmmsg/sendmmsg: one system call per batch of queries and one per batch of replies
    // instead of one each per query, and the client is woken once per batch.
    constexpr int kBatch = 32;
    constexpr int kSlot = 65536; // any UDP datagram fits; pages the kernel never writes stay unmapped
    if (!m_batch)
        m_batch.reset(new char[size_t(kBatch) * kSlot]);
    const int fd = int(m_udp->socketDescriptor());
    int handled = 0;
    while (handled < budget) {
        mmsghdr in[kBatch];
        iovec inIov[kBatch];
        sockaddr_storage from[kBatch];
        const int want = std::min(kBatch, budget - handled);
        for (int i = 0; i < want; ++i) {
            inIov[i] = {m_batch.get() + size_t(i) * kSlot, kSlot};
            in[i] = {};
            in[i].msg_hdr.msg_name = &from[i];
            in[i].msg_hdr.msg_namelen = sizeof(sockaddr_storage);
            in[i].msg_hdr.msg_iov = &inIov[i];
            in[i].msg_hdr.msg_iovlen = 1;
        }
        const int n = ::recvmmsg(fd, in, unsigned(want), MSG_DONTWAIT, nullptr);
        if (n <= 0)
            break; // empty (or an error, which Qt's read then reports)
        handled += n;
        QByteArray replies[kBatch];
        mmsghdr out[kBatch];
        iovec outIov[kBatch];
        int m = 0;
        for (int i = 0; i < n; ++i) {
            const QByteArrayView packet(m_batch.get() + size_t(i) * kSlot, qsizetype(in[i].msg_len));
            DnsResolver::Outcome outcome = m_resolver.handle(packet, false);
            if (outcome.action == DnsResolver::Action::Reply && !m_upstream) {
                replies[m] = std::move(outcome.reply);
                outIov[m] = {replies[m].data(), size_t(replies[m].size())};
                out[m] = {};
                out[m].msg_hdr.msg_name = &from[i];
                out[m].msg_hdr.msg_namelen = in[i].msg_hdr.msg_namelen;
                out[m].msg_hdr.msg_iov = &outIov[m];
                out[m].msg_hdr.msg_iovlen = 1;
                ++m;
                continue;
            }
            if (outcome.action == DnsResolver::Action::Drop)
                continue;
            const auto *sa = reinterpret_cast<const sockaddr *>(&from[i]);
            Client c;
            c.address = QHostAddress(sa);
            c.port = ntohs(sa->sa_family == AF_INET6 ? reinterpret_cast<const sockaddr_in6 *>(sa)->sin6_port
                                                     : reinterpret_cast<const sockaddr_in *>(sa)->sin_port);
            dispatch(c, packet, std::move(outcome));
        }
        for (int sent = 0; sent < m;) {
            const int r = ::sendmmsg(fd, out + sent, unsigned(m - sent), 0);
            if (r < 0 && errno == EINTR)
                continue;
            sent += r > 0 ? r : 1; // a reply the kernel refuses is lost, as a failed writeDatagram's is
        }
        if (n < want)
            break; // the queue is empty
    }
    return handled;
}
#endif

void DnsServer::dispatch(const Client &client, QByteArrayView packet, DnsResolver::Outcome out)
{
    switch (out.action) {
    case DnsResolver::Action::Reply:
        answer(client, packet, std::move(out.reply));
        break;
    case DnsResolver::Action::Recurse: {
        Client c = client;
        if (!c.tcp)
            c.maxUdpSize = out.query.edns ? std::max<int>(512, out.query.edns->udpSize) : 512;
        startForward(c, packet, out.query);
        break;
    }
    case DnsResolver::Action::Forward:
        forwardToDatacenter(client, packet, out);
        break;
    case DnsResolver::Action::Failover:
        failover(client, out);
        break;
    case DnsResolver::Action::Drop:
        if (client.tcp && client.socket)
            client.socket->disconnectFromHost(); // garbage on a stream: nothing sensible follows
        break;
    }
}

void DnsServer::onNewConnection()
{
    while (QTcpSocket *socket = m_tcp->nextPendingConnection()) {
        if (m_tcpConnections >= kMaxTcpConnections) {
            socket->abort();
            socket->deleteLater();
            continue;
        }
        ++m_tcpConnections;
        auto *idle = new QTimer(socket);
        idle->setSingleShot(true);
        idle->start(kTcpIdleMs);
        connect(idle, &QTimer::timeout, socket, [socket] { socket->disconnectFromHost(); });
        connect(socket, &QTcpSocket::readyRead, this, [this, socket, idle] {
            idle->start(kTcpIdleMs);
            onTcpReady(socket);
        });
        connect(socket, &QTcpSocket::bytesWritten, this, [this, socket] {
            if (socket->bytesToWrite() < kMaxTcpPending && socket->bytesAvailable() >= 2)
                onTcpReady(socket);
        });
        connect(socket, &QTcpSocket::disconnected, this, [this, socket] {
            --m_tcpConnections;
            socket->deleteLater();
        });
    }
}

void DnsServer::onTcpReady(QTcpSocket *socket)
{
    // Messages are prefixed with their 16-bit length (RFC 1035 4.2.2); several may be pipelined.
    // A client that sends but does not read is not served further until its replies drain
    // (bytesWritten resumes it), so its queue cannot grow without bound.
    while (socket->bytesAvailable() >= 2 && socket->bytesToWrite() < kMaxTcpPending) {
        char len[2];
        socket->peek(len, 2);
        const int size = rd16(len);
        if (socket->bytesAvailable() < 2 + size)
            return;
        socket->read(len, 2);
        const QByteArray packet = socket->read(size);
        Client c;
        c.tcp = true;
        c.socket = socket;
        DnsResolver::Outcome out = m_resolver.handle(packet, true);
        const bool drop = out.action == DnsResolver::Action::Drop;
        dispatch(c, packet, std::move(out));
        if (drop)
            return;
    }
}

void DnsServer::answer(const Client &client, QByteArrayView packet, QByteArray localReply)
{
    if (!m_upstream) {
        reply(client, localReply);
        return;
    }
    m_upstream(packet.toByteArray(), client.tcp,
               [self = QPointer<DnsServer>(this), client, localReply = std::move(localReply)](const QByteArray &bytes) {
                   if (self)
                       self->reply(client, bytes.isEmpty() ? localReply : bytes);
               });
}

void DnsServer::setDatacenterForwarder(std::function<bool(const QString &)> known, DatacenterForwarder forward)
{
    m_resolver.setRemoteDatacenters(std::move(known));
    m_datacenterForwarder = std::move(forward);
}

void DnsServer::forwardToDatacenter(const Client &client, QByteArrayView packet, const DnsResolver::Outcome &outcome)
{
    m_datacenterForwarder(packet.toByteArray(), client.tcp, QString::fromUtf8(outcome.datacenter),
                          [self = QPointer<DnsServer>(this), client, query = outcome.query](const QByteArray &bytes) {
                              if (self)
                                  self->reply(client, bytes.isEmpty() ? self->m_resolver.forwardFailed(query) : bytes);
                          });
}

void DnsServer::failover(const Client &client, const DnsResolver::Outcome &outcome)
{
    m_queryFailover(outcome.definition,
                    [self = QPointer<DnsServer>(this), client, query = outcome.query, definition = outcome.definition](
                        const QByteArray &dc, const QList<state::HealthEntry> &entries) {
                        if (self)
                            self->reply(client, self->m_resolver.answerFailover(query, client.tcp, definition, dc, entries));
                    });
}

void DnsServer::reply(const Client &client, const QByteArray &bytes)
{
    if (client.tcp) {
        if (client.socket && client.socket->state() == QAbstractSocket::ConnectedState)
            client.socket->write(lengthPrefixed(bytes));
    } else {
        m_udp->writeDatagram(bytes, client.address, client.port);
    }
}

void DnsServer::startForward(const Client &client, QByteArrayView packet, const Message &query)
{
    if (m_forwards.size() >= kMaxForwards) {
        // Each forward holds a socket until it is answered or times out: past the cap the
        // client gets SERVFAIL at once instead of the agent running out of descriptors.
        reply(client, m_resolver.recursionFailed(query));
        return;
    }
    auto f = std::make_shared<Forward>();
    f->client = client;
    f->packet = packet.toByteArray();
    f->clientId = rd16(f->packet.constData());
    f->ourId = quint16(QRandomGenerator::global()->generate());
    set16(&f->packet, 0, f->ourId);
    f->query = query;
    f->recursors = m_recursors;
    f->timeoutMs = m_recursorTimeoutMs;
    for (int i = 0; i < f->recursors.size(); ++i)
        f->order.append(i);
    if (m_randomOrder)
        std::shuffle(f->order.begin(), f->order.end(), *QRandomGenerator::global());
    f->timer = std::make_unique<QTimer>();
    f->timer->setSingleShot(true);
    connect(f->timer.get(), &QTimer::timeout, this, [this, w = std::weak_ptr<Forward>(f)] {
        if (auto f = w.lock()) {
            qCDebug(lcAgent).noquote() << "dns: recursor timed out:" << f->recursors.at(f->current).address.toString();
            if (!f->done)
                tryNext(f);
        }
    });
    m_forwards.insert(f.get(), f);
    tryNext(f);
}

void DnsServer::tryNext(const std::shared_ptr<Forward> &f)
{
    dispose(f->udp);
    dispose(f->tcp);
    if (f->next >= f->order.size()) {
        if (!f->truncated.isEmpty()) {
            finish(f, f->truncated);
            return;
        }
        qCWarning(lcAgent).noquote() << "dns: all resolvers failed for question:" << f->query.questions.first().name;
        f->done = true;
        f->timer->stop();
        reply(f->client, m_resolver.recursionFailed(f->query));
        release(f);
        return;
    }
    f->current = f->order.at(f->next++);
    const Recursor &r = f->recursors.at(f->current);
    f->timer->start(f->timeoutMs);
    if (f->client.tcp) {
        sendTcp(f);
        return;
    }
    f->udp = std::make_unique<QUdpSocket>();
    QUdpSocket *udp = f->udp.get();
    udp->setProxy(QNetworkProxy::NoProxy);
    connect(udp, &QUdpSocket::readyRead, this, [this, udp, w = std::weak_ptr<Forward>(f)] {
        auto f = w.lock();
        if (!f || f->udp.get() != udp)
            return;
        while (udp->hasPendingDatagrams()) {
            QByteArray resp(int(std::max<qint64>(udp->pendingDatagramSize(), 0)), '\0');
            QHostAddress from;
            quint16 fromPort = 0;
            const qint64 len = udp->readDatagram(resp.data(), resp.size(), &from, &fromPort);
            if (len < 12 || rd16(resp.constData()) != f->ourId || !(uchar(resp.at(2)) & 0x80))
                continue; // not the answer to our query
            resp.truncate(len);
            const int rc = uchar(resp.at(3)) & 0xF;
            if (rc != rcode::NoError && rc != rcode::NXDomain) {
                tryNext(f);
                return;
            }
            if (uchar(resp.at(2)) & 0x02) { // TC: ask the same recursor again over TCP
                f->truncated = resp;
                sendTcp(f);
                return;
            }
            finish(f, resp);
            return;
        }
    });
    udp->writeDatagram(f->packet, r.address, r.port);
}

void DnsServer::sendTcp(const std::shared_ptr<Forward> &f)
{
    dispose(f->udp);
    const Recursor &r = f->recursors.at(f->current);
    f->tcp = std::make_unique<QTcpSocket>();
    f->tcpBuffer.clear();
    QTcpSocket *tcp = f->tcp.get();
    tcp->setProxy(QNetworkProxy::NoProxy);
    connect(tcp, &QTcpSocket::connected, this, [tcp, w = std::weak_ptr<Forward>(f)] {
        if (auto f = w.lock())
            tcp->write(lengthPrefixed(f->packet));
    });
    connect(tcp, &QTcpSocket::readyRead, this, [this, tcp, w = std::weak_ptr<Forward>(f)] {
        auto f = w.lock();
        if (!f || f->tcp.get() != tcp)
            return;
        f->tcpBuffer += tcp->readAll();
        if (f->tcpBuffer.size() < 2)
            return;
        const int size = rd16(f->tcpBuffer.constData());
        if (f->tcpBuffer.size() < 2 + size)
            return;
        QByteArray resp = f->tcpBuffer.mid(2, size);
        if (resp.size() < 12 || rd16(resp.constData()) != f->ourId) {
            tryNext(f);
            return;
        }
        const int rc = uchar(resp.at(3)) & 0xF;
        if (rc != rcode::NoError && rc != rcode::NXDomain) {
            tryNext(f);
            return;
        }
        finish(f, resp);
    });
    connect(tcp, &QTcpSocket::errorOccurred, this, [this, tcp, w = std::weak_ptr<Forward>(f)] {
        auto f = w.lock();
        if (!f || f->tcp.get() != tcp || f->done)
            return;
        QTimer::singleShot(0, this, [this, f] {
            if (!f->done && f->tcp)
                tryNext(f);
        });
    });
    tcp->connectToHost(r.address, r.port);
}

void DnsServer::finish(const std::shared_ptr<Forward> &f, QByteArray response)
{
    f->done = true;
    f->timer->stop();
    set16(&response, 0, f->clientId);
    response[3] = char(uchar(response.at(3)) | 0x80); // RA
    if (!f->client.tcp && response.size() > std::min(f->client.maxUdpSize, kMaxUdpReply)) {
        // The full (TCP) answer does not fit the client's datagram: hand it the truncated one.
        if (!f->truncated.isEmpty()) {
            response = f->truncated;
            set16(&response, 0, f->clientId);
            response[3] = char(uchar(response.at(3)) | 0x80);
        } else {
            Message r = replyTo(f->query, rcode::NoError);
            r.header.tc = true;
            r.header.ra = true;
            response = encode(r);
        }
    }
    reply(f->client, response);
    release(f);
}

void DnsServer::release(const std::shared_ptr<Forward> &f)
{
    dispose(f->udp);
    dispose(f->tcp);
    dispose(f->timer);
    m_forwards.remove(f.get());
}

} // namespace qonsul::dns

#include "cluster/ServerList.h"
#include "cluster/ClusterLogging.h"

#include "gossip/Serf.h"

#include <QRandomGenerator>

using namespace Qt::StringLiterals;

namespace qonsul::cluster {

bool serverFromMember(const gossip::Member &m, ServerMember *out)
{
    if (m.tags.value(u"role"_s) != u"consul")
        return false;
    bool ok = false;
    const uint port = m.tags.value(u"port"_s).toUInt(&ok);
    if (!ok || port == 0 || port > 65535 || m.addr.isEmpty())
        return false;
    out->name = m.name;
    out->id = m.tags.value(u"id"_s);
    out->datacenter = m.tags.value(u"dc"_s);
    out->rpcAddress = (m.addr.contains(u':') ? u"[%1]:%2"_s : u"%1:%2"_s).arg(m.addr).arg(port);
    out->expect = m.tags.value(u"expect"_s).toInt();
    out->version = m.tags.value(u"build"_s).section(u':', 0, 0);
    out->alive = m.status == gossip::MemberStatus::Alive;
    out->left = m.status == gossip::MemberStatus::Left || m.status == gossip::MemberStatus::Leaving;
    return true;
}

ServerList::ServerList(QString datacenter, QObject *parent, QString pool)
    : QObject(parent)
    , m_datacenter(std::move(datacenter))
    , m_pool(std::move(pool))
{
}

void ServerList::attach(gossip::Serf *lan)
{
    for (const gossip::Member &m : lan->members())
        update(m);
    for (auto signal : {&gossip::Serf::memberJoined, &gossip::Serf::memberUpdated, &gossip::Serf::memberLeft,
                        &gossip::Serf::memberFailed}) {
        connect(lan, signal, this, &ServerList::update);
    }
    connect(lan, &gossip::Serf::memberReaped, this, [this](const gossip::Member &m) { remove(m.name); });
}

void ServerList::update(const gossip::Member &member)
{
    ServerMember server;
    if (!serverFromMember(member, &server) || server.datacenter != m_datacenter)
        return;
    const ServerMember previous = m_servers.value(server.name);
    m_servers.insert(server.name, server);
    if (server.alive) {
        // At a random place: clients spread over the servers instead of all using the first one
        // they heard of (Consul's server manager shuffles its list the same way).
        if (!m_order.contains(server.rpcAddress))
            m_order.insert(qsizetype(QRandomGenerator::global()->bounded(quint32(m_order.size() + 1))), server.rpcAddress);
        if (!previous.alive || previous.rpcAddress != server.rpcAddress || previous.expect != server.expect) {
            qCInfo(lcServer).noquote() << u"Adding %1 server"_s.arg(m_pool) << u"server=%1 (Addr: %2) (DC: %3)"_s.arg(server.name, server.rpcAddress, server.datacenter);
            Q_EMIT serverAlive(server);
        }
        return;
    }
    m_order.removeAll(server.rpcAddress);
    if (previous.alive || server.left) {
        qCInfo(lcServer).noquote() << u"Removing %1 server"_s.arg(m_pool) << u"server=%1 (Addr: %2) (DC: %3)"_s.arg(server.name, server.rpcAddress, server.datacenter);
        Q_EMIT serverGone(server, server.left);
    }
}

void ServerList::remove(const QString &name)
{
    const auto it = m_servers.constFind(name);
    if (it == m_servers.cend())
        return;
    const ServerMember server = *it;
    m_servers.erase(it);
    m_order.removeAll(server.rpcAddress);
    Q_EMIT serverGone(server, true);
}

QList<ServerMember> ServerList::aliveServers() const
{
    QList<ServerMember> out;
    for (const ServerMember &s : m_servers) {
        if (s.alive)
            out.append(s);
    }
    return out;
}

bool ServerList::adoptRotation(const QStringList &order)
{
    if (order.isEmpty() || !m_order.contains(order.constFirst()))
        return false;
    QStringList merged;
    for (const QString &address : order) {
        if (m_order.contains(address))
            merged.append(address);
    }
    for (const QString &address : std::as_const(m_order)) {
        if (!merged.contains(address))
            merged.append(address);
    }
    m_order = merged;
    return true;
}

QString ServerList::describe(const QString &rpcAddress) const
{
    for (const ServerMember &s : m_servers) {
        if (s.rpcAddress == rpcAddress)
            return u"%1 (Addr: tcp/%2) (DC: %3)"_s.arg(s.name, s.rpcAddress, s.datacenter);
    }
    return rpcAddress;
}

QString ServerList::target() const
{
    return m_order.isEmpty() ? QString() : m_order.constFirst();
}

void ServerList::unreachable(const QString &address)
{
    // To the back of the rotation: the next request tries another server.
    if (m_order.removeAll(address))
        m_order.append(address);
}

} // namespace qonsul::cluster

#pragma once
// The servers of this datacenter as LAN gossip shows them, the way Consul's agents find
// servers: a member is a server when its tags say role=consul, with dc, id, port (its server
// RPC port) and, while it waits to bootstrap, expect (bootstrap_expect).
//
// Client agents use it as their upstream: requests go to one server until it cannot be reached,
// then to the next (Consul's server manager rotates the same way), and ServerRebalancer
// reshuffles the rotation from time to time. Servers use its signals to
// bootstrap and to keep the Raft membership in step with the LAN pool (ServerNode).
#include <QHash>
#include <QObject>

#include "cluster/Upstream.h"

namespace qonsul::gossip {
class Serf;
struct Member;
} // namespace qonsul::gossip

namespace qonsul::cluster {

struct ServerMember
{
    QString name;
    QString id;
    QString datacenter;
    QString rpcAddress; // member address : tags.port
    QString version;    // the version part of tags.build ("1.17.0" of "1.17.0:abcdef")
    int expect = 0;
    bool alive = false;
    bool left = false;
};

// Reads a gossip member's tags; false when it is not a Consul server.
bool serverFromMember(const gossip::Member &member, ServerMember *out);

class ServerList final : public QObject, public Upstream
{
    Q_OBJECT
public:
    // `pool` names the gossip pool in the log ("LAN"; "WAN" for another datacenter's servers).
    explicit ServerList(QString datacenter, QObject *parent = nullptr, QString pool = QStringLiteral("LAN"));

    // Follows the LAN pool from now on (its current members first).
    void attach(gossip::Serf *lan);
    // One membership change (what attach() connects the pool's signals to).
    void update(const gossip::Member &member);

    QList<ServerMember> aliveServers() const; // of this datacenter
    // The alive servers' RPC addresses, the one in use first.
    const QStringList &rotation() const { return m_order; }
    // Takes `order` (a reordered rotation()) as the rotation, keeping what gossip changed since:
    // servers gone meanwhile are dropped, new ones go to the back. False, and nothing changes,
    // when its first server is gone (Consul's reconcileServerList).
    bool adoptRotation(const QStringList &order);
    // "<name> (Addr: <address>) (DC: <dc>)" for logs, as Consul prints a server.
    QString describe(const QString &rpcAddress) const;
    const QHash<QString, ServerMember> &all() const { return m_servers; }

    // Upstream
    QString target() const override;
    void unreachable(const QString &address) override;
    QString noTargetError() const override { return QStringLiteral("No known Consul servers"); }

Q_SIGNALS:
    void serverAlive(const qonsul::cluster::ServerMember &server);
    // The server is failed (left == false) or left / reaped (left == true).
    void serverGone(const qonsul::cluster::ServerMember &server, bool left);

private:
    void remove(const QString &name);

    QString m_datacenter;
    QString m_pool;
    QHash<QString, ServerMember> m_servers; // by member name
    QStringList m_order;                    // rotation of alive servers' addresses
};

} // namespace qonsul::cluster

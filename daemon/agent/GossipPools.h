#pragma once
// The agent's gossip: the LAN pool (every agent, bind:serf_lan) and, on servers, the WAN pool
// (bind:serf_wan, members named "<node>.<dc>"), each a gossip::Serf on real sockets, plus
// -join / retry_join with retry_interval and retry_max, and the graceful leave of both.
//
// Other parts of the agent (the server's Raft membership, client agents' server discovery) use
// lan() / wan(): see gossip/Serf.h for the membership API and its signals.
#include "config/AgentConfig.h"
#include "gossip/NetTransport.h"
#include "gossip/Serf.h"

#include <QObject>

#include <memory>

namespace qonsul::gossip {
class Keyring;
class SecureTransport;
} // namespace qonsul::gossip

namespace qonsul::agent {

class GossipPools final : public QObject
{
    Q_OBJECT
public:
    // `metrics` receives memberlist's counters of both pools.
    GossipPools(const config::AgentConfig &config, const QString &advertise, Clock *clock, Metrics *metrics,
                QObject *parent = nullptr);
    ~GossipPools() override;

    // Binds and starts the pools. In -dev mode a busy LAN or WAN port is not fatal (several dev
    // agents on one machine, as Consul's own tests run them): that pool is then just not there.
    bool start(const QMap<QString, QString> &lanTags, const QMap<QString, QString> &wanTags, QString *error);
    // Starts joining start_join/retry_join (and the WAN lists on servers) in the background.
    void startRetryJoin();

    gossip::Serf *lan() const { return m_lan; } // null when not running
    gossip::Serf *wan() const { return m_wan; } // null on clients and when not running

    // Joins through `address` ("ip", "ip:port", "host:port"); `done` gets an error text or "".
    void join(const QString &address, bool wan, std::function<void(const QString &error)> done);
    // Leaves both pools gracefully, then calls `done`.
    void leave(std::function<void()> done);

    // /v1/operator/keyring: what each pool (WAN first) holds, and install/use/remove applied to
    // both pools and gossiped to every member. Errors as text, "" on success.
    bool encrypted() const { return m_lanKeyring || m_wanKeyring; }
    QList<std::pair<bool, gossip::Serf::KeyringStatus>> keyringStatus() const; // (wan, status)
    QString keyringOperation(gossip::KeyringOp::Op op, const QString &base64Key);

    // Why members may not be in our LAN (another datacenter or segment, a node ID taken) or WAN
    // (not a server) pool, or "". Consul's merge delegates; public for their unit test.
    static QString refuseLanMembers(const QList<gossip::Member> &members, const QString &datacenter,
                                    const QString &nodeId, const QString &nodeName, const QString &segment);
    static QString refuseWanMembers(const QList<gossip::Member> &members);

Q_SIGNALS:
    // retry_max attempts without reaching anyone: Consul gives up and shuts the agent down.
    void retryJoinExhausted(const QString &message);

private:
    gossip::Serf *startPool(bool wan, const QMap<QString, QString> &tags, QString *error);
    // encrypt and the keyring file in data_dir (which wins, as in Consul); null when neither.
    std::shared_ptr<gossip::Keyring> loadKeyring(bool wan, QString *error) const;
    QString keyringPath(bool wan) const;
    // data_dir/serf/{local,remote}.<kind>; empty without a data_dir (-dev).
    QString serfFile(bool wan, const QString &kind) const;
    // Keeps serf/*.snapshot up to date (a second after membership changes) and rejoins the
    // members it lists at start.
    void followSnapshot(bool wan, gossip::Serf *pool);
    void saveSnapshot(bool wan);
    void retryJoin(bool wan, int attempt);
    // Servers: Consul's flood join of the WAN pool (see the .cpp).
    void startFloodJoin();
    void startFloodTimer();
    void floodJoinWan();
    static constexpr qint64 kFloodIntervalMs = 60000;

    config::AgentConfig m_config;
    QString m_advertise;
    Clock *m_clock;
    Metrics *m_metrics;
    std::shared_ptr<gossip::Keyring> m_lanKeyring;
    std::shared_ptr<gossip::Keyring> m_wanKeyring;
    std::unique_ptr<gossip::SecureTransport> m_lanSecure;
    std::unique_ptr<gossip::SecureTransport> m_wanSecure;
    gossip::Serf *m_lan = nullptr;
    gossip::Serf *m_wan = nullptr;
    bool m_snapshotDue[2] = {false, false}; // [wan]
    bool m_leaving = false;                 // a graceful leave began: the snapshots say so
};

} // namespace qonsul::agent

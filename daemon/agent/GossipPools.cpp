#include "agent/GossipPools.h"

#include "core/Logging.h"
#include "gossip/Keyring.h"
#include "gossip/NetTransport.h"
#include "gossip/SecureTransport.h"
#include "gossip/Snapshot.h"

#include <QDir>
#include <QFileInfo>
#include <QHostAddress>
#include <QPointer>
#include <QRandomGenerator>
#include <QVersionNumber>

namespace qonsul::agent {

using gossip::Address;

GossipPools::GossipPools(const config::AgentConfig &config, const QString &advertise, Clock *clock,
                         Metrics *metrics, QObject *parent)
    : QObject(parent)
    , m_config(config)
    , m_advertise(advertise)
    , m_clock(clock)
    , m_metrics(metrics)
{
}

GossipPools::~GossipPools()
{
    // The pools use the transports: delete them first.
    delete m_lan;
    delete m_wan;
}

bool GossipPools::start(const QMap<QString, QString> &lanTags, const QMap<QString, QString> &wanTags, QString *error)
{
    // startPool leaves *error empty when it only skipped a busy port in -dev mode.
    QString failure;
    if (m_config.ports.serfLan > 0)
        m_lan = startPool(false, lanTags, &failure);
    if (failure.isEmpty() && m_config.server && m_config.ports.serfWan > 0)
        m_wan = startPool(true, wanTags, &failure);
    if (!failure.isEmpty())
        *error = failure;
    else if (m_lan && m_wan)
        startFloodJoin();
    return failure.isEmpty();
}

// Consul's servers flood-join the WAN pool: every server of our LAN pool (so of our datacenter)
// that is not in the WAN pool yet is joined at its address and wan_join_port, whenever a LAN
// member joins and every 60 s.
void GossipPools::startFloodJoin()
{
    connect(m_lan, &gossip::Serf::memberJoined, this, &GossipPools::floodJoinWan);
    startFloodTimer();
}

void GossipPools::startFloodTimer()
{
    m_clock->schedule(kFloodIntervalMs, [this, alive = QPointer<GossipPools>(this)] {
        if (!alive)
            return;
        floodJoinWan();
        startFloodTimer();
    });
}

void GossipPools::floodJoinWan()
{
    if (!m_lan || !m_wan || m_leaving)
        return;
    const QString suffix = u'.' + m_config.datacenter;
    QSet<QString> inWan;
    for (const gossip::Member &m : m_wan->members()) {
        if (m.tags.value(QStringLiteral("role")) == u"consul" && m.name.endsWith(suffix))
            inWan.insert(m.name.chopped(suffix.size()));
    }
    for (const gossip::Member &m : m_lan->members()) {
        if (m.status != gossip::MemberStatus::Alive || m.tags.value(QStringLiteral("role")) != u"consul" || inWan.contains(m.name))
            continue;
        const int port = m.tags.value(QStringLiteral("wan_join_port")).toInt();
        const Address target{m.addr, quint16(port > 0 ? port : m_config.ports.serfWan)};
        m_wan->join({target}, [name = m.name, target](int joined, const QString &) {
            if (joined > 0)
                qCDebug(lcAgent).noquote() << QStringLiteral("(WAN) Successfully performed flood-join for server at address: server=%1 address=%2").arg(name, target.toString());
            else
                qCDebug(lcAgent).noquote() << QStringLiteral("(WAN) Failed to flood-join server at address: server=%1 address=%2").arg(name, target.toString());
        });
    }
}

// Consul's LAN merge delegate: agents of another datacenter stay out of the pool (the seed's
// client config names another datacenter than its servers: Consul refuses that join), and so do
// members that share a node ID with this agent or with each other (a copied data dir: its
// node-id file). A member that left is exempt from the ID rules: its ID may be reused.
QString GossipPools::refuseLanMembers(const QList<gossip::Member> &members, const QString &datacenter,
                                      const QString &nodeId, const QString &nodeName, const QString &segment)
{
    // Only members built at or after Consul 0.8.5, when node IDs became unique, claim their ID
    // against the others (Consul's uniqueIDMinVersion: mixed older clusters keep joining).
    static const QVersionNumber uniqueIdMinVersion(0, 8, 5);
    QHash<QString, QString> nameById;
    for (const gossip::Member &m : members) {
        const QString id = m.tags.value(QStringLiteral("id"));
        if (!id.isEmpty() && m.status != gossip::MemberStatus::Left) {
            if (id == nodeId && m.name != nodeName)
                return QStringLiteral("Member '%1' has conflicting node ID '%2' with this agent's ID").arg(m.name, id);
            if (const auto other = nameById.constFind(id); other != nameById.constEnd())
                return QStringLiteral("Member '%1' has conflicting node ID '%2' with member '%3'").arg(m.name, id, *other);
            const QVersionNumber built = QVersionNumber::fromString(m.tags.value(QStringLiteral("build")));
            if (!built.isNull() && built.segmentCount() >= 3 && built >= uniqueIdMinVersion)
                nameById.insert(id, m.name);
        }
        const QString role = m.tags.value(QStringLiteral("role"));
        const QString dc = m.tags.value(QStringLiteral("dc"));
        if ((role == u"node" || role == u"consul") && dc != datacenter)
            return QStringLiteral("Member '%1' part of wrong datacenter '%2'").arg(m.name, dc);
        const QString theirSegment = m.tags.value(QStringLiteral("segment"));
        if (theirSegment != segment)
            return QStringLiteral("Member '%1' part of wrong segment '%2' (expected '%3')").arg(m.name, theirSegment, segment);
    }
    return {};
}

// Consul's WAN merge delegate: only servers.
QString GossipPools::refuseWanMembers(const QList<gossip::Member> &members)
{
    for (const gossip::Member &m : members) {
        if (m.tags.value(QStringLiteral("role")) != u"consul")
            return QStringLiteral("Member '%1' is not a server").arg(m.name);
    }
    return {};
}

gossip::Serf *GossipPools::startPool(bool wan, const QMap<QString, QString> &tags, QString *error)
{
    const QString bindText = wan ? m_config.serfBindAddrWan : m_config.serfBindAddrLan;
    const QHostAddress bindAddr(bindText.isEmpty() ? m_config.bindAddr : bindText);
    const int port = wan ? m_config.ports.serfWan : m_config.ports.serfLan;
    gossip::SerfConfig sc = wan ? gossip::SerfConfig::wan() : gossip::SerfConfig::lan();
    // gossip_lan / gossip_wan (-dev: 100ms intervals, suspicion_mult 3, as Consul's dev mode).
    const config::GossipConfig &tuning = wan ? m_config.gossipWan : m_config.gossipLan;
    sc.memberlist.gossipNodes = tuning.gossipNodes;
    sc.memberlist.gossipIntervalMs = tuning.gossipInterval / kMillisecond;
    sc.memberlist.probeIntervalMs = tuning.probeInterval / kMillisecond;
    sc.memberlist.probeTimeoutMs = tuning.probeTimeout / kMillisecond;
    sc.memberlist.suspicionMult = tuning.suspicionMult;
    sc.memberlist.retransmitMult = tuning.retransmitMult;
    std::shared_ptr<gossip::Keyring> keyring = loadKeyring(wan, error);
    if (!error->isEmpty()) {
        *error = QStringLiteral("Failed to configure keyring: %1").arg(*error);
        return nullptr;
    }
    auto *transport = new gossip::NetTransport(sc.memberlist.streamTimeoutMs, this);
    if (m_metrics)
        transport->setMetrics(m_metrics);
    QString bindError;
    if (!transport->bind(bindAddr, quint16(port), &bindError)) {
        delete transport;
        if (m_config.dev) {
            qCWarning(lcAgent).noquote() << QStringLiteral("%1 gossip pool not started: %2").arg(wan ? u"WAN" : u"LAN", bindError);
            return nullptr;
        }
        *error = QStringLiteral("Failed to start Consul server: Failed to start %1 Serf: %2").arg(wan ? u"WAN" : u"LAN", bindError);
        return nullptr;
    }
    gossip::Serf::Options o;
    o.name = wan ? m_config.nodeName + u'.' + m_config.datacenter : m_config.nodeName;
    const QString advertise = wan && !m_config.advertiseAddrWan.isEmpty() ? m_config.advertiseAddrWan : m_advertise;
    o.advertise = Address{advertise, quint16(port)};
    o.tags = tags;
    o.config = sc;
    o.seed = QRandomGenerator::system()->generate64();
    gossip::Transport *gossipTransport = transport;
    if (keyring) {
        auto secure = std::make_unique<gossip::SecureTransport>(transport, keyring, m_config.encryptVerifyIncoming,
                                                                m_config.encryptVerifyOutgoing);
        gossipTransport = secure.get();
        (wan ? m_wanSecure : m_lanSecure) = std::move(secure);
        (wan ? m_wanKeyring : m_lanKeyring) = keyring;
    }
    o.keyring = keyring;
    if (wan)
        o.refuseMembers = refuseWanMembers;
    else
        o.refuseMembers = [dc = m_config.datacenter, id = m_config.nodeId, name = m_config.nodeName,
                           segment = tags.value(QStringLiteral("segment"))](const QList<gossip::Member> &members) {
            return refuseLanMembers(members, dc, id, name, segment);
        };
    auto *serf = new gossip::Serf(o, m_clock, gossipTransport);
    if (keyring) {
        connect(serf, &gossip::Serf::keyringChanged, this, [this, wan, ring = keyring.get()] {
            const QString path = keyringPath(wan);
            QString saveError;
            if (!path.isEmpty() && !ring->save(path, &saveError))
                qCWarning(lcAgent).noquote() << saveError;
        });
    }
    serf->start();
    followSnapshot(wan, serf);
    qCInfo(lcAgent).noquote() << QStringLiteral("Started %1 gossip pool: address=%2").arg(wan ? u"WAN" : u"LAN", o.advertise.toString());
    return serf;
}

QString GossipPools::serfFile(bool wan, const QString &kind) const
{
    if (m_config.dataDir.isEmpty())
        return {};
    return QDir(m_config.dataDir).filePath(QStringLiteral("serf/%1.%2").arg(wan ? u"remote" : u"local", kind));
}

QString GossipPools::keyringPath(bool wan) const
{
    return m_config.disableKeyringFile ? QString() : serfFile(wan, QStringLiteral("keyring"));
}

void GossipPools::followSnapshot(bool wan, gossip::Serf *pool)
{
    const QString path = serfFile(wan, QStringLiteral("snapshot"));
    if (path.isEmpty())
        return;
    auto changed = [this, wan](const gossip::Member &) {
        if (std::exchange(m_snapshotDue[wan], true))
            return;
        m_clock->schedule(1000, [this, wan, alive = QPointer<GossipPools>(this)] {
            if (!alive)
                return;
            m_snapshotDue[wan] = false;
            saveSnapshot(wan);
        });
    };
    for (auto signal : {&gossip::Serf::memberJoined, &gossip::Serf::memberUpdated, &gossip::Serf::memberFailed,
                        &gossip::Serf::memberLeft, &gossip::Serf::memberReaped})
        connect(pool, signal, this, changed);
    QList<Address> targets;
    for (const Address &a : gossip::Snapshot::load(path).rejoinTargets(m_config.rejoinAfterLeave)) {
        if (a != Address{pool->localMember().addr, pool->localMember().port})
            targets.append(a);
    }
    if (targets.isEmpty())
        return;
    pool->join(targets, [wan](int joined, const QString &) {
        qCInfo(lcAgent).noquote() << QStringLiteral("(%1) re-joined %2 previously known nodes").arg(wan ? u"WAN" : u"LAN").arg(joined);
    });
}

void GossipPools::saveSnapshot(bool wan)
{
    const gossip::Serf *pool = wan ? m_wan : m_lan;
    const QString path = serfFile(wan, QStringLiteral("snapshot"));
    if (!pool || path.isEmpty())
        return;
    gossip::Snapshot snapshot;
    snapshot.left = m_leaving;
    for (const gossip::Member &m : pool->members()) {
        if (m.status == gossip::MemberStatus::Alive && m.name != pool->name())
            snapshot.alive.append(Address{m.addr, m.port});
    }
    QString error;
    if (!snapshot.save(path, &error))
        qCWarning(lcAgent).noquote() << error;
}

std::shared_ptr<gossip::Keyring> GossipPools::loadKeyring(bool wan, QString *error) const
{
    auto keyring = std::make_shared<gossip::Keyring>();
    const QString path = keyringPath(wan);
    if (!path.isEmpty() && QFileInfo::exists(path)) {
        if (!keyring->load(path, error))
            return nullptr;
        if (!m_config.encrypt.isEmpty())
            qCWarning(lcAgent).noquote() << QStringLiteral("%1 keyring exists but -encrypt given, using keyring").arg(wan ? u"WAN" : u"LAN");
        return keyring;
    }
    if (m_config.encrypt.isEmpty())
        return nullptr;
    const auto key = gossip::Keyring::parseKey(m_config.encrypt, error);
    if (!key)
        return nullptr;
    keyring->install(*key);
    if (!path.isEmpty() && !keyring->save(path, error))
        return nullptr;
    return keyring;
}

QList<std::pair<bool, gossip::Serf::KeyringStatus>> GossipPools::keyringStatus() const
{
    QList<std::pair<bool, gossip::Serf::KeyringStatus>> out;
    if (m_wan && m_wanKeyring)
        out.append({true, m_wan->keyringStatus()});
    if (m_lan && m_lanKeyring)
        out.append({false, m_lan->keyringStatus()});
    return out;
}

QString GossipPools::keyringOperation(gossip::KeyringOp::Op op, const QString &base64Key)
{
    QString error;
    const auto key = gossip::Keyring::parseKey(base64Key, &error);
    if (!key)
        return error;
    if (!encrypted())
        return QStringLiteral("gossip encryption is not enabled on this agent");
    // WAN first, then LAN, as Consul's keyring operations go.
    for (gossip::Serf *pool : {m_wan, m_lan}) {
        if (pool && (pool == m_wan ? m_wanKeyring : m_lanKeyring) && !pool->keyringOperation(op, *key, &error))
            return error;
    }
    return {};
}

void GossipPools::join(const QString &address, bool wan, std::function<void(const QString &)> done)
{
    gossip::Serf *pool = wan ? m_wan : m_lan;
    if (!pool) {
        done(wan ? QStringLiteral("Must be a server to join WAN cluster")
                 : QStringLiteral("gossip is not running on this agent"));
        return;
    }
    const auto target = Address::parse(address, quint16(wan ? m_config.ports.serfWan : m_config.ports.serfLan));
    if (!target) {
        done(QStringLiteral("1 error occurred:\n\t* Failed to resolve %1: invalid address\n\n").arg(address));
        return;
    }
    qCInfo(lcAgent).noquote() << QStringLiteral("(%1) joining: %2").arg(wan ? u"WAN" : u"LAN", target->toString());
    pool->join({*target}, [wan, done](int joined, const QString &error) {
        const QString label = wan ? QStringLiteral("WAN") : QStringLiteral("LAN");
        if (joined > 0) {
            qCInfo(lcAgent).noquote() << QStringLiteral("(%1) joined: number_of_nodes=%2").arg(label).arg(joined);
            done({});
        } else {
            qCWarning(lcAgent).noquote() << QStringLiteral("(%1) couldn't join: number_of_nodes=0 error=\"%2\"").arg(label, error);
            done(error);
        }
    });
}

void GossipPools::startRetryJoin()
{
    if (!m_config.retryJoin.isEmpty())
        retryJoin(false, 1);
    if (m_config.server && !m_config.retryJoinWan.isEmpty())
        retryJoin(true, 1);
}

void GossipPools::retryJoin(bool wan, int attempt)
{
    gossip::Serf *pool = wan ? m_wan : m_lan;
    if (!pool)
        return;
    const QStringList targets = wan ? m_config.retryJoinWan : m_config.retryJoin;
    QList<Address> addresses;
    for (const QString &t : targets) {
        if (t.contains(u"provider=")) {
            qCWarning(lcAgent).noquote() << "Cloud auto-join is not supported, skipping:" << t;
            continue;
        }
        if (const auto a = Address::parse(t, quint16(wan ? m_config.ports.serfWan : m_config.ports.serfLan)))
            addresses.append(*a);
        else
            qCWarning(lcAgent).noquote() << "Cannot join invalid address:" << t;
    }
    if (addresses.isEmpty())
        return;
    const QString label = wan ? QStringLiteral("WAN") : QStringLiteral("LAN");
    qCInfo(lcAgent).noquote() << QStringLiteral("Retry join is supported for the following discovery methods: cluster=%1 discovery_methods=\"aliyun aws azure digitalocean gce hcp k8s linode mdns os packet scaleway softlayer tencentcloud triton vsphere\"").arg(label);
    qCInfo(lcAgent).noquote() << QStringLiteral("Joining cluster...: cluster=%1").arg(label);
    pool->join(addresses, [this, wan, attempt, label](int joined, const QString &error) {
        if (joined > 0) {
            qCInfo(lcAgent).noquote() << QStringLiteral("Join cluster completed. Synced with initial agents: cluster=%1 num_agents=%2").arg(label).arg(joined);
            return;
        }
        const int max = wan ? m_config.retryMaxWan : m_config.retryMax;
        if (max > 0 && attempt >= max) {
            const QString message = QStringLiteral("agent: Join %1: %2 attempts failed, giving up").arg(label).arg(attempt);
            qCCritical(lcAgent).noquote() << message;
            Q_EMIT retryJoinExhausted(message);
            return;
        }
        const qint64 interval = (wan ? m_config.retryIntervalWan : m_config.retryInterval) / 1000000;
        qCWarning(lcAgent).noquote() << QStringLiteral("Join cluster failed, will retry: cluster=%1 retry_interval=%2s error=\"%3\"").arg(label).arg(interval / 1000).arg(error);
        m_clock->schedule(interval, [this, wan, attempt, alive = QPointer<GossipPools>(this)] {
            if (alive)
                retryJoin(wan, attempt + 1);
        });
    });
}

void GossipPools::leave(std::function<void()> done)
{
    // LAN first, then WAN, as Consul's server shutdown does. The snapshots remember that we left
    // on purpose (no automatic rejoin at the next start without rejoin_after_leave).
    m_leaving = true;
    saveSnapshot(false);
    saveSnapshot(true);
    auto wanThenDone = [this, done] {
        if (m_wan && !m_wan->hasLeft())
            m_wan->leave(done);
        else
            done();
    };
    if (m_lan && !m_lan->hasLeft())
        m_lan->leave(wanThenDone);
    else
        wanThenDone();
}

} // namespace qonsul::agent

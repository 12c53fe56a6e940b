#include "cluster/WanRouter.h"
#include "cluster/ServerList.h"
#include "cluster/Upstream.h"

#include "gossip/Serf.h"

#include <algorithm>
#include <limits>

using namespace Qt::StringLiterals;

namespace qonsul::cluster {

struct WanRouter::Remote
{
    ServerList *servers = nullptr;    // that datacenter's servers in the WAN pool
    rpc::ConnectionPool *pool = nullptr; // frames addressed to that datacenter
};

WanRouter::WanRouter(QString localDatacenter, Clock *clock, rpc::ConnectionPool::Options poolOptions, qint64 holdMs,
                     QObject *parent)
    : QObject(parent)
    , m_local(std::move(localDatacenter))
    , m_clock(clock)
    , m_poolOptions(std::move(poolOptions))
    , m_holdMs(holdMs)
{
}

WanRouter::~WanRouter()
{
    qDeleteAll(m_remotes);
}

void WanRouter::attach(gossip::Serf *wan)
{
    m_wan = wan;
    if (!wan)
        return;
    auto seen = [this](const gossip::Member &m) {
        ServerMember server;
        if (serverFromMember(m, &server))
            update(server.datacenter);
    };
    for (const gossip::Member &m : wan->members())
        seen(m);
    for (auto signal : {&gossip::Serf::memberJoined, &gossip::Serf::memberUpdated})
        connect(wan, signal, this, seen);
}

void WanRouter::update(const QString &datacenter)
{
    if (datacenter.isEmpty() || datacenter == m_local || m_remotes.contains(datacenter))
        return;
    // The first server of a datacenter: from now on its ServerList follows that datacenter's
    // servers in the pool (this one included, from the pool's current members).
    auto *r = new Remote;
    r->servers = new ServerList(datacenter, this, u"WAN"_s);
    rpc::ConnectionPool::Options options = m_poolOptions;
    options.datacenter = datacenter;
    r->pool = new rpc::ConnectionPool(options, this);
    m_remotes.insert(datacenter, r);
    r->servers->attach(m_wan);
}

bool WanRouter::knows(const QString &datacenter) const
{
    if (datacenter == m_local)
        return true;
    // Known while one of its servers is in the pool and has not left (failed ones count: they
    // may come back).
    const Remote *r = m_remotes.value(datacenter);
    return r && std::any_of(r->servers->all().cbegin(), r->servers->all().cend(),
                            [](const ServerMember &s) { return !s.left; });
}

QStringList WanRouter::datacentersByDistance() const
{
    QHash<QString, QList<double>> rtts{{m_local, {0.0}}};
    if (m_wan) {
        const gossip::Coordinate self = m_wan->coordinate();
        const QHash<QString, gossip::Coordinate> coordinates = m_wan->coordinates();
        for (const gossip::Member &m : m_wan->members()) {
            ServerMember server;
            if (!serverFromMember(m, &server) || m.status == gossip::MemberStatus::Left || server.datacenter == m_local)
                continue;
            const auto c = coordinates.constFind(m.name);
            // A server without a known coordinate (failed, or never probed) is infinitely far.
            rtts[server.datacenter].append(c == coordinates.cend() ? std::numeric_limits<double>::infinity()
                                                                   : self.distanceTo(*c));
        }
    }
    QList<std::pair<double, QString>> sorted;
    for (auto it = rtts.begin(); it != rtts.end(); ++it) {
        QList<double> &values = it.value();
        std::sort(values.begin(), values.end());
        sorted.append({values.at(values.size() / 2), it.key()});
    }
    std::sort(sorted.begin(), sorted.end());
    QStringList out;
    for (const auto &entry : std::as_const(sorted))
        out.append(entry.second);
    return out;
}

void WanRouter::call(const QString &datacenter, const QString &method, const QCborValue &args, qint64 replyTimeoutMs,
                     std::function<void(const QCborValue &, const QString &)> done)
{
    Remote *r = m_remotes.value(datacenter);
    if (!r || !knows(datacenter)) {
        done({}, kNoDcPath);
        return;
    }
    if (r->servers->target().isEmpty()) {
        done({}, kDcNotAvailable);
        return;
    }
    ++m_forwarded;
    callUpstream(m_clock, r->pool, r->servers, method, args, m_holdMs, replyTimeoutMs,
                 [done = std::move(done), servers = r->servers](const QCborValue &result, const QString &error) {
                     done(result, error == servers->noTargetError() ? kDcNotAvailable : error);
                 });
}

} // namespace qonsul::cluster

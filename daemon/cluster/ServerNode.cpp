#include "cluster/ServerNode.h"
#include "cluster/HttpForward.h"

#include "cluster/ClusterLogging.h"
#include "rpc/RpcLogging.h"
#include "raft/storage/RaftStorage.h"
#include "raft/RaftCommitter.h"
#include "raft/RaftNode.h"
#include "rpc/RaftTransport.h"
#include "rpc/RpcServer.h"
#include "state/StateStore.h"

#include <QCborMap>
#include <QHostAddress>
#include <QRandomGenerator>
#include <QTimer>

using namespace Qt::StringLiterals;

namespace qonsul::cluster {

namespace {
const QString kHttpMethod = u"Http.Request"_s;
const QString kInfoMethod = u"Status.Info"_s;
constexpr int kLeaderWatchMs = 20;
} // namespace

ServerNode::ServerNode(Options options, Clock *clock, state::StateStore *store, rpc::ConnectionPool *pool,
                       QObject *parent)
    : QObject(parent)
    , m_options(std::move(options))
    , m_clock(clock)
    , m_store(store)
    , m_pool(pool)
    , m_committer(clock, pool, this, m_options.rpcHoldMs)
    , m_rpc(nullptr)
    , m_leaderWatch(new QTimer(this))
{
    rpc::RpcServer::Options rpcOptions;
    rpcOptions.datacenter = m_options.datacenter;
    m_rpc = new rpc::RpcServer(rpcOptions, this);
}

ServerNode::~ServerNode()
{
    m_rpc->close();
    m_committer.setLocal(nullptr);
    if (m_transport)
        m_transport->setNode(nullptr);
    m_node.reset(); // cancels its timers while the stores still exist
}

bool ServerNode::openStores(QString *error)
{
    std::optional<raft::RaftStorage> storage = raft::openRaftStorage(m_options.dataDir, error);
    if (!storage) {
        *error = u"Failed to open the Raft state in %1: %2"_s.arg(m_options.dataDir, *error);
        return false;
    }
    m_storage = std::make_unique<raft::RaftStorage>(std::move(*storage));
    return true;
}

bool ServerNode::start(QString *error)
{
    if (!openStores(error))
        return false;
    m_transport = std::make_unique<rpc::RaftTransport>(m_pool, m_options.rpcAddress);
    m_fsm = std::make_unique<raft::StoreStateMachine>(m_store);
    raft::RaftNode::Deps deps;
    deps.id = m_options.nodeId;
    deps.clock = m_clock;
    deps.transport = m_transport.get();
    deps.log = m_storage->log.get();
    deps.stable = m_storage->stable.get();
    deps.snapshots = m_storage->snapshots.get();
    deps.fsm = m_fsm.get();
    deps.random = [] { return QRandomGenerator::system()->generate64(); };
    deps.options = m_options.raft;
    m_node = std::make_unique<raft::RaftNode>(deps);
    m_transport->setNode(m_node.get());
    m_committer.setLocal(m_node.get());
    if (m_options.bootstrap) {
        const raft::Configuration self{{raft::Server{m_options.nodeId, m_options.rpcAddress}}};
        if (m_node->bootstrap(self))
            qCInfo(lcServer).noquote() << "bootstrapped a single-server cluster:" << m_options.rpcAddress;
    }
    registerRpcHandlers();
    if (!m_rpc->listen(QHostAddress(m_options.bindAddress), m_options.port, error)) {
        *error = u"Failed to start the server RPC listener on %1:%2: %3"_s.arg(m_options.bindAddress).arg(m_options.port).arg(*error);
        return false;
    }
    qCInfo(lcRpc).noquote() << "listening:" << u"address=%1:%2"_s.arg(m_options.bindAddress).arg(m_rpc->port());
    connect(m_leaderWatch, &QTimer::timeout, this, &ServerNode::watchLeadership);
    m_leaderWatch->start(kLeaderWatchMs);
    return true;
}

void ServerNode::registerRpcHandlers()
{
    m_rpc->setRaftHandler([t = m_transport.get()](const QCborValue &body, QString *error) { return t->deliver(body, error); });
    m_rpc->setHandler(kApplyMethod, [this](const QCborValue &args, rpc::RpcServer::Reply reply) {
        m_committer.serveApply(args, std::move(reply));
    });
    m_rpc->setHandler(kInfoMethod, [this](const QCborValue &, rpc::RpcServer::Reply reply) {
        reply(QCborMap{{u"id"_s, m_options.nodeId}, {u"node"_s, m_options.nodeName}, {u"addr"_s, m_options.rpcAddress},
                       {u"dc"_s, m_options.datacenter}},
              {});
    });
    m_rpc->setHandler(kHttpMethod, [this](const QCborValue &args, rpc::RpcServer::Reply reply) {
        http::HttpRequest request;
        QString error;
        if (!m_httpHandler || !decodeRequest(args, &request, &error)) {
            reply({}, error.isEmpty() ? u"this server does not take HTTP requests"_s : error);
            return;
        }
        m_httpHandler(request, http::HttpResponder::capture([reply](http::HttpResponse response) {
                          reply(encodeResponse(response), {});
                      }));
    });
}

void ServerNode::watchLeadership()
{
    const bool leader = isLeader();
    const QString leaderAddress = target();
    if (leaderAddress != m_lastLeader) {
        m_lastLeader = leaderAddress;
        if (!leaderAddress.isEmpty())
            qCInfo(lcServer).noquote() << "New leader elected:" << u"payload=%1"_s.arg(leaderAddress);
    }
    if (leader != m_wasLeader) {
        m_wasLeader = leader;
        qCInfo(lcServer).noquote() << (leader ? "cluster leadership acquired" : "cluster leadership lost");
        Q_EMIT leadershipChanged(leader);
    }
}

bool ServerNode::isLeader() const
{
    return m_node && m_node->isLeader();
}

QString ServerNode::target() const
{
    if (!m_node)
        return {};
    const QString leader = m_node->leaderId();
    if (leader.isEmpty())
        return {};
    if (leader == m_options.nodeId)
        return m_options.rpcAddress;
    const QString address = m_transport->addressOf(leader);
    return address;
}

void ServerNode::readBarrier(bool consistent, std::function<void(const QString &)> done)
{
    if (!m_node) {
        done(kNoLeader);
        return;
    }
    m_node->read(consistent ? raft::RaftNode::ReadMode::ReadIndex : raft::RaftNode::ReadMode::Lease,
                 [done = std::move(done)](quint64, const QString &error) { done(error.isEmpty() ? QString() : kNoLeader); });
}

QList<http::v1::RaftBackend::Server> ServerNode::raftServers() const
{
    QList<Server> out;
    if (!m_node)
        return out;
    QHash<QString, QString> names; // node ID → name, from the catalog
    QList<api::Node> nodes;
    m_store->nodes(&nodes);
    for (const api::Node &n : std::as_const(nodes))
        names.insert(n.id, n.node);
    const QString leader = m_node->leaderId();
    for (const raft::Server &s : m_node->configuration().servers) {
        QString name = s.id == m_options.nodeId ? m_options.nodeName : names.value(s.id);
        out.append(Server{s.id, name.isEmpty() ? u"(unknown)"_s : name, s.address, s.id == leader,
                          s.suffrage == raft::Suffrage::Voter});
    }
    return out;
}

quint64 ServerNode::raftLastIndex() const
{
    return m_node ? m_node->lastIndex() : 0;
}

void ServerNode::addRaftPeer(const QString &address, Done done)
{
    if (!isLeader()) {
        done(kNoLeader);
        return;
    }
    // Ask the server at `address` who it is: Raft knows servers by ID.
    m_pool->call(address, kInfoMethod, {}, 5000, [this, address, done](const QCborValue &result, const QString &error) {
        if (!error.isEmpty()) {
            done(u"cannot reach a server at %1: %2"_s.arg(address, error));
            return;
        }
        const QCborMap info = result.toMap();
        const QString id = info.value(u"id"_s).toString();
        if (id.isEmpty() || info.value(u"dc"_s).toString() != m_options.datacenter) {
            done(u"%1 is not a server of datacenter %2"_s.arg(address, m_options.datacenter));
            return;
        }
        if (!isLeader()) {
            done(kNoLeader);
            return;
        }
        const raft::Server *known = m_node->configuration().find(id);
        if (known && known->address == address && known->suffrage == raft::Suffrage::Voter) {
            done({});
            return;
        }
        qCInfo(lcServer).noquote() << "adding server:" << u"id=%1 address=%2"_s.arg(id, address);
        m_node->addVoter(id, address, [done](quint64 index, const std::any &, const QString &error) {
            done(index ? QString() : error);
        });
    });
}

void ServerNode::removeRaftPeer(const QString &id, const QString &address, Done done)
{
    if (!isLeader()) {
        done(kNoLeader);
        return;
    }
    for (const raft::Server &s : m_node->configuration().servers) {
        if ((!id.isEmpty() && s.id == id) || (!address.isEmpty() && s.address == address)) {
            qCInfo(lcServer).noquote() << "removing server:" << u"id=%1 address=%2"_s.arg(s.id, s.address);
            m_node->removeServer(s.id, [done](quint64 index, const std::any &, const QString &error) {
                done(index ? QString() : error);
            });
            return;
        }
    }
    done(id.isEmpty() ? u"address \"%1\" was not found in the Raft configuration"_s.arg(address)
                      : u"id \"%1\" was not found in the Raft configuration"_s.arg(id));
}

QString ServerNode::transferLeadership(const QString &id)
{
    if (!isLeader())
        return kNoLeader;
    QString target = id;
    if (target.isEmpty()) {
        // Any other voter, as Consul picks one when no ID is given.
        for (const raft::ServerId &voter : m_node->configuration().voters()) {
            if (voter != m_options.nodeId) {
                target = voter;
                break;
            }
        }
    }
    if (target.isEmpty() || !m_node->configuration().isVoter(target))
        return target.isEmpty() ? u"cannot transfer leadership: no other voter"_s
                                : u"cannot transfer leadership to %1: not a voter"_s.arg(target);
    if (!m_node->transferLeadership(target))
        return u"cannot transfer leadership to %1"_s.arg(target);
    return {};
}

} // namespace qonsul::cluster

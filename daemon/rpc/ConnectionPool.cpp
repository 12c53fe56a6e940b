#include "rpc/ConnectionPool.h"
#include "rpc/FramedSocket.h"
#include "rpc/RpcLogging.h"

#include <QCborArray>
#include <QDeadlineTimer>
#include <QNetworkProxy>
#include <QTimer>
#include <map>

using namespace Qt::StringLiterals;

namespace qonsul::rpc {

namespace {
const QString kConnectFailed = u"rpc error: failed to connect to "_s;

bool splitAddress(const QString &address, QString *host, quint16 *port)
{
    const qsizetype colon = address.lastIndexOf(u':');
    if (colon <= 0)
        return false;
    bool ok = false;
    const uint p = address.mid(colon + 1).toUInt(&ok);
    if (!ok || p == 0 || p > 65535)
        return false;
    *host = address.left(colon);
    if (host->startsWith(u'[') && host->endsWith(u']'))
        *host = host->mid(1, host->size() - 2);
    *port = quint16(p);
    return true;
}
} // namespace

// One connection to one server, with its requests awaiting replies.
class ConnectionPool::Channel : public QObject
{
public:
    Channel(ConnectionPool *pool, QString address, QString key)
        : QObject(pool)
        , m_pool(pool)
        , m_address(std::move(address))
        , m_key(std::move(key))
    {
        m_sweep.setInterval(100);
        connect(&m_sweep, &QTimer::timeout, this, [this] { sweep(); });
        m_idle.setSingleShot(true);
        m_idle.setInterval(pool->m_options.idleTimeoutMs);
        connect(&m_idle, &QTimer::timeout, this, [this] {
            if (m_pending.empty())
                fail(QString()); // idle: close quietly
        });
    }
    // Requests still waiting when the pool itself goes (shutdown) are dropped without a call:
    // their owners are going too.
    ~Channel() override = default;

    const QString &key() const { return m_key; }
    QString failure() const { return m_failure; }

    bool open()
    {
        QString host;
        quint16 port = 0;
        if (!splitAddress(m_address, &host, &port)) {
            m_failure = u"invalid server address \"%1\""_s.arg(m_address);
            return false;
        }
        auto *socket = new QTcpSocket;
        socket->setProxy(QNetworkProxy::NoProxy); // server RPC is never proxied; see NetTransport
        m_socket = new FramedSocket(socket, m_pool->m_options.datacenter, m_pool->m_options.maxFrameSize, this);
        connect(m_socket, &FramedSocket::frameReceived, this, [this](const Frame &f) { onFrame(f); });
        connect(m_socket, &FramedSocket::closed, this, [this](const QString &reason) {
            fail(reason.isEmpty() ? u"rpc connection to %1 closed"_s.arg(m_address) : reason);
        });
        connect(m_socket, &FramedSocket::refused, this, [this](const QString &reason) {
            qCWarning(lcRpc).noquote() << "RPC reply refused:" << u"server=%1 error=\"%2\""_s.arg(m_address, reason);
            m_failure = u"not a Qonsul server RPC port at %1 (%2)"_s.arg(m_address, reason);
        });
        connect(socket, &QTcpSocket::connected, this, [this] { m_connected = true; });
        m_connectDeadline = QDeadlineTimer(m_pool->m_options.connectTimeoutMs);
        socket->connectToHost(host, port);
        m_sweep.start();
        m_idle.start();
        return true;
    }

    void request(const QString &method, const QCborValue &args, int timeoutMs, Callback done)
    {
        const quint64 id = ++m_nextId;
        Frame frame;
        frame.type = FrameType::Request;
        frame.id = id;
        frame.body = QCborArray{method, args};
        m_pending.emplace(id, Pending{std::move(done), QDeadlineTimer(timeoutMs)});
        m_socket->send(frame);
        m_idle.start();
    }

    void raft(const QCborValue &body)
    {
        if (m_socket->bytesToWrite() > m_pool->m_options.raftBacklogLimit)
            return; // the peer is not keeping up; Raft resends what matters
        Frame frame;
        frame.type = FrameType::Raft;
        frame.body = body;
        m_socket->send(frame);
        m_idle.start();
    }

private:
    struct Pending
    {
        Callback done;
        QDeadlineTimer deadline;
    };

    void onFrame(const Frame &frame)
    {
        if (frame.type == FrameType::Error && frame.id == 0) {
            // The server refused the connection as a whole.
            fail(u"server %1 refused the connection: %2"_s.arg(m_address, frame.body.toString()));
            return;
        }
        if (frame.type != FrameType::Response && frame.type != FrameType::Error) {
            m_socket->refuse(u"unexpected frame type %1 from a server"_s.arg(int(frame.type)));
            return;
        }
        const auto it = m_pending.find(frame.id);
        if (it == m_pending.end())
            return; // its caller timed out already
        Callback done = std::move(it->second.done);
        m_pending.erase(it);
        if (m_pending.empty())
            m_idle.start();
        if (frame.type == FrameType::Error)
            done({}, frame.body.isString() ? frame.body.toString() : u"rpc error"_s);
        else
            done(frame.body, QString());
    }

    void sweep()
    {
        if (!m_connected && m_connectDeadline.hasExpired()) {
            fail(u"connection timed out"_s);
            return;
        }
        for (auto it = m_pending.begin(); it != m_pending.end();) {
            if (!it->second.deadline.hasExpired()) {
                ++it;
                continue;
            }
            Callback done = std::move(it->second.done);
            it = m_pending.erase(it);
            done({}, u"rpc error: timeout waiting for a reply from %1"_s.arg(m_address));
        }
    }

    void failAll(const QString &reason)
    {
        auto pending = std::exchange(m_pending, {});
        for (auto &[id, p] : pending)
            p.done({}, reason);
    }

    // The connection is unusable: leave the pool first (new calls open a fresh one), then fail
    // the requests still waiting.
    void fail(const QString &reason)
    {
        if (m_failed)
            return;
        m_failed = true;
        m_sweep.stop();
        m_idle.stop();
        QString why = m_failure.isEmpty() ? reason : m_failure;
        if (why.isEmpty())
            why = u"rpc connection closed"_s;
        if (!m_connected)
            why = kConnectFailed + m_address + u": "_s + why;
        m_pool->drop(this);
        failAll(why);
        m_socket->close();
        deleteLater();
    }

    ConnectionPool *m_pool;
    QString m_address;
    QString m_key;
    FramedSocket *m_socket = nullptr;
    std::map<quint64, Pending> m_pending;
    quint64 m_nextId = 0;
    QTimer m_sweep;
    QTimer m_idle;
    QDeadlineTimer m_connectDeadline;
    QString m_failure;
    bool m_connected = false;
    bool m_failed = false;
};

ConnectionPool::ConnectionPool(Options options, QObject *parent)
    : QObject(parent)
    , m_options(std::move(options))
{
}

ConnectionPool::~ConnectionPool()
{
    const auto channels = std::exchange(m_channels, {});
    qDeleteAll(channels);
}

ConnectionPool::Channel *ConnectionPool::channel(const QString &address, bool raft)
{
    const QString key = (raft ? u"r:"_s : u"q:"_s) + address;
    if (Channel *c = m_channels.value(key))
        return c;
    auto *c = new Channel(this, address, key);
    if (!c->open()) {
        qCWarning(lcRpc).noquote() << c->failure();
        delete c;
        return nullptr;
    }
    ++m_opened;
    m_channels.insert(key, c);
    return c;
}

void ConnectionPool::drop(Channel *c)
{
    if (m_channels.value(c->key()) == c)
        m_channels.remove(c->key());
}

bool ConnectionPool::neverSent(const QString &error)
{
    return error.startsWith(kConnectFailed);
}

void ConnectionPool::call(const QString &address, const QString &method, const QCborValue &args, int timeoutMs,
                          Callback done)
{
    Channel *c = channel(address, false);
    if (!c) {
        done({}, u"invalid server address \"%1\""_s.arg(address));
        return;
    }
    c->request(method, args, timeoutMs, std::move(done));
}

void ConnectionPool::sendRaft(const QString &address, const QCborValue &body)
{
    if (Channel *c = channel(address, true))
        c->raft(body);
}

} // namespace qonsul::rpc

// `qonsul lock [options] prefix child...`: runs a child process while holding a lock (or, with
// -n > 1, a semaphore slot) in the KV store, the same protocol Consul's api.Lock and
// api.Semaphore use, so qonsul and consul clients exclude each other:
//  - lock: key <prefix>/.lock acquired with a session, flags 0x2ddccbc058a50c18;
//  - semaphore: a contender key <prefix>/<session> held by the session, and <prefix>/.lock holding
//    {"Limit":n,"Holders":{"<session>":true}} updated by check-and-set, flags 0xe0f69a2baa414de0.
// The session has a 15s TTL renewed every TTL/2. While the child runs, a blocking query watches
// the key; if the lock is lost the child gets SIGTERM, then SIGKILL after 5s. SIGINT/SIGTERM are
// passed on to the child, which is then stopped the same way before the lock is released.
#include "cli/ApiData.h"
#include "cli/Command.h"
#include "cli/Output.h"
#include "cli/Runtime.h"
#include "cli/Signals.h"
#include "core/Duration.h"

#include <QElapsedTimer>
#include <QEventLoop>
#include <QJsonArray>
#include <QJsonDocument>
#include <QJsonObject>
#include <QProcess>
#include <QTimer>
#include <csignal>

namespace qonsul::cli {

namespace {

using client::ApiClient;
using client::Request;
using client::Response;

constexpr quint64 kLockFlagValue = 0x2ddccbc058a50c18ULL;
constexpr quint64 kSemaphoreFlagValue = 0xe0f69a2baa414de0ULL;
constexpr qint64 kDefaultWaitMs = 15000; // blocking query wait while acquiring
constexpr qint64 kRetryMs = 5000; // pause after a refused acquire (lock-delay)
constexpr qint64 kKillGraceMs = 5000; // SIGTERM -> SIGKILL
constexpr qint64 kMonitorRetryMs = 1000; // pause between monitor retries
const QString kSessionTtl = QStringLiteral("15s");

// Go's path.Join(prefix, name) for the keys used here (prefix has no leading '/').
QString joinKey(const QString &prefix, const QString &name)
{
    QString p = prefix;
    while (p.endsWith(u'/'))
        p.chop(1);
    return p.isEmpty() ? name : p + u'/' + name;
}

// Consul's retryable errors: transport failures and 500s.
bool retryable(const Response &r)
{
    return r.transportError() || r.status == 500;
}

struct SemaphoreState
{
    int limit = 0;
    QMap<QString, bool> holders;
    quint64 modifyIndex = 0;
    quint64 flags = kSemaphoreFlagValue;
    bool exists = false;
};

class Locker : public QObject
{
public:
    struct Options
    {
        QString prefix;
        int limit = 1;
        QString name;
        qint64 timeoutMs = 0; // > 0: one attempt of at most this long
        int monitorRetry = 3;
        bool passStdin = false;
        bool shell = true;
        bool verbose = false;
        QStringList child;
    };

    Locker(ApiClient &client, Options options)
        : m_client(client)
        , m_opt(std::move(options))
        , m_key(joinKey(m_opt.prefix, QStringLiteral(".lock")))
    {
        m_renewTimer.setSingleShot(true);
        connect(&m_renewTimer, &QTimer::timeout, this, &Locker::renew);
    }

    // Returns the exit status of the lock command.
    int run(bool propagateChildCode)
    {
        SignalWatcher signals;
        connect(&signals, &SignalWatcher::signalled, this, &Locker::onSignal);

        if (m_opt.verbose) {
            if (semaphore())
                info(QStringLiteral("Setting up semaphore (limit %1) at prefix: %2")
                         .arg(m_opt.limit)
                         .arg(m_opt.prefix));
            else
                info(QStringLiteral("Setting up lock at path: %1").arg(m_key));
            info(QStringLiteral("Attempting lock acquisition"));
        }

        // Acquire.
        const QString acquireError = acquire();
        if (!m_held) {
            stopSession();
            if (acquireError.isEmpty())
                err(QStringLiteral("Shutdown triggered or timeout during lock acquisition"));
            else
                err(QStringLiteral("Lock acquisition failed: %1").arg(acquireError));
            return 1;
        }
        if (m_shutdown) {
            err(QStringLiteral("Shutdown triggered during lock acquisition"));
        } else {
            runChild();
        }

        // Release.
        const QString releaseError = release();
        if (!releaseError.isEmpty()) {
            err(QStringLiteral("Lock release failed: %1").arg(releaseError));
            return 1;
        }
        bool inUse = false;
        const QString cleanupError = cleanup(&inUse);
        if (!cleanupError.isEmpty()) {
            if (!inUse) {
                err(QStringLiteral("Lock cleanup failed: %1").arg(cleanupError));
                return 1;
            }
            if (m_opt.verbose)
                info(QStringLiteral("Cleanup aborted, lock in use"));
        } else if (m_opt.verbose) {
            info(QStringLiteral("Cleanup succeeded"));
        }
        return propagateChildCode ? m_childCode : 0;
    }

private:
    bool semaphore() const { return m_opt.limit > 1; }
    static void info(const QString &line) { out(line); }

    void onSignal(int sig)
    {
        if (m_child && m_child->state() != QProcess::NotRunning)
            ::kill(pid_t(m_child->processId()), sig);
        if (sig == SIGHUP)
            return;
        m_shutdown = true;
        m_waiter.interrupt();
        if (m_childLoop) {
            if (m_opt.verbose)
                info(QStringLiteral("Shutdown triggered, killing child"));
            killChild();
        }
    }

    // ---- session ----

    QString createSession()
    {
        QJsonObject body { { QStringLiteral("Name"), m_opt.name }, { QStringLiteral("TTL"), kSessionTtl } };
        if (semaphore())
            body.insert(QStringLiteral("Behavior"), QStringLiteral("delete"));
        Request req { "PUT", QStringLiteral("/v1/session/create") };
        req.body = QJsonDocument(body).toJson(QJsonDocument::Compact);
        const Response r = m_waiter.request(req);
        if (!r.ok())
            return QStringLiteral("failed to create session: %1").arg(r.errorText());
        m_session = QJsonDocument::fromJson(r.body).object().value(u"ID").toString();
        m_ttlMs = 15000;
        m_lastRenew.start();
        m_renewTimer.start(int(m_ttlMs / 2));
        return {};
    }

    void renew()
    {
        if (m_session.isEmpty())
            return;
        if (m_lastRenew.elapsed() > m_ttlMs)
            return; // gave up: the session has expired on the server by now
        m_client.send(
            { "PUT", QStringLiteral("/v1/session/renew/") + m_session }, this, [this](const Response &r) {
                if (m_session.isEmpty())
                    return;
                if (r.status == 404)
                    return; // session gone; the monitor notices the lost lock
                if (!r.ok()) {
                    m_renewTimer.start(1000);
                    return;
                }
                const QJsonArray sessions = QJsonDocument::fromJson(r.body).array();
                if (sessions.isEmpty())
                    return;
                const auto ttl = qonsul::parseDuration(sessions.first().toObject().value(u"TTL").toString());
                if (ttl && *ttl > 0)
                    m_ttlMs = *ttl / 1000000;
                m_lastRenew.restart();
                m_renewTimer.start(int(m_ttlMs / 2));
            });
    }

    void stopSession()
    {
        if (m_session.isEmpty())
            return;
        m_renewTimer.stop();
        const QString id = m_session;
        m_session.clear();
        m_client.call({ "PUT", QStringLiteral("/v1/session/destroy/") + id });
    }

    // ---- acquisition ----

    Request kvGet(const QString &key, quint64 index, qint64 waitMs, bool recurse = false) const
    {
        Request req { "GET", QStringLiteral("/v1/kv/") + key };
        if (recurse)
            req.param(QStringLiteral("recurse"));
        if (index > 0)
            req.param(QStringLiteral("index"), QString::number(index));
        if (waitMs > 0)
            req.param(QStringLiteral("wait"), QStringLiteral("%1ms").arg(waitMs));
        return req;
    }

    // Empty string with m_held false: shut down or timed out.
    QString acquire()
    {
        const QString sessionError = createSession();
        if (!sessionError.isEmpty())
            return sessionError;
        return semaphore() ? acquireSemaphore() : acquireLock();
    }

    // The wait for the next blocking query; false when a one-shot attempt has run out of time.
    bool nextWait(qint64 *waitMs)
    {
        if (m_opt.timeoutMs <= 0) {
            *waitMs = kDefaultWaitMs;
            return true;
        }
        if (m_attempts++ == 0) {
            m_started.start();
            *waitMs = m_opt.timeoutMs;
            return true;
        }
        const qint64 elapsed = m_started.elapsed();
        if (elapsed > m_opt.timeoutMs)
            return false;
        *waitMs = qMax<qint64>(1, m_opt.timeoutMs - elapsed);
        return true;
    }

    QString acquireLock()
    {
        quint64 index = 0;
        while (true) {
            qint64 waitMs = 0;
            if (m_shutdown || !nextWait(&waitMs))
                return {};
            const Response r = m_waiter.request(kvGet(m_key, index, waitMs));
            if (m_shutdown)
                return {};
            if (!r.ok() && r.status != 404)
                return QStringLiteral("failed to read lock: %1").arg(r.errorText());
            const QList<KvPair> pairs = r.status == 404 ? QList<KvPair>() : parseKvPairs(r.body);
            if (!pairs.isEmpty() && pairs.first().flags != kLockFlagValue)
                return QStringLiteral("Existing key does not match lock use");
            if (!pairs.isEmpty() && pairs.first().session == m_session) {
                m_held = true;
                break;
            }
            if (!pairs.isEmpty() && !pairs.first().session.isEmpty()) {
                index = r.index();
                continue;
            }
            Request put { "PUT", QStringLiteral("/v1/kv/") + m_key };
            put.param(QStringLiteral("flags"), QString::number(kLockFlagValue));
            put.param(QStringLiteral("acquire"), m_session);
            put.contentType = "application/octet-stream";
            const Response a = m_waiter.request(put);
            if (m_shutdown)
                return {};
            if (!a.ok())
                return QStringLiteral("failed to acquire lock: %1").arg(a.errorText());
            if (a.body.trimmed() == "true") {
                m_held = true;
                break;
            }
            // Refused: held by someone else (wait on the key), or a lock-delay (wait a while).
            const Response why = m_waiter.request(kvGet(m_key, 0, waitMs));
            if (m_shutdown)
                return {};
            if (!why.ok() && why.status != 404)
                return why.errorText();
            const QList<KvPair> now = why.status == 404 ? QList<KvPair>() : parseKvPairs(why.body);
            if (!now.isEmpty() && !now.first().session.isEmpty()) {
                index = why.index();
                continue;
            }
            index = 0;
            m_waiter.sleep(kRetryMs);
        }
        startLockMonitor(0);
        return {};
    }

    SemaphoreState semaphoreState(const QList<KvPair> &pairs) const
    {
        SemaphoreState s;
        s.limit = m_opt.limit;
        for (const KvPair &p : pairs) {
            if (p.key != m_key)
                continue;
            s.exists = true;
            s.flags = p.flags;
            s.modifyIndex = p.modifyIndex;
            if (!p.value.isEmpty()) {
                const QJsonObject o = QJsonDocument::fromJson(p.value).object();
                s.limit = o.value(u"Limit").toInt();
                const QJsonObject holders = o.value(u"Holders").toObject();
                for (auto it = holders.begin(); it != holders.end(); ++it)
                    s.holders.insert(it.key(), it.value().toBool());
            }
        }
        // Prune holders whose session no longer holds a contender key.
        QSet<QString> alive;
        for (const KvPair &p : pairs) {
            if (!p.session.isEmpty())
                alive.insert(p.session);
        }
        for (auto it = s.holders.begin(); it != s.holders.end();) {
            if (alive.contains(it.key()))
                ++it;
            else
                it = s.holders.erase(it);
        }
        return s;
    }

    // As Go marshals the semaphoreLock struct: Limit first, holders sorted by session.
    static QByteArray encodeSemaphore(const SemaphoreState &s)
    {
        QByteArray holders;
        for (auto it = s.holders.begin(); it != s.holders.end(); ++it)
            holders += (holders.isEmpty() ? "" : ",") + goJsonString(it.key())
                + (it.value() ? ":true" : ":false");
        return "{\"Limit\":" + QByteArray::number(s.limit) + ",\"Holders\":{" + holders + "}}";
    }

    QString acquireSemaphore()
    {
        Request contender { "PUT", QStringLiteral("/v1/kv/") + joinKey(m_opt.prefix, m_session) };
        contender.param(QStringLiteral("flags"), QString::number(kSemaphoreFlagValue));
        contender.param(QStringLiteral("acquire"), m_session);
        contender.contentType = "application/octet-stream";
        const Response made = m_waiter.request(contender);
        if (m_shutdown)
            return {};
        if (!made.ok() || made.body.trimmed() != "true")
            return QStringLiteral("failed to make contender entry: %1")
                .arg(made.ok() ? QStringLiteral("<nil>") : made.errorText());
        quint64 index = 0;
        while (true) {
            qint64 waitMs = 0;
            if (m_shutdown || !nextWait(&waitMs))
                return {};
            const Response r = m_waiter.request(kvGet(m_opt.prefix, index, waitMs, true));
            if (m_shutdown)
                return {};
            if (!r.ok() && r.status != 404)
                return QStringLiteral("failed to read prefix: %1").arg(r.errorText());
            SemaphoreState s = semaphoreState(r.status == 404 ? QList<KvPair>() : parseKvPairs(r.body));
            if (s.flags != kSemaphoreFlagValue)
                return QStringLiteral("Existing key does not match semaphore use");
            if (s.limit != m_opt.limit)
                return QStringLiteral("semaphore limit conflict (lock: %1, local: %2)")
                    .arg(s.limit)
                    .arg(m_opt.limit);
            if (s.holders.size() >= s.limit) {
                index = r.index();
                continue;
            }
            s.holders.insert(m_session, true);
            Request cas { "PUT", QStringLiteral("/v1/kv/") + m_key };
            cas.param(QStringLiteral("flags"), QString::number(kSemaphoreFlagValue));
            cas.param(QStringLiteral("cas"), QString::number(s.modifyIndex));
            cas.body = encodeSemaphore(s);
            cas.contentType = "application/octet-stream";
            const Response set = m_waiter.request(cas);
            if (m_shutdown)
                return {};
            if (!set.ok())
                return QStringLiteral("failed to update lock: %1").arg(set.errorText());
            if (set.body.trimmed() == "true") {
                m_held = true;
                break;
            }
            index = 0; // lost a race with another contender: look again
        }
        startLockMonitor(0);
        return {};
    }

    // ---- monitoring while the child runs ----

    void startLockMonitor(quint64 index)
    {
        m_monitorRetries = m_opt.monitorRetry;
        monitorOnce(index);
    }

    void monitorOnce(quint64 index)
    {
        if (m_releasing)
            return;
        Request req = semaphore() ? kvGet(m_opt.prefix, index, 0, true) : kvGet(m_key, index, 0);
        req.param(QStringLiteral("consistent"));
        m_monitorCall = m_client.send(req);
        connect(m_monitorCall, &client::ApiCall::finished, this, [this](const Response &r) {
            m_monitorCall = nullptr;
            if (m_releasing)
                return;
            if (!r.ok() && r.status != 404) {
                if (m_monitorRetries > 0 && retryable(r)) {
                    --m_monitorRetries;
                    QTimer::singleShot(kMonitorRetryMs, this, [this] { monitorOnce(0); });
                    return;
                }
                return lockLost();
            }
            const QList<KvPair> pairs = r.status == 404 ? QList<KvPair>() : parseKvPairs(r.body);
            const bool held = semaphore() ? semaphoreState(pairs).holders.contains(m_session)
                                          : (!pairs.isEmpty() && pairs.first().session == m_session);
            if (!held)
                return lockLost();
            m_monitorRetries = m_opt.monitorRetry;
            monitorOnce(r.index());
        });
    }

    void lockLost()
    {
        m_lost = true;
        if (m_childLoop) {
            if (m_opt.verbose)
                info(QStringLiteral("Lock lost, killing child"));
            killChild();
        }
    }

    // ---- the child ----

    void runChild()
    {
        if (m_opt.verbose)
            info(QStringLiteral("Starting handler"));
        const QStringList command = handlerCommand(m_opt.child, m_opt.shell);
        QProcess child;
        m_child = &child;
        QProcessEnvironment env = QProcessEnvironment::systemEnvironment();
        env.insert(QStringLiteral("CONSUL_LOCK_HELD"), QStringLiteral("true"));
        child.setProcessEnvironment(env);
        child.setProcessChannelMode(QProcess::ForwardedChannels);
        if (m_opt.passStdin) {
            if (m_opt.verbose)
                info(QStringLiteral("Stdin passed to handler process"));
            child.setInputChannelMode(QProcess::ForwardedInputChannel);
        }
        QEventLoop loop;
        m_childLoop = &loop;
        bool started = true;
        connect(&child, &QProcess::errorOccurred, &loop, [&](QProcess::ProcessError e) {
            if (e == QProcess::FailedToStart) {
                started = false;
                loop.quit();
            }
        });
        connect(&child, &QProcess::finished, &loop, &QEventLoop::quit);
        if (m_lost) {
            // Lost before the child could start.
        } else {
            child.start(command.value(0), command.mid(1));
            if (!m_opt.passStdin)
                child.closeWriteChannel();
            if (!m_shutdown)
                loop.exec();
        }
        m_childLoop = nullptr;
        if (child.state() != QProcess::NotRunning)
            child.waitForFinished(-1);
        if (!started) {
            err(QStringLiteral("Error starting handler: exec: %1: executable file not found in $PATH")
                    .arg(goQuote(command.value(0))));
            m_childCode = 2;
        } else if (!m_lost || m_killing) {
            // As Go's cmd.Wait reports it, also when we stopped the child ourselves.
            const QString failure = processFailure(child);
            if (!failure.isEmpty())
                err(QStringLiteral("Error running handler: %1").arg(failure));
            if (!m_killing) {
                if (!failure.isEmpty())
                    m_childCode = 2;
                if (m_opt.verbose)
                    info(QStringLiteral("Child terminated, releasing lock"));
            }
        }
        m_child = nullptr;
    }

    void killChild()
    {
        if (!m_child || m_killing)
            return;
        m_killing = true;
        QProcess *child = m_child;
        if (child->state() == QProcess::NotRunning) {
            if (m_opt.verbose)
                info(QStringLiteral("No child process to kill"));
            if (m_childLoop)
                m_childLoop->quit();
            return;
        }
        const qint64 pid = child->processId();
        if (m_opt.verbose)
            info(QStringLiteral("Terminating child pid %1").arg(pid));
        ::kill(pid_t(pid), SIGTERM);
        QTimer::singleShot(kKillGraceMs, child, [this, child, pid] {
            if (child->state() == QProcess::NotRunning)
                return;
            if (m_opt.verbose) {
                info(QStringLiteral("Child did not exit after grace period of 5s"));
                info(QStringLiteral("Killing child pid %1").arg(pid));
            }
            ::kill(pid_t(pid), SIGKILL);
        });
        connect(child, &QProcess::finished, this, [this] {
            if (m_opt.verbose)
                info(QStringLiteral("Child terminated"));
        });
    }

    // ---- release and cleanup ----

    QString release()
    {
        m_releasing = true;
        if (m_monitorCall)
            m_monitorCall->abort();
        if (!m_held)
            return QStringLiteral("Lock not held");
        m_held = false;
        QString error;
        if (!semaphore()) {
            Request req { "PUT", QStringLiteral("/v1/kv/") + m_key };
            req.param(QStringLiteral("flags"), QString::number(kLockFlagValue));
            req.param(QStringLiteral("release"), m_session);
            req.contentType = "application/octet-stream";
            const Response r = m_client.call(req);
            if (!r.ok())
                error = QStringLiteral("failed to release lock: %1").arg(r.errorText());
        } else {
            error = releaseSemaphore();
        }
        stopSession();
        return error;
    }

    QString releaseSemaphore()
    {
        for (int attempt = 0; attempt < 100; ++attempt) {
            const Response r = m_client.call({ "GET", QStringLiteral("/v1/kv/") + m_key });
            if (!r.ok() && r.status != 404)
                return r.errorText();
            const QList<KvPair> pairs = r.status == 404 ? QList<KvPair>() : parseKvPairs(r.body);
            SemaphoreState s;
            s.limit = m_opt.limit;
            if (!pairs.isEmpty()) {
                s.modifyIndex = pairs.first().modifyIndex;
                const QJsonObject o = QJsonDocument::fromJson(pairs.first().value).object();
                s.limit = o.value(u"Limit").toInt();
                const QJsonObject holders = o.value(u"Holders").toObject();
                for (auto it = holders.begin(); it != holders.end(); ++it)
                    s.holders.insert(it.key(), it.value().toBool());
            }
            if (!s.holders.contains(m_session))
                break;
            s.holders.remove(m_session);
            Request cas { "PUT", QStringLiteral("/v1/kv/") + m_key };
            cas.param(QStringLiteral("flags"), QString::number(kSemaphoreFlagValue));
            cas.param(QStringLiteral("cas"), QString::number(s.modifyIndex));
            cas.body = encodeSemaphore(s);
            cas.contentType = "application/octet-stream";
            const Response set = m_client.call(cas);
            if (!set.ok())
                return QStringLiteral("failed to update lock: %1").arg(set.errorText());
            if (set.body.trimmed() == "true")
                break;
        }
        const Response del
            = m_client.call({ "DELETE", QStringLiteral("/v1/kv/") + joinKey(m_opt.prefix, m_session) });
        return del.ok() ? QString() : del.errorText();
    }

    QString cleanup(bool *inUse)
    {
        *inUse = false;
        if (!semaphore()) {
            const Response r = m_client.call({ "GET", QStringLiteral("/v1/kv/") + m_key });
            if (r.status == 404)
                return {};
            if (!r.ok())
                return QStringLiteral("failed to read lock: %1").arg(r.errorText());
            const QList<KvPair> pairs = parseKvPairs(r.body);
            if (pairs.isEmpty())
                return {};
            if (pairs.first().flags != kLockFlagValue)
                return QStringLiteral("Existing key does not match lock use");
            if (!pairs.first().session.isEmpty()) {
                *inUse = true;
                return QStringLiteral("Lock in use");
            }
            return deleteCas(pairs.first().modifyIndex, QStringLiteral("Lock in use"), inUse,
                QStringLiteral("failed to remove lock"));
        }
        const Response r = m_client.call(kvGet(m_opt.prefix, 0, 0, true));
        if (r.status == 404)
            return {};
        if (!r.ok())
            return QStringLiteral("failed to read prefix: %1").arg(r.errorText());
        const SemaphoreState s = semaphoreState(parseKvPairs(r.body));
        if (!s.exists)
            return {};
        if (s.flags != kSemaphoreFlagValue)
            return QStringLiteral("Existing key does not match semaphore use");
        if (!s.holders.isEmpty()) {
            *inUse = true;
            return QStringLiteral("Semaphore in use");
        }
        return deleteCas(s.modifyIndex, QStringLiteral("Semaphore in use"), inUse,
            QStringLiteral("failed to remove semaphore"));
    }

    QString deleteCas(quint64 modifyIndex, const QString &inUseText, bool *inUse, const QString &failText)
    {
        Request del { "DELETE", QStringLiteral("/v1/kv/") + m_key };
        del.param(QStringLiteral("cas"), QString::number(modifyIndex));
        const Response r = m_client.call(del);
        if (!r.ok())
            return QStringLiteral("%1: %2").arg(failText, r.errorText());
        if (r.body.trimmed() != "true") {
            *inUse = true;
            return inUseText;
        }
        return {};
    }

    ApiClient &m_client;
    Options m_opt;
    QString m_key;
    QString m_session;
    qint64 m_ttlMs = 15000;
    QElapsedTimer m_lastRenew;
    QTimer m_renewTimer;
    QElapsedTimer m_started;
    int m_attempts = 0;
    bool m_held = false;
    bool m_lost = false;
    bool m_shutdown = false;
    bool m_releasing = false;
    bool m_killing = false;
    int m_childCode = 0;
    int m_monitorRetries = 0;
    Waiter m_waiter { m_client };
    client::ApiCall *m_monitorCall = nullptr;
    QEventLoop *m_childLoop = nullptr;
    QProcess *m_child = nullptr;
};

class LockCommand final : public Command
{
public:
    LockCommand()
    {
        m_flags.addBool(QStringLiteral("child-exit-code"), &m_childExitCode,
            QStringLiteral("Exit 2 when the child exits with an error (by default the lock command "
                           "exits 0 whatever the child does)."));
        m_flags.addInt(QStringLiteral("n"), &m_limit,
            QStringLiteral("Number of holders allowed at once; above 1 a semaphore is used instead "
                           "of a lock. Default 1."));
        m_flags.addInt(QStringLiteral("monitor-retry"), &m_monitorRetry,
            QStringLiteral("How many errors (500s, unreachable agent) to ride out, one second apart, "
                           "while watching the lock before treating it as lost. Default 3; 0 disables."));
        m_flags.addString(QStringLiteral("name"), &m_name,
            QStringLiteral("Name of the lock session; by default made from the child command."));
        m_flags.addBool(QStringLiteral("pass-stdin"), &m_passStdin,
            QStringLiteral("Give the child this command's standard input."));
        m_flags.addBool(QStringLiteral("shell"), &m_shell,
            QStringLiteral("Run the child through a shell ($SHELL, else /bin/sh). Default true."));
        m_flags.addDuration(QStringLiteral("timeout"), &m_timeout,
            QStringLiteral("Give up if the lock is not acquired within this duration (\"1s\", "
                           "\"3h\"). Default 0: wait for ever."));
        m_flags.addDuration(
            QStringLiteral("try"), &m_timeout, QStringLiteral("DEPRECATED. Use -timeout instead."));
        m_flags.addBool(QStringLiteral("verbose"), &m_verbose, QStringLiteral("Report each step."));
        m_http.addClientFlags(m_flags);
        m_http.addServerFlags(m_flags);
    }
    QString synopsis() const override { return QStringLiteral("Execute a command holding a lock"); }
    QString usage() const override
    {
        return QStringLiteral("Usage: qonsul lock [options] prefix child...\n\n"
                              "  Acquires the lock at <prefix>/.lock (or, with -n above 1, a slot of a\n"
                              "  semaphore under the prefix), runs the child command while holding it, and\n"
                              "  releases it when the child exits. If the lock is lost the child receives\n"
                              "  SIGTERM, and SIGKILL if it is still running 5 seconds later. Interrupt and\n"
                              "  terminate signals are passed on to the child. The token needs write access\n"
                              "  to the prefix.\n\n"
                              "      $ qonsul lock service/deploy ./deploy.sh\n"
                              "      $ qonsul lock -n=3 -timeout=30s jobs/batch 'make run'");
    }

    int run(const QStringList &args) override
    {
        if (!m_flags.parse(args))
            return 1;
        if (m_limit <= 0) {
            err(QStringLiteral("Lock holder limit must be positive"));
            return 1;
        }
        const QStringList extra = m_flags.args();
        if (extra.size() < 2) {
            err(QStringLiteral("Key prefix and child command must be specified"));
            return 1;
        }
        QString prefix = extra[0];
        if (prefix.startsWith(u'/'))
            prefix = prefix.mid(1);
        if (m_timeout < 0) {
            err(QStringLiteral("Timeout must be positive"));
            return 1;
        }
        if (m_name.isEmpty())
            m_name = QStringLiteral("Consul lock for '%1' at '%2'").arg(extra.mid(1).join(u' '), prefix);
        if (m_monitorRetry < 0) {
            err(QStringLiteral("Number for 'monitor-retry' must be >= 0"));
            return 1;
        }
        auto client = connectOrReport(m_http);
        if (!client)
            return 1;
        if (agentNodeNameOrReport(*client).isEmpty())
            return 1;
        if (prefix.isEmpty() && m_limit > 1) {
            err(QStringLiteral("Lock setup failed: missing prefix"));
            return 1;
        }
        Locker::Options options;
        options.prefix = prefix;
        options.limit = m_limit;
        options.name = m_name;
        options.timeoutMs = m_timeout / 1000000;
        if (m_timeout > 0 && options.timeoutMs == 0)
            options.timeoutMs = 1;
        options.monitorRetry = m_monitorRetry;
        options.passStdin = m_passStdin;
        options.shell = m_shell;
        options.verbose = m_verbose;
        options.child = extra.mid(1);
        Locker locker(*client, options);
        return locker.run(m_childExitCode);
    }

private:
    bool m_childExitCode = false;
    int m_limit = 1;
    int m_monitorRetry = 3;
    QString m_name;
    bool m_passStdin = false;
    bool m_shell = true;
    qint64 m_timeout = 0;
    bool m_verbose = false;
};

} // namespace

void addLockCommand(CommandTable &table)
{
    table[QStringLiteral("lock")] = [] { return std::make_unique<LockCommand>(); };
}

} // namespace qonsul::cli

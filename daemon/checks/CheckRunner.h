#pragma once
// Interval check runners on the event loop. Each runner probes once per interval (the first
// probe after a random stagger within one interval, then at a fixed rate: each probe is due one
// interval after the previous one was due, or one interval after it finished if it overran),
// never blocks, and enforces its timeout through the
// injected Clock: when the timeout fires the probe is aborted and reported critical. A script
// check that times out has its whole process group killed; the next run starts only after it
// has exited.
#include <QAbstractNetworkCache>
#include <QByteArray>
#include <QObject>
#include <QSslConfiguration>
#include <QUrl>
#include <functional>
#include <memory>

#include "checks/CheckSpec.h"
#include "checks/CheckTls.h"
#include "checks/RawSocket.h"
#include "core/Clock.h"

class QNetworkAccessManager;
class QNetworkReply;
class QProcess;
class QTcpSocket;
class QHostAddress;
class QSocketNotifier;

namespace qonsul::checks {

struct CheckResult
{
    QString status; // passing, warning, critical
    QString output;
    // Reported as is, past the success/failure counters (Consul does so for a script timeout).
    bool bypassCounters = false;
};

class CheckRunner
{
public:
    using Notify = std::function<void(const CheckResult &)>;
    CheckRunner(Clock *clock, Nanoseconds interval, Nanoseconds timeout, Notify notify);
    virtual ~CheckRunner();
    CheckRunner(const CheckRunner &) = delete;
    CheckRunner &operator=(const CheckRunner &) = delete;

    // firstDelayMs < 0: a random stagger in [0, interval).
    void start(qint64 firstDelayMs = -1);
    void stop();
    bool running() const { return m_inFlight; }
    quint64 probes() const { return m_probes; }
    Nanoseconds interval() const { return m_interval; }
    Nanoseconds timeout() const { return m_timeout; }

protected:
    // Starts one probe; the runner calls finish() exactly once when it is over (possibly
    // from inside begin()).
    virtual void begin() = 0;
    // The timeout fired: abort the probe and finish() with the timeout result (now or later).
    virtual void abort() = 0;
    // Drops the probe in flight without reporting (stop/destruction).
    virtual void cancel() = 0;
    void finish(const CheckResult &result);
    Clock *clock() const { return m_clock; }

private:
    void fire();
    void onTimeout();

    Clock *m_clock;
    Nanoseconds m_interval;
    Nanoseconds m_timeout;
    Notify m_notify;
    Clock::TimerId m_next = 0;
    Clock::TimerId m_deadline = 0;
    qint64 m_due = 0; // Clock::monotonicMs() at which the current (or next) probe is due
    bool m_inFlight = false;
    bool m_stopped = true;
    quint64 m_probes = 0;
};

// A byte sink that keeps the last `size` bytes and counts everything written (circbuf).
class TailBuffer
{
public:
    explicit TailBuffer(int size) : m_size(size > 0 ? size : kDefaultOutputMaxSize) {}
    void write(const QByteArray &data);
    QByteArray bytes() const { return m_data; }
    qint64 totalWritten() const { return m_total; }
    int size() const { return m_size; }

private:
    int m_size;
    QByteArray m_data;
    qint64 m_total = 0;
};

// HTTP: 2xx passing, 429 warning, anything else critical; output
// "HTTP <METHOD> <url>: <code> <reason> Output: <body, at most outputMaxSize bytes>".
class HttpRunner final : public QObject, public CheckRunner
{
public:
    HttpRunner(Clock *clock, QNetworkAccessManager *nam, SharedTlsBase tls, const CheckSpec &spec,
               int outputMaxSize, Notify notify);
    ~HttpRunner() override;

protected:
    void begin() override;
    void abort() override;
    void cancel() override;

private:
    QByteArray rawRequest() const;
    void beginQnam();
    void rawFailed(int err);
    void rawProgress(bool closed);
    void done();
    QString method() const;
    QString goOp() const;
    QNetworkAccessManager *m_nam;
    CheckSpec m_spec;
    QUrl m_url;
    RawTcpConnection *m_conn = nullptr; // plain http:// requests (no redirect being followed)
    QByteArray m_request;               // what m_conn sends, the same every probe
    QByteArray m_raw;                   // what it received
    int m_outputMaxSize;
    QNetworkReply *m_reply = nullptr;
    std::unique_ptr<TailBuffer> m_body;
    SharedTlsBase m_tls; // see CheckTls.h; read at each probe
    QString m_tlsError;      // the last failed verification, as Go reports it
};

// TCP: connect (and with tcp_use_tls complete a TLS handshake, verified as CheckTls.h says) →
// passing "TCP connect <addr>: Success", else critical with the dial or handshake error.
class TcpRunner final : public QObject, public CheckRunner
{
public:
    TcpRunner(Clock *clock, SharedTlsBase tls, const CheckSpec &spec, Notify notify);
    ~TcpRunner() override;

protected:
    void begin() override;
    void abort() override;
    void cancel() override;

private:
    void passed();
    void dialFailed(int err);
    QString m_target;
    QString m_host;
    quint16 m_port = 0;
    bool m_validTarget;
    QString m_passed; // the output of every successful probe
    bool m_useTls;
    bool m_tlsSkipVerify;
    QString m_tlsServerName;
    SharedTlsBase m_tls; // read at each probe
    RawTcpConnection *m_conn = nullptr; // without TLS
    QTcpSocket *m_socket = nullptr;     // with TLS (a QSslSocket)
};

// UDP: sends an empty datagram; a reply or silence until the timeout is passing
// ("UDP connect <addr>: Success"), an ICMP error (connection refused) critical.
class UdpRunner final : public QObject, public CheckRunner
{
public:
    UdpRunner(Clock *clock, const CheckSpec &spec, Notify notify);
    ~UdpRunner() override;

protected:
    void begin() override;
    void abort() override;
    void cancel() override;

private:
    void send(const QHostAddress &address, quint16 port);
    QString m_target;
    int m_fd = -1;
    QSocketNotifier *m_notifier = nullptr;
    int m_lookup = 0;
};

// Script: `args` exec'd directly, legacy `script` through /bin/sh -c, in its own process group;
// exit 0 passing, 1 warning, anything else critical; output = stdout+stderr (last
// outputMaxSize bytes, "Captured N of M bytes\n...\n" when cut). On timeout the group gets
// SIGKILL and the output is "Timed out (<timeout>) running check".
class ScriptRunner final : public QObject, public CheckRunner
{
public:
    ScriptRunner(Clock *clock, const CheckSpec &spec, int outputMaxSize, Notify notify);
    ~ScriptRunner() override;

protected:
    void begin() override;
    void abort() override;
    void cancel() override;

private:
    void killGroup();
    QString output() const;
    CheckSpec m_spec;
    int m_outputMaxSize;
    QProcess *m_process = nullptr;
    std::unique_ptr<TailBuffer> m_output;
    qint64 m_pid = 0;
    bool m_timedOut = false;
};

// A network cache that never stores or answers anything, for the checks' QNetworkAccessManager.
// Without any cache Qt complains on every HTTP/2 reply with trailers (gRPC's grpc-status):
// the second header block makes it try to enable caching after the body has arrived, and it
// logs "QNetworkReplyImpl: backend error: caching was enabled after some bytes had been
// written". With a cache, caching is switched on at the first header block and stays on;
// this one keeps nothing, so checks always go to the network.
class NoStoreCache final : public QAbstractNetworkCache
{
public:
    explicit NoStoreCache(QObject *parent) : QAbstractNetworkCache(parent) {}
    QNetworkCacheMetaData metaData(const QUrl &) override { return {}; }
    void updateMetaData(const QNetworkCacheMetaData &) override {}
    QIODevice *data(const QUrl &) override { return nullptr; }
    bool remove(const QUrl &) override { return false; }
    qint64 cacheSize() const override { return 0; }
    QIODevice *prepare(const QNetworkCacheMetaData &) override { return nullptr; }
    void insert(QIODevice *) override {}
    void clear() override {}
};

// The runner for an interval check (HTTP, TCP, UDP, script, gRPC, H2PING, OS service, Docker);
// nullptr for TTL and alias.
// `tls` is the base of every TLS check's configuration (checkTlsConfiguration()), read at
// each probe.
std::unique_ptr<CheckRunner> makeRunner(Clock *clock, QNetworkAccessManager *nam, SharedTlsBase tls,
                                        const CheckSpec &spec, int outputMaxSize, CheckRunner::Notify notify);

// Splits "host:port" / "[v6]:port"; false when malformed.
bool splitHostPort(const QString &addr, QString *host, quint16 *port);

} // namespace qonsul::checks

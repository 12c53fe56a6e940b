#include "checks/CheckRunner.h"

#include "checks/CheckTls.h"
#include "checks/DockerRunner.h"
#include "checks/GrpcRunner.h"
#include "checks/H2PingRunner.h"
#include "checks/HttpResponse.h"
#include "checks/OsServiceRunner.h"
#include "checks/ProcessReaper.h"

#include <QHostAddress>
#include <QHostInfo>
#include <QNetworkAccessManager>
#include <QNetworkReply>
#include <QNetworkRequest>
#include <QProcess>
#include <QRandomGenerator>
#include <QSocketNotifier>
#include <QSslConfiguration>
#include <QSslSocket>
#include <QTcpSocket>
#include <QUdpSocket>
#include <QUrl>

#include <utility>

#include <arpa/inet.h>
#include <cerrno>
#include <csignal>
#include <cstring>
#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

namespace qonsul::checks {

namespace {
qint64 toMs(Nanoseconds ns)
{
    return qMax<qint64>(1, ns / kMillisecond);
}

// 2xx passing, 429 warning, anything else critical.
QString httpResult(int status)
{
    return status >= 200 && status <= 299 ? QStringLiteral("passing")
        : status == 429                  ? QStringLiteral("warning")
                                         : QStringLiteral("critical");
}

// In one arg() call: a URL's own "%3A" must not be taken for a placeholder.
QString httpOutput(const QString &method, const QString &url, int status, const QString &reason, const QByteArray &body)
{
    return QStringLiteral("HTTP %1 %2: %3 %4 Output: %5")
        .arg(method, url, QString::number(status), reason, QString::fromUtf8(body));
}
} // namespace

bool splitHostPort(const QString &addr, QString *host, quint16 *port)
{
    QString h;
    QString p;
    if (addr.startsWith(u'[')) {
        const qsizetype close = addr.indexOf(u']');
        if (close < 0 || close + 1 >= addr.size() || addr.at(close + 1) != u':')
            return false;
        h = addr.mid(1, close - 1);
        p = addr.mid(close + 2);
    } else {
        const qsizetype colon = addr.lastIndexOf(u':');
        if (colon < 0 || addr.indexOf(u':') != colon)
            return false;
        h = addr.left(colon);
        p = addr.mid(colon + 1);
    }
    bool ok = false;
    const uint n = p.toUInt(&ok);
    if (!ok || n > 65535)
        return false;
    *host = h.isEmpty() ? QStringLiteral("127.0.0.1") : h;
    *port = quint16(n);
    return true;
}

namespace {
// Drops a socket or reply still in flight. Deferred deletion: this may run inside one of its own
// signals.
template<typename T>
void dispose(T *&object, QObject *receiver)
{
    if (T *o = std::exchange(object, nullptr)) {
        o->disconnect(receiver);
        o->abort();
        o->deleteLater();
    }
}
} // namespace

// ---------------------------------------------------------------------------------------
// CheckRunner

CheckRunner::CheckRunner(Clock *clock, Nanoseconds interval, Nanoseconds timeout, Notify notify)
    : m_clock(clock)
    , m_interval(interval < kMinInterval ? kMinInterval : interval)
    , m_timeout(timeout)
    , m_notify(std::move(notify))
{
}

CheckRunner::~CheckRunner()
{
    if (m_next)
        m_clock->cancel(m_next);
    if (m_deadline)
        m_clock->cancel(m_deadline);
}

void CheckRunner::start(qint64 firstDelayMs)
{
    m_stopped = false;
    if (m_next)
        m_clock->cancel(m_next);
    if (firstDelayMs < 0)
        firstDelayMs = qint64(QRandomGenerator::global()->bounded(quint64(toMs(m_interval))));
    m_due = m_clock->monotonicMs() + firstDelayMs;
    m_next = m_clock->schedule(firstDelayMs, [this] {
        m_next = 0;
        fire();
    });
}

void CheckRunner::stop()
{
    m_stopped = true;
    if (m_next)
        m_clock->cancel(m_next);
    if (m_deadline)
        m_clock->cancel(m_deadline);
    m_next = m_deadline = 0;
    if (m_inFlight) {
        m_inFlight = false;
        cancel();
    }
}

void CheckRunner::fire()
{
    if (m_stopped || m_inFlight)
        return;
    m_inFlight = true;
    ++m_probes;
    m_deadline = m_clock->schedule(toMs(m_timeout), [this] { onTimeout(); });
    begin();
}

void CheckRunner::onTimeout()
{
    m_deadline = 0;
    if (m_inFlight)
        abort();
}

void CheckRunner::finish(const CheckResult &result)
{
    if (!m_inFlight)
        return;
    m_inFlight = false;
    if (m_deadline)
        m_clock->cancel(m_deadline);
    m_deadline = 0;
    if (!m_stopped) {
        // Fixed rate: the next probe is due an interval after this one was due, so neither the
        // probe's duration nor a late timer adds to the period. A probe that overran its
        // interval is followed by the next one an interval after it finished (Consul's rule).
        const qint64 now = m_clock->monotonicMs();
        m_due += toMs(m_interval);
        if (m_due <= now)
            m_due = now + toMs(m_interval);
        m_next = m_clock->schedule(m_due - now, [this] {
            m_next = 0;
            fire();
        });
    }
    m_notify(result);
}

// ---------------------------------------------------------------------------------------
// TailBuffer

void TailBuffer::write(const QByteArray &data)
{
    m_total += data.size();
    m_data += data;
    if (m_data.size() > m_size)
        m_data = m_data.right(m_size);
}

// ---------------------------------------------------------------------------------------
// HTTP

HttpRunner::HttpRunner(Clock *clock, QNetworkAccessManager *nam, SharedTlsBase tls, const CheckSpec &spec,
                       int outputMaxSize, Notify notify)
    : CheckRunner(clock, spec.effectiveInterval(), spec.effectiveTimeout(), std::move(notify))
    , m_nam(nam)
    , m_spec(spec)
    , m_url(spec.http)
    , m_outputMaxSize(outputMaxSize)
    , m_tls(std::move(tls))
{
    if (m_url.scheme() == u"http" && !m_url.host().isEmpty()) {
        m_request = rawRequest();
        m_conn = new RawTcpConnection({{},
                                       [this](int err) { rawFailed(err); },
                                       [this](const QByteArray &data, bool closed) {
                                           m_raw += data;
                                           rawProgress(closed);
                                       }},
                                      this);
        m_conn->setReading(true);
    }
}

HttpRunner::~HttpRunner()
{
    stop();
}

QString HttpRunner::method() const
{
    return m_spec.method.isEmpty() ? QStringLiteral("GET") : m_spec.method;
}

QString HttpRunner::goOp() const // Go's url.Error Op: "Get", "Post", ...
{
    return method().left(1) + method().mid(1).toLower();
}

void HttpRunner::begin()
{
    m_body = std::make_unique<TailBuffer>(m_outputMaxSize);
    if (!m_conn) {
        beginQnam();
        return;
    }
    // Plain http:// without QNetworkAccessManager: one connection, one request, read to the
    // end (Connection: close; Consul's check client disables keep-alives). A redirect that is
    // to be followed goes to QNetworkAccessManager.
    m_raw.clear();
    m_conn->open(m_url.host(), quint16(m_url.port(80)));
    m_conn->send(m_request);
}

QByteArray HttpRunner::rawRequest() const
{
    QByteArray target = m_url.toEncoded(QUrl::RemoveScheme | QUrl::RemoveAuthority | QUrl::RemoveFragment);
    if (!target.startsWith('/'))
        target.prepend('/'); // "http://host" or "http://host?q"
    QByteArray head = method().toLatin1() + ' ' + target + " HTTP/1.1\r\n";
    QByteArray host = m_url.host(QUrl::FullyEncoded).toLatin1();
    if (m_url.host().contains(u':'))
        host = '[' + host + ']';
    if (m_url.port() > 0)
        host += ':' + QByteArray::number(m_url.port());
    bool userAgent = false, accept = false;
    QByteArray extra;
    for (auto it = m_spec.header.begin(); it != m_spec.header.end(); ++it) {
        if (it.key().compare(u"Host", Qt::CaseInsensitive) == 0) {
            host = it.value().value(0).toLatin1();
            continue;
        }
        userAgent |= it.key().compare(u"User-Agent", Qt::CaseInsensitive) == 0;
        accept |= it.key().compare(u"Accept", Qt::CaseInsensitive) == 0;
        for (const QString &v : it.value())
            extra += it.key().toLatin1() + ": " + v.toLatin1() + "\r\n";
    }
    head += "Host: " + host + "\r\n";
    if (!userAgent)
        head += "User-Agent: Consul Health Check\r\n";
    if (!accept)
        head += "Accept: text/plain, text/*, */*\r\n";
    head += extra;
    const QByteArray body = m_spec.body.toUtf8();
    if (!body.isEmpty() || (method() != u"GET" && method() != u"HEAD"))
        head += "Content-Length: " + QByteArray::number(body.size()) + "\r\n";
    head += "Connection: close\r\n\r\n";
    return head + body;
}

void HttpRunner::rawFailed(int err)
{
    const QString host = m_url.host();
    QString addr = host.contains(u':') ? QStringLiteral("[%1]").arg(host) : host;
    addr += u':' + QString::number(m_url.port(80));
    const QString reason = err == 0 ? QStringLiteral("dial tcp: lookup %1: no such host").arg(host)
                                    : QStringLiteral("dial tcp %1: connect: %2").arg(addr, errnoText(err));
    cancel();
    finish({QStringLiteral("critical"), QStringLiteral("%1 \"%2\": %3").arg(goOp(), m_spec.http, reason)});
}

// Parses what has arrived; finishes once the response is complete (or the peer closed).
void HttpRunner::rawProgress(bool closed)
{
    HttpResponseHead head;
    switch (parseResponseHead(m_raw, &head)) {
    case HttpResponseHead::State::Incomplete:
        if (closed || m_raw.size() > 1 << 20) {
            cancel();
            finish({QStringLiteral("critical"),
                    QStringLiteral("%1 \"%2\": %3")
                        .arg(goOp(), m_spec.http, closed ? QStringLiteral("EOF") : QStringLiteral("malformed HTTP response"))});
        }
        return;
    case HttpResponseHead::State::Malformed:
        cancel();
        finish({QStringLiteral("critical"), QStringLiteral("%1 \"%2\": malformed HTTP response").arg(goOp(), m_spec.http)});
        return;
    case HttpResponseHead::State::Complete:
        break;
    }
    const int status = head.status;
    QByteArray body = m_raw.mid(head.bodyStart);
    const bool noBody = method() == u"HEAD" || status == 204 || status == 304 || (status >= 100 && status < 200);
    bool complete = closed || noBody || (!head.chunked && head.contentLength >= 0 && body.size() >= head.contentLength);
    if (head.chunked) {
        QByteArray decoded;
        complete = decodeChunked(body, &decoded) || complete;
        body = decoded;
    } else if (head.contentLength >= 0) {
        body.truncate(head.contentLength);
    }
    if (!complete) {
        if (m_raw.size() > (8 << 20)) // a body this large is not read to its end
            complete = true;
        else
            return;
    }
    if (noBody)
        body.clear();
    if (status >= 300 && status < 400 && status != 304 && !m_spec.disableRedirects) {
        // Follow it the full way (methods, relative locations, limits) with QNetworkAccessManager.
        cancel();
        beginQnam();
        return;
    }
    const QString reason = QString::fromLatin1(head.reason);
    cancel();
    m_body->write(body);
    finish({httpResult(status), httpOutput(method(), m_spec.http, status, reason, m_body->bytes())});
}

void HttpRunner::beginQnam()
{
    QNetworkRequest req{QUrl(m_spec.http)};
    bool userAgent = false, accept = false;
    for (auto it = m_spec.header.begin(); it != m_spec.header.end(); ++it) {
        req.setRawHeader(it.key().toLatin1(), it.value().join(QStringLiteral(", ")).toLatin1());
        userAgent |= it.key().compare(u"User-Agent", Qt::CaseInsensitive) == 0;
        accept |= it.key().compare(u"Accept", Qt::CaseInsensitive) == 0;
    }
    if (!userAgent)
        req.setRawHeader("User-Agent", "Consul Health Check");
    if (!accept)
        req.setRawHeader("Accept", "text/plain, text/*, */*");
    // Consul's check client disables keep-alives.
    req.setRawHeader("Connection", "close");
    req.setAttribute(QNetworkRequest::RedirectPolicyAttribute,
                     m_spec.disableRedirects ? QNetworkRequest::ManualRedirectPolicy
                                             : QNetworkRequest::NoLessSafeRedirectPolicy);
    req.setMaximumRedirectsAllowed(10);
    req.setTransferTimeout(0); // the runner's own clock enforces the timeout
    // Set for http:// too: a redirect may lead to https://. Qt reuses a connection for
    // requests with the same scheme, host, port and peer verify name, whatever their TLS
    // settings: a verifying check must never ride on one a tls_skip_verify check opened, so
    // only those leave the name empty (as gRPC checks do).
    req.setSslConfiguration(checkTlsFor(*m_tls, m_spec.tlsSkipVerify));
    if (!m_spec.tlsServerName.isEmpty())
        req.setPeerVerifyName(m_spec.tlsServerName);
    else if (!m_spec.tlsSkipVerify)
        req.setPeerVerifyName(req.url().host());
    if (!req.url().isValid() || req.url().host().isEmpty()) {
        finish({QStringLiteral("critical"),
                QStringLiteral("%1 \"%2\": unsupported protocol scheme \"%3\"").arg(goOp(), m_spec.http, req.url().scheme())});
        return;
    }
    m_tlsError.clear();
    m_reply = m_nam->sendCustomRequest(req, method().toLatin1(), m_spec.body.toUtf8());
    QObject::connect(m_reply, &QNetworkReply::sslErrors, this, [this](const QList<QSslError> &errors) {
        if (m_reply)
            m_tlsError = goTlsError(errors, m_spec.tlsServerName.isEmpty() ? m_reply->url().host() : m_spec.tlsServerName);
    });
    QObject::connect(m_reply, &QNetworkReply::readyRead, this, [this] {
        if (m_reply)
            m_body->write(m_reply->readAll());
    });
    QObject::connect(m_reply, &QNetworkReply::finished, this, [this] { done(); });
}

void HttpRunner::done()
{
    QNetworkReply *reply = m_reply;
    if (!reply)
        return;
    m_reply = nullptr;
    reply->disconnect(this);
    reply->deleteLater();
    m_body->write(reply->readAll());
    const QVariant code = reply->attribute(QNetworkRequest::HttpStatusCodeAttribute);
    if (!code.isValid() || code.toInt() == 0) {
        QString reason;
        QString host;
        quint16 port = 0;
        const QUrl url(m_spec.http);
        host = url.host();
        port = quint16(url.port(url.scheme() == u"https" ? 443 : 80));
        switch (reply->error()) {
        case QNetworkReply::ConnectionRefusedError:
            reason = QStringLiteral("dial tcp %1:%2: connect: connection refused").arg(host).arg(port);
            break;
        case QNetworkReply::HostNotFoundError:
            reason = QStringLiteral("dial tcp: lookup %1: no such host").arg(host);
            break;
        case QNetworkReply::RemoteHostClosedError:
            reason = QStringLiteral("EOF");
            break;
        case QNetworkReply::SslHandshakeFailedError:
            reason = m_tlsError.isEmpty() ? goHandshakeError(reply->errorString()) : m_tlsError;
            break;
        default:
            reason = reply->errorString();
        }
        finish({QStringLiteral("critical"), QStringLiteral("%1 \"%2\": %3").arg(goOp(), m_spec.http, reason)});
        return;
    }
    const int status = code.toInt();
    const QString phrase = reply->attribute(QNetworkRequest::HttpReasonPhraseAttribute).toString();
    finish({httpResult(status), httpOutput(method(), m_spec.http, status, phrase, m_body->bytes())});
}

void HttpRunner::abort()
{
    cancel();
    finish({QStringLiteral("critical"),
            QStringLiteral("%1 \"%2\": context deadline exceeded (Client.Timeout exceeded while awaiting headers)")
                .arg(goOp(), m_spec.http)});
}

void HttpRunner::cancel()
{
    if (m_conn)
        m_conn->close();
    dispose(m_reply, this);
}

// ---------------------------------------------------------------------------------------
// TCP

TcpRunner::TcpRunner(Clock *clock, SharedTlsBase tls, const CheckSpec &spec, Notify notify)
    : CheckRunner(clock, spec.effectiveInterval(), spec.effectiveTimeout(), std::move(notify))
    , m_target(spec.tcp)
    , m_validTarget(splitHostPort(m_target, &m_host, &m_port))
    , m_passed(QStringLiteral("TCP connect %1: Success").arg(m_target))
    , m_useTls(spec.tcpUseTls)
    , m_tlsSkipVerify(spec.tlsSkipVerify)
    , m_tlsServerName(spec.tlsServerName)
    , m_tls(std::move(tls))
{
    if (!m_useTls)
        m_conn = new RawTcpConnection({[this] { passed(); }, [this](int err) { dialFailed(err); }, {}}, this);
}

TcpRunner::~TcpRunner()
{
    stop();
}

void TcpRunner::begin()
{
    if (!m_validTarget) {
        finish({QStringLiteral("critical"), QStringLiteral("dial tcp: address %1: missing port in address").arg(m_target)});
        return;
    }
    if (m_conn) {
        // Connect, then close (with a FIN, as Go's Close does): all Consul's check does.
        m_conn->open(m_host, m_port);
        return;
    }
    auto *ssl = new QSslSocket(this);
    ssl->setSslConfiguration(checkTlsFor(*m_tls, m_tlsSkipVerify));
    if (!m_tlsServerName.isEmpty())
        ssl->setPeerVerifyName(m_tlsServerName);
    const QString verified = m_tlsServerName.isEmpty() ? m_host : m_tlsServerName;
    QObject::connect(ssl, &QSslSocket::encrypted, this, [this] { passed(); });
    QObject::connect(ssl, &QSslSocket::sslErrors, this, [this, verified](const QList<QSslError> &errors) {
        cancel();
        finish({QStringLiteral("critical"), goTlsError(errors, verified)});
    });
    m_socket = ssl;
    QObject::connect(m_socket, &QTcpSocket::errorOccurred, this, [this](QAbstractSocket::SocketError e) {
        if (!m_socket)
            return;
        QString reason;
        if (e == QAbstractSocket::ConnectionRefusedError)
            reason = QStringLiteral("dial tcp %1: connect: connection refused").arg(m_target);
        else if (e == QAbstractSocket::HostNotFoundError)
            reason = QStringLiteral("dial tcp: lookup %1: no such host").arg(m_host);
        else if (e == QAbstractSocket::SslHandshakeFailedError)
            reason = goHandshakeError(m_socket->errorString());
        else
            reason = QStringLiteral("dial tcp %1: %2").arg(m_target, m_socket->errorString());
        cancel();
        finish({QStringLiteral("critical"), reason});
    });
    ssl->connectToHostEncrypted(m_host, m_port, verified);
}

void TcpRunner::dialFailed(int err)
{
    cancel();
    finish({QStringLiteral("critical"), err == 0 ? QStringLiteral("dial tcp: lookup %1: no such host").arg(m_host)
                                                 : QStringLiteral("dial tcp %1: connect: %2").arg(m_target, errnoText(err))});
}

void TcpRunner::passed()
{
    cancel();
    finish({QStringLiteral("passing"), m_passed});
}

void TcpRunner::abort()
{
    cancel();
    finish({QStringLiteral("critical"), QStringLiteral("dial tcp %1: i/o timeout").arg(m_target)});
}

void TcpRunner::cancel()
{
    if (m_conn)
        m_conn->close();
    dispose(m_socket, this);
}

// ---------------------------------------------------------------------------------------
// UDP (a plain non-blocking socket: the ICMP "port unreachable" answer surfaces as
// ECONNREFUSED on a connected datagram socket, which Qt's QUdpSocket does not report)

UdpRunner::UdpRunner(Clock *clock, const CheckSpec &spec, Notify notify)
    : CheckRunner(clock, spec.effectiveInterval(), spec.effectiveTimeout(), std::move(notify))
    , m_target(spec.udp)
{
}

UdpRunner::~UdpRunner()
{
    stop();
}

void UdpRunner::begin()
{
    QString host;
    quint16 port = 0;
    if (!splitHostPort(m_target, &host, &port)) {
        finish({QStringLiteral("critical"), QStringLiteral("dial udp: address %1: missing port in address").arg(m_target)});
        return;
    }
    QHostAddress address(host);
    if (address.isNull()) {
        // Names are resolved asynchronously; the lookup is cancelled with the probe.
        const int generation = ++m_lookup;
        QHostInfo::lookupHost(host, this, [this, generation, port, host](const QHostInfo &info) {
            if (generation != m_lookup || !running())
                return;
            if (info.addresses().isEmpty()) {
                finish({QStringLiteral("critical"), QStringLiteral("dial udp: lookup %1: no such host").arg(host)});
                return;
            }
            send(info.addresses().constFirst(), port);
        });
        return;
    }
    send(address, port);
}

void UdpRunner::send(const QHostAddress &address, quint16 port)
{
    sockaddr_storage ss;
    const socklen_t len = toSockaddr(address, port, &ss);
    m_fd = ::socket(ss.ss_family, SOCK_DGRAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
    if (m_fd < 0 || ::connect(m_fd, reinterpret_cast<sockaddr *>(&ss), len) != 0
        || ::send(m_fd, "", 0, 0) < 0) {
        const int err = errno;
        cancel();
        finish({QStringLiteral("critical"), QStringLiteral("dial udp %1: %2").arg(m_target, errnoText(err))});
        return;
    }
    m_notifier = new QSocketNotifier(m_fd, QSocketNotifier::Read, this);
    QObject::connect(m_notifier, &QSocketNotifier::activated, this, [this] {
        char byte = 0;
        const ssize_t n = ::recv(m_fd, &byte, 1, 0);
        if (n < 0 && (errno == EAGAIN || errno == EWOULDBLOCK || errno == EINTR))
            return;
        const int err = errno;
        sockaddr_storage local{};
        socklen_t localLen = sizeof(local);
        QString localText;
        if (::getsockname(m_fd, reinterpret_cast<sockaddr *>(&local), &localLen) == 0) {
            QHostAddress la(reinterpret_cast<sockaddr *>(&local));
            const quint16 lp = ntohs(local.ss_family == AF_INET6 ? reinterpret_cast<sockaddr_in6 *>(&local)->sin6_port
                                                                 : reinterpret_cast<sockaddr_in *>(&local)->sin_port);
            localText = QStringLiteral("%1:%2").arg(la.toString()).arg(lp);
        }
        cancel();
        if (n >= 0)
            finish({QStringLiteral("passing"), QStringLiteral("UDP connect %1: Success").arg(m_target)});
        else
            finish({QStringLiteral("critical"),
                    QStringLiteral("read udp %1->%2: read: %3").arg(localText, m_target, errnoText(err))});
    });
}

void UdpRunner::abort()
{
    // Silence until the deadline: nothing refused the datagram.
    cancel();
    finish({QStringLiteral("passing"), QStringLiteral("UDP connect %1: Success").arg(m_target)});
}

void UdpRunner::cancel()
{
    ++m_lookup;
    if (m_notifier) {
        m_notifier->setEnabled(false);
        m_notifier->deleteLater();
        m_notifier = nullptr;
    }
    if (m_fd >= 0) {
        ::close(m_fd);
        m_fd = -1;
    }
}

// ---------------------------------------------------------------------------------------
// Script

ScriptRunner::ScriptRunner(Clock *clock, const CheckSpec &spec, int outputMaxSize, Notify notify)
    : CheckRunner(clock, spec.effectiveInterval(), spec.effectiveTimeout(), std::move(notify))
    , m_spec(spec)
    , m_outputMaxSize(outputMaxSize)
{
}

ScriptRunner::~ScriptRunner()
{
    stop();
}

QString ScriptRunner::output() const
{
    QString out = QString::fromUtf8(m_output->bytes());
    if (m_output->totalWritten() > m_output->size())
        out = QStringLiteral("Captured %1 of %2 bytes\n...\n%3").arg(m_output->size()).arg(m_output->totalWritten()).arg(out);
    return out;
}

void ScriptRunner::begin()
{
    m_timedOut = false;
    m_output = std::make_unique<TailBuffer>(m_outputMaxSize);
    m_process = new QProcess(this);
    m_process->setProcessChannelMode(QProcess::MergedChannels);
    m_process->setInputChannelMode(QProcess::ManagedInputChannel);
    // Its own process group, so a timeout can kill everything the check started.
    m_process->setChildProcessModifier([] { ::setpgid(0, 0); });
    QObject::connect(m_process, &QProcess::readyReadStandardOutput, this, [this] {
        if (m_process)
            m_output->write(m_process->readAllStandardOutput());
    });
    QObject::connect(m_process, &QProcess::finished, this, [this](int code, QProcess::ExitStatus status) {
        QProcess *p = m_process;
        if (!p)
            return;
        m_output->write(p->readAllStandardOutput());
        m_process = nullptr;
        m_pid = 0;
        p->disconnect(this);
        p->deleteLater();
        if (m_timedOut) {
            QString msg = QStringLiteral("Timed out (%1) running check").arg(formatDuration(timeout()));
            const QString out = output();
            if (!out.isEmpty())
                msg += QStringLiteral("\n\n") + out;
            finish({QStringLiteral("critical"), msg, true});
            return;
        }
        const QString result = status == QProcess::NormalExit && code == 0 ? QStringLiteral("passing")
            : status == QProcess::NormalExit && code == 1                 ? QStringLiteral("warning")
                                                                          : QStringLiteral("critical");
        finish({result, output()});
    });
    QObject::connect(m_process, &QProcess::errorOccurred, this, [this](QProcess::ProcessError e) {
        if (e != QProcess::FailedToStart || !m_process)
            return;
        QProcess *p = m_process;
        m_process = nullptr;
        const QString program = p->program();
        p->disconnect(this);
        p->deleteLater();
        finish({QStringLiteral("critical"),
                QStringLiteral("exec: \"%1\": executable file not found in $PATH").arg(program)});
    });
    if (!m_spec.args.isEmpty())
        m_process->start(m_spec.args.constFirst(), m_spec.args.mid(1));
    else
        m_process->start(QStringLiteral("/bin/sh"), {QStringLiteral("-c"), m_spec.script});
    if (m_process) {
        m_pid = m_process->processId();
        m_process->closeWriteChannel();
    }
}

void ScriptRunner::killGroup()
{
    if (m_pid > 0) {
        ::kill(pid_t(-m_pid), SIGKILL);
        ::kill(pid_t(m_pid), SIGKILL);
    }
}

void ScriptRunner::abort()
{
    // Report when the process has really gone, so no two instances ever overlap.
    m_timedOut = true;
    killGroup();
}

void ScriptRunner::cancel()
{
    if (QProcess *p = m_process) {
        m_process = nullptr;
        killGroup();
        m_pid = 0;
        ProcessReaper::instance()->adopt(p);
    }
}

std::unique_ptr<CheckRunner> makeRunner(Clock *clock, QNetworkAccessManager *nam, SharedTlsBase tls,
                                        const CheckSpec &spec, int outputMaxSize, CheckRunner::Notify notify)
{
    switch (spec.kind) {
    case Kind::Http: return std::make_unique<HttpRunner>(clock, nam, tls, spec, outputMaxSize, std::move(notify));
    case Kind::Tcp: return std::make_unique<TcpRunner>(clock, tls, spec, std::move(notify));
    case Kind::Udp: return std::make_unique<UdpRunner>(clock, spec, std::move(notify));
    case Kind::Script: return std::make_unique<ScriptRunner>(clock, spec, outputMaxSize, std::move(notify));
    case Kind::Grpc: return std::make_unique<GrpcRunner>(clock, nam, tls, spec, std::move(notify));
    case Kind::H2Ping: return std::make_unique<H2PingRunner>(clock, tls, spec, std::move(notify));
    case Kind::OsService: return std::make_unique<OsServiceRunner>(clock, spec, std::move(notify));
    case Kind::Docker: return std::make_unique<DockerRunner>(clock, spec, outputMaxSize, std::move(notify));
    case Kind::Ttl:
    case Kind::Alias: break;
    }
    return nullptr;
}

} // namespace qonsul::checks

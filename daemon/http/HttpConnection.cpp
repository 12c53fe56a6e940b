#include "http/HttpConnection.h"

#include "core/Burst.h"
#include "core/Logging.h"
#include "http/HttpServer.h"

#include <QEvent>
#include <algorithm>
#include <climits>
#include <cstring>

#ifdef Q_OS_WIN
#include <winsock2.h>
#include <ws2tcpip.h>
#else
#include <cerrno>
#include <fcntl.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <sys/ioctl.h>
#include <sys/socket.h>
#include <unistd.h>
#endif

namespace qonsul::http {

namespace {

// One recv() reads at most this, into a stack buffer; only what arrived is kept (copied into an
// exact-size input buffer), so a read costs no large allocation that would fragment the heap
// under thousands of long-lived parked connections.
constexpr qint64 kReadChunk = 16 * 1024;
constexpr qint64 kMaxReadPerEvent = 64 * 1024; // then other descriptors get their turn
// Pipelined input held while a reply is pending; beyond it we stop reading (TCP flow control).
constexpr qsizetype kMaxBufferedWhileBusy = 64 * 1024;
constexpr qint64 kLingerMs = 2000; // after an error reply: how long to drain the client's input
constexpr qint64 kDefaultFlushMs = 120000;
constexpr qsizetype kCoalesceChunkBytes = 16 * 1024;

#ifdef Q_OS_WIN
bool wouldBlock() { return WSAGetLastError() == WSAEWOULDBLOCK; }
bool wouldBlock(int error) { return error == WSAEWOULDBLOCK; }
bool interrupted() { return WSAGetLastError() == WSAEINTR; }
qint64 sysRecv(qintptr fd, char *buf, qint64 size) { return ::recv(SOCKET(fd), buf, int(size), 0); }
qint64 sysSend(qintptr fd, const char *data, qint64 size)
{
    return ::send(SOCKET(fd), data, int(qMin<qint64>(size, INT_MAX)), 0);
}
int lastSocketError() { return WSAGetLastError(); }
void sysClose(qintptr fd) { ::closesocket(SOCKET(fd)); }
void sysShutdownWrite(qintptr fd) { ::shutdown(SOCKET(fd), SD_SEND); }
qint64 sysPendingInput(qintptr fd)
{
    u_long n = 0;
    return ::ioctlsocket(SOCKET(fd), FIONREAD, &n) == 0 ? qint64(n) : 0;
}
void sysPrepare(qintptr fd)
{
    u_long on = 1;
    ::ioctlsocket(SOCKET(fd), FIONBIO, &on);
    const BOOL noDelay = TRUE;
    ::setsockopt(SOCKET(fd), IPPROTO_TCP, TCP_NODELAY, reinterpret_cast<const char *>(&noDelay), sizeof noDelay);
}
QHostAddress peerOf(qintptr fd)
{
    sockaddr_storage address {};
    int length = sizeof address;
    if (::getpeername(SOCKET(fd), reinterpret_cast<sockaddr *>(&address), &length) != 0)
        return {};
    return QHostAddress(reinterpret_cast<const sockaddr *>(&address));
}
#else
bool wouldBlock() { return errno == EAGAIN || errno == EWOULDBLOCK; }
bool wouldBlock(int error) { return error == EAGAIN || error == EWOULDBLOCK; }
bool interrupted() { return errno == EINTR; }
qint64 sysRecv(qintptr fd, char *buf, qint64 size) { return ::recv(int(fd), buf, size_t(size), 0); }
qint64 sysSend(qintptr fd, const char *data, qint64 size)
{
#ifdef MSG_NOSIGNAL
    constexpr int flags = MSG_NOSIGNAL; // a peer that went away is an error, not SIGPIPE
#else
    constexpr int flags = 0;
#endif
    return ::send(int(fd), data, size_t(size), flags);
}
int lastSocketError() { return errno; }
void sysClose(qintptr fd) { ::close(int(fd)); }
void sysShutdownWrite(qintptr fd) { ::shutdown(int(fd), SHUT_WR); }
qint64 sysPendingInput(qintptr fd)
{
    int n = 0;
    return ::ioctl(int(fd), FIONREAD, &n) == 0 ? n : 0;
}
void sysPrepare(qintptr fd)
{
    ::fcntl(int(fd), F_SETFL, ::fcntl(int(fd), F_GETFL) | O_NONBLOCK);
    const int on = 1;
    ::setsockopt(int(fd), IPPROTO_TCP, TCP_NODELAY, &on, sizeof on);
#ifdef SO_NOSIGPIPE
    ::setsockopt(int(fd), SOL_SOCKET, SO_NOSIGPIPE, &on, sizeof on);
#endif
}
QHostAddress peerOf(qintptr fd)
{
    sockaddr_storage address {};
    socklen_t length = sizeof address;
    if (::getpeername(int(fd), reinterpret_cast<sockaddr *>(&address), &length) != 0)
        return {};
    return QHostAddress(reinterpret_cast<const sockaddr *>(&address));
}
#endif

void appendDecimal(QByteArray &out, qint64 v)
{
    char buf[24];
    char *p = buf + sizeof buf;
    do {
        *--p = char('0' + v % 10);
        v /= 10;
    } while (v > 0);
    out.append(p, buf + sizeof buf - p);
}

void appendHex(QByteArray &out, qint64 v)
{
    static const char digits[] = "0123456789abcdef";
    char buf[20];
    char *p = buf + sizeof buf;
    do {
        *--p = digits[v & 15];
        v >>= 4;
    } while (v > 0);
    out.append(p, buf + sizeof buf - p);
}

bool equalsIgnoreCase(QByteArrayView a, QByteArrayView b)
{
    return a.size() == b.size() && a.compare(b, Qt::CaseInsensitive) == 0;
}

bool hasLineBreak(QByteArrayView v)
{
    for (const char c : v) {
        if (c == '\r' || c == '\n')
            return true;
    }
    return false;
}

// One header field; dropped when its name would corrupt the response (as Go's net/http drops
// invalid names), line breaks in the value turned into spaces.
void appendField(QByteArray &out, const QByteArray &name, const QByteArray &value)
{
    if (name.isEmpty() || hasLineBreak(name) || name.contains(':'))
        return;
    out.append(name);
    out.append(": ", 2);
    if (hasLineBreak(value)) {
        QByteArray flat = value;
        flat.replace('\r', ' ').replace('\n', ' ');
        out.append(flat);
    } else {
        out.append(value);
    }
    out.append("\r\n", 2);
}

bool connectionHasClose(QByteArrayView value)
{
    while (!value.isEmpty()) {
        const qsizetype comma = value.indexOf(',');
        if (equalsIgnoreCase((comma < 0 ? value : value.first(comma)).trimmed(), "close"))
            return true;
        value = comma < 0 ? QByteArrayView() : value.sliced(comma + 1);
    }
    return false;
}

} // namespace

HttpConnection::HttpConnection(qintptr fd, HttpServer *server)
    : QObject(server)
    , m_fd(fd)
    , m_server(server)
    , m_limits(server->m_limits)
    , m_parser(server->m_limits)
    , m_peer(peerOf(fd))
{
    sysPrepare(fd);
    server->m_poller.add(fd, this);
    m_idleSince = server->now();
    armTimer(m_idleSince);
}

HttpConnection::~HttpConnection()
{
    if (HttpResponder *r = std::exchange(m_current, nullptr))
        r->detach();
    closeDescriptor();
}

void HttpConnection::setReading(bool on)
{
    m_reading = on;
    if (m_fd >= 0)
        m_server->m_poller.setInterest(m_fd, m_reading, m_writing);
}

void HttpConnection::setWriting(bool on)
{
    m_writing = on;
    if (m_fd >= 0)
        m_server->m_poller.setInterest(m_fd, m_reading, m_writing);
}

void HttpConnection::closeDescriptor()
{
    if (m_fd < 0)
        return;
    // Unregister before closing: the number may be reused by the next accepted connection.
    m_server->m_poller.remove(m_fd);
    if (m_inBurst)
        return; // another thread may be sending on it: sendDone() closes it
    sysClose(m_fd);
    m_fd = -1;
}

void HttpConnection::abort()
{
    if (!m_closed)
        onDisconnected();
}

void HttpConnection::onDisconnected()
{
    if (m_closed)
        return;
    m_closed = true;
    m_deadline = 0;
    closeDescriptor();
    if (HttpResponder *r = std::exchange(m_current, nullptr))
        r->detach();
    m_server->connectionClosed(this);
    deleteLater();
}

qint64 HttpConnection::sendForBurst(qintptr fd, const char *data, qint64 size, int *error)
{
    for (;;) {
        const qint64 n = sysSend(fd, data, size);
        if (n >= 0)
            return n;
        if (!interrupted()) {
            *error = lastSocketError();
            return n;
        }
    }
}

void HttpConnection::writeOut(const QByteArray &bytes)
{
    if (bytes.isEmpty() || m_closed)
        return;
    if (bufferedBytes() == 0 && core::BurstScope::active()) {
        // One of many replies of one write: sent together when the burst ends (HttpServer).
        m_out = bytes;
        m_outPos = 0;
        m_inBurst = true;
        m_server->sendInBurst(this, m_fd, bytes);
        return;
    }
    writeOut(bytes.constData(), bytes.size());
}

void HttpConnection::sendDone(qint64 sent, int error)
{
    m_inBurst = false;
    if (m_closed) {
        closeDescriptor(); // deferred while the send was in flight
        return;
    }
    if (sent > 0) {
        m_outPos += sent;
    } else if (sent < 0 && !wouldBlock(error)) {
        onDisconnected(); // reset or gone: as a read would find out
        return;
    }
    if (m_outPos < m_out.size())
        waitWritable();
    else
        outputDrained();
}

void HttpConnection::writeOut(const char *data, qsizetype size)
{
    if (size <= 0 || m_closed)
        return;
    if (m_outPos < m_out.size()) { // already waiting for the kernel: keep the order
        if (m_outPos > m_out.size() / 2) {
            m_out.remove(0, m_outPos);
            m_outPos = 0;
        }
        m_out.append(data, size);
        return;
    }
    while (size > 0) {
        const qint64 n = sysSend(m_fd, data, size);
        if (n > 0) {
            data += n;
            size -= n;
        } else if (n < 0 && interrupted()) {
            continue;
        } else if (n < 0 && wouldBlock()) {
            break;
        } else {
            onDisconnected(); // reset or gone: as a read would find out
            return;
        }
    }
    if (size == 0)
        return;
    m_out = QByteArray(data, size);
    m_outPos = 0;
    waitWritable();
}

void HttpConnection::waitWritable()
{
    setWriting(true);
}

void HttpConnection::onWritable()
{
    while (!m_closed && m_outPos < m_out.size()) {
        const qint64 n = sysSend(m_fd, m_out.constData() + m_outPos, m_out.size() - m_outPos);
        if (n > 0) {
            m_outPos += n;
        } else if (n < 0 && interrupted()) {
            continue;
        } else if (n < 0 && wouldBlock()) {
            return;
        } else {
            onDisconnected();
            return;
        }
    }
    if (!m_closed)
        outputDrained();
}

void HttpConnection::outputDrained()
{
    m_out = QByteArray();
    m_outPos = 0;
    setWriting(false);
    if (m_lingering)
        halfClose();
    else if (m_closing)
        onDisconnected(); // a graceful close waited for the reply to be sent
}

void HttpConnection::onReadable()
{
    if (m_closed)
        return;
    char buffer[kReadChunk];
    bool gone = false;
    bool peerDone = false;
    for (qint64 budget = kMaxReadPerEvent; budget > 0;) {
        if (!m_closing && m_busy && m_in.size() - m_inPos >= kMaxBufferedWhileBusy) {
            setReading(false); // TCP flow control until the reply is finished (finishResponse)
            break;
        }
        const qint64 n = sysRecv(m_fd, buffer, kReadChunk);
        if (n > 0) {
            budget -= n;
            if (m_closing) {
                // Draining until the peer closes.
            } else if (m_inPos == m_in.size()) {
                m_in = QByteArray(buffer, n);
                m_inPos = 0;
            } else {
                compactInput();
                m_in.append(buffer, n);
            }
            if (n < kReadChunk)
                break;
        } else if (n < 0 && interrupted()) {
            continue;
        } else if (n < 0 && wouldBlock()) {
            break;
        } else if (n == 0 && !m_closing) {
            peerDone = true; // the client half-closed after its request(s)
            break;
        } else {
            gone = true; // reset, or end of input while closing
            break;
        }
    }
    if (peerDone) {
        // What arrived before the end is still answered (`printf 'GET ...' | nc -N` shuts down its
        // side at once), also when the reply comes later (a request forwarded to a server), then
        // the connection closes (processInput). The descriptor stays readable at EOF: stop
        // watching it.
        setReading(false);
        m_peerDone = true;
    }
    processInput();
    if (gone)
        onDisconnected();
    else
        settlePeerDone(); // processInput returns early while a reply is pending
}

void HttpConnection::settlePeerDone()
{
    if (!m_peerDone || m_closed || m_closing)
        return;
    if (!m_busy) {
        startClose(false); // nothing more can arrive; an incomplete request is dropped
    } else if (m_current && m_current->watchesClose()) {
        // A reply that waits on the client's presence (a blocking query, the monitor stream) is
        // cancelled as if the client had gone: a client that timed out and closed must not keep
        // its watch parked for minutes. A plain deferred reply is still sent.
        onDisconnected();
    }
}

void HttpConnection::resume()
{
    m_resumeQueued = false;
    processInput();
}

void HttpConnection::compactInput()
{
    if (m_inPos == 0)
        return;
    const qsizetype rest = m_in.size() - m_inPos;
    if (rest > 0)
        std::memmove(m_in.data(), m_in.constData() + m_inPos, size_t(rest));
    m_in.resize(rest);
    m_inPos = 0;
}

void HttpConnection::processInput()
{
    if (m_closed || m_closing || m_busy)
        return;
    m_dispatching = true;
    while (!m_closed && !m_closing && !m_busy) {
        const QByteArrayView view(m_in.constData() + m_inPos, m_in.size() - m_inPos);
        ParseResult result = m_parser.parse(view);
        m_inPos += result.consumed;
        if (result.status == ParseStatus::NeedMore) {
            if (result.expectContinue) {
                writeOut("HTTP/1.1 100 Continue\r\n\r\n", 25);
            }
            break;
        }
        if (result.status == ParseStatus::Malformed) {
            qCDebug(lcHttp) << "rejecting request from" << m_peer.toString() << result.httpStatus
                            << result.error;
            sendError(result.httpStatus, result.error);
            break;
        }
        dispatch(std::move(result.request));
    }
    m_dispatching = false;
    if (m_closed || m_closing)
        return;
    if (m_peerDone) {
        settlePeerDone();
        return;
    }
    if (m_inPos == m_in.size()) {
        // The next read brings its own buffer (see pull()); keeping this one would cost a parked
        // blocking query its capacity for minutes.
        m_inPos = 0;
        m_in = QByteArray();
    }
    armTimer(m_server->now());
}

void HttpConnection::dispatch(HttpRequest &&request)
{
    m_busy = true;
    m_headStart = -1;
    m_keepAlive = request.keepAlive;
    m_http10 = request.minorVersion == 0;
    m_headRequest = request.method == "HEAD";
    m_chunkedStream = false;
    m_streamNoBody = false;
    m_streamClose = false;
    request.peer = m_peer;
    auto responder = std::make_shared<HttpResponder>(HttpResponder::Key {}, this);
    m_current = responder.get();
    m_server->m_handler(request, std::move(responder));
}

void HttpConnection::appendHead(QByteArray &out, int status, const HeaderList &headers, bool &close,
                                bool withExtraHeaders)
{
    if (status < 100 || status > 999)
        status = 500;
    char statusDigits[4]
        = { char('0' + status / 100), char('0' + status / 10 % 10), char('0' + status % 10), ' ' };
    out.append("HTTP/1.1 ", 9);
    out.append(statusDigits, 4);
    out.append(statusReason(status));
    out.append("\r\n", 2);
    for (const auto &h : headers) {
        const QByteArray &name = h.first;
        switch (name.size()) {
        case 4:
            if (equalsIgnoreCase(name, "date"))
                continue;
            break;
        case 10:
            if (equalsIgnoreCase(name, "connection")) {
                if (connectionHasClose(h.second))
                    close = true;
                continue;
            }
            break;
        case 14:
            if (equalsIgnoreCase(name, "content-length"))
                continue;
            break;
        case 17:
            if (equalsIgnoreCase(name, "transfer-encoding"))
                continue;
            break;
        default:
            break;
        }
        appendField(out, name, h.second);
    }
    if (withExtraHeaders) {
        // The handler's own field of that name wins, as a Consul endpoint overrides
        // http_config.response_headers.
        for (const auto &h : m_limits.responseHeaders) {
            const bool own = std::any_of(headers.cbegin(), headers.cend(),
                                         [&](const auto &mine) { return equalsIgnoreCase(mine.first, h.first); });
            if (!own)
                appendField(out, h.first, h.second);
        }
    }
    out.append("Date: ", 6);
    out.append(httpDateNow());
    out.append("\r\n", 2);
}

void HttpConnection::respond(HttpResponse &&response)
{
    m_current = nullptr;
    HttpServer::LastReply &last = m_server->m_lastReply;
    const QByteArray date = httpDateNow();
    const bool same = !last.bytes.isEmpty() && last.status == response.status && last.keepAlive == m_keepAlive
        && last.http10 == m_http10 && last.headRequest == m_headRequest && last.date.isSharedWith(date)
        && last.headers.isSharedWith(response.headers) && last.body.isSharedWith(response.body);
    if (!same) {
        last.bytes = render(response, &last.close);
        last.headers = std::move(response.headers);
        last.body = std::move(response.body);
        last.date = date;
        last.status = response.status;
        last.keepAlive = m_keepAlive;
        last.http10 = m_http10;
        last.headRequest = m_headRequest;
    }
    const bool close = last.close;
    writeOut(QByteArray(last.bytes));
    finishResponse(close);
}

QByteArray HttpConnection::render(const HttpResponse &response, bool *closeAfter)
{
    bool close = !m_keepAlive;
    const bool bodyAllowed = response.status >= 200 && response.status != 204 && response.status != 304;
    const bool withBody = bodyAllowed && !m_headRequest;
    QByteArray out;
    out.reserve(128 + response.headers.size() * 48 + (withBody ? response.body.size() : 0));
    appendHead(out, response.status, response.headers, close);
    if (bodyAllowed) {
        out.append("Content-Length: ", 16);
        appendDecimal(out, response.body.size());
        out.append("\r\n", 2);
    }
    if (close)
        out.append("Connection: close\r\n", 19);
    else if (m_http10)
        out.append("Connection: keep-alive\r\n", 24);
    out.append("\r\n", 2);
    if (withBody)
        out.append(response.body);
    *closeAfter = close;
    return out;
}

void HttpConnection::beginStream(int status, HeaderList &&headers)
{
    bool close = !m_keepAlive;
    const bool bodyAllowed = status >= 200 && status != 204 && status != 304;
    QByteArray out;
    out.reserve(128 + headers.size() * 48);
    appendHead(out, status, headers, close);
    if (bodyAllowed) {
        if (m_http10)
            close = true; // no chunked encoding in HTTP/1.0: the end of the body is the close
        else
            out.append("Transfer-Encoding: chunked\r\n", 28);
    }
    if (close)
        out.append("Connection: close\r\n", 19);
    out.append("\r\n", 2);
    m_streamNoBody = !bodyAllowed || m_headRequest;
    m_chunkedStream = bodyAllowed && !m_http10 && !m_headRequest;
    m_streamClose = close;
    writeOut(out.constData(), out.size());
}

void HttpConnection::writeChunk(const QByteArray &data)
{
    if (m_streamNoBody || m_closing)
        return;
    if (!m_chunkedStream) {
        writeOut(data.constData(), data.size());
    } else if (data.size() <= kCoalesceChunkBytes) {
        QByteArray out;
        out.reserve(data.size() + 16);
        appendHex(out, data.size());
        out.append("\r\n", 2);
        out.append(data);
        out.append("\r\n", 2);
        writeOut(out.constData(), out.size());
    } else {
        QByteArray prefix;
        appendHex(prefix, data.size());
        prefix.append("\r\n", 2);
        writeOut(prefix.constData(), prefix.size());
        writeOut(data.constData(), data.size());
        writeOut("\r\n", 2);
    }
}

void HttpConnection::endStream()
{
    m_current = nullptr;
    if (m_chunkedStream)
        writeOut("0\r\n\r\n", 5);
    finishResponse(m_streamClose);
}

void HttpConnection::responderAbandoned(bool streaming)
{
    m_current = nullptr;
    if (streaming) {
        qCWarning(lcHttp) << "a streamed reply was dropped without endStream(); closing the connection";
        m_busy = false;
        startClose(false); // no last chunk: the client sees the body truncated
        return;
    }
    qCWarning(lcHttp) << "a request was dropped without a reply; answering 500";
    respond(HttpResponse::text(500, QStringLiteral("internal error: the request was not answered")));
}

void HttpConnection::finishResponse(bool close)
{
    m_busy = false;
    m_current = nullptr;
    const qint64 now = m_server->now();
    m_idleSince = now;
    if (close) {
        startClose(false);
        return;
    }
    if (m_dispatching || m_closed)
        return; // processInput's loop carries on
    if (!m_reading && !m_peerDone)
        setReading(true); // reading was paused while pipelined input waited
    // Answered later, from some other event: parse what is buffered on a fresh event loop pass,
    // so the handler is never re-entered from inside a responder call.
    if (m_inPos < m_in.size() || m_peerDone) {
        if (!m_resumeQueued) {
            m_resumeQueued = true;
            QMetaObject::invokeMethod(this, &HttpConnection::resume, Qt::QueuedConnection);
        }
        return;
    }
    armTimer(now);
}

void HttpConnection::sendError(int status, const QByteArray &reason)
{
    bool close = true;
    QByteArray out;
    // The connection's own error (as Go's net/http answers it): no handler ran, so none of the
    // headers the agent adds to its handlers' answers.
    appendHead(out, status,
        { { QByteArrayLiteral("Content-Type"), QByteArrayLiteral("text/plain; charset=utf-8") } }, close, false);
    out.append("Content-Length: ", 16);
    appendDecimal(out, reason.size() + 1);
    out.append("\r\nConnection: close\r\n\r\n", 23);
    out.append(reason);
    out.append('\n');
    writeOut(out.constData(), out.size());
    startClose(true);
}

void HttpConnection::startClose(bool linger)
{
    if (m_closing || m_closed)
        return;
    // Input we will never read (say, requests pipelined after "Connection: close") would turn the
    // close into a reset, so drain it as after an error.
    linger = !m_peerDone && (linger || m_inPos < m_in.size() || sysPendingInput(m_fd) > 0);
    m_closing = true;
    m_busy = false;
    m_in = QByteArray();
    m_inPos = 0;
    m_parser.reset();
    if (!m_reading && !m_peerDone)
        setReading(true); // input is drained from now on
    const qint64 now = m_server->now();
    if (!linger) {
        m_deadline = now + (m_limits.idleTimeoutMs > 0 ? m_limits.idleTimeoutMs : kDefaultFlushMs);
        if (bufferedBytes() == 0)
            onDisconnected(); // else onWritable() closes once the reply is out
        return;
    }
    // The client may still be sending (a body we refused): closing with unread input makes the
    // kernel send RST, which can destroy our error reply in flight. So shut down only our side,
    // then read and discard until the client closes or the linger time is up.
    m_lingering = true;
    m_deadline = now + kLingerMs;
    if (bufferedBytes() == 0)
        halfClose(); // else onWritable() does once the reply is out
}

void HttpConnection::halfClose()
{
    if (m_fd >= 0)
        sysShutdownWrite(m_fd);
}

void HttpConnection::armTimer(qint64 now)
{
    if (m_closing || m_closed)
        return;
    if (m_busy) {
        m_deadline = 0; // handlers may take their time (blocking queries wait up to 10 minutes)
        return;
    }
    if (m_parser.headComplete()) { // receiving a body: the idle limit applies between reads
        m_deadline = m_limits.idleTimeoutMs > 0 ? now + m_limits.idleTimeoutMs : 0;
        return;
    }
    if (m_parser.inProgress()) { // a head has started: it must be complete in time
        if (m_headStart < 0)
            m_headStart = now;
        m_deadline = m_limits.headerTimeoutMs > 0 ? m_headStart + m_limits.headerTimeoutMs : 0;
        return;
    }
    m_headStart = -1;
    m_deadline = m_limits.idleTimeoutMs > 0 ? m_idleSince + m_limits.idleTimeoutMs : 0;
}

void HttpConnection::checkTimeout(qint64 now)
{
    if (m_closed || m_deadline == 0 || now < m_deadline)
        return;
    if (m_closing) {
        abort();
        return;
    }
    if (m_busy)
        return;
    if (m_parser.inProgress()) {
        qCDebug(lcHttp) << "request from" << m_peer.toString() << "timed out";
        sendError(408, QByteArrayLiteral("request timed out"));
        return;
    }
    // Idle keep-alive connection.
    m_closing = true;
    m_deadline = now + kLingerMs;
    if (bufferedBytes() == 0)
        onDisconnected();
}

} // namespace qonsul::http

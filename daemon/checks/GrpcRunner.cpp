#include "checks/GrpcRunner.h"

#include "checks/CheckTls.h"

#include <QNetworkAccessManager>
#include <QNetworkReply>
#include <QNetworkRequest>
#include <QSslConfiguration>
#include <QUrl>

#include <utility>

namespace qonsul::checks {

namespace {
constexpr int kServing = 1;

void appendVarint(QByteArray *out, quint64 v)
{
    while (v >= 0x80) {
        out->append(char(0x80 | (v & 0x7f)));
        v >>= 7;
    }
    out->append(char(v));
}

bool readVarint(const QByteArray &in, qsizetype *pos, quint64 *v)
{
    *v = 0;
    for (int shift = 0; shift < 64 && *pos < in.size(); shift += 7) {
        const quint8 b = quint8(in.at((*pos)++));
        *v |= quint64(b & 0x7f) << shift;
        if (!(b & 0x80))
            return true;
    }
    return false;
}

// grpc-go's texts for a failed call.
QString rpcError(int code, const QString &desc)
{
    return QStringLiteral("rpc error: code = %1 desc = %2").arg(grpcCodeName(code), desc);
}

// grpc-go's mapping of a non-200 HTTP status to a gRPC code.
int codeForHttpStatus(int status)
{
    switch (status) {
    case 400: return 13; // Internal
    case 401: return 16; // Unauthenticated
    case 403: return 7;  // PermissionDenied
    case 404: return 12; // Unimplemented
    case 429:
    case 502:
    case 503:
    case 504: return 14; // Unavailable
    default: return 2;   // Unknown
    }
}
} // namespace

QByteArray grpcHealthRequest(const QString &service)
{
    QByteArray message;
    const QByteArray name = service.toUtf8();
    if (!name.isEmpty()) { // proto3: an empty string is not sent
        message.append(char(0x0a)); // field 1, length-delimited
        appendVarint(&message, quint64(name.size()));
        message.append(name);
    }
    QByteArray framed(5, '\0'); // not compressed, 32-bit big-endian length
    const quint32 n = quint32(message.size());
    framed[1] = char(n >> 24);
    framed[2] = char(n >> 16);
    framed[3] = char(n >> 8);
    framed[4] = char(n);
    return framed + message;
}

int grpcHealthStatus(const QByteArray &body)
{
    if (body.size() < 5 || body.at(0) != 0)
        return -1;
    const quint32 n = (quint32(quint8(body.at(1))) << 24) | (quint32(quint8(body.at(2))) << 16)
        | (quint32(quint8(body.at(3))) << 8) | quint32(quint8(body.at(4)));
    if (qsizetype(n) > body.size() - 5)
        return -1;
    const QByteArray message = body.mid(5, n);
    int status = 0; // proto3 default: UNKNOWN
    qsizetype pos = 0;
    while (pos < message.size()) {
        quint64 key = 0, value = 0;
        if (!readVarint(message, &pos, &key))
            return -1;
        switch (key & 7) {
        case 0:
            if (!readVarint(message, &pos, &value))
                return -1;
            if (key >> 3 == 1)
                status = int(value);
            break;
        case 1: pos += 8; break;
        case 2:
            if (!readVarint(message, &pos, &value) || value > quint64(message.size() - pos))
                return -1;
            pos += qsizetype(value);
            break;
        case 5: pos += 4; break;
        default: return -1;
        }
    }
    return pos == message.size() ? status : -1;
}

QString grpcServingStatusName(int status)
{
    switch (status) {
    case 0: return QStringLiteral("UNKNOWN");
    case 1: return QStringLiteral("SERVING");
    case 2: return QStringLiteral("NOT_SERVING");
    case 3: return QStringLiteral("SERVICE_UNKNOWN");
    }
    return QString::number(status);
}

QString grpcCodeName(int code)
{
    static const char *const names[] = {"OK", "Canceled", "Unknown", "InvalidArgument", "DeadlineExceeded",
                                        "NotFound", "AlreadyExists", "PermissionDenied", "ResourceExhausted",
                                        "FailedPrecondition", "Aborted", "OutOfRange", "Unimplemented", "Internal",
                                        "Unavailable", "DataLoss", "Unauthenticated"};
    if (code >= 0 && code < int(std::size(names)))
        return QString::fromLatin1(names[code]);
    return QStringLiteral("Code(%1)").arg(code);
}

GrpcRunner::GrpcRunner(Clock *clock, QNetworkAccessManager *nam, SharedTlsBase tls, const CheckSpec &spec,
                       Notify notify)
    : CheckRunner(clock, spec.effectiveInterval(), spec.effectiveTimeout(), std::move(notify))
    , m_target(spec.grpc)
    , m_tls(spec.grpcUseTls)
    , m_tlsSkipVerify(spec.tlsSkipVerify)
    , m_tlsServerName(spec.tlsServerName)
    , m_tlsBase(std::move(tls))
    , m_nam(nam)
{
    // Consul's target format: "host:port" or "host:port/service".
    const qsizetype slash = m_target.indexOf(u'/');
    m_server = slash < 0 ? m_target : m_target.left(slash);
    m_service = slash < 0 ? QString() : m_target.mid(slash + 1);
}

GrpcRunner::~GrpcRunner()
{
    stop();
}

void GrpcRunner::begin()
{
    QString host;
    quint16 port = 0;
    if (!splitHostPort(m_server, &host, &port)) {
        finish({QStringLiteral("critical"),
                rpcError(14, QStringLiteral("connection error: desc = \"transport: Error while dialing: dial tcp: "
                                            "address %1: missing port in address\"")
                                 .arg(m_server))});
        return;
    }
    QUrl url;
    url.setScheme(m_tls ? QStringLiteral("https") : QStringLiteral("http"));
    url.setHost(host);
    url.setPort(port);
    url.setPath(QStringLiteral("/grpc.health.v1.Health/Check"));
    QNetworkRequest req(url);
    req.setAttribute(QNetworkRequest::Http2AllowedAttribute, true);
    if (!m_tls)
        req.setAttribute(QNetworkRequest::Http2DirectAttribute, true); // h2c, prior knowledge
    req.setRawHeader("Content-Type", "application/grpc");
    req.setRawHeader("TE", "trailers");
    req.setRawHeader("User-Agent", "Consul Health Check");
    req.setRawHeader("grpc-timeout", QByteArray::number(timeout() / kMillisecond) + 'm');
    req.setTransferTimeout(0); // the runner's own clock enforces the timeout
    if (m_tls) {
        req.setSslConfiguration(checkTlsFor(*m_tlsBase, m_tlsSkipVerify));
        // Qt reuses an HTTP/2 connection for requests with the same scheme, host, port and
        // peer verify name, whatever their TLS settings: a verifying check must never ride on
        // a connection a tls_skip_verify check opened, so only those leave the name empty.
        if (!m_tlsSkipVerify)
            req.setPeerVerifyName(m_tlsServerName.isEmpty() ? host : m_tlsServerName);
    }
    m_tlsError.clear();
    m_reply = m_nam->post(req, grpcHealthRequest(m_service));
    QObject::connect(m_reply, &QNetworkReply::sslErrors, this, [this, host](const QList<QSslError> &errors) {
        m_tlsError = goTlsError(errors, m_tlsServerName.isEmpty() ? host : m_tlsServerName);
    });
    QObject::connect(m_reply, &QNetworkReply::finished, this, [this] { done(); });
}

void GrpcRunner::done()
{
    QNetworkReply *reply = std::exchange(m_reply, nullptr);
    if (!reply)
        return;
    reply->disconnect(this);
    reply->deleteLater();
    const QByteArray body = reply->readAll();
    const QVariant code = reply->attribute(QNetworkRequest::HttpStatusCodeAttribute);
    if (!code.isValid() || code.toInt() == 0) {
        QString desc;
        switch (reply->error()) {
        case QNetworkReply::ConnectionRefusedError:
            desc = QStringLiteral("connection error: desc = \"transport: Error while dialing: dial tcp %1: connect: "
                                  "connection refused\"")
                       .arg(m_server);
            break;
        case QNetworkReply::SslHandshakeFailedError:
            desc = QStringLiteral("connection error: desc = \"transport: authentication handshake failed: %1\"")
                       .arg(m_tlsError.isEmpty() ? goHandshakeError(reply->errorString()) : m_tlsError);
            break;
        default:
            desc = QStringLiteral("connection error: desc = \"transport: %1\"").arg(reply->errorString());
        }
        finish({QStringLiteral("critical"), rpcError(14, desc)});
        return;
    }
    if (code.toInt() != 200) {
        finish({QStringLiteral("critical"),
                rpcError(codeForHttpStatus(code.toInt()),
                         QStringLiteral("unexpected HTTP status code received from server: %1 (%2)")
                             .arg(code.toInt())
                             .arg(reply->attribute(QNetworkRequest::HttpReasonPhraseAttribute).toString()))});
        return;
    }
    // A failed call usually answers with headers only ("Trailers-Only"); a successful one with
    // the message and grpc-status 0 in the trailers. Qt appends the trailers to the headers
    // (repeated names joined with ", "): the last value is the trailer's.
    if (reply->hasRawHeader("grpc-status")) {
        const int grpcStatus = reply->rawHeader("grpc-status").split(',').constLast().trimmed().toInt();
        if (grpcStatus != 0) {
            const QString message = QUrl::fromPercentEncoding(reply->rawHeader("grpc-message"));
            finish({QStringLiteral("critical"), rpcError(grpcStatus, message)});
            return;
        }
    }
    const int status = grpcHealthStatus(body);
    if (status < 0) {
        finish({QStringLiteral("critical"),
                rpcError(13, body.isEmpty() ? QStringLiteral("server closed the stream without sending trailers")
                                            : QStringLiteral("grpc: failed to unmarshal the received message"))});
        return;
    }
    if (status != kServing) {
        finish({QStringLiteral("critical"),
                QStringLiteral("gRPC %1 serving status: %2").arg(m_target, grpcServingStatusName(status))});
        return;
    }
    finish({QStringLiteral("passing"), QStringLiteral("gRPC check %1: success").arg(m_target)});
}

void GrpcRunner::abort()
{
    cancel();
    finish({QStringLiteral("critical"), rpcError(4, QStringLiteral("context deadline exceeded"))});
}

void GrpcRunner::cancel()
{
    if (QNetworkReply *reply = std::exchange(m_reply, nullptr)) {
        reply->disconnect(this);
        reply->abort();
        reply->deleteLater();
    }
}

} // namespace qonsul::checks

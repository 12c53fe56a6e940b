#include "client/ApiClient.h"

#include <QEventLoop>
#include <QFile>
#include <QLocalSocket>
#include <QNetworkAccessManager>
#include <QNetworkReply>
#include <QNetworkRequest>
#include <QSslCertificate>
#include <QSslConfiguration>
#include <QSslKey>
#include <QTimer>
#include <algorithm>

namespace qonsul::client {

// ---------------------------------------------------------------------------------------------
// Request / Response

bool Request::hasParam(const QString &name) const
{
    return std::any_of(query.begin(), query.end(), [&](const auto &p) { return p.first == name; });
}

QByteArray Response::header(const QByteArray &name) const
{
    for (const auto &h : headers) {
        if (h.first.compare(name, Qt::CaseInsensitive) == 0)
            return h.second;
    }
    return {};
}

quint64 Response::index() const
{
    return header("X-Consul-Index").toULongLong();
}

bool Response::knownLeader() const
{
    return header("X-Consul-KnownLeader") == "true";
}

QString Response::errorText() const
{
    if (status == 0)
        return error;
    return QStringLiteral("Unexpected response code: %1 (%2)")
        .arg(status)
        .arg(QString::fromUtf8(body.trimmed()));
}

void ApiCall::finish(Response response)
{
    if (m_finished)
        return;
    m_finished = true;
    Q_EMIT finished(response);
    deleteLater();
}

// ---------------------------------------------------------------------------------------------
// Escaping, as Go's net/url does it

namespace {

bool unreserved(char c)
{
    return (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '-' || c == '_'
        || c == '.' || c == '~';
}

void appendPercent(QByteArray &out, uchar c)
{
    static const char hex[] = "0123456789ABCDEF";
    out += '%';
    out += hex[c >> 4];
    out += hex[c & 15];
}

// Go's url.Error names the operation by the method: "Get", "Put", "Delete".
QString goOp(const QByteArray &method)
{
    const QString m = QString::fromLatin1(method);
    return m.left(1).toUpper() + m.mid(1).toLower();
}

} // namespace

QByteArray ApiClient::escapePath(const QString &path)
{
    QByteArray out;
    const QByteArray utf8 = path.toUtf8();
    out.reserve(utf8.size());
    for (const char c : utf8) {
        if (unreserved(c) || QByteArrayView("$&+,/:;=@").contains(c))
            out += c;
        else
            appendPercent(out, uchar(c));
    }
    return out;
}

QByteArray ApiClient::escapeQueryComponent(const QString &text)
{
    QByteArray out;
    const QByteArray utf8 = text.toUtf8();
    for (const char c : utf8) {
        if (unreserved(c))
            out += c;
        else if (c == ' ')
            out += '+';
        else
            appendPercent(out, uchar(c));
    }
    return out;
}

// ---------------------------------------------------------------------------------------------
// Calls over QNetworkAccessManager (http, https)

namespace {

class NetworkCall final : public ApiCall
{
public:
    NetworkCall(QNetworkReply *reply, bool stream, int timeoutMs, QString displayUrl, QByteArray method,
        QString hostPort, QObject *parent)
        : ApiCall(parent)
        , m_reply(reply)
        , m_stream(stream)
        , m_url(std::move(displayUrl))
        , m_method(std::move(method))
        , m_hostPort(std::move(hostPort))
    {
        reply->setParent(this);
        // Streamed bodies go out as chunks once the status says 200; an error body is collected.
        if (stream)
            connect(reply, &QNetworkReply::readyRead, this, [this] {
                if (m_reply->attribute(QNetworkRequest::HttpStatusCodeAttribute).toInt() != 200)
                    return;
                const QByteArray data = m_reply->readAll();
                if (!data.isEmpty())
                    Q_EMIT chunk(data);
            });
        connect(reply, &QNetworkReply::finished, this, &NetworkCall::onFinished);
        if (timeoutMs > 0)
            QTimer::singleShot(timeoutMs, this, [this] {
                m_deadline = true;
                m_reply->abort();
            });
    }

    void abort() override
    {
        m_aborted = true;
        if (m_reply && !m_reply->isFinished())
            m_reply->abort();
    }

private:
    void onFinished()
    {
        Response r;
        const QVariant status = m_reply->attribute(QNetworkRequest::HttpStatusCodeAttribute);
        if (status.isValid() && !m_aborted && !m_deadline) {
            r.status = status.toInt();
            r.body = m_reply->readAll();
            if (m_stream && r.status == 200 && !r.body.isEmpty()) {
                Q_EMIT chunk(r.body);
                r.body.clear();
            }
            for (const auto &h : m_reply->rawHeaderPairs())
                r.headers.append(h);
        } else {
            r.error = QStringLiteral("%1 \"%2\": %3").arg(goOp(m_method), m_url, describeError());
        }
        finish(std::move(r));
    }

    QString describeError() const
    {
        if (m_deadline)
            return QStringLiteral("context deadline exceeded");
        if (m_aborted)
            return QStringLiteral("context canceled");
        const QString host
            = m_hostPort.section(u':', 0, -2).isEmpty() ? m_hostPort : m_hostPort.section(u':', 0, -2);
        switch (m_reply->error()) {
        case QNetworkReply::ConnectionRefusedError:
            return QStringLiteral("dial tcp %1: connect: connection refused").arg(m_hostPort);
        case QNetworkReply::HostNotFoundError:
            return QStringLiteral("dial tcp: lookup %1: no such host").arg(host);
        case QNetworkReply::TimeoutError:
            return QStringLiteral("dial tcp %1: i/o timeout").arg(m_hostPort);
        case QNetworkReply::RemoteHostClosedError:
            return QStringLiteral("EOF");
        case QNetworkReply::SslHandshakeFailedError:
            return QStringLiteral("tls: %1").arg(m_reply->errorString());
        default:
            return m_reply->errorString();
        }
    }

    QPointer<QNetworkReply> m_reply;
    bool m_stream;
    QString m_url;
    QByteArray m_method;
    QString m_hostPort;
    bool m_aborted = false;
    bool m_deadline = false;
};

// ---------------------------------------------------------------------------------------------
// Calls over a Unix domain socket (unix:///path): QNetworkAccessManager cannot do these, so this
// is a minimal HTTP/1.1 client (one request per connection, Connection: close).

class UnixCall final : public ApiCall
{
public:
    UnixCall(const QString &socketPath, QByteArray requestBytes, bool stream, int timeoutMs,
        QString displayUrl, QByteArray method, QObject *parent)
        : ApiCall(parent)
        , m_socket(new QLocalSocket(this))
        , m_path(socketPath)
        , m_stream(stream)
        , m_url(std::move(displayUrl))
        , m_method(std::move(method))
    {
        connect(m_socket, &QLocalSocket::connected, this,
            [this, requestBytes] { m_socket->write(requestBytes); });
        connect(m_socket, &QLocalSocket::readyRead, this, &UnixCall::onReadyRead);
        connect(m_socket, &QLocalSocket::disconnected, this, &UnixCall::onClosed);
        connect(m_socket, &QLocalSocket::errorOccurred, this, [this](QLocalSocket::LocalSocketError e) {
            if (e == QLocalSocket::PeerClosedError)
                return; // handled by disconnected
            fail(e == QLocalSocket::ServerNotFoundError
                    ? QStringLiteral("dial unix %1: connect: no such file or directory").arg(m_path)
                    : e == QLocalSocket::ConnectionRefusedError
                    ? QStringLiteral("dial unix %1: connect: connection refused").arg(m_path)
                    : m_socket->errorString());
        });
        if (timeoutMs > 0)
            QTimer::singleShot(
                timeoutMs, this, [this] { fail(QStringLiteral("context deadline exceeded")); });
        // Connect from the event loop: a failure is reported synchronously, before the caller
        // could have connected to `finished`.
        QTimer::singleShot(0, this, [this] { m_socket->connectToServer(m_path); });
    }

    void abort() override { fail(QStringLiteral("context canceled")); }

private:
    void fail(const QString &why)
    {
        if (m_finished)
            return;
        Response r;
        r.error = QStringLiteral("%1 \"%2\": %3").arg(goOp(m_method), m_url, why);
        m_socket->abort();
        finish(std::move(r));
    }

    void onReadyRead()
    {
        m_buffer += m_socket->readAll();
        if (!m_headersDone) {
            const qsizetype end = m_buffer.indexOf("\r\n\r\n");
            if (end < 0)
                return;
            const QList<QByteArray> lines = m_buffer.left(end).split('\n');
            m_buffer.remove(0, end + 4);
            const QList<QByteArray> statusLine = lines.value(0).trimmed().split(' ');
            m_response.status = statusLine.value(1).toInt();
            for (qsizetype i = 1; i < lines.size(); ++i) {
                const qsizetype colon = lines[i].indexOf(':');
                if (colon > 0)
                    m_response.headers.append(
                        { lines[i].left(colon).trimmed(), lines[i].mid(colon + 1).trimmed() });
            }
            m_chunked = m_response.header("Transfer-Encoding").toLower().contains("chunked");
            const QByteArray length = m_response.header("Content-Length");
            if (!length.isEmpty())
                m_remaining = length.toLongLong();
            m_headersDone = true;
        }
        consumeBody();
    }

    void deliver(const QByteArray &data)
    {
        if (data.isEmpty())
            return;
        if (m_stream && m_response.status == 200)
            Q_EMIT chunk(data);
        else
            m_response.body += data;
    }

    void consumeBody()
    {
        if (!m_chunked) {
            QByteArray data = m_buffer;
            m_buffer.clear();
            if (m_remaining >= 0) {
                data.truncate(qMin<qsizetype>(data.size(), m_remaining));
                m_remaining -= data.size();
            }
            deliver(data);
            if (m_remaining == 0)
                complete();
            return;
        }
        while (true) {
            if (m_chunkLeft == 0) {
                const qsizetype eol = m_buffer.indexOf("\r\n");
                if (eol < 0)
                    return;
                bool ok = false;
                const qlonglong size = m_buffer.left(eol).split(';').value(0).trimmed().toLongLong(&ok, 16);
                if (!ok)
                    return fail(QStringLiteral("malformed chunked encoding"));
                m_buffer.remove(0, eol + 2);
                if (size == 0)
                    return complete();
                m_chunkLeft = size + 2; // data plus its CRLF
            }
            if (m_buffer.isEmpty())
                return;
            const qsizetype take = qMin<qsizetype>(m_buffer.size(), m_chunkLeft);
            QByteArray data = m_buffer.left(take);
            m_buffer.remove(0, take);
            const qsizetype dataLeft = m_chunkLeft - 2; // bytes of payload still expected
            m_chunkLeft -= take;
            data.truncate(qMax<qsizetype>(0, qMin<qsizetype>(data.size(), dataLeft)));
            deliver(data);
        }
    }

    void onClosed()
    {
        if (m_finished)
            return;
        if (m_socket->bytesAvailable() > 0)
            onReadyRead(); // the peer may close before its last bytes were read
        if (m_finished)
            return;
        if (m_headersDone && !m_chunked && m_remaining <= 0)
            return complete(); // no Content-Length: the body ends with the connection
        fail(QStringLiteral("EOF"));
    }

    void complete()
    {
        if (m_finished)
            return;
        finish(m_response); // first: disconnecting may re-enter onClosed()
        m_socket->disconnectFromServer();
    }

    QLocalSocket *m_socket;
    QString m_path;
    bool m_stream;
    QString m_url;
    QByteArray m_method;
    QByteArray m_buffer;
    Response m_response;
    bool m_headersDone = false;
    bool m_chunked = false;
    qint64 m_remaining = -1;
    qint64 m_chunkLeft = 0;
};

// A call that fails before it starts (the client could not be set up).
class FailedCall final : public ApiCall
{
public:
    FailedCall(QString error, QObject *parent)
        : ApiCall(parent)
    {
        QTimer::singleShot(0, this, [this, error] {
            Response r;
            r.error = error;
            finish(std::move(r));
        });
    }
    void abort() override { }
};

} // namespace

// ---------------------------------------------------------------------------------------------
// ApiClient

ApiClient::ApiClient(const ClientConfig &config, QObject *parent)
    : QObject(parent)
    , m_config(config)
    , m_token(config.token)
{
    if (!parseEndpoint(config, &m_endpoint, &m_setupError))
        return;
    if (!config.tokenFile.isEmpty()) {
        QFile file(config.tokenFile);
        if (!file.open(QIODevice::ReadOnly)) {
            m_setupError = QStringLiteral("Error loading token file: open %1: %2")
                               .arg(config.tokenFile,
                                   file.error() == QFileDevice::OpenError && !file.exists()
                                       ? QStringLiteral("no such file or directory")
                                       : file.errorString().toLower());
            return;
        }
        const QString token = QString::fromUtf8(file.readAll()).trimmed();
        if (!token.isEmpty())
            m_token = token;
    }
    m_nam = new QNetworkAccessManager(this);
    m_nam->setRedirectPolicy(QNetworkRequest::ManualRedirectPolicy);
}

ApiClient::~ApiClient() = default;

QByteArray ApiClient::encodedQuery(const Request &request) const
{
    // Go: url.Values with dc from the config, overridden by the request, encoded sorted by key.
    QList<QPair<QString, QString>> params = request.query;
    if (!m_config.datacenter.isEmpty() && !request.hasParam(QStringLiteral("dc")))
        params.append({ QStringLiteral("dc"), m_config.datacenter });
    std::stable_sort(
        params.begin(), params.end(), [](const auto &a, const auto &b) { return a.first < b.first; });
    QByteArray out;
    for (const auto &p : params) {
        if (!out.isEmpty())
            out += '&';
        out += escapeQueryComponent(p.first) + '=' + escapeQueryComponent(p.second);
    }
    return out;
}

QByteArray ApiClient::requestTarget(const Request &request) const
{
    QByteArray target = escapePath(m_endpoint.pathPrefix + request.path);
    const QByteArray query = encodedQuery(request);
    if (!query.isEmpty())
        target += '?' + query;
    return target;
}

QString ApiClient::displayUrl(const Request &request) const
{
    const QString scheme = m_endpoint.scheme == u"https" ? QStringLiteral("https") : QStringLiteral("http");
    return scheme + QStringLiteral("://") + m_endpoint.hostPort + QString::fromUtf8(requestTarget(request));
}

ApiCall *ApiClient::send(const Request &request, bool stream)
{
    if (!isValid())
        return new FailedCall(m_setupError, this);

    HeaderList headers = request.headers;
    if (!m_token.isEmpty())
        headers.append({ "X-Consul-Token", m_token.toUtf8() });
    if (!m_config.httpAuth.isEmpty())
        headers.append({ "Authorization", "Basic " + m_config.httpAuth.toUtf8().toBase64() });
    if (!request.body.isEmpty() || !request.contentType.isEmpty())
        headers.append({ "Content-Type",
            request.contentType.isEmpty() ? QByteArray("application/json") : request.contentType });

    if (m_endpoint.scheme == u"unix") {
        QByteArray bytes = request.method + ' ' + requestTarget(request) + " HTTP/1.1\r\nHost: localhost\r\n";
        for (const auto &h : headers)
            bytes += h.first + ": " + h.second + "\r\n";
        bytes
            += "Content-Length: " + QByteArray::number(request.body.size()) + "\r\nConnection: close\r\n\r\n";
        bytes += request.body;
        return new UnixCall(
            m_endpoint.hostPort, bytes, stream, request.timeoutMs, displayUrl(request), request.method, this);
    }

    const QString scheme = m_endpoint.scheme;
    QUrl url = QUrl::fromEncoded(
        scheme.toUtf8() + "://" + m_endpoint.hostPort.toUtf8() + requestTarget(request), QUrl::StrictMode);
    QNetworkRequest nr(url);
    nr.setAttribute(QNetworkRequest::CacheLoadControlAttribute, QNetworkRequest::AlwaysNetwork);
    nr.setAttribute(QNetworkRequest::Http2AllowedAttribute, false);
    nr.setTransferTimeout(0);
    for (const auto &h : headers)
        nr.setRawHeader(h.first, h.second);
    if (scheme == u"https") {
        QSslConfiguration ssl = QSslConfiguration::defaultConfiguration();
        if (m_config.insecureSkipVerify)
            ssl.setPeerVerifyMode(QSslSocket::VerifyNone);
        QList<QSslCertificate> cas;
        if (!m_config.caFile.isEmpty())
            cas += QSslCertificate::fromPath(m_config.caFile);
        if (!m_config.caPath.isEmpty())
            cas += QSslCertificate::fromPath(
                m_config.caPath + QStringLiteral("/*"), QSsl::Pem, QSslCertificate::PatternSyntax::Wildcard);
        if (!cas.isEmpty())
            ssl.setCaCertificates(cas);
        if (!m_config.clientCert.isEmpty() && !m_config.clientKey.isEmpty()) {
            const QList<QSslCertificate> certs = QSslCertificate::fromPath(m_config.clientCert);
            QFile keyFile(m_config.clientKey);
            if (!certs.isEmpty() && keyFile.open(QIODevice::ReadOnly)) {
                const QByteArray pem = keyFile.readAll();
                QSslKey key(pem, QSsl::Rsa);
                if (key.isNull())
                    key = QSslKey(pem, QSsl::Ec);
                ssl.setLocalCertificate(certs.first());
                ssl.setPrivateKey(key);
            }
        }
        nr.setSslConfiguration(ssl);
        if (!m_config.tlsServerName.isEmpty())
            nr.setPeerVerifyName(m_config.tlsServerName.section(u':', 0, 0));
    }
    QNetworkReply *reply = m_nam->sendCustomRequest(nr, request.method, request.body);
    return new NetworkCall(
        reply, stream, request.timeoutMs, displayUrl(request), request.method, m_endpoint.hostPort, this);
}

void ApiClient::send(const Request &request, QObject *context, std::function<void(const Response &)> done)
{
    ApiCall *c = send(request, false);
    connect(c, &ApiCall::finished, context, [done = std::move(done)](const Response &r) { done(r); });
}

Response ApiClient::call(const Request &request)
{
    Response result;
    QEventLoop loop;
    ApiCall *c = send(request, false);
    connect(c, &ApiCall::finished, &loop, [&](const Response &r) {
        result = r;
        loop.quit();
    });
    loop.exec();
    return result;
}

} // namespace qonsul::client

#include "checks/DockerRunner.h"
#include "checks/HttpResponse.h"

#include <QJsonArray>
#include <QJsonDocument>
#include <QJsonObject>
#include <QLocalSocket>
#include <QTcpSocket>
#include <QUrl>

#include <utility>

namespace qonsul::checks {

namespace {
constexpr qsizetype kMaxResponse = 1 << 20; // create / inspect answers are tiny JSON objects

QString defaultShell()
{
    const QString shell = qEnvironmentVariable("SHELL");
    return shell.isEmpty() ? QStringLiteral("/bin/sh") : shell;
}
} // namespace

DockerRunner::DockerRunner(Clock *clock, const CheckSpec &spec, int outputMaxSize, Notify notify)
    : CheckRunner(clock, spec.effectiveInterval(), spec.effectiveTimeout(), std::move(notify))
    , m_container(spec.dockerContainerId)
    , m_outputMaxSize(outputMaxSize)
{
    if (!spec.args.isEmpty())
        m_cmd = spec.args;
    else
        m_cmd = {spec.shell.isEmpty() ? defaultShell() : spec.shell, QStringLiteral("-c"), spec.script};
    m_host = qEnvironmentVariable("DOCKER_HOST");
    if (m_host.isEmpty())
        m_host = QStringLiteral("unix:///var/run/docker.sock");
}

DockerRunner::~DockerRunner()
{
    stop();
}

void DockerRunner::begin()
{
    m_output = std::make_unique<TailBuffer>(m_outputMaxSize);
    m_execId.clear();
    const QJsonObject create{{QStringLiteral("AttachStdin"), false}, {QStringLiteral("AttachStdout"), true},
                             {QStringLiteral("AttachStderr"), true}, {QStringLiteral("Tty"), false},
                             {QStringLiteral("Cmd"), QJsonArray::fromStringList(m_cmd)}};
    request("POST", QStringLiteral("/containers/%1/exec").arg(QString::fromLatin1(QUrl::toPercentEncoding(m_container))),
            QJsonDocument(create).toJson(QJsonDocument::Compact), QStringLiteral("create exec"),
            [this](const Response &r) { created(r); });
}

void DockerRunner::request(const QByteArray &method, const QString &path, const QByteArray &body, const QString &what,
                           Handler onDone)
{
    m_raw.clear();
    m_frames.clear();
    m_frameLeft = 0;
    m_streaming = m_multiplexed = m_sniffed = false;
    m_onDone = std::move(onDone);
    m_what = what;
    QByteArray req = method + ' ' + path.toUtf8() + " HTTP/1.1\r\nHost: docker\r\nUser-Agent: Consul Health Check\r\n";
    if (!body.isEmpty())
        req += "Content-Type: application/json\r\nContent-Length: " + QByteArray::number(body.size()) + "\r\n";
    req += "Connection: close\r\n\r\n" + body;

    const qsizetype sep = m_host.indexOf(u"://");
    const QString proto = sep < 0 ? QString() : m_host.left(sep);
    const QString addr = sep < 0 ? QString() : m_host.mid(sep + 3);
    const QString goUrl = QStringLiteral("%1 \"http://docker%2\"")
                              .arg(QString::fromLatin1(method.left(1) + method.mid(1).toLower()), path);
    auto dialError = [this, goUrl, proto, addr](const QString &reason) {
        fail(QStringLiteral("%1 failed for container %2: %3: dial %4 %5: connect: %6")
                 .arg(m_what, m_container, goUrl, proto, addr, reason));
    };
    if (proto == u"unix") {
        auto *s = new QLocalSocket(this);
        m_socket = s;
        QObject::connect(s, &QLocalSocket::connected, this, [s, req] { s->write(req); });
        QObject::connect(s, &QLocalSocket::readyRead, this, [this, s] { received(s->readAll()); });
        QObject::connect(s, &QLocalSocket::disconnected, this, [this] { closed(); });
        QObject::connect(s, &QLocalSocket::errorOccurred, this, [this, s, dialError](QLocalSocket::LocalSocketError e) {
            if (e == QLocalSocket::PeerClosedError || m_socket != s)
                return;
            if (e == QLocalSocket::ServerNotFoundError)
                dialError(QStringLiteral("no such file or directory"));
            else if (e == QLocalSocket::ConnectionRefusedError)
                dialError(QStringLiteral("connection refused"));
            else if (e == QLocalSocket::SocketAccessError)
                dialError(QStringLiteral("permission denied"));
            else
                dialError(s->errorString());
        });
        s->connectToServer(addr);
    } else if (proto == u"tcp") {
        QString host;
        quint16 port = 0;
        if (!splitHostPort(QUrl(QStringLiteral("tcp://") + addr).authority(), &host, &port)) {
            fail(QStringLiteral("unable to parse docker host `%1`").arg(m_host));
            return;
        }
        auto *s = new QTcpSocket(this);
        m_socket = s;
        QObject::connect(s, &QTcpSocket::connected, this, [s, req] { s->write(req); });
        QObject::connect(s, &QTcpSocket::readyRead, this, [this, s] { received(s->readAll()); });
        QObject::connect(s, &QTcpSocket::disconnected, this, [this] { closed(); });
        QObject::connect(s, &QTcpSocket::errorOccurred, this, [this, s, dialError](QAbstractSocket::SocketError e) {
            if (e == QAbstractSocket::RemoteHostClosedError || m_socket != s)
                return;
            dialError(e == QAbstractSocket::ConnectionRefusedError ? QStringLiteral("connection refused") : s->errorString());
        });
        s->connectToHost(host, port);
    } else {
        fail(sep < 0 ? QStringLiteral("unable to parse docker host `%1`").arg(m_host)
                     : QStringLiteral("protocol not available: %1").arg(proto));
    }
}

void DockerRunner::received(const QByteArray &data)
{
    if (!m_streaming) {
        m_raw += data;
        HttpResponseHead head;
        // exec start answers 200 and then the command's output until it exits: stream it.
        if (m_what == u"start exec" && parseResponseHead(m_raw, &head) == HttpResponseHead::State::Complete
            && head.status == 200) {
            m_streaming = true;
            m_multiplexed = head.header("Content-Type").contains("multiplexed");
            m_sniffed = m_multiplexed;
            const QByteArray rest = m_raw.mid(head.bodyStart);
            m_raw.clear();
            received(rest);
        } else if (m_raw.size() > kMaxResponse) {
            fail(QStringLiteral("%1 failed for container %2: response too large").arg(m_what, m_container));
        }
        return;
    }
    m_frames += data;
    // Older daemons label the multiplexed stream "raw-stream": a frame header gives it away.
    if (!m_sniffed) {
        if (m_frames.size() < 8)
            return;
        m_multiplexed = quint8(m_frames.at(0)) <= 2 && m_frames.at(1) == 0 && m_frames.at(2) == 0 && m_frames.at(3) == 0;
        m_sniffed = true;
    }
    if (!m_multiplexed) {
        m_output->write(std::exchange(m_frames, {}));
        return;
    }
    // [stream type, 0, 0, 0, size (32-bit big-endian)] + payload; stdout and stderr both count.
    // A payload is written as it arrives (the output buffer keeps only its tail), so a frame
    // that declares gigabytes never gets buffered whole.
    while (!m_frames.isEmpty()) {
        if (m_frameLeft == 0) {
            if (m_frames.size() < 8)
                return;
            m_frameLeft = (quint32(quint8(m_frames.at(4))) << 24) | (quint32(quint8(m_frames.at(5))) << 16)
                | (quint32(quint8(m_frames.at(6))) << 8) | quint32(quint8(m_frames.at(7)));
            m_frames.remove(0, 8);
            continue;
        }
        const qsizetype n = std::min<qsizetype>(m_frameLeft, m_frames.size());
        m_output->write(m_frames.left(n));
        m_frames.remove(0, n);
        m_frameLeft -= quint32(n);
    }
}

void DockerRunner::closed()
{
    if (!m_socket)
        return;
    if (m_socket->bytesAvailable() > 0)
        received(m_socket->readAll());
    QIODevice *s = std::exchange(m_socket, nullptr);
    if (!s) // received() failed the check
        return;
    s->disconnect(this);
    s->deleteLater();
    if (m_streaming) {
        if (!m_multiplexed)
            m_output->write(std::exchange(m_frames, {})); // fewer than 8 bytes: plain output
        m_onDone(Response{200, {}});
        return;
    }
    Response r;
    QByteArray headers;
    if (!parseHttpResponse(m_raw, &r.status, &headers, &r.body)) {
        fail(QStringLiteral("%1 failed for container %2: malformed HTTP response").arg(m_what, m_container));
        return;
    }
    m_onDone(r);
}

void DockerRunner::created(const Response &r)
{
    switch (r.status) {
    case 201: {
        QJsonParseError error;
        const QJsonDocument doc = QJsonDocument::fromJson(r.body, &error);
        m_execId = doc.object().value(QStringLiteral("Id")).toString();
        if (error.error != QJsonParseError::NoError || m_execId.isEmpty()) {
            fail(QStringLiteral("create exec response for container %1 cannot be parsed: %2")
                     .arg(m_container, error.error != QJsonParseError::NoError ? error.errorString()
                                                                                : QStringLiteral("no Id")));
            return;
        }
        const QJsonObject start{{QStringLiteral("Detach"), false}, {QStringLiteral("Tty"), false}};
        request("POST", QStringLiteral("/exec/%1/start").arg(m_execId), QJsonDocument(start).toJson(QJsonDocument::Compact),
                QStringLiteral("start exec"), [this](const Response &s) { started(s); });
        return;
    }
    case 404: fail(QStringLiteral("create exec failed for unknown container %1").arg(m_container)); return;
    case 409: fail(QStringLiteral("create exec failed since container %1 is paused or stopped").arg(m_container)); return;
    default:
        fail(QStringLiteral("create exec failed for container %1 with status %2: %3")
                 .arg(m_container)
                 .arg(r.status)
                 .arg(QString::fromUtf8(r.body)));
    }
}

void DockerRunner::started(const Response &r)
{
    switch (r.status) {
    case 200:
        request("GET", QStringLiteral("/exec/%1/json").arg(m_execId), {}, QStringLiteral("inspect exec"),
                [this](const Response &i) { inspected(i); });
        return;
    case 404: fail(QStringLiteral("start exec failed for container %1: invalid exec id %2").arg(m_container, m_execId)); return;
    case 409: fail(QStringLiteral("start exec failed since container %1 is paused or stopped").arg(m_container)); return;
    default:
        fail(QStringLiteral("start exec failed for container %1 with status %2: body: %3 err: <nil>")
                 .arg(m_container)
                 .arg(r.status)
                 .arg(QString::fromUtf8(r.body)));
    }
}

void DockerRunner::inspected(const Response &r)
{
    if (r.status == 404) {
        fail(QStringLiteral("inspect exec failed for container %1: invalid exec id %2").arg(m_container, m_execId));
        return;
    }
    if (r.status != 200) {
        fail(QStringLiteral("inspect exec failed for container %1 with status %2: %3")
                 .arg(m_container)
                 .arg(r.status)
                 .arg(QString::fromUtf8(r.body)));
        return;
    }
    QJsonParseError error;
    const QJsonObject o = QJsonDocument::fromJson(r.body, &error).object();
    if (error.error != QJsonParseError::NoError) {
        fail(QStringLiteral("inspect exec response for container %1 cannot be parsed: %2").arg(m_container, error.errorString()));
        return;
    }
    const int code = o.value(QStringLiteral("ExitCode")).toInt();
    finish({code == 0 ? QStringLiteral("passing") : code == 1 ? QStringLiteral("warning") : QStringLiteral("critical"),
            output()});
}

QString DockerRunner::output() const
{
    QString out = QString::fromUtf8(m_output->bytes());
    if (m_output->totalWritten() > m_output->size())
        out = QStringLiteral("Captured %1 of %2 bytes\n...\n%3").arg(m_output->size()).arg(m_output->totalWritten()).arg(out);
    return out;
}

void DockerRunner::fail(const QString &output)
{
    cancel();
    finish({QStringLiteral("critical"), output});
}

void DockerRunner::abort()
{
    fail(QStringLiteral("Timed out (%1) running check").arg(formatDuration(timeout())));
}

void DockerRunner::cancel()
{
    if (QIODevice *s = std::exchange(m_socket, nullptr)) {
        s->disconnect(this);
        s->close();
        s->deleteLater();
    }
}

} // namespace qonsul::checks

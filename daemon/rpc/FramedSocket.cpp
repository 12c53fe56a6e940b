#include "rpc/FramedSocket.h"

#include <QHostAddress>

using namespace Qt::StringLiterals;

namespace qonsul::rpc {

FramedSocket::FramedSocket(QTcpSocket *socket, QString datacenter, qsizetype maxFrameSize, QObject *parent)
    : QObject(parent)
    , m_socket(socket)
    , m_datacenter(std::move(datacenter))
    , m_decoder(maxFrameSize)
{
    m_socket->setParent(this);
    // Qt applies socket options only to a socket that exists: an outgoing one gets them once
    // connected (set earlier, they were silently dropped and Nagle delayed Raft's small frames).
    const auto setOptions = [socket] {
        socket->setSocketOption(QAbstractSocket::LowDelayOption, 1);
        socket->setSocketOption(QAbstractSocket::KeepAliveOption, 1);
    };
    if (socket->state() == QAbstractSocket::ConnectedState)
        setOptions();
    else
        connect(m_socket, &QTcpSocket::connected, this, setOptions);
    connect(m_socket, &QTcpSocket::readyRead, this, &FramedSocket::onReadyRead);
    connect(m_socket, &QTcpSocket::disconnected, this, [this] {
        // Bytes of an unfinished frame left in the buffer: the peer truncated it.
        if (!m_closed && m_decoder.buffered()) {
            const QString reason = u"connection closed inside a frame (truncated after %1 bytes)"_s.arg(m_decoder.buffered());
            Q_EMIT refused(reason);
            finish(reason);
            return;
        }
        finish(QString());
    });
    connect(m_socket, &QTcpSocket::errorOccurred, this, [this](QAbstractSocket::SocketError error) {
        if (error == QAbstractSocket::RemoteHostClosedError)
            return; // `disconnected` follows and tells whether a frame was cut short
        finish(m_socket->errorString());
    });
}

FramedSocket::~FramedSocket()
{
    m_closed = true; // no signals from a half-destroyed object
    m_socket->disconnect(this);
    m_socket->abort();
}

void FramedSocket::send(Frame frame)
{
    if (m_closed)
        return;
    frame.version = kProtocolVersion;
    frame.datacenter = m_datacenter;
    m_socket->write(encodeFrame(frame));
    // Sent now rather than when the event loop next polls the write notifier: a leader sends its
    // AppendEntries and then writes (fsyncs) its own log in the same turn, and a deferred send
    // would start the followers' fsync only after the leader's instead of beside it.
    if (m_socket->state() == QAbstractSocket::ConnectedState)
        m_socket->flush();
}

void FramedSocket::refuse(const QString &reason, quint64 id)
{
    if (m_closed)
        return;
    Frame error;
    error.type = FrameType::Error;
    error.id = id;
    error.body = reason;
    send(error);
    m_socket->flush();
    Q_EMIT refused(reason);
    m_socket->disconnectFromHost(); // after the queued bytes are written
    finish(reason);
}

void FramedSocket::close()
{
    if (m_closed)
        return;
    m_socket->disconnectFromHost();
    finish(QString());
}

qint64 FramedSocket::bytesToWrite() const
{
    return m_socket->bytesToWrite();
}

QString FramedSocket::peer() const
{
    return u"%1:%2"_s.arg(m_socket->peerAddress().toString()).arg(m_socket->peerPort());
}

void FramedSocket::onReadyRead()
{
    if (m_closed)
        return;
    m_decoder.feed(m_socket->readAll());
    QPointer<FramedSocket> self(this);
    while (self && !m_closed) {
        Frame frame;
        QString error;
        switch (m_decoder.next(&frame, &error)) {
        case FrameDecoder::Status::NeedMore:
            return;
        case FrameDecoder::Status::Error:
            refuse(error);
            return;
        case FrameDecoder::Status::Frame:
            if (frame.type != FrameType::Error && frame.datacenter != m_datacenter) {
                refuse(u"frame for datacenter \"%1\" reached a server of datacenter \"%2\""_s.arg(frame.datacenter, m_datacenter),
                       frame.id);
                return;
            }
            Q_EMIT frameReceived(frame);
            break;
        }
    }
}

void FramedSocket::finish(const QString &reason)
{
    if (m_closed)
        return;
    m_closed = true;
    Q_EMIT closed(reason);
}

} // namespace qonsul::rpc

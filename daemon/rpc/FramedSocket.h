#pragma once
// A TCP connection that carries frames (Frame.h), for both ends of the server RPC: decodes what
// arrives, checks the datacenter, and reports frames, refusals and the close. A refused frame
// (oversized, malformed, unknown type or version, another datacenter) is answered with an Error
// frame naming the reason, then the connection closes: after a bad length the stream cannot be
// resynchronised.
#include <QObject>
#include <QPointer>
#include <QTcpSocket>

#include "rpc/Frame.h"

namespace qonsul::rpc {

class FramedSocket : public QObject
{
    Q_OBJECT
public:
    // Takes ownership of `socket` (connected or connecting).
    FramedSocket(QTcpSocket *socket, QString datacenter, qsizetype maxFrameSize, QObject *parent = nullptr);
    ~FramedSocket() override;

    // Stamps version and datacenter, queues the frame (the socket sends once connected).
    void send(Frame frame);
    // Sends an Error frame with `reason`, then closes.
    void refuse(const QString &reason, quint64 id = 0);
    void close();

    bool isOpen() const { return !m_closed; }
    qint64 bytesToWrite() const;
    QString peer() const; // "ip:port"
    QTcpSocket *socket() const { return m_socket; }

Q_SIGNALS:
    void frameReceived(const qonsul::rpc::Frame &frame);
    // This end refused what the peer sent (and is closing).
    void refused(const QString &reason);
    // Emitted once when the connection is gone; `reason` is empty after a clean close.
    void closed(const QString &reason);

private:
    void onReadyRead();
    void finish(const QString &reason);

    QTcpSocket *m_socket;
    QString m_datacenter;
    FrameDecoder m_decoder;
    bool m_closed = false;
};

} // namespace qonsul::rpc

#pragma once
// The server RPC wire format on the server port (8300): every message is one frame,
//   [payload length: 4 bytes, big-endian][payload: one CBOR map]
// with the map's integer keys
//   0 version  protocol version of the sender (a receiver accepts any version >= kMinVersion and
//              ignores keys it does not know, so newer servers can talk to older ones)
//   1 type     FrameType
//   2 dc       the sender's datacenter (frames for another datacenter are refused)
//   3 id       request id, echoed in the Response or Error (0 for one-way frames)
//   4 body     type-specific CBOR value
// Anything else — a length above the receiver's limit, bytes that are not a CBOR map, a missing
// or unknown type, an unsupported version — makes the receiver refuse the frame: it answers with
// an Error frame naming the reason and closes the connection (framing is lost after that).
#include <QByteArray>
#include <QCborValue>
#include <QString>

namespace qonsul::rpc {

constexpr quint32 kProtocolVersion = 1;
constexpr quint32 kMinVersion = 1;
constexpr qsizetype kHeaderSize = 4;
// Large enough for InstallSnapshot of a sizeable state (the snapshot travels in one frame).
constexpr qsizetype kDefaultMaxFrameSize = 64 * 1024 * 1024;

enum class FrameType : quint8 {
    Raft = 1,     // one raft::Message (RaftCodec), one-way
    Request = 2,  // body: {0: method name, 1: arguments}; answered by Response or Error
    Response = 3, // body: the result
    Error = 4,    // body: the reason (string); id 0 when the whole connection is refused
};
bool isKnownFrameType(quint64 type);

struct Frame
{
    quint32 version = kProtocolVersion;
    FrameType type = FrameType::Error;
    QString datacenter;
    quint64 id = 0;
    QCborValue body;
};

// Header plus payload, ready for the socket.
QByteArray encodeFrame(const Frame &frame);

// Splits a byte stream into frames. After an error it stays failed: the stream has no
// resynchronisation point, so the connection must be closed.
class FrameDecoder
{
public:
    enum class Status { NeedMore, Frame, Error };

    explicit FrameDecoder(qsizetype maxFrameSize = kDefaultMaxFrameSize) : m_max(maxFrameSize) {}

    void feed(const QByteArray &bytes) { m_buffer.append(bytes); }
    // Takes the next complete frame out of the buffer. NeedMore when it is incomplete (a
    // truncated frame stays NeedMore until the peer closes: the caller reports it then).
    Status next(Frame *frame, QString *error);
    qsizetype buffered() const { return m_buffer.size() - m_offset; }
    bool failed() const { return m_failed; }

private:
    QByteArray m_buffer;
    qsizetype m_offset = 0;
    qsizetype m_max;
    bool m_failed = false;
};

} // namespace qonsul::rpc

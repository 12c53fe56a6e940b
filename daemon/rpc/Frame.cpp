#include "rpc/Frame.h"

#include <QCborMap>
#include <QtEndian>

using namespace Qt::StringLiterals;

namespace qonsul::rpc {

namespace {
enum Key : int { KeyVersion = 0, KeyType = 1, KeyDc = 2, KeyId = 3, KeyBody = 4 };
}

bool isKnownFrameType(quint64 type)
{
    return type >= quint64(FrameType::Raft) && type <= quint64(FrameType::Error);
}

QByteArray encodeFrame(const Frame &frame)
{
    QCborMap map;
    map.insert(KeyVersion, qint64(frame.version));
    map.insert(KeyType, qint64(frame.type));
    if (!frame.datacenter.isEmpty())
        map.insert(KeyDc, frame.datacenter);
    if (frame.id)
        map.insert(KeyId, qint64(frame.id));
    if (!frame.body.isUndefined())
        map.insert(KeyBody, frame.body);
    const QByteArray payload = QCborValue(map).toCbor();
    QByteArray out(kHeaderSize, Qt::Uninitialized);
    qToBigEndian(quint32(payload.size()), out.data());
    out.append(payload);
    return out;
}

FrameDecoder::Status FrameDecoder::next(Frame *frame, QString *error)
{
    auto fail = [&](const QString &why) {
        m_failed = true;
        m_buffer.clear();
        m_offset = 0;
        *error = why;
        return Status::Error;
    };
    if (m_failed) {
        *error = u"connection already failed"_s;
        return Status::Error;
    }
    if (buffered() < kHeaderSize)
        return Status::NeedMore;
    const quint32 length = qFromBigEndian<quint32>(m_buffer.constData() + m_offset);
    if (length == 0)
        return fail(u"empty frame"_s);
    if (qsizetype(length) > m_max)
        return fail(u"frame of %1 bytes exceeds the limit of %2 bytes"_s.arg(length).arg(m_max));
    if (buffered() < kHeaderSize + qsizetype(length))
        return Status::NeedMore;
    const QByteArray payload = m_buffer.mid(m_offset + kHeaderSize, length);
    m_offset += kHeaderSize + length;
    // Compact once the consumed prefix dominates, so a long-lived connection does not grow.
    if (m_offset > 65536 && m_offset * 2 > m_buffer.size()) {
        m_buffer.remove(0, m_offset);
        m_offset = 0;
    }
    QCborParserError parseError;
    const QCborValue value = QCborValue::fromCbor(payload, &parseError);
    if (parseError.error != QCborError::NoError)
        return fail(u"malformed frame: %1"_s.arg(parseError.errorString()));
    if (!value.isMap())
        return fail(u"malformed frame: not a CBOR map"_s);
    const QCborMap map = value.toMap();
    const QCborValue version = map.value(KeyVersion);
    const QCborValue type = map.value(KeyType);
    if (!version.isInteger() || version.toInteger() < qint64(kMinVersion) || version.toInteger() > 0xffffffffLL)
        return fail(u"unsupported protocol version %1"_s.arg(version.isInteger() ? QString::number(version.toInteger()) : u"(none)"_s));
    if (!type.isInteger() || type.toInteger() < 0 || !isKnownFrameType(quint64(type.toInteger())))
        return fail(u"unknown frame type %1"_s.arg(type.isInteger() ? QString::number(type.toInteger()) : u"(none)"_s));
    const QCborValue dc = map.value(KeyDc);
    const QCborValue id = map.value(KeyId);
    if ((!dc.isUndefined() && !dc.isString()) || (!id.isUndefined() && (!id.isInteger() || id.toInteger() < 0)))
        return fail(u"malformed frame header"_s);
    frame->version = quint32(version.toInteger());
    frame->type = FrameType(type.toInteger());
    frame->datacenter = dc.toString();
    frame->id = quint64(id.toInteger());
    frame->body = map.value(KeyBody);
    return Status::Frame;
}

} // namespace qonsul::rpc

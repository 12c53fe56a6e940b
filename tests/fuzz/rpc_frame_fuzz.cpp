// libFuzzer harness for the server RPC decoders: the input is a byte stream from a peer, fed to
// the frame decoder in pieces whose sizes the input's first byte chooses. Besides memory and UB
// errors it checks, and aborts when one is broken:
//  - every decoded frame re-encodes to bytes that decode to the same frame;
//  - a Raft frame body that decodes as a raft::Message re-encodes to one that decodes equal;
//  - after an error the decoder stays failed.
#include "rpc/Frame.h"
#include "rpc/RaftCodec.h"

#include <QCborArray>

#include <cstdint>
#include <cstdio>
#include <cstdlib>

using namespace qonsul;
using namespace qonsul::rpc;

namespace {

void require(bool ok, const char *what)
{
    if (!ok) {
        std::fprintf(stderr, "rpc_frame_fuzz: broken promise: %s\n", what);
        std::abort();
    }
}

bool sameMessage(const raft::Message &a, const raft::Message &b)
{
    return a.type == b.type && a.from == b.from && a.to == b.to && a.term == b.term && a.prevLogIndex == b.prevLogIndex
        && a.prevLogTerm == b.prevLogTerm && a.entries == b.entries && a.leaderCommit == b.leaderCommit
        && a.stamp == b.stamp && a.round == b.round && a.success == b.success && a.matchIndex == b.matchIndex
        && a.rejectIndex == b.rejectIndex && a.conflictIndex == b.conflictIndex && a.conflictTerm == b.conflictTerm
        && a.lastLogIndex == b.lastLogIndex && a.lastLogTerm == b.lastLogTerm && a.preVote == b.preVote
        && a.leadershipTransfer == b.leadershipTransfer && a.snapshot.index == b.snapshot.index
        && a.snapshot.term == b.snapshot.term && a.snapshot.configuration == b.snapshot.configuration
        && a.snapshotData == b.snapshotData;
}

void checkFrame(const Frame &frame)
{
    FrameDecoder again;
    again.feed(encodeFrame(frame));
    Frame copy;
    QString error;
    require(again.next(&copy, &error) == FrameDecoder::Status::Frame, "re-encoded frame decodes");
    require(copy.type == frame.type && copy.id == frame.id && copy.datacenter == frame.datacenter
                && copy.version == frame.version && copy.body.toCbor() == frame.body.toCbor(), // NaN != NaN
            "re-encoded frame is the same");
    if (frame.type != FrameType::Raft)
        return;
    raft::Message message;
    const QCborValue inner = frame.body.isArray() ? frame.body.toArray().at(0) : frame.body;
    if (!decodeRaftMessage(inner, &message, &error))
        return;
    raft::Message back;
    require(decodeRaftMessage(QCborValue::fromCbor(encodeRaftMessage(message).toCbor()), &back, &error),
            "re-encoded raft message decodes");
    require(sameMessage(message, back), "re-encoded raft message is the same");
}

} // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    if (size == 0)
        return 0;
    const qsizetype piece = 1 + data[0] % 64;
    const QByteArray stream(reinterpret_cast<const char *>(data + 1), qsizetype(size - 1));
    FrameDecoder decoder(1 << 20);
    bool failed = false;
    for (qsizetype at = 0; at < stream.size() && !failed; at += piece) {
        decoder.feed(stream.mid(at, piece));
        for (;;) {
            Frame frame;
            QString error;
            const auto status = decoder.next(&frame, &error);
            if (status == FrameDecoder::Status::NeedMore)
                break;
            if (status == FrameDecoder::Status::Error) {
                require(!error.isEmpty(), "errors have a reason");
                failed = true;
                break;
            }
            checkFrame(frame);
        }
    }
    if (failed) {
        Frame frame;
        QString error;
        decoder.feed(QByteArray(8, '\0'));
        require(decoder.next(&frame, &error) == FrameDecoder::Status::Error, "a failed decoder stays failed");
    }
    return 0;
}

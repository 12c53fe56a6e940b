// libFuzzer harness for the gossip wire codecs: the input is one packet, one stream message, one
// Serf payload and one tag map at once. Besides memory and UB errors it checks, and aborts when
// one is broken: whatever decodes re-encodes to bytes that decode again to the same encoding
// (nothing is lost or invented on the way through a member).
#include "gossip/Messages.h"
#include "gossip/Serf.h"
#include "gossip/SerfMessages.h"

#include <cstdint>
#include <cstdio>
#include <cstdlib>

using namespace qonsul::gossip;

namespace {

void require(bool ok, const char *what)
{
    if (!ok) {
        std::fprintf(stderr, "gossip_fuzz: broken promise: %s\n", what);
        std::abort();
    }
}

} // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    const QByteArray input(reinterpret_cast<const char *>(data), qsizetype(size));

    if (const auto packet = decodePacket(input)) {
        QList<QByteArray> parts;
        for (const Message &m : *packet)
            parts.append(encodeMessage(m));
        const QByteArray again = encodePacket(parts);
        const auto decoded = decodePacket(again);
        require(decoded && decoded->size() == packet->size(), "a decoded packet re-encodes to one that decodes");
        for (qsizetype i = 0; i < parts.size(); ++i)
            require(encodeMessage(decoded->at(i)) == parts.at(i), "packet messages survive a round trip");
    }
    if (const auto message = decodeMessage(input)) {
        const QByteArray bytes = encodeMessage(*message);
        const auto again = decodeMessage(bytes);
        require(again && encodeMessage(*again) == bytes, "stream messages survive a round trip");
    }
    if (const auto serf = decodeSerfMessage(input)) {
        const QByteArray bytes = encodeSerfMessage(*serf);
        const auto again = decodeSerfMessage(bytes);
        require(again && encodeSerfMessage(*again).size() == bytes.size(), "Serf messages survive a round trip");
    }
    const auto tags = decodeTags(input);
    require(decodeTags(encodeTags(tags)) == tags, "tags survive a round trip");
    return 0;
}

// Fuzz harness for the HTTP request parser. Beyond "no crash, no sanitizer report" it checks:
// - the result is well-formed for its status (consumed, status codes, request fields);
// - the incremental parser, fed the same bytes in pseudo-random pieces, reaches the same result
//   as one parseRequest() call over all of them;
// - a Complete request is NeedMore when its last byte is missing;
// - parsing a pipeline of requests always makes progress;
// - query and percent decoding never grow their input.
#include "http/HttpParser.h"

#include <cstdint>
#include <cstdio>
#include <cstdlib>

using namespace qonsul::http;

namespace {

[[noreturn]] void violated(const char *what, int line)
{
    std::fprintf(stderr, "http_parser_fuzz: invariant violated at line %d: %s\n", line, what);
    std::abort();
}

#define FUZZ_CHECK(cond)                                                                                     \
    do {                                                                                                     \
        if (!(cond))                                                                                         \
            violated(#cond, __LINE__);                                                                       \
    } while (0)

uint64_t fnv1a(const uint8_t *data, size_t size)
{
    uint64_t h = 1469598103934665603ull;
    for (size_t i = 0; i < size; ++i)
        h = (h ^ data[i]) * 1099511628211ull;
    return h;
}

bool sameRequest(const HttpRequest &a, const HttpRequest &b)
{
    return a.method == b.method && a.target == b.target && a.path == b.path && a.query == b.query
        && a.headers == b.headers && a.body == b.body && a.minorVersion == b.minorVersion
        && a.keepAlive == b.keepAlive;
}

void checkWellFormed(const ParseResult &r, qsizetype size)
{
    switch (r.status) {
    case ParseStatus::Complete:
        FUZZ_CHECK(r.consumed > 0 && r.consumed <= size);
        FUZZ_CHECK(r.httpStatus == 0);
        FUZZ_CHECK(!r.request.method.isEmpty());
        FUZZ_CHECK(!r.request.target.isEmpty());
        FUZZ_CHECK(!r.request.path.isEmpty());
        FUZZ_CHECK(r.request.minorVersion >= 0 && r.request.minorVersion <= 9);
        FUZZ_CHECK(r.request.body.size() < r.consumed);
        for (const auto &h : r.request.headers) {
            FUZZ_CHECK(!h.first.isEmpty());
            for (const char c : h.first)
                FUZZ_CHECK(!(c >= 'A' && c <= 'Z'));
            for (const char c : h.second)
                FUZZ_CHECK(c != '\r' && c != '\n' && c != '\0');
        }
        break;
    case ParseStatus::NeedMore:
        FUZZ_CHECK(r.consumed == 0);
        FUZZ_CHECK(r.httpStatus == 0);
        break;
    case ParseStatus::Malformed:
        FUZZ_CHECK(r.consumed == 0);
        FUZZ_CHECK(r.httpStatus == 400 || r.httpStatus == 413 || r.httpStatus == 414 || r.httpStatus == 417
            || r.httpStatus == 431 || r.httpStatus == 501 || r.httpStatus == 505);
        FUZZ_CHECK(!r.error.isEmpty());
        break;
    }
}

// Feeds the bytes in pieces, dropping what each call consumed, as the connection does.
ParseResult parseInPieces(QByteArrayView bytes, const HttpLimits &limits, uint64_t seed)
{
    HttpRequestParser parser(limits);
    QByteArray pending;
    qsizetype offset = 0;
    qsizetype total = 0;
    int continues = 0;
    ParseResult r;
    while (true) {
        seed = seed * 6364136223846793005ull + 1442695040888963407ull;
        const int mode = int(seed >> 60);
        const qsizetype piece = mode < 4 ? 1
            : mode < 12                  ? qsizetype((seed >> 32) % 64)
                                         : qsizetype((seed >> 32) % 4096);
        const qsizetype n = qMin(piece, bytes.size() - offset);
        pending.append(bytes.sliced(offset, n));
        offset += n;
        r = parser.parse(pending);
        FUZZ_CHECK(r.consumed >= 0 && r.consumed <= pending.size());
        pending.remove(0, r.consumed);
        total += r.consumed;
        if (r.expectContinue) {
            ++continues;
            FUZZ_CHECK(r.headComplete);
        }
        FUZZ_CHECK(continues <= 1);
        if (r.status != ParseStatus::NeedMore || offset == bytes.size())
            break;
    }
    if (r.status == ParseStatus::Complete) {
        r.consumed = total;
        FUZZ_CHECK(!parser.inProgress());
    } else {
        r.consumed = 0;
    }
    return r;
}

} // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    if (size > 1024 * 1024)
        return 0;
    const uint64_t hash = fnv1a(data, size);
    const QByteArrayView bytes(reinterpret_cast<const char *>(data), qsizetype(size));

    // Small limits half the time, so every limit is within reach of short inputs.
    HttpLimits limits;
    if (hash & 1) {
        limits.maxHeaderBytes = 256;
        limits.maxHeaderCount = 6;
        limits.maxBodyBytes = 64;
    }
    if (hash & 2) {
        limits.bodyLimit = [](const HttpRequest &head) -> qsizetype {
            FUZZ_CHECK(head.body.isEmpty());
            return head.path.startsWith(u"/kv") ? 16 : -1;
        };
    }

    const ParseResult whole = parseRequest(bytes, limits);
    checkWellFormed(whole, bytes.size());

    // Same outcome however the bytes arrive.
    const ParseResult pieces = parseInPieces(bytes, limits, hash);
    FUZZ_CHECK(pieces.status == whole.status);
    FUZZ_CHECK(pieces.httpStatus == whole.httpStatus);
    FUZZ_CHECK(pieces.consumed == whole.consumed);
    if (whole.status == ParseStatus::Complete)
        FUZZ_CHECK(sameRequest(pieces.request, whole.request));

    // A complete request needs its last byte.
    if (whole.status == ParseStatus::Complete) {
        const ParseResult cut = parseRequest(bytes.first(whole.consumed - 1), limits);
        FUZZ_CHECK(cut.status == ParseStatus::NeedMore);
    }

    // A pipeline always makes progress.
    QByteArrayView rest = bytes;
    for (int i = 0; i < 64 && !rest.isEmpty(); ++i) {
        const ParseResult r = parseRequest(rest, limits);
        checkWellFormed(r, rest.size());
        if (r.status != ParseStatus::Complete)
            break;
        rest = rest.sliced(r.consumed);
    }

    // Decoders.
    QByteArray out;
    if (percentDecode(bytes, out, (hash & 4) != 0))
        FUZZ_CHECK(out.size() <= bytes.size());
    const auto query = parseQuery(bytes);
    FUZZ_CHECK(query.size() <= (bytes.size() + 1) / 2); // each pair takes a byte and a separator
    return 0;
}

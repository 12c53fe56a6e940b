#pragma once
// HTTP/1.x request parsing: a pure function over bytes (parseRequest) and the incremental parser
// the connection uses (HttpRequestParser), which share one implementation. Neither does I/O.
#include "http/HttpMessage.h"

#include <functional>

namespace qonsul::http {

struct HttpLimits
{
    // Request line plus header fields, terminators included. A request line alone over this is
    // 414; a head over it 431. Chunked trailers are held to the same limit.
    qsizetype maxHeaderBytes = 64 * 1024;
    int maxHeaderCount = 100; // header fields per request (and trailer fields); more is 431
    qsizetype maxBodyBytes = 32 * 1024 * 1024; // decoded body; more is 413
    // Optional per-request body limit decided from the head (method, path, headers; no body).
    // Called once per request that declares a body (Content-Length > 0 or chunked). A result
    // >= 0 replaces maxBodyBytes for that request (it may be larger or smaller); < 0 keeps it.
    // A Content-Length over the limit is 413 as soon as the head is parsed: the body is never read.
    std::function<qsizetype(const HttpRequest &head)> bodyLimit;
    int idleTimeoutMs = 120000; // no request in progress (and none being answered); <= 0: never
    int headerTimeoutMs = 10000; // a started request head must complete within this; <= 0: never
    // Header fields every answer of the handler carries, after its own, unless it set a field of
    // that name itself (http_config.response_headers; with translate_wan_addrs,
    // X-Consul-Translate-Addresses). Not on the connection's own error replies.
    HeaderList responseHeaders;
};

enum class ParseStatus
{
    Complete,
    NeedMore,
    Malformed
};

struct ParseResult
{
    ParseStatus status = ParseStatus::NeedMore;
    // Malformed: the status to answer with before closing: 400, 413, 414, 417 (an Expect other
    // than 100-continue), 431, 501 (a transfer-coding other than chunked) or 505.
    int httpStatus = 0;
    QByteArray error; // Malformed: a short reason for the response body, e.g. "invalid header line"
    // parseRequest(): Complete: the request's length in bytes (head and framed body); else 0.
    // HttpRequestParser::parse(): how many leading bytes this call used up (any status).
    qsizetype consumed = 0;
    // Complete: the request (peer left empty). NeedMore with headComplete: the head, without body.
    HttpRequest request;
    bool headComplete = false; // NeedMore: the head is parsed; waiting for body bytes
    // NeedMore, reported by the call that completes the head: an HTTP/1.1 client sent
    // "Expect: 100-continue" and the body is still to come; answer "100 Continue" to get it.
    bool expectContinue = false;
};

// Parses the request at the start of `bytes` (anything after it, such as pipelined requests, is
// left alone). NeedMore: call again later with the same bytes and more appended.
ParseResult parseRequest(QByteArrayView bytes, const HttpLimits &limits);

// The same parser, resumable: each call gets the input that previous calls did not consume (so the
// caller can drop consumed bytes, and a large body is held once, decoded, not twice), plus anything
// new. Work per call is proportional to the new bytes. After Complete or Malformed it starts over
// with the next request. `limits` must outlive the parser.
class HttpRequestParser
{
public:
    explicit HttpRequestParser(const HttpLimits &limits);
    ParseResult parse(QByteArrayView bytes);
    void reset();
    // Some bytes of a request are parsed or pending (false right after a request completed).
    bool inProgress() const { return m_phase != Phase::Start || m_scanned > 0; }
    bool headComplete() const { return m_phase >= Phase::Body; }

private:
    enum class Phase
    {
        Start,
        Headers,
        Body,
        ChunkSize,
        ChunkData,
        ChunkDataEnd,
        Trailers
    };

    ParseResult fail(int status, const char *reason);
    bool parseRequestLine(QByteArrayView line, ParseResult &result);
    bool parseHeaderLine(QByteArrayView line, ParseResult &result);
    bool finishHead(ParseResult &result);
    qsizetype lineLimit() const;

    const HttpLimits *m_limits;
    Phase m_phase = Phase::Start;
    qsizetype m_scanned = 0; // bytes of the current (unterminated) line already searched
    qsizetype m_headBytes = 0; // bytes of the head (or trailers) consumed so far
    int m_fieldCount = 0;
    qsizetype m_bodyLimit = 0;
    qsizetype m_remaining = 0; // Content-Length bytes still to read, or bytes of the current chunk
    bool m_expectPending = false; // report expectContinue with the next NeedMore
    HttpRequest m_request; // head fields; the body collects in m_body
    QByteArray m_body;
};

// Percent-decodes `in` ("%41" -> "A"). With plusIsSpace, '+' decodes to ' ' (query components).
// Returns false (and leaves `out` unspecified) on a '%' not followed by two hex digits.
bool percentDecode(QByteArrayView in, QByteArray &out, bool plusIsSpace);

// Decodes a raw query like Go's url.ParseQuery: pairs split on '&', key and value on the first
// '=', '+' is a space; pairs containing ';' or a bad escape are dropped, and so are empty pairs.
QList<QPair<QString, QString>> parseQuery(QByteArrayView rawQuery);

} // namespace qonsul::http

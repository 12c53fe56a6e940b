#pragma once
// The one reader of HTTP/1.x responses for the checks that speak HTTP on sockets of their own
// (HTTP checks' plain connections, the Docker Engine API): the status line and headers, then
// the body by Content-Length or chunked. The head is read in place (views into the caller's
// buffer): HTTP checks parse every probe's answer with it.
#include <QByteArray>
#include <QByteArrayView>

namespace qonsul::checks {

struct HttpResponseHead
{
    enum class State
    {
        Incomplete,
        Malformed,
        Complete
    };

    int status = 0;
    QByteArrayView reason; // what follows the code on the status line ("Not Found")
    QByteArrayView headers; // the header lines after the status line
    qint64 contentLength = -1; // the last Content-Length header's; -1 without one
    bool chunked = false; // a Transfer-Encoding header names chunked
    qsizetype bodyStart = 0; // where the body begins in what was parsed

    // The first header of that name (case-insensitive), its value trimmed; empty without one.
    QByteArrayView header(QByteArrayView name) const;
};

// The head of `raw`, all of a response that arrived so far: Incomplete until the blank line
// after the headers came, Malformed when the status line is not "HTTP/... <code> ...".
HttpResponseHead::State parseResponseHead(QByteArrayView raw, HttpResponseHead *head);

// Decodes a chunked body (as far as it arrived) into *decoded; true once its last chunk came.
// Stops at the first chunk that has not fully arrived or whose size line is not hexadecimal.
bool decodeChunked(QByteArrayView body, QByteArray *decoded);

// A whole response read to EOF (status line, headers, Content-Length or chunked body; without
// either, the body is all that follows the head); false when malformed or cut short.
bool parseHttpResponse(const QByteArray &raw, int *status, QByteArray *headers, QByteArray *body);

} // namespace qonsul::checks

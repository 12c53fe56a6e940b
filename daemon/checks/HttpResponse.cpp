#include "checks/HttpResponse.h"

namespace qonsul::checks {

namespace {

// Calls fn(name, value), both trimmed, for each "Name: value" line of `headers`.
template<typename Fn> void forEachHeader(QByteArrayView headers, Fn fn)
{
    for (qsizetype at = 0; at < headers.size();) {
        qsizetype next = headers.indexOf('\n', at);
        if (next < 0)
            next = headers.size();
        const QByteArrayView line = headers.sliced(at, next - at);
        at = next + 1;
        const qsizetype colon = line.indexOf(':');
        if (colon >= 0 && !fn(line.first(colon).trimmed(), line.sliced(colon + 1).trimmed()))
            return;
    }
}

} // namespace

QByteArrayView HttpResponseHead::header(QByteArrayView name) const
{
    QByteArrayView found;
    forEachHeader(headers, [&](QByteArrayView n, QByteArrayView value) {
        if (n.compare(name, Qt::CaseInsensitive) != 0)
            return true;
        found = value;
        return false;
    });
    return found;
}

HttpResponseHead::State parseResponseHead(QByteArrayView raw, HttpResponseHead *head)
{
    const qsizetype end = raw.indexOf("\r\n\r\n");
    if (end < 0)
        return HttpResponseHead::State::Incomplete;
    const QByteArrayView block = raw.first(end);
    qsizetype lineEnd = block.indexOf('\n');
    if (lineEnd < 0)
        lineEnd = block.size();
    const QByteArrayView statusLine = block.first(lineEnd).trimmed();
    const qsizetype codeAt = statusLine.indexOf(' ') + 1;
    qsizetype codeEnd = codeAt > 0 ? statusLine.indexOf(' ', codeAt) : -1;
    if (codeEnd < 0)
        codeEnd = statusLine.size();
    bool ok = false;
    head->status = codeAt > 0 ? statusLine.sliced(codeAt, codeEnd - codeAt).toInt(&ok) : 0;
    if (!statusLine.startsWith("HTTP/") || !ok)
        return HttpResponseHead::State::Malformed;
    head->reason = codeEnd < statusLine.size() ? statusLine.sliced(codeEnd + 1) : QByteArrayView();
    head->headers = lineEnd < block.size() ? block.sliced(lineEnd + 1) : QByteArrayView();
    head->contentLength = -1;
    head->chunked = false;
    forEachHeader(head->headers, [head](QByteArrayView name, QByteArrayView value) {
        if (name.compare("Content-Length", Qt::CaseInsensitive) == 0)
            head->contentLength = value.toLongLong();
        else if (name.compare("Transfer-Encoding", Qt::CaseInsensitive) == 0
            && value.toByteArray().toLower().contains("chunked"))
            head->chunked = true;
        return true;
    });
    head->bodyStart = end + 4;
    return HttpResponseHead::State::Complete;
}

bool decodeChunked(QByteArrayView body, QByteArray *decoded)
{
    decoded->clear();
    for (qsizetype pos = 0;;) {
        const qsizetype eol = body.indexOf("\r\n", pos);
        if (eol < 0)
            return false;
        bool ok = false;
        QByteArrayView sizeLine = body.sliced(pos, eol - pos);
        if (const qsizetype semicolon = sizeLine.indexOf(';'); semicolon >= 0)
            sizeLine = sizeLine.first(semicolon); // chunk extensions
        const qint64 size = sizeLine.trimmed().toLongLong(&ok, 16);
        if (!ok || size < 0)
            return false;
        if (size == 0)
            return true;
        if (body.size() < eol + 2 + size)
            return false;
        decoded->append(body.sliced(eol + 2, size));
        pos = eol + 2 + size + 2;
        if (pos > body.size())
            return false;
    }
}

bool parseHttpResponse(const QByteArray &raw, int *status, QByteArray *headers, QByteArray *body)
{
    HttpResponseHead head;
    if (parseResponseHead(raw, &head) != HttpResponseHead::State::Complete)
        return false;
    *status = head.status;
    *headers = head.headers.toByteArray();
    const QByteArrayView rest = QByteArrayView(raw).sliced(head.bodyStart);
    if (head.chunked)
        return decodeChunked(rest, body);
    if (head.contentLength < 0) {
        *body = rest.toByteArray();
        return true;
    }
    *body = rest.first(std::min<qsizetype>(head.contentLength, rest.size())).toByteArray();
    return rest.size() >= head.contentLength;
}

} // namespace qonsul::checks

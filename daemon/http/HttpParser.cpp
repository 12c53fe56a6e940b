#include "http/HttpParser.h"

#include <cstring>
#include <limits>

namespace qonsul::http {

namespace {

constexpr qsizetype kMaxChunkLineBytes = 4096; // chunk size plus extensions

// RFC 9110 tchar.
struct TokenTable
{
    bool ok[256] = {};
    constexpr TokenTable()
    {
        for (int c = '0'; c <= '9'; ++c)
            ok[c] = true;
        for (int c = 'a'; c <= 'z'; ++c)
            ok[c] = true;
        for (int c = 'A'; c <= 'Z'; ++c)
            ok[c] = true;
        for (const char c : "!#$%&'*+-.^_`|~")
            if (c)
                ok[uchar(c)] = true;
    }
};
constexpr TokenTable kToken;

bool isToken(QByteArrayView s)
{
    if (s.isEmpty())
        return false;
    for (const char c : s) {
        if (!kToken.ok[uchar(c)])
            return false;
    }
    return true;
}

bool isCtl(char c)
{
    return uchar(c) < 0x20 || uchar(c) == 0x7f;
}

bool isOws(char c)
{
    return c == ' ' || c == '\t';
}

QByteArrayView trimOws(QByteArrayView s)
{
    while (!s.isEmpty() && isOws(s.front()))
        s = s.sliced(1);
    while (!s.isEmpty() && isOws(s.back()))
        s.chop(1);
    return s;
}

bool equalsIgnoreCase(QByteArrayView a, QByteArrayView b)
{
    return a.size() == b.size() && a.compare(b, Qt::CaseInsensitive) == 0;
}

int hexValue(char c)
{
    if (c >= '0' && c <= '9')
        return c - '0';
    if (c >= 'a' && c <= 'f')
        return c - 'a' + 10;
    if (c >= 'A' && c <= 'F')
        return c - 'A' + 10;
    return -1;
}

// Calls fn(element) for each comma-separated element of a header value, trimmed; empty elements
// are skipped (RFC 9110 5.6.1 lets recipients ignore them).
template<typename Fn> void forEachElement(QByteArrayView value, Fn fn)
{
    while (true) {
        const qsizetype comma = value.indexOf(',');
        const QByteArrayView element = trimOws(comma < 0 ? value : value.first(comma));
        if (!element.isEmpty())
            fn(element);
        if (comma < 0)
            return;
        value = value.sliced(comma + 1);
    }
}

// Splits the request-target into the decoded path and query. False on a target that is not
// origin-form, absolute-form or "*", or on a bad escape in the path.
bool parseTarget(QByteArrayView target, HttpRequest &request)
{
    QByteArrayView rawPath = target;
    QByteArrayView rawQuery;
    const qsizetype q = target.indexOf('?');
    if (q >= 0) {
        rawPath = target.first(q);
        rawQuery = target.sliced(q + 1);
    }
    if (rawPath.startsWith('/')) {
        // origin-form, the usual case
    } else if (rawPath == "*") {
        // asterisk-form (OPTIONS *)
    } else {
        // absolute-form, as sent to proxies: keep the path after the authority.
        qsizetype skip = 0;
        if (rawPath.size() >= 7 && equalsIgnoreCase(rawPath.first(7), "http://"))
            skip = 7;
        else if (rawPath.size() >= 8 && equalsIgnoreCase(rawPath.first(8), "https://"))
            skip = 8;
        else
            return false;
        const qsizetype slash = rawPath.indexOf('/', skip);
        rawPath = slash < 0 ? QByteArrayView("/") : rawPath.sliced(slash);
    }
    if (rawPath.contains('%')) {
        QByteArray decoded;
        if (!percentDecode(rawPath, decoded, false))
            return false;
        request.path = QString::fromUtf8(decoded);
    } else {
        request.path = QString::fromUtf8(rawPath);
    }
    if (!rawQuery.isEmpty())
        request.query = parseQuery(rawQuery);
    return true;
}

} // namespace

bool percentDecode(QByteArrayView in, QByteArray &out, bool plusIsSpace)
{
    out.resize(in.size());
    char *dst = out.data();
    const qsizetype n = in.size();
    for (qsizetype i = 0; i < n; ++i) {
        const char c = in[i];
        if (c == '%') {
            if (i + 2 >= n)
                return false;
            const int hi = hexValue(in[i + 1]);
            const int lo = hexValue(in[i + 2]);
            if (hi < 0 || lo < 0)
                return false;
            *dst++ = char(hi * 16 + lo);
            i += 2;
        } else if (c == '+' && plusIsSpace) {
            *dst++ = ' ';
        } else {
            *dst++ = c;
        }
    }
    out.truncate(dst - out.constData());
    return true;
}

QList<QPair<QString, QString>> parseQuery(QByteArrayView raw)
{
    QList<QPair<QString, QString>> result;
    QByteArray key;
    QByteArray value;
    while (!raw.isEmpty()) {
        const qsizetype amp = raw.indexOf('&');
        const QByteArrayView pair = amp < 0 ? raw : raw.first(amp);
        raw = amp < 0 ? QByteArrayView() : raw.sliced(amp + 1);
        if (pair.isEmpty() || pair.contains(';'))
            continue;
        const qsizetype eq = pair.indexOf('=');
        const QByteArrayView rawKey = eq < 0 ? pair : pair.first(eq);
        const QByteArrayView rawValue = eq < 0 ? QByteArrayView() : pair.sliced(eq + 1);
        if (!percentDecode(rawKey, key, true) || !percentDecode(rawValue, value, true))
            continue;
        result.append({ QString::fromUtf8(key), QString::fromUtf8(value) });
    }
    return result;
}

ParseResult parseRequest(QByteArrayView bytes, const HttpLimits &limits)
{
    HttpRequestParser parser(limits);
    ParseResult result = parser.parse(bytes);
    if (result.status != ParseStatus::Complete)
        result.consumed = 0;
    return result;
}

HttpRequestParser::HttpRequestParser(const HttpLimits &limits)
    : m_limits(&limits)
{
}

void HttpRequestParser::reset()
{
    m_phase = Phase::Start;
    m_scanned = 0;
    m_headBytes = 0;
    m_fieldCount = 0;
    m_bodyLimit = 0;
    m_remaining = 0;
    m_expectPending = false;
    m_request = HttpRequest();
    m_body = QByteArray();
}

ParseResult HttpRequestParser::fail(int status, const char *reason)
{
    reset();
    ParseResult result;
    result.status = ParseStatus::Malformed;
    result.httpStatus = status;
    result.error = QByteArray(reason);
    return result;
}

qsizetype HttpRequestParser::lineLimit() const
{
    if (m_phase == Phase::ChunkSize)
        return kMaxChunkLineBytes;
    return m_limits->maxHeaderBytes - m_headBytes;
}

ParseResult HttpRequestParser::parse(QByteArrayView bytes)
{
    ParseResult result;
    const qsizetype n = bytes.size();
    qsizetype pos = 0;

    const auto needMore = [&]() -> ParseResult & {
        result.status = ParseStatus::NeedMore;
        result.consumed = pos;
        if (m_phase >= Phase::Body) {
            result.headComplete = true;
            result.request = m_request;
            result.expectContinue = m_expectPending;
            m_expectPending = false;
        }
        return result;
    };
    const auto complete = [&]() -> ParseResult & {
        result.status = ParseStatus::Complete;
        result.consumed = pos;
        result.request = std::move(m_request);
        result.request.body = std::move(m_body);
        reset();
        return result;
    };

    while (true) {
        switch (m_phase) {
        case Phase::Start:
        case Phase::Headers:
        case Phase::Trailers:
        case Phase::ChunkSize: {
            const qsizetype budget = lineLimit(); // bytes this line may take, '\n' included
            const qsizetype from = pos + m_scanned;
            const void *nl = from < n ? std::memchr(bytes.data() + from, '\n', size_t(n - from)) : nullptr;
            if (!nl) {
                m_scanned = n - pos;
                if (m_scanned >= budget) {
                    switch (m_phase) {
                    case Phase::Start:
                        return fail(414, "request line too long");
                    case Phase::ChunkSize:
                        return fail(400, "chunk size line too long");
                    default:
                        return fail(431, "request header fields too large");
                    }
                }
                return needMore();
            }
            const qsizetype nlIndex = static_cast<const char *>(nl) - bytes.data();
            const qsizetype lineBytes = nlIndex + 1 - pos;
            if (lineBytes > budget) {
                switch (m_phase) {
                case Phase::Start:
                    return fail(414, "request line too long");
                case Phase::ChunkSize:
                    return fail(400, "chunk size line too long");
                default:
                    return fail(431, "request header fields too large");
                }
            }
            m_scanned = 0;
            QByteArrayView line = bytes.sliced(pos, nlIndex - pos);
            if (line.endsWith('\r'))
                line.chop(1);
            pos = nlIndex + 1;

            if (m_phase == Phase::ChunkSize) {
                qsizetype size = 0;
                qsizetype i = 0;
                bool huge = false;
                for (; i < line.size(); ++i) {
                    const int v = hexValue(line[i]);
                    if (v < 0)
                        break;
                    if (size > (qsizetype(1) << 40))
                        huge = true;
                    else
                        size = size * 16 + v;
                }
                if (i == 0)
                    return fail(400, "invalid chunk size");
                QByteArrayView rest = line.sliced(i);
                while (!rest.isEmpty() && isOws(rest.front()))
                    rest = rest.sliced(1);
                if (!rest.isEmpty() && rest.front() != ';')
                    return fail(400, "invalid chunk size");
                for (const char c : rest) {
                    if (isCtl(c) && c != '\t')
                        return fail(400, "invalid chunk extension");
                }
                if (size == 0 && !huge) {
                    m_phase = Phase::Trailers;
                    m_headBytes = 0;
                    m_fieldCount = 0;
                    continue;
                }
                if (huge || size > m_bodyLimit - m_body.size())
                    return fail(413, "request body too large");
                m_remaining = size;
                m_phase = Phase::ChunkData;
                continue;
            }

            m_headBytes += lineBytes;
            if (m_phase == Phase::Start) {
                if (line.isEmpty())
                    continue; // RFC 9112 2.2: ignore empty lines before the request line
                if (!parseRequestLine(line, result))
                    return result;
                m_phase = Phase::Headers;
                continue;
            }
            if (line.isEmpty()) {
                if (m_phase == Phase::Trailers)
                    return complete();
                if (!finishHead(result))
                    return result;
                if (m_phase == Phase::Start)
                    return complete(); // no body
                continue;
            }
            if (!parseHeaderLine(line, result))
                return result;
            continue;
        }
        case Phase::Body:
        case Phase::ChunkData: {
            const qsizetype take = qMin(m_remaining, n - pos);
            if (take > 0) {
                m_body.append(bytes.data() + pos, take);
                pos += take;
                m_remaining -= take;
            }
            if (m_remaining > 0)
                return needMore();
            if (m_phase == Phase::Body) {
                m_expectPending = false;
                return complete();
            }
            m_phase = Phase::ChunkDataEnd;
            continue;
        }
        case Phase::ChunkDataEnd: {
            if (pos >= n)
                return needMore();
            if (bytes[pos] == '\n') {
                pos += 1;
            } else if (bytes[pos] == '\r') {
                if (pos + 1 >= n)
                    return needMore();
                if (bytes[pos + 1] != '\n')
                    return fail(400, "invalid chunk terminator");
                pos += 2;
            } else {
                return fail(400, "invalid chunk terminator");
            }
            m_phase = Phase::ChunkSize;
            continue;
        }
        }
    }
}

bool HttpRequestParser::parseRequestLine(QByteArrayView line, ParseResult &result)
{
    for (const char c : line) {
        if (isCtl(c)) {
            result = fail(400, "invalid request line");
            return false;
        }
    }
    const qsizetype sp1 = line.indexOf(' ');
    const qsizetype sp2 = sp1 < 0 ? -1 : line.indexOf(' ', sp1 + 1);
    if (sp1 <= 0 || sp2 < 0) {
        result = fail(400, "malformed request line");
        return false;
    }
    const QByteArrayView method = line.first(sp1);
    const QByteArrayView target = line.sliced(sp1 + 1, sp2 - sp1 - 1);
    const QByteArrayView version = line.sliced(sp2 + 1);
    if (!isToken(method)) {
        result = fail(400, "invalid method");
        return false;
    }
    if (target.isEmpty() || version.contains(' ')) {
        result = fail(400, "malformed request line");
        return false;
    }
    if (!version.startsWith("HTTP/")) {
        result = fail(400, "malformed HTTP version");
        return false;
    }
    const QByteArrayView digits = version.sliced(5);
    if (digits.size() == 3 && digits[0] >= '0' && digits[0] <= '9' && digits[1] == '.' && digits[2] >= '0'
        && digits[2] <= '9') {
        if (digits[0] != '1') {
            result = fail(505, "unsupported HTTP version");
            return false;
        }
        m_request.minorVersion = digits[2] - '0';
    } else {
        // "HTTP/2", "HTTP/10.0": well-formed enough to be someone else's protocol version.
        bool shaped = !digits.isEmpty();
        int dots = 0;
        for (const char c : digits) {
            if (c == '.')
                ++dots;
            else if (c < '0' || c > '9')
                shaped = false;
        }
        shaped = shaped && dots <= 1 && digits.front() != '.' && digits.back() != '.';
        result = shaped ? fail(505, "unsupported HTTP version") : fail(400, "malformed HTTP version");
        return false;
    }
    m_request.method = method.toByteArray();
    m_request.target = target.toByteArray();
    if (!parseTarget(target, m_request)) {
        result = fail(400, "invalid request target");
        return false;
    }
    return true;
}

bool HttpRequestParser::parseHeaderLine(QByteArrayView line, ParseResult &result)
{
    const bool trailer = m_phase == Phase::Trailers;
    if (isOws(line.front())) {
        result = fail(400, "obsolete header line folding");
        return false;
    }
    const qsizetype colon = line.indexOf(':');
    if (colon <= 0 || !isToken(line.first(colon))) {
        result = fail(400, "invalid header line");
        return false;
    }
    const QByteArrayView value = trimOws(line.sliced(colon + 1));
    for (const char c : value) {
        if (isCtl(c) && c != '\t') {
            result = fail(400, "invalid header value");
            return false;
        }
    }
    if (++m_fieldCount > m_limits->maxHeaderCount) {
        result = fail(431, "too many header fields");
        return false;
    }
    if (trailer)
        return true; // validated and counted, then dropped
    QByteArray name(line.constData(), colon);
    for (char *p = name.data(), *end = p + colon; p != end; ++p) {
        if (*p >= 'A' && *p <= 'Z')
            *p = char(*p + ('a' - 'A'));
    }
    m_request.headers.append({ std::move(name), value.toByteArray() });
    return true;
}

bool HttpRequestParser::finishHead(ParseResult &result)
{
    HttpRequest &req = m_request;
    const bool http11 = req.minorVersion >= 1;
    int hosts = 0;
    bool connClose = false;
    bool connKeepAlive = false;
    bool hasTransferEncoding = false;
    bool chunked = false;
    bool badTransferEncoding = false;
    int codings = 0;
    bool hasLength = false;
    bool badLength = false;
    bool hugeLength = false;
    qint64 length = -1;
    bool expectContinue = false;
    bool badExpect = false;

    for (const auto &h : std::as_const(req.headers)) {
        const QByteArray &name = h.first;
        switch (name.size()) {
        case 4:
            if (name == "host")
                ++hosts;
            break;
        case 6:
            if (name == "expect") {
                const QByteArrayView v = h.second;
                if (equalsIgnoreCase(v, "100-continue"))
                    expectContinue = true;
                else
                    badExpect = true;
            }
            break;
        case 10:
            if (name == "connection") {
                forEachElement(h.second, [&](QByteArrayView token) {
                    if (equalsIgnoreCase(token, "close"))
                        connClose = true;
                    else if (equalsIgnoreCase(token, "keep-alive"))
                        connKeepAlive = true;
                });
            }
            break;
        case 14:
            if (name == "content-length") {
                hasLength = true;
                forEachElement(h.second, [&](QByteArrayView v) {
                    qint64 value = 0;
                    bool huge = false;
                    for (const char c : v) {
                        if (c < '0' || c > '9') {
                            badLength = true;
                            return;
                        }
                        if (value >= (qint64(1) << 52))
                            huge = true;
                        else
                            value = value * 10 + (c - '0');
                    }
                    if (huge) {
                        hugeLength = true;
                        value = std::numeric_limits<qint64>::max();
                    }
                    if (length >= 0 && length != value)
                        badLength = true;
                    length = value;
                });
                if (trimOws(h.second).isEmpty())
                    badLength = true;
            }
            break;
        case 17:
            if (name == "transfer-encoding") {
                hasTransferEncoding = true;
                forEachElement(h.second, [&](QByteArrayView coding) {
                    ++codings;
                    if (equalsIgnoreCase(coding, "chunked"))
                        chunked = true;
                    else
                        badTransferEncoding = true;
                });
            }
            break;
        default:
            break;
        }
    }

    if (http11 && hosts == 0) {
        result = fail(400, "missing required Host header");
        return false;
    }
    if (hosts > 1) {
        result = fail(400, "too many Host headers");
        return false;
    }
    if (hasTransferEncoding) {
        if (!http11) {
            result = fail(400, "Transfer-Encoding in an HTTP/1.0 request");
            return false;
        }
        if (hasLength) {
            result = fail(400, "both Transfer-Encoding and Content-Length");
            return false;
        }
        if (badTransferEncoding || codings != 1 || !chunked) {
            result = fail(501, "unsupported transfer encoding");
            return false;
        }
    }
    if (hasLength && (badLength || length < 0)) {
        result = fail(400, "invalid Content-Length");
        return false;
    }
    if (http11 && badExpect) {
        result = fail(417, "unsupported Expect");
        return false;
    }

    req.keepAlive = http11 ? !connClose : (connKeepAlive && !connClose);
    const bool hasBody = chunked || length > 0;
    if (!hasBody) {
        m_phase = Phase::Start;
        return true;
    }
    m_bodyLimit = m_limits->maxBodyBytes;
    if (m_limits->bodyLimit) {
        const qsizetype custom = m_limits->bodyLimit(req);
        if (custom >= 0)
            m_bodyLimit = custom;
    }
    if (hugeLength || (!chunked && length > m_bodyLimit)) {
        result = fail(413, "request body too large");
        return false;
    }
    m_remaining = chunked ? 0 : length;
    m_phase = chunked ? Phase::ChunkSize : Phase::Body;
    m_expectPending = http11 && expectContinue;
    m_headBytes = 0;
    m_fieldCount = 0;
    return true;
}

} // namespace qonsul::http

#include "http/HttpMessage.h"

#include <QStringList>
#include <cstdio>
#include <ctime>

namespace qonsul::http {

namespace {

bool equalsIgnoreCase(QByteArrayView a, QByteArrayView b)
{
    return a.size() == b.size() && a.compare(b, Qt::CaseInsensitive) == 0;
}

} // namespace

QByteArray HttpRequest::header(QByteArrayView lowerName) const
{
    for (const auto &h : headers) {
        if (h.first == lowerName)
            return h.second;
    }
    return {};
}

QList<QByteArray> HttpRequest::headerValues(QByteArrayView lowerName) const
{
    QList<QByteArray> values;
    for (const auto &h : headers) {
        if (h.first == lowerName)
            values.append(h.second);
    }
    return values;
}

bool HttpRequest::hasHeader(QByteArrayView lowerName) const
{
    for (const auto &h : headers) {
        if (h.first == lowerName)
            return true;
    }
    return false;
}

bool HttpRequest::hasQuery(QStringView key) const
{
    for (const auto &q : query) {
        if (q.first == key)
            return true;
    }
    return false;
}

QString HttpRequest::queryValue(QStringView key) const
{
    for (const auto &q : query) {
        if (q.first == key)
            return q.second;
    }
    return {};
}

QStringList HttpRequest::queryValues(QStringView key) const
{
    QStringList values;
    for (const auto &q : query) {
        if (q.first == key)
            values.append(q.second);
    }
    return values;
}

QByteArrayView HttpRequest::rawQuery() const
{
    const qsizetype q = target.indexOf('?');
    return q < 0 ? QByteArrayView() : QByteArrayView(target).sliced(q + 1);
}

void HttpResponse::setHeader(const QByteArray &name, const QByteArray &value)
{
    bool replaced = false;
    for (qsizetype i = 0; i < headers.size();) {
        if (equalsIgnoreCase(headers[i].first, name)) {
            if (replaced) {
                headers.removeAt(i);
                continue;
            }
            headers[i].second = value;
            replaced = true;
        }
        ++i;
    }
    if (!replaced)
        headers.append({ name, value });
}

QByteArray HttpResponse::header(QByteArrayView name) const
{
    for (const auto &h : headers) {
        if (equalsIgnoreCase(h.first, name))
            return h.second;
    }
    return {};
}

QByteArray canonicalHeaderKey(QByteArrayView name)
{
    static constexpr QByteArrayView kTokenPunctuation = "!#$%&'*+-.^_`|~";
    QByteArray out(name.data(), name.size());
    bool upper = true;
    for (char &c : out) {
        const bool alpha = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z');
        if (!alpha && !(c >= '0' && c <= '9') && !kTokenPunctuation.contains(c))
            return name.toByteArray();
        if (alpha)
            c = upper ? char(c & ~0x20) : char(c | 0x20);
        upper = c == '-';
    }
    return out;
}

HttpResponse HttpResponse::text(int status, const QString &body)
{
    HttpResponse r;
    r.status = status;
    r.headers.append({ QByteArrayLiteral("Content-Type"), QByteArrayLiteral("text/plain; charset=utf-8") });
    r.body = body.toUtf8();
    return r;
}

HttpResponse HttpResponse::json(const QByteArray &body)
{
    HttpResponse r;
    r.headers.append({ QByteArrayLiteral("Content-Type"), QByteArrayLiteral("application/json") });
    r.body = body;
    return r;
}

QByteArray statusReason(int status)
{
    switch (status) {
    case 100:
        return QByteArrayLiteral("Continue");
    case 101:
        return QByteArrayLiteral("Switching Protocols");
    case 200:
        return QByteArrayLiteral("OK");
    case 201:
        return QByteArrayLiteral("Created");
    case 202:
        return QByteArrayLiteral("Accepted");
    case 204:
        return QByteArrayLiteral("No Content");
    case 206:
        return QByteArrayLiteral("Partial Content");
    case 301:
        return QByteArrayLiteral("Moved Permanently");
    case 302:
        return QByteArrayLiteral("Found");
    case 303:
        return QByteArrayLiteral("See Other");
    case 304:
        return QByteArrayLiteral("Not Modified");
    case 307:
        return QByteArrayLiteral("Temporary Redirect");
    case 308:
        return QByteArrayLiteral("Permanent Redirect");
    case 400:
        return QByteArrayLiteral("Bad Request");
    case 401:
        return QByteArrayLiteral("Unauthorized");
    case 403:
        return QByteArrayLiteral("Forbidden");
    case 404:
        return QByteArrayLiteral("Not Found");
    case 405:
        return QByteArrayLiteral("Method Not Allowed");
    case 406:
        return QByteArrayLiteral("Not Acceptable");
    case 408:
        return QByteArrayLiteral("Request Timeout");
    case 409:
        return QByteArrayLiteral("Conflict");
    case 410:
        return QByteArrayLiteral("Gone");
    case 411:
        return QByteArrayLiteral("Length Required");
    case 412:
        return QByteArrayLiteral("Precondition Failed");
    case 413:
        return QByteArrayLiteral("Request Entity Too Large");
    case 414:
        return QByteArrayLiteral("Request URI Too Long");
    case 415:
        return QByteArrayLiteral("Unsupported Media Type");
    case 416:
        return QByteArrayLiteral("Requested Range Not Satisfiable");
    case 417:
        return QByteArrayLiteral("Expectation Failed");
    case 422:
        return QByteArrayLiteral("Unprocessable Entity");
    case 429:
        return QByteArrayLiteral("Too Many Requests");
    case 431:
        return QByteArrayLiteral("Request Header Fields Too Large");
    case 500:
        return QByteArrayLiteral("Internal Server Error");
    case 501:
        return QByteArrayLiteral("Not Implemented");
    case 502:
        return QByteArrayLiteral("Bad Gateway");
    case 503:
        return QByteArrayLiteral("Service Unavailable");
    case 504:
        return QByteArrayLiteral("Gateway Timeout");
    case 505:
        return QByteArrayLiteral("HTTP Version Not Supported");
    default:
        return QByteArrayLiteral("Unknown");
    }
}

QByteArray httpDateNow()
{
    thread_local std::time_t cachedSecond = -1;
    thread_local QByteArray cached;
    const std::time_t now = std::time(nullptr);
    if (now != cachedSecond) {
        static const char days[7][4] = { "Sun", "Mon", "Tue", "Wed", "Thu", "Fri", "Sat" };
        static const char months[12][4]
            = { "Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec" };
        std::tm tm {};
#ifdef Q_OS_WIN
        gmtime_s(&tm, &now);
#else
        gmtime_r(&now, &tm);
#endif
        char buf[40];
        const int n
            = std::snprintf(buf, sizeof buf, "%s, %02d %s %04d %02d:%02d:%02d GMT", days[tm.tm_wday % 7],
                tm.tm_mday, months[tm.tm_mon % 12], tm.tm_year + 1900, tm.tm_hour, tm.tm_min, tm.tm_sec);
        cached = QByteArray(buf, n);
        cachedSecond = now;
    }
    return cached;
}

} // namespace qonsul::http

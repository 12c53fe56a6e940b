#pragma once
// The request and response values exchanged between the connection layer and the API handlers.
#include <QByteArray>
#include <QHostAddress>
#include <QList>
#include <QPair>
#include <QString>

namespace qonsul::http {

using HeaderList = QList<QPair<QByteArray, QByteArray>>;

struct HttpRequest
{
    QByteArray method; // as sent, e.g. "GET"
    QByteArray target; // raw request-target, e.g. "/v1/kv/a%20b?recurse"
    QString path; // percent-decoded path without the query, e.g. "/v1/kv/a b"
    QList<QPair<QString, QString>> query; // decoded like Go's url.ParseQuery ('+' is a space)
    HeaderList headers; // names lower-cased, values as sent
    QByteArray body;
    int minorVersion = 1; // HTTP/1.<minor>
    bool keepAlive = true; // after HTTP/1.0 defaults and Connection headers
    QHostAddress peer;

    QByteArray header(QByteArrayView lowerName) const; // first value, or empty
    QList<QByteArray> headerValues(QByteArrayView lowerName) const; // every value, in order
    bool hasHeader(QByteArrayView lowerName) const;
    bool hasQuery(QStringView key) const;
    QString queryValue(QStringView key) const; // first value, or empty
    QStringList queryValues(QStringView key) const;
    QByteArrayView rawQuery() const; // the part of `target` after '?', still encoded
};

struct HttpResponse
{
    int status = 200;
    HeaderList headers; // Content-Length, Date and Connection are added by the connection layer
    QByteArray body;

    // Replaces every header of that name (case-insensitive), or appends it.
    void setHeader(const QByteArray &name, const QByteArray &value);
    QByteArray header(QByteArrayView name) const; // case-insensitive; first value, or empty
    static HttpResponse text(int status, const QString &body); // text/plain; charset=utf-8
    static HttpResponse json(const QByteArray &body); // 200, application/json
};

// Go's http.CanonicalHeaderKey: "x-custom-header" -> "X-Custom-Header"; a name with a byte that
// is not a token character is returned as it is.
QByteArray canonicalHeaderKey(QByteArrayView name);

// The standard reason phrase ("Not Found"); "Unknown" for codes without one.
QByteArray statusReason(int status);

// A Date header value for now, RFC 9110 IMF-fixdate ("Sun, 06 Nov 1994 08:49:37 GMT"); cached per
// second and per thread.
QByteArray httpDateNow();

} // namespace qonsul::http

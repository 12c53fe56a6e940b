#include "cluster/HttpForward.h"

#include <QCborArray>
#include <QCborMap>

using namespace Qt::StringLiterals;

namespace qonsul::cluster {

namespace {
QCborArray encodeHeaders(const http::HeaderList &headers)
{
    QCborArray out;
    for (const auto &[name, value] : headers)
        out.append(QCborArray{name, value});
    return out;
}

bool decodeHeaders(const QCborValue &value, http::HeaderList *out)
{
    if (!value.isArray())
        return false;
    for (const QCborValue &item : value.toArray()) {
        const QCborArray pair = item.toArray();
        if (pair.size() != 2 || !pair.at(0).isByteArray() || !pair.at(1).isByteArray())
            return false;
        out->append({pair.at(0).toByteArray(), pair.at(1).toByteArray()});
    }
    return true;
}
} // namespace

QCborValue encodeRequest(const http::HttpRequest &r)
{
    QCborArray query;
    for (const auto &[name, value] : r.query)
        query.append(QCborArray{name, value});
    return QCborMap{{u"m"_s, r.method},    {u"t"_s, r.target}, {u"p"_s, r.path},
                    {u"q"_s, query},       {u"h"_s, encodeHeaders(r.headers)},
                    {u"b"_s, r.body},      {u"a"_s, r.peer.toString()}};
}

bool decodeRequest(const QCborValue &value, http::HttpRequest *out, QString *error)
{
    const QCborMap map = value.toMap();
    http::HttpRequest r;
    r.method = map.value(u"m"_s).toByteArray();
    r.target = map.value(u"t"_s).toByteArray();
    r.path = map.value(u"p"_s).toString();
    r.body = map.value(u"b"_s).toByteArray();
    r.peer = QHostAddress(map.value(u"a"_s).toString());
    bool ok = value.isMap() && !r.method.isEmpty() && r.path.startsWith(u'/') && decodeHeaders(map.value(u"h"_s), &r.headers);
    const QCborValue query = map.value(u"q"_s);
    ok = ok && query.isArray();
    for (const QCborValue &item : query.toArray()) {
        const QCborArray pair = item.toArray();
        if (pair.size() != 2 || !pair.at(0).isString() || !pair.at(1).isString()) {
            ok = false;
            break;
        }
        r.query.append({pair.at(0).toString(), pair.at(1).toString()});
    }
    if (!ok) {
        *error = u"malformed forwarded HTTP request"_s;
        return false;
    }
    *out = std::move(r);
    return true;
}

QCborValue encodeResponse(const http::HttpResponse &r)
{
    return QCborMap{{u"s"_s, r.status}, {u"h"_s, encodeHeaders(r.headers)}, {u"b"_s, r.body}};
}

bool decodeResponse(const QCborValue &value, http::HttpResponse *out, QString *error)
{
    const QCborMap map = value.toMap();
    http::HttpResponse r;
    r.status = int(map.value(u"s"_s).toInteger());
    r.body = map.value(u"b"_s).toByteArray();
    if (!value.isMap() || r.status < 100 || r.status > 599 || !decodeHeaders(map.value(u"h"_s), &r.headers)) {
        *error = u"malformed forwarded HTTP response"_s;
        return false;
    }
    *out = std::move(r);
    return true;
}

} // namespace qonsul::cluster

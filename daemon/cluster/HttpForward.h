#pragma once
// HTTP requests and replies as CBOR, for requests one agent forwards to another over the server
// RPC ("Http.Request"): a client agent to a server, a follower to the leader. The receiving
// server runs the request through its own API as if it had arrived there.
#include <QCborValue>

#include "http/HttpMessage.h"

namespace qonsul::cluster {

// How many times a request was forwarded already, carried as a header so a request never
// bounces between servers that disagree about the leader.
inline constexpr QByteArrayView kForwardedHeader = "x-qonsul-forwarded";
inline constexpr int kMaxForwardHops = 3;

QCborValue encodeRequest(const http::HttpRequest &request);
bool decodeRequest(const QCborValue &value, http::HttpRequest *request, QString *error);
QCborValue encodeResponse(const http::HttpResponse &response);
bool decodeResponse(const QCborValue &value, http::HttpResponse *response, QString *error);

} // namespace qonsul::cluster

#pragma once
// HTTP client for Consul's API v1, shared by the CLI and the desktop console.
//
// Everything is asynchronous on the thread that owns the client (no threads of its own, so a GUI
// never blocks): send() returns an ApiCall that emits `finished` once, and `chunk` as streamed
// bytes arrive for endpoints like /v1/agent/monitor. call() is the small synchronous wrapper the
// CLI uses; it spins a local QEventLoop until the answer is in.
//
// Requests are built the way Consul's Go `api` package builds them, so the agent sees the same
// thing from `qonsul` as from `consul`: the token in X-Consul-Token, ?dc= from the config, query
// parameters sorted by name, paths percent-encoded like Go's url.URL (a key may hold spaces, '?',
// '#', '%' or any Unicode). Failures read like the Go client's: "Unexpected response code: 500
// (body)" for HTTP errors and `Get "http://...": dial tcp ...: connect: connection refused` for
// transport errors.
#include <QByteArray>
#include <QList>
#include <QObject>
#include <QPair>
#include <QPointer>
#include <QString>
#include <functional>
#include <memory>

#include "client/ClientConfig.h"

class QNetworkAccessManager;
class QNetworkReply;
class QLocalSocket;

namespace qonsul::client {

using HeaderList = QList<QPair<QByteArray, QByteArray>>;

struct Request
{
    Request() = default;
    Request(QByteArray m, QString p)
        : method(std::move(m))
        , path(std::move(p))
    {
    }

    QByteArray method = "GET";
    QString path; // unescaped, e.g. "/v1/kv/" + key; the client escapes it
    // Query parameters; a parameter given with an empty value is sent as "name=" (as Go does
    // for ?stale and ?recurse). Order does not matter: they are sent sorted by name.
    QList<QPair<QString, QString>> query;
    QByteArray body;
    QByteArray contentType; // defaults to application/json when there is a body
    HeaderList headers; // extra request headers
    int timeoutMs = 0; // 0: none (blocking queries may take minutes)

    Request &param(const QString &name, const QString &value = QString())
    {
        query.append({ name, value });
        return *this;
    }
    bool hasParam(const QString &name) const;
};

struct Response
{
    int status = 0; // HTTP status; 0 when the request never got an answer
    QString error; // transport failure in Go's words, empty when status != 0
    QByteArray body; // the whole body (for streamed calls: what was not delivered as chunks)
    HeaderList headers;

    bool ok() const { return status == 200; }
    bool transportError() const { return status == 0; }
    QByteArray header(const QByteArray &name) const; // case-insensitive, empty when absent
    quint64 index() const; // X-Consul-Index, 0 when absent
    bool knownLeader() const; // X-Consul-KnownLeader: true
    // The error Consul's Go client reports for this response: the transport error, or
    // "Unexpected response code: <status> (<trimmed body>)".
    QString errorText() const;
};

// One request in flight. Deleted by itself after `finished` unless the receiver keeps it
// (it is a child of the client; abort() ends it early and still emits `finished` with status 0).
class ApiCall : public QObject
{
    Q_OBJECT
public:
    using QObject::QObject;
    virtual void abort() = 0;
    bool isFinished() const { return m_finished; }

Q_SIGNALS:
    void chunk(const QByteArray &data); // streamed calls only
    void finished(const qonsul::client::Response &response);

protected:
    void finish(Response response);
    bool m_finished = false;
};

class ApiClient : public QObject
{
    Q_OBJECT
public:
    // Check isValid() after construction: a bad scheme or unreadable token file makes the client
    // unusable and setupError() says why ("Error loading token file: ...").
    explicit ApiClient(const ClientConfig &config, QObject *parent = nullptr);
    ~ApiClient() override;

    bool isValid() const { return m_setupError.isEmpty(); }
    QString setupError() const { return m_setupError; }
    const ClientConfig &config() const { return m_config; }
    const Endpoint &endpoint() const { return m_endpoint; }
    QString token() const { return m_token; }

    // Asynchronous: the answer arrives through the call's `finished` signal. With stream=true the
    // body is handed out through `chunk` as it arrives instead of being collected.
    ApiCall *send(const Request &request, bool stream = false);
    // Convenience: runs `done` with the response, in `context`'s thread, unless context is gone.
    void send(const Request &request, QObject *context, std::function<void(const Response &)> done);
    // Synchronous (local event loop). For the CLI and tests, not for GUI code.
    Response call(const Request &request);

    // The URL as Go's client would show it in an error: scheme://host/prefix/path?sorted-query.
    QString displayUrl(const Request &request) const;

    // Go's url.PathEscape-like encoding for a path ('/' kept), and QueryEscape for parameters.
    static QByteArray escapePath(const QString &path);
    static QByteArray escapeQueryComponent(const QString &text);

private:
    QByteArray encodedQuery(const Request &request) const;
    QByteArray requestTarget(const Request &request) const; // path + query, escaped

    ClientConfig m_config;
    Endpoint m_endpoint;
    QString m_token;
    QString m_setupError;
    QNetworkAccessManager *m_nam = nullptr;
};

} // namespace qonsul::client

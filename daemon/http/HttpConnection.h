#pragma once
// One accepted TCP connection: reads bytes, parses requests one at a time, hands each to the
// handler and writes its response. Internal to HttpServer.
#include "http/HttpParser.h"
#include "http/HttpResponder.h"

#include <QObject>
#include <QTcpSocket>
#include <memory>

namespace qonsul::http {

class HttpServer;

class HttpConnection : public QObject
{
    Q_OBJECT
public:
    HttpConnection(QTcpSocket *socket, HttpServer *server);
    ~HttpConnection() override;

    void abort(); // close now; a pending responder is detached
    void checkTimeout(qint64 now); // called by the server's sweep with its monotonic clock
    bool isClosed() const { return m_closed; }

private:
    friend class HttpResponder;

    // From HttpResponder, only while it is the current one.
    void respond(HttpResponse &&response);
    QByteArray render(const HttpResponse &response, bool *closeAfter); // the whole response
    void beginStream(int status, HeaderList &&headers);
    void writeChunk(const QByteArray &data);
    void endStream();
    void responderAbandoned(bool streaming);
    qint64 bufferedBytes() const;

    void writeOut(const char *data, qsizetype size);
    void onReadyRead();
    void onDisconnected();
    void onBytesWritten();
    void pull();
    void processInput();
    void resume();
    void dispatch(HttpRequest &&request);
    void appendHead(QByteArray &out, int status, const HeaderList &headers, bool &close);
    void finishResponse(bool close);
    void sendError(int status, const QByteArray &reason);
    void startClose(bool linger);
    void halfClose();
    void armTimer(qint64 now);
    void compactInput();

    QTcpSocket *m_socket;
    HttpServer *m_server;
    const HttpLimits &m_limits;
    HttpRequestParser m_parser;
    QHostAddress m_peer;
    qintptr m_fd;
    QByteArray m_in;
    qsizetype m_inPos = 0; // bytes of m_in already consumed by the parser
    HttpResponder *m_current = nullptr; // the responder of the request being answered

    qint64 m_deadline = 0; // monotonic ms; 0 = none
    qint64 m_headStart = -1; // when the pending request head started arriving
    qint64 m_idleSince = 0;

    bool m_busy = false; // a request is dispatched and its reply not finished
    bool m_dispatching = false; // inside processInput's loop
    bool m_resumeQueued = false;
    bool m_closing = false; // no more requests; flushing, then closing
    bool m_lingering = false; // reply sent, write side shut; discarding input until EOF
    bool m_closed = false; // socket disconnected
    // The current request's reply framing.
    bool m_keepAlive = true;
    bool m_headRequest = false;
    bool m_http10 = false;
    bool m_chunkedStream = false;
    bool m_streamNoBody = false;
    bool m_streamClose = false;
};

} // namespace qonsul::http

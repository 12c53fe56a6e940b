#pragma once
// One accepted TCP connection: reads bytes, parses requests one at a time, hands each to the
// handler and writes its response. Internal to HttpServer.
//
// It works on the bare descriptor, watched by the server's SocketPoller: no QTcpSocket.
// Tens of thousands of blocking queries each park a connection for minutes, and a QTcpSocket
// (socket object, engine, three notifiers, two addresses, signal connections and a 16 KiB read
// chunk per read) was most of what one of them cost.
#include "http/HttpParser.h"
#include "http/HttpResponder.h"
#include "http/SocketPoller.h"

#include <QHostAddress>
#include <QObject>
#include <memory>

namespace qonsul::http {

class HttpServer;

class HttpConnection : public QObject, private SocketPoller::Client
{
    Q_OBJECT
public:
    // Takes ownership of `fd`, a connected TCP socket.
    HttpConnection(qintptr fd, HttpServer *server);
    ~HttpConnection() override;

    void abort(); // close now; a pending responder is detached
    void checkTimeout(qint64 now); // called by the server's sweep with its monotonic clock
    bool isClosed() const { return m_closed; }
    // ParallelSender's send function for this platform.
    static qint64 sendForBurst(qintptr fd, const char *data, qint64 size, int *error);
    // What became of a reply queued in a burst (HttpServer, on this thread, after the burst).
    void sendDone(qint64 sent, int error);

private:
    friend class HttpResponder;

    // From HttpResponder, only while it is the current one.
    void respond(HttpResponse &&response);
    QByteArray render(const HttpResponse &response, bool *closeAfter); // the whole response
    void beginStream(int status, HeaderList &&headers);
    void writeChunk(const QByteArray &data);
    void endStream();
    void responderAbandoned(bool streaming);
    qint64 bufferedBytes() const { return m_out.size() - m_outPos; }

    void writeOut(const char *data, qsizetype size);
    void writeOut(const QByteArray &bytes); // may join a burst: see core/Burst.h
    void waitWritable();
    void outputDrained(); // everything is out: close if that was waited for
    void socketReadable() override { onReadable(); }
    void socketWritable() override { onWritable(); }
    void onReadable();
    void onWritable();
    void setReading(bool on);
    void setWriting(bool on);
    void onDisconnected();
    bool inputPaused() const;
    void resume();
    void processInput();
    void settlePeerDone();
    void dispatch(HttpRequest &&request);
    // `withExtraHeaders`: add HttpLimits::responseHeaders (a handler's answer, not our own errors).
    void appendHead(QByteArray &out, int status, const HeaderList &headers, bool &close, bool withExtraHeaders = true);
    void finishResponse(bool close);
    void sendError(int status, const QByteArray &reason);
    void startClose(bool linger);
    void halfClose();
    void armTimer(qint64 now);
    void compactInput();
    void closeDescriptor();

    qintptr m_fd;
    HttpServer *m_server;
    const HttpLimits &m_limits;
    HttpRequestParser m_parser;
    QHostAddress m_peer;
    QByteArray m_in;
    qsizetype m_inPos = 0; // bytes of m_in already consumed by the parser
    QByteArray m_out; // what the kernel did not take yet
    qsizetype m_outPos = 0;
    bool m_reading = true; // wanting to hear when input arrives (off: TCP flow control)
    bool m_writing = false; // wanting to hear when the kernel takes more (only while m_out waits)
    HttpResponder *m_current = nullptr; // the responder of the request being answered

    qint64 m_deadline = 0; // monotonic ms; 0 = none
    qint64 m_headStart = -1; // when the pending request head started arriving
    qint64 m_idleSince = 0;

    bool m_busy = false; // a request is dispatched and its reply not finished
    bool m_dispatching = false; // inside processInput's loop
    bool m_resumeQueued = false;
    bool m_closing = false; // no more requests; flushing, then closing
    bool m_lingering = false; // reply sent, write side shut; discarding input until EOF
    bool m_closed = false; // descriptor closed (or closing once m_inBurst clears)
    bool m_inBurst = false; // m_out is being sent by a burst (HttpServer::sendInBurst)
    bool m_peerDone = false; // the client shut down its side; answer what is pending, then close
    // The current request's reply framing.
    bool m_keepAlive = true;
    bool m_headRequest = false;
    bool m_http10 = false;
    bool m_chunkedStream = false;
    bool m_streamNoBody = false;
    bool m_streamClose = false;
};

} // namespace qonsul::http

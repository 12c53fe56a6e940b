#pragma once
// The handle an API handler answers a request through. Shared: the handler may keep it and answer
// later (blocking queries wait minutes). It outlives its connection safely: once the connection is
// gone every call is a no-op and isOpen() is false.
#include "http/HttpMessage.h"

#include <functional>
#include <memory>

namespace qonsul::http {

class HttpConnection;

class HttpResponder : public std::enable_shared_from_this<HttpResponder>
{
    struct Key
    {
        explicit Key() = default;
    };

public:
    HttpResponder(Key, HttpConnection *connection);
    // A responder without a connection that hands the finished reply to `sink` (a request
    // forwarded between agents over RPC); a stream is collected and handed over when it ends.
    // Dropped unanswered, it hands over a 500. close() makes it behave like a closed connection.
    static std::shared_ptr<HttpResponder> capture(std::function<void(HttpResponse)> sink);
    void close();
    // Dropping the last reference without answering makes the connection answer 500 (or, with a
    // stream already begun, close the connection so the client sees it truncated).
    ~HttpResponder();
    HttpResponder(const HttpResponder &) = delete;
    HttpResponder &operator=(const HttpResponder &) = delete;

    // The connection is alive and the reply is not finished.
    bool isOpen() const { return (m_connection || m_sink) && m_state != State::Finished; }
    // The whole reply. Only the first send() (or beginStream()) counts; later calls are ignored.
    void send(HttpResponse response);
    // A reply of unknown length, sent with chunked transfer-encoding (to an HTTP/1.0 client:
    // unframed, then the connection closes). Each chunk is written to the socket at once.
    void beginStream(int status, HeaderList headers);
    void writeChunk(const QByteArray &data); // empty data is ignored
    void endStream();
    // Called once, from the event loop (never from inside a responder call), if the connection
    // closes before the reply is finished: the peer went away, the server was closed or destroyed.
    // Set after that happened, it is called on the next event loop pass. The callback is dropped
    // once the reply is finished or once it ran, so it may capture this responder's shared_ptr.
    void setOnClosed(std::function<void()> onClosed);
    // The handler asked to hear of a close: the reply is only wanted while the client waits.
    bool watchesClose() const { return bool(m_onClosed); }
    // Reply bytes accepted but not yet handed to the kernel (backpressure for streams).
    qint64 bufferedBytes() const;

private:
    friend class HttpConnection;
    enum class State
    {
        Pending,
        Streaming,
        Finished
    };

    void detach(); // the connection is gone
    void fireClosed();

    HttpConnection *m_connection;
    std::function<void(HttpResponse)> m_sink; // capture mode
    HttpResponse m_captured;                  // a captured stream, until endStream()
    State m_state = State::Pending;
    bool m_died = false; // the connection closed before the reply was finished
    std::function<void()> m_onClosed;
};

using HttpHandler = std::function<void(const HttpRequest &, std::shared_ptr<HttpResponder>)>;

} // namespace qonsul::http

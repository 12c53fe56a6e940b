#include "http/HttpResponder.h"

#include "http/HttpConnection.h"

#include <QTimer>

namespace qonsul::http {

HttpResponder::HttpResponder(Key, HttpConnection *connection)
    : m_connection(connection)
{
}

std::shared_ptr<HttpResponder> HttpResponder::capture(std::function<void(HttpResponse)> sink)
{
    auto responder = std::make_shared<HttpResponder>(Key{}, nullptr);
    responder->m_sink = std::move(sink);
    return responder;
}

void HttpResponder::close()
{
    m_sink = nullptr;
    detach();
}

HttpResponder::~HttpResponder()
{
    if (m_sink && m_state != State::Finished)
        m_sink(HttpResponse::text(500, QStringLiteral("request abandoned")));
    if (m_connection && m_state != State::Finished)
        m_connection->responderAbandoned(m_state == State::Streaming);
}

void HttpResponder::send(HttpResponse response)
{
    if (m_state != State::Pending)
        return;
    m_state = State::Finished;
    if (auto sink = std::exchange(m_sink, nullptr)) {
        m_onClosed = nullptr;
        sink(std::move(response));
    } else if (HttpConnection *c = m_connection) {
        m_connection = nullptr;
        m_onClosed = nullptr;
        c->respond(std::move(response));
    }
}

void HttpResponder::beginStream(int status, HeaderList headers)
{
    if (m_state != State::Pending)
        return;
    m_state = State::Streaming;
    if (m_sink) {
        m_captured.status = status;
        m_captured.headers = std::move(headers);
    } else if (m_connection) {
        m_connection->beginStream(status, std::move(headers));
    }
}

void HttpResponder::writeChunk(const QByteArray &data)
{
    if (m_state != State::Streaming || data.isEmpty())
        return;
    if (m_sink)
        m_captured.body += data;
    else if (m_connection)
        m_connection->writeChunk(data);
}

void HttpResponder::endStream()
{
    if (m_state != State::Streaming)
        return;
    m_state = State::Finished;
    if (auto sink = std::exchange(m_sink, nullptr)) {
        m_onClosed = nullptr;
        sink(std::exchange(m_captured, {}));
    } else if (HttpConnection *c = m_connection) {
        m_connection = nullptr;
        m_onClosed = nullptr;
        c->endStream();
    }
}

void HttpResponder::setOnClosed(std::function<void()> onClosed)
{
    if (m_state == State::Finished && !m_died)
        return;
    m_onClosed = std::move(onClosed);
    if (m_died && m_onClosed) {
        QTimer::singleShot(0, [self = shared_from_this()] { self->fireClosed(); });
    }
}

qint64 HttpResponder::bufferedBytes() const
{
    return m_connection ? m_connection->bufferedBytes() : 0;
}

void HttpResponder::detach()
{
    m_connection = nullptr;
    if (m_state == State::Finished)
        return;
    m_died = true;
    if (m_onClosed)
        QTimer::singleShot(0, [self = shared_from_this()] { self->fireClosed(); });
}

void HttpResponder::fireClosed()
{
    if (auto fn = std::exchange(m_onClosed, nullptr))
        fn();
}

} // namespace qonsul::http

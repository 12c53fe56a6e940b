#include "console/BlockingQuery.h"

#include "console/Replies.h"

namespace qonsul::console {

namespace {
constexpr int kMaxBackoffMs = 30000;
// Long enough to keep connections quiet, short enough that a half-dead TCP connection is noticed.
const QString kWait = QStringLiteral("5m");
} // namespace

BlockingQuery::BlockingQuery(client::ApiClient *client, client::Request request, QObject *parent)
    : QObject(parent)
    , m_client(client)
    , m_request(std::move(request))
{
    m_retry.setSingleShot(true);
    connect(&m_retry, &QTimer::timeout, this, &BlockingQuery::issue);
}

BlockingQuery::~BlockingQuery()
{
    stop();
}

void BlockingQuery::start()
{
    stop();
    m_running = true;
    m_index = 0;
    m_delivered = false;
    issue();
}

void BlockingQuery::stop()
{
    m_running = false;
    m_retry.stop();
    if (m_call) {
        m_call->disconnect(this);
        m_call->abort();
    }
    m_call = nullptr;
}

void BlockingQuery::issue()
{
    if (!m_running || !m_client)
        return;
    client::Request request = m_request;
    if (m_index > 0)
        request.param(QStringLiteral("index"), QString::number(m_index)).param(QStringLiteral("wait"), kWait);
    m_sent.start();
    m_call = m_client->send(request);
    connect(m_call, &client::ApiCall::finished, this, &BlockingQuery::onFinished);
}

void BlockingQuery::onFinished(const client::Response &response)
{
    m_call = nullptr;
    if (!m_running)
        return;
    const bool answered = response.ok() || (m_acceptNotFound && response.status == 404);
    if (!answered) {
        ++m_failures;
        m_index = 0;
        Q_EMIT failed(Replies::describeFailure(response));
        m_retry.start(qMin(kMaxBackoffMs, 1000 << qMin(m_failures - 1, 5)));
        return;
    }
    if (m_failures > 0) {
        m_failures = 0;
        Q_EMIT recovered();
    }
    quint64 index = response.index();
    // Consul's rules for clients: an index that goes backwards means a reset, and 0 is never
    // waited on.
    const bool moved = !m_delivered || index != m_index;
    if (index < m_index)
        index = 0;
    m_index = qMax<quint64>(index, 1);
    if (moved) {
        m_delivered = true;
        Q_EMIT changed(response);
        if (!m_running)
            return; // a receiver stopped us
    }
    // An agent that answers at once with an unchanged index would turn this into a busy loop.
    if (!moved && m_sent.elapsed() < 100)
        m_retry.start(1000);
    else
        issue();
}

} // namespace qonsul::console

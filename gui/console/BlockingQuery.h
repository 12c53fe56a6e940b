#pragma once
// One Consul blocking query kept running: the request is sent again with ?index=<X-Consul-Index>
// as soon as the previous answer arrives, so the agent holds it until something changes. There
// is no polling timer; the only timer is the back-off after a failure (1 s doubling to 30 s), so
// a lost agent is retried without the view that owns the query losing anything.
#include <QElapsedTimer>
#include <QObject>
#include <QPointer>
#include <QTimer>

#include "client/ApiClient.h"

namespace qonsul::console {

class BlockingQuery : public QObject
{
    Q_OBJECT
public:
    BlockingQuery(client::ApiClient *client, client::Request request, QObject *parent = nullptr);
    ~BlockingQuery() override;

    void start(); // first answer comes without waiting
    void stop(); // aborts the call in flight; nothing is emitted afterwards
    // Accept 404 as an answer (a KV key that does not exist yet is a state, not an error).
    void setAcceptNotFound(bool accept) { m_acceptNotFound = accept; }

Q_SIGNALS:
    // A new answer (the index moved, or the first one). 200, or 404 when accepted.
    void changed(const qonsul::client::Response &response);
    void failed(const QString &message); // before each retry
    void recovered(); // first good answer after a failure

private:
    void issue();
    void onFinished(const client::Response &response);

    QPointer<client::ApiClient> m_client;
    client::Request m_request;
    QPointer<client::ApiCall> m_call;
    QTimer m_retry;
    QElapsedTimer m_sent;
    quint64 m_index = 0;
    int m_failures = 0;
    bool m_running = false;
    bool m_acceptNotFound = false;
    bool m_delivered = false;
};

} // namespace qonsul::console

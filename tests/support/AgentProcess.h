#pragma once
// Starts a real `qonsul agent` process on free loopback ports for integration tests, waits
// until its HTTP API answers, and always stops it (SIGTERM, then SIGKILL) when destroyed.
#include <QByteArray>
#include <QJsonValue>
#include <QMap>
#include <QProcess>
#include <QStringList>

namespace qonsul::test {

class AgentProcess
{
public:
    // extraArgs are appended after `agent -dev -http-port <p> -dns-port <p> ...`.
    explicit AgentProcess(QStringList extraArgs = {}, bool dev = true);
    ~AgentProcess();
    AgentProcess(const AgentProcess &) = delete;
    AgentProcess &operator=(const AgentProcess &) = delete;

    // False (and a logged reason) if it did not come up: its HTTP API answers and, unless
    // `waitForLeader` is false (a server waiting to be added to a cluster), it knows a leader.
    bool start(int timeoutMs = 10000, bool waitForLeader = true);
    void stop();
    void kill(); // SIGKILL, no cleanup: for crash tests

    quint16 httpPort() const { return m_httpPort; }
    quint16 dnsPort() const { return m_dnsPort; }
    QString httpAddr() const; // "127.0.0.1:<port>", as -http-addr / CONSUL_HTTP_ADDR take it
    QString baseUrl() const;  // "http://127.0.0.1:<port>"
    QByteArray output() const; // everything the agent printed so far
    QProcess &process() { return m_process; }

    static QString binary(); // $QONSUL_BIN, set by CTest

    // Runs `qonsul <args>` as the CLI against this agent; returns exit code, fills out/err.
    int runCli(const QStringList &args, QByteArray *out = nullptr, QByteArray *err = nullptr,
               const QByteArray &stdinData = {}, int timeoutMs = 15000) const;

private:
    QStringList m_args;
    bool m_dev;
    quint16 m_httpPort = 0;
    quint16 m_dnsPort = 0;
    QProcess m_process;
    mutable QByteArray m_output;
};

// Synchronous HTTP for tests (keeps the test code free of event-loop plumbing).
struct HttpResult
{
    int status = 0;
    QByteArray body;
    QList<QPair<QByteArray, QByteArray>> headers;
    QByteArray header(const QByteArray &name) const;
};
HttpResult httpRequest(const QByteArray &method, const QString &url, const QByteArray &body = {},
                       const QList<QPair<QByteArray, QByteArray>> &headers = {}, int timeoutMs = 15000);

// Polls `agent`'s local view of check `id` (/v1/agent/checks) until its status is `status` and
// its output starts with `outputPrefix`; false (the check as last seen logged) after timeoutMs.
bool waitForCheck(const AgentProcess &agent, const QString &id, const QString &status, const QString &outputPrefix,
                  int timeoutMs);

// Status of every member of `agent`'s LAN pool (WAN pool with `wan`) as it sees it, from
// /v1/agent/members: name -> 1 alive, 2 leaving, 3 left, 4 failed.
QMap<QString, int> memberStatuses(const AgentProcess &agent, bool wan = false);

// The body as JSON of any kind (object, array, string, number, bool, null); undefined when it
// is no JSON.
QJsonValue json(const HttpResult &r);

} // namespace qonsul::test

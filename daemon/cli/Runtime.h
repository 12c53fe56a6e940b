#pragma once
// What the long-running commands (lock, watch) share: waiting on the agent or a timer in a local
// event loop that a signal can cut short, and running handler processes the way Consul's Go code
// does (ExecScript / ExecSubprocess, errors in os/exec's words).
#include <QString>
#include <QStringList>

#include "client/ApiClient.h"

class QEventLoop;
class QProcess;

namespace qonsul::cli {

class Waiter
{
public:
    explicit Waiter(client::ApiClient &client)
        : m_client(client)
    {
    }
    // The response, or status 0 ("... context canceled") when interrupted meanwhile.
    client::Response request(const client::Request &request);
    void sleep(qint64 ms);
    // Ends the request or sleep in progress; the caller checks its own stop flag afterwards.
    void interrupt();

private:
    client::ApiClient &m_client;
    client::ApiCall *m_pending = nullptr;
    QEventLoop *m_sleep = nullptr;
};

// The program and arguments that run a handler: "$SHELL -c 'args...'" (default /bin/sh), or the
// arguments themselves with shell == false.
QStringList handlerCommand(const QStringList &args, bool shell);

// How os/exec reports a finished child: "exit status 3", "signal: terminated"; empty for exit 0.
QString processFailure(const QProcess &process);

} // namespace qonsul::cli

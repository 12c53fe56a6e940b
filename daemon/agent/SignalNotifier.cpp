#include "agent/SignalNotifier.h"

#include <QSocketNotifier>

#include <csignal>
#include <sys/socket.h>
#include <unistd.h>

namespace qonsul::agent {

namespace {
int g_pipe[2] = {-1, -1};

void onSignal(int signal)
{
    const char byte = char(signal);
    [[maybe_unused]] const ssize_t written = ::write(g_pipe[1], &byte, 1);
}
} // namespace

SignalNotifier::SignalNotifier(QObject *parent)
    : QObject(parent)
{
    if (::socketpair(AF_UNIX, SOCK_STREAM, 0, g_pipe) != 0)
        return;
    m_notifier = new QSocketNotifier(g_pipe[0], QSocketNotifier::Read, this);
    connect(m_notifier, &QSocketNotifier::activated, this, &SignalNotifier::readSignal);
    struct sigaction action = {};
    action.sa_handler = onSignal;
    sigemptyset(&action.sa_mask);
    action.sa_flags = SA_RESTART;
    for (int s : {SIGHUP, SIGINT, SIGTERM})
        ::sigaction(s, &action, nullptr);
    ::signal(SIGPIPE, SIG_IGN);
}

SignalNotifier::~SignalNotifier()
{
    for (int s : {SIGHUP, SIGINT, SIGTERM})
        ::signal(s, SIG_DFL);
}

void SignalNotifier::readSignal()
{
    char byte = 0;
    if (::read(g_pipe[0], &byte, 1) != 1)
        return;
    switch (int(byte)) {
    case SIGHUP:
        Q_EMIT hangup();
        break;
    case SIGINT:
        Q_EMIT interrupt();
        break;
    default:
        Q_EMIT terminate();
        break;
    }
}

} // namespace qonsul::agent

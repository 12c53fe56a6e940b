#pragma once
// Delivers SIGINT, SIGTERM and SIGHUP to the event loop (self-pipe + QSocketNotifier), for the
// long-running commands (lock, watch, monitor) that must clean up or forward them to a child.
#include <QObject>

class QSocketNotifier;

namespace qonsul::cli {

class SignalWatcher : public QObject
{
    Q_OBJECT
public:
    explicit SignalWatcher(QObject *parent = nullptr);
    ~SignalWatcher() override; // restores the default handlers

Q_SIGNALS:
    void signalled(int signal);

private:
    QSocketNotifier *m_notifier = nullptr;
};

} // namespace qonsul::cli

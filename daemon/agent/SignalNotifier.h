#pragma once
// Turns SIGHUP, SIGINT and SIGTERM into Qt signals on the event loop (self-pipe trick), so the
// agent reloads and shuts down from ordinary code, never from inside a signal handler.
#include <QObject>

class QSocketNotifier;

namespace qonsul::agent {

class SignalNotifier : public QObject
{
    Q_OBJECT
public:
    explicit SignalNotifier(QObject *parent = nullptr);
    ~SignalNotifier() override;

Q_SIGNALS:
    void hangup();
    void interrupt();
    void terminate();

private:
    void readSignal();
    QSocketNotifier *m_notifier = nullptr;
};

} // namespace qonsul::agent

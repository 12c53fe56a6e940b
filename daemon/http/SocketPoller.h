#pragma once
// Readiness of the HTTP server's connections. Qt's event dispatchers (glib's and Qt's own) hand
// every registered descriptor to poll() on every pass of the event loop, and registering or
// removing one is linear in their number: with 10,000 parked blocking queries each pass cost
// several milliseconds of kernel time (sock_poll per socket), a write waiting ~13 ms before it was
// even read, and closing them all was quadratic (docs/benchmarks.md). On Linux the connections
// live in one epoll instance instead, which the event loop watches as a single descriptor: a pass
// costs what is ready. Elsewhere each descriptor gets its own QSocketNotifiers, as before.
#include <QObject>
#include <QtGlobal>

#include <unordered_map>

class QSocketNotifier;

namespace qonsul::http {

class SocketPoller : public QObject
{
    Q_OBJECT
public:
    class Client
    {
    public:
        virtual void socketReadable() = 0;
        virtual void socketWritable() = 0;

    protected:
        ~Client() = default;
    };

    explicit SocketPoller(QObject *parent = nullptr);
    ~SocketPoller() override;

    void add(qintptr fd, Client *client); // watched for reading, not writing
    void setInterest(qintptr fd, bool read, bool write);
    void remove(qintptr fd); // before the descriptor is closed; no call for it after this

private:
    struct Entry
    {
        Client *client = nullptr;
        bool read = false;
        bool write = false;
#ifdef Q_OS_LINUX
        bool registered = false; // in the epoll set (left out while nothing is wanted: see apply)
#else
        QSocketNotifier *readNotifier = nullptr;
        QSocketNotifier *writeNotifier = nullptr;
#endif
    };
    void apply(qintptr fd, Entry &entry);
#ifdef Q_OS_LINUX
    void dispatch();
    int m_epoll = -1;
    QSocketNotifier *m_notifier = nullptr;
#endif
    std::unordered_map<qintptr, Entry> m_entries; // references stay valid as it grows
};

} // namespace qonsul::http

#include "http/SocketPoller.h"

#include <QSocketNotifier>

#ifdef Q_OS_LINUX
#include <sys/epoll.h>
#include <unistd.h>
#endif

namespace qonsul::http {

namespace {
#ifdef Q_OS_LINUX
// Events handled per activation; more stay pending and the loop comes back for them, so other
// sources get their turn under a flood.
constexpr int kEventsPerPass = 512;
#endif
} // namespace

SocketPoller::SocketPoller(QObject *parent)
    : QObject(parent)
{
#ifdef Q_OS_LINUX
    m_epoll = ::epoll_create1(EPOLL_CLOEXEC);
    if (m_epoll < 0)
        qFatal("epoll_create1 failed");
    m_notifier = new QSocketNotifier(m_epoll, QSocketNotifier::Read, this);
    connect(m_notifier, &QSocketNotifier::activated, this, &SocketPoller::dispatch);
#endif
}

SocketPoller::~SocketPoller()
{
#ifdef Q_OS_LINUX
    delete m_notifier;
    ::close(m_epoll);
#else
    for (auto &[fd, e] : m_entries) {
        delete e.readNotifier;
        delete e.writeNotifier;
    }
#endif
}

void SocketPoller::add(qintptr fd, Client *client)
{
    Entry &e = m_entries[fd];
    e.client = client;
    e.read = true;
    e.write = false;
#ifndef Q_OS_LINUX
    e.readNotifier = new QSocketNotifier(fd, QSocketNotifier::Read, this);
    connect(e.readNotifier, &QSocketNotifier::activated, this, [client] { client->socketReadable(); });
    e.writeNotifier = new QSocketNotifier(fd, QSocketNotifier::Write, this);
    e.writeNotifier->setEnabled(false);
    connect(e.writeNotifier, &QSocketNotifier::activated, this, [client] { client->socketWritable(); });
#endif
    apply(fd, e);
}

void SocketPoller::setInterest(qintptr fd, bool read, bool write)
{
    const auto it = m_entries.find(fd);
    if (it == m_entries.end() || (it->second.read == read && it->second.write == write))
        return;
    it->second.read = read;
    it->second.write = write;
    apply(fd, it->second);
}

void SocketPoller::remove(qintptr fd)
{
    const auto it = m_entries.find(fd);
    if (it == m_entries.end())
        return;
#ifdef Q_OS_LINUX
    if (it->second.registered)
        ::epoll_ctl(m_epoll, EPOLL_CTL_DEL, int(fd), nullptr);
#else
    // Maybe from inside one of these notifiers' own signal: not deleted on the spot.
    it->second.readNotifier->setEnabled(false);
    it->second.writeNotifier->setEnabled(false);
    it->second.readNotifier->deleteLater();
    it->second.writeNotifier->deleteLater();
#endif
    m_entries.erase(it);
}

#ifdef Q_OS_LINUX
void SocketPoller::apply(qintptr fd, Entry &e)
{
    // epoll reports hang-ups and errors even when no event is asked for, so a descriptor nobody
    // wants to hear from (reading paused, nothing to write) leaves the set rather than wake us
    // on every pass.
    const uint32_t events = (e.read ? EPOLLIN : 0u) | (e.write ? EPOLLOUT : 0u);
    if (events == 0) {
        if (e.registered)
            ::epoll_ctl(m_epoll, EPOLL_CTL_DEL, int(fd), nullptr);
        e.registered = false;
        return;
    }
    epoll_event ev {};
    ev.events = events;
    ev.data.fd = int(fd);
    if (::epoll_ctl(m_epoll, e.registered ? EPOLL_CTL_MOD : EPOLL_CTL_ADD, int(fd), &ev) == 0)
        e.registered = true;
}

void SocketPoller::dispatch()
{
    epoll_event events[kEventsPerPass];
    const int n = ::epoll_wait(m_epoll, events, kEventsPerPass, 0);
    for (int i = 0; i < n; ++i) {
        const int fd = events[i].data.fd;
        const uint32_t ready = events[i].events;
        // A callback may remove descriptors reported later in this batch (their connection
        // closed); a removed one is skipped. No new connection can take the number meanwhile:
        // accepting is another event.
        auto it = m_entries.find(fd);
        if (it != m_entries.end() && it->second.read && (ready & (EPOLLIN | EPOLLHUP | EPOLLERR)))
            it->second.client->socketReadable();
        it = m_entries.find(fd);
        if (it != m_entries.end() && it->second.write && (ready & (EPOLLOUT | EPOLLHUP | EPOLLERR)))
            it->second.client->socketWritable();
    }
}
#else
void SocketPoller::apply(qintptr, Entry &e)
{
    e.readNotifier->setEnabled(e.read);
    e.writeNotifier->setEnabled(e.write);
}
#endif

} // namespace qonsul::http

#include "TestSupport.h"

#include <QDeadlineTimer>
#include <QDir>
#include <QFile>
#include <QFileInfo>
#include <QSet>
#include <QTcpServer>
#include <QThread>

using namespace Qt::StringLiterals;
#include <QUdpSocket>

namespace qonsul::test {

namespace {

// Ports handed out by this process. A port is released as soon as it is probed, so the kernel
// may offer it again on the next call; a test that asks for an HTTP, a DNS and a gossip port
// must get three different ones (CI once saw "Serf Advertise LAN address ... already configured
// for DNS").
QSet<quint16> &handedOut()
{
    static QSet<quint16> ports;
    return ports;
}

bool claim(quint16 port)
{
    if (port == 0 || handedOut().contains(port))
        return false;
    handedOut().insert(port);
    return true;
}

} // namespace

quint16 freeTcpPort(const QHostAddress &address)
{
    for (int attempt = 0; attempt < 50; ++attempt) {
        QTcpServer server;
        if (server.listen(address, 0) && claim(server.serverPort()))
            return server.serverPort();
    }
    return 0;
}

quint16 freeTcpUdpPort(const QHostAddress &address)
{
    for (int attempt = 0; attempt < 50; ++attempt) {
        QTcpServer tcp;
        if (!tcp.listen(address, 0) || handedOut().contains(tcp.serverPort()))
            continue;
        QUdpSocket udp;
        if (udp.bind(address, tcp.serverPort()) && claim(tcp.serverPort()))
            return tcp.serverPort();
    }
    return 0;
}

bool writeFile(const QString &path, const QByteArray &contents)
{
    QFile f(path);
    return QDir().mkpath(QFileInfo(path).path()) && f.open(QIODevice::WriteOnly | QIODevice::Truncate)
        && f.write(contents) == contents.size();
}

bool waitFor(const std::function<bool()> &done, int timeoutMs)
{
    QDeadlineTimer deadline(timeoutMs);
    while (!deadline.hasExpired()) {
        if (done())
            return true;
        QThread::msleep(200);
    }
    return done();
}

QStringList digSection(const QByteArray &digOutput, const QString &section)
{
    QStringList records;
    bool inside = false;
    for (const QString &line : QString::fromUtf8(digOutput).split(u'\n')) {
        if (line.startsWith(u";; "_s)) {
            inside = line.startsWith(u";; %1 SECTION:"_s.arg(section));
            continue;
        }
        if (inside && line.trimmed().isEmpty())
            inside = false;
        if (inside)
            records << line.simplified();
    }
    return records;
}

} // namespace qonsul::test

#include "TestSupport.h"

#include <QTcpServer>
#include <QUdpSocket>

namespace qonsul::test {

quint16 freeTcpPort(const QHostAddress &address)
{
    QTcpServer server;
    if (!server.listen(address, 0))
        return 0;
    return server.serverPort();
}

quint16 freeTcpUdpPort(const QHostAddress &address)
{
    for (int attempt = 0; attempt < 50; ++attempt) {
        QTcpServer tcp;
        if (!tcp.listen(address, 0))
            continue;
        QUdpSocket udp;
        if (udp.bind(address, tcp.serverPort()))
            return tcp.serverPort();
    }
    return 0;
}

} // namespace qonsul::test

// The ceiling for the DNS benchmark: the least a QUdpSocket responder on the Qt event loop can do
// (answer every query with one fixed A record), measured with the same dnsperf run as the agent.
//   dns_min_responder <port>
#include <QCoreApplication>
#include <QUdpSocket>
#include <QVariant>

int main(int argc, char **argv)
{
    QCoreApplication app(argc, argv);
    QUdpSocket socket;
    if (argc < 2 || !socket.bind(QHostAddress::LocalHost, quint16(QByteArray(argv[1]).toUInt())))
        return 1;
    socket.setSocketOption(QAbstractSocket::ReceiveBufferSizeSocketOption, 4 * 1024 * 1024);
    QByteArray in(65536, '\0');
    QObject::connect(&socket, &QUdpSocket::readyRead, [&] {
        QHostAddress from;
        quint16 port = 0;
        for (int n = 0; n < 256; ++n) {
            const qint64 len = socket.readDatagram(in.data(), in.size(), &from, &port);
            if (len < 12)
                break;
            // Header + first question, then one answer pointing at the question's name.
            qint64 p = 12;
            while (p < len && in[p] != 0)
                p += 1 + uchar(in[p]);
            p += 5;
            if (p > len)
                continue;
            QByteArray out(in.constData(), p);
            out[2] = char(0x84 | (out[2] & 0x01));
            out[3] = 0;
            out[6] = 0, out[7] = 1, out[8] = 0, out[9] = 0, out[10] = 0, out[11] = 0;
            out.append("\xc0\x0c\x00\x01\x00\x01\x00\x00\x00\x00\x00\x04\x7f\x00\x00\x01", 16);
            socket.writeDatagram(out, from, port);
        }
    });
    return app.exec();
}

#pragma once
// H2PING checks: open an HTTP/2 connection (h2c with prior knowledge, or TLS with ALPN h2 when
// h2ping_use_tls), send the client preface, SETTINGS and one PING, and pass when the PING's
// ACK comes back before the timeout. The few frames involved are written and read here; no
// stream is opened. Outputs are Consul's: "HTTP2 ping was successful",
// "Failed to dial to <target>: <error>", "HTTP2 ping failed: <error>".
#include <QByteArray>
#include <QObject>

#include "checks/CheckRunner.h"

class QSslSocket;

namespace qonsul::checks {

class H2PingRunner final : public QObject, public CheckRunner
{
public:
    H2PingRunner(Clock *clock, SharedTlsBase tls, const CheckSpec &spec, Notify notify);
    ~H2PingRunner() override;

protected:
    void begin() override;
    void abort() override;
    void cancel() override;

private:
    void connected();
    void readFrames();
    void fail(const QString &output);
    QString m_target;
    bool m_tls;
    bool m_tlsSkipVerify;
    QString m_tlsServerName;
    SharedTlsBase m_tlsBase; // see CheckTls.h; read at each probe
    QTcpSocket *m_socket = nullptr;
    QByteArray m_in;
    QByteArray m_ping; // the 8 opaque bytes of our PING
    bool m_dialed = false;
};

} // namespace qonsul::checks

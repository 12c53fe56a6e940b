#pragma once
// gRPC checks: the standard grpc.health.v1.Health/Check call, over HTTP/2 through the agent's
// QNetworkAccessManager (prior-knowledge h2c without TLS, ALPN h2 with grpc_use_tls). The
// tiny protobuf messages are encoded by hand: HealthCheckRequest{service = 1} and
// HealthCheckResponse{status = 1}, SERVING = 1. Outputs follow Consul's (grpc-go's) texts:
// "gRPC check <target>: success", "gRPC <target> serving status: NOT_SERVING",
// "rpc error: code = <Code> desc = <message>".
#include <QObject>

#include "checks/CheckRunner.h"

namespace qonsul::checks {

class GrpcRunner final : public QObject, public CheckRunner
{
public:
    GrpcRunner(Clock *clock, QNetworkAccessManager *nam, SharedTlsBase tls, const CheckSpec &spec,
               Notify notify);
    ~GrpcRunner() override;

protected:
    void begin() override;
    void abort() override;
    void cancel() override;

private:
    void done();
    QString m_target; // host:port[/service]
    QString m_server; // host:port
    QString m_service;
    bool m_tls;
    bool m_tlsSkipVerify;
    QString m_tlsServerName;
    SharedTlsBase m_tlsBase; // see CheckTls.h; read at each probe
    QString m_tlsError;          // the last failed verification, as Go reports it
    QNetworkAccessManager *m_nam;
    QNetworkReply *m_reply = nullptr;
};

// The protobuf/gRPC framing, exposed for unit tests.
QByteArray grpcHealthRequest(const QString &service); // length-prefixed message
// Reads the status of a length-prefixed HealthCheckResponse; -1 if malformed.
int grpcHealthStatus(const QByteArray &body);
QString grpcServingStatusName(int status); // UNKNOWN, SERVING, NOT_SERVING, SERVICE_UNKNOWN
QString grpcCodeName(int code);            // 5 → "NotFound", as grpc-go prints codes

} // namespace qonsul::checks

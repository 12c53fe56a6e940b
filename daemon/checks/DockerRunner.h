#pragma once
// Docker checks: run `args` (or `script` through `shell -c`) inside a container through the
// Docker Engine API, as Consul's DockerClient does: POST /containers/<id>/exec, POST
// /exec/<exec>/start (the output stream, demultiplexed into stdout+stderr), GET
// /exec/<exec>/json (ExitCode: 0 passing, 1 warning, else critical). The daemon is reached at
// DOCKER_HOST (unix:///var/run/docker.sock by default, or tcp://host:port) with one
// HTTP/1.1 request per connection; nothing blocks the event loop. Errors are Consul's texts
// ("create exec failed for unknown container <id>", ...). Consul applies no timeout to these
// checks; ours is the check's timeout (30s default), reported like a script's.
#include <QByteArray>
#include <QObject>
#include <functional>
#include <memory>

#include "checks/CheckRunner.h"

class QIODevice;

namespace qonsul::checks {

class DockerRunner final : public QObject, public CheckRunner
{
public:
    DockerRunner(Clock *clock, const CheckSpec &spec, int outputMaxSize, Notify notify);
    ~DockerRunner() override;

protected:
    void begin() override;
    void abort() override;
    void cancel() override;

private:
    struct Response
    {
        int status = 0;
        QByteArray body; // create / inspect: the whole (de-chunked) body
    };
    using Handler = std::function<void(const Response &)>;
    // One request on a new connection; `onDone` runs with the response, or the check fails
    // with "<what> failed for container <id>: <transport error>".
    void request(const QByteArray &method, const QString &path, const QByteArray &body, const QString &what,
                 Handler onDone);
    void received(const QByteArray &data);
    void closed();
    void created(const Response &r);
    void started(const Response &r);
    void inspected(const Response &r);
    void fail(const QString &output);
    QString output() const;

    QString m_container;
    QStringList m_cmd;
    QString m_host; // DOCKER_HOST as read at start
    int m_outputMaxSize;
    QIODevice *m_socket = nullptr;
    QByteArray m_raw;        // bytes before the body is known to be a stream
    bool m_streaming = false; // exec start: the body goes to m_output as it arrives
    bool m_multiplexed = false;
    bool m_sniffed = false;
    QByteArray m_frames; // what is not yet written: a partial frame header, or raw output
    quint32 m_frameLeft = 0; // payload bytes of the current multiplexed frame still to come
    Handler m_onDone;
    QString m_what;
    QString m_execId;
    std::unique_ptr<TailBuffer> m_output;
};

} // namespace qonsul::checks

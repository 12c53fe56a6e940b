#include "cluster/Upstream.h"

#include "core/Clock.h"
#include "rpc/ConnectionPool.h"

#include <memory>

namespace qonsul::cluster {

QString Upstream::noTargetError() const
{
    return kNoLeader;
}

namespace {
constexpr qint64 kRetryPauseMs = 50;

struct Attempt : std::enable_shared_from_this<Attempt>
{
    Clock *clock;
    rpc::ConnectionPool *pool;
    Upstream *upstream;
    QString method;
    QCborValue args;
    qint64 deadline;
    qint64 replyTimeoutMs;
    std::function<void(const QCborValue &, const QString &)> done;
    QString lastError;

    void run()
    {
        const QString target = upstream->target();
        if (target.isEmpty()) {
            retryOr(upstream->noTargetError());
            return;
        }
        pool->call(target, method, args, int(replyTimeoutMs),
                   [self = shared_from_this(), target](const QCborValue &result, const QString &error) {
                       if (error.isEmpty()) {
                           self->done(result, error);
                       } else if (rpc::ConnectionPool::neverSent(error)) {
                           self->upstream->unreachable(target);
                           self->retryOr(error);
                       } else if (error == kNoLeader) {
                           self->retryOr(error);
                       } else {
                           self->done({}, error);
                       }
                   });
    }

    void retryOr(const QString &error)
    {
        if (clock->monotonicMs() + kRetryPauseMs >= deadline) {
            done({}, error);
            return;
        }
        clock->schedule(kRetryPauseMs, [self = shared_from_this()] { self->run(); });
    }
};
} // namespace

void callUpstream(Clock *clock, rpc::ConnectionPool *pool, Upstream *upstream, const QString &method,
                  const QCborValue &args, qint64 holdMs, qint64 replyTimeoutMs,
                  std::function<void(const QCborValue &, const QString &)> done)
{
    auto attempt = std::make_shared<Attempt>();
    attempt->clock = clock;
    attempt->pool = pool;
    attempt->upstream = upstream;
    attempt->method = method;
    attempt->args = args;
    attempt->deadline = clock->monotonicMs() + holdMs;
    attempt->replyTimeoutMs = replyTimeoutMs;
    attempt->done = std::move(done);
    attempt->run();
}

} // namespace qonsul::cluster

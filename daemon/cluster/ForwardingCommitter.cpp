#include "cluster/ForwardingCommitter.h"

#include "raft/RaftNode.h"

#include <QCborMap>

using namespace Qt::StringLiterals;

namespace qonsul::cluster {

namespace {
// A forwarded write waits for its commit; allow for a slow disk on top of the hold.
constexpr qint64 kApplyReplyTimeoutMs = 30000;
}

ForwardingCommitter::ForwardingCommitter(Clock *clock, rpc::ConnectionPool *pool, Upstream *upstream, qint64 holdMs)
    : m_clock(clock)
    , m_pool(pool)
    , m_upstream(upstream)
    , m_holdMs(holdMs)
{
}

void ForwardingCommitter::setLocal(raft::RaftNode *local)
{
    m_local = local;
    m_raft.reset();
    if (local)
        m_raft.emplace(local);
}

bool ForwardingCommitter::isLeader() const
{
    return m_local && m_local->isLeader();
}

QString ForwardingCommitter::leaderAddress() const
{
    return m_raft ? m_raft->leaderAddress() : m_upstream->target();
}

qint64 ForwardingCommitter::lastContactMs() const
{
    return m_local ? std::max<qint64>(0, m_local->lastContactMs()) : 0;
}

void ForwardingCommitter::propose(const QCborMap &command, Done done)
{
    if (isLeader()) {
        m_raft->propose(command, std::move(done));
        return;
    }
    callUpstream(m_clock, m_pool, m_upstream, kApplyMethod, QCborMap{{u"c"_s, QCborValue(command).toCbor()}}, m_holdMs,
                 kApplyReplyTimeoutMs, [done = std::move(done)](const QCborValue &result, const QString &error) {
                     if (!done)
                         return;
                     if (!error.isEmpty()) {
                         done({}, 0, error);
                         return;
                     }
                     const QCborMap map = result.toMap();
                     const quint64 index = quint64(map.value(u"i"_s).toInteger());
                     if (index == 0) {
                         done({}, 0, u"malformed Raft.Apply reply"_s);
                         return;
                     }
                     done(state::ApplyResult{map.value(u"v"_s), map.value(u"e"_s).toString()}, index, QString());
                 });
}

void ForwardingCommitter::serveApply(const QCborValue &args, std::function<void(const QCborValue &, const QString &)> reply)
{
    QCborParserError parseError;
    const QCborValue command = QCborValue::fromCbor(args.toMap().value(u"c"_s).toByteArray(), &parseError);
    if (parseError.error != QCborError::NoError || !command.isMap()) {
        reply({}, u"malformed command"_s);
        return;
    }
    propose(command.toMap(), [reply = std::move(reply)](const state::ApplyResult &result, quint64 index, const QString &error) {
        if (!error.isEmpty()) {
            reply({}, error);
            return;
        }
        QCborMap out{{u"i"_s, qint64(index)}};
        if (!result.value.isUndefined())
            out.insert(u"v"_s, result.value);
        if (!result.error.isEmpty())
            out.insert(u"e"_s, result.error);
        reply(out, QString());
    });
}

} // namespace qonsul::cluster

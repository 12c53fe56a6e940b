#include "raft/RaftCommitter.h"

#include <QCborValue>

using namespace Qt::StringLiterals;

namespace qonsul::raft {

std::any StoreStateMachine::apply(const LogEntry &entry)
{
    QCborParserError error;
    const QCborValue command = QCborValue::fromCbor(entry.data, &error);
    if (error.error != QCborError::NoError || !command.isMap()) {
        // Every replica rejects the same bytes the same way, so the stores stay identical.
        return state::ApplyResult { {}, u"malformed command in the Raft log at index %1"_s.arg(entry.index) };
    }
    return m_store->apply(entry.index, command.toMap());
}

bool StoreStateMachine::restore(const QByteArray &data, const SnapshotMeta &)
{
    QString error;
    return m_store->restore(data, &error);
}

void RaftCommitter::propose(const QCborMap &command, Done done)
{
    m_node->propose(QCborValue(command).toCbor(), [done = std::move(done)](quint64 index, const std::any &result,
                                                                          const QString &error) {
        if (!done)
            return;
        if (!error.isEmpty() || index == 0) {
            done(state::ApplyResult {}, 0, error.isEmpty() ? u"not committed"_s : error);
            return;
        }
        const auto *applied = std::any_cast<state::ApplyResult>(&result);
        done(applied ? *applied : state::ApplyResult {}, index, QString());
    });
}

QString RaftCommitter::leaderAddress() const
{
    const Server *leader = m_node->configuration().find(m_node->leaderId());
    return leader ? leader->address : QString();
}

} // namespace qonsul::raft

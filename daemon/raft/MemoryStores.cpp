#include "raft/MemoryStores.h"

namespace qonsul::raft {

LogEntry MemoryLogStore::entry(quint64 index) const
{
    Q_ASSERT(index >= m_first && index <= lastIndex());
    return m_entries.at(qsizetype(index - m_first));
}

void MemoryLogStore::append(const QList<LogEntry> &entries)
{
    for (const LogEntry &e : entries) {
        Q_ASSERT(e.index == lastIndex() + 1);
        m_entries.append(e);
    }
}

void MemoryLogStore::truncateAfter(quint64 lastKept)
{
    if (lastKept >= lastIndex())
        return;
    if (lastKept + 1 <= m_first) {
        m_entries.clear();
        return;
    }
    m_entries.resize(qsizetype(lastKept + 1 - m_first));
}

void MemoryLogStore::truncateBefore(quint64 firstKept)
{
    if (firstKept <= m_first)
        return;
    if (firstKept > lastIndex()) {
        m_entries.clear();
    } else {
        m_entries.remove(0, qsizetype(firstKept - m_first));
    }
    m_first = firstKept;
}

} // namespace qonsul::raft

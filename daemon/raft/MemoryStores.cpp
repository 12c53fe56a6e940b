#include "raft/MemoryStores.h"

namespace qonsul::raft {

LogEntry MemoryLogStore::entry(quint64 index) const
{
    Q_ASSERT(index >= m_first && index <= lastIndex());
    return m_entries.at(qsizetype(index - m_first));
}

bool MemoryLogStore::append(const QList<LogEntry> &entries)
{
    for (const LogEntry &e : entries) {
        Q_ASSERT(e.index == lastIndex() + 1);
        m_entries.append(e);
    }
    return true;
}

bool MemoryLogStore::truncateAfter(quint64 lastKept)
{
    if (lastKept >= lastIndex())
        return true;
    if (lastKept + 1 <= m_first)
        m_entries.clear();
    else
        m_entries.resize(qsizetype(lastKept + 1 - m_first));
    return true;
}

bool MemoryLogStore::truncateBefore(quint64 firstKept)
{
    if (firstKept <= m_first)
        return true;
    if (firstKept > lastIndex()) {
        m_entries.clear();
    } else {
        m_entries.remove(0, qsizetype(firstKept - m_first));
    }
    m_first = firstKept;
    return true;
}

} // namespace qonsul::raft

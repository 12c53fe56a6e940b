#include "state/KvTable.h"

namespace qonsul::state {

KvTable::const_iterator &KvTable::const_iterator::operator++()
{
    ++m_it;
    if (m_it == m_table->m_chunks.at(m_chunk).cend()) {
        ++m_chunk;
        m_it = m_chunk < m_table->m_chunks.size() ? m_table->m_chunks.at(m_chunk).cbegin() : Chunk::const_iterator();
    }
    return *this;
}

KvTable::const_iterator KvTable::begin() const
{
    return m_chunks.isEmpty() ? end() : const_iterator(this, 0, m_chunks.at(0).cbegin());
}

qsizetype KvTable::chunkFor(const QString &key) const
{
    // The last chunk whose first key is <= key (the first chunk for a key before them all).
    qsizetype lo = 0;
    qsizetype hi = m_chunks.size() - 1;
    while (lo < hi) {
        const qsizetype mid = (lo + hi + 1) / 2;
        if (m_chunks.at(mid).firstKey() <= key)
            lo = mid;
        else
            hi = mid - 1;
    }
    return hi;
}

KvTable::const_iterator KvTable::constFind(const QString &key) const
{
    const qsizetype i = chunkFor(key);
    if (i < 0)
        return end();
    const Chunk &chunk = m_chunks.at(i);
    const auto it = chunk.constFind(key);
    return it == chunk.cend() ? end() : const_iterator(this, i, it);
}

KvTable::const_iterator KvTable::lowerBound(const QString &key) const
{
    const qsizetype i = chunkFor(key);
    if (i < 0)
        return end();
    const Chunk &chunk = m_chunks.at(i);
    const auto it = chunk.lowerBound(key);
    if (it != chunk.cend())
        return const_iterator(this, i, it);
    return i + 1 < m_chunks.size() ? const_iterator(this, i + 1, m_chunks.at(i + 1).cbegin()) : end();
}

api::KvEntry KvTable::value(const QString &key) const
{
    const const_iterator it = constFind(key);
    return it == end() ? api::KvEntry{} : *it;
}

QStringList KvTable::keys() const
{
    QStringList out;
    out.reserve(m_size);
    for (const Chunk &chunk : m_chunks)
        out.append(chunk.keys());
    return out;
}

void KvTable::insert(const QString &key, api::KvEntry entry)
{
    if (m_chunks.isEmpty()) {
        m_chunks.append(Chunk{{key, std::move(entry)}});
        m_size = 1;
        return;
    }
    const qsizetype i = chunkFor(key);
    Chunk &chunk = m_chunks[i]; // copies the chunk handles and this chunk only if shared
    const qsizetype before = chunk.size();
    chunk.insert(key, std::move(entry));
    m_size += chunk.size() - before;
    if (chunk.size() <= kMaxChunk)
        return;
    Chunk upper; // the upper half moves to a chunk of its own
    for (auto it = std::next(chunk.begin(), chunk.size() / 2); it != chunk.end();) {
        upper.insert(upper.cend(), it.key(), std::move(it.value()));
        it = chunk.erase(it);
    }
    m_chunks.insert(i + 1, std::move(upper));
}

void KvTable::remove(const QString &key)
{
    const qsizetype i = chunkFor(key);
    if (i < 0 || !m_chunks.at(i).contains(key)) // checked first: no copy of a shared chunk for nothing
        return;
    m_chunks[i].remove(key);
    --m_size;
    if (m_chunks.at(i).isEmpty())
        m_chunks.removeAt(i);
}

} // namespace qonsul::state

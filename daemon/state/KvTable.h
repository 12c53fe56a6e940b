#pragma once
// The KV table: keys in order, held as a list of chunks of at most kMaxChunk entries, each an
// implicitly shared QMap. A copy of the table (a Raft snapshot's capture, a transaction's undo
// copy) shares everything; the first write after it copies the list of chunk handles and the one
// chunk it changes, where a single QMap would copy all of its nodes (~60 ms for 100,000 keys).
#include <QList>
#include <QMap>
#include <QStringList>

#include "api/Types.h"

namespace qonsul::state {

class KvTable
{
public:
    using Chunk = QMap<QString, api::KvEntry>;
    static constexpr qsizetype kMaxChunk = 1024;

    // Read-only, in key order. Like QMap's, invalidated by any write to the table.
    class const_iterator
    {
    public:
        const QString &key() const { return m_it.key(); }
        const api::KvEntry &value() const { return m_it.value(); }
        const api::KvEntry &operator*() const { return m_it.value(); }
        const api::KvEntry *operator->() const { return &m_it.value(); }
        const_iterator &operator++();
        bool operator==(const const_iterator &o) const
        {
            return m_chunk == o.m_chunk && (m_chunk == m_table->m_chunks.size() || m_it == o.m_it);
        }
        bool operator!=(const const_iterator &o) const { return !(*this == o); }

    private:
        friend class KvTable;
        const_iterator(const KvTable *table, qsizetype chunk, Chunk::const_iterator it)
            : m_table(table), m_chunk(chunk), m_it(it) {}
        const KvTable *m_table;
        qsizetype m_chunk;
        Chunk::const_iterator m_it;
    };

    qsizetype size() const { return m_size; }
    const_iterator begin() const;
    const_iterator end() const { return const_iterator(this, m_chunks.size(), {}); }
    const_iterator constEnd() const { return end(); }
    const_iterator constFind(const QString &key) const;
    const_iterator lowerBound(const QString &key) const; // first key >= key
    api::KvEntry value(const QString &key) const;         // a default entry when missing
    QStringList keys() const;

    void insert(const QString &key, api::KvEntry entry); // adds or replaces
    void remove(const QString &key);

private:
    qsizetype chunkFor(const QString &key) const; // the chunk whose range holds key; -1 if empty

    QList<Chunk> m_chunks; // ordered, disjoint, never empty
    qsizetype m_size = 0;
};

} // namespace qonsul::state

#pragma once

class QObject;

namespace qonsul::platform {

// Once the agent has started, drops from its resident set the pages only start-up needed.
//
// Most of an idle agent's RSS is clean file pages of itself and the shared libraries (Qt, ICU,
// libstdc++, ...) that start-up touched: the dynamic linker reads every library's symbol tables
// and relocations, static initializers and config parsing run once, and the kernel maps 64 KB
// around every page touched. Those pages are shared through the page cache, so they cost the
// machine one copy, but each agent's RSS counts all of them. After `delayMs` this tells the
// kernel (madvise MADV_DONTNEED) that the agent no longer needs its read-only file mappings that
// hold no privately written page; what it still uses faults back in from the page cache without
// I/O. It frees no memory the machine would have (the page cache keeps the pages; Pss barely
// moves) and changes no behaviour; it makes RSS the agent's working set. Linux only; runs while
// the process has one thread (so no mapping can change under it), retrying a few times if not.
void scheduleResidentTrim(QObject *context, int delayMs);

// The trim itself, now: false (and nothing done) when the process has more than one thread or
// is not on Linux.
bool trimResidentPages();

// The trim without the thread check: the caller makes sure no other thread maps or unmaps
// memory meanwhile. Returns how many mappings it dropped (0 when not on Linux).
int dropCleanFilePages();

} // namespace qonsul::platform

#pragma once

#include <QLibrary>

namespace qonsul::core {

// A C library opened the first time one of its functions is needed instead of at program start.
// Every library a process maps costs it RSS even if never called: the dynamic linker reads its
// headers, symbol tables and relocations, and the kernel maps 64 KB around every page touched, so
// libarchive and its compressors (~1 MB) or libcrypto (~1.4 MB) would be in each of 100 client
// agents that never take a snapshot or encrypt gossip. Users list the functions they call in a
// struct built once (a function-local static, so threads may share it):
//
//     struct Libfoo {
//         core::LazyLibrary lib{"foo", 1, "doing X"};
//         QONSUL_LAZY_FUNCTION(foo_open);
//     };
class LazyLibrary
{
public:
    // name and major version as QLibrary takes them ("archive", 13 is libarchive.so.13); purpose
    // completes the fatal message when the library is missing ("... is needed for <purpose>").
    LazyLibrary(const char *name, int majorVersion, const char *purpose);

    // The function, loading the library on first use. A missing library or symbol is a broken
    // installation (the package depends on it), so it ends the process with a message naming it.
    template<typename Fn> Fn resolve(const char *symbol) { return reinterpret_cast<Fn>(function(symbol)); }

private:
    QFunctionPointer function(const char *symbol);

    QLibrary m_library;
    const char *m_purpose;
};

} // namespace qonsul::core

// A member of a lazy library's struct: the C function `fn` with its declared type, resolved when
// the struct is built. Must follow the struct's LazyLibrary member named `lib`.
#define QONSUL_LAZY_FUNCTION(fn) const decltype(&::fn) fn = lib.resolve<decltype(&::fn)>(#fn)

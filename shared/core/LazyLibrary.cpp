#include "core/LazyLibrary.h"

namespace qonsul::core {

LazyLibrary::LazyLibrary(const char *name, int majorVersion, const char *purpose)
    : m_library(QString::fromLatin1(name), majorVersion)
    , m_purpose(purpose)
{
}

QFunctionPointer LazyLibrary::function(const char *symbol)
{
    if (!m_library.isLoaded() && !m_library.load())
        qFatal("%s is needed for %s and could not be loaded: %s", qPrintable(m_library.fileName()), m_purpose,
               qPrintable(m_library.errorString()));
    const QFunctionPointer f = m_library.resolve(symbol);
    if (!f)
        qFatal("%s has no function %s (needed for %s)", qPrintable(m_library.fileName()), symbol, m_purpose);
    return f;
}

} // namespace qonsul::core

#include "platform/ResidentTrim.h"

#include "core/Logging.h"

#include <QDir>
#include <QFile>
#include <QTimer>

#ifdef Q_OS_LINUX
#include <malloc.h>
#include <sys/mman.h>
#endif

namespace qonsul::platform {

#ifdef Q_OS_LINUX
namespace {

constexpr int kRetryMs = 5000;
constexpr int kAttempts = 12;

struct Mapping
{
    quintptr start = 0;
    quintptr end = 0;
};

// Read-only file mappings without anonymous (written, copied-on-write) or swapped pages: every
// resident page of them is a clean page-cache page that can be dropped and faulted back in.
QList<Mapping> cleanFileMappings()
{
    QFile smaps(QStringLiteral("/proc/self/smaps"));
    if (!smaps.open(QIODevice::ReadOnly))
        return {};
    QList<Mapping> out;
    Mapping current;
    bool clean = false;
    // Read to the first empty line: atEnd() is true at once for /proc files (their size is 0).
    for (QByteArray line = smaps.readLine(); !line.isEmpty(); line = smaps.readLine()) {
        const QList<QByteArray> fields = line.simplified().split(' ');
        if (!fields[0].endsWith(':')) { // "start-end perms offset dev inode [path]"
            if (clean)
                out.append(current);
            const QList<QByteArray> range = fields[0].split('-');
            current = {range.value(0).toULongLong(nullptr, 16), range.value(1).toULongLong(nullptr, 16)};
            clean = fields.size() >= 6 && fields[5].startsWith('/') && !fields[1].contains('w')
                && current.end > current.start;
        } else if ((fields[0] == "Anonymous:" || fields[0] == "Swap:") && fields.value(1) != "0") {
            clean = false;
        }
    }
    if (clean)
        out.append(current);
    return out;
}

bool singleThreaded()
{
    return QDir(QStringLiteral("/proc/self/task")).entryList(QDir::Dirs | QDir::NoDotAndDotDot).size() == 1;
}

} // namespace

int dropCleanFilePages()
{
    const QList<Mapping> mappings = cleanFileMappings();
    for (const Mapping &m : mappings)
        madvise(reinterpret_cast<void *>(m.start), m.end - m.start, MADV_DONTNEED);
#ifdef __GLIBC__
    malloc_trim(0); // and the heap's free pages
#endif
    return int(mappings.size());
}

bool trimResidentPages()
{
    if (!singleThreaded())
        return false;
    const int dropped = dropCleanFilePages();
    qCDebug(lcAgent) << "dropped start-up pages of" << dropped << "file mappings from the resident set";
    return true;
}

namespace {

void attempt(QObject *context, int left)
{
    if (trimResidentPages() || left <= 1)
        return;
    QTimer::singleShot(kRetryMs, context, [context, left] { attempt(context, left - 1); });
}

} // namespace
#else
int dropCleanFilePages()
{
    return 0;
}

bool trimResidentPages()
{
    return false;
}
#endif

void scheduleResidentTrim(QObject *context, int delayMs)
{
#ifdef Q_OS_LINUX
    QTimer::singleShot(delayMs, context, [context] { attempt(context, kAttempts); });
#else
    Q_UNUSED(context);
    Q_UNUSED(delayMs);
#endif
}

} // namespace qonsul::platform

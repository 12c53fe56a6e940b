#include "platform/Preflight.h"

#include <QFile>

#include <pwd.h>
#include <sys/stat.h>
#include <unistd.h>

namespace qonsul::platform {

namespace {
QString userName(uid_t uid)
{
    const passwd *entry = ::getpwuid(uid);
    return entry ? QString::fromLocal8Bit(entry->pw_name) : QString::number(uid);
}
} // namespace

QString checkDataDirOwner(const QString &dataDir)
{
    struct stat info = {};
    if (dataDir.isEmpty() || ::stat(QFile::encodeName(dataDir).constData(), &info) != 0)
        return {};
    const uid_t self = ::geteuid();
    if (info.st_uid == self)
        return {};
    return QStringLiteral("data_dir \"%1\" is owned by user \"%2\" (uid %3), but the agent runs as \"%4\" "
                          "(uid %5): start the agent as \"%2\" or change the owner with `chown -R %4 %1`")
        .arg(dataDir, userName(info.st_uid))
        .arg(info.st_uid)
        .arg(userName(self))
        .arg(self);
}

} // namespace qonsul::platform

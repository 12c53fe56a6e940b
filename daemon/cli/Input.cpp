#include "cli/Input.h"

#include <QFile>
#include <cerrno>
#include <cstdio>
#include <cstring>
#include <fcntl.h>
#include <unistd.h>

namespace qonsul::cli {

namespace {

// strerror() text with a lower-case first letter, as Go's syscall errors read.
QString goErrno(int code)
{
    QString text = QString::fromLocal8Bit(std::strerror(code));
    if (!text.isEmpty())
        text[0] = text[0].toLower();
    return text;
}

} // namespace

bool readFile(const QString &path, QByteArray *data, QString *error)
{
    const QByteArray native = QFile::encodeName(path);
    const int fd = ::open(native.constData(), O_RDONLY | O_CLOEXEC);
    if (fd < 0) {
        *error = QStringLiteral("open %1: %2").arg(path, goErrno(errno));
        return false;
    }
    QByteArray result;
    char buffer[65536];
    while (true) {
        const ssize_t n = ::read(fd, buffer, sizeof buffer);
        if (n < 0 && errno == EINTR)
            continue;
        if (n < 0) {
            *error = QStringLiteral("read %1: %2").arg(path, goErrno(errno));
            ::close(fd);
            return false;
        }
        if (n == 0)
            break;
        result.append(buffer, n);
    }
    ::close(fd);
    *data = result;
    return true;
}

QByteArray readStdin()
{
    QFile in;
    if (!in.open(stdin, QIODevice::ReadOnly))
        return {};
    return in.readAll();
}

bool readDataArgument(const QString &arg, QByteArray *data, QString *error)
{
    if (arg.startsWith(u'@')) {
        QString why;
        if (!readFile(arg.mid(1), data, &why)) {
            *error = QStringLiteral("Failed to read file: %1").arg(why);
            return false;
        }
        return true;
    }
    if (arg == u"-") {
        *data = readStdin();
        return true;
    }
    *data = arg.toUtf8();
    return true;
}

} // namespace qonsul::cli

#include "platform/Syslog.h"

#include "core/Logging.h"

#include <QHash>

#include <syslog.h>

namespace qonsul::platform {

std::optional<int> syslogFacility(const QString &name)
{
    static const QHash<QString, int> facilities = {
        { QStringLiteral("KERN"), LOG_KERN },
        { QStringLiteral("USER"), LOG_USER },
        { QStringLiteral("MAIL"), LOG_MAIL },
        { QStringLiteral("DAEMON"), LOG_DAEMON },
        { QStringLiteral("AUTH"), LOG_AUTH },
        { QStringLiteral("SYSLOG"), LOG_SYSLOG },
        { QStringLiteral("LPR"), LOG_LPR },
        { QStringLiteral("NEWS"), LOG_NEWS },
        { QStringLiteral("UUCP"), LOG_UUCP },
        { QStringLiteral("CRON"), LOG_CRON },
        { QStringLiteral("AUTHPRIV"), LOG_AUTHPRIV },
        { QStringLiteral("FTP"), LOG_FTP },
        { QStringLiteral("LOCAL0"), LOG_LOCAL0 },
        { QStringLiteral("LOCAL1"), LOG_LOCAL1 },
        { QStringLiteral("LOCAL2"), LOG_LOCAL2 },
        { QStringLiteral("LOCAL3"), LOG_LOCAL3 },
        { QStringLiteral("LOCAL4"), LOG_LOCAL4 },
        { QStringLiteral("LOCAL5"), LOG_LOCAL5 },
        { QStringLiteral("LOCAL6"), LOG_LOCAL6 },
        { QStringLiteral("LOCAL7"), LOG_LOCAL7 },
    };
    const auto it = facilities.constFind(name.toUpper());
    if (it == facilities.constEnd())
        return std::nullopt;
    return *it;
}

namespace {
int priorityOf(LogLevel level)
{
    switch (level) {
    case LogLevel::Trace:
    case LogLevel::Debug:
        return LOG_DEBUG;
    case LogLevel::Info:
        return LOG_INFO;
    case LogLevel::Warn:
        return LOG_WARNING;
    case LogLevel::Error:
        return LOG_ERR;
    }
    return LOG_INFO;
}
} // namespace

bool installSyslog(const QString &facility, QString *error)
{
    const std::optional<int> code = syslogFacility(facility);
    if (!code) {
        *error = QStringLiteral("Syslog setup failed: invalid syslog facility \"%1\"").arg(facility);
        return false;
    }
    ::openlog("qonsul", LOG_PID | LOG_NDELAY, *code);
    // The sink sees every record; it passes on those at the current level, which reload changes.
    LogHub::addSink(LogLevel::Trace, [](LogLevel level, const QByteArray &line) {
        if (level < LogHub::level())
            return;
        QByteArray text = line;
        while (text.endsWith('\n'))
            text.chop(1);
        ::syslog(priorityOf(level), "%s", text.constData());
    });
    return true;
}

} // namespace qonsul::platform

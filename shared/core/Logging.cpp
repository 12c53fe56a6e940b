#include "core/Logging.h"

#include <QCoreApplication>
#include <QDateTime>
#include <QJsonDocument>
#include <QJsonObject>
#include <QMap>
#include <QThread>
#include <cstdio>

Q_LOGGING_CATEGORY(lcAgent, "agent")
Q_LOGGING_CATEGORY(lcHttp, "agent.http")
Q_LOGGING_CATEGORY(lcState, "agent.state")
Q_LOGGING_CATEGORY(lcConfig, "agent.config")
Q_LOGGING_CATEGORY(lcSession, "agent.session")
Q_LOGGING_CATEGORY(lcCli, "cli")

namespace qonsul {

namespace {

struct SinkEntry
{
    LogLevel minimum;
    LogHub::Sink sink;
};

LogLevel g_level = LogLevel::Info;
bool g_json = false;
int g_nextSink = 1;
QMap<int, SinkEntry> &sinks()
{
    static QMap<int, SinkEntry> s;
    return s;
}

LogLevel fromQt(QtMsgType type)
{
    switch (type) {
    case QtDebugMsg:
        return LogLevel::Debug;
    case QtInfoMsg:
        return LogLevel::Info;
    case QtWarningMsg:
        return LogLevel::Warn;
    default:
        return LogLevel::Error;
    }
}

const char *levelName(LogLevel level)
{
    static const char *names[] = {"TRACE", "DEBUG", "INFO", "WARN", "ERROR"};
    return names[int(level)];
}

void deliver(LogLevel level, const QByteArray &line)
{
    // Copy: a sink may remove itself (a monitor whose client went away).
    const auto current = sinks();
    for (const SinkEntry &entry : current) {
        if (level >= entry.minimum)
            entry.sink(level, line);
    }
}

void handler(QtMsgType type, const QMessageLogContext &context, const QString &message)
{
    const LogLevel level = fromQt(type);
    const char *category = context.category ? context.category : "agent";
    if (level >= g_level) {
        const QByteArray line = LogHub::format(level, category, message, g_json);
        std::fwrite(line.constData(), 1, size_t(line.size()), stderr);
        std::fflush(stderr);
    }
    // Sinks (a monitor's HTTP stream) belong to the main thread: a message logged on another
    // thread (the snapshot thread) is handed over to it rather than written from here.
    QCoreApplication *app = QCoreApplication::instance();
    QByteArray line = LogHub::format(level, category, message, false);
    if (app && QThread::currentThread() != app->thread())
        QMetaObject::invokeMethod(app, [level, line = std::move(line)] { deliver(level, line); }, Qt::QueuedConnection);
    else
        deliver(level, line);
    if (type == QtFatalMsg)
        std::abort();
}

} // namespace

std::optional<LogLevel> parseLogLevel(QStringView name)
{
    const QString n = name.toString().toLower();
    if (n == u"trace")
        return LogLevel::Trace;
    if (n == u"debug")
        return LogLevel::Debug;
    if (n == u"info")
        return LogLevel::Info;
    if (n == u"warn" || n == u"warning")
        return LogLevel::Warn;
    if (n == u"err" || n == u"error")
        return LogLevel::Error;
    return std::nullopt;
}

void LogHub::install(LogLevel level, bool json)
{
    g_level = level;
    g_json = json;
    qInstallMessageHandler(handler);
}

void LogHub::setLevel(LogLevel level)
{
    g_level = level;
}

LogLevel LogHub::level()
{
    return g_level;
}

int LogHub::addSink(LogLevel minimum, Sink sink)
{
    const int id = g_nextSink++;
    sinks().insert(id, {minimum, std::move(sink)});
    return id;
}

void LogHub::removeSink(int id)
{
    sinks().remove(id);
}

QByteArray LogHub::format(LogLevel level, const char *category, const QString &message, bool json)
{
    const QString stamp = QDateTime::currentDateTimeUtc().toString(Qt::ISODateWithMs);
    if (json) {
        QJsonObject o{{QStringLiteral("@timestamp"), stamp},
                      {QStringLiteral("@level"), QString::fromLatin1(levelName(level)).toLower()},
                      {QStringLiteral("@module"), QString::fromUtf8(category)},
                      {QStringLiteral("@message"), message}};
        return QJsonDocument(o).toJson(QJsonDocument::Compact) + '\n';
    }
    QByteArray tag = QByteArray("[") + levelName(level) + "]";
    tag = tag.leftJustified(7, ' ');
    return stamp.toUtf8() + ' ' + tag + ' ' + category + ": " + message.toUtf8() + '\n';
}

} // namespace qonsul

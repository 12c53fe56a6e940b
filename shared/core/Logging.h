#pragma once
// Logging categories for every subsystem, and the hub that formats records the way Consul's
// hclog does ("2026-01-02T03:04:05.678Z [INFO]  agent.http: message") and fans them out to
// stderr and to `/v1/agent/monitor` streams.
#include <QLoggingCategory>
#include <QObject>
#include <functional>

Q_DECLARE_LOGGING_CATEGORY(lcAgent)
Q_DECLARE_LOGGING_CATEGORY(lcHttp)
Q_DECLARE_LOGGING_CATEGORY(lcState)
Q_DECLARE_LOGGING_CATEGORY(lcConfig)
Q_DECLARE_LOGGING_CATEGORY(lcSession)
Q_DECLARE_LOGGING_CATEGORY(lcCli)

namespace qonsul {

enum class LogLevel { Trace = 0, Debug = 1, Info = 2, Warn = 3, Error = 4 };

// Parses "trace", "DEBUG", "info", "warn"/"warning", "err"/"error"; nullopt otherwise.
std::optional<LogLevel> parseLogLevel(QStringView name);

class LogHub
{
public:
    using Sink = std::function<void(LogLevel level, const QByteArray &line)>;

    // Installs the Qt message handler; records below `level` are not printed to stderr.
    static void install(LogLevel level, bool json = false);
    static void setLevel(LogLevel level);
    static LogLevel level();

    // Monitors see every record at or above their own level, even when stderr's level is higher.
    // Returns an id for removeSink. Called on the main thread only.
    static int addSink(LogLevel minimum, Sink sink);
    static void removeSink(int id);

    static QByteArray format(LogLevel level, const char *category, const QString &message, bool json);
};

} // namespace qonsul

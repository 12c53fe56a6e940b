#pragma once
// Command-line flags parsed the way Go's `flag` package parses them, since Consul's CLI is
// built on it: "-name value", "-name=value", "--name", booleans only take "=value", flags stop
// at the first positional argument or at "--", and the same error messages
// ("flag provided but not defined: -x", "invalid value \"y\" for flag -n: parse error").
#include <QMap>
#include <QString>
#include <QStringList>
#include <functional>
#include <memory>
#include <optional>

#include "client/ApiClient.h"

namespace qonsul::cli {

class FlagSet
{
public:
    // Setter: empty string on success, else the reason ("parse error", "value out of range").
    using Setter = std::function<QString(const QString &value)>;

    void addBool(const QString &name, bool *target, const QString &usage);
    void addString(const QString &name, QString *target, const QString &usage);
    void addOptString(const QString &name, std::optional<QString> *target, const QString &usage);
    void addUint64(const QString &name, quint64 *target, const QString &usage);
    void addInt(const QString &name, int *target, const QString &usage);
    void addDuration(const QString &name, qint64 *nanoseconds, const QString &usage);
    // key=value, repeatable.
    void addMap(const QString &name, QMap<QString, QString> *target, const QString &usage);
    // Repeatable, each occurrence appended.
    void addList(const QString &name, QStringList *target, const QString &usage);
    // Marks the flags added from now on as HTTP API flags (shown in their own help section).
    void beginHttpSection() { m_httpSection = true; }
    void endHttpSection() { m_httpSection = false; }

    // Parses; on error prints the Go message and the flag list to stderr and returns false.
    bool parse(const QStringList &args);
    const QStringList &args() const { return m_args; }

    // The "HTTP API Options" / "Command Options" sections of a command's help.
    QString helpSections() const;
    // Go's PrintDefaults listing, printed after a parse error.
    QString defaults() const;

private:
    struct Flag
    {
        QString name;
        QString usage;
        bool isBool = false;
        QString valueName; // "value", "string", "uint", ... (empty for booleans)
        bool http = false;
        Setter set;
    };
    void add(Flag flag);
    QString fail(const QString &message);

    QMap<QString, Flag> m_flags;
    QStringList m_args;
    bool m_httpSection = false;
};

// The HTTP client flags every API command shares, like Consul's HTTPFlags.
class HttpFlags
{
public:
    void addClientFlags(FlagSet &flags);
    void addServerFlags(FlagSet &flags); // -datacenter, -stale

    bool stale() const { return m_stale; }
    QString datacenter() const { return m_datacenter.value_or(QString()); }
    QString token() const { return m_token.value_or(QString()); }
    QString address() const { return m_address.value_or(QString()); }

    // A client for the environment plus these flags; nullptr and *error when it cannot be made.
    std::unique_ptr<client::ApiClient> makeClient(QString *error) const;

private:
    std::optional<QString> m_address;
    std::optional<QString> m_token;
    std::optional<QString> m_tokenFile;
    std::optional<QString> m_caFile;
    std::optional<QString> m_caPath;
    std::optional<QString> m_clientCert;
    std::optional<QString> m_clientKey;
    std::optional<QString> m_tlsServerName;
    std::optional<QString> m_datacenter;
    bool m_stale = false;
};

// Go's strconv.ParseUint(s, 0, 64) / ParseInt(s, 0, 64): decimal, 0x, 0o, 0b, leading-0 octal,
// '_' separators after a prefix. Empty reason on success.
QString parseGoUint(const QString &text, quint64 *value);
QString parseGoInt(const QString &text, qint64 *value);
// Go's %q for a plain string.
QString goQuote(const QString &s);

} // namespace qonsul::cli

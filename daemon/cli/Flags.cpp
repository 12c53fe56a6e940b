#include "cli/Flags.h"

#include "cli/Output.h"
#include "client/ClientConfig.h"
#include "core/Duration.h"

#include <limits>

namespace qonsul::cli {

namespace {

const QString kParseError = QStringLiteral("parse error");
const QString kRangeError = QStringLiteral("value out of range");

// Greedy word wrap at `width` columns, each line indented by `pad` spaces.
QString wrap(const QString &text, int width, int pad)
{
    QStringList lines;
    QString line;
    for (const QString &word : text.split(u' ', Qt::SkipEmptyParts)) {
        if (!line.isEmpty() && line.size() + 1 + word.size() > width) {
            lines << line;
            line.clear();
        }
        line += (line.isEmpty() ? QString() : QStringLiteral(" ")) + word;
    }
    if (!line.isEmpty())
        lines << line;
    const QString indent(pad, u' ');
    for (QString &l : lines)
        l.prepend(indent);
    return lines.join(u'\n');
}

} // namespace

QString goQuote(const QString &s)
{
    QString out = QStringLiteral("\"");
    for (const QChar c : s) {
        if (c == u'"' || c == u'\\')
            out += u'\\';
        out += c;
    }
    return out + u'"';
}

QString parseGoUint(const QString &input, quint64 *value)
{
    QString text = input;
    int base = 10;
    if (text.startsWith(QLatin1StringView("0x")) || text.startsWith(QLatin1StringView("0X"))) {
        base = 16;
        text = text.mid(2);
    } else if (text.startsWith(QLatin1StringView("0o")) || text.startsWith(QLatin1StringView("0O"))) {
        base = 8;
        text = text.mid(2);
    } else if (text.startsWith(QLatin1StringView("0b")) || text.startsWith(QLatin1StringView("0B"))) {
        base = 2;
        text = text.mid(2);
    } else if (text.size() > 1 && text.startsWith(u'0')) {
        base = 8;
        text = text.mid(1);
    }
    if (base != 10 || input.startsWith(u'0'))
        text.remove(u'_');
    if (text.isEmpty())
        return kParseError;
    quint64 v = 0;
    for (const QChar c : text) {
        const int d = c.isDigit()                          ? c.digitValue()
            : (c.toLower() >= u'a' && c.toLower() <= u'f') ? c.toLower().unicode() - 'a' + 10
                                                           : 99;
        if (d >= base)
            return kParseError;
        if (v > (std::numeric_limits<quint64>::max() - quint64(d)) / quint64(base))
            return kRangeError;
        v = v * quint64(base) + quint64(d);
    }
    *value = v;
    return {};
}

QString parseGoInt(const QString &text, qint64 *value)
{
    const bool negative = text.startsWith(u'-');
    quint64 magnitude = 0;
    const QString reason = parseGoUint(negative || text.startsWith(u'+') ? text.mid(1) : text, &magnitude);
    if (!reason.isEmpty())
        return reason;
    if (magnitude > quint64(std::numeric_limits<qint64>::max()) + (negative ? 1 : 0))
        return kRangeError;
    *value = negative ? qint64(0 - magnitude) : qint64(magnitude);
    return {};
}

void FlagSet::add(Flag flag)
{
    flag.http = m_httpSection;
    m_flags.insert(flag.name, std::move(flag));
}

void FlagSet::addBool(const QString &name, bool *target, const QString &usage)
{
    add({ name, usage, true, {}, false,
        [target](const QString &v) { return client::parseGoBool(v, target) ? QString() : kParseError; } });
}

void FlagSet::addString(const QString &name, QString *target, const QString &usage)
{
    add({ name, usage, false, QStringLiteral("string"), false, [target](const QString &v) {
             *target = v;
             return QString();
         } });
}

void FlagSet::addOptString(const QString &name, std::optional<QString> *target, const QString &usage)
{
    add({ name, usage, false, QStringLiteral("value"), false, [target](const QString &v) {
             *target = v;
             return QString();
         } });
}

void FlagSet::addUint64(const QString &name, quint64 *target, const QString &usage)
{
    add({ name, usage, false, QStringLiteral("uint"), false,
        [target](const QString &v) { return parseGoUint(v, target); } });
}

void FlagSet::addInt(const QString &name, int *target, const QString &usage)
{
    add({ name, usage, false, QStringLiteral("int"), false, [target](const QString &v) {
             qint64 value = 0;
             const QString reason = parseGoInt(v, &value);
             if (!reason.isEmpty())
                 return reason;
             if (value < std::numeric_limits<int>::min() || value > std::numeric_limits<int>::max())
                 return kRangeError;
             *target = int(value);
             return QString();
         } });
}

void FlagSet::addDuration(const QString &name, qint64 *nanoseconds, const QString &usage)
{
    add({ name, usage, false, QStringLiteral("duration"), false, [nanoseconds](const QString &v) {
             const auto parsed = parseDuration(v);
             if (!parsed)
                 return kParseError;
             *nanoseconds = *parsed;
             return QString();
         } });
}

void FlagSet::addMap(const QString &name, QMap<QString, QString> *target, const QString &usage)
{
    add({ name, usage, false, QStringLiteral("key=value"), false, [target](const QString &v) {
             const qsizetype eq = v.indexOf(u'=');
             if (eq < 0)
                 return QStringLiteral("Missing \"=\" value in argument: %1").arg(v);
             target->insert(v.left(eq), v.mid(eq + 1));
             return QString();
         } });
}

void FlagSet::addList(const QString &name, QStringList *target, const QString &usage)
{
    add({ name, usage, false, QStringLiteral("value"), false, [target](const QString &v) {
             target->append(v);
             return QString();
         } });
}

QString FlagSet::fail(const QString &message)
{
    err(message);
    err(QStringLiteral("Usage:\n") + defaults());
    return message;
}

bool FlagSet::parse(const QStringList &input)
{
    QStringList rest = input;
    while (!rest.isEmpty()) {
        const QString s = rest.first();
        if (s.size() < 2 || s[0] != u'-')
            break;
        int minuses = 1;
        if (s[1] == u'-') {
            minuses = 2;
            if (s.size() == 2) {
                rest.removeFirst();
                break;
            }
        }
        QString name = s.mid(minuses);
        if (name.isEmpty() || name[0] == u'-' || name[0] == u'=') {
            fail(QStringLiteral("bad flag syntax: %1").arg(s));
            return false;
        }
        rest.removeFirst();
        bool hasValue = false;
        QString value;
        const qsizetype eq = name.indexOf(u'=', 1);
        if (eq > 0) {
            value = name.mid(eq + 1);
            name = name.left(eq);
            hasValue = true;
        }
        const auto it = m_flags.constFind(name);
        if (it == m_flags.constEnd()) {
            fail(QStringLiteral("flag provided but not defined: -%1").arg(name));
            return false;
        }
        if (it->isBool) {
            if (!it->set(hasValue ? value : QStringLiteral("true")).isEmpty()) {
                fail(QStringLiteral("invalid boolean value %1 for -%2: parse error")
                         .arg(goQuote(value), name));
                return false;
            }
            continue;
        }
        if (!hasValue && !rest.isEmpty()) {
            value = rest.takeFirst();
            hasValue = true;
        }
        if (!hasValue) {
            fail(QStringLiteral("flag needs an argument: -%1").arg(name));
            return false;
        }
        const QString reason = it->set(value);
        if (!reason.isEmpty()) {
            fail(QStringLiteral("invalid value %1 for flag -%2: %3").arg(goQuote(value), name, reason));
            return false;
        }
    }
    m_args = rest;
    return true;
}

QString FlagSet::defaults() const
{
    QString out;
    for (const Flag &f : m_flags) {
        QString line = QStringLiteral("  -") + f.name;
        if (!f.valueName.isEmpty())
            line += u' ' + f.valueName;
        line += line.size() <= 4 ? QStringLiteral("\t") : QStringLiteral("\n    \t");
        line += f.usage;
        out += line + u'\n';
    }
    if (out.endsWith(u'\n'))
        out.chop(1);
    return out;
}

QString FlagSet::helpSections() const
{
    QString http;
    QString command;
    for (const Flag &f : m_flags) {
        QString entry = QStringLiteral("  -") + f.name;
        if (!f.valueName.isEmpty())
            entry += QStringLiteral("=<%1>").arg(f.valueName);
        entry += u'\n' + wrap(f.usage, 67, 5) + QStringLiteral("\n\n");
        (f.http ? http : command) += entry;
    }
    QString out;
    if (!http.isEmpty())
        out += QStringLiteral("HTTP API Options\n\n") + http;
    if (!command.isEmpty())
        out += QStringLiteral("Command Options\n\n") + command;
    while (out.endsWith(u'\n'))
        out.chop(1);
    return out;
}

// ---------------------------------------------------------------------------------------------

void HttpFlags::addClientFlags(FlagSet &flags)
{
    flags.beginHttpSection();
    flags.addOptString(QStringLiteral("http-addr"), &m_address,
        QStringLiteral("Address and port of the agent's HTTP API (host:port, http://, https:// "
                       "or unix://). Defaults to CONSUL_HTTP_ADDR, else 127.0.0.1:8500."));
    flags.addOptString(QStringLiteral("token"), &m_token,
        QStringLiteral("ACL token for the request. Defaults to CONSUL_HTTP_TOKEN, else the "
                       "agent's own default token."));
    flags.addOptString(QStringLiteral("token-file"), &m_tokenFile,
        QStringLiteral("File holding the ACL token; takes precedence over -token. Defaults to "
                       "CONSUL_HTTP_TOKEN_FILE."));
    flags.addOptString(QStringLiteral("ca-file"), &m_caFile,
        QStringLiteral("CA certificate file for TLS to the agent. Defaults to CONSUL_CACERT."));
    flags.addOptString(QStringLiteral("ca-path"), &m_caPath,
        QStringLiteral("Directory of CA certificates for TLS. Defaults to CONSUL_CAPATH."));
    flags.addOptString(QStringLiteral("client-cert"), &m_clientCert,
        QStringLiteral("Client certificate for TLS when the agent verifies clients. Defaults to "
                       "CONSUL_CLIENT_CERT."));
    flags.addOptString(QStringLiteral("client-key"), &m_clientKey,
        QStringLiteral("Key of the client certificate. Defaults to CONSUL_CLIENT_KEY."));
    flags.addOptString(QStringLiteral("tls-server-name"), &m_tlsServerName,
        QStringLiteral("Server name to verify on the agent's certificate. Defaults to "
                       "CONSUL_TLS_SERVER_NAME."));
    flags.endHttpSection();
}

void HttpFlags::addServerFlags(FlagSet &flags)
{
    flags.beginHttpSection();
    flags.addOptString(QStringLiteral("datacenter"), &m_datacenter,
        QStringLiteral("Datacenter to query. Defaults to the datacenter of the agent."));
    flags.addBool(QStringLiteral("stale"), &m_stale,
        QStringLiteral("Let any server answer reads, not only the leader: faster, possibly "
                       "out of date. No effect on writes. Default false."));
    flags.endHttpSection();
}

std::unique_ptr<client::ApiClient> HttpFlags::makeClient(QString *error) const
{
    client::ClientConfig config = client::ClientConfig::fromEnvironment();
    if (m_address)
        config.address = *m_address;
    if (m_token)
        config.token = *m_token;
    if (m_tokenFile)
        config.tokenFile = *m_tokenFile;
    if (m_caFile)
        config.caFile = *m_caFile;
    if (m_caPath)
        config.caPath = *m_caPath;
    if (m_clientCert)
        config.clientCert = *m_clientCert;
    if (m_clientKey)
        config.clientKey = *m_clientKey;
    if (m_tlsServerName)
        config.tlsServerName = *m_tlsServerName;
    if (m_datacenter)
        config.datacenter = *m_datacenter;
    auto client = std::make_unique<client::ApiClient>(config);
    if (!client->isValid()) {
        *error = client->setupError();
        return nullptr;
    }
    return client;
}

} // namespace qonsul::cli

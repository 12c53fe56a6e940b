// `qonsul kv get|put|delete|export|import`: Consul's KV commands over /v1/kv.
#include "cli/ApiData.h"
#include "cli/Command.h"
#include "cli/Input.h"
#include "cli/Output.h"

#include <QJsonArray>
#include <QJsonDocument>
#include <QJsonObject>
#include <cctype>

namespace qonsul::cli {

namespace {

using client::Request;
using client::Response;

QString kvPath(const QString &key)
{
    return QStringLiteral("/v1/kv/") + (key.startsWith(u'/') ? key.mid(1) : key);
}

QString stripSlash(const QString &key)
{
    return key.startsWith(u'/') ? key.mid(1) : key;
}

// The seven aligned lines of -detailed (text/tabwriter, padding 6: values start at column 17).
QByteArray detailed(const KvPair &p, bool base64)
{
    QByteArray text;
    auto line = [&](const char *name, const QByteArray &value, bool last = false) {
        text += QByteArray(name).leftJustified(17, ' ') + value;
        if (!last)
            text += '\n';
    };
    line("CreateIndex", QByteArray::number(p.createIndex));
    line("Flags", QByteArray::number(p.flags));
    line("Key", p.key.toUtf8());
    line("LockIndex", QByteArray::number(p.lockIndex));
    line("ModifyIndex", QByteArray::number(p.modifyIndex));
    line("Session", p.session.isEmpty() ? QByteArray("-") : p.session.toUtf8());
    line("Value", base64 ? p.value.toBase64() : p.value, true);
    return text;
}

// ---------------------------------------------------------------------------------------------

class KvGet final : public Command
{
public:
    KvGet()
    {
        m_flags.addBool(QStringLiteral("base64"), &m_base64, QStringLiteral("Print values base64-encoded."));
        m_flags.addBool(QStringLiteral("detailed"), &m_detailed,
            QStringLiteral("Print the key's metadata (indexes, flags, session) with its value."));
        m_flags.addBool(QStringLiteral("keys"), &m_keys,
            QStringLiteral("List the key names under the prefix instead of values; see -separator."));
        m_flags.addBool(QStringLiteral("recurse"), &m_recurse,
            QStringLiteral("Treat the path as a prefix and print every pair below it."));
        m_flags.addString(QStringLiteral("separator"), &m_separator,
            QStringLiteral("With -keys, list only up to the next occurrence of this string. "
                           "Default \"/\"."));
        m_http.addClientFlags(m_flags);
        m_http.addServerFlags(m_flags);
    }
    QString synopsis() const override { return QStringLiteral("Retrieves or lists data from the KV store"); }
    QString usage() const override
    {
        return QStringLiteral("Usage: qonsul kv get [options] [KEY_OR_PREFIX]\n\n"
                              "  Prints the value stored at KEY. A missing key is an error; a key without\n"
                              "  data prints an empty line. With -recurse every pair under the prefix is\n"
                              "  printed as key:value, with -keys only the names, and -detailed adds the\n"
                              "  metadata of each pair.\n\n"
                              "      $ qonsul kv get redis/config/minconns\n"
                              "      $ qonsul kv get -detailed redis/config/minconns\n"
                              "      $ qonsul kv get -recurse redis\n"
                              "      $ qonsul kv get -keys redis/");
    }

    int run(const QStringList &args) override
    {
        if (!m_flags.parse(args))
            return 1;
        const QStringList rest = m_flags.args();
        if (rest.size() > 1) {
            err(QStringLiteral("Too many arguments (expected 1, got %1)").arg(rest.size()));
            return 1;
        }
        const QString key = stripSlash(rest.value(0));
        if (key.isEmpty() && !(m_recurse || m_keys)) {
            err(QStringLiteral("Error! Missing KEY argument"));
            return 1;
        }
        auto client = connectOrReport(m_http);
        if (!client)
            return 1;

        Request req { "GET", kvPath(key) };
        if (m_http.stale())
            req.param(QStringLiteral("stale"));
        if (m_keys) {
            req.param(QStringLiteral("keys"));
            if (!m_separator.isEmpty())
                req.param(QStringLiteral("separator"), m_separator);
        } else if (m_recurse) {
            req.param(QStringLiteral("recurse"));
        }
        const Response r = client->call(req);
        if (r.status == 404) {
            if (m_keys || m_recurse)
                return 0;
            err(QStringLiteral("Error! No key exists at: %1").arg(key));
            return 1;
        }
        if (!r.ok()) {
            err(QStringLiteral("Error querying Consul agent: %1").arg(r.errorText()));
            return 1;
        }
        if (m_keys) {
            for (const QJsonValue &k : QJsonDocument::fromJson(r.body).array())
                out(k.toString());
            return 0;
        }
        const QList<KvPair> pairs = parseKvPairs(r.body);
        if (m_recurse) {
            for (qsizetype i = 0; i < pairs.size(); ++i) {
                const KvPair &p = pairs[i];
                if (m_detailed) {
                    out(detailed(p, m_base64));
                    if (i < pairs.size() - 1)
                        out(QByteArray());
                } else {
                    out(p.key.toUtf8() + ':' + (m_base64 ? p.value.toBase64() : p.value));
                }
            }
            return 0;
        }
        if (pairs.isEmpty()) {
            err(QStringLiteral("Error! No key exists at: %1").arg(key));
            return 1;
        }
        out(m_detailed ? detailed(pairs.first(), m_base64) : pairs.first().value);
        return 0;
    }

private:
    bool m_base64 = false;
    bool m_detailed = false;
    bool m_keys = false;
    bool m_recurse = false;
    QString m_separator = QStringLiteral("/");
};

// ---------------------------------------------------------------------------------------------

class KvPut final : public Command
{
public:
    KvPut()
    {
        m_flags.addBool(QStringLiteral("acquire"), &m_acquire,
            QStringLiteral("Take the lock on the key for -session (the key is created if "
                           "missing)."));
        m_flags.addBool(QStringLiteral("base64"), &m_base64, QStringLiteral("DATA is base64-encoded."));
        m_flags.addBool(QStringLiteral("cas"), &m_cas,
            QStringLiteral("Check-and-set: write only if the key's ModifyIndex equals "
                           "-modify-index."));
        m_flags.addUint64(QStringLiteral("flags"), &m_kvFlags,
            QStringLiteral("Opaque unsigned integer stored with the pair. Default 0."));
        m_flags.addUint64(QStringLiteral("modify-index"), &m_modifyIndex,
            QStringLiteral("The ModifyIndex the key must have, for -cas."));
        m_flags.addBool(QStringLiteral("release"), &m_release,
            QStringLiteral("Give up the lock -session holds on the key."));
        m_flags.addString(
            QStringLiteral("session"), &m_session, QStringLiteral("Session ID for -acquire and -release."));
        m_http.addClientFlags(m_flags);
        m_http.addServerFlags(m_flags);
    }
    QString synopsis() const override { return QStringLiteral("Sets or updates data in the KV store"); }
    QString usage() const override
    {
        return QStringLiteral(
            "Usage: qonsul kv put [options] KEY [DATA]\n\n"
            "  Stores DATA at KEY. DATA may be literal text, @FILE to read a file, or - to\n"
            "  read standard input; without DATA the key is stored empty.\n\n"
            "      $ qonsul kv put redis/config/maxconns 5\n"
            "      $ qonsul kv put app/license @license.lic\n"
            "      $ echo abc | qonsul kv put app/token -\n"
            "      $ qonsul kv put -cas -modify-index=33 redis/config/maxconns 8");
    }

    int run(const QStringList &args) override
    {
        if (!m_flags.parse(args))
            return 1;
        const QStringList rest = m_flags.args();
        if (rest.isEmpty()) {
            err(QStringLiteral("Error! Missing KEY argument"));
            return 1;
        }
        if (rest.size() > 2) {
            err(QStringLiteral("Error! Too many arguments (expected 1 or 2, got %1)").arg(rest.size()));
            return 1;
        }
        const QString key = rest[0];
        QByteArray data;
        if (rest.size() == 2) {
            QString error;
            if (!readDataArgument(rest[1], &data, &error)) {
                err(QStringLiteral("Error! %1").arg(error));
                return 1;
            }
        }
        if (m_base64) {
            const auto decoded
                = QByteArray::fromBase64Encoding(data, QByteArray::AbortOnBase64DecodingErrors);
            if (!decoded) {
                err(QStringLiteral("Error! Cannot base 64 decode data: illegal base64 data at input byte %1")
                        .arg(firstBadBase64Byte(data)));
                return 1;
            }
            data = *decoded;
        }
        if ((m_release || m_acquire) && m_session.isEmpty()) {
            err(QStringLiteral("Error! Missing -session (required with -acquire and -release)"));
            return 1;
        }
        if (m_cas && m_modifyIndex == 0) {
            err(QStringLiteral("Must specify -modify-index with -cas!"));
            return 1;
        }
        auto client = connectOrReport(m_http);
        if (!client)
            return 1;

        Request req { "PUT", kvPath(key) };
        req.body = data;
        req.contentType = "application/octet-stream";
        if (m_kvFlags != 0)
            req.param(QStringLiteral("flags"), QString::number(m_kvFlags));
        if (m_cas)
            req.param(QStringLiteral("cas"), QString::number(m_modifyIndex));
        else if (m_acquire)
            req.param(QStringLiteral("acquire"), m_session);
        else if (m_release)
            req.param(QStringLiteral("release"), m_session);
        const Response r = client->call(req);
        const bool accepted = r.ok() && r.body.trimmed() == "true";

        if (m_cas) {
            if (!r.ok()) {
                err(QStringLiteral("Error! Did not write to %1: %2").arg(key, r.errorText()));
                return 1;
            }
            if (!accepted) {
                err(QStringLiteral("Error! Did not write to %1: CAS failed").arg(key));
                return 1;
            }
            out(QStringLiteral("Success! Data written to: %1").arg(key));
            return 0;
        }
        if (m_acquire) {
            if (!r.ok()) {
                err(QStringLiteral("Error! Failed writing data: %1").arg(r.errorText()));
                return 1;
            }
            if (!accepted) {
                err(QStringLiteral("Error! Did not acquire lock"));
                return 1;
            }
            out(QStringLiteral("Success! Lock acquired on: %1").arg(key));
            return 0;
        }
        if (m_release) {
            if (!r.ok()) {
                err(QStringLiteral("Error! Failed writing data: %1").arg(key));
                return 1;
            }
            if (!accepted) {
                err(QStringLiteral("Error! Did not release lock"));
                return 1;
            }
            out(QStringLiteral("Success! Lock released on: %1").arg(key));
            return 0;
        }
        if (!r.ok()) {
            err(QStringLiteral("Error! Failed writing data: %1").arg(r.errorText()));
            return 1;
        }
        out(QStringLiteral("Success! Data written to: %1").arg(key));
        return 0;
    }

private:
    static int firstBadBase64Byte(const QByteArray &data)
    {
        for (qsizetype i = 0; i < data.size(); ++i) {
            const char c = data[i];
            if (!(std::isalnum(uchar(c)) || c == '+' || c == '/' || c == '='))
                return int(i);
        }
        return int(data.size() - data.size() % 4);
    }

    bool m_acquire = false;
    bool m_base64 = false;
    bool m_cas = false;
    quint64 m_kvFlags = 0;
    quint64 m_modifyIndex = 0;
    bool m_release = false;
    QString m_session;
};

// ---------------------------------------------------------------------------------------------

class KvDelete final : public Command
{
public:
    KvDelete()
    {
        m_flags.addBool(QStringLiteral("cas"), &m_cas,
            QStringLiteral("Check-and-set: delete only if the key's ModifyIndex equals "
                           "-modify-index."));
        m_flags.addUint64(QStringLiteral("modify-index"), &m_modifyIndex,
            QStringLiteral("The ModifyIndex the key must have, for -cas."));
        m_flags.addBool(QStringLiteral("recurse"), &m_recurse,
            QStringLiteral("Delete every key that starts with the given prefix."));
        m_http.addClientFlags(m_flags);
        m_http.addServerFlags(m_flags);
    }
    QString synopsis() const override { return QStringLiteral("Removes data from the KV store"); }
    QString usage() const override
    {
        return QStringLiteral("Usage: qonsul kv delete [options] KEY_OR_PREFIX\n\n"
                              "  Deletes the key (nothing happens when it does not exist), or with -recurse\n"
                              "  every key under the prefix.\n\n"
                              "      $ qonsul kv delete redis/config/minconns\n"
                              "      $ qonsul kv delete -recurse redis");
    }

    int run(const QStringList &args) override
    {
        if (!m_flags.parse(args))
            return 1;
        const QStringList rest = m_flags.args();
        if (rest.size() > 1) {
            err(QStringLiteral("Too many arguments (expected 1, got %1)").arg(rest.size()));
            return 1;
        }
        const QString key = stripSlash(rest.value(0));
        if (key.isEmpty() && !m_recurse) {
            err(QStringLiteral("Error! Missing KEY argument"));
            return 1;
        }
        if (m_cas && m_modifyIndex == 0) {
            err(QStringLiteral(
                "Cannot delete a key that does not exist. Provide a -modify-index greater than than 0."));
            return 1;
        }
        if (m_modifyIndex != 0 && !m_cas) {
            err(QStringLiteral("Cannot specify -modify-index without -cas!"));
            return 1;
        }
        if (m_recurse && m_cas) {
            err(QStringLiteral("Cannot specify both -cas and -recurse!"));
            return 1;
        }
        auto client = connectOrReport(m_http);
        if (!client)
            return 1;

        Request req { "DELETE", kvPath(key) };
        if (m_recurse) {
            req.param(QStringLiteral("recurse"));
            const Response r = client->call(req);
            if (!r.ok()) {
                err(QStringLiteral("Error! Did not delete prefix %1: %2").arg(key, r.errorText()));
                return 1;
            }
            out(QStringLiteral("Success! Deleted keys with prefix: %1").arg(key));
            return 0;
        }
        if (m_cas) {
            req.param(QStringLiteral("cas"), QString::number(m_modifyIndex));
            const Response r = client->call(req);
            if (!r.ok()) {
                err(QStringLiteral("Error! Did not delete key %1: %2").arg(key, r.errorText()));
                return 1;
            }
            if (r.body.trimmed() != "true") {
                err(QStringLiteral("Error! Did not delete key %1: CAS failed").arg(key));
                return 1;
            }
            out(QStringLiteral("Success! Deleted key: %1").arg(key));
            return 0;
        }
        const Response r = client->call(req);
        if (!r.ok()) {
            err(QStringLiteral("Error deleting key %1: %2").arg(key, r.errorText()));
            return 1;
        }
        out(QStringLiteral("Success! Deleted key: %1").arg(key));
        return 0;
    }

private:
    bool m_cas = false;
    quint64 m_modifyIndex = 0;
    bool m_recurse = false;
};

// ---------------------------------------------------------------------------------------------

class KvExport final : public Command
{
public:
    KvExport()
    {
        m_http.addClientFlags(m_flags);
        m_http.addServerFlags(m_flags);
    }
    QString synopsis() const override { return QStringLiteral("Exports a tree from the KV store as JSON"); }
    QString usage() const override
    {
        return QStringLiteral("Usage: qonsul kv export [options] [KEY_OR_PREFIX]\n\n"
                              "  Prints every pair under the prefix as a JSON array of {key, flags, value}\n"
                              "  objects (values base64-encoded), the input \"qonsul kv import\" reads.\n\n"
                              "      $ qonsul kv export vault > vault.json");
    }

    int run(const QStringList &args) override
    {
        if (!m_flags.parse(args))
            return 1;
        const QStringList rest = m_flags.args();
        if (rest.size() > 1) {
            err(QStringLiteral("Too many arguments (expected 1, got %1)").arg(rest.size()));
            return 1;
        }
        const QString key = stripSlash(rest.value(0));
        auto client = connectOrReport(m_http);
        if (!client)
            return 1;
        Request req { "GET", kvPath(key) };
        req.param(QStringLiteral("recurse"));
        if (m_http.stale())
            req.param(QStringLiteral("stale"));
        const Response r = client->call(req);
        if (!r.ok() && r.status != 404) {
            err(QStringLiteral("Error querying Consul agent: %1").arg(r.errorText()));
            return 1;
        }
        const QList<KvPair> pairs = r.status == 404 ? QList<KvPair>() : parseKvPairs(r.body);
        if (pairs.isEmpty()) {
            out(QByteArray("[]"));
            return 0;
        }
        QByteArray text = "[\n";
        for (qsizetype i = 0; i < pairs.size(); ++i) {
            const KvPair &p = pairs[i];
            text += "\t{\n\t\t\"key\": " + goJsonString(p.key) + ",\n\t\t\"flags\": "
                + QByteArray::number(p.flags) + ",\n\t\t\"value\": \"" + p.value.toBase64() + "\"\n\t}";
            text += i + 1 < pairs.size() ? ",\n" : "\n";
        }
        text += ']';
        out(text);
        return 0;
    }
};

// ---------------------------------------------------------------------------------------------

class KvImport final : public Command
{
public:
    KvImport()
    {
        m_flags.addString(QStringLiteral("prefix"), &m_prefix,
            QStringLiteral("Key prefix for the imported pairs. Default: none (the keys as "
                           "exported)."));
        m_http.addClientFlags(m_flags);
        m_http.addServerFlags(m_flags);
    }
    QString synopsis() const override
    {
        return QStringLiteral("Imports a tree stored as JSON to the KV store");
    }
    QString usage() const override
    {
        return QStringLiteral("Usage: qonsul kv import [options] [DATA]\n\n"
                              "  Writes the pairs of a \"qonsul kv export\" JSON document. DATA is the JSON\n"
                              "  itself, @FILE to read a file, or - to read standard input.\n\n"
                              "      $ qonsul kv import @vault.json\n"
                              "      $ cat vault.json | qonsul kv import -prefix=copy/ -");
    }

    int run(const QStringList &args) override
    {
        if (!m_flags.parse(args))
            return 1;
        const QStringList rest = m_flags.args();
        if (rest.isEmpty()) {
            err(QStringLiteral("Error! Missing DATA argument"));
            return 1;
        }
        if (rest.size() > 1) {
            err(QStringLiteral("Error! Too many arguments (expected 1, got %1)").arg(rest.size()));
            return 1;
        }
        if (rest[0].isEmpty()) {
            err(QStringLiteral("Error! Empty DATA argument"));
            return 1;
        }
        QByteArray data;
        QString error;
        if (!readDataArgument(rest[0], &data, &error)) {
            err(QStringLiteral("Error! %1").arg(error));
            return 1;
        }
        auto client = connectOrReport(m_http);
        if (!client)
            return 1;
        QJsonParseError parseError;
        const QJsonDocument doc = QJsonDocument::fromJson(data, &parseError);
        if (parseError.error != QJsonParseError::NoError || !(doc.isArray() || doc.isNull())) {
            err(QStringLiteral("Cannot unmarshal data: %1")
                    .arg(parseError.error != QJsonParseError::NoError
                            ? parseError.errorString()
                                + QStringLiteral(" at offset %1").arg(parseError.offset)
                            : QStringLiteral("json: cannot unmarshal object into Go value of type "
                                             "[]*impexp.Entry")));
            return 1;
        }
        for (const QJsonValue &item : doc.array()) {
            const QJsonObject o = item.toObject();
            // Go's decoder matches field names case-insensitively.
            QString key;
            QString value;
            quint64 flags = 0;
            for (auto it = o.begin(); it != o.end(); ++it) {
                const QString name = it.key().toLower();
                if (name == u"key")
                    key = it.value().toString();
                else if (name == u"value")
                    value = it.value().toString();
                else if (name == u"flags")
                    flags = it.value().toVariant().toULongLong();
            }
            const auto decoded
                = QByteArray::fromBase64Encoding(value.toLatin1(), QByteArray::AbortOnBase64DecodingErrors);
            if (!decoded) {
                err(QStringLiteral("Error base 64 decoding value for key %1: illegal base64 data").arg(key));
                return 1;
            }
            const QString target = m_prefix.isEmpty() ? key : joinPath(m_prefix, key);
            Request req { "PUT", kvPath(target) };
            req.body = *decoded;
            req.contentType = "application/octet-stream";
            if (flags != 0)
                req.param(QStringLiteral("flags"), QString::number(flags));
            const Response r = client->call(req);
            if (!r.ok()) {
                err(QStringLiteral("Error! Failed writing data for key %1: %2").arg(target, r.errorText()));
                return 1;
            }
            out(QStringLiteral("Imported: %1").arg(target));
        }
        return 0;
    }

private:
    // Go's path.Join: the elements joined by '/', then cleaned.
    static QString joinPath(const QString &a, const QString &b)
    {
        const QString joined = a + u'/' + b;
        QStringList parts;
        for (const QString &part : joined.split(u'/', Qt::SkipEmptyParts)) {
            if (part == u".")
                continue;
            if (part == u".." && !parts.isEmpty() && parts.last() != u"..")
                parts.removeLast();
            else
                parts << part;
        }
        return (joined.startsWith(u'/') ? QStringLiteral("/") : QString()) + parts.join(u'/');
    }

    QString m_prefix;
};

} // namespace

void addKvCommands(CommandTable &table)
{
    table[QStringLiteral("kv")] = [] {
        return std::make_unique<ParentCommand>(QStringLiteral("Interact with the key-value store"),
            QStringLiteral("Usage: qonsul kv <subcommand> [options] [args]\n\n"
                           "  Reads and writes Consul's key-value store: get, put, delete, export and\n"
                           "  import. Run a subcommand with -h for its options."));
    };
    table[QStringLiteral("kv get")] = [] { return std::make_unique<KvGet>(); };
    table[QStringLiteral("kv put")] = [] { return std::make_unique<KvPut>(); };
    table[QStringLiteral("kv delete")] = [] { return std::make_unique<KvDelete>(); };
    table[QStringLiteral("kv export")] = [] { return std::make_unique<KvExport>(); };
    table[QStringLiteral("kv import")] = [] { return std::make_unique<KvImport>(); };
}

} // namespace qonsul::cli

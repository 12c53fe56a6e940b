// `qonsul snapshot save|restore|inspect`: archives of the servers' state, as Consul's commands.
#include "cli/Command.h"
#include "cli/Output.h"

#include "snapshot/SnapshotArchive.h"
#include "state/SnapshotContents.h"

#include <QFile>
#include <QJsonArray>
#include <QJsonDocument>
#include <QJsonObject>
#include <QSaveFile>

#include <algorithm>

namespace qonsul::cli {

namespace {

using client::Response;

// Exactly one FILE argument, with Consul's messages otherwise.
bool oneFile(const FlagSet &flags, QString *file)
{
    const QStringList args = flags.args();
    if (args.isEmpty()) {
        err(QStringLiteral("Missing FILE argument"));
        return false;
    }
    if (args.size() > 1) {
        err(QStringLiteral("Too many arguments (expected 1, got %1)").arg(args.size()));
        return false;
    }
    *file = args.first();
    return true;
}

// Go's humanize-style byte size of Consul's inspect output: 1024-based, one decimal, ".0" dropped.
QString byteSize(qint64 bytes)
{
    if (bytes == 0)
        return QStringLiteral("0");
    const char *units[] = {"B", "KB", "MB", "GB", "TB"};
    double value = double(bytes);
    int unit = 0;
    while (value >= 1024 && unit < 4) {
        value /= 1024;
        ++unit;
    }
    QString text = QString::number(value, 'f', 1);
    if (text.endsWith(QLatin1StringView(".0")))
        text.chop(2);
    return text + QLatin1StringView(units[unit]);
}

class Save final : public Command
{
public:
    Save()
    {
        m_http.addClientFlags(m_flags);
        m_http.addServerFlags(m_flags);
    }
    QString synopsis() const override { return QStringLiteral("Saves snapshot of Consul server state"); }
    QString usage() const override
    {
        return QStringLiteral("Usage: qonsul snapshot save [options] FILE\n\n"
                              "  Retrieves an atomic, point-in-time snapshot of the state of the Consul servers\n"
                              "  which includes key/value entries, service catalog, prepared queries, and\n"
                              "  sessions, and saves it to FILE after verifying it.");
    }
    int run(const QStringList &args) override
    {
        QString file;
        if (!m_flags.parse(args) || !oneFile(m_flags, &file))
            return 1;
        auto client = connectOrReport(m_http);
        if (!client)
            return 1;
        client::Request request("GET", QStringLiteral("/v1/snapshot"));
        if (m_http.stale())
            request.query.append({QStringLiteral("stale"), QString()});
        const auto r = callOrReport(*client, request, QStringLiteral("Error saving snapshot"));
        if (!r)
            return 1;
        // Written whole to a temporary file and renamed, so FILE is never a partial archive.
        QSaveFile saved(file);
        if (!saved.open(QIODevice::WriteOnly)) {
            err(QStringLiteral("Error opening snapshot file for write: %1").arg(saved.errorString()));
            return 1;
        }
        saved.write(r->body);
        if (!saved.commit()) {
            err(QStringLiteral("Error closing snapshot file: %1").arg(saved.errorString()));
            return 1;
        }
        QFile readBack(file);
        QString error;
        if (!readBack.open(QIODevice::ReadOnly) || !snapshot::read(readBack.readAll(), &error)) {
            err(QStringLiteral("Error verifying snapshot file: %1")
                    .arg(error.isEmpty() ? readBack.errorString() : error));
            return 1;
        }
        out(QStringLiteral("Saved and verified snapshot to index %1").arg(r->index()));
        return 0;
    }
};

class Restore final : public Command
{
public:
    Restore()
    {
        m_http.addClientFlags(m_flags);
        m_http.addServerFlags(m_flags);
    }
    QString synopsis() const override { return QStringLiteral("Restores snapshot of Consul server state"); }
    QString usage() const override
    {
        return QStringLiteral("Usage: qonsul snapshot restore [options] FILE\n\n"
                              "  Restores an atomic, point-in-time snapshot of the state of the Consul servers\n"
                              "  from FILE, replacing everything they hold. Meant for disaster recovery.");
    }
    int run(const QStringList &args) override
    {
        QString file;
        if (!m_flags.parse(args) || !oneFile(m_flags, &file))
            return 1;
        QFile f(file);
        if (!f.open(QIODevice::ReadOnly)) {
            err(QStringLiteral("Error opening snapshot file: %1").arg(f.errorString()));
            return 1;
        }
        auto client = connectOrReport(m_http);
        if (!client)
            return 1;
        client::Request request("PUT", QStringLiteral("/v1/snapshot"));
        request.body = f.readAll();
        request.contentType = "application/octet-stream";
        const auto r = callOrReport(*client, request, QStringLiteral("Error restoring snapshot"));
        if (!r)
            return 1;
        out(QStringLiteral("Restored snapshot"));
        return 0;
    }
};

class Inspect final : public Command
{
public:
    Inspect()
    {
        m_flags.addBool(QStringLiteral("kvdetails"), &m_kvDetails,
                        QStringLiteral("Provides information about space usage for KV data."));
        m_flags.addInt(QStringLiteral("kvdepth"), &m_kvDepth,
                       QStringLiteral("Grouping levels of keys. Requires -kvdetails. Default 2."));
        m_flags.addString(QStringLiteral("kvfilter"), &m_kvFilter,
                          QStringLiteral("Only keys with this prefix. Requires -kvdetails."));
        m_flags.addString(QStringLiteral("format"), &m_format,
                          QStringLiteral("Output format: pretty (default) or json."));
    }
    QString synopsis() const override { return QStringLiteral("Displays information about a Consul snapshot file"); }
    QString usage() const override
    {
        return QStringLiteral("Usage: qonsul snapshot inspect [options] FILE\n\n"
                              "  Displays information about a snapshot file: its ID, size, index, term and\n"
                              "  version, and the count and size of each type of record in it.");
    }
    int run(const QStringList &args) override
    {
        QString file;
        if (!m_flags.parse(args) || !oneFile(m_flags, &file))
            return 1;
        if (m_format != u"pretty" && m_format.compare(u"json", Qt::CaseInsensitive) != 0) {
            err(QStringLiteral("Invalid format, valid formats are: pretty, json"));
            return 1;
        }
        QFile f(file);
        if (!f.open(QIODevice::ReadOnly)) {
            err(QStringLiteral("Error opening snapshot file: %1").arg(f.errorString()));
            return 1;
        }
        QString error;
        const std::optional<snapshot::Archive> archive = snapshot::read(f.readAll(), &error);
        state::SnapshotContents contents;
        if (!archive || !state::inspectSnapshot(archive->state, &contents, &error)) {
            err(QStringLiteral("Error extracting snapshot data: %1").arg(error));
            return 1;
        }
        QList<state::SnapshotTypeStat> types = contents.types;
        sortBySize(&types);
        const QList<state::SnapshotTypeStat> keys = m_kvDetails ? keyGroups(contents) : QList<state::SnapshotTypeStat>();
        if (m_format != u"pretty")
            printJson(*archive, types, keys);
        else
            printPretty(*archive, types, keys);
        return 0;
    }

private:
    static void sortBySize(QList<state::SnapshotTypeStat> *stats)
    {
        std::stable_sort(stats->begin(), stats->end(),
                         [](const state::SnapshotTypeStat &a, const state::SnapshotTypeStat &b) { return a.size > b.size; });
    }
    static qint64 total(const QList<state::SnapshotTypeStat> &stats)
    {
        qint64 sum = 0;
        for (const state::SnapshotTypeStat &s : stats)
            sum += s.size;
        return sum;
    }

    // KV keys grouped by their first -kvdepth path segments, under -kvfilter.
    QList<state::SnapshotTypeStat> keyGroups(const state::SnapshotContents &contents) const
    {
        QMap<QString, state::SnapshotTypeStat> groups;
        for (const auto &[key, size] : contents.keySizes) {
            if (!key.startsWith(m_kvFilter))
                continue;
            const QString group = key.split(u'/').mid(0, std::max(m_kvDepth, 1)).join(u'/');
            state::SnapshotTypeStat &g = groups[group];
            g.name = group;
            ++g.count;
            g.size += size;
        }
        QList<state::SnapshotTypeStat> list = groups.values();
        sortBySize(&list);
        return list;
    }

    static QString table(const QString &title, const QList<state::SnapshotTypeStat> &stats)
    {
        QList<QStringList> rows{{u' ' + title, QStringLiteral("Count"), QStringLiteral("Size")},
                                {QStringLiteral(" ----"), QStringLiteral("----"), QStringLiteral("----")}};
        for (const state::SnapshotTypeStat &s : stats)
            rows.append({u' ' + s.name, QString::number(s.count), byteSize(s.size)});
        rows.append({QStringLiteral(" ----"), QStringLiteral("----"), QStringLiteral("----")});
        rows.append({QStringLiteral(" Total"), QString(), byteSize(total(stats))});
        return tabwrite(rows);
    }

    void printPretty(const snapshot::Archive &archive, const QList<state::SnapshotTypeStat> &types,
                     const QList<state::SnapshotTypeStat> &keys) const
    {
        QString text = tabwrite({{QStringLiteral(" ID"), archive.meta.id},
                                 {QStringLiteral(" Size"), QString::number(archive.state.size())},
                                 {QStringLiteral(" Index"), QString::number(archive.meta.index)},
                                 {QStringLiteral(" Term"), QString::number(archive.meta.term)},
                                 {QStringLiteral(" Version"), QString::number(archive.meta.version)}});
        text += u'\n' + table(QStringLiteral("Type"), types);
        if (m_kvDetails)
            text += u'\n' + table(QStringLiteral("Key Name"), keys);
        writeStdout(text.toUtf8());
    }

    void printJson(const snapshot::Archive &archive, const QList<state::SnapshotTypeStat> &types,
                   const QList<state::SnapshotTypeStat> &keys) const
    {
        auto stats = [](const QList<state::SnapshotTypeStat> &list) {
            QJsonArray a;
            for (const state::SnapshotTypeStat &s : list)
                a.append(QJsonObject{{QStringLiteral("Name"), s.name},
                                     {QStringLiteral("Sum"), double(s.size)},
                                     {QStringLiteral("Count"), double(s.count)}});
            return a;
        };
        const QJsonObject doc{{QStringLiteral("Meta"),
                               QJsonObject{{QStringLiteral("ID"), archive.meta.id},
                                           {QStringLiteral("Size"), double(archive.state.size())},
                                           {QStringLiteral("Index"), double(archive.meta.index)},
                                           {QStringLiteral("Term"), double(archive.meta.term)},
                                           {QStringLiteral("Version"), archive.meta.version}}},
                              {QStringLiteral("Stats"), stats(types)},
                              {QStringLiteral("StatsKV"), m_kvDetails ? QJsonValue(stats(keys)) : QJsonValue()},
                              {QStringLiteral("TotalSize"), double(total(types))},
                              {QStringLiteral("TotalSizeKV"), double(total(keys))}};
        out(QJsonDocument(doc).toJson(QJsonDocument::Indented).trimmed());
    }

    bool m_kvDetails = false;
    int m_kvDepth = 2;
    QString m_kvFilter;
    QString m_format = QStringLiteral("pretty");
};

} // namespace

void addSnapshotCommands(CommandTable &table)
{
    table[QStringLiteral("snapshot")] = [] {
        return std::make_unique<ParentCommand>(
            QStringLiteral("Saves, restores and inspects snapshots of Consul server state"),
            QStringLiteral("Usage: qonsul snapshot <subcommand> [options] [args]\n\n"
                           "  Saves, restores and inspects snapshots of the servers' state for disaster\n"
                           "  recovery: key/value entries, service catalog, prepared queries and sessions.\n\n"
                           "  Create a snapshot:\n\n      $ qonsul snapshot save backup.snap\n\n"
                           "  Restore a snapshot:\n\n      $ qonsul snapshot restore backup.snap\n\n"
                           "  Inspect a snapshot:\n\n      $ qonsul snapshot inspect backup.snap"));
    };
    table[QStringLiteral("snapshot save")] = [] { return std::make_unique<Save>(); };
    table[QStringLiteral("snapshot restore")] = [] { return std::make_unique<Restore>(); };
    table[QStringLiteral("snapshot inspect")] = [] { return std::make_unique<Inspect>(); };
}

} // namespace qonsul::cli

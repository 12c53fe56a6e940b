// `qonsul catalog datacenters|nodes|services` and `qonsul services register|deregister`.
#include "cli/Command.h"
#include "cli/Input.h"
#include "cli/Output.h"
#include "config/ConfigLoader.h"

#include <QFileInfo>
#include <QJsonArray>
#include <QJsonDocument>
#include <QJsonObject>

namespace qonsul::cli {

namespace {

using client::Request;
using client::Response;

void addNodeMeta(Request &req, const QMap<QString, QString> &meta)
{
    for (auto it = meta.begin(); it != meta.end(); ++it)
        req.param(QStringLiteral("node-meta"), it.key() + u':' + it.value());
}

// "k=v, k2=v2" sorted by key.
QString mapToKv(const QJsonObject &o)
{
    QStringList parts;
    for (auto it = o.begin(); it != o.end(); ++it)
        parts << it.key() + u'=' + it.value().toString();
    return parts.join(QStringLiteral(", "));
}

class CatalogDatacenters final : public Command
{
public:
    CatalogDatacenters()
    {
        m_http.addClientFlags(m_flags);
        m_http.addServerFlags(m_flags);
    }
    QString synopsis() const override { return QStringLiteral("Lists all known datacenters"); }
    QString usage() const override
    {
        return QStringLiteral("Usage: qonsul catalog datacenters [options]\n\n"
                              "  Lists the datacenters the agent knows of, nearest first.");
    }
    int run(const QStringList &args) override
    {
        if (!m_flags.parse(args))
            return 1;
        if (!m_flags.args().isEmpty()) {
            err(QStringLiteral("Too many arguments (expected 0, got %1)").arg(m_flags.args().size()));
            return 1;
        }
        auto client = connectOrReport(m_http);
        if (!client)
            return 1;
        const Response r = client->call({ "GET", QStringLiteral("/v1/catalog/datacenters") });
        if (!r.ok()) {
            // Consul reports the error but still exits 0 here.
            err(QStringLiteral("Error listing datacenters: %1").arg(r.errorText()));
            return 0;
        }
        for (const QJsonValue &dc : QJsonDocument::fromJson(r.body).array())
            out(dc.toString());
        return 0;
    }
};

class CatalogNodes final : public Command
{
public:
    CatalogNodes()
    {
        m_flags.addBool(QStringLiteral("detailed"), &m_detailed,
            QStringLiteral("Also print full node IDs, tagged addresses and metadata."));
        m_flags.addString(QStringLiteral("filter"), &m_filter,
            QStringLiteral("Filter expression applied by the agent (@file or - reads it)."));
        m_flags.addString(QStringLiteral("near"), &m_near,
            QStringLiteral("Sort by estimated round-trip time from this node (\"_agent\": this "
                           "agent)."));
        m_flags.addMap(QStringLiteral("node-meta"), &m_nodeMeta,
            QStringLiteral("Only nodes with this key=value metadata; repeatable."));
        m_flags.addString(QStringLiteral("service"), &m_service,
            QStringLiteral("Only nodes providing this service (id or name)."));
        m_http.addClientFlags(m_flags);
        m_http.addServerFlags(m_flags);
    }
    QString synopsis() const override { return QStringLiteral("Lists all nodes in the given datacenter"); }
    QString usage() const override
    {
        return QStringLiteral("Usage: qonsul catalog nodes [options]\n\n"
                              "  Lists the nodes registered in the datacenter.\n\n"
                              "      $ qonsul catalog nodes\n"
                              "      $ qonsul catalog nodes -detailed\n"
                              "      $ qonsul catalog nodes -service=web\n"
                              "      $ qonsul catalog nodes -node-meta=\"rack=r1\"");
    }
    int run(const QStringList &args) override
    {
        if (!m_flags.parse(args))
            return 1;
        if (!m_flags.args().isEmpty()) {
            err(QStringLiteral("Too many arguments (expected 0, got %1)").arg(m_flags.args().size()));
            return 1;
        }
        auto client = connectOrReport(m_http);
        if (!client)
            return 1;
        if (!m_filter.isEmpty()) {
            // Consul's LoadDataSource: @file, - for stdin, else the expression itself.
            QByteArray filter;
            QString error;
            if (!readDataArgument(m_filter, &filter, &error)) {
                err(QStringLiteral("Could not process filter argument: %1").arg(error));
                return 1;
            }
            m_filter = QString::fromUtf8(filter);
        }
        Request req { "GET",
            m_service.isEmpty() ? QStringLiteral("/v1/catalog/nodes")
                                : QStringLiteral("/v1/catalog/service/") + m_service };
        if (!m_near.isEmpty())
            req.param(QStringLiteral("near"), m_near);
        if (!m_filter.isEmpty())
            req.param(QStringLiteral("filter"), m_filter);
        addNodeMeta(req, m_nodeMeta);
        const Response r = client->call(req);
        if (!r.ok()) {
            err(QStringLiteral("%1: %2").arg(m_service.isEmpty()
                    ? QStringLiteral("Error listing nodes")
                    : QStringLiteral("Error listing nodes for service"),
                r.errorText()));
            return 1;
        }
        const QJsonArray nodes = QJsonDocument::fromJson(r.body).array();
        if (nodes.isEmpty()) {
            err(QStringLiteral("No nodes match the given query - try expanding your search."));
            return 0;
        }
        QList<QStringList> rows;
        rows << (m_detailed
                ? QStringList { QStringLiteral("Node"), QStringLiteral("ID"), QStringLiteral("Address"),
                    QStringLiteral("DC"), QStringLiteral("TaggedAddresses"), QStringLiteral("Meta") }
                : QStringList { QStringLiteral("Node"), QStringLiteral("ID"), QStringLiteral("Address"),
                    QStringLiteral("DC") });
        for (const QJsonValue &v : nodes) {
            const QJsonObject n = v.toObject();
            QString id = n.value(u"ID").toString();
            const QJsonObject meta = n.value(m_service.isEmpty() ? u"Meta" : u"NodeMeta").toObject();
            if (m_detailed) {
                rows << QStringList { n.value(u"Node").toString(), id, n.value(u"Address").toString(),
                    n.value(u"Datacenter").toString(), mapToKv(n.value(u"TaggedAddresses").toObject()),
                    mapToKv(meta) };
            } else {
                const qsizetype dash = id.indexOf(u'-');
                if (dash > 0)
                    id = id.left(dash);
                rows << QStringList { n.value(u"Node").toString(), id, n.value(u"Address").toString(),
                    n.value(u"Datacenter").toString() };
            }
        }
        out(columnize(rows));
        return 0;
    }

private:
    bool m_detailed = false;
    QString m_filter;
    QString m_near;
    QMap<QString, QString> m_nodeMeta;
    QString m_service;
};

class CatalogServices final : public Command
{
public:
    CatalogServices()
    {
        m_flags.addString(
            QStringLiteral("node"), &m_node, QStringLiteral("Only the services on this node (id or name)."));
        m_flags.addMap(QStringLiteral("node-meta"), &m_nodeMeta,
            QStringLiteral("Only services on nodes with this key=value metadata; repeatable."));
        m_flags.addBool(QStringLiteral("tags"), &m_tags,
            QStringLiteral("Print each service's tags, comma-separated, beside its name."));
        m_http.addClientFlags(m_flags);
        m_http.addServerFlags(m_flags);
    }
    QString synopsis() const override
    {
        return QStringLiteral("Lists all registered services in a datacenter");
    }
    QString usage() const override
    {
        return QStringLiteral("Usage: qonsul catalog services [options]\n\n"
                              "  Lists the services registered in the datacenter.\n\n"
                              "      $ qonsul catalog services\n"
                              "      $ qonsul catalog services -tags\n"
                              "      $ qonsul catalog services -node=web-1");
    }
    int run(const QStringList &args) override
    {
        if (!m_flags.parse(args))
            return 1;
        if (!m_flags.args().isEmpty()) {
            err(QStringLiteral("Too many arguments (expected 0, got %1)").arg(m_flags.args().size()));
            return 1;
        }
        auto client = connectOrReport(m_http);
        if (!client)
            return 1;
        QMap<QString, QStringList> services;
        if (!m_node.isEmpty()) {
            Request req { "GET", QStringLiteral("/v1/catalog/node/") + m_node };
            addNodeMeta(req, m_nodeMeta);
            const auto r = callOrReport(*client, req, QStringLiteral("Error listing services for node"));
            if (!r)
                return 1;
            const QJsonObject svcs = QJsonDocument::fromJson(r->body).object().value(u"Services").toObject();
            for (const QJsonValue &v : svcs) {
                const QJsonObject s = v.toObject();
                QStringList &tags = services[s.value(u"Service").toString()];
                for (const QJsonValue &t : s.value(u"Tags").toArray())
                    tags << t.toString();
            }
        } else {
            Request req { "GET", QStringLiteral("/v1/catalog/services") };
            addNodeMeta(req, m_nodeMeta);
            const auto r = callOrReport(*client, req, QStringLiteral("Error listing services"));
            if (!r)
                return 1;
            const QJsonObject o = QJsonDocument::fromJson(r->body).object();
            for (auto it = o.begin(); it != o.end(); ++it) {
                QStringList &tags = services[it.key()];
                for (const QJsonValue &t : it.value().toArray())
                    tags << t.toString();
            }
        }
        if (services.isEmpty()) {
            err(QStringLiteral("No services match the given query - try expanding your search."));
            return 0;
        }
        if (m_tags) {
            QList<QStringList> rows;
            for (auto it = services.begin(); it != services.end(); ++it) {
                QStringList tags = it.value();
                tags.sort();
                rows << QStringList { it.key(), tags.join(u',') };
            }
            out(tabwrite(rows).trimmed());
        } else {
            for (auto it = services.begin(); it != services.end(); ++it)
                out(it.key());
        }
        return 0;
    }

private:
    QString m_node;
    QMap<QString, QString> m_nodeMeta;
    bool m_tags = false;
};

// ---------------------------------------------------------------------------------------------
// Service definitions from files, in the agent API's field names.

QString pascalKey(const QString &key)
{
    if (key.isEmpty() || key[0].isUpper())
        return key;
    static const QMap<QString, QString> special {
        { QStringLiteral("h2ping"), QStringLiteral("H2PING") },
        { QStringLiteral("h2ping_use_tls"), QStringLiteral("H2PingUseTLS") },
        { QStringLiteral("grpc_use_tls"), QStringLiteral("GRPCUseTLS") },
    };
    if (special.contains(key))
        return special.value(key);
    static const QStringList acronyms { QStringLiteral("id"), QStringLiteral("ttl"), QStringLiteral("http"),
        QStringLiteral("tcp"), QStringLiteral("udp"), QStringLiteral("grpc"), QStringLiteral("tls"),
        QStringLiteral("os"), QStringLiteral("ip") };
    QString out;
    for (const QString &part : key.split(u'_', Qt::SkipEmptyParts))
        out += acronyms.contains(part) ? part.toUpper() : part.left(1).toUpper() + part.mid(1);
    return out;
}

QJsonObject apiCheck(const QJsonObject &in)
{
    QJsonObject out;
    for (auto it = in.begin(); it != in.end(); ++it)
        out.insert(pascalKey(it.key()), it.value());
    return out;
}

QJsonObject apiService(const QJsonObject &in)
{
    QJsonObject out;
    for (auto it = in.begin(); it != in.end(); ++it) {
        const QString key = pascalKey(it.key());
        if (key == u"Check") {
            out.insert(key, apiCheck(it.value().toObject()));
        } else if (key == u"Checks") {
            QJsonArray checks;
            for (const QJsonValue &c : it.value().toArray())
                checks << apiCheck(c.toObject());
            out.insert(key, checks);
        } else if (key == u"Weights") {
            out.insert(key, apiCheck(it.value().toObject()));
        } else if (key == u"TaggedAddresses") {
            QJsonObject addrs;
            const QJsonObject in2 = it.value().toObject();
            for (auto a = in2.begin(); a != in2.end(); ++a)
                addrs.insert(a.key(), apiCheck(a.value().toObject()));
            out.insert(key, addrs);
        } else {
            out.insert(key, it.value());
        }
    }
    return out;
}

// The services defined by config files or directories, read by the agent's own configuration
// loader (in -dev mode, as Consul does), as agent API registrations.
bool servicesFromFiles(const QStringList &paths, QList<QJsonObject> *services, QString *error)
{
    QStringList args { QStringLiteral("-dev") };
    for (const QString &path : paths)
        args << (QFileInfo(path).isDir() ? QStringLiteral("-config-dir") : QStringLiteral("-config-file"))
             << path;
    const config::LoadResult loaded = config::loadAgentConfig(args);
    if (!loaded.config) {
        *error = loaded.error;
        return false;
    }
    for (const QJsonValue &svc : loaded.config->services)
        *services << apiService(svc.toObject());
    return true;
}

class ServicesRegister final : public Command
{
public:
    ServicesRegister()
    {
        m_flags.addString(QStringLiteral("address"), &m_address, QStringLiteral("Address of the service."));
        m_flags.addString(
            QStringLiteral("id"), &m_id, QStringLiteral("ID of the service; defaults to the -name value."));
        m_flags.addString(QStringLiteral("kind"), &m_kind, QStringLiteral("The service's kind."));
        m_flags.addMap(QStringLiteral("meta"), &m_meta,
            QStringLiteral("Metadata key=value for the service; repeatable."));
        m_flags.addString(QStringLiteral("name"), &m_name, QStringLiteral("Name of the service."));
        m_flags.addInt(QStringLiteral("port"), &m_port, QStringLiteral("Port of the service."));
        m_flags.addString(QStringLiteral("socket"), &m_socket,
            QStringLiteral("Unix socket path of the service (instead of address and port)."));
        m_flags.addList(QStringLiteral("tag"), &m_tags, QStringLiteral("Tag for the service; repeatable."));
        m_flags.addMap(QStringLiteral("tagged-address"), &m_taggedAddresses,
            QStringLiteral("Tagged address name=host:port for the service; repeatable."));
        m_http.addClientFlags(m_flags);
        m_http.addServerFlags(m_flags);
    }
    QString synopsis() const override { return QStringLiteral("Register services with the local agent"); }
    QString usage() const override
    {
        return QStringLiteral("Usage: qonsul services register [options] [FILE...]\n\n"
                              "  Registers services with the local agent, from service definition files\n"
                              "  (the agent's JSON configuration format) or from flags. The services stay\n"
                              "  registered until \"qonsul services deregister\".\n\n"
                              "      $ qonsul services register web.json\n"
                              "      $ qonsul services register -name=web -port=80 -tag=v1");
    }
    int run(const QStringList &args) override
    {
        if (!m_flags.parse(args))
            return 1;
        QJsonObject fromFlags;
        if (!m_kind.isEmpty())
            fromFlags.insert(QStringLiteral("Kind"), m_kind);
        if (!m_id.isEmpty())
            fromFlags.insert(QStringLiteral("ID"), m_id);
        fromFlags.insert(QStringLiteral("Name"), m_name);
        if (!m_tags.isEmpty())
            fromFlags.insert(QStringLiteral("Tags"), QJsonArray::fromStringList(m_tags));
        if (m_port != 0)
            fromFlags.insert(QStringLiteral("Port"), m_port);
        if (!m_address.isEmpty())
            fromFlags.insert(QStringLiteral("Address"), m_address);
        if (!m_socket.isEmpty())
            fromFlags.insert(QStringLiteral("SocketPath"), m_socket);
        QJsonObject meta;
        for (auto it = m_meta.begin(); it != m_meta.end(); ++it)
            meta.insert(it.key(), it.value());
        if (!meta.isEmpty())
            fromFlags.insert(QStringLiteral("Meta"), meta);
        QJsonObject tagged;
        for (auto it = m_taggedAddresses.begin(); it != m_taggedAddresses.end(); ++it) {
            const QString value = it.value();
            const qsizetype colon = value.lastIndexOf(u':');
            bool ok = colon > 0;
            const int port = ok ? value.mid(colon + 1).toInt(&ok) : 0;
            if (!ok) {
                err(QStringLiteral("Invalid Tagged Address: address %1: missing port in address").arg(value));
                return 1;
            }
            QString host = value.left(colon);
            if (host.startsWith(u'[') && host.endsWith(u']'))
                host = host.mid(1, host.size() - 2);
            tagged.insert(it.key(),
                QJsonObject { { QStringLiteral("Address"), host }, { QStringLiteral("Port"), port } });
        }
        if (!tagged.isEmpty())
            fromFlags.insert(QStringLiteral("TaggedAddresses"), tagged);

        const QStringList files = m_flags.args();
        if (files.isEmpty() && m_name.isEmpty()) {
            err(QStringLiteral("Service registration requires at least one argument or flags."));
            return 1;
        }
        if (!files.isEmpty() && !m_name.isEmpty()) {
            err(QStringLiteral("Service registration requires arguments or -id, not both."));
            return 1;
        }
        QList<QJsonObject> services;
        if (!files.isEmpty()) {
            QString error;
            if (!servicesFromFiles(files, &services, &error)) {
                err(QStringLiteral("Error: %1").arg(error));
                return 1;
            }
            // Flags fill in what the files leave out; tags and metadata are added.
            for (QJsonObject &svc : services) {
                for (const char *field : { "ID", "Name", "Address", "Kind", "SocketPath" }) {
                    const QString f = QString::fromLatin1(field);
                    if (svc.value(f).toString().isEmpty() && !fromFlags.value(f).toString().isEmpty())
                        svc.insert(f, fromFlags.value(f));
                }
                if (svc.value(u"Port").toInt() == 0 && m_port != 0)
                    svc.insert(QStringLiteral("Port"), m_port);
                QJsonObject m = svc.value(u"Meta").toObject();
                for (auto it = meta.begin(); it != meta.end(); ++it)
                    m.insert(it.key(), it.value());
                if (!m.isEmpty())
                    svc.insert(QStringLiteral("Meta"), m);
                QJsonObject t = svc.value(u"TaggedAddresses").toObject();
                for (auto it = tagged.begin(); it != tagged.end(); ++it)
                    t.insert(it.key(), it.value());
                if (!t.isEmpty())
                    svc.insert(QStringLiteral("TaggedAddresses"), t);
                QJsonArray tags = svc.value(u"Tags").toArray();
                for (const QString &tag : m_tags)
                    tags << tag;
                if (!tags.isEmpty())
                    svc.insert(QStringLiteral("Tags"), tags);
            }
        }
        if (services.isEmpty())
            services << fromFlags;
        auto client = connectOrReport(m_http);
        if (!client)
            return 1;
        for (const QJsonObject &svc : services) {
            Request req { "PUT", QStringLiteral("/v1/agent/service/register") };
            req.body = QJsonDocument(svc).toJson(QJsonDocument::Compact);
            const Response r = client->call(req);
            const QString name = svc.value(u"Name").toString();
            if (!r.ok()) {
                err(QStringLiteral("Error registering service %1: %2").arg(goQuote(name), r.errorText()));
                return 1;
            }
            out(QStringLiteral("Registered service: %1").arg(name));
        }
        return 0;
    }

private:
    QString m_address;
    QString m_id;
    QString m_kind;
    QMap<QString, QString> m_meta;
    QString m_name;
    int m_port = 0;
    QString m_socket;
    QStringList m_tags;
    QMap<QString, QString> m_taggedAddresses;
};

class ServicesDeregister final : public Command
{
public:
    ServicesDeregister()
    {
        m_flags.addString(QStringLiteral("id"), &m_id,
            QStringLiteral("ID of the service to deregister; not together with files."));
        m_http.addClientFlags(m_flags);
        m_http.addServerFlags(m_flags);
    }
    QString synopsis() const override { return QStringLiteral("Deregister services with the local agent"); }
    QString usage() const override
    {
        return QStringLiteral("Usage: qonsul services deregister [options] [FILE...]\n\n"
                              "  Deregisters services from the local agent, named by the definition files\n"
                              "  they were registered from or by -id.\n\n"
                              "      $ qonsul services deregister web.json\n"
                              "      $ qonsul services deregister -id=web");
    }
    int run(const QStringList &args) override
    {
        if (!m_flags.parse(args))
            return 1;
        const QStringList files = m_flags.args();
        if (files.isEmpty() && m_id.isEmpty()) {
            err(QStringLiteral("Service deregistration requires at least one argument or -id."));
            return 1;
        }
        if (!files.isEmpty() && !m_id.isEmpty()) {
            err(QStringLiteral("Service deregistration requires arguments or -id, not both."));
            return 1;
        }
        QList<QJsonObject> services { QJsonObject { { QStringLiteral("ID"), m_id } } };
        if (!files.isEmpty()) {
            services.clear();
            QString error;
            if (!servicesFromFiles(files, &services, &error)) {
                err(QStringLiteral("Error: %1").arg(error));
                return 1;
            }
        }
        auto client = connectOrReport(m_http);
        if (!client)
            return 1;
        for (const QJsonObject &svc : services) {
            QString id = svc.value(u"ID").toString();
            if (id.isEmpty())
                id = svc.value(u"Name").toString();
            if (id.isEmpty())
                continue;
            const Response r = client->call({ "PUT", QStringLiteral("/v1/agent/service/deregister/") + id });
            if (!r.ok()) {
                // (sic) Consul says "registering" here too.
                err(QStringLiteral("Error registering service %1: %2")
                        .arg(goQuote(svc.value(u"Name").toString()), r.errorText()));
                return 1;
            }
            out(QStringLiteral("Deregistered service: %1").arg(id));
        }
        return 0;
    }

private:
    QString m_id;
};

} // namespace

void addCatalogCommands(CommandTable &table)
{
    table[QStringLiteral("catalog")] = [] {
        return std::make_unique<ParentCommand>(QStringLiteral("Interact with the catalog"),
            QStringLiteral("Usage: qonsul catalog <subcommand> [options] [args]\n\n"
                           "  Queries the catalog of datacenters, nodes and services. Run a subcommand\n"
                           "  with -h for its options."));
    };
    table[QStringLiteral("catalog datacenters")] = [] { return std::make_unique<CatalogDatacenters>(); };
    table[QStringLiteral("catalog nodes")] = [] { return std::make_unique<CatalogNodes>(); };
    table[QStringLiteral("catalog services")] = [] { return std::make_unique<CatalogServices>(); };
    table[QStringLiteral("services")] = [] {
        return std::make_unique<ParentCommand>(QStringLiteral("Interact with services"),
            QStringLiteral("Usage: qonsul services <subcommand> [options] [args]\n\n"
                           "  Registers and deregisters services with the local agent. Run a\n"
                           "  subcommand with -h for its options."));
    };
    table[QStringLiteral("services register")] = [] { return std::make_unique<ServicesRegister>(); };
    table[QStringLiteral("services deregister")] = [] { return std::make_unique<ServicesDeregister>(); };
}

} // namespace qonsul::cli

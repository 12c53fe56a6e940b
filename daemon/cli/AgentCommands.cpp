// Commands that talk to the local agent: members, info, join, leave, force-leave, reload, maint,
// event, monitor, operator raft list-peers; and the offline ones: keygen, version, validate.
#include "cli/Command.h"
#include "cli/Output.h"
#include "cli/Signals.h"
#include "config/ConfigLoader.h"
#include "core/Version.h"

#include <QCoreApplication>
#include <QEventLoop>
#include <QHostAddress>
#include <QJsonArray>
#include <QJsonDocument>
#include <QJsonObject>
#include <QRandomGenerator>
#include <QRegularExpression>
#include <QTextStream>
#include <algorithm>
#include <csignal>

namespace qonsul::cli {

namespace {

using client::Request;
using client::Response;

// Go's %v of a []string: "[a b c]".
QString goList(const QStringList &items)
{
    return u'[' + items.join(u' ') + u']';
}

// Go's net.TCPAddr.String(): "ip:port", IPv6 in brackets.
QString tcpAddr(const QString &ip, int port)
{
    QHostAddress addr(ip);
    if (addr.isNull())
        return QStringLiteral(":%1").arg(port);
    if (addr.protocol() == QAbstractSocket::IPv6Protocol && !addr.toIPv4Address())
        return QStringLiteral("[%1]:%2").arg(addr.toString()).arg(port);
    return QStringLiteral("%1:%2").arg(ip).arg(port);
}

QString jsonText(const QJsonValue &v)
{
    if (v.isString())
        return v.toString();
    if (v.isBool())
        return v.toBool() ? QStringLiteral("true") : QStringLiteral("false");
    if (v.isDouble()) {
        const double d = v.toDouble();
        return d == double(qint64(d)) ? QString::number(qint64(d)) : QString::number(d, 'g', 17);
    }
    if (v.isNull())
        return QStringLiteral("<nil>");
    return QString::fromUtf8(
        QJsonDocument(v.isArray() ? QJsonDocument(v.toArray()) : QJsonDocument(v.toObject()))
            .toJson(QJsonDocument::Compact));
}

// ---------------------------------------------------------------------------------------------

class Members final : public Command
{
public:
    Members()
    {
        m_flags.addBool(QStringLiteral("detailed"), &m_detailed,
            QStringLiteral("Print every tag of each member instead of the summary columns."));
        m_flags.addString(
            QStringLiteral("filter"), &m_filter, QStringLiteral("Filter expression applied by the agent."));
        m_flags.addString(QStringLiteral("segment"), &m_segment,
            QStringLiteral("(Enterprise) Only members of this network segment."));
        m_flags.addString(QStringLiteral("status"), &m_status,
            QStringLiteral("Only members whose status matches this regular expression."));
        m_flags.addBool(QStringLiteral("wan"), &m_wan,
            QStringLiteral("List the WAN pool (servers of all datacenters) instead of the LAN pool."));
        m_flags.addString(
            QStringLiteral("partition"), &m_partition, QStringLiteral("(Enterprise) Admin partition."));
        m_http.addClientFlags(m_flags);
    }
    QString synopsis() const override { return QStringLiteral("Lists the members of a Consul cluster"); }
    QString usage() const override
    {
        return QStringLiteral("Usage: qonsul members [options]\n\n"
                              "  Lists the members of the cluster as the agent's gossip pool sees them.");
    }
    int run(const QStringList &args) override
    {
        if (!m_flags.parse(args))
            return 1;
        const QRegularExpression statusRe(m_status);
        if (!statusRe.isValid()) {
            err(QStringLiteral("Failed to compile status regexp: error parsing regexp: %1")
                    .arg(statusRe.errorString()));
            return 1;
        }
        auto client = connectOrReport(m_http);
        if (!client)
            return 1;
        Request req { "GET", QStringLiteral("/v1/agent/members") };
        if (!m_segment.isEmpty())
            req.param(QStringLiteral("segment"), m_segment);
        if (m_wan)
            req.param(QStringLiteral("wan"), QStringLiteral("1"));
        if (!m_filter.isEmpty())
            req.param(QStringLiteral("filter"), m_filter);
        if (!m_partition.isEmpty())
            req.param(QStringLiteral("partition"), m_partition);
        const auto r = callOrReport(*client, req, QStringLiteral("Error retrieving members"));
        if (!r)
            return 1;
        struct Member
        {
            QString name;
            QString addr;
            QString status;
            QMap<QString, QString> tags;
        };
        static const char *const statusNames[] = { "none", "alive", "leaving", "left", "failed" };
        QList<Member> members;
        for (const QJsonValue &v : QJsonDocument::fromJson(r->body).array()) {
            const QJsonObject o = v.toObject();
            Member m;
            m.name = o.value(u"Name").toString();
            m.addr = tcpAddr(o.value(u"Addr").toString(), o.value(u"Port").toInt());
            const int status = o.value(u"Status").toInt();
            m.status = status >= 0 && status <= 4 ? QString::fromLatin1(statusNames[status])
                                                  : QStringLiteral("MemberStatus(%1)").arg(status);
            const QJsonObject tags = o.value(u"Tags").toObject();
            for (auto it = tags.begin(); it != tags.end(); ++it)
                m.tags.insert(it.key(), it.value().toString());
            // Consul fills in the partition and segment before printing, -detailed included.
            if (m.tags.value(QStringLiteral("ap")).isEmpty())
                m.tags.insert(QStringLiteral("ap"), QStringLiteral("default"));
            if (m.tags.value(QStringLiteral("ap")) == u"default") {
                if (m_segment == u"_all" && m.tags.value(QStringLiteral("role")) == u"consul")
                    m.tags.insert(QStringLiteral("segment"), QStringLiteral("<all>"));
                else if (m.tags.value(QStringLiteral("segment")).isEmpty())
                    m.tags.insert(QStringLiteral("segment"), QStringLiteral("<default>"));
            } else {
                m.tags.insert(QStringLiteral("segment"), QString());
            }
            if (statusRe.match(m.status).hasMatch())
                members << m;
        }
        if (members.isEmpty())
            return 2;
        std::stable_sort(members.begin(), members.end(), [](const Member &a, const Member &b) {
            const bool as = a.tags.value(QStringLiteral("role")) == u"consul";
            const bool bs = b.tags.value(QStringLiteral("role")) == u"consul";
            if (as != bs)
                return as;
            const QString ap = a.tags.value(QStringLiteral("ap")), bp = b.tags.value(QStringLiteral("ap"));
            const bool ad = ap.isEmpty() || ap == u"default", bd = bp.isEmpty() || bp == u"default";
            if (ad != bd)
                return ad;
            const QString aseg = a.tags.value(QStringLiteral("segment")),
                          bseg = b.tags.value(QStringLiteral("segment"));
            if (aseg != bseg)
                return aseg < bseg;
            if (ap != bp)
                return ap < bp;
            return a.name < b.name;
        });
        QList<QStringList> rows;
        if (m_detailed) {
            rows << QStringList { QStringLiteral("Node"), QStringLiteral("Address"), QStringLiteral("Status"),
                QStringLiteral("Tags") };
            for (const Member &m : members) {
                QStringList pairs;
                for (auto it = m.tags.begin(); it != m.tags.end(); ++it)
                    pairs << it.key() + u'=' + it.value();
                rows << QStringList { m.name, m.addr, m.status, pairs.join(u',') };
            }
        } else {
            rows << QStringList { QStringLiteral("Node"), QStringLiteral("Address"), QStringLiteral("Status"),
                QStringLiteral("Type"), QStringLiteral("Build"), QStringLiteral("Protocol"),
                QStringLiteral("DC"), QStringLiteral("Partition"), QStringLiteral("Segment") };
            for (const Member &m : members) {
                const QString role = m.tags.value(QStringLiteral("role"));
                QString build = m.tags.value(QStringLiteral("build"));
                if (build.isEmpty())
                    build = QStringLiteral("< 0.3");
                else if (build.contains(u':'))
                    build = build.section(u':', 0, 0);
                if (role == u"node" || role == u"consul") {
                    rows << QStringList { m.name, m.addr, m.status,
                        role == u"consul" ? QStringLiteral("server") : QStringLiteral("client"), build,
                        m.tags.value(QStringLiteral("vsn")), m.tags.value(QStringLiteral("dc")),
                        m.tags.value(QStringLiteral("ap")), m.tags.value(QStringLiteral("segment")) };
                } else {
                    rows << QStringList { m.name, m.addr, m.status, QStringLiteral("unknown"), {}, {}, {}, {},
                        {} };
                }
            }
        }
        out(columnize(rows));
        return 0;
    }

private:
    bool m_detailed = false;
    QString m_filter;
    QString m_segment = QStringLiteral("_all");
    QString m_status = QStringLiteral(".*");
    bool m_wan = false;
    QString m_partition;
};

// ---------------------------------------------------------------------------------------------

class Info final : public Command
{
public:
    Info() { m_http.addClientFlags(m_flags); }
    QString synopsis() const override
    {
        return QStringLiteral("Provides debugging information for operators.");
    }
    QString usage() const override
    {
        return QStringLiteral("Usage: qonsul info [options]\n\n"
                              "  Prints the agent's runtime statistics, section by section.");
    }
    int run(const QStringList &args) override
    {
        auto client = parseAndConnect(args);
        if (!client)
            return 1;
        const auto r = callOrReport(*client, { "GET", QStringLiteral("/v1/agent/self") }, QStringLiteral("Error querying agent"));
        if (!r)
            return 1;
        const QJsonObject self = QJsonDocument::fromJson(r->body).object();
        if (!self.contains(u"Stats")) {
            err(QStringLiteral("Agent response did not contain 'Stats' key: %1")
                    .arg(QString::fromUtf8(r->body)));
            return 1;
        }
        const QJsonObject stats = self.value(u"Stats").toObject();
        for (auto section = stats.begin(); section != stats.end(); ++section) {
            out(section.key() + u':');
            const QJsonObject values = section.value().toObject();
            for (auto it = values.begin(); it != values.end(); ++it)
                out(QStringLiteral("\t%1 = %2").arg(it.key(), jsonText(it.value())));
        }
        return 0;
    }
};

// ---------------------------------------------------------------------------------------------

class Join final : public Command
{
public:
    Join()
    {
        m_flags.addBool(
            QStringLiteral("wan"), &m_wan, QStringLiteral("Join a server to other servers in the WAN pool."));
        m_http.addClientFlags(m_flags);
    }
    QString synopsis() const override { return QStringLiteral("Tell Consul agent to join cluster"); }
    QString usage() const override
    {
        return QStringLiteral("Usage: qonsul join [options] address ...\n\n"
                              "  Asks the running agent to join a cluster through one or more of its\n"
                              "  members.");
    }
    int run(const QStringList &args) override
    {
        if (!m_flags.parse(args))
            return 1;
        const QStringList addrs = m_flags.args();
        if (addrs.isEmpty()) {
            err(QStringLiteral("At least one address to join must be specified."));
            err(QString());
            err(help());
            return 1;
        }
        auto client = connectOrReport(m_http);
        if (!client)
            return 1;
        int joined = 0;
        for (const QString &addr : addrs) {
            Request req { "PUT", QStringLiteral("/v1/agent/join/") + addr };
            if (m_wan)
                req.param(QStringLiteral("wan"), QStringLiteral("1"));
            const Response r = client->call(req);
            if (!r.ok())
                err(QStringLiteral("Error joining address '%1': %2").arg(addr, r.errorText()));
            else
                ++joined;
        }
        if (joined == 0) {
            err(QStringLiteral("Failed to join any nodes."));
            return 1;
        }
        out(QStringLiteral("Successfully joined cluster by contacting %1 nodes.").arg(joined));
        return 0;
    }

private:
    bool m_wan = false;
};

class Leave final : public Command
{
public:
    Leave() { m_http.addClientFlags(m_flags); }
    QString synopsis() const override
    {
        return QStringLiteral("Gracefully leaves the Consul cluster and shuts down");
    }
    QString usage() const override
    {
        return QStringLiteral("Usage: qonsul leave [options]\n\n"
                              "  Makes the agent leave the cluster gracefully and shut down.");
    }
    int run(const QStringList &args) override
    {
        if (!m_flags.parse(args))
            return 1;
        if (!m_flags.args().isEmpty()) {
            err(QStringLiteral("Error found unexpected args: %1").arg(goList(m_flags.args())));
            out(help());
            return 1;
        }
        auto client = connectOrReport(m_http);
        if (!client)
            return 1;
        const auto r = callOrReport(*client, { "PUT", QStringLiteral("/v1/agent/leave") }, QStringLiteral("Error leaving"));
        if (!r)
            return 1;
        out(QStringLiteral("Graceful leave complete"));
        return 0;
    }
};

class ForceLeave final : public Command
{
public:
    ForceLeave()
    {
        m_flags.addBool(QStringLiteral("prune"), &m_prune,
            QStringLiteral("Also remove the member from the member list entirely."));
        m_flags.addBool(QStringLiteral("wan"), &m_wan,
            QStringLiteral("Act on the WAN pool only, where the node is named <node>.<datacenter>."));
        m_http.addClientFlags(m_flags); // Consul's takes no -datacenter nor -stale
    }
    QString synopsis() const override
    {
        return QStringLiteral("Forces a member of the cluster to enter the \"left\" state");
    }
    QString usage() const override
    {
        return QStringLiteral("Usage: qonsul force-leave [options] name\n\n"
                              "  Moves a member to the \"left\" state, to clean out failed nodes that will\n"
                              "  not come back. A member that is actually alive rejoins by itself.");
    }
    int run(const QStringList &args) override
    {
        if (!m_flags.parse(args))
            return 1;
        const QStringList nodes = m_flags.args();
        if (nodes.size() != 1) {
            err(QStringLiteral("A single node name must be specified to force leave."));
            err(QString());
            err(help());
            return 1;
        }
        auto client = connectOrReport(m_http);
        if (!client)
            return 1;
        Request req { "PUT", QStringLiteral("/v1/agent/force-leave/") + nodes[0] };
        if (m_prune)
            req.param(QStringLiteral("prune"), QStringLiteral("1"));
        if (m_wan)
            req.param(QStringLiteral("wan"), QStringLiteral("1"));
        const auto r = callOrReport(*client, req, QStringLiteral("Error force leaving"));
        if (!r)
            return 1;
        return 0;
    }

private:
    bool m_prune = false;
    bool m_wan = false;
};

class Reload final : public Command
{
public:
    Reload() { m_http.addClientFlags(m_flags); }
    QString synopsis() const override
    {
        return QStringLiteral("Triggers the agent to reload configuration files");
    }
    QString usage() const override
    {
        return QStringLiteral("Usage: qonsul reload\n\n"
                              "  Makes the agent reload its configuration, as SIGHUP does.");
    }
    int run(const QStringList &args) override
    {
        auto client = parseAndConnect(args);
        if (!client)
            return 1;
        const auto r = callOrReport(*client, { "PUT", QStringLiteral("/v1/agent/reload") }, QStringLiteral("Error reloading"));
        if (!r)
            return 1;
        out(QStringLiteral("Configuration reload triggered"));
        return 0;
    }
};

// ---------------------------------------------------------------------------------------------

class Maint final : public Command
{
public:
    Maint()
    {
        m_http.addClientFlags(m_flags);
        m_flags.addBool(QStringLiteral("disable"), &m_disable, QStringLiteral("Leave maintenance mode."));
        m_flags.addBool(QStringLiteral("enable"), &m_enable, QStringLiteral("Enter maintenance mode."));
        m_flags.addString(QStringLiteral("reason"), &m_reason,
            QStringLiteral("Why; shown in the Notes of the maintenance check."));
        m_flags.addString(QStringLiteral("service"), &m_service,
            QStringLiteral("Act on this service ID instead of the whole node."));
    }
    QString synopsis() const override { return QStringLiteral("Controls node or service maintenance mode"); }
    QString usage() const override
    {
        return QStringLiteral("Usage: qonsul maint [options]\n\n"
                              "  Puts the node, or one service with -service, in or out of maintenance\n"
                              "  mode: a critical check that keeps it out of DNS and API answers until\n"
                              "  disabled. Without -enable or -disable, lists what is in maintenance.");
    }
    int run(const QStringList &args) override
    {
        if (!m_flags.parse(args))
            return 1;
        if (m_enable && m_disable) {
            err(QStringLiteral("Only one of -enable or -disable may be provided"));
            return 1;
        }
        if (!m_enable && !m_reason.isEmpty()) {
            err(QStringLiteral("Reason may only be provided with -enable"));
            return 1;
        }
        if (!m_enable && !m_disable && !m_service.isEmpty()) {
            err(QStringLiteral("Service requires either -enable or -disable"));
            return 1;
        }
        auto client = connectOrReport(m_http);
        if (!client)
            return 1;
        const QString nodeName = agentNodeNameOrReport(*client);
        if (nodeName.isEmpty())
            return 1;
        if (!m_enable && !m_disable) {
            const auto r = callOrReport(*client, { "GET", QStringLiteral("/v1/agent/checks") }, QStringLiteral("Error getting checks"));
            if (!r)
                return 1;
            const QJsonObject checks = QJsonDocument::fromJson(r->body).object();
            for (const QJsonValue &v : checks) {
                const QJsonObject c = v.toObject();
                const QString id = c.value(u"CheckID").toString();
                if (id == u"_node_maintenance") {
                    out(QStringLiteral("Node:"));
                    out(QStringLiteral("  Name:   ") + nodeName);
                    out(QStringLiteral("  Reason: ") + c.value(u"Notes").toString());
                    out(QString());
                } else if (id.startsWith(u"_service_maintenance:")) {
                    out(QStringLiteral("Service:"));
                    out(QStringLiteral("  ID:     ") + c.value(u"ServiceID").toString());
                    out(QStringLiteral("  Reason: ") + c.value(u"Notes").toString());
                    out(QString());
                }
            }
            return 0;
        }
        Request req { "PUT",
            m_service.isEmpty() ? QStringLiteral("/v1/agent/maintenance")
                                : QStringLiteral("/v1/agent/service/maintenance/") + m_service };
        req.param(QStringLiteral("enable"), m_enable ? QStringLiteral("true") : QStringLiteral("false"));
        if (m_enable)
            req.param(QStringLiteral("reason"), m_reason);
        const Response r = client->call(req);
        const QString verb = m_enable ? QStringLiteral("enabl") : QStringLiteral("disabl");
        const QString scope = m_service.isEmpty() ? QStringLiteral("node") : QStringLiteral("service");
        if (!r.ok()) {
            err(QStringLiteral("Error %1ing %2 maintenance: %3").arg(verb, scope, r.errorText()));
            return 1;
        }
        if (m_service.isEmpty())
            out(QStringLiteral("Node maintenance is now %1ed").arg(verb));
        else
            out(QStringLiteral("Service maintenance is now %1ed for %2").arg(verb, goQuote(m_service)));
        return 0;
    }

private:
    bool m_disable = false;
    bool m_enable = false;
    QString m_reason;
    QString m_service;
};

// ---------------------------------------------------------------------------------------------

class Event final : public Command
{
public:
    Event()
    {
        m_flags.addString(QStringLiteral("name"), &m_name, QStringLiteral("Name of the event (required)."));
        m_flags.addString(QStringLiteral("node"), &m_node,
            QStringLiteral("Regular expression: only nodes whose name matches handle it."));
        m_flags.addString(QStringLiteral("service"), &m_service,
            QStringLiteral("Regular expression: only nodes with a matching service handle it."));
        m_flags.addString(QStringLiteral("tag"), &m_tag,
            QStringLiteral("Regular expression on service tags; needs -service."));
        m_http.addClientFlags(m_flags);
    }
    QString synopsis() const override { return QStringLiteral("Fire a new event"); }
    QString usage() const override
    {
        return QStringLiteral("Usage: qonsul event [options] [payload]\n\n"
                              "  Fires a user event across the datacenter, optionally filtered by node,\n"
                              "  service and tag. The payload is optional.");
    }
    int run(const QStringList &args) override
    {
        if (!m_flags.parse(args))
            return 1;
        if (m_name.isEmpty()) {
            err(QStringLiteral("Event name must be specified"));
            err(QString());
            err(help());
            return 1;
        }
        const struct
        {
            const QString &value;
            const char *what;
        } filters[] = { { m_node, "node" }, { m_service, "service" }, { m_tag, "tag" } };
        for (const auto &f : filters) {
            const QRegularExpression re(f.value);
            if (!f.value.isEmpty() && !re.isValid()) {
                err(QStringLiteral("Failed to compile %1 filter regexp: error parsing regexp: %2")
                        .arg(QString::fromLatin1(f.what), re.errorString()));
                return 1;
            }
        }
        if (!m_tag.isEmpty() && m_service.isEmpty()) {
            err(QStringLiteral("Cannot provide tag filter without service filter."));
            return 1;
        }
        const QStringList rest = m_flags.args();
        if (rest.size() > 1) {
            err(QStringLiteral("Too many command line arguments."));
            err(QString());
            err(help());
            return 1;
        }
        auto client = connectOrReport(m_http);
        if (!client)
            return 1;
        if (agentNodeNameOrReport(*client).isEmpty())
            return 1;
        Request req { "PUT", QStringLiteral("/v1/event/fire/") + m_name };
        if (!m_node.isEmpty())
            req.param(QStringLiteral("node"), m_node);
        if (!m_service.isEmpty())
            req.param(QStringLiteral("service"), m_service);
        if (!m_tag.isEmpty())
            req.param(QStringLiteral("tag"), m_tag);
        req.body = rest.value(0).toUtf8();
        req.contentType = "application/octet-stream";
        const auto r = callOrReport(*client, req, QStringLiteral("Error firing event"));
        if (!r)
            return 1;
        out(QStringLiteral("Event ID: %1")
                .arg(QJsonDocument::fromJson(r->body).object().value(u"ID").toString()));
        return 0;
    }

private:
    QString m_name;
    QString m_node;
    QString m_service;
    QString m_tag;
};

// ---------------------------------------------------------------------------------------------

class Monitor final : public Command
{
public:
    Monitor()
    {
        m_http.addClientFlags(m_flags);
        m_flags.addString(QStringLiteral("log-level"), &m_level,
            QStringLiteral("Lowest level of the records to stream (trace, debug, info, warn, "
                           "error). Default INFO."));
        m_flags.addBool(QStringLiteral("log-json"), &m_json, QStringLiteral("Stream the records as JSON."));
    }
    QString synopsis() const override { return QStringLiteral("Stream logs from a Consul agent"); }
    QString usage() const override
    {
        return QStringLiteral("Usage: qonsul monitor [options]\n\n"
                              "  Streams the agent's log records as they happen, at any level, even one\n"
                              "  below the level the agent itself logs at. Stop with Ctrl-C.");
    }
    int run(const QStringList &args) override
    {
        auto client = parseAndConnect(args);
        if (!client)
            return 1;
        Request req { "GET", QStringLiteral("/v1/agent/monitor") };
        req.param(QStringLiteral("loglevel"), m_level);
        if (m_json)
            req.param(QStringLiteral("logjson"), QStringLiteral("true"));
        client::ApiCall *call = client->send(req, true);
        QEventLoop loop;
        SignalWatcher signals;
        int code = 1;
        bool quitting = false;
        QByteArray pending;
        QObject::connect(call, &client::ApiCall::chunk, &loop, [&](const QByteArray &data) {
            pending += data;
            qsizetype nl;
            while ((nl = pending.indexOf('\n')) >= 0) {
                const QByteArray line = pending.left(nl);
                pending.remove(0, nl + 1);
                if (!line.isEmpty())
                    out(line);
            }
        });
        QObject::connect(call, &client::ApiCall::finished, &loop, [&](const Response &r) {
            if (!quitting) {
                if (r.status != 200) {
                    err(QStringLiteral("Error starting monitor: %1").arg(r.errorText()));
                } else {
                    if (!pending.isEmpty())
                        out(pending);
                    out(QString());
                    out(QStringLiteral("Remote side ended the monitor! This usually means that the\n"
                                       "remote side has exited or crashed."));
                }
            }
            loop.quit();
        });
        QObject::connect(&signals, &SignalWatcher::signalled, &loop, [&](int sig) {
            if (sig == SIGHUP)
                return;
            quitting = true;
            code = 0;
            call->abort();
        });
        loop.exec();
        return code;
    }

private:
    QString m_level = QStringLiteral("INFO");
    bool m_json = false;
};

// ---------------------------------------------------------------------------------------------

class RaftListPeers final : public Command
{
public:
    RaftListPeers()
    {
        m_http.addClientFlags(m_flags);
        m_http.addServerFlags(m_flags);
    }
    QString synopsis() const override
    {
        return QStringLiteral("Display the current Raft peer configuration");
    }
    QString usage() const override
    {
        return QStringLiteral("Usage: qonsul operator raft list-peers [options]\n\n"
                              "  Prints the servers of the Raft configuration and how far each trails the\n"
                              "  leader.");
    }
    int run(const QStringList &args) override
    {
        if (!m_flags.parse(args))
            return 1;
        QString error;
        auto client = m_http.makeClient(&error);
        if (!client) {
            err(QStringLiteral("Error initializing client: %1").arg(error));
            return 1;
        }
        Request cfgReq { "GET", QStringLiteral("/v1/operator/raft/configuration") };
        Request healthReq { "GET", QStringLiteral("/v1/operator/autopilot/health") };
        if (m_http.stale()) {
            cfgReq.param(QStringLiteral("stale"));
            healthReq.param(QStringLiteral("stale"));
        }
        const Response cfg = client->call(cfgReq);
        if (!cfg.ok()) {
            err(QStringLiteral("Error getting peers: Failed to retrieve raft configuration: %1")
                    .arg(cfg.errorText()));
            return 1;
        }
        const Response health = client->call(healthReq);
        if (health.status != 200 && health.status != 429) {
            err(QStringLiteral("Error getting peers: Failed to retrieve autopilot health: %1")
                    .arg(health.errorText()));
            return 1;
        }
        QMap<QString, quint64> lastIndex;
        for (const QJsonValue &v :
            QJsonDocument::fromJson(health.body).object().value(u"Servers").toArray()) {
            const QJsonObject s = v.toObject();
            lastIndex.insert(s.value(u"ID").toString(), quint64(s.value(u"LastIndex").toInteger()));
        }
        const QJsonArray servers = QJsonDocument::fromJson(cfg.body).object().value(u"Servers").toArray();
        quint64 leaderIndex = 0;
        for (const QJsonValue &v : servers) {
            const QJsonObject s = v.toObject();
            if (s.value(u"Leader").toBool())
                leaderIndex = lastIndex.value(s.value(u"ID").toString(), 0);
        }
        QList<QStringList> rows { { QStringLiteral("Node"), QStringLiteral("ID"), QStringLiteral("Address"),
            QStringLiteral("State"), QStringLiteral("Voter"), QStringLiteral("RaftProtocol"),
            QStringLiteral("Commit Index"), QStringLiteral("Trails Leader By") } };
        for (const QJsonValue &v : servers) {
            const QJsonObject s = v.toObject();
            QString protocol = s.value(u"ProtocolVersion").toString();
            if (protocol.isEmpty())
                protocol = QStringLiteral("<=1");
            const bool leader = s.value(u"Leader").toBool();
            const QString id = s.value(u"ID").toString();
            QStringList row { s.value(u"Node").toString(), id, s.value(u"Address").toString(),
                leader ? QStringLiteral("leader") : QStringLiteral("follower"),
                s.value(u"Voter").toBool() ? QStringLiteral("true") : QStringLiteral("false"), protocol };
            if (lastIndex.contains(id)) {
                const quint64 index = lastIndex.value(id);
                const quint64 trails = leaderIndex - index;
                row << QString::number(index)
                    << (leader               ? QStringLiteral("_")
                               : trails <= 1 ? QStringLiteral("%1 Commit").arg(trails)
                                             : QStringLiteral("%1 Commits").arg(trails));
            } else {
                row << QStringLiteral("_");
            }
            rows << row;
        }
        out(columnize(rows));
        return 0;
    }
};

// ---------------------------------------------------------------------------------------------

class Keygen final : public Command
{
public:
    QString synopsis() const override { return QStringLiteral("Generates a new encryption key"); }
    QString usage() const override
    {
        return QStringLiteral("Usage: qonsul keygen\n\n"
                              "  Prints a new random 32-byte key, base64-encoded, in the form the agent's\n"
                              "  \"encrypt\" setting takes.");
    }
    int run(const QStringList &args) override
    {
        if (!m_flags.parse(args))
            return 1;
        QByteArray key(32, Qt::Uninitialized);
        QRandomGenerator::system()->generate(
            reinterpret_cast<quint32 *>(key.data()), reinterpret_cast<quint32 *>(key.data() + key.size()));
        out(key.toBase64());
        return 0;
    }
};

class Version final : public Command
{
public:
    Version()
    {
        m_flags.addString(QStringLiteral("format"), &m_format, QStringLiteral("Output format {pretty|json}"));
    }
    QString synopsis() const override { return QStringLiteral("Prints the Consul version"); }
    QString usage() const override { return QStringLiteral("Usage: qonsul version [options]"); }
    int run(const QStringList &args) override
    {
        if (!m_flags.parse(args))
            return 1;
        if (m_format == u"json") {
            QByteArray text = "{\n   \"Version\": " + goJsonString(qonsulVersion())
                + ",\n   \"Revision\": " + goJsonString(buildRevision())
                + ",\n   \"Prerelease\": \"\",\n   \"RPC\": {\n      \"Default\": 2,\n      \"Min\": 2,\n"
                  "      \"Max\": 3\n   }\n}";
            out(text);
            return 0;
        }
        if (m_format != u"pretty") {
            err(QStringLiteral("Unknown format: %1").arg(m_format));
            return 1;
        }
        out(QStringLiteral("Qonsul v%1\nRevision %2\n"
                           "Protocol 2 spoken by default, understands 2 to 3 (agent will automatically use "
                           "protocol >2 when speaking to compatible agents)\n")
                .arg(qonsulVersion(), buildRevision()));
        return 0;
    }

private:
    QString m_format = QStringLiteral("pretty");
};

class Validate final : public Command
{
public:
    QString synopsis() const override { return QStringLiteral("Validate config files/directories"); }
    QString usage() const override
    {
        return QStringLiteral("Usage: qonsul validate [options] FILE_OR_DIRECTORY...\n\n"
                              "  Checks agent configuration files and directories the way \"qonsul agent\"\n"
                              "  would read them, without starting an agent. Exits 0 when they are valid,\n"
                              "  1 otherwise.\n\n"
                              "Command Options\n\n"
                              "  -quiet\n"
                              "     Print nothing when the configuration is valid.\n\n"
                              "  -config-format=<string>\n"
                              "     Read files as this format (json) whatever their extension.");
    }
    int run(const QStringList &args) override
    {
        QTextStream stdoutStream(stdout);
        QTextStream stderrStream(stderr);
        return config::runValidate(args, stdoutStream, stderrStream);
    }
};

} // namespace

void addAgentCommands(CommandTable &table)
{
    table[QStringLiteral("members")] = [] { return std::make_unique<Members>(); };
    table[QStringLiteral("info")] = [] { return std::make_unique<Info>(); };
    table[QStringLiteral("join")] = [] { return std::make_unique<Join>(); };
    table[QStringLiteral("leave")] = [] { return std::make_unique<Leave>(); };
    table[QStringLiteral("force-leave")] = [] { return std::make_unique<ForceLeave>(); };
    table[QStringLiteral("reload")] = [] { return std::make_unique<Reload>(); };
    table[QStringLiteral("maint")] = [] { return std::make_unique<Maint>(); };
    table[QStringLiteral("event")] = [] { return std::make_unique<Event>(); };
    table[QStringLiteral("monitor")] = [] { return std::make_unique<Monitor>(); };
    table[QStringLiteral("keygen")] = [] { return std::make_unique<Keygen>(); };
    table[QStringLiteral("version")] = [] { return std::make_unique<Version>(); };
    table[QStringLiteral("validate")] = [] { return std::make_unique<Validate>(); };
    table[QStringLiteral("operator")] = [] {
        return std::make_unique<ParentCommand>(
            QStringLiteral("Provides cluster-level tools for Consul operators"),
            QStringLiteral("Usage: qonsul operator <subcommand> [options]\n\n"
                           "  Cluster-level tools for operators. Run a subcommand with -h for its options."));
    };
    table[QStringLiteral("operator raft")] = [] {
        return std::make_unique<ParentCommand>(
            QStringLiteral("Provides cluster-level tools for Consul operators"),
            QStringLiteral("Usage: qonsul operator raft <subcommand> [options]\n\n"
                           "  Inspects the Raft subsystem of the servers."));
    };
    table[QStringLiteral("operator raft list-peers")] = [] { return std::make_unique<RaftListPeers>(); };
}

} // namespace qonsul::cli

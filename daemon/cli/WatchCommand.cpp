// `qonsul watch -type=<t> [options] [handler...]`: Consul's watch plans over blocking queries.
// Without a handler the first result is printed as indented JSON and the command ends (as
// Consul's does); with one, the handler runs on every change with the JSON on its standard input
// and CONSUL_INDEX in its environment, until the command is interrupted.
#include "cli/ApiData.h"
#include "cli/Command.h"
#include "cli/Output.h"
#include "cli/Runtime.h"
#include "cli/Signals.h"

#include <QDateTime>
#include <QEventLoop>
#include <QJsonArray>
#include <QJsonDocument>
#include <QJsonObject>
#include <QProcess>
#include <QTimer>
#include <csignal>

namespace qonsul::cli {

namespace {

using client::ApiClient;
using client::Request;
using client::Response;

// api.Node in Go's field order.
QByteArray nodeJson(const QJsonObject &n)
{
    auto str = [&](const char *k) { return goJsonString(n.value(QLatin1StringView(k)).toString()); };
    auto map = [&](const char *k) -> QByteArray {
        const QJsonValue v = n.value(QLatin1StringView(k));
        if (!v.isObject())
            return QByteArray("null");
        QByteArray o = "{";
        const QJsonObject obj = v.toObject();
        for (auto it = obj.begin(); it != obj.end(); ++it)
            o += (o.size() > 1 ? "," : "") + goJsonString(it.key()) + ':'
                + goJsonString(it.value().toString());
        return o + '}';
    };
    return "{\"ID\":" + str("ID") + ",\"Node\":" + str("Node") + ",\"Address\":" + str("Address")
        + ",\"Datacenter\":" + str("Datacenter") + ",\"TaggedAddresses\":" + map("TaggedAddresses")
        + ",\"Meta\":" + map("Meta")
        + ",\"CreateIndex\":" + QByteArray::number(n.value(u"CreateIndex").toInteger())
        + ",\"ModifyIndex\":" + QByteArray::number(n.value(u"ModifyIndex").toInteger()) + '}';
}

// api.UserEvent in Go's field order.
QByteArray eventJson(const QJsonObject &e)
{
    auto str = [&](const char *k) { return goJsonString(e.value(QLatin1StringView(k)).toString()); };
    const QJsonValue payload = e.value(u"Payload");
    return "{\"ID\":" + str("ID") + ",\"Name\":" + str("Name") + ",\"Payload\":"
        + (payload.isString() && !payload.toString().isEmpty() ? goJsonString(payload.toString())
                                                               : QByteArray("null"))
        + ",\"NodeFilter\":" + str("NodeFilter") + ",\"ServiceFilter\":" + str("ServiceFilter")
        + ",\"TagFilter\":" + str("TagFilter")
        + ",\"Version\":" + QByteArray::number(e.value(u"Version").toInteger())
        + ",\"LTime\":" + QByteArray::number(e.value(u"LTime").toInteger()) + '}';
}

// Consul's event index: the two halves of the event's UUID xor-ed.
quint64 eventIdToIndex(const QString &uuid)
{
    if (uuid.size() < 36)
        return 0;
    const QString lowerHex = uuid.mid(0, 8) + uuid.mid(9, 4) + uuid.mid(14, 4);
    const QString upperHex = uuid.mid(19, 4) + uuid.mid(24, 12);
    const quint64 lower = lowerHex.toULongLong(nullptr, 16);
    const quint64 upper = upperHex.toULongLong(nullptr, 16);
    return lower ^ upper;
}

class WatchCommand final : public Command
{
public:
    WatchCommand()
    {
        m_flags.addString(QStringLiteral("key"), &m_key, QStringLiteral("Key to watch (type key)."));
        m_flags.addString(
            QStringLiteral("name"), &m_name, QStringLiteral("Event name to watch (type event)."));
        m_flags.addString(QStringLiteral("passingonly"), &m_passingOnly,
            QStringLiteral("Only instances passing all checks (type service): true or false."));
        m_flags.addString(
            QStringLiteral("prefix"), &m_prefix, QStringLiteral("Key prefix to watch (type keyprefix)."));
        m_flags.addString(QStringLiteral("service"), &m_service,
            QStringLiteral("Service to watch: required for type service, optional for checks."));
        m_flags.addBool(QStringLiteral("shell"), &m_shell,
            QStringLiteral("Run the handler through a shell ($SHELL, else /bin/sh). Default true."));
        m_flags.addString(
            QStringLiteral("state"), &m_state, QStringLiteral("Check state to watch (type checks)."));
        m_flags.addList(QStringLiteral("tag"), &m_tags,
            QStringLiteral("Service tag to filter on (types service and checks); repeatable."));
        m_flags.addString(QStringLiteral("type"), &m_type,
            QStringLiteral("What to watch: key, keyprefix, services, nodes, service, checks or "
                           "event."));
        m_http.addClientFlags(m_flags);
        m_http.addServerFlags(m_flags);
    }
    QString synopsis() const override { return QStringLiteral("Watch for changes in Consul"); }
    QString usage() const override
    {
        return QStringLiteral("Usage: qonsul watch [options] [child...]\n\n"
                              "  Watches a view of Consul's data. With a child command, runs it with the\n"
                              "  latest data (JSON on standard input) every time the view changes; without\n"
                              "  one, prints the current data and exits.\n\n"
                              "      $ qonsul watch -type=key -key=app/config\n"
                              "      $ qonsul watch -type=service -service=web ./reload.sh");
    }

    int run(const QStringList &args) override
    {
        if (!m_flags.parse(args))
            return 1;
        if (m_type.isEmpty()) {
            err(QStringLiteral("Watch type must be specified"));
            err(QString());
            err(help());
            return 1;
        }
        if (!m_passingOnly.isEmpty() && !client::parseGoBool(m_passingOnly, &m_passing)) {
            err(QStringLiteral(
                "Failed to parse passingonly flag: strconv.ParseBool: parsing %1: invalid syntax")
                    .arg(goQuote(m_passingOnly)));
            return 1;
        }
        const QString problem = validate();
        if (!problem.isEmpty()) {
            err(problem);
            return 1;
        }
        m_client = connectOrReport(m_http);
        if (!m_client)
            return 1;
        if (agentNodeNameOrReport(*m_client).isEmpty())
            return 1;
        m_waiter = std::make_unique<Waiter>(*m_client);
        SignalWatcher signals;
        QObject::connect(&signals, &SignalWatcher::signalled, &signals, [this](int sig) { onSignal(sig); });
        return loop();
    }

private:
    // The same checks, in the same words, as Consul's watch.Parse.
    QString validate() const
    {
        QStringList given; // parameters set that the type might not take
        if (!m_key.isEmpty())
            given << QStringLiteral("key");
        if (!m_prefix.isEmpty())
            given << QStringLiteral("prefix");
        if (!m_service.isEmpty())
            given << QStringLiteral("service");
        if (!m_tags.isEmpty())
            given << QStringLiteral("tag");
        if (m_http.stale())
            given << QStringLiteral("stale");
        if (!m_state.isEmpty())
            given << QStringLiteral("state");
        if (!m_name.isEmpty())
            given << QStringLiteral("name");
        if (!m_passingOnly.isEmpty())
            given << QStringLiteral("passingonly");
        QStringList accepted;
        if (m_type == u"key") {
            if (m_key.isEmpty())
                return QStringLiteral("Must specify a single key to watch");
            accepted = { QStringLiteral("stale"), QStringLiteral("key") };
        } else if (m_type == u"keyprefix") {
            if (m_prefix.isEmpty())
                return QStringLiteral("Must specify a single prefix to watch");
            accepted = { QStringLiteral("stale"), QStringLiteral("prefix") };
        } else if (m_type == u"services" || m_type == u"nodes") {
            accepted = { QStringLiteral("stale") };
        } else if (m_type == u"service") {
            if (m_service.isEmpty())
                return QStringLiteral("Must specify a single service to watch");
            accepted = { QStringLiteral("stale"), QStringLiteral("service"), QStringLiteral("tag"),
                QStringLiteral("passingonly") };
        } else if (m_type == u"checks") {
            if (!m_service.isEmpty() && !m_state.isEmpty())
                return QStringLiteral("Cannot specify service and state");
            accepted = { QStringLiteral("stale"), QStringLiteral("service"), QStringLiteral("state"),
                QStringLiteral("tag") };
        } else if (m_type == u"event") {
            accepted = { QStringLiteral("name") };
        } else {
            return QStringLiteral("Unsupported watch type: %1").arg(m_type);
        }
        QStringList invalid;
        for (const QString &p : given) {
            if (!accepted.contains(p))
                invalid << p;
        }
        if (!invalid.isEmpty()) {
            invalid.sort();
            return QStringLiteral("Invalid parameters: [%1]").arg(invalid.join(u' '));
        }
        return {};
    }

    Request request(quint64 index) const
    {
        Request req;
        if (m_type == u"key") {
            req.path = QStringLiteral("/v1/kv/") + (m_key.startsWith(u'/') ? m_key.mid(1) : m_key);
        } else if (m_type == u"keyprefix") {
            req.path = QStringLiteral("/v1/kv/") + (m_prefix.startsWith(u'/') ? m_prefix.mid(1) : m_prefix);
            req.param(QStringLiteral("recurse"));
        } else if (m_type == u"services") {
            req.path = QStringLiteral("/v1/catalog/services");
        } else if (m_type == u"nodes") {
            req.path = QStringLiteral("/v1/catalog/nodes");
        } else if (m_type == u"service") {
            req.path = QStringLiteral("/v1/health/service/") + m_service;
            for (const QString &t : m_tags)
                req.param(QStringLiteral("tag"), t);
            if (m_passing)
                req.param(QStringLiteral("passing"), QStringLiteral("1"));
        } else if (m_type == u"checks") {
            if (!m_service.isEmpty()) {
                req.path = QStringLiteral("/v1/health/checks/") + m_service;
            } else {
                req.path = QStringLiteral("/v1/health/state/")
                    + (m_state.isEmpty() ? QStringLiteral("any") : m_state);
                for (const QString &t : m_tags)
                    req.param(QStringLiteral("tag"), t);
            }
        } else if (m_type == u"event") {
            req.path = QStringLiteral("/v1/event/list");
            if (!m_name.isEmpty())
                req.param(QStringLiteral("name"), m_name);
        }
        if (m_http.stale() && m_type != u"event")
            req.param(QStringLiteral("stale"));
        if (index > 0)
            req.param(QStringLiteral("index"), QString::number(index));
        return req;
    }

    // The result as Consul's client would re-encode it (compact).
    QByteArray result(const Response &r, quint64 lastIndex) const
    {
        if (m_type == u"key" || m_type == u"keyprefix") {
            if (r.status == 404)
                return "null";
            const QList<KvPair> pairs = parseKvPairs(r.body);
            if (m_type == u"key")
                return pairs.isEmpty() ? QByteArray("null") : kvPairJson(pairs.first());
            QByteArray text = "[";
            for (const KvPair &p : pairs)
                text += (text.size() > 1 ? "," : "") + kvPairJson(p);
            return text + ']';
        }
        const QJsonDocument doc = QJsonDocument::fromJson(r.body);
        if (m_type == u"nodes") {
            QByteArray text = "[";
            for (const QJsonValue &n : doc.array())
                text += (text.size() > 1 ? "," : "") + nodeJson(n.toObject());
            return text + ']';
        }
        if (m_type == u"event") {
            QJsonArray events = doc.array();
            for (qsizetype i = 0; i < events.size(); ++i) {
                if (lastIndex != 0
                    && eventIdToIndex(events[i].toObject().value(u"ID").toString()) == lastIndex) {
                    QJsonArray newer;
                    for (qsizetype j = i + 1; j < events.size(); ++j)
                        newer << events[j];
                    events = newer;
                    break;
                }
            }
            QByteArray text = "[";
            for (const QJsonValue &e : events)
                text += (text.size() > 1 ? "," : "") + eventJson(e.toObject());
            return text + ']';
        }
        return relayoutJson(r.body, 0);
    }

    void onSignal(int sig)
    {
        if (m_child && m_child->state() != QProcess::NotRunning)
            ::kill(pid_t(m_child->processId()), sig);
        if (sig == SIGHUP)
            return;
        m_stop = true;
        if (m_waiter)
            m_waiter->interrupt();
    }

    int loop()
    {
        bool haveIndex = false; // Go's nil lastParamVal: nothing seen yet, or reset after an error
        quint64 lastIndex = 0;
        QByteArray lastResult;
        int failures = 0;
        while (!m_stop) {
            const Response r = m_waiter->request(request(lastIndex));
            if (m_stop)
                break;
            const bool notFoundOk = (m_type == u"key" || m_type == u"keyprefix") && r.status == 404;
            if (!r.ok() && !notFoundOk) {
                ++failures;
                haveIndex = false;
                lastIndex = 0;
                const qint64 retryMs = qMin<qint64>(5000LL * failures * failures, 180000);
                err(QStringLiteral("%1 [ERROR] watch: Watch errored: type=%2 error=%3 retry=%4s")
                        .arg(QDateTime::currentDateTime().toString(Qt::ISODateWithMs), m_type,
                            goQuote(r.errorText()))
                        .arg(retryMs / 1000));
                m_waiter->sleep(retryMs);
                continue;
            }
            failures = 0;
            const quint64 index = r.index();
            if (haveIndex && lastIndex == index)
                continue;
            const QByteArray data = result(r, lastIndex);
            const bool first = !haveIndex;
            lastIndex = (haveIndex && lastIndex > index) ? 0 : index; // went backwards: start over
            haveIndex = true;
            if (!first && data == lastResult)
                continue;
            lastResult = data;
            if (m_flags.args().isEmpty()) {
                out(relayoutJson(data, 4));
                return 0;
            }
            if (!runHandler(index, data))
                return 1;
        }
        return 0;
    }

    bool runHandler(quint64 index, const QByteArray &data)
    {
        const QStringList command = handlerCommand(m_flags.args(), m_shell);
        QProcess child;
        QProcessEnvironment env = QProcessEnvironment::systemEnvironment();
        env.insert(QStringLiteral("CONSUL_INDEX"), QString::number(index));
        child.setProcessEnvironment(env);
        child.setProcessChannelMode(QProcess::ForwardedChannels);
        QEventLoop loop;
        bool started = true;
        QObject::connect(&child, &QProcess::errorOccurred, &loop, [&](QProcess::ProcessError e) {
            if (e == QProcess::FailedToStart) {
                started = false;
                loop.quit();
            }
        });
        QObject::connect(&child, &QProcess::finished, &loop, &QEventLoop::quit);
        m_child = &child;
        child.start(command.value(0), command.mid(1));
        child.write(data + '\n');
        child.closeWriteChannel();
        loop.exec();
        m_child = nullptr;
        if (!started) {
            err(QStringLiteral("Error starting handler: exec: %1: executable file not found in $PATH")
                    .arg(goQuote(command.value(0))));
            return false;
        }
        if (child.exitStatus() == QProcess::CrashExit) {
            err(QStringLiteral("Error executing handler: signal: %1")
                    .arg(child.exitCode() == SIGTERM      ? QStringLiteral("terminated")
                            : child.exitCode() == SIGINT  ? QStringLiteral("interrupt")
                            : child.exitCode() == SIGKILL ? QStringLiteral("killed")
                                                          : QString::number(child.exitCode())));
            return false;
        }
        if (child.exitCode() != 0) {
            err(QStringLiteral("Error executing handler: exit status %1").arg(child.exitCode()));
            return false;
        }
        return true;
    }

    QString m_key;
    QString m_name;
    QString m_passingOnly;
    bool m_passing = false;
    QString m_prefix;
    QString m_service;
    bool m_shell = true;
    QString m_state;
    QStringList m_tags;
    QString m_type;

    std::unique_ptr<ApiClient> m_client;
    std::unique_ptr<Waiter> m_waiter;
    QProcess *m_child = nullptr;
    bool m_stop = false;
};

} // namespace

void addWatchCommand(CommandTable &table)
{
    table[QStringLiteral("watch")] = [] { return std::make_unique<WatchCommand>(); };
}

} // namespace qonsul::cli

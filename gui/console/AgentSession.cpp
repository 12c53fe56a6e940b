#include "console/AgentSession.h"

#include <QJsonArray>
#include <QJsonObject>

#include "console/BlockingQuery.h"
#include "console/Replies.h"

namespace qonsul::console {

using client::Request;
using client::Response;

AgentSession::AgentSession(QObject *parent)
    : QObject(parent)
{
}

void AgentSession::open(const ConnectionProfile &profile, const QString &token)
{
    m_profile = profile;
    m_token = token;
    m_info = {};
    m_datacenters.clear();
    m_knownLeader.reset();
    rebuildClient();
}

void AgentSession::close()
{
    delete m_client;
    m_info = {};
    m_datacenters.clear();
    setState(State::Disconnected);
    Q_EMIT infoChanged();
    Q_EMIT clientChanged();
}

void AgentSession::setDatacenter(const QString &dc)
{
    if (dc == m_profile.datacenter || !m_client)
        return;
    m_profile.datacenter = dc;
    rebuildClient();
}

void AgentSession::rebuildClient()
{
    delete m_client; // aborts every call in flight
    m_client = new client::ApiClient(m_profile.clientConfig(m_token), this);
    if (!m_client->isValid()) {
        m_lastError = m_client->setupError();
        setState(State::Lost);
        Q_EMIT errorOccurred(m_lastError);
    } else {
        setState(State::Connecting);
    }
    Q_EMIT clientChanged();
    refreshInfo();
}

void AgentSession::refreshInfo()
{
    if (!m_client)
        return;
    client::ApiClient *c = m_client;
    c->send(Request("GET", QStringLiteral("/v1/agent/self")), this, [this, c](const Response &r) {
        if (c != m_client)
            return;
        QJsonDocument doc;
        QString error;
        if (!Replies::parse(r, &doc, &error))
            return noteFailure(error);
        const QJsonObject config = doc.object().value(u"Config").toObject();
        m_info.nodeName = config.value(u"NodeName").toString();
        m_info.datacenter = config.value(u"Datacenter").toString();
        m_info.version = config.value(u"Version").toString();
        noteSuccess();
        Q_EMIT infoChanged();
    });
    c->send(Request("GET", QStringLiteral("/v1/status/leader")), this, [this, c](const Response &r) {
        if (c != m_client)
            return;
        if (!r.ok())
            return noteFailure(Replies::describeFailure(r));
        // The leader is a bare JSON string, which QJsonDocument only reads inside an array.
        const QJsonArray wrapped = QJsonDocument::fromJson("[" + r.body + "]").array();
        if (wrapped.size() != 1 || !wrapped.at(0).isString())
            return noteFailure(
                tr("The agent sent a leader that is not valid JSON text (a string was expected)."));
        m_info.leader = wrapped.at(0).toString();
        Q_EMIT infoChanged();
    });
    c->send(Request("GET", QStringLiteral("/v1/catalog/datacenters")), this, [this, c](const Response &r) {
        if (c != m_client)
            return;
        QJsonDocument doc;
        QString error;
        if (!Replies::parse(r, &doc, &error))
            return;
        QStringList dcs;
        for (const QJsonValue &v : doc.array())
            dcs.append(v.toString());
        if (dcs != m_datacenters) {
            m_datacenters = dcs;
            Q_EMIT datacentersChanged();
        }
    });
}

BlockingQuery *AgentSession::watch(const client::Request &request, QObject *parent)
{
    auto *q = new BlockingQuery(m_client, request, parent);
    connect(q, &BlockingQuery::failed, this, &AgentSession::noteFailure);
    connect(q, &BlockingQuery::changed, this, [this](const client::Response &r) {
        noteSuccess();
        // Every answer says whether the servers know a leader: when that flips, the leader shown
        // in the status bar is read again (there is no blocking query for /v1/status/leader).
        const bool known = r.knownLeader();
        if (m_knownLeader.has_value() && *m_knownLeader != known)
            refreshInfo();
        m_knownLeader = known;
    });
    return q;
}

void AgentSession::setState(State state)
{
    if (state == m_state)
        return;
    m_state = state;
    Q_EMIT stateChanged(state);
}

void AgentSession::noteFailure(const QString &message)
{
    m_lastError = message;
    setState(State::Lost);
    Q_EMIT errorOccurred(message);
}

void AgentSession::noteSuccess()
{
    if (m_state == State::Connected)
        return;
    const bool wasLost = m_state == State::Lost;
    setState(State::Connected);
    if (wasLost)
        refreshInfo();
}

} // namespace qonsul::console

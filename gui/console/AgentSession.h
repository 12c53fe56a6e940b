#pragma once
// The console's link to one agent: the ApiClient for the chosen connection and datacenter, what
// the status bar shows about the agent (/v1/agent/self, /v1/status/leader), the datacenters
// (/v1/catalog/datacenters), and whether the agent is reachable right now. Views make their
// blocking queries through watch(), so a failure in any of them marks the connection lost and
// the first answer after it marks it back.
#include <QObject>
#include <QPointer>
#include <QStringList>
#include <optional>

#include "client/ApiClient.h"
#include "console/ConnectionProfile.h"

namespace qonsul::console {

class BlockingQuery;

struct AgentInfo
{
    QString nodeName;
    QString datacenter;
    QString version;
    QString leader;
};

class AgentSession : public QObject
{
    Q_OBJECT
public:
    enum class State
    {
        Disconnected,
        Connecting,
        Connected,
        Lost
    };

    explicit AgentSession(QObject *parent = nullptr);

    void open(const ConnectionProfile &profile, const QString &token);
    void close();
    void setDatacenter(const QString &dc); // "" = the agent's own

    client::ApiClient *client() const { return m_client; }
    State state() const { return m_state; }
    const AgentInfo &info() const { return m_info; }
    const QStringList &datacenters() const { return m_datacenters; }
    const ConnectionProfile &profile() const { return m_profile; }
    QString datacenter() const { return m_profile.datacenter; }
    QString lastError() const { return m_lastError; }

    // A blocking query on this session's client whose failures count towards the connection state.
    BlockingQuery *watch(const client::Request &request, QObject *parent);

    // Re-reads the agent's identity and the leader (after connecting and after a recovery).
    void refreshInfo();

Q_SIGNALS:
    void clientChanged(); // a new client (connect, datacenter switch): views restart their queries
    void stateChanged(qonsul::console::AgentSession::State state);
    void infoChanged();
    void datacentersChanged();
    void errorOccurred(const QString &message);

private:
    void setState(State state);
    void noteFailure(const QString &message);
    void noteSuccess();
    void rebuildClient();

    ConnectionProfile m_profile;
    QString m_token;
    QPointer<client::ApiClient> m_client;
    State m_state = State::Disconnected;
    AgentInfo m_info;
    QStringList m_datacenters;
    QString m_lastError;
    std::optional<bool> m_knownLeader; // X-Consul-KnownLeader of the last answer
};

} // namespace qonsul::console

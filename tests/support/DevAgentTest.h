#pragma once
// Base of a test class whose test functions all run against one `qonsul agent -dev`: its
// initTestCase starts the agent (and waits for its leader), its cleanupTestCase stops it.
#include "AgentProcess.h"

#include <QObject>
#include <QTemporaryDir>

namespace qonsul::test {

class DevAgentTest : public QObject
{
    Q_OBJECT

protected:
    DevAgentTest();
    // The agent also reads `config` (JSON), from configFilePath(): a file of the fixture's own,
    // written before the start, that a test may rewrite before a `qonsul reload`.
    explicit DevAgentTest(const QByteArray &config);

    QString configFilePath() const { return m_configDir.filePath(QStringLiteral("agent.json")); }

    // Requests to the agent's HTTP API; `path` from "/v1/" on.
    HttpResult request(const QByteArray &method, const QString &path, const QByteArray &body = {}) const
    {
        return httpRequest(method, m_agent.baseUrl() + path, body);
    }
    HttpResult get(const QString &path) const { return request("GET", path); }
    HttpResult put(const QString &path, const QByteArray &body = {}) const { return request("PUT", path, body); }
    HttpResult del(const QString &path) const { return request("DELETE", path); }

private:
    QTemporaryDir m_configDir; // before m_agent: its arguments name a file in it
    QByteArray m_config;

protected:
    AgentProcess m_agent;

private Q_SLOTS:
    void initTestCase();
    void cleanupTestCase();
};

} // namespace qonsul::test

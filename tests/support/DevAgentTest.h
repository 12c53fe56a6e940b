#pragma once
// Base of a test class whose test functions all run against one `qonsul agent -dev`: its
// initTestCase starts the agent (and waits for its leader), its cleanupTestCase stops it.
#include "AgentProcess.h"

#include <QObject>

namespace qonsul::test {

class DevAgentTest : public QObject
{
    Q_OBJECT

protected:
    // Requests to the agent's HTTP API; `path` from "/v1/" on.
    HttpResult get(const QString &path) const { return httpRequest("GET", m_agent.baseUrl() + path); }
    HttpResult put(const QString &path, const QByteArray &body = {}) const
    {
        return httpRequest("PUT", m_agent.baseUrl() + path, body);
    }
    HttpResult del(const QString &path) const { return httpRequest("DELETE", m_agent.baseUrl() + path); }

    AgentProcess m_agent;

private Q_SLOTS:
    void initTestCase();
    void cleanupTestCase();
};

} // namespace qonsul::test

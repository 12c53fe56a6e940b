#include "DevAgentTest.h"

#include "TestSupport.h"

#include <QTest>

namespace qonsul::test {

DevAgentTest::DevAgentTest() = default;

DevAgentTest::DevAgentTest(const QByteArray &config)
    : m_config(config)
    , m_agent({QStringLiteral("-config-file"), configFilePath()})
{
}

void DevAgentTest::initTestCase()
{
    if (!m_config.isEmpty()) {
        QVERIFY(m_configDir.isValid());
        QVERIFY(writeFile(configFilePath(), m_config));
    }
    QVERIFY(m_agent.start());
}

void DevAgentTest::cleanupTestCase()
{
    m_agent.stop();
}

} // namespace qonsul::test

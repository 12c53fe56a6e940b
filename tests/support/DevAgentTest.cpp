#include "DevAgentTest.h"

#include <QTest>

namespace qonsul::test {

void DevAgentTest::initTestCase()
{
    QVERIFY(m_agent.start());
}

void DevAgentTest::cleanupTestCase()
{
    m_agent.stop();
}

} // namespace qonsul::test

#include "checks/StatusHandler.h"

namespace qonsul::checks {

StatusHandler::StatusHandler(int successBeforePassing, int failuresBeforeWarning, int failuresBeforeCritical)
    : m_successBeforePassing(successBeforePassing)
    , m_successCounter(successBeforePassing)
    , m_failuresBeforeWarning(failuresBeforeWarning)
    , m_failuresBeforeCritical(failuresBeforeCritical)
    , m_failuresCounter(failuresBeforeCritical)
{
}

std::optional<StatusUpdate> StatusHandler::update(const QString &status, const QString &output)
{
    if (status == u"passing" || status == u"warning") {
        ++m_successCounter;
        m_failuresCounter = 0;
        if (m_successCounter >= m_successBeforePassing)
            return StatusUpdate{status, output};
        return std::nullopt;
    }
    ++m_failuresCounter;
    m_successCounter = 0;
    if (m_failuresCounter >= m_failuresBeforeCritical)
        return StatusUpdate{status, output};
    if (m_failuresCounter >= m_failuresBeforeWarning)
        return StatusUpdate{QStringLiteral("warning"), output};
    return std::nullopt;
}

} // namespace qonsul::checks

#pragma once
// Consul's StatusHandler: success_before_passing / failures_before_warning /
// failures_before_critical. The counters start at their thresholds, so the first result after
// registration is reported at once; after that a passing (or warning) result needs
// success_before_passing consecutive successes, and a critical one is reported as warning
// from failures_before_warning and as critical from failures_before_critical consecutive
// failures. Results below the thresholds are swallowed (no status change).
#include <QString>
#include <optional>

namespace qonsul::checks {

struct StatusUpdate
{
    QString status;
    QString output;
};

class StatusHandler
{
public:
    StatusHandler(int successBeforePassing = 0, int failuresBeforeWarning = 0, int failuresBeforeCritical = 0);

    // Feeds one result; returns what to report, or nothing while below a threshold.
    std::optional<StatusUpdate> update(const QString &status, const QString &output);

    int successCounter() const { return m_successCounter; }
    int failuresCounter() const { return m_failuresCounter; }

private:
    int m_successBeforePassing;
    int m_successCounter;
    int m_failuresBeforeWarning;
    int m_failuresBeforeCritical;
    int m_failuresCounter;
};

} // namespace qonsul::checks

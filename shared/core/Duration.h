#pragma once
// Go's time.Duration text form, which Consul uses everywhere a duration is visible
// ("15s", "1m30s", "1.5ms"). Values are nanoseconds, as in Go.
#include <QString>
#include <optional>

namespace qonsul {

using Nanoseconds = qint64;
constexpr Nanoseconds kMillisecond = 1000000;
constexpr Nanoseconds kSecond = 1000 * kMillisecond;
constexpr Nanoseconds kMinute = 60 * kSecond;
constexpr Nanoseconds kHour = 60 * kMinute;

// Parses "300ms", "-1.5h", "2h45m", "0" (Go's time.ParseDuration). nullopt when malformed or overflowing.
std::optional<Nanoseconds> parseDuration(QStringView text);

// Formats like Go's Duration.String(): "0s", "1.5s", "2m0s", "100ms".
QString formatDuration(Nanoseconds ns);

} // namespace qonsul

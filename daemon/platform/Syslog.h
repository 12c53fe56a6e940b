#pragma once
// `enable_syslog`: every log record the agent prints also goes to the local syslog daemon under
// `syslog_facility` (Consul's facility names: KERN, USER, MAIL, DAEMON, AUTH, SYSLOG, LPR, NEWS,
// UUCP, CRON, AUTHPRIV, FTP, LOCAL0..LOCAL7, any case). Records follow the agent's log level,
// also after a reload changes it.
#include <QString>
#include <optional>

namespace qonsul::platform {

// The syslog(3) facility for a name; nullopt for an unknown one.
std::optional<int> syslogFacility(const QString &name);

// Opens syslog with ident "qonsul" and adds the sink; false and *error for an unknown facility
// or a platform without syslog.
bool installSyslog(const QString &facility, QString *error);

} // namespace qonsul::platform

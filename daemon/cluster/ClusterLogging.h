#pragma once
#include <QLoggingCategory>

// Consul's logger name for the server side of an agent.
Q_DECLARE_LOGGING_CATEGORY(lcServer)

#pragma once
// The logging category of the durable Raft stores ("qonsul.raft.storage").
#include <QLoggingCategory>

Q_DECLARE_LOGGING_CATEGORY(lcRaftStorage)

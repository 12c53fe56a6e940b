#pragma once
#include <QLoggingCategory>

// Consul's logger names: the RPC layer and the Raft transport log as agent.server.rpc.
Q_DECLARE_LOGGING_CATEGORY(lcRpc)

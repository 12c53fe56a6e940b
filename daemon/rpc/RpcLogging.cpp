#include "rpc/RpcLogging.h"

Q_LOGGING_CATEGORY(lcRpc, "agent.server.rpc")

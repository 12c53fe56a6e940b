#include "cluster/ClusterLogging.h"

Q_LOGGING_CATEGORY(lcServer, "agent.server")

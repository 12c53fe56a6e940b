#pragma once
// Connect.SidecarService in a service registration (HTTP or config file, `connect { sidecar_service
// {} }`) is Consul's shorthand for a second local service: the parent's connect-proxy, with the ID
// "<parent id>-sidecar-proxy", Consul's defaults filled in (name, address, tags, meta, Proxy's
// destination and local service, a port from sidecar_min_port..sidecar_max_port, and the TCP and
// alias checks when it names none). The parent is stored without it. Pure: LocalState registers
// both and deregisters the sidecar with its parent.
#include <QJsonObject>
#include <QMap>

#include "api/Types.h"
#include "http/v1/AgentBackend.h"

namespace qonsul::agent {

struct SidecarPorts
{
    int min = 21000; // ports.sidecar_min_port; < 1: no automatic ports
    int max = 21255; // ports.sidecar_max_port
};

QString sidecarId(const QString &parentId);
// Whether a definition (any key spelling) carries a SidecarService.
bool wantsSidecar(const QJsonObject &definition);

// Splits `definition` into the parent (*parent: without SidecarService, and without Connect when
// nothing else was in it) and the sidecar's definition (*sidecar, with its Checks; empty when none
// is asked for). `services`: the agent's services (the ports they hold; the sidecar's own when it
// is registered again keeps its port). A definition that does not parse comes back as it was,
// for the caller's validation to report.
http::v1::AgentError expandSidecar(const QJsonObject &definition, const QMap<QString, api::Service> &services,
    SidecarPorts ports, QJsonObject *parent, QJsonObject *sidecar);

} // namespace qonsul::agent

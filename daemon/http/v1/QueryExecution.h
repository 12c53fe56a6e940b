#pragma once
// Running a prepared query's definition against this server's catalog: the step /v1/query/<id>/execute
// takes locally and the one a server of another datacenter takes for a failover
// ("PreparedQuery.ExecuteRemote", Consul's ExecuteRemote).
#include <QJsonObject>

#include "http/v1/Api.h"

namespace qonsul::http::v1 {

// {Service, Nodes, DNS, Datacenter (this one), Failovers: 0, Index}: the healthy instances the
// (rendered) definition selects, shuffled, at most `limit` (0: all). `near` (a node of this
// datacenter or "_agent"; empty for another datacenter's query, as coordinates do not compare
// across datacenters) orders them by estimated round trip, its own instance first.
QJsonObject executePreparedQuery(const ApiContext &ctx, const QJsonObject &definition, int limit, const QString &near);

} // namespace qonsul::http::v1

#pragma once
// Running a prepared query's definition against this server's catalog: the step /v1/query/<id>/execute
// takes locally and the one a server of another datacenter takes for a failover
// ("PreparedQuery.ExecuteRemote", Consul's ExecuteRemote).
#include <QJsonObject>
#include <QStringList>
#include <functional>

#include "http/v1/Api.h"

namespace qonsul::http::v1 {

// {Service, Nodes, DNS, Datacenter (this one), Failovers: 0}: the healthy instances the
// (rendered) definition selects, shuffled, at most `limit` (0: all). `near` (a node of this
// datacenter or "_agent"; empty for another datacenter's query, as coordinates do not compare
// across datacenters) orders them by estimated round trip, its own instance first.
QJsonObject executePreparedQuery(const ApiContext &ctx, const QJsonObject &definition, int limit, const QString &near);

// The datacenters a query with no healthy instance here tries, in order (Consul's
// queryFailover): the NearestN nearest other datacenters, then the known ones its Datacenters
// (or Targets) name. `failover` is the definition's Service.Failover.
QStringList failoverDatacenters(const ApiContext &ctx, const QJsonObject &failover);

// Runs the query in dcs[next], then the following ones, until one has instances; `done` gets
// the last answer that came back (else `body`), with Failovers = how many datacenters were tried.
void failover(const ApiContext &ctx, const QJsonObject &definition, int limit, const QStringList &dcs, int next,
              QJsonObject body, std::function<void(QJsonObject)> done);

} // namespace qonsul::http::v1

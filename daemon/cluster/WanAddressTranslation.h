#pragma once
// translate_wan_addrs in HTTP answers, as Consul's agent.TranslateAddresses: an agent with it
// set answers questions about another datacenter's nodes with their WAN addresses. Node
// `Address` becomes the node's TaggedAddresses "wan" (when it has one), a service's address and
// port its tagged "wan" address and port (each when set). TaggedAddresses themselves stay as
// they are, so clients still see the LAN address there. Only answers about another datacenter
// change: ?dc=<other> reads of the catalog and health endpoints, and prepared query executions
// whose nodes come from another datacenter (failover).
#include <QByteArray>
#include <QString>

namespace qonsul::cluster {

// Whether `path` answers with node or service addresses that translation may change.
bool answersWithAddresses(const QString &path);

// The answer `body` of `path` (JSON) with another datacenter's addresses translated.
// `localDatacenter` decides for prepared query executions, whose answer names its datacenter.
// Returns `body` unchanged when there is nothing to translate or it is not JSON.
QByteArray translateWanAddresses(const QString &path, const QByteArray &body, const QString &localDatacenter,
                                 bool otherDatacenter, bool pretty);

} // namespace qonsul::cluster

#pragma once
// A subset of go-sockaddr's templates, which Consul accepts in every address setting
// (bind_addr, client_addr, advertise_addr, addresses.*, retry_join, recursors, ...).
//
// Supported inside {{ ... }}:
//   GetPrivateIP, GetPrivateIPs, GetPublicIP, GetPublicIPs,
//   GetInterfaceIP "eth0", GetInterfaceIPs "eth0",
//   GetAllInterfaces, GetDefaultInterfaces, GetPrivateInterfaces, GetPublicInterfaces,
// followed by any of these pipeline stages:
//   include|exclude "name" <regex> | "type" IPv4|IPv6|IP | "flags" up|loopback|forwardable|...
//                   | "rfc" <n> | "network" <cidr>,
//   sort <anything> (kept in interface order), limit N, offset N,
//   attr "address"|"name"|"network", join "address"|"name" <separator>.
// A list left at the end of a pipeline renders as its addresses separated by spaces.
// Anything else is an error naming the unsupported part.
#include <QHostAddress>
#include <QString>
#include <QStringList>
#include <optional>

namespace qonsul::config {

// Expands every {{ ... }} in `text`; text without "{{" comes back unchanged. On error returns
// nullopt and sets *error (without the key name: the caller prefixes it).
std::optional<QString> expandSockAddrTemplate(const QString &text, QString *error);

// Up, forwardable IPv4 addresses in RFC 6890's special-purpose ranges (10/8, 172.16/12,
// 192.168/16, 100.64/10, ...) on interfaces with a default route: the candidates Consul picks
// an advertise address from when bind_addr is 0.0.0.0.
QStringList privateIPv4Addresses();
// Up, forwardable, globally routable IPv6 addresses (the candidates for bind_addr "::").
QStringList publicIPv6Addresses();

} // namespace qonsul::config

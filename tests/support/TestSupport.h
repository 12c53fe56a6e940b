#pragma once
// Helpers shared by all tests.
#include <QByteArray>
#include <QHostAddress>

namespace qonsul::test {

// A TCP port on `address` that was free a moment ago (bound and released), never one this
// process was given before.
quint16 freeTcpPort(const QHostAddress &address = QHostAddress::LocalHost);
// A port free for both TCP and UDP (DNS, gossip).
quint16 freeTcpUdpPort(const QHostAddress &address = QHostAddress::LocalHost);

} // namespace qonsul::test

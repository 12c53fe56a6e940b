#pragma once
// Helpers shared by all tests.
#include <QByteArray>
#include <QHostAddress>
#include <QString>
#include <QStringList>

#include <functional>

namespace qonsul::test {

// A TCP port on `address` that was free a moment ago (bound and released), never one this
// process was given before.
quint16 freeTcpPort(const QHostAddress &address = QHostAddress::LocalHost);
// A port free for both TCP and UDP (DNS, gossip).
quint16 freeTcpUdpPort(const QHostAddress &address = QHostAddress::LocalHost);

// Writes `contents` to the file `path` (replacing it; its folder is created if needed): a config
// file for an agent, say. False when it could not.
bool writeFile(const QString &path, const QByteArray &contents);

// The records of one section of dig's output (";; ANSWER SECTION:" ...), each with its fields
// joined by single spaces: "web.service.consul. 0 IN A 127.0.0.1".
QStringList digSection(const QByteArray &digOutput, const QString &section);

// Asks `done` every 200 ms (the thread sleeps in between; no events are processed) until it is
// true or `timeoutMs` passed; then asks once more. What `done` said last.
bool waitFor(const std::function<bool()> &done, int timeoutMs);

} // namespace qonsul::test

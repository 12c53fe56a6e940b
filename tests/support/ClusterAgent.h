#pragma once
// Agents of a multi-agent test cluster: each on its own loopback address (127.0.0.x) with its own
// node name, data dir and free server (RPC), LAN and WAN gossip ports on that address, started as
// real `qonsul agent` processes (not -dev) through AgentProcess.
#include "AgentProcess.h"
#include "TestSupport.h"

#include <QString>
#include <QStringList>

#include <memory>
#include <vector>

namespace qonsul::test {

struct ClusterAgent
{
    QString name;
    QString ip;
    QString dataDir;
    bool server = true;
    QStringList extra; // appended to the arguments start() builds
    QString datacenter; // -datacenter, when not empty
    // Chosen free on `ip` at the first start() and kept across restarts: the RPC address is the
    // server's Raft identity, the LAN address the one other agents join.
    quint16 rpcPort = 0;
    quint16 serfPort = 0;
    quint16 wanPort = 0;
    std::unique_ptr<AgentProcess> process;

    QString rpcAddress() const; // "<ip>:<rpcPort>", as /v1/status/leader and peers show it
    QString serfAddress() const; // "<ip>:<serfPort>", for -retry-join and `join`
    QString wanAddress() const; // "<ip>:<wanPort>", for `join -wan`
    QString url(const QString &path) const { return process->baseUrl() + path; }

    // Creates the data dir if needed and starts the agent with `configFile`; see
    // AgentProcess::start for `waitForLeader`.
    bool start(const QString &configFile, bool waitForLeader);
    // Stops the agent if it was started.
    void stop();
};

// Agents named `names` on 127.0.0.<firstHost>, <firstHost + 1>, ..., the first `servers` of them
// servers, each with its data dir `dir`/<name> and its ports chosen.
std::vector<ClusterAgent> loopbackAgents(
    const QStringList &names, int servers, const QString &dir, int firstHost = 2);

// Starts `agents` as a cluster formed through LAN gossip, without waiting for a leader: every agent
// retry-joins every server, the servers with -bootstrap-expect=<number of servers>; these
// arguments come before each agent's own `extra`. False when an agent did not start.
bool startGossipCluster(std::vector<ClusterAgent> &agents, const QString &configFile);

// The index in `agents` of the server whose RPC address is `leader` (/v1/status/leader's body,
// a JSON string); -1 for none.
int indexOfLeader(const std::vector<ClusterAgent> &agents, const QByteArray &leader);

} // namespace qonsul::test

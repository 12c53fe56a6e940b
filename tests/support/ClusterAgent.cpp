#include "ClusterAgent.h"

#include <QDir>
#include <QHostAddress>

using namespace Qt::StringLiterals;

namespace qonsul::test {

QString ClusterAgent::rpcAddress() const
{
    return u"%1:%2"_s.arg(ip).arg(rpcPort);
}

QString ClusterAgent::serfAddress() const
{
    return u"%1:%2"_s.arg(ip).arg(serfPort);
}

QString ClusterAgent::wanAddress() const
{
    return u"%1:%2"_s.arg(ip).arg(wanPort);
}

bool ClusterAgent::start(const QString &configFile, bool waitForLeader)
{
    const QHostAddress address(ip);
    if (!rpcPort)
        rpcPort = freeTcpPort(address);
    if (!serfPort)
        serfPort = freeTcpUdpPort(address);
    if (!wanPort)
        wanPort = freeTcpUdpPort(address);
    if (!QDir().mkpath(dataDir)) {
        qWarning() << "could not create" << dataDir;
        return false;
    }
    QStringList args { u"-data-dir"_s, dataDir, u"-node"_s, name, u"-bind"_s, ip, u"-server-port"_s,
        QString::number(rpcPort), u"-serf-lan-port"_s, QString::number(serfPort), u"-serf-wan-port"_s,
        QString::number(wanPort), u"-config-file"_s, configFile };
    if (!datacenter.isEmpty())
        args << u"-datacenter"_s << datacenter;
    if (server)
        args.prepend(u"-server"_s);
    process = std::make_unique<AgentProcess>(args + extra, false);
    return process->start(20000, waitForLeader);
}

void ClusterAgent::stop()
{
    if (process)
        process->stop();
}

std::vector<ClusterAgent> loopbackAgents(
    const QStringList &names, int servers, const QString &dir, int firstHost)
{
    std::vector<ClusterAgent> agents(names.size());
    for (qsizetype i = 0; i < names.size(); ++i) {
        ClusterAgent &a = agents[i];
        a.name = names[i];
        a.ip = u"127.0.0.%1"_s.arg(firstHost + i);
        a.server = i < servers;
        a.dataDir = QDir(dir).filePath(a.name);
        const QHostAddress address(a.ip);
        a.rpcPort = freeTcpPort(address);
        a.serfPort = freeTcpUdpPort(address);
        a.wanPort = freeTcpUdpPort(address);
    }
    return agents;
}

bool startGossipCluster(std::vector<ClusterAgent> &agents, const QString &configFile)
{
    QStringList join;
    int servers = 0;
    for (const ClusterAgent &a : agents) {
        if (a.server) {
            join << u"-retry-join"_s << a.serfAddress();
            ++servers;
        }
    }
    for (ClusterAgent &a : agents) {
        QStringList args = join;
        if (a.server)
            args << u"-bootstrap-expect"_s << QString::number(servers);
        a.extra = args + a.extra;
        if (!a.start(configFile, false)) {
            qWarning() << "agent" << a.name << "did not start";
            return false;
        }
    }
    return true;
}

int indexOfLeader(const std::vector<ClusterAgent> &agents, const QByteArray &leader)
{
    for (size_t i = 0; i < agents.size(); ++i) {
        if (agents[i].server && leader == u"\"%1\""_s.arg(agents[i].rpcAddress()).toUtf8())
            return int(i);
    }
    return -1;
}

} // namespace qonsul::test

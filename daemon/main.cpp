// qonsul: the agent (`qonsul agent ...`) and the command line (`qonsul kv put ...`) in one binary.
#include "agent/AgentMain.h"
#include "cli/Cli.h"

#include <QCoreApplication>

int main(int argc, char *argv[])
{
    QCoreApplication app(argc, argv);
    QCoreApplication::setApplicationName(QStringLiteral("qonsul"));
    QStringList args = QCoreApplication::arguments().mid(1);
    if (!args.isEmpty() && args.first() == u"agent")
        return qonsul::agent::runAgent(args.mid(1));
    return qonsul::cli::run(args);
}

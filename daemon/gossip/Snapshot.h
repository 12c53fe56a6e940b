#pragma once
// What a pool remembers across restarts (Consul's serf/local.snapshot): the addresses of the
// members last seen alive, and whether this agent left on purpose. An agent that crashed or was
// restarted rejoins those members by itself; one that left gracefully does so only with
// rejoin_after_leave.
#include "gossip/Transport.h"

#include <QList>
#include <QString>

namespace qonsul::gossip {

struct Snapshot
{
    QList<Address> alive;
    bool left = false;

    // An absent or unreadable file is an empty snapshot (nothing to rejoin).
    static Snapshot load(const QString &path);
    bool save(const QString &path, QString *error) const;
    // The addresses to rejoin at start.
    QList<Address> rejoinTargets(bool rejoinAfterLeave) const { return left && !rejoinAfterLeave ? QList<Address>{} : alive; }
};

} // namespace qonsul::gossip

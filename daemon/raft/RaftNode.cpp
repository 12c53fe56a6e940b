#include "raft/RaftNode.h"

#include <QLoggingCategory>

#include <algorithm>
#include <utility>

using namespace Qt::StringLiterals;

Q_LOGGING_CATEGORY(lcRaft, "qonsul.raft", QtWarningMsg)

namespace qonsul::raft {

namespace {
const QString kNotLeader = u"node is not the leader"_s;
const QString kLeadershipLost = u"leadership lost while committing log"_s;
const QString kTransferring = u"leadership transfer in progress"_s;
const QString kConfigPending = u"configuration changed since it was read, or a change is pending"_s;
} // namespace

RaftNode::RaftNode(Deps deps)
    : m_id(std::move(deps.id))
    , m_clock(deps.clock)
    , m_transport(deps.transport)
    , m_log(deps.log)
    , m_stable(deps.stable)
    , m_snapshots(deps.snapshots)
    , m_fsm(deps.fsm)
    , m_runner(deps.snapshotRunner)
    , m_random(std::move(deps.random))
    , m_options(deps.options)
{
    m_term = m_stable->currentTerm();
    m_votedFor = m_stable->votedFor();
    m_configs.emplace(0, Configuration {});
    if (const std::optional<SnapshotMeta> meta = m_snapshots->latest()) {
        if (!m_fsm->restore(m_snapshots->latestData(), *meta))
            qFatal("raft %s: the latest snapshot (index %llu) cannot be restored", qPrintable(m_id), meta->index);
        m_snapIndex = meta->index;
        m_snapTerm = meta->term;
        m_commit = m_applied = meta->index;
        m_configs.clear();
        m_configs.emplace(meta->index, meta->configuration);
        // The log must continue the snapshot. A log that ends before it, or holds another entry
        // at its index, is from before the snapshot was installed: only uncommitted entries.
        const bool covers = m_log->firstIndex() <= m_snapIndex && m_log->lastIndex() >= m_snapIndex;
        bool written = true;
        if (covers && m_log->entry(m_snapIndex).term != m_snapTerm)
            written = m_log->truncateAfter(m_snapIndex);
        if (m_log->lastIndex() <= m_snapIndex || (covers && m_log->entry(m_snapIndex).term != m_snapTerm))
            written = written && m_log->truncateBefore(m_snapIndex + 1);
        if (!written)
            qFatal("raft %s: cannot drop the log entries the latest snapshot replaces", qPrintable(m_id));
    }
    if (m_log->firstIndex() > m_snapIndex + 1) {
        qFatal("raft %s: the log starts at %llu but the latest snapshot ends at %llu", qPrintable(m_id),
            m_log->firstIndex(), m_snapIndex);
    }
    for (quint64 i = std::max(m_log->firstIndex(), m_snapIndex + 1); i <= m_log->lastIndex(); ++i) {
        const LogEntry e = m_log->entry(i);
        if (e.type == LogEntry::Type::Configuration) {
            Configuration c;
            if (!Configuration::decode(e.data, &c))
                qFatal("raft %s: unreadable configuration entry at index %llu", qPrintable(m_id), i);
            m_configs[i] = c;
        }
    }
    m_bootMs = now();
    // Sticky from boot: this server may have acknowledged a leader's lease just before it
    // restarted, so it must not vote for anyone else until that lease has surely run out.
    m_lastLeaderContact = m_bootMs;
    armElectionTimer();
    armSnapshotTimer();
}

RaftNode::~RaftNode()
{
    m_clock->cancel(m_electionTimer);
    m_clock->cancel(m_heartbeatTimer);
    m_clock->cancel(m_flushTimer);
    m_clock->cancel(m_snapshotTimer);
}

bool RaftNode::bootstrap(const Configuration &configuration)
{
    if (m_term != 0 || m_log->lastIndex() != 0 || m_snapIndex != 0 || configuration.servers.isEmpty())
        return false;
    // The entry first: if it cannot be written, nothing changed and bootstrap can be retried.
    if (!appendToLog({ LogEntry { 1, 1, LogEntry::Type::Configuration, configuration.encode() } }))
        return false;
    m_term = 1;
    m_votedFor.clear();
    persistTermAndVote();
    return true;
}

// ---- Helpers ---------------------------------------------------------------------------------

quint64 RaftNode::durableLastIndex() const
{
    return std::max(m_log->lastIndex(), m_snapIndex);
}

quint64 RaftNode::lastIndex() const
{
    return durableLastIndex() + quint64(m_unsynced.size());
}

LogEntry RaftNode::entryAt(quint64 index) const
{
    const quint64 durable = durableLastIndex();
    return index > durable ? m_unsynced.at(qsizetype(index - durable - 1)) : m_log->entry(index);
}

std::optional<quint64> RaftNode::termAt(quint64 index) const
{
    if (index == 0)
        return 0;
    if (index == m_snapIndex)
        return m_snapTerm;
    if (index >= m_log->firstIndex() && index <= m_log->lastIndex())
        return m_log->entry(index).term;
    if (index > durableLastIndex() && index <= lastIndex())
        return entryAt(index).term;
    return std::nullopt;
}

const Configuration &RaftNode::configuration() const
{
    return m_configs.rbegin()->second;
}

const Configuration &RaftNode::configAt(quint64 index) const
{
    auto it = m_configs.upper_bound(index);
    Q_ASSERT(it != m_configs.begin());
    return std::prev(it)->second;
}

qint64 RaftNode::lastContactMs() const
{
    if (m_state == State::Leader)
        return 0;
    if (m_leader.isEmpty() && m_lastLeaderContact == m_bootMs)
        return -1;
    return now() - m_lastLeaderContact;
}

void RaftNode::send(Message m)
{
    m.from = m_id;
    if (m.term == 0)
        m.term = m_term;
    m_transport->send(m);
}

void RaftNode::persistTermAndVote()
{
    m_stable->setTermAndVote(m_term, m_votedFor);
}

bool RaftNode::appendToLog(const QList<LogEntry> &entries)
{
    if (entries.isEmpty())
        return true;
    // A log that ends before an installed snapshot (its compaction failed) restarts after it.
    const quint64 first = entries.first().index;
    if (m_log->lastIndex() + 1 < first && !m_log->truncateBefore(first))
        return false;
    if (!m_log->append(entries))
        return false;
    trackConfigurations(entries);
    return true;
}

void RaftNode::trackConfigurations(const QList<LogEntry> &entries)
{
    for (const LogEntry &e : entries) {
        if (e.type != LogEntry::Type::Configuration)
            continue;
        Configuration c;
        if (!Configuration::decode(e.data, &c))
            qFatal("raft %s: unreadable configuration entry at index %llu", qPrintable(m_id), e.index);
        m_configs[e.index] = c;
    }
}

bool RaftNode::truncateLogAfter(quint64 lastKept)
{
    Q_ASSERT(lastKept >= m_commit); // committed entries are never removed (5.4)
    if (!m_log->truncateAfter(lastKept))
        return false;
    forgetConfigurationsAfter(lastKept);
    return true;
}

void RaftNode::forgetConfigurationsAfter(quint64 lastKept)
{
    m_configs.erase(m_configs.upper_bound(std::max(lastKept, m_snapIndex)), m_configs.end());
    if (m_configs.empty())
        m_configs.emplace(0, Configuration {});
}

bool RaftNode::writeUnsynced()
{
    if (m_unsynced.isEmpty())
        return true;
    if (appendToLog(m_unsynced)) {
        m_unsynced.clear();
        return true;
    }
    // Not durable here, so this leader cannot count itself for these entries. Like
    // hashicorp/raft when its log store fails, it steps down; the proposers get an error (the
    // entries may still commit through followers that received them, as after a leader crash).
    qCWarning(lcRaft) << m_id << "could not write" << m_unsynced.size() << "entries to its log; stepping down";
    becomeFollower(m_term, {});
    return false;
}

// ---- Timers and roles ------------------------------------------------------------------------

void RaftNode::armElectionTimer()
{
    m_clock->cancel(m_electionTimer);
    const Timing &timing = m_options.timing;
    qint64 delay;
    if (m_state == State::Follower && m_leaderGone) {
        // Counted from the last contact, as the lease the leader may still hold is; the random
        // part keeps the followers that all saw the close from campaigning at the same moment.
        const qint64 spread = std::max<qint64>(1, timing.heartbeatTimeout / 2);
        delay = std::max<qint64>(0, m_lastLeaderContact + timing.leaderGoneTimeout() - now())
            + qint64(m_random() % quint64(spread));
    } else {
        const qint64 base = m_state == State::Follower ? timing.heartbeatTimeout : timing.electionTimeout;
        delay = base + qint64(m_random() % quint64(base));
    }
    m_electionTimer = m_clock->schedule(delay, [this] {
        m_electionTimer = 0;
        onElectionTimeout();
    });
}

void RaftNode::onElectionTimeout()
{
    if (m_state == State::Leader)
        return;
    if (!isVoter()) {
        armElectionTimer(); // non-voters and removed servers never campaign
        return;
    }
    qCInfo(lcRaft) << m_id << "heard from no leader in term" << m_term << "- starting pre-vote";
    startPreVote();
}

void RaftNode::startPreVote()
{
    m_state = State::PreCandidate;
    m_preVoteStarted = now();
    m_leader.clear();
    m_votes = { m_id };
    armElectionTimer();
    if (int(m_votes.size()) >= configuration().quorum()) {
        startElection(false);
        return;
    }
    requestVotes(true, false);
}

void RaftNode::requestVotes(bool preVote, bool transfer)
{
    const quint64 last = lastIndex();
    for (const ServerId &peer : configuration().voters()) {
        if (peer == m_id)
            continue;
        Message m;
        m.type = Message::Type::RequestVote;
        m.to = peer;
        if (preVote) {
            m.term = m_term + 1; // the term it would campaign in; its own term does not change
            m.preVote = true;
        }
        m.lastLogIndex = last;
        m.lastLogTerm = *termAt(last);
        m.leadershipTransfer = transfer;
        send(m);
    }
}

void RaftNode::startElection(bool transfer)
{
    m_state = State::Candidate;
    ++m_term;
    m_votedFor = m_id;
    m_leader.clear();
    persistTermAndVote();
    m_votes = { m_id };
    armElectionTimer();
    if (int(m_votes.size()) >= configuration().quorum()) {
        becomeLeader();
        return;
    }
    requestVotes(false, transfer);
}

void RaftNode::becomeFollower(quint64 term, const ServerId &leader)
{
    const bool wasLeader = m_state == State::Leader;
    if (term > m_term) {
        m_term = term;
        m_votedFor.clear();
        persistTermAndVote();
    }
    m_state = State::Follower;
    m_leader = leader;
    if (wasLeader) {
        m_outgoing.reset(); // only a leader sends snapshots: drop its copy
        m_outgoingData.clear();
        m_clock->cancel(m_heartbeatTimer);
        m_clock->cancel(m_flushTimer);
        m_heartbeatTimer = m_flushTimer = 0;
        m_readRoundWanted = false;
        // Entries never written here were never counted; they go with the leadership.
        m_unsynced.clear();
        forgetConfigurationsAfter(durableLastIndex());
        failLeaderWork(kLeadershipLost);
        m_progress.clear();
        m_transferTarget.clear();
        // A deposed leader was in contact with a quorum until recently: stay sticky.
        m_lastLeaderContact = now();
    }
    armElectionTimer();
}

void RaftNode::failLeaderWork(const QString &error)
{
    // Callbacks may call back into the node; detach the containers first.
    std::map<quint64, Pending> pending;
    pending.swap(m_pending);
    std::deque<PendingRead> reads, ready;
    reads.swap(m_reads);
    ready.swap(m_readsReady);
    std::deque<std::pair<ReadMode, ReadDone>> blocked;
    blocked.swap(m_readsBlocked);
    for (auto &[index, p] : pending) {
        if (p.done)
            p.done(0, {}, error);
    }
    for (PendingRead &r : reads)
        r.done(0, error);
    for (PendingRead &r : ready)
        r.done(0, error);
    for (auto &[mode, done] : blocked)
        done(0, error);
}

void RaftNode::becomeLeader()
{
    qCInfo(lcRaft) << m_id << "became leader in term" << m_term;
    m_state = State::Leader;
    m_leader = m_id;
    m_leaderGone = false;
    m_clock->cancel(m_electionTimer);
    m_electionTimer = 0;
    m_transferTarget.clear();
    m_timeoutNowSent = false;
    resetProgress();
    // A no-op commits every earlier entry (5.4.2) and marks the point from which this leader
    // may serve reads (6.4) and change the configuration (thesis 4.1, the 2015 fix).
    appendAsLeader(LogEntry::Type::Noop, {}, nullptr);
    m_noopIndex = lastIndex();
    m_heartbeatTimer = m_clock->schedule(m_options.timing.heartbeatInterval(), [this] {
        m_heartbeatTimer = 0;
        onHeartbeatTick();
    });
    broadcastHeartbeat();
}

void RaftNode::resetProgress()
{
    const qint64 t = now();
    QHash<ServerId, Progress> next;
    for (const Server &s : configuration().servers) {
        if (s.id == m_id)
            continue;
        Progress pr = m_progress.value(s.id);
        if (!m_progress.contains(s.id)) {
            pr.next = lastIndex() + 1;
            pr.lastResponse = t; // grace period for check-quorum
        }
        next.insert(s.id, pr);
    }
    m_progress = std::move(next);
}

// ---- Messages --------------------------------------------------------------------------------

namespace {
// A well-formed AppendEntries carries consecutive entries right after prevLogIndex, with
// non-decreasing terms no newer than the message's own. Anything else is dropped unread.
bool wellFormed(const Message &m)
{
    if (m.type != Message::Type::AppendEntries)
        return true;
    quint64 index = m.prevLogIndex;
    quint64 term = m.prevLogTerm;
    for (const LogEntry &e : m.entries) {
        if (e.index != ++index || e.term < term || e.term > m.term)
            return false;
        term = e.term;
    }
    return m.prevLogTerm <= m.term;
}
} // namespace

void RaftNode::receive(const Message &m)
{
    if (m.to != m_id || m.from.isEmpty() || m.from == m_id)
        return;
    if (!wellFormed(m)) {
        qCWarning(lcRaft) << m_id << "dropped a malformed" << toString(m.type) << "from" << m.from;
        return;
    }
    switch (m.type) {
    case Message::Type::AppendEntries: handleAppendEntries(m); break;
    case Message::Type::AppendEntriesResponse: handleAppendEntriesResponse(m); break;
    case Message::Type::Heartbeat: handleHeartbeat(m); break;
    case Message::Type::HeartbeatResponse: handleHeartbeatResponse(m); break;
    case Message::Type::RequestVote: handleRequestVote(m); break;
    case Message::Type::RequestVoteResponse: handleRequestVoteResponse(m); break;
    case Message::Type::InstallSnapshot: handleInstallSnapshot(m); break;
    case Message::Type::InstallSnapshotResponse: handleInstallSnapshotResponse(m); break;
    case Message::Type::TimeoutNow: handleTimeoutNow(m); break;
    }
}

// The start of every leader-to-follower RPC. Fills the reply (addressed back, with the
// request's stamp and round). A stale leader gets it at once — success=false with our newer
// term, so it steps down — and false is returned. Otherwise the sender is this term's leader.
bool RaftNode::acceptLeaderMessage(const Message &m, Message::Type replyType, Message *reply)
{
    reply->type = replyType;
    reply->to = m.from;
    reply->stamp = m.stamp;
    reply->round = m.round;
    if (m.term < m_term) {
        send(*reply);
        return false;
    }
    m_leaderGone = false; // it is alive after all (a reset connection, reconnected)
    if (m.term > m_term || m_state != State::Follower || m_leader != m.from)
        becomeFollower(m.term, m.from);
    else
        armElectionTimer();
    m_lastLeaderContact = now();
    return true;
}

void RaftNode::connectionLost(const ServerId &id)
{
    if (m_state != State::Follower || id.isEmpty() || id != m_leader || m_leaderGone)
        return;
    qCInfo(lcRaft) << m_id << "lost the connection from leader" << id << "in term" << m_term;
    m_leaderGone = true;
    armElectionTimer();
}

void RaftNode::handleAppendEntries(const Message &m)
{
    Message r;
    if (!acceptLeaderMessage(m, Message::Type::AppendEntriesResponse, &r))
        return;
    r.term = m_term;

    quint64 prev = m.prevLogIndex;
    quint64 prevTerm = m.prevLogTerm;
    QList<LogEntry> entries = m.entries;
    // Entries up to our commit index are committed, hence identical to the leader's (5.4).
    if (prev < m_commit) {
        qsizetype skip = 0;
        while (skip < entries.size() && entries.at(skip).index <= m_commit)
            ++skip;
        entries.remove(0, skip);
        prev = m_commit;
        prevTerm = *termAt(m_commit);
        if (entries.isEmpty()) {
            r.success = true;
            r.matchIndex = m_commit; // only what we know matches the leader's log
            send(r);
            return;
        }
    }
    const std::optional<quint64> localPrevTerm = termAt(prev);
    if (!localPrevTerm || *localPrevTerm != prevTerm) {
        r.success = false;
        r.rejectIndex = m.prevLogIndex;
        if (prev > lastIndex() || !localPrevTerm) {
            r.conflictIndex = lastIndex() + 1;
            r.conflictTerm = 0;
        } else {
            // First index of the conflicting term, so the leader can skip it in one step.
            r.conflictTerm = *localPrevTerm;
            quint64 i = prev;
            while (i - 1 > m_commit) {
                const std::optional<quint64> t = termAt(i - 1);
                if (!t || *t != r.conflictTerm)
                    break;
                --i;
            }
            r.conflictIndex = i;
        }
        send(r);
        return;
    }
    // Skip what we already have; truncate at the first conflict; append the rest (5.3 step 3-4).
    qsizetype firstNew = 0;
    for (; firstNew < entries.size(); ++firstNew) {
        const LogEntry &e = entries.at(firstNew);
        if (e.index > lastIndex())
            break;
        const std::optional<quint64> t = termAt(e.index);
        if (t && *t == e.term)
            continue;
        if (!truncateLogAfter(e.index - 1))
            return; // no answer: the leader sends again (the store logged why)
        break;
    }
    if (firstNew < entries.size() && !appendToLog(entries.mid(firstNew)))
        return;
    const quint64 match = prev + quint64(entries.size());
    r.success = true;
    r.matchIndex = match;
    // The leader waits for this answer to commit; applying what it already committed can follow.
    send(r);
    const quint64 newCommit = std::min(m.leaderCommit, match);
    if (newCommit > m_commit) {
        m_commit = newCommit;
        applyCommitted();
    }
}

RaftNode::Progress *RaftNode::progressFor(const Message &m)
{
    if (m.term > m_term) {
        becomeFollower(m.term, {});
        return nullptr;
    }
    if (m_state != State::Leader || m.term < m_term)
        return nullptr;
    auto it = m_progress.find(m.from);
    if (it == m_progress.end())
        return nullptr;
    Progress &pr = *it;
    pr.lastResponse = now();
    pr.ackedStamp = std::max(pr.ackedStamp, m.stamp);
    pr.ackedRound = std::max(pr.ackedRound, m.round);
    return &pr;
}

void RaftNode::handleAppendEntriesResponse(const Message &m)
{
    Progress *pr = progressFor(m);
    if (!pr)
        return;
    pr->waitingSince = now();
    if (m.success) {
        if (m.matchIndex > pr->match) {
            pr->match = m.matchIndex;
            while (!pr->inflight.empty() && pr->inflight.front() <= pr->match)
                pr->inflight.pop_front();
        }
        pr->next = std::max(pr->next, pr->match + 1);
        if (pr->probing) {
            pr->probing = false;
            pr->probeSent = false;
            pr->inflight.clear();
            pr->next = pr->match + 1;
        }
        maybeCommit();
        if (m_state != State::Leader)
            return; // committing our own removal stepped down
        serveReads();
        maybeSendTimeoutNow();
        sendAppend(m.from, false);
        return;
    }
    // Rejected. Stale answers (reordered, duplicated) are ignored.
    if (m.rejectIndex < pr->match)
        return;
    if (pr->probing && m.rejectIndex + 1 != pr->next)
        return;
    quint64 next = m.conflictIndex;
    if (m.conflictTerm != 0) {
        // Leader has entries of the conflicting term: resume right after its last one of them.
        for (quint64 i = std::min(m.rejectIndex, lastIndex()); i > m_snapIndex; --i) {
            const std::optional<quint64> t = termAt(i);
            if (!t || *t < m.conflictTerm)
                break;
            if (*t == m.conflictTerm) {
                next = i + 1;
                break;
            }
        }
    }
    pr->next = std::clamp(next, pr->match + 1, std::max(m.rejectIndex, pr->match + 1));
    pr->probing = true;
    pr->probeSent = false;
    pr->inflight.clear();
    sendAppend(m.from, true);
}

void RaftNode::handleHeartbeat(const Message &m)
{
    Message r;
    if (!acceptLeaderMessage(m, Message::Type::HeartbeatResponse, &r))
        return;
    r.term = m_term;
    r.success = true;
    send(r); // first: a ReadIndex round on the leader waits for it
    // The leader sends min(its commit, our match): entries we have up to there match its log.
    const quint64 newCommit = std::min(m.leaderCommit, lastIndex());
    if (newCommit > m_commit) {
        m_commit = newCommit;
        applyCommitted();
    }
}

void RaftNode::handleHeartbeatResponse(const Message &m)
{
    Progress *pr = progressFor(m);
    if (!pr)
        return;
    serveReads();
    if (!pr->probing && pr->inflight.empty() && pr->match < lastIndex())
        sendAppend(m.from, false);
}

void RaftNode::handleRequestVote(const Message &m)
{
    Message r;
    r.type = Message::Type::RequestVoteResponse;
    r.to = m.from;
    r.preVote = m.preVote;
    // Leader stickiness (thesis 4.2.3): while a leader is (or recently was) in charge, ignore
    // campaigns, unless the leader itself handed over (TimeoutNow). Once the connection from the
    // leader closed, only until its lease has surely run out (the lease reads stay safe).
    const qint64 stickyMs
        = m_leaderGone ? m_options.timing.leaderGoneTimeout() : m_options.timing.heartbeatTimeout;
    const bool sticky
        = m_state == State::Leader || (m_lastLeaderContact >= 0 && now() - m_lastLeaderContact < stickyMs);
    // A server that knows a configuration ignores candidates outside it (removed servers); one
    // that knows none yet (added while partitioned) must still vote, or a cluster whose new
    // quorum needs it could never elect a leader to send it the log (hashicorp/raft does same).
    const bool knownCandidate = configuration().servers.isEmpty() || configuration().isVoter(m.from);
    if ((sticky && !m.leadershipTransfer) || !knownCandidate || m.term < m_term) {
        send(r);
        return;
    }
    const quint64 last = lastIndex();
    const quint64 lastTerm = *termAt(last);
    const bool upToDate = m.lastLogTerm > lastTerm || (m.lastLogTerm == lastTerm && m.lastLogIndex >= last);
    if (m.preVote) {
        // Two followers that saw their leader go at the same moment would both pass pre-vote and
        // then split the real vote, which costs an election timeout. So between pre-candidates
        // whose rounds are under way, only the better campaign (the newer log, then the lower
        // ID) gets a yes. A round older than a heartbeat interval no longer competes: a
        // pre-candidate that cannot win (cut off from others) never blocks another for long.
        const bool newerLog
            = m.lastLogTerm > lastTerm || (m.lastLogTerm == lastTerm && m.lastLogIndex > last);
        const bool rival = m_state == State::PreCandidate
            && now() - m_preVoteStarted < m_options.timing.heartbeatInterval() && !newerLog
            && !(upToDate && m.from < m_id);
        // Granting a pre-vote changes nothing here; the reply carries the future term.
        if (m.term > m_term && upToDate && !rival) {
            r.term = m.term;
            r.success = true;
        }
        send(r);
        return;
    }
    if (m.term > m_term)
        becomeFollower(m.term, {});
    if ((m_votedFor.isEmpty() || m_votedFor == m.from) && upToDate) {
        m_votedFor = m.from;
        persistTermAndVote(); // durable before the vote leaves (5.2)
        // The candidate gets the usual time to win and reach us; campaigning as soon as our own
        // leader is gone could depose it before its first heartbeat got here.
        m_leaderGone = false;
        armElectionTimer();
        r.success = true;
    }
    r.term = m_term;
    send(r);
}

void RaftNode::handleRequestVoteResponse(const Message &m)
{
    if (m.preVote) {
        if (m.term > m_term && !m.success) {
            becomeFollower(m.term, {});
            return;
        }
        if (m_state != State::PreCandidate || !m.success || m.term != m_term + 1)
            return;
        m_votes.insert(m.from);
        if (int(m_votes.size()) >= configuration().quorum())
            startElection(false);
        return;
    }
    if (m.term > m_term) {
        becomeFollower(m.term, {});
        return;
    }
    if (m_state != State::Candidate || m.term != m_term || !m.success)
        return;
    if (!configuration().isVoter(m.from))
        return;
    m_votes.insert(m.from);
    if (int(m_votes.size()) >= configuration().quorum())
        becomeLeader();
}

void RaftNode::handleInstallSnapshot(const Message &m)
{
    Message r;
    if (!acceptLeaderMessage(m, Message::Type::InstallSnapshotResponse, &r))
        return;
    r.term = m_term;
    r.snapshot.index = m.snapshot.index;
    r.snapshot.term = m.snapshot.term;
    const SnapshotMeta &meta = m.snapshot;
    if (meta.index <= m_commit) {
        m_incoming.reset();
        r.success = true;
        r.matchIndex = m_commit;
        send(r);
        return;
    }
    // Chunks are taken in order; anything else (a lost, duplicated or reordered chunk, a restart
    // that lost the chunks so far) is answered with what is held, and the leader goes on from there.
    const bool same = m_incoming && m_incoming->term == m.term && m_incoming->from == m.from
        && m_incoming->meta.index == meta.index && m_incoming->meta.term == meta.term;
    if (m.snapshotOffset == 0) {
        m_incoming = IncomingSnapshot { m.term, m.from, meta, {} };
    } else if (!same || m.snapshotOffset != quint64(m_incoming->data.size())) {
        r.snapshotOffset = same ? quint64(m_incoming->data.size()) : 0;
        send(r);
        return;
    }
    m_incoming->data.append(m.snapshotData);
    if (!m.snapshotDone) {
        r.success = true;
        r.snapshotOffset = quint64(m_incoming->data.size());
        send(r);
        return;
    }
    const IncomingSnapshot complete = std::move(*m_incoming);
    m_incoming.reset();
    installSnapshot(complete.meta, complete.data, r);
}

void RaftNode::installSnapshot(const SnapshotMeta &meta, const QByteArray &data, Message &r)
{
    const std::optional<quint64> local = termAt(meta.index);
    const bool logContinues = local && *local == meta.term;
    // Order matters for a crash at any point: drop conflicting (uncommitted) entries first, then
    // make the snapshot durable, then compact the log it covers.
    if (!logContinues && !truncateLogAfter(m_commit))
        return; // no answer: the leader sends again
    // Restored first (a snapshot that does not restore is never stored), then made durable; if
    // that fails the state machine goes back to where it was and the leader sends it again.
    const std::function<QByteArray()> before = m_fsm->capture(); // serialized only if needed
    if (m_snapshotting && m_runner)
        m_runner->wait(); // its older snapshot is saved first; its completion is then ignored
    if (!m_fsm->restore(data, meta)) {
        qCWarning(lcRaft) << m_id << "could not restore the snapshot at index" << meta.index;
        send(r);
        return;
    }
    if (!m_snapshots->save(meta, data)) {
        if (!m_fsm->restore(before(), SnapshotMeta { m_applied, termAt(m_applied).value_or(0), configAt(m_applied) }))
            qFatal("raft %s: cannot return the state machine to index %llu", qPrintable(m_id), m_applied);
        return;
    }
    m_log->truncateBefore(meta.index + 1); // if this fails, appendToLog drops the entries first
    m_snapIndex = meta.index;
    m_snapTerm = meta.term;
    m_configs.erase(m_configs.begin(), m_configs.upper_bound(meta.index));
    m_configs[meta.index] = meta.configuration;
    m_commit = m_applied = meta.index;
    r.success = true;
    r.matchIndex = meta.index;
    send(r);
}

void RaftNode::handleInstallSnapshotResponse(const Message &m)
{
    Progress *pr = progressFor(m);
    if (!pr)
        return;
    if (m.matchIndex == 0) {
        // The answer to one chunk: the follower holds snapshotOffset bytes; the next chunk
        // starts there. Ignored: a duplicate or late answer to an earlier chunk, and a refusal
        // asking for the chunk already in flight (if that was lost, the resend timeout covers it).
        const bool stale = m.success ? m.snapshotOffset <= pr->snapshotOffset : m.snapshotOffset == pr->snapshotOffset;
        if (!pr->snapshotPending || m.snapshot.index != pr->snapshotIndex || m.snapshot.term != pr->snapshotTerm || stale)
            return;
        pr->snapshotOffset = m.snapshotOffset;
        sendSnapshot(m.from, *pr);
        return;
    }
    pr->snapshotPending = false;
    pr->waitingSince = now();
    if (m.success) {
        pr->match = std::max(pr->match, m.matchIndex);
        maybeCommit();
        if (m_state != State::Leader)
            return;
    }
    pr->next = pr->match + 1;
    pr->probing = true;
    pr->probeSent = false;
    pr->inflight.clear();
    sendAppend(m.from, true);
}

void RaftNode::handleTimeoutNow(const Message &m)
{
    if (m.term != m_term || m_state == State::Leader || !isVoter())
        return;
    qCInfo(lcRaft) << m_id << "asked by" << m.from << "to take over leadership";
    startElection(true);
}

// ---- Leader: replication ---------------------------------------------------------------------

void RaftNode::onHeartbeatTick()
{
    m_heartbeatTimer = m_clock->schedule(m_options.timing.heartbeatInterval(), [this] {
        m_heartbeatTimer = 0;
        onHeartbeatTick();
    });
    const qint64 t = now();
    // Check-quorum: step down when a quorum has been silent for the lease timeout.
    int contact = configuration().isVoter(m_id) ? 1 : 0;
    for (auto it = m_progress.cbegin(); it != m_progress.cend(); ++it) {
        if (configuration().isVoter(it.key()) && t - it->lastResponse < m_options.timing.leaderLeaseTimeout)
            ++contact;
    }
    if (contact < configuration().quorum()) {
        qCWarning(lcRaft) << m_id << "lost contact with a quorum; stepping down in term" << m_term;
        becomeFollower(m_term, {});
        return;
    }
    if (!m_transferTarget.isEmpty() && t >= m_transferDeadline) {
        qCWarning(lcRaft) << m_id << "leadership transfer to" << m_transferTarget << "timed out";
        m_transferTarget.clear();
    }
    // Resend what went unanswered for two heartbeat intervals (lost messages).
    const qint64 patience = 2 * m_options.timing.heartbeatInterval();
    for (auto it = m_progress.begin(); it != m_progress.end(); ++it) {
        Progress &pr = *it;
        const bool waiting = pr.snapshotPending || pr.probeSent || !pr.inflight.empty();
        const qint64 limit = pr.snapshotPending ? m_options.timing.electionTimeout : patience;
        if (waiting && t - pr.waitingSince >= limit) {
            pr.snapshotPending = false;
            pr.probing = true;
            pr.probeSent = false;
            pr.inflight.clear();
            pr.next = pr.match + 1;
        }
        if (pr.probing && !pr.probeSent)
            sendAppend(it.key(), true);
    }
    broadcastHeartbeat();
}

void RaftNode::broadcastHeartbeat()
{
    ++m_round;
    for (auto it = m_progress.begin(); it != m_progress.end(); ++it) {
        Message m;
        m.type = Message::Type::Heartbeat;
        m.to = it.key();
        m.leaderCommit = std::min(m_commit, it->match);
        m.stamp = now();
        m.round = m_round;
        send(m);
    }
}

void RaftNode::scheduleFlush()
{
    if (m_flushTimer)
        return;
    // Proposals made in the same event loop turn share one AppendEntries per follower, and reads
    // one heartbeat round.
    m_flushTimer = m_clock->schedule(0, [this] {
        m_flushTimer = 0;
        if (m_state != State::Leader)
            return;
        if (std::exchange(m_readRoundWanted, false))
            broadcastHeartbeat();
        // Replicate first, then write the batch with one append: the followers write it while
        // this leader does (thesis 10.2.1), and the leader counts itself only once it is durable.
        for (auto it = m_progress.cbegin(); it != m_progress.cend(); ++it)
            sendAppend(it.key(), false);
        if (writeUnsynced())
            maybeCommit();
    });
}

void RaftNode::sendAppend(const ServerId &peer, bool allowEmpty)
{
    auto it = m_progress.find(peer);
    if (it == m_progress.end())
        return;
    Progress &pr = *it;
    if (pr.snapshotPending)
        return;
    if (pr.probing && pr.probeSent)
        return;
    if (!pr.probing && int(pr.inflight.size()) >= m_options.maxInflight)
        return;
    const quint64 prev = pr.next - 1;
    const std::optional<quint64> prevTerm = termAt(prev);
    if (!prevTerm || (pr.next <= m_log->lastIndex() && pr.next < m_log->firstIndex())) {
        sendSnapshot(peer, pr);
        return;
    }
    const quint64 last = std::min(lastIndex(), prev + quint64(m_options.maxAppendEntries));
    if (last == prev && !allowEmpty && !pr.probing)
        return; // nothing new; heartbeats carry liveness
    Message m;
    m.type = Message::Type::AppendEntries;
    m.to = peer;
    m.prevLogIndex = prev;
    m.prevLogTerm = *prevTerm;
    for (quint64 i = prev + 1; i <= last; ++i)
        m.entries.append(entryAt(i));
    m.leaderCommit = m_commit;
    m.stamp = now();
    m.round = m_round;
    const bool wasWaiting = pr.probeSent || !pr.inflight.empty();
    if (!wasWaiting)
        pr.waitingSince = now();
    if (pr.probing) {
        pr.probeSent = true;
    } else if (last > prev) {
        pr.inflight.push_back(last);
        pr.next = last + 1;
    }
    send(m);
}

void RaftNode::sendSnapshot(const ServerId &peer, Progress &pr)
{
    const std::optional<SnapshotMeta> meta = m_snapshots->latest();
    if (!meta)
        return;
    if (!m_outgoing || m_outgoing->index != meta->index || m_outgoing->term != meta->term) {
        QByteArray data = m_snapshots->latestData();
        if (data.isEmpty())
            return; // unreadable (the store logged why): never sent as an empty snapshot; retried next round
        m_outgoing = meta;
        m_outgoingData = std::move(data);
    }
    if (pr.snapshotIndex != meta->index || pr.snapshotTerm != meta->term) {
        pr.snapshotIndex = meta->index;
        pr.snapshotTerm = meta->term;
        pr.snapshotOffset = 0;
    }
    const qsizetype offset = qsizetype(std::min<quint64>(pr.snapshotOffset, quint64(m_outgoingData.size())));
    Message m;
    m.type = Message::Type::InstallSnapshot;
    m.to = peer;
    m.snapshot = *meta;
    m.snapshotOffset = quint64(offset);
    m.snapshotData = m_outgoingData.mid(offset, std::max<qsizetype>(1, m_options.snapshotChunkBytes));
    m.snapshotDone = offset + m.snapshotData.size() == m_outgoingData.size();
    m.leaderCommit = m_commit;
    m.stamp = now();
    m.round = m_round;
    pr.snapshotPending = true;
    pr.waitingSince = now();
    if (offset == 0)
        qCInfo(lcRaft) << m_id << "sending snapshot at index" << meta->index << "to" << peer << "in chunks of"
                       << m_options.snapshotChunkBytes << "bytes";
    send(m);
}

void RaftNode::maybeCommit()
{
    if (m_state != State::Leader)
        return;
    QList<quint64> matches;
    for (const ServerId &v : configuration().voters())
        matches.append(v == m_id ? durableLastIndex() : m_progress.value(v).match);
    if (matches.isEmpty())
        return;
    std::sort(matches.begin(), matches.end(), std::greater<>());
    // Never past this leader's own durable log: a quorum of followers may hold entries it has
    // sent but not yet written (other threads answer fast), and it applies from its disk.
    const quint64 n = std::min(matches.at(configuration().quorum() - 1), durableLastIndex());
    // Only entries of the current term are committed by counting replicas (5.4.2).
    if (n <= m_commit || termAt(n) != m_term)
        return;
    m_commit = n;
    // Followers learn it from the next AppendEntries or heartbeat (one interval at most): a
    // message per follower per commit only for that doubled the messages of every write.
    applyCommitted();
}

void RaftNode::applyCommitted()
{
    bool configCommitted = false;
    while (m_applied < m_commit) {
        const quint64 index = m_applied + 1;
        const LogEntry e = m_log->entry(index);
        std::any result;
        if (e.type == LogEntry::Type::Command)
            result = m_fsm->apply(e);
        else if (e.type == LogEntry::Type::Configuration)
            configCommitted = true;
        m_applied = index;
        const auto it = m_pending.find(index);
        if (it != m_pending.end()) {
            Pending p = std::move(it->second);
            m_pending.erase(it);
            if (p.done) {
                if (p.term == e.term)
                    p.done(index, result, QString());
                else
                    p.done(0, {}, kLeadershipLost);
            }
        }
    }
    if (m_state == State::Leader) {
        serveReads();
        if (configCommitted && !configuration().find(m_id) && configAt(m_commit) == configuration()) {
            qCInfo(lcRaft) << m_id << "removed from the configuration; stepping down";
            becomeFollower(m_term, {});
            return;
        }
    }
}

// ---- Snapshots and compaction ----------------------------------------------------------------

void RaftNode::armSnapshotTimer()
{
    // hashicorp/raft waits a random time in [interval, 2 * interval) before each check.
    const qint64 interval = std::max<qint64>(5, m_options.snapshotIntervalMs); // hashicorp/raft's minimum
    m_snapshotTimer = m_clock->schedule(interval + qint64(m_random() % quint64(interval)), [this] {
        m_snapshotTimer = 0;
        armSnapshotTimer();
        if (!m_snapshotting && m_applied >= m_snapIndex + m_options.snapshotThreshold)
            takeSnapshot();
    });
}

void RaftNode::takeSnapshot()
{
    // Captured here at the applied index (cheap); serialized and saved by the runner while
    // entries keep being applied. A failed save changes nothing: the next check tries again.
    const SnapshotMeta meta { m_applied, *termAt(m_applied), configAt(m_applied) };
    auto work = [meta, serialize = m_fsm->capture(), store = m_snapshots] { return store->save(meta, serialize()); };
    auto done = [this, alive = std::weak_ptr<bool>(m_alive), meta](bool saved) {
        if (alive.lock())
            snapshotSaved(meta, saved);
    };
    m_snapshotting = true;
    if (m_runner)
        m_runner->start(std::move(work), std::move(done));
    else
        done(work());
}

void RaftNode::snapshotSaved(const SnapshotMeta &meta, bool saved)
{
    m_snapshotting = false;
    if (!saved || meta.index <= m_snapIndex)
        return; // not saved (the store logged why), or a leader's newer snapshot was installed meanwhile
    m_snapIndex = meta.index;
    m_snapTerm = meta.term;
    m_configs.erase(m_configs.begin(), m_configs.upper_bound(meta.index));
    m_configs[meta.index] = meta.configuration;
    if (meta.index > m_options.trailingLogs) {
        const quint64 firstKept = meta.index - m_options.trailingLogs + 1;
        if (firstKept > m_log->firstIndex())
            m_log->truncateBefore(firstKept); // failing only postpones compaction to the next snapshot
    }
}

// ---- Leader: proposals, reads, membership, transfer ------------------------------------------

void RaftNode::appendAsLeader(LogEntry::Type type, const QByteArray &data, ApplyDone done)
{
    // Written when this event loop turn ends, with everything else proposed in it (group commit).
    LogEntry e { lastIndex() + 1, m_term, type, data };
    m_unsynced.append(e);
    trackConfigurations({ e });
    if (done)
        m_pending.emplace(e.index, Pending { m_term, std::move(done) });
    if (type == LogEntry::Type::Configuration)
        resetProgress();
    scheduleFlush();
}

void RaftNode::propose(const QByteArray &command, ApplyDone done)
{
    if (m_state != State::Leader) {
        if (done)
            done(0, {}, kNotLeader);
        return;
    }
    if (!m_transferTarget.isEmpty()) {
        if (done)
            done(0, {}, kTransferring);
        return;
    }
    appendAsLeader(LogEntry::Type::Command, command, std::move(done));
}

bool RaftNode::hasLease() const
{
    // Once TimeoutNow went out, voters may skip stickiness for the target: no lease this term.
    if (m_state != State::Leader || !m_transferTarget.isEmpty() || m_timeoutNowSent || m_commit < m_noopIndex)
        return false;
    const qint64 t = now();
    int fresh = configuration().isVoter(m_id) ? 1 : 0;
    for (auto it = m_progress.cbegin(); it != m_progress.cend(); ++it) {
        // ackedStamp is when the acknowledged message left this leader, not when the answer came.
        if (configuration().isVoter(it.key()) && it->ackedStamp >= 0
            && t - it->ackedStamp < m_options.timing.leaderLeaseTimeout)
            ++fresh;
    }
    return fresh >= configuration().quorum();
}

std::optional<qint64> RaftNode::sinceResponseMs(const ServerId &id) const
{
    if (m_state != State::Leader)
        return std::nullopt;
    if (id == m_id)
        return 0;
    const auto it = m_progress.constFind(id);
    if (it == m_progress.cend() || it->lastResponse <= 0)
        return std::nullopt;
    return now() - it->lastResponse;
}

std::optional<quint64> RaftNode::matchIndex(const ServerId &id) const
{
    if (m_state != State::Leader)
        return std::nullopt;
    if (id == m_id)
        return durableLastIndex();
    const auto it = m_progress.constFind(id);
    if (it == m_progress.cend())
        return std::nullopt;
    return it->match;
}

void RaftNode::read(ReadMode mode, ReadDone done)
{
    if (m_state != State::Leader) {
        done(0, kNotLeader);
        return;
    }
    if (m_commit < m_noopIndex) {
        m_readsBlocked.emplace_back(mode, std::move(done));
        return;
    }
    if (mode == ReadMode::Lease && hasLease()) {
        done(m_commit, QString()); // leader applies synchronously: applied == commit
        return;
    }
    // Confirmed by the next heartbeat round, which goes out when this event loop turn ends and
    // serves every read made in it (ReadIndex batching, thesis 6.4).
    m_reads.push_back(PendingRead { m_commit, m_round + 1, std::move(done) });
    m_readRoundWanted = true;
    scheduleFlush();
    serveReads(); // a single voter needs no round
}

void RaftNode::serveReads()
{
    if (m_state != State::Leader)
        return;
    if (!m_readsBlocked.empty() && m_commit >= m_noopIndex) {
        std::deque<std::pair<ReadMode, ReadDone>> blocked;
        blocked.swap(m_readsBlocked);
        for (auto &[mode, done] : blocked)
            read(mode, std::move(done));
        if (m_state != State::Leader)
            return;
    }
    // A round is confirmed once a quorum (this leader included) acknowledged it or a later one.
    while (!m_reads.empty()) {
        const quint64 round = m_reads.front().round;
        int acks = configuration().isVoter(m_id) ? 1 : 0;
        for (auto it = m_progress.cbegin(); it != m_progress.cend(); ++it) {
            if (configuration().isVoter(it.key()) && it->ackedRound >= round)
                ++acks;
        }
        if (acks < configuration().quorum())
            break;
        m_readsReady.push_back(std::move(m_reads.front()));
        m_reads.pop_front();
    }
    while (!m_readsReady.empty() && m_readsReady.front().readIndex <= m_applied) {
        PendingRead r = std::move(m_readsReady.front());
        m_readsReady.pop_front();
        r.done(r.readIndex, QString());
        if (m_state != State::Leader)
            return;
    }
}

void RaftNode::changeConfiguration(Configuration next, ApplyDone done)
{
    if (m_state != State::Leader) {
        if (done)
            done(0, {}, kNotLeader);
        return;
    }
    // One change at a time, and only once this leader committed an entry of its term.
    if (m_configs.rbegin()->first > m_commit || m_commit < m_noopIndex || !m_transferTarget.isEmpty()) {
        if (done)
            done(0, {}, kConfigPending);
        return;
    }
    appendAsLeader(LogEntry::Type::Configuration, next.encode(), std::move(done));
}

void RaftNode::addVoter(const ServerId &id, const QString &address, ApplyDone done)
{
    Configuration next = configuration();
    bool found = false;
    for (Server &s : next.servers) {
        if (s.id == id) {
            s.suffrage = Suffrage::Voter;
            s.address = address;
            found = true;
        }
    }
    if (!found)
        next.servers.append(Server { id, address, Suffrage::Voter });
    changeConfiguration(std::move(next), std::move(done));
}

void RaftNode::addNonvoter(const ServerId &id, const QString &address, ApplyDone done)
{
    Configuration next = configuration();
    if (next.find(id)) {
        if (done)
            done(0, {}, u"server is already in the configuration"_s);
        return;
    }
    next.servers.append(Server { id, address, Suffrage::Nonvoter });
    changeConfiguration(std::move(next), std::move(done));
}

void RaftNode::removeServer(const ServerId &id, ApplyDone done)
{
    Configuration next = configuration();
    next.servers.removeIf([&](const Server &s) { return s.id == id; });
    changeConfiguration(std::move(next), std::move(done));
}

bool RaftNode::transferLeadership(const ServerId &target)
{
    if (m_state != State::Leader || target == m_id || !configuration().isVoter(target)
        || !m_transferTarget.isEmpty() || !m_progress.contains(target))
        return false;
    m_transferTarget = target;
    m_transferDeadline = now() + m_options.timing.electionTimeout;
    m_timeoutNowSent = false;
    maybeSendTimeoutNow();
    if (!m_timeoutNowSent)
        sendAppend(target, false);
    return true;
}

void RaftNode::maybeSendTimeoutNow()
{
    if (m_transferTarget.isEmpty() || m_timeoutNowSent)
        return;
    if (m_progress.value(m_transferTarget).match < lastIndex())
        return;
    Message m;
    m.type = Message::Type::TimeoutNow;
    m.to = m_transferTarget;
    m_timeoutNowSent = true;
    send(m);
}

} // namespace qonsul::raft

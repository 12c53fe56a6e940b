#include "gossip/Serf.h"

#include <QCborMap>
#include <QCryptographicHash>
#include <QCborValue>
#include <QLoggingCategory>

Q_LOGGING_CATEGORY(lcSerf, "agent.serf")

namespace qonsul::gossip {

namespace {
constexpr qint64 kRecentIntentTimeoutMs = 5 * 60 * 1000; // intents about unknown members

// Identifies a key in the "_keyring" tag without revealing it.
QString fingerprint(const QByteArray &key)
{
    return QString::fromLatin1(QCryptographicHash::hash(key, QCryptographicHash::Sha256).toHex().left(8));
}
} // namespace

const QString kKeyringTag = QStringLiteral("_keyring");

QString statusName(MemberStatus status)
{
    switch (status) {
    case MemberStatus::Alive:
        return QStringLiteral("alive");
    case MemberStatus::Leaving:
        return QStringLiteral("leaving");
    case MemberStatus::Left:
        return QStringLiteral("left");
    case MemberStatus::Failed:
        return QStringLiteral("failed");
    case MemberStatus::None:
        break;
    }
    return QStringLiteral("none");
}

QByteArray encodeTags(const QMap<QString, QString> &tags)
{
    QCborMap m;
    for (auto it = tags.cbegin(); it != tags.cend(); ++it)
        m.insert(it.key(), it.value());
    return QCborValue(m).toCbor();
}

QMap<QString, QString> decodeTags(const QByteArray &meta)
{
    QMap<QString, QString> tags;
    QCborParserError error;
    const QCborValue v = QCborValue::fromCbor(meta, &error);
    if (error.error != QCborError::NoError || !v.isMap())
        return tags;
    const QCborMap m = v.toMap();
    for (auto it = m.cbegin(); it != m.cend(); ++it) {
        if (!it.key().isString() || !it.value().isString())
            return {};
        tags.insert(it.key().toString(), it.value().toString());
    }
    return tags;
}

Serf::Serf(Options options, Clock *clock, Transport *transport, QObject *parent)
    : QObject(parent)
    , m_options(std::move(options))
    , m_clock(clock)
    , m_transport(transport)
    , m_random(m_options.seed)
    , m_memberlist(std::make_unique<Memberlist>(m_options.config.memberlist, m_options.name, m_options.advertise, clock,
                                                transport, m_random.next(),
                                                static_cast<MemberlistDelegate *>(this)))
{
    m_eventBuffer.resize(std::max(1, m_options.config.eventBufferSize));
}

Serf::~Serf()
{
    m_clock->cancel(m_reapTimer);
    m_clock->cancel(m_reconnectTimer);
    m_memberlist.reset();
}

Clock::TimerId Serf::after(qint64 ms, std::function<void()> fn)
{
    std::weak_ptr<bool> alive = m_alive;
    return m_clock->schedule(ms, [alive, fn = std::move(fn)] {
        if (alive.lock())
            fn();
    });
}

void Serf::start()
{
    m_memberlist->start(encodeTags(effectiveTags()));
    m_reapTimer = after(m_options.config.reapIntervalMs, [this] { reap(); });
    m_reconnectTimer = after(m_options.config.reconnectIntervalMs, [this] { reconnect(); });
}

// ---- membership from memberlist -------------------------------------------------------------

Member Serf::fromNode(const NodeInfo &node, MemberStatus status) const
{
    return Member{node.name, node.addr.host, node.addr.port, decodeTags(node.meta), status};
}

void Serf::notifyJoin(const NodeInfo &node)
{
    auto it = m_members.find(node.name);
    if (it == m_members.end()) {
        it = m_members.insert(node.name, MemberState{});
        if (const auto intent = m_recentIntents.find(node.name); intent != m_recentIntents.end()) {
            it->statusLTime = intent->ltime;
            if (intent->leave)
                it->member.status = MemberStatus::Leaving;
            m_recentIntents.erase(intent);
        }
    }
    const bool leaving = it->member.status == MemberStatus::Leaving;
    it->member = fromNode(node, leaving ? MemberStatus::Leaving : MemberStatus::Alive);
    it->leaveMs = 0;
    qCInfo(lcSerf).noquote() << QStringLiteral("EventMemberJoin: %1 %2").arg(node.name, node.addr.host);
    Q_EMIT memberJoined(it->member);
}

void Serf::notifyLeave(const NodeInfo &node)
{
    const auto it = m_members.find(node.name);
    if (it == m_members.end())
        return;
    const bool left = it->member.status == MemberStatus::Leaving || node.state == NodeState::Left;
    it->member.status = left ? MemberStatus::Left : MemberStatus::Failed;
    it->leaveMs = m_clock->monotonicMs();
    if (left) {
        qCInfo(lcSerf).noquote() << QStringLiteral("EventMemberLeave: %1 %2").arg(node.name, node.addr.host);
        Q_EMIT memberLeft(it->member);
    } else {
        qCInfo(lcSerf).noquote() << QStringLiteral("EventMemberFailed: %1 %2").arg(node.name, node.addr.host);
        Q_EMIT memberFailed(it->member);
    }
}

void Serf::notifyUpdate(const NodeInfo &node)
{
    const auto it = m_members.find(node.name);
    if (it == m_members.end())
        return;
    it->member = fromNode(node, it->member.status);
    qCInfo(lcSerf).noquote() << QStringLiteral("EventMemberUpdate: %1").arg(node.name);
    Q_EMIT memberUpdated(it->member);
}

// ---- intents and events ---------------------------------------------------------------------

void Serf::notifyUserMessage(const QByteArray &payload)
{
    const auto message = decodeSerfMessage(payload);
    if (!message) {
        qCDebug(lcSerf) << "Dropped an undecodable message";
        return;
    }
    if (const auto *join = std::get_if<JoinIntent>(&*message)) {
        if (handleJoinIntent(*join))
            broadcastIntent(join->node, *join);
    } else if (const auto *leave = std::get_if<LeaveIntent>(&*message)) {
        if (handleLeaveIntent(*leave))
            broadcastIntent(leave->node, *leave);
    } else if (const auto *event = std::get_if<UserEventMsg>(&*message)) {
        if (handleUserEvent(*event)) {
            m_events.queue({}, encodeSerfMessage(*event));
            m_events.prune(m_options.config.maxQueueDepth);
        }
    } else if (const auto *op = std::get_if<KeyringOp>(&*message)) {
        if (m_keyringOps.contains(op->id))
            return;
        m_keyringOps.insert(op->id);
        QString error;
        if (!applyKeyringOp(*op, &error))
            qCWarning(lcSerf).noquote() << "Keyring operation not applied here:" << error;
        m_intents.queue({}, payload); // passed on either way: others may hold the key
    }
}

void Serf::broadcastIntent(const QString &node, const SerfMessage &message, BroadcastQueue::Finished finished)
{
    m_intents.queue(node, encodeSerfMessage(message), std::move(finished));
    m_intents.prune(m_options.config.maxQueueDepth);
}

bool Serf::recordIntent(const QString &node, bool leave, quint64 ltime)
{
    // About a member we do not know yet: kept for when it joins, passed on when it is news.
    const auto known = m_recentIntents.constFind(node);
    if (known != m_recentIntents.constEnd() && known->ltime >= ltime)
        return false;
    m_recentIntents.insert(node, Intent{leave, ltime, m_clock->monotonicMs()});
    return true;
}

bool Serf::handleJoinIntent(const JoinIntent &intent)
{
    witness(m_clockTime, intent.ltime);
    const auto it = m_members.find(intent.node);
    if (it == m_members.end())
        return recordIntent(intent.node, false, intent.ltime);
    if (intent.ltime <= it->statusLTime)
        return false;
    it->statusLTime = intent.ltime;
    if (it->member.status == MemberStatus::Leaving)
        it->member.status = MemberStatus::Alive; // a newer join overrides the leave
    return true;
}

bool Serf::handleLeaveIntent(const LeaveIntent &intent)
{
    witness(m_clockTime, intent.ltime);
    const auto it = m_members.find(intent.node);
    if (it == m_members.end())
        return recordIntent(intent.node, true, intent.ltime);
    if (intent.ltime <= it->statusLTime)
        return false;
    if (intent.node == m_options.name && !m_leaving) {
        // Someone force-left us while we are fine: refute with a newer join.
        const quint64 ltime = ++m_clockTime;
        it->statusLTime = ltime;
        broadcastIntent(m_options.name, JoinIntent{ltime, m_options.name});
        return false;
    }
    it->statusLTime = intent.ltime;
    switch (it->member.status) {
    case MemberStatus::Alive:
        it->member.status = MemberStatus::Leaving;
        return true;
    case MemberStatus::Failed: {
        it->member.status = MemberStatus::Left;
        it->leaveMs = m_clock->monotonicMs();
        qCInfo(lcSerf).noquote() << QStringLiteral("EventMemberLeave (forced): %1 %2").arg(intent.node, it->member.addr);
        Q_EMIT memberLeft(it->member);
        if (intent.prune)
            prune(intent);
        return true;
    }
    case MemberStatus::Left:
        if (intent.prune)
            prune(intent);
        return intent.prune;
    case MemberStatus::Leaving:
    case MemberStatus::None:
        break;
    }
    return true;
}

bool Serf::handleUserEvent(const UserEventMsg &event)
{
    witness(m_eventClock, event.ltime);
    if (event.ltime < m_eventMinTime)
        return false;
    const quint64 size = quint64(m_eventBuffer.size());
    if (m_eventClock > size && event.ltime < m_eventClock - size)
        return false; // older than anything we could still tell apart from a duplicate
    EventSlot &slot = m_eventBuffer[qsizetype(event.ltime % size)];
    const QPair<QString, QByteArray> key{event.name, event.payload};
    if (slot.ltime == event.ltime) {
        if (slot.seen.contains(key))
            return false;
    } else {
        slot = EventSlot{event.ltime, {}};
    }
    slot.seen.append(key);
    Q_EMIT userEvent(UserEvent{event.ltime, event.name, event.payload});
    return true;
}

QList<QByteArray> Serf::userBroadcasts(int overhead, int budget)
{
    const int limit = m_memberlist->retransmitLimit();
    QList<QByteArray> out = m_intents.take(overhead, budget, limit);
    for (const QByteArray &m : out)
        budget -= overhead + int(m.size());
    out += m_events.take(overhead, budget, limit);
    return out;
}

QByteArray Serf::localState(bool)
{
    SerfPushPull pp;
    pp.ltime = m_clockTime;
    for (auto it = m_members.cbegin(); it != m_members.cend(); ++it) {
        pp.statusLTimes.insert(it.key(), it->statusLTime);
        if (it->member.status == MemberStatus::Left)
            pp.leftMembers.append(it.key());
    }
    pp.eventLTime = m_eventClock;
    for (const EventSlot &slot : std::as_const(m_eventBuffer)) {
        for (const auto &[name, payload] : slot.seen)
            pp.events.append(UserEventMsg{slot.ltime, name, payload});
    }
    return encodeSerfMessage(pp);
}

void Serf::mergeRemoteState(const QByteArray &state, bool join)
{
    const auto message = decodeSerfMessage(state);
    if (!message || !std::holds_alternative<SerfPushPull>(*message)) {
        qCDebug(lcSerf) << "Dropped undecodable push/pull state";
        return;
    }
    const SerfPushPull &pp = std::get<SerfPushPull>(*message);
    // As serf: both clocks witness the remote's (minus one: nothing was sent at that time yet).
    // Without the event clock, a member that joined through one holding none of the recent
    // events fired below the minimum event time the join set, and dropped its own event.
    if (pp.ltime > 0)
        witness(m_clockTime, pp.ltime - 1);
    if (pp.eventLTime > 0)
        witness(m_eventClock, pp.eventLTime - 1);
    for (const QString &name : pp.leftMembers)
        handleLeaveIntent(LeaveIntent{pp.statusLTimes.value(name), name, false});
    for (auto it = pp.statusLTimes.cbegin(); it != pp.statusLTimes.cend(); ++it) {
        if (!pp.leftMembers.contains(it.key()))
            handleJoinIntent(JoinIntent{it.value(), it.key()});
    }
    if (join && m_joinIgnoreOld)
        m_eventMinTime = std::max(m_eventMinTime, pp.eventLTime); // fired before it: < eventLTime
    for (const UserEventMsg &e : pp.events)
        handleUserEvent(e);
}

QString Serf::refuseNodes(const QList<NodeInfo> &nodes)
{
    if (!m_options.refuseMembers)
        return {};
    QList<Member> members;
    members.reserve(nodes.size());
    for (const NodeInfo &node : nodes) // as serf's nodeToMember: only a left node has a status
        members.append(fromNode(node, node.state == NodeState::Left ? MemberStatus::Left : MemberStatus::Alive));
    return m_options.refuseMembers(members);
}

// ---- network coordinates --------------------------------------------------------------------

QByteArray Serf::ackPayload() { return m_coordinates.coordinate().encode(); }

void Serf::notifyPingComplete(const NodeInfo &node, qint64 rttMs, const QByteArray &payload)
{
    const auto other = Coordinate::decode(payload);
    if (!other)
        return;
    m_coordinateCache.insert(node.name, *other);
    m_coordinates.update(node.name, *other, double(std::max<qint64>(rttMs, 0)) / 1000.0);
}

QHash<QString, Coordinate> Serf::coordinates() const
{
    QHash<QString, Coordinate> out;
    for (auto it = m_coordinateCache.cbegin(); it != m_coordinateCache.cend(); ++it) {
        const auto m = m_members.constFind(it.key());
        if (m != m_members.constEnd() && m->member.status == MemberStatus::Alive)
            out.insert(it.key(), it.value());
    }
    out.insert(m_options.name, m_coordinates.coordinate());
    return out;
}

// ---- operations -----------------------------------------------------------------------------

void Serf::join(const QList<Address> &addresses, std::function<void(int joined, const QString &error)> done)
{
    m_joinIgnoreOld = true; // a joining member does not replay the cluster's past events
    m_memberlist->join(addresses, [this, alive = std::weak_ptr<bool>(m_alive), done](int joined, const QString &error) {
        if (!alive.lock()) {
            done(joined, error);
            return;
        }
        m_joinIgnoreOld = false;
        if (joined > 0) {
            const quint64 ltime = ++m_clockTime;
            if (const auto self = m_members.find(m_options.name); self != m_members.end())
                self->statusLTime = ltime;
            broadcastIntent(m_options.name, JoinIntent{ltime, m_options.name});
        }
        done(joined, error);
    });
}

void Serf::leave(std::function<void()> done)
{
    if (m_leaving || m_left) {
        after(0, done);
        return;
    }
    m_leaving = true;
    const quint64 ltime = ++m_clockTime;
    if (const auto self = m_members.find(m_options.name); self != m_members.end()) {
        self->statusLTime = ltime;
        self->member.status = MemberStatus::Leaving;
    }
    auto proceeded = std::make_shared<bool>(false);
    auto proceed = [this, done, proceeded] {
        if (std::exchange(*proceeded, true))
            return;
        m_memberlist->leave(m_options.config.broadcastTimeoutMs, [this, done] {
            after(m_options.config.leavePropagateDelayMs, [this, done] {
                if (const auto self = m_members.find(m_options.name); self != m_members.end())
                    self->member.status = MemberStatus::Left;
                m_memberlist->shutdown();
                m_clock->cancel(m_reapTimer);
                m_clock->cancel(m_reconnectTimer);
                m_left = true;
                done();
            });
        });
    };
    if (m_memberlist->aliveCount() <= 1) {
        after(0, proceed);
        return;
    }
    broadcastIntent(m_options.name, LeaveIntent{ltime, m_options.name, false}, [this, proceed] { after(0, proceed); });
    after(m_options.config.broadcastTimeoutMs, proceed);
}

bool Serf::forceLeave(const QString &node, bool prune)
{
    if (!m_members.contains(node))
        return false;
    const LeaveIntent intent{++m_clockTime, node, prune};
    if (handleLeaveIntent(intent))
        broadcastIntent(node, intent);
    return true;
}

QMap<QString, QString> Serf::effectiveTags() const
{
    QMap<QString, QString> tags = m_options.tags;
    if (m_options.keyring) {
        QStringList prints;
        for (const QByteArray &key : m_options.keyring->keys())
            prints << fingerprint(key);
        tags.insert(kKeyringTag, prints.join(u','));
    }
    return tags;
}

void Serf::setTags(const QMap<QString, QString> &tags)
{
    const QMap<QString, QString> previous = std::exchange(m_options.tags, tags);
    const QByteArray meta = encodeTags(effectiveTags());
    if (meta.size() > kMaxMetaBytes) {
        qCWarning(lcSerf) << "Tags take" << meta.size() << "bytes, over the limit of" << kMaxMetaBytes;
        m_options.tags = previous;
        return;
    }
    m_memberlist->setMeta(meta);
}

bool Serf::applyKeyringOp(const KeyringOp &op, QString *error)
{
    Keyring *ring = m_options.keyring.get();
    if (!ring) {
        *error = QStringLiteral("gossip encryption is not enabled on this member");
        return false;
    }
    if (op.key.size() != 16 && op.key.size() != 24 && op.key.size() != 32) {
        *error = QStringLiteral("Invalid key: key size must be 16, 24 or 32 bytes");
        return false;
    }
    switch (op.op) {
    case KeyringOp::Install:
        ring->install(op.key);
        break;
    case KeyringOp::Use:
        if (!ring->use(op.key)) {
            *error = QStringLiteral("Requested key is not in the keyring");
            return false;
        }
        break;
    case KeyringOp::Remove:
        if (!ring->remove(op.key, error))
            return false;
        break;
    }
    m_memberlist->setMeta(encodeTags(effectiveTags()));
    Q_EMIT keyringChanged();
    return true;
}

bool Serf::keyringOperation(KeyringOp::Op op, const QByteArray &key, QString *error)
{
    const KeyringOp message{m_random.next(), op, key};
    if (!applyKeyringOp(message, error))
        return false;
    m_keyringOps.insert(message.id);
    m_intents.queue({}, encodeSerfMessage(message));
    return true;
}

Serf::KeyringStatus Serf::keyringStatus() const
{
    KeyringStatus status;
    QHash<QString, QString> byPrint; // fingerprint -> base64 key, for the keys we hold
    if (m_options.keyring) {
        for (const QByteArray &key : m_options.keyring->keys())
            byPrint.insert(fingerprint(key), QString::fromLatin1(key.toBase64()));
    }
    for (const MemberState &m : m_members) {
        if (m.member.status != MemberStatus::Alive)
            continue;
        ++status.numNodes;
        const QStringList prints = m.member.tags.value(kKeyringTag).split(u',', Qt::SkipEmptyParts);
        for (qsizetype i = 0; i < prints.size(); ++i) {
            const auto key = byPrint.constFind(prints.at(i));
            if (key == byPrint.constEnd())
                continue;
            ++status.keys[*key];
            if (i == 0)
                ++status.primaryKeys[*key];
        }
    }
    return status;
}

std::optional<quint64> Serf::fireEvent(const QString &name, const QByteArray &payload, QString *error)
{
    if (name.toUtf8().size() + payload.size() > kMaxUserEventBytes) {
        *error = QStringLiteral("user event exceeds configured limit of %1 bytes before encoding").arg(kMaxUserEventBytes);
        return std::nullopt;
    }
    const UserEventMsg event{m_eventClock, name, payload};
    ++m_eventClock;
    if (handleUserEvent(event)) {
        m_events.queue({}, encodeSerfMessage(event));
        m_events.prune(m_options.config.maxQueueDepth);
    }
    return event.ltime;
}

void Serf::erase(const QString &name)
{
    const auto it = m_members.find(name);
    if (it == m_members.end())
        return;
    const Member m = it->member;
    m_members.erase(it);
    m_coordinateCache.remove(name);
    m_coordinates.forget(name);
    qCInfo(lcSerf).noquote() << QStringLiteral("EventMemberReap: %1").arg(name);
    Q_EMIT memberReaped(m);
}

void Serf::prune(const LeaveIntent &intent)
{
    erase(intent.node);
    // Remembered, so the older intents still in flight about it are not passed on again.
    m_recentIntents.insert(intent.node, Intent{true, intent.ltime, m_clock->monotonicMs()});
}

void Serf::reap()
{
    m_reapTimer = after(m_options.config.reapIntervalMs, [this] { reap(); });
    const qint64 now = m_clock->monotonicMs();
    QStringList gone;
    for (auto it = m_members.cbegin(); it != m_members.cend(); ++it) {
        const qint64 age = now - it->leaveMs;
        if ((it->member.status == MemberStatus::Failed && age > m_options.config.reconnectTimeoutMs)
            || (it->member.status == MemberStatus::Left && age > m_options.config.tombstoneTimeoutMs))
            gone.append(it.key());
    }
    for (const QString &name : std::as_const(gone))
        erase(name);
    for (auto it = m_recentIntents.begin(); it != m_recentIntents.end();)
        it = now - it->seenMs > kRecentIntentTimeoutMs ? m_recentIntents.erase(it) : std::next(it);
}

void Serf::reconnect()
{
    m_reconnectTimer = after(m_options.config.reconnectIntervalMs, [this] { reconnect(); });
    // Try one failed member, with probability failed/alive so a large cluster with a few
    // failures does not keep dialing them all.
    QList<Address> failed;
    int alive = 0;
    for (const MemberState &m : std::as_const(m_members)) {
        if (m.member.status == MemberStatus::Failed)
            failed.append(Address{m.member.addr, m.member.port});
        else if (m.member.status == MemberStatus::Alive)
            ++alive;
    }
    std::sort(failed.begin(), failed.end(), [](const Address &a, const Address &b) { return a.toString() < b.toString(); });
    if (failed.isEmpty() || m_random.unit() > double(failed.size()) / double(std::max(1, alive)))
        return;
    const Address target = failed.at(qsizetype(m_random.below(quint64(failed.size()))));
    m_memberlist->join({target}, [](int, const QString &) {});
}

QList<Member> Serf::members() const
{
    QList<Member> out;
    out.reserve(m_members.size());
    for (const MemberState &m : m_members)
        out.append(m.member);
    return out;
}

std::optional<Member> Serf::member(const QString &name) const
{
    const auto it = m_members.constFind(name);
    if (it == m_members.constEnd())
        return std::nullopt;
    return it->member;
}

Member Serf::localMember() const
{
    return member(m_options.name).value_or(
        Member{m_options.name, m_options.advertise.host, m_options.advertise.port, m_options.tags, MemberStatus::None});
}

SerfStats Serf::stats() const
{
    SerfStats s;
    for (const MemberState &m : m_members) {
        s.alive += m.member.status == MemberStatus::Alive;
        s.failed += m.member.status == MemberStatus::Failed;
        s.left += m.member.status == MemberStatus::Left;
    }
    s.memberTime = m_clockTime;
    s.eventTime = m_eventClock;
    s.intentQueue = m_intents.size();
    s.eventQueue = m_events.size();
    s.healthScore = m_memberlist->healthScore();
    s.memberlist = m_memberlist->stats();
    return s;
}

} // namespace qonsul::gossip

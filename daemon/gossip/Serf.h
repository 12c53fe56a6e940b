#pragma once
// qonsul::gossip::Serf — one gossip pool (Consul's LAN pool of a datacenter or WAN pool of
// servers): the membership every other part of the agent consumes.
//
// API for the rest of the agent (stable; add, do not change):
//   Serf(options, clock, transport)   options: node name, advertise address, tags, SerfConfig
//                                     (SerfConfig::lan() / ::wan() carry Consul's defaults), seed,
//                                     refuseMembers (who may not join: another datacenter)
//   start()                           announce ourselves; nothing is sent before
//   join(addresses, done(n, error))   push/pull with each address; n = how many answered
//   leave(done())                     graceful leave: status leaving → left, then stops gossiping
//   forceLeave(node, prune)           a failed member becomes left (prune: forgotten at once)
//   setTags(tags)                     new tags for this member, gossiped to all
//   members() / member(name) / localMember()
//   fireEvent(name, payload)          a user event every member receives exactly once
//   keyringOperation(op, key)         install/use/remove a gossip key on every member
//   keyringStatus()                   which keys how many alive members hold (Options::keyring)
//   coordinate() / coordinates()      Vivaldi coordinates: ours, and the last one each member sent
//   signals memberJoined / memberUpdated / memberLeft / memberFailed / memberReaped(Member),
//           userEvent(UserEvent) — emitted synchronously, on the clock's thread.
//
// On top of memberlist it adds: member status alive / leaving / left / failed; tags (CBOR map
// in the memberlist meta); join and leave intents ordered by a Lamport clock, so a leave
// overtaken by a newer join (a restart) is not applied; reaping of failed members after
// reconnectTimeoutMs and of left ones after tombstoneTimeoutMs; periodic reconnection attempts
// to failed members (heals partitions); user events with their own Lamport clock, de-duplicated
// through a buffer of the last eventBufferSize event times.
#include "gossip/Config.h"
#include "gossip/Coordinate.h"
#include "gossip/Keyring.h"
#include "gossip/Memberlist.h"
#include "gossip/SerfMessages.h"

#include <QMap>
#include <QObject>

#include <memory>

namespace qonsul::gossip {

enum class MemberStatus { None = 0, Alive = 1, Leaving = 2, Left = 3, Failed = 4 }; // Consul's numbers

struct Member
{
    QString name;
    QString addr;
    quint16 port = 0;
    QMap<QString, QString> tags;
    MemberStatus status = MemberStatus::None;
};

struct UserEvent
{
    quint64 ltime = 0;
    QString name;
    QByteArray payload;
};

QString statusName(MemberStatus status); // "alive", "leaving", "left", "failed", "none"

struct SerfStats
{
    int alive = 0;
    int failed = 0;
    int left = 0;
    quint64 memberTime = 0;
    quint64 eventTime = 0;
    int intentQueue = 0;
    int eventQueue = 0;
    int healthScore = 0;
    MemberlistStats memberlist;
};

class Serf final : public QObject, private MemberlistDelegate
{
    Q_OBJECT
public:
    struct Options
    {
        QString name;
        Address advertise;
        QMap<QString, QString> tags;
        SerfConfig config;
        quint64 seed = 0;
        // The keyring the pool's SecureTransport uses, when gossip is encrypted. Its keys'
        // fingerprints travel in the reserved tag "_keyring" (primary first), so any member can
        // count which members hold which key.
        std::shared_ptr<Keyring> keyring;
        // Consul's merge delegate: a non-empty reason keeps members out of the pool (an alive
        // message about one is ignored; a push/pull or join that carries them fails). Called
        // with the members as gossiped (status alive, or left for one that left), never with
        // this member.
        std::function<QString(const QList<Member> &members)> refuseMembers;
    };

    struct KeyringStatus
    {
        QMap<QString, int> keys;        // base64 key -> alive members holding it
        QMap<QString, int> primaryKeys; // base64 key -> alive members using it as primary
        int numNodes = 0;               // alive members
    };

    Serf(Options options, Clock *clock, Transport *transport, QObject *parent = nullptr);
    ~Serf() override;

    void start();
    void join(const QList<Address> &addresses, std::function<void(int joined, const QString &error)> done);
    void leave(std::function<void()> done);
    bool forceLeave(const QString &node, bool prune);
    void setTags(const QMap<QString, QString> &tags);
    // Its Lamport time; nullopt with *error when name and payload exceed kMaxUserEventBytes.
    std::optional<quint64> fireEvent(const QString &name, const QByteArray &payload, QString *error);
    // Applies the operation here and gossips it to every member; false with *error when it does
    // not apply here (no keyring, primary key removed, unknown key made primary).
    bool keyringOperation(KeyringOp::Op op, const QByteArray &key, QString *error);
    KeyringStatus keyringStatus() const;
    const Coordinate &coordinate() const { return m_coordinates.coordinate(); }
    QHash<QString, Coordinate> coordinates() const; // alive members, this one included

    QList<Member> members() const;
    std::optional<Member> member(const QString &name) const;
    Member localMember() const;
    SerfStats stats() const;
    const QString &name() const { return m_options.name; }
    bool hasLeft() const { return m_left; }

Q_SIGNALS:
    void memberJoined(const qonsul::gossip::Member &member);
    void memberUpdated(const qonsul::gossip::Member &member);
    void memberLeft(const qonsul::gossip::Member &member);
    void memberFailed(const qonsul::gossip::Member &member);
    void memberReaped(const qonsul::gossip::Member &member);
    void userEvent(const qonsul::gossip::UserEvent &event);
    void keyringChanged(); // persist it

private:
    struct MemberState
    {
        Member member;
        quint64 statusLTime = 0;
        qint64 leaveMs = 0; // when it failed or left, for reaping
    };
    struct Intent
    {
        bool leave = false;
        quint64 ltime = 0;
        qint64 seenMs = 0;
    };
    struct EventSlot
    {
        quint64 ltime = 0;
        QList<QPair<QString, QByteArray>> seen;
    };

    // MemberlistDelegate
    void notifyJoin(const NodeInfo &node) override;
    void notifyLeave(const NodeInfo &node) override;
    void notifyUpdate(const NodeInfo &node) override;
    void notifyUserMessage(const QByteArray &payload) override;
    QList<QByteArray> userBroadcasts(int overhead, int budget) override;
    QByteArray localState(bool join) override;
    void mergeRemoteState(const QByteArray &state, bool join) override;
    QString refuseNodes(const QList<NodeInfo> &nodes) override;
    QByteArray ackPayload() override;
    void notifyPingComplete(const NodeInfo &node, qint64 rttMs, const QByteArray &payload) override;

    bool recordIntent(const QString &node, bool leave, quint64 ltime);
    bool handleJoinIntent(const JoinIntent &intent);
    bool handleLeaveIntent(const LeaveIntent &intent);
    bool handleUserEvent(const UserEventMsg &event);
    bool applyKeyringOp(const KeyringOp &op, QString *error);
    QMap<QString, QString> effectiveTags() const;
    void broadcastIntent(const QString &node, const SerfMessage &message, BroadcastQueue::Finished finished = {});
    void erase(const QString &name);
    void prune(const LeaveIntent &intent);
    void reap();
    void reconnect();
    Clock::TimerId after(qint64 ms, std::function<void()> fn);
    Member fromNode(const NodeInfo &node, MemberStatus status) const;
    static quint64 witness(quint64 &clock, quint64 seen) { return clock = std::max(clock, seen + 1); }

    Options m_options;
    Clock *m_clock;
    Transport *m_transport;
    SplitMix64 m_random;
    std::unique_ptr<Memberlist> m_memberlist;
    std::shared_ptr<bool> m_alive = std::make_shared<bool>(true);
    QHash<QString, MemberState> m_members;
    QHash<QString, Intent> m_recentIntents; // intents about members we do not know yet
    BroadcastQueue m_intents;
    BroadcastQueue m_events;
    quint64 m_clockTime = 1;
    quint64 m_eventClock = 1;
    quint64 m_eventMinTime = 0;
    QList<EventSlot> m_eventBuffer;
    QSet<quint64> m_keyringOps; // ids already applied
    CoordinateClient m_coordinates;
    QHash<QString, Coordinate> m_coordinateCache; // what members' acks carried
    bool m_joinIgnoreOld = false;
    bool m_leaving = false;
    bool m_left = false;
    Clock::TimerId m_reapTimer = 0;
    Clock::TimerId m_reconnectTimer = 0;
};

QByteArray encodeTags(const QMap<QString, QString> &tags);
QMap<QString, QString> decodeTags(const QByteArray &meta); // empty on malformed meta
extern const QString kKeyringTag;                          // "_keyring", reserved

} // namespace qonsul::gossip

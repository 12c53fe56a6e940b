// SessionTimers on a simulated clock: a TTL session that is not renewed is destroyed through the
// committer after 2 × TTL; reset() postpones that, clear() cancels it. Also checks SimClock itself.
#include "SimClock.h"
#include "state/Command.h"
#include "state/Committer.h"
#include "state/SessionTimers.h"
#include "state/StateStore.h"

#include <QJsonArray>
#include <QLoggingCategory>
#include <QTest>

using namespace qonsul;
using namespace qonsul::state;
using namespace Qt::StringLiterals;
using qonsul::test::SimClock;

namespace {

const QString kSession = u"5a0c0b6e-0000-4000-8000-000000000001"_s;
const QString kOther = u"5a0c0b6e-0000-4000-8000-000000000002"_s;

// A store with node "n1" (serfHealth passing), a committer that applies at once, and the timers.
struct Fixture
{
    SimClock clock;
    StateStore store;
    LocalCommitter committer { &store, u"127.0.0.1:8300"_s };
    SessionTimers timers { &clock, &committer };

    Fixture()
    {
        propose(command::registerNode(
            QJsonObject { { u"Node"_s, u"n1"_s }, { u"Address"_s, u"10.0.0.1"_s },
                { u"Check"_s,
                    QJsonObject { { u"CheckID"_s, u"serfHealth"_s }, { u"Status"_s, u"passing"_s } } } },
            clock.wallMs()));
    }

    ApplyResult propose(const QCborMap &cmd)
    {
        ApplyResult out;
        committer.propose(cmd, [&out](const ApplyResult &r, quint64, const QString &) { out = r; });
        return out;
    }

    bool createSession(const QString &id, const QString &ttl, Nanoseconds lockDelay = 15 * kSecond)
    {
        const QJsonObject body { { u"Node"_s, u"n1"_s }, { u"LockDelay"_s, double(lockDelay) },
            { u"Behavior"_s, u"release"_s }, { u"TTL"_s, ttl },
            { u"NodeChecks"_s, QJsonArray { u"serfHealth"_s } } };
        const ApplyResult r = propose(command::sessionCreate(id, body, clock.wallMs()));
        return r.error.isEmpty() && r.value.toString() == id;
    }

    bool hasSession(const QString &id) const
    {
        std::optional<api::Session> s;
        store.session(id, &s);
        return s.has_value();
    }
};

} // namespace

class TestSessionTimers : public QObject
{
    Q_OBJECT

private Q_SLOTS:
    void initTestCase();

    // SimClock
    void simClockRunsDueCallbacksInOrder();
    void simClockCancel();
    void simClockCallbacksMayScheduleAndCancel();
    void simClockTimeAndRunNext();

    // SessionTimers
    void destroyedAfterTwiceTtl();
    void resetPostponesExpiry();
    void clearCancelsExpiry();
    void zeroTtlClears();
    void timersAreIndependent();
    void expiryReleasesLocksWithLockDelayFromClock();
    void expiryOfAlreadyDestroyedSessionIsHarmless();
    void destructorCancelsPendingTimers();
};

void TestSessionTimers::initTestCase()
{
    // The timers log every expiry at info level; keep the test output readable.
    QLoggingCategory::setFilterRules(u"agent.session.info=false"_s);
}

void TestSessionTimers::simClockRunsDueCallbacksInOrder()
{
    SimClock clock;
    QStringList log;
    auto record = [&clock, &log](const char *name) {
        return [&clock, &log, name] {
            log.append(QString::fromLatin1(name) + u'@' + QString::number(clock.monotonicMs()));
        };
    };
    clock.schedule(30, record("c"));
    clock.schedule(10, record("a"));
    clock.schedule(20, record("b1"));
    clock.schedule(20, record("b2")); // same deadline: scheduling order
    clock.schedule(-5, record("now")); // negative delay counts as 0

    QCOMPARE(clock.pendingCount(), 5);
    QCOMPARE(clock.nextDeadlineMs(), std::optional<qint64>(0));
    clock.advance(0);
    QCOMPARE(log, QStringList { u"now@0"_s });
    clock.advance(19);
    QCOMPARE(log, (QStringList { u"now@0"_s, u"a@10"_s }));
    QCOMPARE(clock.monotonicMs(), qint64(19));
    clock.advance(100);
    QCOMPARE(log, (QStringList { u"now@0"_s, u"a@10"_s, u"b1@20"_s, u"b2@20"_s, u"c@30"_s }));
    QCOMPARE(clock.monotonicMs(), qint64(119));
    QCOMPARE(clock.pendingCount(), 0);
    QCOMPARE(clock.nextDeadlineMs(), std::nullopt);
}

void TestSessionTimers::simClockCancel()
{
    SimClock clock;
    int fired = 0;
    const Clock::TimerId a = clock.schedule(10, [&fired] { ++fired; });
    const Clock::TimerId b = clock.schedule(10, [&fired] { fired += 10; });
    QVERIFY(a != 0);
    QVERIFY(b != 0);
    QVERIFY(a != b);
    clock.cancel(a);
    clock.cancel(a); // twice: ignored
    clock.cancel(12345); // unknown: ignored
    QCOMPARE(clock.pendingCount(), 1);
    clock.advance(10);
    QCOMPARE(fired, 10);
    clock.cancel(b); // already fired: ignored
    const Clock::TimerId c = clock.schedule(1, [] {});
    QVERIFY(c != a && c != b); // ids are never reused
}

void TestSessionTimers::simClockCallbacksMayScheduleAndCancel()
{
    SimClock clock;
    QStringList log;
    Clock::TimerId doomed = 0;
    clock.schedule(10, [&] {
        log.append(u"first@"_s + QString::number(clock.monotonicMs()));
        clock.cancel(doomed);
        clock.schedule(5, [&] { log.append(u"chained@"_s + QString::number(clock.monotonicMs())); });
        clock.schedule(0, [&] { log.append(u"immediate@"_s + QString::number(clock.monotonicMs())); });
    });
    doomed = clock.schedule(12, [&] { log.append(u"doomed"_s); });
    clock.schedule(14, [&] { log.append(u"later@"_s + QString::number(clock.monotonicMs())); });
    clock.advance(20);
    QCOMPARE(log, (QStringList { u"first@10"_s, u"immediate@10"_s, u"later@14"_s, u"chained@15"_s }));
    QCOMPARE(clock.monotonicMs(), qint64(20));
}

void TestSessionTimers::simClockTimeAndRunNext()
{
    SimClock clock(1000);
    QCOMPARE(clock.wallMs(), qint64(1000));
    QCOMPARE(clock.monotonicMs(), qint64(0));
    QVERIFY(!clock.runNext());
    int fired = 0;
    clock.schedule(250, [&fired] { ++fired; });
    QVERIFY(clock.runNext());
    QCOMPARE(fired, 1);
    QCOMPARE(clock.monotonicMs(), qint64(250));
    QCOMPARE(clock.wallMs(), qint64(1250));
}

void TestSessionTimers::destroyedAfterTwiceTtl()
{
    Fixture f;
    QVERIFY(f.createSession(kSession, u"10s"_s));
    f.timers.reset(kSession, 10 * kSecond);
    QCOMPARE(f.timers.count(), 1);

    f.clock.advance(10000); // the TTL itself is only half the grace period
    QVERIFY(f.hasSession(kSession));
    f.clock.advance(9999);
    QVERIFY(f.hasSession(kSession));
    const quint64 before = f.store.lastIndex();
    f.clock.advance(1); // 2 × TTL
    QVERIFY(!f.hasSession(kSession));
    QCOMPARE(f.store.lastIndex(), before + 1); // destroyed through the committer
    QCOMPARE(f.timers.count(), 0);
    QCOMPARE(f.clock.pendingCount(), 0);
}

void TestSessionTimers::resetPostponesExpiry()
{
    Fixture f;
    QVERIFY(f.createSession(kSession, u"10s"_s));
    f.timers.reset(kSession, 10 * kSecond);
    f.clock.advance(15000);
    f.timers.reset(kSession, 10 * kSecond); // renew: 2 × TTL from now, i.e. t = 35s
    QCOMPARE(f.timers.count(), 1);
    QCOMPARE(f.clock.pendingCount(), 1); // the old timer was cancelled, not left behind
    f.clock.advance(5000); // t = 20s, the original deadline
    QVERIFY(f.hasSession(kSession));
    f.clock.advance(14999); // t = 34.999s
    QVERIFY(f.hasSession(kSession));
    f.clock.advance(1); // t = 35s
    QVERIFY(!f.hasSession(kSession));
}

void TestSessionTimers::clearCancelsExpiry()
{
    Fixture f;
    QVERIFY(f.createSession(kSession, u"10s"_s));
    f.timers.reset(kSession, 10 * kSecond);
    f.clock.advance(5000);
    f.timers.clear(kSession);
    QCOMPARE(f.timers.count(), 0);
    QCOMPARE(f.clock.pendingCount(), 0);
    const quint64 before = f.store.lastIndex();
    f.clock.advance(3600 * 1000);
    QVERIFY(f.hasSession(kSession));
    QCOMPARE(f.store.lastIndex(), before); // nothing was proposed
    f.timers.clear(kSession); // clearing again is harmless
    f.timers.clear(u"unknown"_s);
}

void TestSessionTimers::zeroTtlClears()
{
    Fixture f;
    QVERIFY(f.createSession(kSession, u"10s"_s));
    f.timers.reset(kSession, 10 * kSecond);
    f.timers.reset(kSession, 0);
    QCOMPARE(f.timers.count(), 0);
    QCOMPARE(f.clock.pendingCount(), 0);
    f.clock.advance(60000);
    QVERIFY(f.hasSession(kSession));
}

void TestSessionTimers::timersAreIndependent()
{
    Fixture f;
    QVERIFY(f.createSession(kSession, u"10s"_s));
    QVERIFY(f.createSession(kOther, u"30s"_s));
    f.timers.reset(kSession, 10 * kSecond);
    f.timers.reset(kOther, 30 * kSecond);
    QCOMPARE(f.timers.count(), 2);
    f.clock.advance(20000);
    QVERIFY(!f.hasSession(kSession));
    QVERIFY(f.hasSession(kOther));
    QCOMPARE(f.timers.count(), 1);
    f.clock.advance(40000);
    QVERIFY(!f.hasSession(kOther));
    QCOMPARE(f.timers.count(), 0);
}

void TestSessionTimers::expiryReleasesLocksWithLockDelayFromClock()
{
    Fixture f;
    QVERIFY(f.createSession(kSession, u"10s"_s, 15 * kSecond));
    const ApplyResult locked
        = f.propose(command::kv(u"lock"_s, u"leader"_s, "me", 0, 0, kSession, f.clock.wallMs()));
    QVERIFY(locked.value.toBool());
    f.timers.reset(kSession, 10 * kSecond);
    f.clock.advance(20000);
    QVERIFY(!f.hasSession(kSession));

    std::optional<api::KvEntry> e;
    f.store.kvGet(u"leader"_s, &e);
    QVERIFY(e.has_value());
    QVERIFY(e->session.isEmpty()); // released, not deleted (behavior "release")
    QCOMPARE(e->value, QByteArray("me"));
    QCOMPARE(e->lockIndex, quint64(1));
    // The destroy command carries the clock's wall time, so the lock delay starts at expiry.
    QCOMPARE(f.store.lockDelayUntil(u"leader"_s), f.clock.wallMs() + 15000);
}

void TestSessionTimers::expiryOfAlreadyDestroyedSessionIsHarmless()
{
    Fixture f;
    QVERIFY(f.createSession(kSession, u"10s"_s));
    f.timers.reset(kSession, 10 * kSecond);
    f.propose(command::sessionDestroy(kSession, f.clock.wallMs())); // destroyed without clear()
    QVERIFY(!f.hasSession(kSession));
    f.clock.advance(20000); // the timer still fires and proposes an idempotent destroy
    QCOMPARE(f.timers.count(), 0);
    QVERIFY(!f.hasSession(kSession));
}

void TestSessionTimers::destructorCancelsPendingTimers()
{
    SimClock clock;
    StateStore store;
    LocalCommitter committer(&store, u"127.0.0.1:8300"_s);
    {
        SessionTimers timers(&clock, &committer);
        timers.reset(kSession, 10 * kSecond);
        timers.reset(kOther, 10 * kSecond);
        QCOMPARE(clock.pendingCount(), 2);
    }
    QCOMPARE(clock.pendingCount(), 0);
    clock.advance(60000); // would use a dangling SessionTimers if anything were left
    QCOMPARE(store.lastIndex(), quint64(0));
}

QTEST_APPLESS_MAIN(TestSessionTimers)
#include "tst_sessiontimers.moc"

// The check machinery on its own: definitions and their Consul error texts, the success/failure
// counters, the runner's schedule and timeout on a simulated clock (a fake probe, and a real
// script whose timeout comes from the simulated clock), alias evaluation and persistence.
#include "SimClock.h"
#include "checks/Alias.h"
#include "checks/CheckRunner.h"
#include "checks/CheckSpec.h"
#include "checks/DockerRunner.h"
#include "checks/HttpResponse.h"
#include "checks/GrpcRunner.h"
#include "checks/OsServiceRunner.h"
#include "checks/LocalPersistence.h"
#include "checks/ProcessReaper.h"
#include "checks/StatusHandler.h"

#include <QJsonArray>
#include <QJsonObject>
#include <QSignalSpy>
#include <QElapsedTimer>
#include <QFile>
#include <QTemporaryDir>
#include <QTest>

using namespace qonsul;
using namespace qonsul::checks;
using namespace Qt::StringLiterals;
using qonsul::test::SimClock;

namespace {

// A probe the test finishes by hand.
class FakeRunner final : public CheckRunner
{
public:
    FakeRunner(Clock *clock, Nanoseconds interval, Nanoseconds timeout, Notify notify)
        : CheckRunner(clock, interval, timeout, std::move(notify))
    {
    }
    ~FakeRunner() override { stop(); }
    void complete(const QString &status, const QString &output) { finish({status, output}); }
    int begun = 0;
    int aborted = 0;
    int cancelled = 0;
    QList<qint64> beganAt;

protected:
    void begin() override
    {
        ++begun;
        beganAt.append(clock()->monotonicMs());
    }
    void abort() override
    {
        ++aborted;
        finish({u"critical"_s, u"timed out"_s});
    }
    void cancel() override { ++cancelled; }
};

CheckSpec spec(const QJsonObject &def)
{
    CheckSpec s;
    QString error;
    if (!parseCheckSpec(def, &s, &error))
        qWarning() << "unexpected error" << error;
    return s;
}

QString specError(const QJsonObject &def)
{
    CheckSpec s;
    QString error;
    return parseCheckSpec(def, &s, &error) ? QString() : error;
}

} // namespace

class TestChecks : public QObject
{
    Q_OBJECT

private Q_SLOTS:
    void kindsAndDefaults()
    {
        CheckSpec s = spec({{u"HTTP"_s, u"http://x/"_s}, {u"Interval"_s, u"5s"_s}});
        QCOMPARE(s.kind, Kind::Http);
        QCOMPARE(s.effectiveTimeout(), 10 * kSecond);
        s = spec({{u"args"_s, QJsonArray{u"true"_s}}, {u"interval"_s, u"5s"_s}});
        QCOMPARE(s.kind, Kind::Script);
        QCOMPARE(s.effectiveTimeout(), 30 * kSecond);
        s = spec({{u"script"_s, u"exit 0"_s}, {u"interval"_s, u"100ms"_s}, {u"timeout"_s, u"2s"_s}});
        QCOMPARE(s.kind, Kind::Script);
        QCOMPARE(s.effectiveInterval(), kSecond); // clamped to the 1s minimum
        QCOMPARE(s.effectiveTimeout(), 2 * kSecond);
        QCOMPARE(spec({{u"tcp"_s, u"a:1"_s}, {u"interval"_s, u"1s"_s}}).kind, Kind::Tcp);
        QVERIFY(!spec({{u"tcp"_s, u"a:1"_s}, {u"interval"_s, u"1s"_s}}).tcpUseTls);
        QVERIFY(spec({{u"tcp"_s, u"a:1"_s}, {u"tcp_use_tls"_s, true}, {u"interval"_s, u"1s"_s}}).tcpUseTls);
        QVERIFY(spec({{u"TCP"_s, u"a:1"_s}, {u"TCPUseTLS"_s, true}, {u"Interval"_s, u"1s"_s}}).tcpUseTls);
        QCOMPARE(spec({{u"udp"_s, u"a:1"_s}, {u"interval"_s, u"1s"_s}}).kind, Kind::Udp);
        QCOMPARE(spec({{u"ttl"_s, u"1s"_s}}).kind, Kind::Ttl);
        QCOMPARE(spec({{u"AliasService"_s, u"web"_s}}).kind, Kind::Alias);
        // gRPC, both spellings; it wins over http as in Consul's CheckType.Type
        s = spec({{u"grpc"_s, u"127.0.0.1:1/web"_s}, {u"grpc_use_tls"_s, true}, {u"tls_skip_verify"_s, true},
                  {u"tls_server_name"_s, u"db"_s}, {u"interval"_s, u"1s"_s}});
        QCOMPARE(s.kind, Kind::Grpc);
        QVERIFY(s.grpcUseTls && s.tlsSkipVerify);
        QCOMPARE(s.tlsServerName, u"db"_s);
        QCOMPARE(s.effectiveTimeout(), 10 * kSecond);
        s = spec({{u"GRPC"_s, u"a:1"_s}, {u"GRPCUseTLS"_s, true}, {u"HTTP"_s, u"http://a"_s}, {u"Interval"_s, u"1s"_s}});
        QCOMPARE(s.kind, Kind::Grpc);
        QVERIFY(s.grpcUseTls);
        QCOMPARE(kindName(s.kind), u"grpc"_s);
        s = spec({{u"h2ping"_s, u"a:1"_s}, {u"h2ping_use_tls"_s, true}, {u"interval"_s, u"1s"_s}});
        QCOMPARE(s.kind, Kind::H2Ping);
        QVERIFY(s.h2pingUseTls);
        QCOMPARE(spec({{u"H2PING"_s, u"a:1"_s}, {u"H2PingUseTLS"_s, true}, {u"Interval"_s, u"1s"_s}}).h2pingUseTls, true);
        s = spec({{u"os_service"_s, u"nginx.service"_s}, {u"interval"_s, u"1s"_s}});
        QCOMPARE(s.kind, Kind::OsService);
        QCOMPARE(s.effectiveTimeout(), 30 * kSecond);
        QCOMPARE(kindName(s.kind), u"os_service"_s);
        QCOMPARE(spec({{u"OSService"_s, u"x"_s}, {u"Interval"_s, u"1s"_s}}).osService, u"x"_s);
        // Docker: a script (args, or script run with shell -c) plus a container; it is a script check
        s = spec({{u"docker_container_id"_s, u"f00"_s}, {u"args"_s, QJsonArray{u"true"_s}}, {u"shell"_s, u"/bin/bash"_s},
                  {u"interval"_s, u"1s"_s}});
        QCOMPARE(s.kind, Kind::Docker);
        QVERIFY(s.isScript());
        QCOMPARE(s.shell, u"/bin/bash"_s);
        QCOMPARE(s.effectiveTimeout(), 30 * kSecond);
        QCOMPARE(kindName(s.kind), u"docker"_s);
        QCOMPARE(spec({{u"DockerContainerID"_s, u"f00"_s}, {u"Script"_s, u"exit 0"_s}, {u"Interval"_s, u"1s"_s}}).kind, Kind::Docker);
        // failures_before_warning defaults to failures_before_critical
        s = spec({{u"ttl"_s, u"1s"_s}, {u"failures_before_critical"_s, 3}});
        QCOMPARE(s.failuresBeforeWarning, 3);
        s = spec({{u"ttl"_s, u"1s"_s}, {u"failures_before_critical"_s, 3}, {u"FailuresBeforeWarning"_s, 1}});
        QCOMPARE(s.failuresBeforeWarning, 1);
        // output_max_size only lowers the agent's cap
        s = spec({{u"ttl"_s, u"1s"_s}, {u"output_max_size"_s, 100}});
        QCOMPARE(s.outputLimit(4096), 100);
        QCOMPARE(s.outputLimit(50), 50);
        s = spec({{u"Header"_s, QJsonObject{{u"X-A"_s, QJsonArray{u"1"_s, u"2"_s}}}}, {u"HTTP"_s, u"http://x"_s}, {u"Interval"_s, 1e9}});
        QCOMPARE(s.header.value(u"X-A"_s), (QStringList{u"1"_s, u"2"_s}));
        QCOMPARE(s.interval, kSecond); // a number is nanoseconds
    }

    void validationTexts()
    {
        QCOMPARE(specError({{u"HTTP"_s, u"http://x"_s}}), u"Interval must be > 0 for Script, HTTP, H2PING, TCP, UDP or OSService checks"_s);
        QCOMPARE(specError({{u"HTTP"_s, u"http://x"_s}, {u"Interval"_s, u"-5s"_s}}), u"Durations must not be negative"_s);
        QCOMPARE(specError({{u"Name"_s, u"x"_s}}), u"TTL must be > 0 for TTL checks"_s);
        QCOMPARE(specError({{u"TTL"_s, u"1s"_s}, {u"Interval"_s, u"1s"_s}}), u"Interval and TTL cannot both be specified"_s);
        QCOMPARE(specError({{u"AliasService"_s, u"w"_s}, {u"TTL"_s, u"1s"_s}}), u"TTL must be not be set for Alias checks"_s);
        QCOMPARE(specError({{u"AliasService"_s, u"w"_s}, {u"TCP"_s, u"a:1"_s}, {u"Interval"_s, u"1s"_s}}),
                 u"Interval cannot be set for Alias checks"_s);
        QCOMPARE(specError({{u"TTL"_s, u"1s"_s}, {u"OutputMaxSize"_s, -1}}), u"MaxOutputMaxSize must be positive"_s);
        QCOMPARE(specError({{u"TTL"_s, u"soon"_s}}), u"Request decode failed: time: invalid duration \"soon\""_s);
        QCOMPARE(specError({{u"GRPC"_s, u"a:1"_s}}), u"Interval must be > 0 for Script, HTTP, H2PING, TCP, UDP or OSService checks"_s);
        QCOMPARE(specError({{u"TTL"_s, u"1s"_s}, {u"SuccessBeforePassing"_s, u"two"_s}}),
                 u"Request decode failed: field SuccessBeforePassing: expected integer"_s);
    }

    void grpcHealthMessages()
    {
        // HealthCheckRequest{service: "web"} behind the 5-byte gRPC prefix; an empty service is empty.
        QCOMPARE(grpcHealthRequest(u"web"_s), QByteArray::fromHex("00000000050a03776562"));
        QCOMPARE(grpcHealthRequest(QString()), QByteArray::fromHex("0000000000"));
        QCOMPARE(grpcHealthStatus(QByteArray::fromHex("00000000020801")), 1);
        QCOMPARE(grpcHealthStatus(QByteArray::fromHex("00000000020802")), 2);
        QCOMPARE(grpcHealthStatus(QByteArray::fromHex("0000000000")), 0); // all defaults: UNKNOWN
        // unknown fields are skipped; truncated or compressed messages are refused
        QCOMPARE(grpcHealthStatus(QByteArray::fromHex("0000000006120268690801")), 1);
        QCOMPARE(grpcHealthStatus(QByteArray::fromHex("00000000061202686908")), -1);
        QCOMPARE(grpcHealthStatus(QByteArray::fromHex("000000000308")), -1);
        QCOMPARE(grpcHealthStatus(QByteArray::fromHex("01000000020801")), -1);
        QCOMPARE(grpcServingStatusName(2), u"NOT_SERVING"_s);
        QCOMPARE(grpcCodeName(5), u"NotFound"_s);
        QCOMPARE(grpcCodeName(99), u"Code(99)"_s);
    }

    void osServiceStates()
    {
        QCOMPARE(osServiceResult(u"web"_s, "active\n", "", 0).status, u"passing"_s);
        QCOMPARE(osServiceResult(u"web"_s, "active\n", "", 0).output, u"Service \"web\" is healthy"_s);
        QCOMPARE(osServiceResult(u"web"_s, "inactive\n", "", 3).status, u"critical"_s);
        QCOMPARE(osServiceResult(u"web"_s, "failed\n", "", 3).output, u"service status: failed - OS Service unhealthy"_s);
        QCOMPARE(osServiceResult(u"web"_s, "deactivating\n", "", 3).status, u"warning"_s);
        QCOMPARE(osServiceResult(u"web"_s, "reloading\n", "", 3).output, u"service status: reloading"_s);
        const CheckResult noBus = osServiceResult(u"web"_s, "", "Failed to connect to bus: No such file or directory\n", 1);
        QCOMPARE(noBus.status, u"warning"_s);
        QCOMPARE(noBus.output, u"error querying service status: Failed to connect to bus: No such file or directory"_s);
    }

    void httpResponseParsing()
    {
        int status = 0;
        QByteArray headers, body;
        QVERIFY(parseHttpResponse("HTTP/1.1 201 Created\r\nContent-Length: 11\r\n\r\n{\"Id\":\"ab\"}", &status, &headers, &body));
        QCOMPARE(status, 201);
        QCOMPARE(body, QByteArray("{\"Id\":\"ab\"}"));
        QVERIFY(parseHttpResponse("HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n3\r\nabc\r\n2;x=y\r\nde\r\n0\r\n\r\n",
                                  &status, &headers, &body));
        QCOMPARE(body, QByteArray("abcde"));
        QVERIFY(parseHttpResponse("HTTP/1.0 404 Not Found\r\n\r\nuntil close", &status, &headers, &body));
        QCOMPARE(status, 404);
        QCOMPARE(body, QByteArray("until close"));
        QVERIFY(!parseHttpResponse("HTTP/1.1 200 OK\r\nContent-Length: 9\r\n\r\nshort", &status, &headers, &body));
        QVERIFY(!parseHttpResponse("HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\nzz\r\n", &status, &headers, &body));
        QVERIFY(!parseHttpResponse("SSH-2.0-OpenSSH\r\n\r\n", &status, &headers, &body));
    }

    void statusHandlerCounters()
    {
        // Defaults: every result goes through.
        StatusHandler plain;
        QCOMPARE(plain.update(u"critical"_s, u"a"_s)->status, u"critical"_s);
        QCOMPARE(plain.update(u"passing"_s, u"b"_s)->status, u"passing"_s);

        // success_before_passing 2, failures_before_warning 1, failures_before_critical 3.
        StatusHandler h(2, 1, 3);
        QCOMPARE(h.update(u"passing"_s, u""_s)->status, u"passing"_s); // first result at once
        QCOMPARE(h.update(u"critical"_s, u"x"_s)->status, u"warning"_s); // 1 failure: warning
        QCOMPARE(h.update(u"critical"_s, u"x"_s)->status, u"warning"_s); // 2
        QCOMPARE(h.update(u"critical"_s, u"x"_s)->status, u"critical"_s); // 3: critical
        QVERIFY(!h.update(u"passing"_s, u""_s)); // 1 success: not yet
        QCOMPARE(h.update(u"passing"_s, u""_s)->status, u"passing"_s); // 2
        QVERIFY(h.update(u"warning"_s, u""_s)); // warning counts as a success

        StatusHandler strict(0, 2, 2);
        QCOMPARE(strict.update(u"critical"_s, u""_s)->status, u"critical"_s); // starts at threshold
        QCOMPARE(strict.update(u"passing"_s, u""_s)->status, u"passing"_s);
        QVERIFY(!strict.update(u"critical"_s, u""_s)); // 1 of 2: swallowed
        QCOMPARE(strict.update(u"critical"_s, u""_s)->status, u"critical"_s);
    }

    void runnerScheduleAndTimeout()
    {
        SimClock clock;
        QList<CheckResult> results;
        FakeRunner r(&clock, 10 * kSecond, 3 * kSecond, [&](const CheckResult &res) { results.append(res); });
        r.start(500);
        clock.advance(499);
        QCOMPARE(r.begun, 0);
        clock.advance(1);
        QCOMPARE(r.begun, 1);
        QVERIFY(r.running());
        clock.advance(200);
        r.complete(u"passing"_s, u"ok"_s);
        QCOMPARE(results.size(), 1);
        // Fixed rate: the next probe is due one interval after the previous one was due, however
        // long the probe took.
        clock.advance(9799);
        QCOMPARE(r.begun, 1);
        clock.advance(1);
        QCOMPARE(r.begun, 2);
        QCOMPARE(r.beganAt.at(1) - r.beganAt.at(0), 10000);
        // A probe that does not finish is aborted at the timeout.
        clock.advance(2999);
        QCOMPARE(r.aborted, 0);
        clock.advance(1);
        QCOMPARE(r.aborted, 1);
        QCOMPARE(results.last().output, u"timed out"_s);
        // A late completion of the aborted probe is ignored.
        r.complete(u"passing"_s, u"late"_s);
        QCOMPARE(results.size(), 2);
        clock.advance(7000);
        QCOMPARE(r.begun, 3);
        QCOMPARE(r.beganAt.at(2) - r.beganAt.at(1), 10000);
        r.stop();
        QCOMPARE(r.cancelled, 1);
        QCOMPARE(clock.pendingCount(), 0);
    }

    void runnerAfterAnOverrun()
    {
        // A probe that takes longer than the interval: the next one comes an interval after it
        // finished (Consul's rule), then the fixed rate goes on from there.
        SimClock clock;
        FakeRunner r(&clock, kSecond, 3 * kSecond, [](const CheckResult &) {});
        r.start(0);
        clock.advance(0);
        QCOMPARE(r.begun, 1);
        clock.advance(2500);
        r.complete(u"passing"_s, u"slow"_s);
        clock.advance(999);
        QCOMPARE(r.begun, 1);
        clock.advance(1);
        QCOMPARE(r.begun, 2);
        QCOMPARE(r.beganAt.at(1), 3500);
        clock.advance(10);
        r.complete(u"passing"_s, u"fast"_s);
        clock.advance(990);
        QCOMPARE(r.begun, 3);
        QCOMPARE(r.beganAt.at(2), 4500);
    }

    void runnerRandomStaggerWithinInterval()
    {
        for (int i = 0; i < 20; ++i) {
            SimClock clock;
            FakeRunner r(&clock, 2 * kSecond, kSecond, [](const CheckResult &) {});
            r.start();
            QVERIFY(*clock.nextDeadlineMs() < 2000);
        }
    }

    void scriptExitCodesAndOutput()
    {
        SimClock clock;
        for (const auto &[script, status] : QList<QPair<QString, QString>>{{u"echo out; echo err >&2; exit 0"_s, u"passing"_s},
                                                                          {u"echo w; exit 1"_s, u"warning"_s},
                                                                          {u"exit 2"_s, u"critical"_s},
                                                                          {u"kill -9 $$"_s, u"critical"_s}}) {
            std::optional<CheckResult> got;
            ScriptRunner r(&clock, spec({{u"script"_s, script}, {u"interval"_s, u"10s"_s}}), 4096,
                           [&](const CheckResult &res) { got = res; });
            r.start(0);
            clock.advance(0);
            QTRY_VERIFY_WITH_TIMEOUT(got.has_value(), 10000);
            QCOMPARE(got->status, status);
            if (status == u"passing")
                QCOMPARE(got->output, u"out\nerr\n"_s);
        }
        // args are exec'd without a shell; a missing program is critical
        std::optional<CheckResult> got;
        ScriptRunner missing(&clock, spec({{u"args"_s, QJsonArray{u"/nonexistent/check"_s}}, {u"interval"_s, u"10s"_s}}), 4096,
                             [&](const CheckResult &res) { got = res; });
        missing.start(0);
        clock.advance(0);
        QTRY_VERIFY_WITH_TIMEOUT(got.has_value(), 10000);
        QCOMPARE(got->status, u"critical"_s);
    }

    void scriptOutputIsCapped()
    {
        SimClock clock;
        std::optional<CheckResult> got;
        ScriptRunner r(&clock, spec({{u"script"_s, u"printf 'aaaaaaaaaabbbbbbbbbb'"_s}, {u"interval"_s, u"10s"_s}}), 10,
                       [&](const CheckResult &res) { got = res; });
        r.start(0);
        clock.advance(0);
        QTRY_VERIFY_WITH_TIMEOUT(got.has_value(), 10000);
        QCOMPARE(got->output, u"Captured 10 of 20 bytes\n...\nbbbbbbbbbb"_s);
    }

    void scriptTimeoutKillsTheProcessGroup()
    {
        // The timeout comes from the simulated clock; the child ignores SIGTERM and has a child.
        QTemporaryDir dir;
        const QString marker = dir.filePath(u"grandchild-alive"_s);
        SimClock clock;
        std::optional<CheckResult> got;
        ScriptRunner r(&clock,
                       spec({{u"script"_s, u"trap '' TERM; echo started; (sleep 3; touch %1) & sleep 30"_s.arg(marker)},
                             {u"interval"_s, u"10s"_s}, {u"timeout"_s, u"5s"_s}}),
                       4096, [&](const CheckResult &res) { got = res; });
        r.start(0);
        clock.advance(0);
        QTest::qWait(300); // let it start and print
        clock.advance(5000);
        QTRY_VERIFY_WITH_TIMEOUT(got.has_value(), 5000);
        QCOMPARE(got->status, u"critical"_s);
        QVERIFY(got->bypassCounters);
        QCOMPARE(got->output, u"Timed out (5s) running check\n\nstarted\n"_s);
        QVERIFY(!r.running());
        QTest::qWait(3500);
        QVERIFY2(!QFile::exists(marker), "the background child outlived the timeout");
    }

    void stoppedProcessesAreReapedWithoutWaiting()
    {
        // A script or OS-service check stopped (deregistered, replaced) while its child runs:
        // the runner kills the child and hands the process to the reaper instead of waiting
        // for it on the event loop; the reaper drops it once the child has exited.
        QTemporaryDir bin;
        QFile fake(bin.filePath(u"systemctl"_s));
        QVERIFY(fake.open(QIODevice::WriteOnly));
        fake.write("#!/bin/sh\nexec sleep 30\n");
        fake.close();
        fake.setPermissions(fake.permissions() | QFileDevice::ExeOwner);
        const QByteArray path = qgetenv("PATH");
        qputenv("PATH", bin.path().toUtf8() + ':' + path);
        SimClock clock;
        const CheckRunner::Notify ignore = [](const CheckResult &) { QFAIL("a stopped check reported"); };
        auto script = std::make_unique<ScriptRunner>(&clock, spec({{u"script"_s, u"sleep 30"_s}, {u"interval"_s, u"10s"_s}}),
                                                     4096, ignore);
        auto service = std::make_unique<OsServiceRunner>(&clock, spec({{u"os_service"_s, u"web"_s}, {u"interval"_s, u"10s"_s}}),
                                                         ignore);
        script->start(0);
        service->start(0);
        clock.advance(0);
        qputenv("PATH", path);
        QVERIFY(script->running() && service->running());
        QTest::qWait(200); // both children are running
        ProcessReaper *reaper = ProcessReaper::instance();
        const int before = reaper->pending();
        QElapsedTimer took;
        took.start();
        script->stop();
        service.reset();
        QVERIFY2(took.elapsed() < 100, "stopping waited for the children");
        QCOMPARE(reaper->pending(), before + 2); // still to be reaped by the event loop
        QTRY_COMPARE_WITH_TIMEOUT(reaper->pending(), before, 5000);
    }

    void aliasEvaluation()
    {
        auto check = [](const QString &id, const QString &service, const QString &status, const QString &output = {}) {
            api::HealthCheck c;
            c.node = u"n1"_s;
            c.checkId = id;
            c.name = id;
            c.serviceId = service;
            c.status = status;
            c.output = output;
            return c;
        };
        QCOMPARE(evaluateAlias({}, {}, u"web"_s, true).output, u"No checks found."_s);
        QCOMPARE(evaluateAlias({}, {}, u"web"_s, false).output, u"Service web could not be found on node "_s);
        CheckResult r = evaluateAlias({check(u"a"_s, u"web"_s, u"passing"_s)}, {}, u"web"_s, true);
        QCOMPARE(r.status, u"passing"_s);
        QCOMPARE(r.output, u"All checks passing."_s);
        r = evaluateAlias({check(u"a"_s, u"web"_s, u"warning"_s, u"slow"_s), check(u"b"_s, u"db"_s, u"critical"_s),
                           check(u"c"_s, u"web"_s, u"passing"_s)},
                          {}, u"web"_s, true);
        QCOMPARE(r.status, u"warning"_s);
        QCOMPARE(r.output, u"Aliased check \"a\" failing: slow"_s);
        // node-level checks count for a service alias
        r = evaluateAlias({check(u"n"_s, {}, u"critical"_s, u"down"_s), check(u"a"_s, u"web"_s, u"passing"_s)}, {}, u"web"_s, true);
        QCOMPARE(r.status, u"critical"_s);
    }

    void persistenceRoundTrip()
    {
        QTemporaryDir dir;
        LocalPersistence p(dir.path());
        QString error;
        QVERIFY(p.saveService(u"web/1"_s, QJsonObject{{u"Name"_s, u"web"_s}}, u"tok"_s, &error));
        QVERIFY(p.saveCheck(u"service:web/1"_s, QJsonObject{{u"TTL"_s, u"10s"_s}}, {}, &error));
        QVERIFY(p.saveCheckState({u"service:web/1"_s, u"passing"_s, u"fine"_s, 5000}, &error));
        LocalPersistence again(dir.path());
        const auto services = again.services();
        QCOMPARE(services.size(), 1);
        QCOMPARE(services.at(0).id, u"web/1"_s);
        QCOMPARE(services.at(0).token, u"tok"_s);
        QCOMPARE(services.at(0).definition.value(u"Name").toString(), u"web"_s);
        QCOMPARE(again.checks().size(), 1);
        QCOMPARE(again.checkState(u"service:web/1"_s, 4999)->output, u"fine"_s);
        QVERIFY(!again.checkState(u"service:web/1"_s, 5000)); // expired: not restored
        // a corrupt file is skipped with a warning
        QFile bad(dir.filePath(u"services/"_s + LocalPersistence::fileName(u"x"_s)));
        QVERIFY(bad.open(QIODevice::WriteOnly));
        bad.write("{not json");
        bad.close();
        QStringList warnings;
        QCOMPARE(again.services(&warnings).size(), 1);
        QCOMPARE(warnings.size(), 1);
        QVERIFY(again.removeService(u"web/1"_s));
        QVERIFY(again.removeCheck(u"service:web/1"_s));
        QCOMPARE(again.checks().size(), 0);
        QVERIFY(!again.checkState(u"service:web/1"_s, 0));
    }
};

QTEST_GUILESS_MAIN(TestChecks)
#include "tst_checks.moc"

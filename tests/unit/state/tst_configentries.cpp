// Config entries: decoding and validation as Consul's /v1/config does it (configentry::normalise),
// and the state store's table (check-and-set writes and deletes, indexes, watches, snapshots).
#include "state/Command.h"
#include "state/ConfigEntry.h"
#include "state/StateStore.h"

#include <QJsonArray>
#include <QJsonDocument>
#include <QTest>

using namespace qonsul;
using namespace qonsul::state;
using namespace Qt::StringLiterals;

namespace {

QJsonObject obj(const char *json)
{
    QJsonParseError error;
    const QJsonDocument doc = QJsonDocument::fromJson(QByteArray(json), &error);
    if (error.error != QJsonParseError::NoError || !doc.isObject())
        qFatal("bad JSON in test: %s (%s)", json, qPrintable(error.errorString()));
    return doc.object();
}

ApplyResult apply(StateStore &s, const QCborMap &cmd)
{
    return s.apply(s.lastIndex() + 1, cmd);
}

QJsonObject normalised(const char *json)
{
    QJsonObject entry;
    bool decodeError = false;
    const QString error = configentry::normalise(obj(json), &entry, &decodeError);
    if (!error.isEmpty())
        qFatal("normalise failed: %s", qPrintable(error));
    return entry;
}

bool set(StateStore &s, const char *json, std::optional<quint64> cas = std::nullopt)
{
    const ApplyResult r = apply(s, command::configSet(normalised(json), cas));
    return r.error.isEmpty() && r.value.toBool();
}

std::optional<QJsonObject> get(const StateStore &s, const QString &kind, const QString &name)
{
    std::optional<QJsonObject> e;
    s.configEntry(kind, name, &e);
    return e;
}

} // namespace

class TestConfigEntries : public QObject
{
    Q_OBJECT

private Q_SLOTS:
    void decodeErrors_data();
    void decodeErrors();
    void snakeCaseKeysAreConsulsFieldNames();
    void proxyDefaultsIsGlobal();
    void ingressGatewayDefaults();
    void ingressGatewayValidation_data();
    void ingressGatewayValidation();
    void writeReadListWithIndexes();
    void checkAndSetWrite();
    void deleteWithAndWithoutCas();
    void watchWokenByWritesOnly();
    void snapshotRoundTrip();
};

void TestConfigEntries::decodeErrors_data()
{
    QTest::addColumn<QByteArray>("body");
    QTest::addColumn<QString>("error");
    QTest::newRow("no kind")
        << QByteArray(R"({"Name":"web"})")
        << u"Request decoding failed: Payload does not contain a kind/Kind key at the top level"_s;
    QTest::newRow("unknown kind") << QByteArray(R"({"Kind":"service-default","Name":"web"})")
                                  << u"Request decoding failed: invalid config entry kind: service-default"_s;
    QTest::newRow("kind not a string")
        << QByteArray(R"({"Kind":3})") << u"Request decoding failed: Kind value in payload is not a string"_s;
}

void TestConfigEntries::decodeErrors()
{
    QFETCH(QByteArray, body);
    QFETCH(QString, error);
    QJsonObject entry;
    bool decodeError = false;
    QCOMPARE(configentry::normalise(QJsonDocument::fromJson(body).object(), &entry, &decodeError), error);
    QVERIFY(decodeError);
}

void TestConfigEntries::snakeCaseKeysAreConsulsFieldNames()
{
    const QJsonObject e = normalised(R"({"kind":"ingress-gateway","name":"gw","tls":{"enabled":true,
        "tls_min_version":"TLSv1_2"},"listeners":[{"port":8080,"protocol":"HTTP","services":[{"name":"web",
        "hosts":["web.example.com"]}]}],"meta":{"owner_team":"x"}})");
    QCOMPARE(e.value(u"Kind").toString(), u"ingress-gateway"_s);
    QCOMPARE(e.value(u"Name").toString(), u"gw"_s);
    QCOMPARE(e.value(u"TLS").toObject().value(u"Enabled").toBool(), true);
    QCOMPARE(e.value(u"TLS").toObject().value(u"TLSMinVersion").toString(), u"TLSv1_2"_s);
    const QJsonObject listener = e.value(u"Listeners").toArray().first().toObject();
    QCOMPARE(listener.value(u"Port").toInt(), 8080);
    QCOMPARE(listener.value(u"Protocol").toString(), u"http"_s); // lower-cased, as Consul's Normalize
    QCOMPARE(
        listener.value(u"Services").toArray().first().toObject().value(u"Hosts").toArray().first().toString(),
        u"web.example.com"_s);
    QCOMPARE(e.value(u"Meta").toObject().value(u"owner_team").toString(), u"x"_s); // user keys stay
    QCOMPARE(configentry::ingressServices(e), QStringList { u"web"_s });
}

void TestConfigEntries::proxyDefaultsIsGlobal()
{
    QCOMPARE(
        normalised(R"({"Kind":"proxy-defaults","Config":{"protocol":"http"}})").value(u"Name").toString(),
        u"global"_s);
    QJsonObject entry;
    bool decodeError = true;
    QCOMPARE(configentry::normalise(obj(R"({"Kind":"proxy-defaults","Name":"web"})"), &entry, &decodeError),
        uR"(invalid name ("web"), only "global" is supported)"_s);
    QVERIFY(!decodeError);
}

void TestConfigEntries::ingressGatewayDefaults()
{
    const QJsonObject e = normalised(R"({"Kind":"ingress-gateway","Name":"gw","Listeners":[{"Port":9999,
        "Services":[{"Name":"db"}]}]})");
    QCOMPARE(e.value(u"TLS").toObject(), obj(R"({"Enabled":false})"));
    const QJsonObject listener = e.value(u"Listeners").toArray().first().toObject();
    QCOMPARE(listener.value(u"Protocol").toString(), u"tcp"_s);
    QVERIFY(listener.value(u"Services").toArray().first().toObject().value(u"Hosts").isNull());
}

void TestConfigEntries::ingressGatewayValidation_data()
{
    QTest::addColumn<QByteArray>("listeners");
    QTest::addColumn<QString>("error");
    QTest::newRow("two listeners one port")
        << QByteArray(R"([{"Port":1,"Services":[{"Name":"a"}]},{"Port":1,"Services":[{"Name":"b"}]}])")
        << u"port 1 declared on two listeners"_s;
    QTest::newRow("protocol")
        << QByteArray(R"([{"Port":1,"Protocol":"udp","Services":[{"Name":"a"}]}])")
        << u"protocol must be 'tcp', 'http', 'http2', or 'grpc'. 'udp' is an unsupported protocol"_s;
    QTest::newRow("no service") << QByteArray(R"([{"Port":2}])")
                                << u"No service declared for listener with port 2"_s;
    QTest::newRow("tcp with two")
        << QByteArray(R"([{"Port":3,"Services":[{"Name":"a"},{"Name":"b"}]}])")
        << u"Multiple services per listener are only supported for L7 protocols, 'http', "
           "'grpc' and 'http2' (listener on port 3)"_s;
    QTest::newRow("tcp wildcard")
        << QByteArray(R"([{"Port":4,"Services":[{"Name":"*"}]}])")
        << u"Wildcard service name is only valid for protocol = 'http' (listener on port 4)"_s;
    QTest::newRow("blank name") << QByteArray(R"([{"Port":5,"Protocol":"http","Services":[{"Name":""}]}])")
                                << u"Service name cannot be blank (listener on port 5)"_s;
    QTest::newRow("twice") << QByteArray(
        R"([{"Port":6,"Protocol":"http","Services":[{"Name":"a"},{"Name":"a"}]}])")
                           << u"Service a cannot be added multiple times (listener on port 6)"_s;
    QTest::newRow("bad host")
        << QByteArray(R"([{"Port":7,"Protocol":"http","Services":[{"Name":"a","Hosts":["a.*.b"]}]}])")
        << u"Host \"a.*.b\" is not valid, a wildcard specifier is only allowed as the leftmost label"_s;
}

void TestConfigEntries::ingressGatewayValidation()
{
    QFETCH(QByteArray, listeners);
    QFETCH(QString, error);
    QJsonObject body = obj(R"({"Kind":"ingress-gateway","Name":"gw"})");
    body.insert(u"Listeners"_s, QJsonDocument::fromJson(listeners).array());
    QJsonObject entry;
    bool decodeError = true;
    QCOMPARE(configentry::normalise(body, &entry, &decodeError), error);
    QVERIFY(!decodeError);
}

void TestConfigEntries::writeReadListWithIndexes()
{
    StateStore s;
    QVERIFY(set(s, R"({"Kind":"service-defaults","Name":"web","Protocol":"http"})"));
    const quint64 first = s.lastIndex();
    QVERIFY(set(s, R"({"Kind":"service-defaults","Name":"db","Protocol":"tcp"})"));
    QVERIFY(set(s, R"({"Kind":"proxy-defaults","Name":"global"})"));
    QVERIFY(set(s, R"({"Kind":"service-defaults","Name":"web","Protocol":"grpc"})"));
    const std::optional<QJsonObject> web = get(s, u"service-defaults"_s, u"web"_s);
    QVERIFY(web);
    QCOMPARE(web->value(u"Protocol").toString(), u"grpc"_s);
    QCOMPARE(quint64(web->value(u"CreateIndex").toDouble()), first);
    QCOMPARE(quint64(web->value(u"ModifyIndex").toDouble()), s.lastIndex());
    // The same entry again: nothing changes, not even the index.
    QVERIFY(set(s, R"({"Kind":"service-defaults","Name":"web","Protocol":"grpc"})"));
    QCOMPARE(quint64(get(s, u"service-defaults"_s, u"web"_s)->value(u"ModifyIndex").toDouble()),
        s.lastIndex() - 1);
    QCOMPARE(s.tableIndex(u"config-entries"), s.lastIndex() - 1);
    QVERIFY(!get(s, u"service-defaults"_s, u"nope"_s));
    QList<QJsonObject> list;
    QCOMPARE(s.configEntries(u"service-defaults"_s, &list), s.lastIndex() - 1);
    QCOMPARE(list.size(), 2);
    QCOMPARE(list.at(0).value(u"Name").toString(), u"db"_s); // by name
    list.clear();
    s.configEntries(QString(), &list);
    QCOMPARE(list.size(), 3);
}

void TestConfigEntries::checkAndSetWrite()
{
    StateStore s;
    QVERIFY(set(s, R"({"Kind":"service-defaults","Name":"web"})", 0)); // cas=0: only when new
    const quint64 created = s.lastIndex();
    QVERIFY(!set(s, R"({"Kind":"service-defaults","Name":"web"})", 0));
    QVERIFY(!set(s, R"({"Kind":"service-defaults","Name":"web","Protocol":"http"})", created + 5));
    QVERIFY(set(s, R"({"Kind":"service-defaults","Name":"web","Protocol":"http"})", created));
    QCOMPARE(get(s, u"service-defaults"_s, u"web"_s)->value(u"Protocol").toString(), u"http"_s);
}

void TestConfigEntries::deleteWithAndWithoutCas()
{
    StateStore s;
    QVERIFY(set(s, R"({"Kind":"service-defaults","Name":"web"})"));
    const quint64 at = s.lastIndex();
    QCOMPARE(apply(s, command::configDelete(u"service-defaults"_s, u"web"_s, 0)).value.toBool(), false);
    QCOMPARE(apply(s, command::configDelete(u"service-defaults"_s, u"web"_s, at + 1)).value.toBool(), false);
    QVERIFY(get(s, u"service-defaults"_s, u"web"_s));
    QCOMPARE(apply(s, command::configDelete(u"service-defaults"_s, u"web"_s, at)).value.toBool(), true);
    QVERIFY(!get(s, u"service-defaults"_s, u"web"_s));
    QCOMPARE(s.tableIndex(u"config-entries"), s.lastIndex());
    // Without cas a missing entry is deleted already; with cas it was not deleted.
    QCOMPARE(
        apply(s, command::configDelete(u"service-defaults"_s, u"web"_s, std::nullopt)).value.toBool(), true);
    QCOMPARE(apply(s, command::configDelete(u"service-defaults"_s, u"web"_s, at)).value.toBool(), false);
    QCOMPARE(s.tableIndex(u"config-entries"), s.lastIndex() - 2); // nothing changed since
}

void TestConfigEntries::watchWokenByWritesOnly()
{
    StateStore s;
    int woken = 0;
    WatchSet ws;
    QList<QJsonObject> list;
    s.configEntries(u"ingress-gateway"_s, &list, &ws);
    auto watch = s.watches().watch(ws, [&woken] { ++woken; });
    apply(s, command::kv(u"set"_s, u"k"_s, "v"));
    QCOMPARE(woken, 0);
    QVERIFY(set(s, R"({"Kind":"ingress-gateway","Name":"gw","Listeners":[]})"));
    QCOMPARE(woken, 1);
}

void TestConfigEntries::snapshotRoundTrip()
{
    StateStore s;
    QVERIFY(set(s, R"({"Kind":"service-defaults","Name":"web","Protocol":"http"})"));
    QVERIFY(set(s, R"({"Kind":"ingress-gateway","Name":"gw","Listeners":[{"Port":80,"Protocol":"http",
        "Services":[{"Name":"web"}]}]})"));
    StateStore restored;
    QString error;
    QVERIFY2(restored.restore(s.snapshot(), &error), qPrintable(error));
    QCOMPARE(get(restored, u"service-defaults"_s, u"web"_s), get(s, u"service-defaults"_s, u"web"_s));
    QCOMPARE(get(restored, u"ingress-gateway"_s, u"gw"_s), get(s, u"ingress-gateway"_s, u"gw"_s));
    QCOMPARE(restored.tableIndex(u"config-entries"), s.tableIndex(u"config-entries"));
}

QTEST_GUILESS_MAIN(TestConfigEntries)
#include "tst_configentries.moc"

// Prepared queries in the state store: decoding and validation, integrity checks on write,
// resolution by ID / name / longest template prefix, template rendering, result filters,
// deletion with their session, and snapshot/restore.
#include "state/Command.h"
#include "state/PreparedQuery.h"
#include "state/StateStore.h"

#include <QJsonArray>
#include <QJsonDocument>
#include <QtTest>

using namespace qonsul;
using namespace qonsul::state;
using namespace Qt::StringLiterals;

namespace {

constexpr qint64 kNow = 1700000000000;

QJsonObject obj(const char *json) { return QJsonDocument::fromJson(json).object(); }

ApplyResult apply(StateStore &s, const QCborMap &cmd) { return s.apply(s.lastIndex() + 1, cmd); }

// Normalises `body` and stores it under `id`; returns the error (empty on success).
QString create(StateStore &s, const QString &id, const char *body)
{
    QJsonObject definition;
    bool decodeError = false;
    const QString error = preparedquery::normalise(obj(body), &definition, &decodeError);
    if (!error.isEmpty())
        return error;
    definition.insert(u"ID"_s, id);
    return apply(s, command::querySet(definition, true)).error;
}

std::optional<PreparedQuery> resolve(const StateStore &s, const QString &name, QString *error = nullptr)
{
    QString ignored;
    std::optional<PreparedQuery> out;
    s.resolvePreparedQuery(name, &out, error ? error : &ignored);
    return out;
}

QString serviceOf(const std::optional<PreparedQuery> &q)
{
    return q ? q->definition.value(u"Service").toObject().value(u"Service").toString() : QString();
}

const QString kId1 = u"11111111-1111-1111-1111-111111111111"_s;
const QString kId2 = u"22222222-2222-2222-2222-222222222222"_s;
const QString kId3 = u"33333333-3333-3333-3333-333333333333"_s;

// Node n1 with three "db" instances: passing, warning, and critical through a check.
void seedDb(StateStore &s)
{
    const char *body = R"({"Node":"n1","Address":"10.0.0.1","NodeMeta":{"rack":"r1"}, "Check":{"CheckID":"serfHealth","Name":"Serf Health Status","Status":"passing"}})";
    QVERIFY(apply(s, command::registerNode(obj(body), kNow)).error.isEmpty());
    const char *services[] = {
        R"({"Node":"n1","Address":"10.0.0.1","NodeMeta":{"rack":"r1"},"Service":{"ID":"db1","Service":"db","Tags":["Primary"],"Meta":{"v":"1"}}, "Check":{"CheckID":"c1","Name":"c1","Status":"passing","ServiceID":"db1"}})",
        R"({"Node":"n1","Address":"10.0.0.1","NodeMeta":{"rack":"r1"},"Service":{"ID":"db2","Service":"db","Tags":["replica"],"Meta":{"v":"2"}}, "Check":{"CheckID":"c2","Name":"c2","Status":"warning","ServiceID":"db2"}})",
        R"({"Node":"n1","Address":"10.0.0.1","NodeMeta":{"rack":"r1"},"Service":{"ID":"db3","Service":"db","Tags":["replica","old"]}, "Check":{"CheckID":"flaky","Name":"flaky","Status":"critical","ServiceID":"db3"}})",
    };
    for (const char *b : services)
        QVERIFY(apply(s, command::registerNode(obj(b), kNow)).error.isEmpty());
}

QStringList executeIds(const StateStore &s, const QString &name)
{
    const std::optional<PreparedQuery> q = resolve(s, name);
    if (!q)
        return {};
    QList<HealthEntry> all;
    s.healthService(serviceOf(q), &all);
    QStringList ids;
    for (const HealthEntry &e : preparedquery::filter(q->definition, all))
        ids << e.service.id;
    ids.sort();
    return ids;
}

} // namespace

class TestPreparedQuery : public QObject
{
    Q_OBJECT

private Q_SLOTS:
    void decodingAndValidation()
    {
        QJsonObject d;
        bool decodeError = false;
        QCOMPARE(preparedquery::normalise(obj(R"({"Name":"x"})"), &d, &decodeError),
                 u"Must provide a Service name to query"_s);
        QVERIFY(!decodeError);
        QVERIFY(preparedquery::normalise(obj(R"({"Service":{"Service":["a"]}})"), &d, &decodeError)
                    .startsWith(u"Request decode failed: json: cannot unmarshal array"_s));
        QVERIFY(decodeError);
        QCOMPARE(preparedquery::normalise(obj(R"({"Service":{"Service":"a"},"DNS":{"TTL":"soon"}})"), &d, &decodeError),
                 u"Bad DNS TTL 'soon': time: invalid duration \"soon\""_s);
        QCOMPARE(preparedquery::normalise(obj(R"({"Service":{"Service":"a","Failover":{"NearestN":-1}}})"), &d,
                                          &decodeError),
                 u"Bad NearestN '-1', must be >= 0"_s);
        QCOMPARE(preparedquery::normalise(obj(R"({"Template":{"Type":"glob"},"Service":{"Service":"a"}})"), &d,
                                          &decodeError),
                 u"Bad Template.Type 'glob'"_s);
        QVERIFY(preparedquery::normalise(obj("{\"Template\":{\"Type\":\"name_prefix_match\",\"Regexp\":\"[\"},\"Service\":{\"Service\":\"a\"}}"),
                                         &d, &decodeError)
                    .startsWith(u"Invalid query template regexp"_s));
        // Field names match case-insensitively, as Go decodes them; absent lists are null.
        QVERIFY(preparedquery::normalise(obj(R"({"name":"q","service":{"service":"web","onlypassing":true}})"), &d,
                                         &decodeError)
                    .isEmpty());
        QCOMPARE(d.value(u"Name"_s).toString(), u"q"_s);
        QCOMPARE(d.value(u"Service"_s).toObject().value(u"OnlyPassing"_s).toBool(), true);
        QVERIFY(d.value(u"Service"_s).toObject().value(u"Tags"_s).isNull());
    }

    void integrityChecksOnWrite()
    {
        StateStore s;
        QCOMPARE(create(s, kId1, R"({"Name":"q","Service":{"Service":"db"}})"), QString());
        QCOMPARE(create(s, kId2, R"({"Name":"Q","Service":{"Service":"db"}})"), u"name 'Q' aliases an existing query name"_s);
        QCOMPARE(create(s, kId2, qPrintable(QStringLiteral(R"({"Name":"%1","Service":{"Service":"db"}})").arg(kId1))),
                 QStringLiteral("name '%1' aliases an existing query id").arg(kId1));
        QCOMPARE(create(s, kId2, R"({"Session":"nope","Service":{"Service":"db"}})"), u"invalid session \"nope\""_s);
        QCOMPARE(create(s, kId2, R"({"Template":{"Type":"name_prefix_match"},"Service":{"Service":"${name.full}"}})"),
                 QString());
        QCOMPARE(create(s, kId3, R"({"Template":{"Type":"name_prefix_match"},"Service":{"Service":"x"}})"),
                 u"a query template with an empty name already exists"_s);
        // Update of an unknown ID, delete of an unknown ID.
        QJsonObject d = obj(R"({"ID":"44444444-4444-4444-4444-444444444444","Service":{"Service":"db"}})");
        QCOMPARE(apply(s, command::querySet(d, false)).error,
                 u"Cannot modify non-existent prepared query: '44444444-4444-4444-4444-444444444444'"_s);
        QCOMPARE(apply(s, command::queryDelete(kId3)).error,
                 QStringLiteral("Cannot modify non-existent prepared query: '%1'").arg(kId3));
        QList<PreparedQuery> all;
        s.preparedQueries(&all);
        QCOMPARE(all.size(), 2);
    }

    void resolutionOrder()
    {
        StateStore s;
        QCOMPARE(create(s, kId1, R"({"Name":"geo","Template":{"Type":"name_prefix_match"}, "Service":{"Service":"short-${name.suffix}"}})"),
                 QString());
        QCOMPARE(create(s, kId2, R"({"Name":"geo-db","Template":{"Type":"name_prefix_match", "Regexp":"^geo-db-(.*?)-([^\\-]+?)$"}, "Service":{"Service":"mysql-${match(1)}","Tags":["${match(2)}",""]}})"),
                 QString());
        QCOMPARE(create(s, kId3, R"({"Name":"geo-db-static","Service":{"Service":"static"}})"), QString());
        // Exact name first, then the longest template prefix; names are case-insensitive.
        QCOMPARE(serviceOf(resolve(s, u"GEO-DB-STATIC"_s)), u"static"_s);
        std::optional<PreparedQuery> q = resolve(s, u"geo-db-customer-primary"_s);
        QCOMPARE(serviceOf(q), u"mysql-customer"_s);
        QCOMPARE(q->definition.value(u"Service"_s).toObject().value(u"Tags"_s).toArray(), (QJsonArray{"primary", ""}));
        QCOMPARE(serviceOf(resolve(s, u"geo-x"_s)), u"short--x"_s);
        QVERIFY(!resolve(s, u"other"_s));
        // Static queries by ID; templates only by name.
        QCOMPARE(serviceOf(resolve(s, kId3)), u"static"_s);
        QString error;
        QVERIFY(!resolve(s, kId2, &error));
        QCOMPARE(error, u"prepared query templates can only be resolved up by name, not by ID"_s);
        // RemoveEmptyTags drops the empty tag the regexp left.
        QJsonObject d;
        bool decodeError = false;
        QVERIFY(preparedquery::normalise(obj(R"({"Name":"geo-db","Template":{"Type":"name_prefix_match", "Regexp":"^geo-db-(.*?)-([^\\-]+?)$","RemoveEmptyTags":true}, "Service":{"Service":"mysql-${match(1)}","Tags":["${match(2)}",""]}})"),
                                         &d, &decodeError)
                    .isEmpty());
        d.insert(u"ID"_s, kId2);
        QVERIFY(apply(s, command::querySet(d, false)).error.isEmpty());
        q = resolve(s, u"geo-db-customer-primary"_s);
        QCOMPARE(q->definition.value(u"Service"_s).toObject().value(u"Tags"_s).toArray(), QJsonArray{"primary"});
    }

    void filters()
    {
        StateStore s;
        seedDb(s);
        QCOMPARE(create(s, kId1, R"({"Name":"all","Service":{"Service":"db"}})"), QString());
        QCOMPARE(executeIds(s, u"all"_s), (QStringList{"db1", "db2"})); // critical excluded, warning kept
        QCOMPARE(create(s, kId2, R"({"Name":"passing","Service":{"Service":"db","OnlyPassing":true}})"), QString());
        QCOMPARE(executeIds(s, u"passing"_s), QStringList{"db1"});
        QCOMPARE(create(s, kId3, R"({"Name":"ignore","Service":{"Service":"db","IgnoreCheckIDs":["flaky"]}})"),
                 QString());
        QCOMPARE(executeIds(s, u"ignore"_s), (QStringList{"db1", "db2", "db3"}));
        QCOMPARE(create(s, u"55555555-5555-5555-5555-555555555555"_s,
                        R"({"Name":"tags","Service":{"Service":"db","IgnoreCheckIDs":["flaky"],"Tags":["REPLICA","!old"]}})"),
                 QString());
        QCOMPARE(executeIds(s, u"tags"_s), QStringList{"db2"});
        QCOMPARE(create(s, u"66666666-6666-6666-6666-666666666666"_s,
                        R"({"Name":"meta","Service":{"Service":"db","NodeMeta":{"rack":"r1"},"ServiceMeta":{"v":"2"}}})"),
                 QString());
        QCOMPARE(executeIds(s, u"meta"_s), QStringList{"db2"});
        QCOMPARE(create(s, u"77777777-7777-7777-7777-777777777777"_s,
                        R"({"Name":"rack2","Service":{"Service":"db","NodeMeta":{"rack":"r2"}}})"),
                 QString());
        QCOMPARE(executeIds(s, u"rack2"_s), QStringList());
    }

    void deletedWithTheirSession()
    {
        StateStore s;
        seedDb(s);
        const QJsonObject session = obj(R"({"Name":"s","Node":"n1","LockDelay":0,"Behavior":"release","TTL":"", "NodeChecks":["serfHealth"],"ServiceChecks":[]})");
        QVERIFY(apply(s, command::sessionCreate(kId3, session, kNow)).error.isEmpty());
        QCOMPARE(create(s, kId1, qPrintable(QStringLiteral(R"({"Name":"bound","Session":"%1","Service":{"Service":"db"}})")
                                                .arg(kId3))),
                 QString());
        QCOMPARE(create(s, kId2, R"({"Name":"free","Service":{"Service":"db"}})"), QString());
        WatchSet ws;
        QList<PreparedQuery> all;
        s.preparedQueries(&all, &ws);
        bool woken = false;
        auto handle = s.watches().watch(ws, [&] { woken = true; });
        QVERIFY(apply(s, command::sessionDestroy(kId3, kNow)).error.isEmpty());
        QVERIFY(woken);
        s.preparedQueries(&all);
        QCOMPARE(all.size(), 1);
        QCOMPARE(all.first().name(), u"free"_s);
    }

    void snapshotRestoreKeepsQueries()
    {
        StateStore s;
        QCOMPARE(create(s, kId1, R"({"Name":"q","Service":{"Service":"db","Tags":["a"]},"DNS":{"TTL":"5s"}})"), QString());
        StateStore copy;
        QString error;
        QVERIFY2(copy.restore(s.snapshot(), &error), qPrintable(error));
        std::optional<PreparedQuery> a, b;
        s.preparedQuery(kId1, &a);
        copy.preparedQuery(kId1, &b);
        QVERIFY(a && b);
        QCOMPARE(preparedquery::toJson(*b), preparedquery::toJson(*a));
        QCOMPARE(copy.tableIndex(u"prepared-queries"), s.tableIndex(u"prepared-queries"));
    }
};

QTEST_GUILESS_MAIN(TestPreparedQuery)
#include "tst_preparedquery.moc"

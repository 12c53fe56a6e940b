// `qonsul snapshot save | inspect | restore` and GET/PUT /v1/snapshot against a real agent: the
// round trip brings back KV, catalog, sessions and prepared queries; damaged or tampered archives
// are refused and change nothing.
#include "AgentProcess.h"
#include "TestSupport.h"

#include "snapshot/SnapshotArchive.h"

#include <QJsonArray>
#include <QJsonDocument>
#include <QJsonObject>
#include <QRegularExpression>
#include <QTemporaryDir>
#include <QtTest>

using qonsul::test::AgentProcess;
using qonsul::test::httpRequest;

class TestSnapshot : public QObject
{
    Q_OBJECT

    AgentProcess m_agent;
    QTemporaryDir m_dir;

    int cli(const QStringList &args, QByteArray *out = nullptr, QByteArray *err = nullptr)
    {
        return m_agent.runCli(args, out, err);
    }
    QByteArray kvGet(const QString &key)
    {
        QByteArray out;
        return cli({QStringLiteral("kv"), QStringLiteral("get"), key}, &out) == 0 ? out.trimmed() : QByteArray();
    }
    QString file(const QString &name) const { return m_dir.filePath(name); }
    static quint64 index(const qonsul::test::HttpResult &r) { return r.header("X-Consul-Index").toULongLong(); }

private Q_SLOTS:
    void initTestCase()
    {
        QVERIFY(m_dir.isValid());
        QVERIFY(m_agent.start());
        for (int i = 0; i < 20; ++i)
            QCOMPARE(cli({QStringLiteral("kv"), QStringLiteral("put"), QStringLiteral("app/cfg/k%1").arg(i),
                          QStringLiteral("v%1").arg(i)}),
                     0);
        QCOMPARE(cli({QStringLiteral("kv"), QStringLiteral("put"), QStringLiteral("other/x"), QStringLiteral("y")}), 0);
        const auto r = httpRequest("PUT", m_agent.baseUrl() + QStringLiteral("/v1/agent/service/register"),
                                   R"({"Name":"web","ID":"web1","Port":80})");
        QCOMPARE(r.status, 200);
        QCOMPARE(httpRequest("POST", m_agent.baseUrl() + QStringLiteral("/v1/query"),
                             R"({"Name":"webq","Service":{"Service":"web"}})")
                     .status,
                 200);
    }
    void cleanupTestCase() { m_agent.stop(); }

    void saveInspectRestore()
    {
        QByteArray out, err;
        QCOMPARE(cli({QStringLiteral("snapshot"), QStringLiteral("save"), file(QStringLiteral("backup.snap"))}, &out, &err),
                 0);
        QVERIFY2(out.startsWith("Saved and verified snapshot to index "), QByteArray(out + err).constData());

        QCOMPARE(cli({QStringLiteral("snapshot"), QStringLiteral("inspect"), file(QStringLiteral("backup.snap"))}, &out), 0);
        const QList<QByteArray> lines = out.split('\n');
        QVERIFY2(lines.value(0).startsWith(" ID           1-"), out.constData());
        QVERIFY2(lines.value(4) == " Version      1", out.constData());
        QVERIFY2(out.contains("\n Type "), out.constData());
        QVERIFY2(out.contains("\n KVS                21         "), out.constData());
        QVERIFY2(out.contains("\n PreparedQuery      1          "), out.constData());
        QVERIFY2(out.contains("\n Total       "), out.constData());

        QCOMPARE(cli({QStringLiteral("snapshot"), QStringLiteral("inspect"), QStringLiteral("-kvdetails"),
                      QStringLiteral("-kvfilter"), QStringLiteral("app"), file(QStringLiteral("backup.snap"))},
                     &out),
                 0);
        QVERIFY2(out.contains("\n Key Name "), out.constData());
        QVERIFY2(QString::fromUtf8(out).contains(QRegularExpression(QStringLiteral("\n app/cfg +20 +"))), out.constData());
        QVERIFY2(!out.contains("other/x"), out.constData());
        QCOMPARE(cli({QStringLiteral("snapshot"), QStringLiteral("inspect"), QStringLiteral("-format=json"),
                      file(QStringLiteral("backup.snap"))},
                     &out),
                 0);
        const QJsonObject json = QJsonDocument::fromJson(out).object();
        QVERIFY2(json.value(u"Meta").toObject().value(u"Index").toInteger() > 0, out.constData());
        QVERIFY(json.value(u"TotalSize").toInteger() > 0);

        // Change everything, then restore: the saved state comes back whole.
        QCOMPARE(cli({QStringLiteral("kv"), QStringLiteral("delete"), QStringLiteral("-recurse"), QStringLiteral("app/")}), 0);
        QCOMPARE(cli({QStringLiteral("kv"), QStringLiteral("put"), QStringLiteral("later"), QStringLiteral("1")}), 0);
        const auto listed = httpRequest("GET", m_agent.baseUrl() + QStringLiteral("/v1/query"));
        const QString queryId = QJsonDocument::fromJson(listed.body).array().at(0).toObject().value(u"ID").toString();
        QCOMPARE(httpRequest("DELETE", m_agent.baseUrl() + QStringLiteral("/v1/query/") + queryId).status, 200);
        const quint64 before = index(httpRequest("GET", m_agent.baseUrl() + QStringLiteral("/v1/kv/later")));
        QCOMPARE(cli({QStringLiteral("snapshot"), QStringLiteral("restore"), file(QStringLiteral("backup.snap"))}, &out), 0);
        QCOMPARE(out.trimmed(), QByteArray("Restored snapshot"));
        QCOMPARE(kvGet(QStringLiteral("app/cfg/k7")), QByteArray("v7"));
        QCOMPARE(kvGet(QStringLiteral("later")), QByteArray());
        const auto queries = httpRequest("GET", m_agent.baseUrl() + QStringLiteral("/v1/query"));
        QCOMPARE(QJsonDocument::fromJson(queries.body).array().size(), 1);
        // Indexes keep growing after a restore of an older state.
        QCOMPARE(cli({QStringLiteral("kv"), QStringLiteral("put"), QStringLiteral("after"), QStringLiteral("1")}), 0);
        QVERIFY(index(httpRequest("GET", m_agent.baseUrl() + QStringLiteral("/v1/kv/after"))) > before);
    }

    void badArchivesAreRefusedAndChangeNothing()
    {
        const auto good = httpRequest("GET", m_agent.baseUrl() + QStringLiteral("/v1/snapshot"));
        QCOMPARE(good.status, 200);
        QString error;
        std::optional<qonsul::snapshot::Archive> archive = qonsul::snapshot::read(good.body, &error);
        QVERIFY2(archive, qPrintable(error));

        // Not an archive; truncated; a state that is not a state store snapshot.
        const QByteArray truncated = good.body.left(good.body.size() / 2);
        const QByteArray notState = qonsul::snapshot::write(archive->meta, QByteArray("not a snapshot"));
        for (const QByteArray &body : {QByteArray("garbage"), truncated, notState}) {
            const auto r = httpRequest("PUT", m_agent.baseUrl() + QStringLiteral("/v1/snapshot"), body);
            QCOMPARE(r.status, 400);
            QVERIFY2(r.body.startsWith("failed to"), r.body.constData());
        }
        QCOMPARE(kvGet(QStringLiteral("app/cfg/k7")), QByteArray("v7"));

        // The CLI reports the same refusals with a non-zero exit.
        QFile bad(file(QStringLiteral("bad.snap")));
        QVERIFY(bad.open(QIODevice::WriteOnly));
        bad.write(truncated);
        bad.close();
        QByteArray out, err;
        QCOMPARE(cli({QStringLiteral("snapshot"), QStringLiteral("restore"), bad.fileName()}, &out, &err), 1);
        QVERIFY2(err.startsWith("Error restoring snapshot: Unexpected response code: 400"), err.constData());
        QCOMPARE(cli({QStringLiteral("snapshot"), QStringLiteral("inspect"), bad.fileName()}, &out, &err), 1);
        QVERIFY2(err.startsWith("Error extracting snapshot data: "), err.constData());
        QCOMPARE(cli({QStringLiteral("snapshot"), QStringLiteral("save")}, &out, &err), 1);
        QCOMPARE(err.trimmed(), QByteArray("Missing FILE argument"));
    }
};

QTEST_GUILESS_MAIN(TestSnapshot)
#include "tst_snapshot.moc"

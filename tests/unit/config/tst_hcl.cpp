// Unit tests for the HCL parser (config/Hcl.h): each piece of syntax, errors with their position,
// and through the loader: an HCL configuration gives the same agent config as its JSON twin.
#include <QDir>
#include <QFile>
#include <QJsonArray>
#include <QJsonDocument>
#include <QJsonObject>
#include <QTemporaryDir>
#include <QTest>

#include "config/ConfigLoader.h"
#include "config/Hcl.h"

using namespace qonsul::config;

class TstHcl : public QObject
{
    Q_OBJECT

private:
    // Parses and fails the test (with the parser's error) when parsing fails.
    static QJsonObject mustParse(const QByteArray &text)
    {
        QString error;
        const std::optional<QJsonObject> o = parseHcl(text, &error);
        if (!o)
            qWarning("parse error: %s", qPrintable(error));
        return o.value_or(QJsonObject { { QStringLiteral("<error>"), error } });
    }

    static QJsonObject json(const QByteArray &text) { return QJsonDocument::fromJson(text).object(); }

    static void write(const QString &path, const QByteArray &content)
    {
        QDir().mkpath(QFileInfo(path).absolutePath());
        QFile f(path);
        if (!f.open(QIODevice::WriteOnly | QIODevice::Truncate))
            qFatal("cannot write %s", qPrintable(path));
        f.write(content);
    }

private Q_SLOTS:
    void attributesAndValues();
    void stringEscapes();
    void blocks();
    void repeatedBlocksBecomeArrays();
    void comments();
    void heredocs();
    void errors_data();
    void errors();
    void configDirEqualsJsonTwin();
    void formatFlagAndHclFlag();
    void validateCommand();
};

// Slot bodies live outside the class: Qt 6.4's moc cannot parse raw string literals.

void TstHcl::attributesAndValues()
{
    const QByteArray hcl = "name = \"web\"\n"
                           "\"quoted key\" = \"x\"\n"
                           "port = 8080\n"
                           "negative = -12\n"
                           "ratio = 0.25\n"
                           "big = 1e3\n"
                           "hex = 0x1F\n"
                           "on = true\n"
                           "off = false\n"
                           "list = [\"a\", \"b\",]\n"
                           "empty = []\n"
                           "nested = [[1, 2], [3]]\n"
                           "obj = { a = 1, b = \"two\" }\n"
                           "dotted.key-name = 1\n";
    const QByteArray expected
        = R"({"name": "web", "quoted key": "x", "port": 8080, "negative": -12, "ratio": 0.25, "big": 1000, "hex": 31, "on": true, "off": false, "list": ["a", "b"], "empty": [], "nested": [[1, 2], [3]], "obj": {"a": 1, "b": "two"}, "dotted.key-name": 1})";
    QCOMPARE(mustParse(hcl), json(expected));
    // A repeated plain value: the last one wins.
    QCOMPARE(mustParse("a = 1\na = 2\n"), json(R"({"a": 2})"));
    QCOMPARE(mustParse(""), QJsonObject());
}

void TstHcl::stringEscapes()
{
    const QJsonObject o = mustParse(
        "s = \"a\\nb\\t\\\"q\\\" back\\\\slash caf\\u00e9 \\U0001F600 ${node} {{ GetPrivateIP }}\"");
    QCOMPARE(o.value(u"s").toString(),
        QStringLiteral("a\nb\t\"q\" back\\slash caf\u00e9 \U0001F600 ${node} {{ GetPrivateIP }}"));
    QCOMPARE(mustParse("s = \"h\xc3\xa9\"").value(u"s").toString(), QStringLiteral("h\u00e9"));
}

void TstHcl::blocks()
{
    const QByteArray hcl
        = "telemetry {\n"
          "  statsite_address = \"127.0.0.1:2180\"\n"
          "}\n"
          "acl = {\n"
          "  tokens { agent = \"t\" }\n"
          "}\n"
          "service \"web\" \"v2\" { port = 80 }\n"
          "config_entries { bootstrap = [ { kind = \"proxy-defaults\", name = \"global\" } ] }\n";
    const QByteArray expected
        = R"({"telemetry": {"statsite_address": "127.0.0.1:2180"}, "acl": {"tokens": {"agent": "t"}}, "service": {"web": {"v2": {"port": 80}}}, "config_entries": {"bootstrap": [{"kind": "proxy-defaults", "name": "global"}]}})";
    QCOMPARE(mustParse(hcl), json(expected));
}

void TstHcl::repeatedBlocksBecomeArrays()
{
    QCOMPARE(mustParse("service { name = \"a\" }\n"), json(R"({"service": {"name": "a"}})"));
    QCOMPARE(mustParse("service { name = \"a\" }\nservice { name = \"b\" }\nservice { name = \"c\" }\n"),
        json(R"({"service": [{"name": "a"}, {"name": "b"}, {"name": "c"}]})"));
    QCOMPARE(mustParse("check = { id = \"a\" }\ncheck { id = \"b\" }\n"),
        json(R"({"check": [{"id": "a"}, {"id": "b"}]})"));
}

void TstHcl::comments()
{
    // Built without a raw string and outside a macro: moc trips over both.
    const QByteArray hcl = "    # hash comment\n"
                           "a = 1 // trailing comment\n"
                           "/* block\n   comment */ b = /* inline */ \"x#not//a comment\"\n"
                           "c = [1, # inside a list\n"
                           "     2]\n";
    const QByteArray expected = R"({"a": 1, "b": "x#not//a comment", "c": [1, 2]})";
    QCOMPARE(mustParse(hcl), json(expected));
}

void TstHcl::heredocs()
{
    const QJsonObject o = mustParse("script = <<EOF\n#!/bin/sh\n  echo hi\nEOF\n"
                                    "indented = <<-EOT\n    line one\n      line two\n    EOT\n"
                                    "after = 1\n");
    QCOMPARE(o.value(u"script").toString(), QStringLiteral("#!/bin/sh\n  echo hi\n"));
    QCOMPARE(o.value(u"indented").toString(), QStringLiteral("line one\n  line two\n"));
    QCOMPARE(o.value(u"after").toInt(), 1);
}

void TstHcl::errors_data()
{
    QTest::addColumn<QByteArray>("text");
    QTest::addColumn<QString>("error");
    QTest::newRow("unterminated string")
        << QByteArray("a = 1\nb = \"abc\n") << QStringLiteral("At 2:5: unterminated string");
    QTest::newRow("missing =") << QByteArray("a = 1\nport 8080\n")
                               << QStringLiteral("At 2:6: expected '=' after key \"port\"");
    QTest::newRow("unclosed brace") << QByteArray("a {\n  b = 1\n")
                                    << QStringLiteral("At 1:3: unbalanced braces: '{' is never closed");
    QTest::newRow("extra brace") << QByteArray("a = 1\n}\n")
                                 << QStringLiteral("At 2:1: unbalanced braces: unexpected '}'");
    QTest::newRow("unclosed list") << QByteArray("a = [1, 2\n")
                                   << QStringLiteral("At 1:5: unbalanced brackets: '[' is never closed");
    QTest::newRow("bad number") << QByteArray("\n  port = 80a0\n")
                                << QStringLiteral("At 2:10: invalid number \"80a0\"");
    QTest::newRow("bad float") << QByteArray("x = 1.2.3")
                               << QStringLiteral("At 1:5: invalid number \"1.2.3\"");
    QTest::newRow("unterminated heredoc") << QByteArray("a = 1\nb = <<EOF\ntext\nEO\n")
                                          << QStringLiteral("At 2:5: unterminated heredoc: no line \"EOF\"");
    QTest::newRow("unquoted string") << QByteArray("a = yes")
                                     << QStringLiteral(
                                            "At 1:5: unexpected identifier \"yes\"; strings must be "
                                            "quoted");
    QTest::newRow("bad escape") << QByteArray("a = \"\\q\"")
                                << QStringLiteral("At 1:6: invalid escape sequence");
    QTest::newRow("lone surrogate") << QByteArray("a = \"\\ud800\"")
                                    << QStringLiteral("At 1:6: invalid unicode escape");
    QTest::newRow("unterminated comment")
        << QByteArray("a = 1 /* no end") << QStringLiteral("At 1:7: comment not terminated");
    QTest::newRow("missing value") << QByteArray("a =")
                                   << QStringLiteral("At 1:4: expected a value, found end of "
                                                     "input");
    QTest::newRow("too deep") << QByteArray(200, '[') << QStringLiteral("At 1:1: expected a key, found '['");
    QTest::newRow("too deep value") << QByteArray("a = ") + QByteArray(200, '[')
                                    << QStringLiteral("At 1:105: nesting too deep");
}

void TstHcl::errors()
{
    QFETCH(QByteArray, text);
    QFETCH(QString, error);
    QString actual;
    QVERIFY(!parseHcl(text, &actual));
    QCOMPARE(actual, error);
}

void TstHcl::configDirEqualsJsonTwin()
{
    QTemporaryDir tmp;
    QVERIFY(tmp.isValid());
    const QString dataDir = tmp.filePath(QStringLiteral("data"));
    auto load = [&](const QString &dir) {
        return loadAgentConfig({ QStringLiteral("-data-dir"), dataDir, QStringLiteral("-config-dir"),
            QDir::isAbsolutePath(dir) ? dir : tmp.filePath(dir) });
    };
    // hcl-twin/ holds the same agent written twice: a server with telemetry and watches (as in
    // Consul's configuration file reference), two services with checks, one standalone check.
    const QString twin = qEnvironmentVariable("QONSUL_SOURCE_DIR") + u"/tests/unit/config/hcl-twin/";
    const LoadResult fromHcl = load(twin + u"hcl");
    const LoadResult fromJson = load(twin + u"json");
    QVERIFY2(fromHcl.config, qPrintable(fromHcl.error));
    QVERIFY2(fromJson.config, qPrintable(fromJson.error));
    const AgentConfig &h = *fromHcl.config;
    const AgentConfig &j = *fromJson.config;
    QCOMPARE(h.services.size(), 2);
    QCOMPARE(h.checks.size(), 1);
    QCOMPARE(h.services, j.services);
    QCOMPARE(h.checks, j.checks);
    QCOMPARE(h.watches, j.watches);
    QCOMPARE(h.datacenter, QStringLiteral("east-aws"));
    QCOMPARE(h.ports.http, 8501);
    QCOMPARE(h.ports.dns, j.ports.dns);
    QCOMPARE(h.raw, j.raw);
    QCOMPARE(fromHcl.warnings, fromJson.warnings);

    // A single block stays an object; `service`, `services`, `check` and `checks` take it.
    for (const char *key : { "service", "services", "check", "checks" }) {
        const QString dir = QStringLiteral("one-") + QLatin1String(key);
        const bool service = QByteArray(key).startsWith("service");
        write(tmp.filePath(dir + u"/s.hcl"),
            QByteArray(key) + " {\n  name = \"solo\"\n  " + (service ? "port = 1" : "ttl = \"10s\"")
                + "\n}\n");
        const LoadResult one = load(dir);
        QVERIFY2(one.config, qPrintable(one.error));
        const QJsonArray &items = service ? one.config->services : one.config->checks;
        QCOMPARE(items.size(), 1);
        QCOMPARE(items.at(0).toObject().value(u"name").toString(), QStringLiteral("solo"));
    }
    // Two `service` blocks make an array, which Consul refuses: several services go in `services`.
    const QString twice = tmp.filePath(QStringLiteral("twice/s.hcl"));
    write(twice, "service {\n  name = \"a\"\n}\nservice {\n  name = \"b\"\n}\n");
    QCOMPARE(load(QStringLiteral("twice")).error,
        QStringLiteral("failed to parse %1: 'service' expected a map, got '[]interface {}'").arg(twice));

    // Parse errors name the file and the position.
    const QString bad = tmp.filePath(QStringLiteral("bad/a.hcl"));
    write(bad, "server = true\nbootstrap_expect 1\n");
    QCOMPARE(load(QStringLiteral("bad")).error,
        QStringLiteral("failed to parse %1: At 2:18: expected '=' after key \"bootstrap_expect\"").arg(bad));
    // Unknown keys are refused as for JSON.
    const QString unknown = tmp.filePath(QStringLiteral("unknown/a.hcl"));
    write(unknown, "limits {\n  foo = 1\n}\n");
    QCOMPARE(load(QStringLiteral("unknown")).error,
        QStringLiteral("failed to parse %1: invalid config key limits.foo").arg(unknown));
}

void TstHcl::formatFlagAndHclFlag()
{
    QTemporaryDir tmp;
    QVERIFY(tmp.isValid());
    const QString conf = tmp.filePath(QStringLiteral("agent.conf"));
    write(conf, "node_name = \"from-file\"\ndatacenter = \"dc9\"\n");
    const QStringList base { QStringLiteral("-data-dir"), tmp.filePath(QStringLiteral("data")) };
    const LoadResult r = loadAgentConfig(base
        + QStringList { QStringLiteral("-config-format=hcl"), QStringLiteral("-config-file"), conf,
            QStringLiteral("-node"), QStringLiteral("from-flag"), QStringLiteral("-hcl"),
            QStringLiteral("datacenter = \"dc-hcl\"") });
    QVERIFY2(r.config, qPrintable(r.error));
    QCOMPARE(r.config->nodeName, QStringLiteral("from-flag"));
    QCOMPARE(r.config->datacenter, QStringLiteral("dc-hcl")); // -hcl comes after the files

    // -hcl fragments apply in order, after the other flags.
    const LoadResult two = loadAgentConfig(base
        + QStringList { QStringLiteral("-hcl"), QStringLiteral("node_name = \"a\""), QStringLiteral("-hcl"),
            QStringLiteral("node_name = \"b\""), QStringLiteral("-node"), QStringLiteral("flag") });
    QVERIFY2(two.config, qPrintable(two.error));
    QCOMPARE(two.config->nodeName, QStringLiteral("b"));

    QCOMPARE(
        loadAgentConfig(base + QStringList { QStringLiteral("-hcl"), QStringLiteral("server = yes") }).error,
        QStringLiteral("failed to parse flags-0.hcl: At 1:10: unexpected identifier \"yes\"; strings must be "
                       "quoted"));
}

void TstHcl::validateCommand()
{
    QTemporaryDir tmp;
    QVERIFY(tmp.isValid());
    write(tmp.filePath(QStringLiteral("ok/a.hcl")),
        QStringLiteral("bind_addr = \"10.0.0.1\"\ndata_dir = \"%1\"\nservice {\n  name = \"web\"\n}\n")
            .arg(tmp.filePath(QStringLiteral("data")))
            .toUtf8());
    QString outText, errText;
    {
        QTextStream out(&outText), err(&errText);
        QCOMPARE(runValidate({ tmp.filePath(QStringLiteral("ok")) }, out, err), 0);
    }
    QCOMPARE(outText, QStringLiteral("Configuration is valid!\n"));
    QCOMPARE(errText, QString());

    const QString bad = tmp.filePath(QStringLiteral("bad/a.hcl"));
    write(bad, "data_dir = \"/x\"\nports {\n");
    {
        QTextStream out(&outText), err(&errText);
        QCOMPARE(runValidate({ tmp.filePath(QStringLiteral("bad")) }, out, err), 1);
    }
    QCOMPARE(errText,
        QStringLiteral(
            "Config validation failed: failed to parse %1: At 2:7: unbalanced braces: '{' is never "
            "closed\n")
            .arg(bad));
}

QTEST_GUILESS_MAIN(TstHcl)
#include "tst_hcl.moc"

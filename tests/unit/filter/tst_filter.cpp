// Tests for Consul's ?filter= language (go-bexpr compatible), including the parser's error texts,
// which are taken from go-bexpr's own grammar tests and Consul issue reports.

#include "filter/Filter.h"
#include "filter/GoStrconv_p.h"

#include <QElapsedTimer>
#include <QJsonDocument>
#include <QTest>

using qonsul::filter::Filter;
using qonsul::filter::Schema;

namespace {

const QString kPrefix = QStringLiteral("Failed to create boolean expression evaluator: ");

QJsonValue json(const char *text)
{
    QJsonParseError err;
    const QJsonDocument doc = QJsonDocument::fromJson(QByteArray(text), &err);
    if (err.error != QJsonParseError::NoError)
        qFatal("bad test JSON: %s", qPrintable(err.errorString()));
    return doc.isArray() ? QJsonValue(doc.array()) : QJsonValue(doc.object());
}

const char *const kItem = R"({
  "Node": "node-1",
  "Address": "10.0.0.1",
  "Meta": {"env": "prod", "some-key": "v", "empty": "", "version": "2"},
  "TaggedAddresses": null,
  "Port": 8080,
  "Weight": 1.5,
  "Enabled": true,
  "Disabled": false,
  "Neg": -3,
  "Tags": ["primary", "v1"],
  "Ports": [80, 443],
  "Flags": [true],
  "EmptyList": [],
  "EmptyMap": {},
  "EmptyString": "",
  "Service": {"ID": "web1", "Service": "web", "Tags": ["x", "y"], "Meta": {"version": "2"}, "Port": 80},
  "Checks": [
    {"CheckID": "c1", "Status": "passing", "ServiceTags": ["a"]},
    {"CheckID": "c2", "Status": "critical", "ServiceTags": []}
  ],
  "Text": "line1\nline2",
  "Unicode": "h\u00e9llo"
})";

const char *const kSchema = R"({
  "Node": "string", "Address": "string", "Port": "int", "Weight": "float64", "Ratio": "float32",
  "Enabled": "bool", "Small": "int8", "Count": "uint",
  "Meta": {"*": "string"}, "Tags": ["string"], "Ports": ["int"],
  "Service": {"ID": "string", "Service": "string", "Address": "string", "Port": "int",
              "Tags": ["string"], "Meta": {"*": "string"}},
  "Checks": [{"CheckID": "string", "Status": "string", "ServiceTags": ["string"]}]
})";

const char *const kTypedItem = R"({
  "Node": "node-1", "Address": "10.0.0.1", "Port": 8080, "Weight": 1.5, "Ratio": 0.1, "Enabled": true,
  "Meta": {"env": "prod"}, "Tags": ["primary"], "Ports": [80, 443],
  "Service": {"ID": "web1", "Service": "web", "Port": 80, "Tags": [], "Meta": null},
  "Checks": [{"CheckID": "c1", "Status": "passing", "ServiceTags": ["a"]},
             {"CheckID": "c2", "Status": "critical"}]
})";

Schema testSchema()
{
    QString error;
    const std::optional<Schema> schema = Schema::fromJson(json(kSchema), &error);
    if (!schema)
        qFatal("bad test schema: %s", qPrintable(error));
    return *schema;
}

} // namespace

class TestFilter : public QObject
{
    Q_OBJECT

private Q_SLOTS:
    void syntaxErrors_data();
    void syntaxErrors();
    void validSyntax_data();
    void validSyntax();
    void evaluate_data();
    void evaluate();
    void evaluationErrors_data();
    void evaluationErrors();
    void typedValidation_data();
    void typedValidation();
    void typedEvaluate_data();
    void typedEvaluate();
    void emptyExpressionMatchesAll();
    void consulDocExamples();
    void filterHelpersReportErrors();
    void schemaFromJsonErrors();
    void deepNesting();
    void goStrconv_data();
    void goStrconv();
    void goQuoteUnquote();
    void performance();
};

void TestFilter::syntaxErrors_data()
{
    QTest::addColumn<QString>("expression");
    QTest::addColumn<QString>("error");

    // From go-bexpr's grammar tests.
    QTest::newRow("unterminated double") << "foo == \"12x"
                                         << "1:12 (11): rule \"string\": Unterminated string literal";
    QTest::newRow("unterminated raw") << "foo == `12x"
                                      << "1:12 (11): rule \"string\": Unterminated string literal";
    QTest::newRow("invalid number") << "foo == 3x"
                                    << "1:9 (8): rule \"number\": Invalid number literal";
    QTest::newRow("invalid index key") << "foo[3] == abc"
                                       << "1:5 (4): rule \"index\": Invalid index";
    QTest::newRow("unclosed index 1") << "x in foo[\"abc\""
                                      << "1:15 (14): rule \"index\": Unclosed index expression";
    QTest::newRow("unclosed index 2") << "foo[\"abc\" == 3"
                                      << "1:11 (10): rule \"index\": Unclosed index expression";
    QTest::newRow("invalid selector 1") << "x in 32"
                                        << "1:6 (5): rule \"match\": Invalid selector";
    QTest::newRow("invalid selector 2") << "32 == 32"
                                        << R"(1:4 (3): no match found, expected: "in", "not" or [ \t\r\n])";
    QTest::newRow("invalid selector 3") << "32 is empty"
                                        << R"(1:4 (3): no match found, expected: "in", "not" or [ \t\r\n])";
    QTest::newRow("junk at end 1") << "x in foo abc"
                                   << R"(1:10 (9): no match found, expected: "and", "or", [ \t\r\n] or EOF)";
    QTest::newRow("junk at end 2")
        << "x in foo and "
        << R"(1:14 (13): no match found, expected: "(", "-", "0", "\"", "`", "not", [ \t\r\n], [1-9] or [a-zA-Z])";
    QTest::newRow("junk at end 3")
        << "x in foo or "
        << R"(1:13 (12): no match found, expected: "(", "-", "0", "\"", "`", "not", [ \t\r\n], [1-9] or [a-zA-Z])";
    QTest::newRow("junk at end 4")
        << "x in foo or not "
        << R"(1:17 (16): no match found, expected: "!=", "(", "-", "0", "==", "\"", "`", )"
           R"("contains", "in", "is", "matches", "not", [ \t\r\n], [1-9] or [a-zA-Z])";
    QTest::newRow("unmatched parentheses") << "(foo == 4"
                                           << "1:10 (9): rule \"grouping\": Unmatched parentheses";
    // From Consul issue reports.
    QTest::newRow("bare word")
        << "foo"
        << R"(1:4 (3): no match found, expected: "!=", ".", "==", "[", [ \t\r\n] or [a-zA-Z0-9_])";
    QTest::newRow("unquoted address") << "Address == 10.10.10.10"
                                      << "1:17 (16): rule \"number\": Invalid number literal";
    QTest::newRow("unquoted hyphen")
        << "Node==host-name"
        << R"(1:11 (10): no match found, expected: ".", "[", [ \t\r\n], [a-zA-Z0-9_] or EOF)";
    // Others.
    QTest::newRow("whitespace only")
        << "   "
        << R"(1:4 (3): no match found, expected: "(", "-", "0", "\"", "`", "not", [ \t\r\n], [1-9] or [a-zA-Z])";
    QTest::newRow("bad escape") << "Name == \"a\\qb\""
                                << "1:9 (8): rule \"string\": invalid syntax";
    QTest::newRow("escaped quote ends string") << "Name == \"a\\\"b\""
                                               << "1:9 (8): rule \"string\": invalid syntax";
    QTest::newRow("leading zero") << "Port == 080"
                                  << "1:10 (9): rule \"number\": Invalid number literal";
    QTest::newRow("trailing dot") << "Port == 1."
                                  << "1:10 (9): rule \"number\": Invalid number literal";
    QTest::newRow("single quotes")
        << "Node == 'x'"
        << R"(1:9 (8): no match found, expected: "-", "0", "\"", "`", [ \t\r\n], [1-9] or [a-zA-Z])";
    QTest::newRow("no space before in") << "x in\"Tags\""
                                        << R"(1:5 (4): no match found, expected: [ \t\r\n])";
    QTest::newRow("newline position") << "Port == 1 and\nNode == \"x"
                                      << "2:11 (24): rule \"string\": Unterminated string literal";
    QTest::newRow("utf8 offsets") << "Name == \"\u00e9\" and Port == 3x"
                                  << "1:26 (26): rule \"number\": Invalid number literal";
    QTest::newRow("bad regex") << "Node matches \"(\""
                               << "Failed to compile regular expression \"(\": error parsing regexp: "
                                  "missing closing parenthesis at offset 1";
}

void TestFilter::syntaxErrors()
{
    QFETCH(QString, expression);
    QFETCH(QString, error);
    QString actual;
    QVERIFY(!Filter::parse(expression, &actual));
    QCOMPARE(actual, QString(kPrefix + error));
}

void TestFilter::validSyntax_data()
{
    QTest::addColumn<QString>("expression");
    QTest::newRow("extra whitespace ==") << "\t\r\n  foo \t\r\n == \t\r\n x \t\r\n";
    QTest::newRow("extra whitespace in") << "\t\r\n  foo \t\r\n not \t\r\n in \t\r\n x \t\r\n";
    QTest::newRow("extra whitespace is not empty") << "\t\r\n  foo \t\r\n is \t\r\n not \t\r\n empty \t\r\n";
    QTest::newRow("extra whitespace parens") << "\t\r\n ( \t\r\n foo \t\r\n == \t\r\n x \t\r\n ) \t\r\n";
    QTest::newRow("selector path") << "`environment` in foo.bar[\"meta\"].tags[\t`ENV` ]";
    QTest::newRow("index chars") << "environment in foo[\"abc-def ghi \u00e5\u00df\u2202\u0192\"]";
    QTest::newRow("floats") << "foo == 0.2 and foo == 11.11 and foo == -0.2";
    QTest::newRow("double not") << "not not foo == 3";
    QTest::newRow("complex")
        << "(((foo == 3) and (not ((bar in baz) and (not (one != two))))) or (((next is empty) "
           "and (not (foo is not empty))) and (bar not in foo)))";
    QTest::newRow("keywords as selectors") << "not == 3 and in in is and is is empty";
    QTest::newRow("no spaces around ==") << "a==b and c!=\"d\"";
}

void TestFilter::validSyntax()
{
    QFETCH(QString, expression);
    QString error;
    const std::optional<Filter> f = Filter::parse(expression, &error);
    QVERIFY2(f.has_value(), qPrintable(error));
    QVERIFY(error.isEmpty());
    QVERIFY(!f->isMatchAll());
    QCOMPARE(f->expression(), expression);
}

void TestFilter::evaluate_data()
{
    QTest::addColumn<QString>("expression");
    QTest::addColumn<bool>("expected");

    // == and != with coercion to the JSON value's type
    QTest::newRow("string ==") << "Node == \"node-1\"" << true;
    QTest::newRow("string == bare word") << "Node == node" << false;
    QTest::newRow("string !=") << "Node != \"node-1\"" << false;
    QTest::newRow("string != other") << "Node != \"x\"" << true;
    QTest::newRow("int ==") << "Port == 8080" << true;
    QTest::newRow("int == quoted") << "Port == \"8080\"" << true;
    QTest::newRow("int == float literal") << "Port == 8080.0" << true;
    QTest::newRow("int == hex") << "Port == \"0x1F90\"" << true;
    QTest::newRow("int == octal") << "Port == \"0o17620\"" << true;
    QTest::newRow("int == underscores") << "Port == \"8_080\"" << true;
    QTest::newRow("int == other") << "Port == 80" << false;
    QTest::newRow("int !=") << "Port != 80" << true;
    QTest::newRow("float ==") << "Weight == 1.5" << true;
    QTest::newRow("float == quoted") << "Weight == \"1.5\"" << true;
    QTest::newRow("float == trailing zero") << "Weight == 1.50" << true;
    QTest::newRow("float == other") << "Weight == 2" << false;
    QTest::newRow("negative") << "Neg == -3" << true;
    QTest::newRow("negative quoted") << "Neg == \"-3\"" << true;
    QTest::newRow("bool true") << "Enabled == true" << true;
    QTest::newRow("bool 1") << "Enabled == 1" << true;
    QTest::newRow("bool T") << "Enabled == T" << true;
    QTest::newRow("bool quoted True") << "Enabled == \"True\"" << true;
    QTest::newRow("bool false") << "Enabled == false" << false;
    QTest::newRow("bool false field") << "Disabled == false" << true;
    QTest::newRow("bool !=") << "Disabled != true" << true;
    QTest::newRow("nested int") << "Service.Port == 80" << true;
    QTest::newRow("nested bare word") << "Service.ID == web1" << true;
    QTest::newRow("map index") << "Meta[\"some-key\"] == v" << true;
    QTest::newRow("map index raw") << "Meta[`some-key`] == \"v\"" << true;
    QTest::newRow("map dotted") << "Meta.env == prod" << true;
    QTest::newRow("map empty value") << "Meta.empty == \"\"" << true;
    QTest::newRow("unicode escape") << "Unicode == \"h\\u00e9llo\"" << true;
    QTest::newRow("byte escapes form utf8") << "Unicode == \"h\\xc3\\xa9llo\"" << true;
    QTest::newRow("octal escapes form utf8") << "Unicode == \"h\\303\\251llo\"" << true;
    QTest::newRow("newline escape") << "Text == \"line1\\nline2\"" << true;
    QTest::newRow("raw string keeps backslash") << "Text == `line1\\nline2`" << false;
    QTest::newRow("selector value joins dots") << "Service.ID == web1.x" << false;

    // in / contains
    QTest::newRow("in list") << "primary in Tags" << true;
    QTest::newRow("quoted in list") << "\"primary\" in Tags" << true;
    QTest::newRow("contains list") << "Tags contains v1" << true;
    QTest::newRow("contains list miss") << "Tags contains v2" << false;
    QTest::newRow("not in list") << "v2 not in Tags" << true;
    QTest::newRow("not contains list") << "Tags not contains primary" << false;
    QTest::newRow("number in list") << "80 in Ports" << true;
    QTest::newRow("quoted number in list") << "\"443\" in Ports" << true;
    QTest::newRow("number not in list") << "81 in Ports" << false;
    QTest::newRow("bool in list") << "true in Flags" << true;
    QTest::newRow("key in map") << "env in Meta" << true;
    QTest::newRow("odd key in map") << "\"some-key\" in Meta" << true;
    QTest::newRow("key not in map") << "nope in Meta" << false;
    QTest::newRow("map not contains") << "Meta not contains nope" << true;
    QTest::newRow("substring") << "\"ode\" in Node" << true;
    QTest::newRow("contains substring") << "Node contains \"-1\"" << true;
    QTest::newRow("substring miss") << "Node contains xyz" << false;
    QTest::newRow("empty substring") << "\"\" in Node" << true;
    QTest::newRow("nested list") << "Service.Tags contains y" << true;

    // is empty
    QTest::newRow("empty list") << "EmptyList is empty" << true;
    QTest::newRow("non-empty list") << "Tags is empty" << false;
    QTest::newRow("list is not empty") << "Tags is not empty" << true;
    QTest::newRow("empty map") << "EmptyMap is empty" << true;
    QTest::newRow("map is not empty") << "Meta is not empty" << true;
    QTest::newRow("empty string") << "EmptyString is empty" << true;
    QTest::newRow("string is not empty") << "Node is not empty" << true;
    QTest::newRow("null is empty") << "TaggedAddresses is empty" << true;
    QTest::newRow("null is not empty") << "TaggedAddresses is not empty" << false;

    // matches
    QTest::newRow("matches") << "Node matches \"^node-[0-9]+$\"" << true;
    QTest::newRow("matches miss") << "Node matches \"^web\"" << false;
    QTest::newRow("not matches") << "Node not matches \"^web\"" << true;
    QTest::newRow("matches raw regex") << "Address matches `^10\\.0\\.`" << true;
    QTest::newRow("matches unanchored") << "Address matches \"0\\\\.1\"" << true;
    QTest::newRow("matches unicode char") << "Unicode matches \"^h.llo$\"" << true;
    QTest::newRow("dot excludes newline") << "Text matches \"line1.line2\"" << false;
    QTest::newRow("matches case sensitive") << "Node matches \"NODE\"" << false;
    QTest::newRow("matches case flag") << "Node matches \"(?i)NODE\"" << true;

    // Missing map keys (and missing members, which are indistinguishable in JSON)
    QTest::newRow("missing ==") << "Meta.missing == x" << false;
    QTest::newRow("missing !=") << "Meta.missing != x" << true;
    QTest::newRow("missing in") << "x in Meta.missing" << false;
    QTest::newRow("missing not in") << "x not in Meta.missing" << true;
    QTest::newRow("missing is empty") << "Meta.missing is empty" << true;
    QTest::newRow("missing is not empty") << "Meta.missing is not empty" << false;
    QTest::newRow("missing matches (bexpr quirk)") << "Meta.missing matches x" << true;
    QTest::newRow("missing not matches") << "Meta.missing not matches x" << true;
    QTest::newRow("missing top-level") << "Nope == x" << false;
    QTest::newRow("missing below null") << "TaggedAddresses.lan == x" << false;
    QTest::newRow("missing below null !=") << "TaggedAddresses.lan != x" << true;
    QTest::newRow("missing case differs") << "node == \"node-1\"" << false;
    QTest::newRow("missing deep") << "Meta.a.b.c == x" << false;

    // Selecting through a list: any element
    QTest::newRow("any ==") << "Checks.Status == passing" << true;
    QTest::newRow("any == none") << "Checks.Status == warning" << false;
    QTest::newRow("any !=") << "Checks.Status != passing" << true;
    QTest::newRow("any second") << "Checks.CheckID == c2" << true;
    QTest::newRow("any contains") << "Checks.ServiceTags contains a" << true;
    QTest::newRow("any is empty") << "Checks.ServiceTags is empty" << true;
    QTest::newRow("any missing ==") << "Checks.Missing == x" << false;
    QTest::newRow("any missing !=") << "Checks.Missing != x" << true;
    QTest::newRow("not any") << "not Checks.Status == passing" << false;

    // Logic and precedence: not > and > or
    QTest::newRow("and before or") << "Node == x and Node == \"node-1\" or Port == 8080" << true;
    QTest::newRow("parens override") << "Node == x and (Node == \"node-1\" or Port == 8080)" << false;
    QTest::newRow("not binds tighter than and") << "not Node == x and Port == 1" << false;
    QTest::newRow("or is loosest") << "Port == 8080 or Port == 1 and Node == x" << true;
    QTest::newRow("not parens") << "not (Port == 8080 or Port == 1)" << false;
    QTest::newRow("double not") << "not not Port == 8080" << true;
    QTest::newRow("triple not") << "not not not Port == 8080" << false;
    QTest::newRow("parens") << "(Port == 8080)" << true;
    QTest::newRow("nested parens") << "((Port == 8080) and (Node == \"node-1\"))" << true;
    QTest::newRow("long and") << "Port == 8080 and Node == \"node-1\" and env in Meta and Tags is not empty"
                              << true;
    QTest::newRow("long or") << "Port == 1 or Port == 2 or Port == 3 or Port == 8080" << true;
    QTest::newRow("whitespace") << " \t Port == 8080 \n" << true;
    QTest::newRow("no spaces") << "Port==8080" << true;
    QTest::newRow("doc precedence example")
        << "Port == 8080 and not Node == x or Port == 1" << true; // (a and (not b)) or c
    QTest::newRow("short-circuit and skips errors") << "Node == x and Port contains 8" << false;
    QTest::newRow("short-circuit or skips errors") << "Node == \"node-1\" or Port contains 8" << true;
}

void TestFilter::evaluate()
{
    QFETCH(QString, expression);
    QFETCH(bool, expected);
    QString error;
    const std::optional<Filter> f = Filter::parse(expression, &error);
    QVERIFY2(f.has_value(), qPrintable(error));
    const QJsonValue item = json(kItem);
    QString evalError;
    QCOMPARE(f->matches(item, &evalError), expected);
    QVERIFY2(evalError.isEmpty(), qPrintable(evalError));
    QCOMPARE(f->matches(item.toObject()), expected);
}

void TestFilter::evaluationErrors_data()
{
    QTest::addColumn<QString>("expression");
    QTest::addColumn<QString>("error");
    QTest::newRow("contains on number") << "Port contains 8"
                                        << "Invalid match operator \"In\" for selector \"Port\"";
    QTest::newRow("is empty on number") << "Port is empty"
                                        << "Invalid match operator \"Is Empty\" for selector \"Port\"";
    QTest::newRow("matches on bool") << "Enabled matches x"
                                     << "Invalid match operator \"Matches\" for selector \"Enabled\"";
    QTest::newRow("int coercion")
        << "Port == abc"
        << "Failed to coerce value \"abc\" for selector \"Port\": strconv.ParseInt: "
           "parsing \"abc\": invalid syntax";
    QTest::newRow("float coercion")
        << "Weight == abc"
        << "Failed to coerce value \"abc\" for selector \"Weight\": strconv.ParseFloat: "
           "parsing \"abc\": invalid syntax";
    QTest::newRow("bool coercion")
        << "Enabled == yes"
        << "Failed to coerce value \"yes\" for selector \"Enabled\": strconv.ParseBool: "
           "parsing \"yes\": invalid syntax";
    QTest::newRow("select into string") << "Node.x == 1"
                                        << "Selector \"Node.x\" is not valid";
    QTest::newRow("== on list") << "Tags == x"
                                << "Invalid match operator \"Equal\" for selector \"Tags\"";
    QTest::newRow("matches on map") << "Meta matches x"
                                    << "Invalid match operator \"Matches\" for selector \"Meta\"";
    QTest::newRow("== on object") << "Service == x"
                                  << "Invalid match operator \"Equal\" for selector \"Service\"";
    QTest::newRow("inside not") << "not Port contains 8"
                                << "Invalid match operator \"In\" for selector \"Port\"";
    QTest::newRow("inside any") << "Checks.Status.x == 1"
                                << "Selector \"Checks.Status.x\" is not valid";
}

void TestFilter::evaluationErrors()
{
    QFETCH(QString, expression);
    QFETCH(QString, error);
    QString parseError;
    const std::optional<Filter> f = Filter::parse(expression, &parseError);
    QVERIFY2(f.has_value(), qPrintable(parseError));
    QString evalError;
    QVERIFY(!f->matches(json(kItem), &evalError));
    QCOMPARE(evalError, QString(kPrefix + error));
    QVERIFY(!f->matches(json(kItem))); // no error pointer: still false
}

void TestFilter::typedValidation_data()
{
    QTest::addColumn<QString>("expression");
    QTest::addColumn<QString>("error");
    QTest::newRow("unknown field") << "Foo == x"
                                   << "Selector \"Foo\" is not valid";
    QTest::newRow("unknown nested") << "Service.Foo == x"
                                    << "Selector \"Service.Foo\" is not valid";
    QTest::newRow("case sensitive") << "node == x"
                                    << "Selector \"node\" is not valid";
    QTest::newRow("into string") << "Node.x == y"
                                 << "Selector \"Node.x\" is not valid";
    QTest::newRow("into map value") << "Meta.env.x == 1"
                                    << "Selector \"Meta.env.x\" is not valid";
    QTest::newRow("through list") << "Checks.Foo == x"
                                  << "Selector \"Checks.Foo\" is not valid";
    QTest::newRow("into primitive list") << "Tags.x == y"
                                         << "Selector \"Tags.x\" is not valid";
    QTest::newRow("string is empty")
        << "Service.Address is empty"
        << "Invalid match operator \"Is Empty\" for selector \"Service.Address\"";
    QTest::newRow("struct ==") << "Service == x"
                               << "Invalid match operator \"Equal\" for selector \"Service\"";
    QTest::newRow("int contains") << "Port contains 1"
                                  << "Invalid match operator \"In\" for selector \"Port\"";
    QTest::newRow("int matches") << "Port matches x"
                                 << "Invalid match operator \"Matches\" for selector \"Port\"";
    QTest::newRow("list ==") << "Tags == x"
                             << "Invalid match operator \"Equal\" for selector \"Tags\"";
    QTest::newRow("list of structs ==") << "Checks == x"
                                        << "Invalid match operator \"Equal\" for selector \"Checks\"";
    QTest::newRow("in list of structs") << "x in Checks"
                                        << "Invalid match operator \"In\" for selector \"Checks\"";
    QTest::newRow("map ==") << "Meta == x"
                            << "Invalid match operator \"Equal\" for selector \"Meta\"";
    QTest::newRow("int coercion") << "Port == abc"
                                  << "Failed to coerce value \"abc\" for selector \"Port\": "
                                     "strconv.ParseInt: parsing \"abc\": invalid syntax";
    QTest::newRow("int float literal") << "Port == 1.5"
                                       << "Failed to coerce value \"1.5\" for selector \"Port\": "
                                          "strconv.ParseInt: parsing \"1.5\": invalid syntax";
    QTest::newRow("int8 range")
        << "Small == 300"
        << "Failed to coerce value \"300\" for selector \"Small\": strconv.ParseInt: parsing "
           "\"300\": value out of range";
    QTest::newRow("uint negative")
        << "Count == -1"
        << "Failed to coerce value \"-1\" for selector \"Count\": strconv.ParseUint: "
           "parsing \"-1\": invalid syntax";
    QTest::newRow("bool coercion")
        << "Enabled == maybe"
        << "Failed to coerce value \"maybe\" for selector \"Enabled\": strconv.ParseBool: "
           "parsing \"maybe\": invalid syntax";
    QTest::newRow("float coercion")
        << "Weight == \"abc\""
        << "Failed to coerce value \"abc\" for selector \"Weight\": strconv.ParseFloat: "
           "parsing \"abc\": invalid syntax";
    QTest::newRow("float32 range")
        << "Ratio == 1e39"
        << "1:11 (10): rule \"number\": Invalid number literal"; // no exponents in literals
    QTest::newRow("float32 range quoted") << "Ratio == \"1e39\""
                                          << "Failed to coerce value \"1e39\" for selector \"Ratio\": "
                                             "strconv.ParseFloat: parsing \"1e39\": value out of range";
    QTest::newRow("list element coercion") << "abc in Ports"
                                           << "Failed to coerce value \"abc\" for selector \"Ports\": "
                                              "strconv.ParseInt: parsing \"abc\": invalid syntax";
    QTest::newRow("bad regex") << "Node matches \"[\""
                               << "Failed to compile regular expression \"[\": error parsing regexp: missing "
                                  "terminating ] for character "
                                  "class at offset 1";
    QTest::newRow("first error wins") << "Node == x or Foo == y or Bar == z"
                                      << "Selector \"Foo\" is not valid";
}

void TestFilter::typedValidation()
{
    QFETCH(QString, expression);
    QFETCH(QString, error);
    QString actual;
    QVERIFY(!Filter::parse(expression, testSchema(), &actual));
    QCOMPARE(actual, QString(kPrefix + error));
}

void TestFilter::typedEvaluate_data()
{
    QTest::addColumn<QString>("expression");
    QTest::addColumn<bool>("expected");
    QTest::newRow("string ==") << "Node == \"node-1\"" << true;
    QTest::newRow("absent string is zero") << "Service.Address == \"\"" << true;
    QTest::newRow("absent string !=") << "Service.Address != \"\"" << false;
    QTest::newRow("absent string contains") << "\"\" in Service.Address" << true;
    QTest::newRow("int") << "Port == 8080" << true;
    QTest::newRow("int hex") << "Port == \"0x1F90\"" << true;
    QTest::newRow("absent uint is zero") << "Count == 0" << true;
    QTest::newRow("absent int8 is zero") << "Small != 0" << false;
    QTest::newRow("float") << "Weight == 1.5" << true;
    QTest::newRow("float32 compares as float32") << "Ratio == 0.1" << true;
    QTest::newRow("bool") << "Enabled == t" << true;
    QTest::newRow("list in") << "primary in Tags" << true;
    QTest::newRow("list is empty") << "Tags is empty" << false;
    QTest::newRow("absent list is empty") << "Service.Tags is empty" << true;
    QTest::newRow("int list in") << "80 in Ports" << true;
    QTest::newRow("int list in coerced") << "\"0x50\" in Ports" << true;
    QTest::newRow("int list not in") << "81 not in Ports" << true;
    QTest::newRow("map key") << "env in Meta" << true;
    QTest::newRow("map value") << "Meta.env == prod" << true;
    QTest::newRow("missing map key ==") << "Meta.nope == prod" << false;
    QTest::newRow("missing map key !=") << "Meta.nope != prod" << true;
    QTest::newRow("missing map key matches") << "Meta.nope matches x" << true;
    QTest::newRow("null map is empty") << "Service.Meta is empty" << true;
    QTest::newRow("null map lookup") << "Service.Meta.version == 1" << false;
    QTest::newRow("any element") << "Checks.Status == critical" << true;
    QTest::newRow("any element none") << "Checks.Status == warning" << false;
    QTest::newRow("absent list in element") << "Checks.ServiceTags is empty" << true;
    QTest::newRow("list of structs not empty") << "Checks is not empty" << true;
    QTest::newRow("regex") << "Service.Service matches \"^w\"" << true;
}

void TestFilter::typedEvaluate()
{
    QFETCH(QString, expression);
    QFETCH(bool, expected);
    QString error;
    const std::optional<Filter> f = Filter::parse(expression, testSchema(), &error);
    QVERIFY2(f.has_value(), qPrintable(error));
    QString evalError;
    QCOMPARE(f->matches(json(kTypedItem), &evalError), expected);
    QVERIFY(evalError.isEmpty());
}

void TestFilter::emptyExpressionMatchesAll()
{
    QString error;
    const std::optional<Filter> f = Filter::parse(u"", &error);
    QVERIFY(f.has_value());
    QVERIFY(f->isMatchAll());
    QVERIFY(f->matches(json(kItem)));
    QVERIFY(f->matches(QJsonValue()));
    const std::optional<Filter> typed = Filter::parse(u"", testSchema(), &error);
    QVERIFY(typed.has_value());
    QVERIFY(typed->matches(json(kTypedItem)));
}

void TestFilter::consulDocExamples()
{
    // website/content/api-docs/features/filtering.mdx: /v1/agent/services with Meta.env == "qa"
    const QJsonObject services = json(R"({
      "redis1": {"ID": "redis1", "Service": "redis", "Tags": ["primary", "production"],
                 "Meta": {"env": "production", "foo": "bar"}, "Port": 1234, "Address": "",
                 "Weights": {"Passing": 1, "Warning": 1}, "EnableTagOverride": false},
      "redis2": {"ID": "redis2", "Service": "redis", "Tags": ["secondary", "production"],
                 "Meta": {"env": "production", "foo": "bar"}, "Port": 1235, "Address": "",
                 "Weights": {"Passing": 1, "Warning": 1}, "EnableTagOverride": false},
      "redis3": {"ID": "redis3", "Service": "redis", "Tags": ["primary", "qa"], "Meta": {"env": "qa"},
                 "Port": 1234, "Address": "", "Weights": {"Passing": 1, "Warning": 1},
                 "EnableTagOverride": false}
    })")
                                     .toObject();
    QString error;
    auto f = Filter::parse(u"Meta.env == \"qa\"", &error);
    QVERIFY(f);
    auto kept = f->filterObjectValues(services, &error);
    QVERIFY(kept);
    QCOMPARE(kept->keys(), QStringList { "redis3" });

    // More agent-services filters in the same style.
    f = Filter::parse(u"primary in Tags and Port == 1234", &error);
    QVERIFY(f);
    kept = f->filterObjectValues(services, &error);
    QVERIFY(kept);
    QCOMPARE(kept->keys(), (QStringList { "redis1", "redis3" }));
    f = Filter::parse(u"Meta.foo is empty", &error); // missing key counts as empty
    QVERIFY(f);
    QCOMPARE(f->filterObjectValues(services, &error)->keys(), QStringList { "redis3" });

    // /v1/catalog/service/api-internal with NodeMeta.os == "linux"
    const QJsonArray nodes = json(R"([
      {"ID": "b4f64e8c", "Node": "node-1", "Address": "198.18.0.1", "Datacenter": "dc1", "TaggedAddresses": null,
       "NodeMeta": {"agent": "true", "arch": "i386", "os": "darwin"}, "ServiceKind": "",
       "ServiceID": "api-internal", "ServiceName": "api-internal", "ServiceTags": ["tag"],
       "ServiceMeta": {"environment": "qa"}, "ServicePort": 9090, "CreateIndex": 30, "ModifyIndex": 30},
      {"ID": "b4faf93a", "Node": "node-2", "Address": "198.18.0.2", "Datacenter": "dc1", "TaggedAddresses": null,
       "NodeMeta": {"arch": "arm", "os": "linux"}, "ServiceKind": "", "ServiceID": "api-internal",
       "ServiceName": "api-internal", "ServiceTags": ["test", "tag"], "ServiceMeta": {"environment": "production"},
       "ServicePort": 9090, "CreateIndex": 29, "ModifyIndex": 29},
      {"ID": "b4fbe7f4", "Node": "node-4", "Address": "198.18.0.4", "Datacenter": "dc1", "TaggedAddresses": null,
       "NodeMeta": {"arch": "i386", "os": "freebsd"}, "ServiceKind": "", "ServiceID": "api-internal",
       "ServiceName": "api-internal", "ServiceTags": [], "ServiceMeta": {"environment": "qa"},
       "ServicePort": 9090, "CreateIndex": 28, "ModifyIndex": 28}
    ])")
                                 .toArray();
    f = Filter::parse(u"NodeMeta.os == \"linux\"", &error);
    QVERIFY(f);
    auto filtered = f->filterArray(nodes, &error);
    QVERIFY(filtered);
    QCOMPARE(filtered->size(), 1);
    QCOMPARE(filtered->at(0)[u"Node"].toString(), QStringLiteral("node-2"));
    f = Filter::parse(u"ServiceTags is empty or NodeMeta.arch == arm", &error);
    QVERIFY(f);
    filtered = f->filterArray(nodes, &error);
    QVERIFY(filtered);
    QCOMPARE(filtered->size(), 2);
    QCOMPARE(filtered->at(0)[u"Node"].toString(), QStringLiteral("node-2"));
    QCOMPARE(filtered->at(1)[u"Node"].toString(), QStringLiteral("node-4"));

    // /v1/health/node/node-1 with ServiceName != ""
    const QJsonArray checks = json(R"([
      {"Node": "node-1", "CheckID": "node-health", "Name": "Node level check", "Status": "critical",
       "Notes": "", "Output": "", "ServiceID": "", "ServiceName": "", "ServiceTags": [], "Definition": {},
       "CreateIndex": 13, "ModifyIndex": 13},
      {"Node": "node-1", "CheckID": "svc-web-health", "Name": "Service level check - web", "Status": "warning",
       "Notes": "", "Output": "", "ServiceID": "", "ServiceName": "web", "ServiceTags": [], "Definition": {},
       "CreateIndex": 18, "ModifyIndex": 18}
    ])")
                                  .toArray();
    f = Filter::parse(u"ServiceName != \"\"", &error);
    QVERIFY(f);
    filtered = f->filterArray(checks, &error);
    QVERIFY(filtered);
    QCOMPARE(filtered->size(), 1);
    QCOMPARE(filtered->at(0)[u"CheckID"].toString(), QStringLiteral("svc-web-health"));
}

void TestFilter::filterHelpersReportErrors()
{
    QString error;
    const auto f = Filter::parse(u"Port contains 1", &error);
    QVERIFY(f);
    const QJsonArray items = json(R"([{"Port": "a1"}, {"Port": 1}])").toArray();
    QVERIFY(!f->filterArray(items, &error));
    QCOMPARE(error, QString(kPrefix + "Invalid match operator \"In\" for selector \"Port\""));
    error.clear();
    QVERIFY(!f->filterObjectValues(json(R"({"a": {"Port": 2}})").toObject(), &error));
    QVERIFY(!error.isEmpty());
    // An item whose type allows the operator filters normally.
    const auto ok = f->filterArray(json(R"([{"Port": "a1"}, {"Port": "b"}])").toArray(), &error);
    QVERIFY(ok);
    QCOMPARE(ok->size(), 1);
}

void TestFilter::schemaFromJsonErrors()
{
    QString error;
    QVERIFY(!Schema::fromJson(json(R"({"A": "strng"})"), &error));
    QVERIFY2(error.contains("strng"), qPrintable(error));
    QVERIFY(!Schema::fromJson(json(R"({"A": ["string", "int"]})"), &error));
    QVERIFY(!Schema::fromJson(QJsonValue(3), &error));

    // Builders produce the same behaviour as the compact notation.
    const Schema built = Schema::structure({
        { "Name", Schema::string() },
        { "Tags", Schema::list(Schema::string()) },
        { "Meta", Schema::map(Schema::string()) },
        { "Port", Schema::integer(16) },
        { "Up", Schema::boolean() },
        { "Load", Schema::floatingPoint(32) },
        { "Count", Schema::unsignedInteger(8) },
    });
    QVERIFY(!Filter::parse(u"Port == 70000", built, &error));
    QVERIFY2(error.endsWith("value out of range"), qPrintable(error));
    QVERIFY(!Filter::parse(u"Count == 256", built, &error));
    auto f = Filter::parse(
        u"Name == a and x in Tags and Meta.k == v and Up == true and Count == 3", built, &error);
    QVERIFY2(f, qPrintable(error));
    QVERIFY(f->matches(json(R"({"Name": "a", "Tags": ["x"], "Meta": {"k": "v"}, "Up": true, "Count": 3})")));
    QVERIFY(
        !f->matches(json(R"({"Name": "a", "Tags": ["x"], "Meta": {"k": "v"}, "Up": false, "Count": 3})")));

    // A top-level type must be a struct or a map.
    QVERIFY(!Filter::parse(u"a == b", Schema::string(), &error));
    QVERIFY(error.contains("Invalid top level type"));
    // A map at the top level: every selector's first segment is a key.
    f = Filter::parse(u"anything == x", Schema::map(Schema::string()), &error);
    QVERIFY2(f, qPrintable(error));
    QVERIFY(f->matches(json(R"({"anything": "x"})")));
    QVERIFY(!f->matches(json(R"({"other": "x"})")));
}

void TestFilter::deepNesting()
{
    // Nesting is parsed in linear time (a naive PEG re-parses each level twice on failure).
    const int levels = 200;
    QString expr = QString(levels, u'(') + QStringLiteral("Port == 8080") + QString(levels, u')');
    QElapsedTimer timer;
    timer.start();
    QString error;
    auto f = Filter::parse(expr, &error);
    QVERIFY2(f, qPrintable(error));
    QVERIFY(f->matches(json(kItem)));
    // Unbalanced: fails, still fast.
    const QString unbalanced
        = QString(levels, u'(') + QStringLiteral("Port == 8080") + QString(levels - 1, u')');
    QVERIFY(!Filter::parse(unbalanced, &error));
    QVERIFY2(error.contains("Unmatched parentheses"), qPrintable(error));
    QString nots;
    for (int i = 0; i < levels; ++i)
        nots += QStringLiteral("not ");
    f = Filter::parse(QString(nots + QStringLiteral("Port == 8080")), &error);
    QVERIFY(f);
    QVERIFY(f->matches(json(kItem))); // an even number of nots
    QVERIFY2(timer.elapsed() < 5000, qPrintable(QString::number(timer.elapsed())));

    // Beyond the limit: a clear error instead of a stack overflow.
    const QString tooDeep = QString(1000, u'(') + QStringLiteral("a == b") + QString(1000, u')');
    QVERIFY(!Filter::parse(tooDeep, &error));
    QVERIFY2(error.contains("deeper than 256 levels"), qPrintable(error));

    // Long flat chains are not nesting.
    QString chain = QStringLiteral("Port == 0");
    for (int i = 1; i < 5000; ++i)
        chain += QStringLiteral(" or Port == %1").arg(i);
    f = Filter::parse(chain, &error);
    QVERIFY2(f, qPrintable(error));
    QVERIFY(!f->matches(json(kItem)));
}

void TestFilter::goStrconv_data()
{
    QTest::addColumn<QString>("kind");
    QTest::addColumn<QString>("input");
    QTest::addColumn<QString>("value"); // expected value as text, or "!" + Go's error
    QTest::newRow("int") << "int"
                         << "42"
                         << "42";
    QTest::newRow("int signed") << "int"
                                << "+42"
                                << "42";
    QTest::newRow("int octal") << "int"
                               << "010"
                               << "8";
    QTest::newRow("int binary") << "int"
                                << "-0b101"
                                << "-5";
    QTest::newRow("int zero") << "int"
                              << "0"
                              << "0";
    QTest::newRow("int min") << "int"
                             << "-9223372036854775808"
                             << "-9223372036854775808";
    QTest::newRow("int overflow") << "int"
                                  << "9223372036854775808"
                                  << "!strconv.ParseInt: parsing \"9223372036854775808\": value out of range";
    QTest::newRow("int bad underscore") << "int"
                                        << "1__0"
                                        << "!strconv.ParseInt: parsing \"1__0\": invalid syntax";
    QTest::newRow("int 0x only") << "int"
                                 << "0x"
                                 << "!strconv.ParseInt: parsing \"0x\": invalid syntax";
    QTest::newRow("int empty") << "int"
                               << ""
                               << "!strconv.ParseInt: parsing \"\": invalid syntax";
    QTest::newRow("int unicode") << "int"
                                 << "\u0661"
                                 << "!strconv.ParseInt: parsing \"\u0661\": invalid syntax";
    QTest::newRow("uint max") << "uint"
                              << "18446744073709551615"
                              << "18446744073709551615";
    QTest::newRow("uint overflow")
        << "uint"
        << "18446744073709551616"
        << "!strconv.ParseUint: parsing \"18446744073709551616\": value out of range";
    QTest::newRow("float") << "float"
                           << "1.25"
                           << "1.25";
    QTest::newRow("float exp") << "float"
                               << "-2.5e3"
                               << "-2500";
    QTest::newRow("float leading dot") << "float"
                                       << ".5"
                                       << "0.5";
    QTest::newRow("float hex") << "float"
                               << "0x1.8p1"
                               << "3";
    QTest::newRow("float hex needs p") << "float"
                                       << "0x1.8"
                                       << "!strconv.ParseFloat: parsing \"0x1.8\": invalid syntax";
    QTest::newRow("float inf") << "float"
                               << "-Infinity"
                               << "-inf";
    QTest::newRow("float nan") << "float"
                               << "NaN"
                               << "nan";
    QTest::newRow("float signed nan") << "float"
                                      << "+nan"
                                      << "!strconv.ParseFloat: parsing \"+nan\": invalid syntax";
    QTest::newRow("float underscores") << "float"
                                       << "1_000.5"
                                       << "1000.5";
    QTest::newRow("float overflow") << "float"
                                    << "1e400"
                                    << "!strconv.ParseFloat: parsing \"1e400\": value out of range";
    QTest::newRow("float underflow") << "float"
                                     << "1e-400"
                                     << "0";
    QTest::newRow("float long exponent") << "float"
                                         << "1e0000000000000000001"
                                         << "10";
    QTest::newRow("float junk") << "float"
                                << "1.5x"
                                << "!strconv.ParseFloat: parsing \"1.5x\": invalid syntax";
    QTest::newRow("bool") << "bool"
                          << "TRUE"
                          << "true";
    QTest::newRow("bool bad") << "bool"
                              << "tRuE"
                              << "!strconv.ParseBool: parsing \"tRuE\": invalid syntax";
}

void TestFilter::goStrconv()
{
    using namespace qonsul::filter::detail;
    QFETCH(QString, kind);
    QFETCH(QString, input);
    QFETCH(QString, value);
    QString error;
    QString actual;
    if (kind == "int") {
        const auto v = goParseInt(input, 64, &error);
        actual = v ? QString::number(*v) : QStringLiteral("!") + error;
    } else if (kind == "uint") {
        const auto v = goParseUint(input, 64, &error);
        actual = v ? QString::number(*v) : QStringLiteral("!") + error;
    } else if (kind == "float") {
        const auto v = goParseFloat(input, 64, &error);
        actual = v ? QString::number(*v) : QStringLiteral("!") + error;
    } else {
        const auto v = goParseBool(input, &error);
        actual = v ? QString::fromLatin1(*v ? "true" : "false") : QStringLiteral("!") + error;
    }
    QCOMPARE(actual, value);
}

void TestFilter::goQuoteUnquote()
{
    using namespace qonsul::filter::detail;
    QCOMPARE(
        goQuote(u"a\"b\\c\n\t\u00e9\u0001\u00a0"), QStringLiteral("\"a\\\"b\\\\c\\n\\t\u00e9\\x01\\u00a0\""));
    QCOMPARE(goUnquote(u"\"a\\tb\""), QStringLiteral("a\tb"));
    QCOMPARE(goUnquote(u"`a\\tb\r`"), QStringLiteral("a\\tb"));
    QCOMPARE(goUnquote(u"\"\\U0001F600\""), QString::fromUtf8("\xF0\x9F\x98\x80"));
    QCOMPARE(goUnquote(u"\"\\101\\x42\""), QStringLiteral("AB"));
    QVERIFY(!goUnquote(u"\"\\'\""));
    QVERIFY(!goUnquote(u"\"\\ud800\""));
    QVERIFY(!goUnquote(u"\"\\400\""));
    QVERIFY(!goUnquote(u"\"a\nb\""));
    QVERIFY(!goUnquote(u"\"\\x4\""));
}

void TestFilter::performance()
{
    // Parse once, evaluate many: 20k health-service-like items.
    QJsonArray items;
    for (int i = 0; i < 20000; ++i) {
        QJsonObject service { { "ID", QStringLiteral("web-%1").arg(i) }, { "Service", "web" },
            { "Tags", QJsonArray { "v1", i % 2 ? "primary" : "secondary" } },
            { "Meta", QJsonObject { { "env", i % 3 ? "prod" : "qa" } } }, { "Port", 8000 + i % 100 } };
        QJsonArray checks { QJsonObject { { "CheckID", "serfHealth" }, { "Status", "passing" } },
            QJsonObject { { "CheckID", "svc" }, { "Status", i % 5 ? "passing" : "critical" } } };
        items.append(QJsonObject { { "Node", QJsonObject { { "Node", QStringLiteral("n%1").arg(i) } } },
            { "Service", service }, { "Checks", checks } });
    }
    QString error;
    const auto f = Filter::parse(u"Service.Meta.env == prod and primary in Service.Tags and "
                                 u"Checks.Status != passing and Node.Node matches \"^n[0-9]+$\"",
        &error);
    QVERIFY2(f, qPrintable(error));
    QElapsedTimer timer;
    timer.start();
    const auto kept = f->filterArray(items, &error);
    const qint64 ms = timer.elapsed();
    QVERIFY(kept);
    // i odd, i % 3 != 0, i % 5 == 0  ->  i ≡ 5, 25 (mod 30)
    QCOMPARE(kept->size(), 20000 / 30 * 2 + 1);
    qInfo("filtered 20000 items in %lld ms", ms);
    QVERIFY2(ms < 5000, qPrintable(QString::number(ms)));
}

QTEST_GUILESS_MAIN(TestFilter)
#include "tst_filter.moc"

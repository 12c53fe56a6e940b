// libFuzzer harness for the ?filter= parser and evaluator: the input is the expression (UTF-8).
// Besides memory and UB errors it checks the API's promises and aborts when one is broken:
//  - a rejected expression always comes with Consul's error prefix and a message;
//  - parsing with a schema only ever rejects more than parsing without one;
//  - with a schema, evaluation never fails; without one, a failure always has a message;
//  - evaluation is deterministic.

#include "filter/Filter.h"

#include <QJsonDocument>

#include <cstdint>
#include <cstdio>
#include <cstdlib>

using qonsul::filter::Filter;
using qonsul::filter::Schema;

namespace {

const char kItem[] = R"({
  "Node": "node-1", "Address": "10.0.0.1", "Port": 8080, "Weight": 1.5, "Enabled": true, "Neg": -3,
  "Meta": {"env": "prod", "some-key": "v", "": "empty key"}, "TaggedAddresses": null,
  "Tags": ["primary", "v1", ""], "Ports": [80, 443], "Flags": [true, false], "Mixed": [1, "a", null, {}, []],
  "Service": {"ID": "web1", "Service": "web", "Tags": ["x"], "Meta": {"version": "2"}, "Port": 80},
  "Checks": [{"CheckID": "c1", "Status": "passing", "ServiceTags": ["a"]},
             {"CheckID": "c2", "Status": "critical", "ServiceTags": [], "Nested": [[{"A": "b"}]]}],
  "Text": "line1\nline2", "Unicode": "h\u00e9llo \ud83d\ude00"
})";

const char kSchema[] = R"({
  "Node": "string", "Address": "string", "Port": "int", "Weight": "float64", "Ratio": "float32",
  "Enabled": "bool", "Small": "int8", "Count": "uint16", "Neg": "int32",
  "Meta": {"*": "string"}, "TaggedAddresses": {"*": "string"}, "Tags": ["string"], "Ports": ["int"],
  "Flags": ["bool"], "Floats": ["float32"],
  "Service": {"ID": "string", "Service": "string", "Address": "string", "Port": "int",
              "Tags": ["string"], "Meta": {"*": "string"}},
  "Checks": [{"CheckID": "string", "Status": "string", "ServiceTags": ["string"],
              "Nested": [[{"A": "string"}]]}],
  "Maps": {"*": {"*": ["int"]}}
})";

[[noreturn]] void fail(const char *what, const QString &detail)
{
    std::fprintf(stderr, "filter_fuzz: %s: %s\n", what, qPrintable(detail));
    std::abort();
}

struct Fixture
{
    QJsonValue item;
    Schema schema;
};

const Fixture &fixture()
{
    static const Fixture f = [] {
        const QJsonValue item = QJsonDocument::fromJson(QByteArray(kItem)).object();
        QString error;
        const std::optional<Schema> schema
            = Schema::fromJson(QJsonDocument::fromJson(QByteArray(kSchema)).object(), &error);
        if (item.toObject().isEmpty() || !schema)
            fail("bad fixture", error);
        return Fixture { item, *schema };
    }();
    return f;
}

const QString kPrefix = QStringLiteral("Failed to create boolean expression evaluator: ");

} // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    if (size > 4096)
        return 0; // long inputs only slow the search down
    const Fixture &fx = fixture();
    const QString expression = QString::fromUtf8(reinterpret_cast<const char *>(data), qsizetype(size));

    QString error;
    const std::optional<Filter> dynamic = Filter::parse(expression, &error);
    if (!dynamic && (!error.startsWith(kPrefix) || error.size() == kPrefix.size()))
        fail("rejected without a message", expression);

    QString typedError;
    const std::optional<Filter> typed = Filter::parse(expression, fx.schema, &typedError);
    if (!typed && (!typedError.startsWith(kPrefix) || typedError.size() == kPrefix.size()))
        fail("typed: rejected without a message", expression);
    if (typed && !dynamic)
        fail("typed parse accepted what the untyped parse rejected", expression);

    if (dynamic) {
        QString evalError;
        const bool r1 = dynamic->matches(fx.item, &evalError);
        if (!evalError.isEmpty() && r1)
            fail("evaluation failed but returned true", expression);
        QString evalError2;
        const bool r2 = dynamic->matches(fx.item, &evalError2);
        if (r1 != r2 || evalError != evalError2)
            fail("evaluation is not deterministic", expression);
        // Other shapes of item: no crash is the only expectation.
        dynamic->matches(QJsonValue());
        dynamic->matches(QJsonValue(42));
        dynamic->matches(fx.item.toObject().value(QLatin1StringView("Checks")));
    }
    if (typed) {
        QString evalError;
        typed->matches(fx.item, &evalError);
        if (!evalError.isEmpty())
            fail("typed evaluation failed", expression + QStringLiteral(" -> ") + evalError);
        typed->matches(QJsonValue(), &evalError);
        typed->matches(
            QJsonDocument::fromJson("{\"Checks\": 3, \"Meta\": [1], \"Tags\": {}}").object(), &evalError);
        if (!evalError.isEmpty())
            fail("typed evaluation of an odd item failed", expression + QStringLiteral(" -> ") + evalError);
    }
    return 0;
}

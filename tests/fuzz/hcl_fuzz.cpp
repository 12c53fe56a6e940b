// libFuzzer harness for the HCL configuration parser. Besides memory and UB errors it checks, and
// aborts when one is broken: whatever parses serializes as JSON that parses back to the same
// values (the loader hands the parsed object on as if it had come from a JSON file).
#include "config/Hcl.h"

#include <QJsonDocument>
#include <QJsonParseError>

#include <cstdint>
#include <cstdio>
#include <cstdlib>

namespace {

void require(bool ok, const char *what)
{
    if (!ok) {
        std::fprintf(stderr, "hcl_fuzz: broken promise: %s\n", what);
        std::abort();
    }
}

} // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    const QByteArray input(reinterpret_cast<const char *>(data), qsizetype(size));
    QString error;
    const std::optional<QJsonObject> parsed = qonsul::config::parseHcl(input, &error);
    if (!parsed) {
        require(error.startsWith(QLatin1String("At ")), "a parse error names its position");
        return 0;
    }
    const QByteArray json = QJsonDocument(*parsed).toJson(QJsonDocument::Compact);
    QJsonParseError pe;
    const QJsonDocument again = QJsonDocument::fromJson(json, &pe);
    require(pe.error == QJsonParseError::NoError && again.isObject(), "the parsed object serializes as JSON");
    // Compared as variants, which compare numbers by value: Qt reads a whole-valued double such
    // as 4.6e+18 back as an integer, which QJsonValue's == tells apart.
    require(again.object().toVariantMap() == parsed->toVariantMap(),
        "the parsed object survives a JSON round trip");
    return 0;
}

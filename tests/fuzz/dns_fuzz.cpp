// libFuzzer harness for the DNS wire codec and the resolver: the input is one DNS packet.
// Besides memory and UB errors it checks, and aborts when one is broken:
//  - a parsed message re-encodes (with and without compression) to bytes that parse again to
//    the same questions and records;
//  - the resolver, over UDP and TCP (each packet twice, so that cached replies are checked too),
//    either drops the packet, asks for recursion, or replies
//    with a message that parses, carries the query's ID and, over UDP, fits the client's size.

#include "dns/DnsResolver.h"
#include "state/Command.h"
#include "state/StateStore.h"

#include <QJsonArray>
#include <QJsonObject>

#include <cstdint>
#include <cstdio>
#include <cstdlib>

using namespace qonsul;
using namespace qonsul::dns;

namespace {

void require(bool ok, const char *what)
{
    if (!ok) {
        std::fprintf(stderr, "dns_fuzz: broken promise: %s\n", what);
        std::abort();
    }
}

bool sameRecords(const QList<Record> &a, const QList<Record> &b)
{
    if (a.size() != b.size())
        return false;
    for (qsizetype i = 0; i < a.size(); ++i) {
        const Record &x = a[i], &y = b[i];
        if (x.name != y.name || x.type != y.type || x.klass != y.klass || x.ttl != y.ttl || x.address != y.address
            || x.target != y.target || x.mbox != y.mbox || x.port != y.port || x.rdata != y.rdata)
            return false;
        // A character-string over 255 bytes cannot come out of a parse, so texts compare as is.
        if (x.texts != y.texts)
            return false;
    }
    return true;
}

state::StateStore *store()
{
    static state::StateStore *s = [] {
        auto *st = new state::StateStore;
        quint64 index = 0;
        auto reg = [&](const QJsonObject &body) { st->apply(++index, state::command::registerNode(body, 0)); };
        for (int i = 0; i < 12; ++i) {
            const QString node = QStringLiteral("node%1").arg(i);
            reg(QJsonObject{{"Node", node}, {"Address", QStringLiteral("10.0.0.%1").arg(i + 1)},
                            {"NodeMeta", QJsonObject{{"rack", "r1"}, {"rfc1035-x", "y"}}},
                            {"Service", QJsonObject{{"ID", "web"}, {"Service", "web"}, {"Port", 80 + i},
                                                    {"Tags", QJsonArray{"primary", "v1"}}}},
                            {"Check", QJsonObject{{"CheckID", "serfHealth"}, {"Status", i % 4 ? "passing" : "warning"}}}});
        }
        reg(QJsonObject{{"Node", "v6"}, {"Address", "2001:db8::1"},
                        {"Service", QJsonObject{{"ID", "ext"}, {"Service", "ext"}, {"Address", "example.org"}, {"Port", 1}}}});
        reg(QJsonObject{{"Node", "v6"}, {"Address", "2001:db8::1"},
                        {"Service", QJsonObject{{"ID", "consul"}, {"Service", "consul"}, {"Port", 8300}}}});
        return st;
    }();
    return s;
}

DnsResolver &resolver(bool truncate)
{
    auto make = [](bool t) {
        DnsSettings s;
        s.altDomain = "alt.example.";
        s.config.enableTruncate = t;
        s.config.aRecordLimit = t ? 2 : 0;
        s.config.serviceTtl = {{"*", 5 * kSecond}, {"we*", 7 * kSecond}};
        auto *r = new DnsResolver(store(), s);
        r->seed(1);
        return r;
    };
    static DnsResolver *plain = make(false), *trunc = make(true);
    return truncate ? *trunc : *plain;
}

} // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    const QByteArrayView in(reinterpret_cast<const char *>(data), qsizetype(size));
    ParseError err = ParseError::None;
    Header header;
    const std::optional<Message> m = parse(in, &err, &header);
    require(m.has_value() == (err == ParseError::None), "parse result and error agree");
    if (m) {
        for (bool compress : {true, false}) {
            const QByteArray wire = encode(*m, {compress});
            ParseError err2;
            const std::optional<Message> back = parse(wire, &err2);
            require(back.has_value(), "a parsed message re-encodes to a parseable one");
            require(back->questions.size() == m->questions.size(), "question count survives");
            for (qsizetype i = 0; i < m->questions.size(); ++i)
                require(back->questions[i].name == m->questions[i].name, "question names survive");
            require(sameRecords(back->answers, m->answers), "answers survive");
            require(sameRecords(back->authority, m->authority), "authority survives");
            require(sameRecords(back->additional, m->additional), "additional survives");
            require(back->edns.has_value() == m->edns.has_value(), "EDNS survives");
        }
    }
    // Twice: the second time may be answered from the resolver's reply cache.
    for (int pass = 0; pass < 4; ++pass) {
        const bool tcp = pass & 1, truncate = pass & 2;
        for (int again = 0; again < 2; ++again) {
            const DnsResolver::Outcome out = resolver(truncate).handle(in, tcp);
            if (out.action != DnsResolver::Action::Reply)
                continue;
            require(out.reply.size() >= 12, "a reply has a header");
            require(!tcp || out.reply.size() <= 65535, "a TCP reply fits its length prefix");
            const std::optional<Message> reply = parse(out.reply);
            require(reply.has_value(), "replies parse");
            require(reply->header.id == header.id && reply->header.qr, "replies carry the ID and QR");
            if (!tcp) {
                int limit = 512;
                if (m && m->edns && m->edns->udpSize > 512)
                    limit = m->edns->udpSize;
                require(out.reply.size() <= limit, "UDP replies fit the client's buffer");
            }
        }
    }
    return 0;
}

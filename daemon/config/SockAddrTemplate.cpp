#include "config/SockAddrTemplate.h"

#include <QFile>
#include <QNetworkInterface>
#include <QRegularExpression>
#include <QSet>

#include <algorithm>
#include <utility>
#include <vector>

namespace qonsul::config {

namespace {

struct IfAddr
{
    QString name;
    QHostAddress ip;
    int prefixLength = 0;
    QNetworkInterface::InterfaceFlags flags;
    bool defaultRoute = false;
};

using IfAddrs = std::vector<IfAddr>;

using Range = std::pair<QHostAddress, int>;

std::vector<Range> ranges(std::initializer_list<const char *> cidrs)
{
    std::vector<Range> out;
    for (const char *c : cidrs)
        out.push_back(QHostAddress::parseSubnet(QLatin1String(c)));
    return out;
}

bool inAny(const QHostAddress &ip, const std::vector<Range> &list)
{
    return std::any_of(list.begin(), list.end(), [&](const Range &r) { return ip.isInSubnet(r); });
}

// RFC 6890's special-purpose registry, which go-sockaddr calls "private".
const std::vector<Range> &rfc6890()
{
    static const auto list = ranges({
        "0.0.0.0/8",
        "10.0.0.0/8",
        "100.64.0.0/10",
        "127.0.0.0/8",
        "169.254.0.0/16",
        "172.16.0.0/12",
        "192.0.0.0/24",
        "192.0.2.0/24",
        "192.88.99.0/24",
        "192.168.0.0/16",
        "198.18.0.0/15",
        "198.51.100.0/24",
        "203.0.113.0/24",
        "240.0.0.0/4",
        "255.255.255.255/32",
        "::1/128",
        "::/128",
        "::ffff:0:0/96",
        "100::/64",
        "2001::/23",
        "2001:db8::/32",
        "2002::/16",
        "fc00::/7",
        "fe80::/10",
    });
    return list;
}

// Addresses that are never forwarded (go-sockaddr's "forwardable" flag is their complement).
const std::vector<Range> &notForwardable()
{
    static const auto list = ranges({
        "0.0.0.0/8",
        "127.0.0.0/8",
        "169.254.0.0/16",
        "224.0.0.0/4",
        "240.0.0.0/4",
        "255.255.255.255/32",
        "::/128",
        "::1/128",
        "fe80::/10",
        "ff00::/8",
    });
    return list;
}

const std::vector<Range> *rfcRanges(int rfc)
{
    static const auto r1918 = ranges({ "10.0.0.0/8", "172.16.0.0/12", "192.168.0.0/16" });
    static const auto r1122 = ranges({ "0.0.0.0/8", "127.0.0.0/8" });
    static const auto r3927 = ranges({ "169.254.0.0/16" });
    static const auto r4193 = ranges({ "fc00::/7" });
    static const auto r4291 = ranges({ "::1/128", "::/128", "::ffff:0:0/96", "fe80::/10" });
    static const auto r6598 = ranges({ "100.64.0.0/10" });
    switch (rfc) {
    case 1918:
        return &r1918;
    case 1122:
        return &r1122;
    case 3927:
        return &r3927;
    case 4193:
        return &r4193;
    case 4291:
        return &r4291;
    case 6598:
        return &r6598;
    case 6890:
        return &rfc6890();
    default:
        return nullptr;
    }
}

bool forwardable(const QHostAddress &ip)
{
    return !inAny(ip, notForwardable());
}

bool isUp(const IfAddr &a)
{
    return a.flags.testFlag(QNetworkInterface::IsUp);
}

// Interfaces with a default route, from the kernel's routing table (Linux); elsewhere every
// interface that is up and not loopback counts.
QSet<QString> defaultRouteInterfaces(bool *known)
{
    QSet<QString> names;
    *known = false;
    for (const char *file : { "/proc/net/route", "/proc/net/ipv6_route" }) {
        QFile f { QString::fromLatin1(file) };
        if (!f.open(QIODevice::ReadOnly))
            continue;
        *known = true;
        const bool v6 = QLatin1String(file).endsWith(QLatin1String("ipv6_route"));
        const QList<QByteArray> lines = f.readAll().split('\n');
        for (const QByteArray &line : lines) {
            const QList<QByteArray> cols = line.simplified().split(' ');
            if (!v6 && cols.size() > 1 && cols.at(1) == "00000000")
                names.insert(QString::fromLatin1(cols.at(0)));
            // ipv6_route: dest, dest prefix, ..., iface last; ::/0 is the default.
            if (v6 && cols.size() >= 10 && cols.at(0) == QByteArray(32, '0') && cols.at(1) == "00"
                && cols.last() != "lo")
                names.insert(QString::fromLatin1(cols.last()));
        }
    }
    return names;
}

IfAddrs allInterfaces()
{
    bool routesKnown = false;
    const QSet<QString> defaults = defaultRouteInterfaces(&routesKnown);
    IfAddrs out;
    const auto interfaces = QNetworkInterface::allInterfaces();
    for (const QNetworkInterface &iface : interfaces) {
        for (const QNetworkAddressEntry &e : iface.addressEntries()) {
            IfAddr a;
            a.name = iface.name();
            a.ip = e.ip();
            a.ip.setScopeId(QString());
            a.prefixLength = e.prefixLength();
            a.flags = iface.flags();
            a.defaultRoute = routesKnown ? defaults.contains(iface.name())
                                         : iface.flags().testFlag(QNetworkInterface::IsUp)
                    && !iface.flags().testFlag(QNetworkInterface::IsLoopBack);
            out.push_back(a);
        }
    }
    return out;
}

// go-sockaddr orders private/public lists by type (IPv4 first) then by network size
// (smallest network first).
void sortByTypeAndSize(IfAddrs &list)
{
    std::stable_sort(list.begin(), list.end(), [](const IfAddr &x, const IfAddr &y) {
        const bool x4 = x.ip.protocol() == QAbstractSocket::IPv4Protocol;
        const bool y4 = y.ip.protocol() == QAbstractSocket::IPv4Protocol;
        if (x4 != y4)
            return x4;
        const int xs = (x4 ? 32 : 128) - x.prefixLength;
        const int ys = (y4 ? 32 : 128) - y.prefixLength;
        return xs < ys;
    });
}

IfAddrs privateInterfaces()
{
    IfAddrs out;
    for (const IfAddr &a : allInterfaces()) {
        if (a.defaultRoute && isUp(a) && forwardable(a.ip) && inAny(a.ip, rfc6890()))
            out.push_back(a);
    }
    sortByTypeAndSize(out);
    return out;
}

IfAddrs publicInterfaces()
{
    IfAddrs out;
    for (const IfAddr &a : allInterfaces()) {
        if (a.defaultRoute && isUp(a) && forwardable(a.ip) && !inAny(a.ip, rfc6890()))
            out.push_back(a);
    }
    sortByTypeAndSize(out);
    return out;
}

IfAddrs defaultInterfaces()
{
    IfAddrs out;
    for (const IfAddr &a : allInterfaces()) {
        if (a.defaultRoute)
            out.push_back(a);
    }
    return out;
}

IfAddrs namedInterface(const QString &name)
{
    IfAddrs out;
    for (const IfAddr &a : allInterfaces()) {
        if (a.name == name)
            out.push_back(a);
    }
    sortByTypeAndSize(out);
    return out;
}

QString attribute(const IfAddr &a, const QString &attr, QString *error)
{
    if (attr == u"address" || attr == u"ip")
        return a.ip.toString();
    if (attr == u"name")
        return a.name;
    if (attr == u"network") {
        const QHostAddress net(a.ip.protocol() == QAbstractSocket::IPv4Protocol
                ? QHostAddress(
                    a.ip.toIPv4Address() & (a.prefixLength == 0 ? 0u : ~0u << (32 - a.prefixLength)))
                : a.ip);
        return net.toString() + u'/' + QString::number(a.prefixLength);
    }
    if (attr == u"size")
        return QString::number(a.prefixLength);
    *error = QStringLiteral("unsupported attribute %1").arg(attr);
    return {};
}

// Splits the inside of {{ }} into words; quoted strings keep their content.
QStringList tokenize(const QString &s, QString *error)
{
    QStringList out;
    qsizetype i = 0;
    while (i < s.size()) {
        const QChar c = s.at(i);
        if (c.isSpace()) {
            ++i;
        } else if (c == u'|') {
            out.append(QStringLiteral("|"));
            ++i;
        } else if (c == u'"' || c == u'`') {
            const QChar quote = c;
            QString word;
            ++i;
            while (i < s.size() && s.at(i) != quote) {
                if (quote == u'"' && s.at(i) == u'\\' && i + 1 < s.size())
                    ++i;
                word.append(s.at(i));
                ++i;
            }
            if (i >= s.size()) {
                *error = QStringLiteral("unterminated quoted string");
                return {};
            }
            ++i;
            out.append(u'\x01' + word); // marks a quoted word
        } else {
            QString word;
            while (i < s.size() && !s.at(i).isSpace() && s.at(i) != u'|' && s.at(i) != u'"')
                word.append(s.at(i++));
            out.append(word);
        }
    }
    return out;
}

QString unquote(const QString &w)
{
    return w.startsWith(u'\x01') ? w.mid(1) : w;
}

bool matchesFilter(const IfAddr &a, const QString &selector, const QString &arg, bool *ok, QString *error)
{
    *ok = true;
    if (selector == u"name") {
        const QRegularExpression re(arg);
        if (!re.isValid()) {
            *ok = false;
            *error = QStringLiteral("invalid regular expression %1").arg(arg);
            return false;
        }
        return re.match(a.name).hasMatch();
    }
    if (selector == u"type") {
        const QString t = arg.toLower();
        if (t == u"ipv4")
            return a.ip.protocol() == QAbstractSocket::IPv4Protocol;
        if (t == u"ipv6")
            return a.ip.protocol() == QAbstractSocket::IPv6Protocol;
        if (t == u"ip")
            return true;
        if (t == u"unix")
            return false;
        *ok = false;
        *error = QStringLiteral("unsupported type %1").arg(arg);
        return false;
    }
    if (selector == u"flag" || selector == u"flags") {
        const QStringList wanted = arg.split(u'|', Qt::SkipEmptyParts);
        for (const QString &flag : wanted) {
            bool has = false;
            if (flag == u"up")
                has = isUp(a);
            else if (flag == u"down")
                has = !isUp(a);
            else if (flag == u"loopback")
                has = a.flags.testFlag(QNetworkInterface::IsLoopBack);
            else if (flag == u"broadcast")
                has = a.flags.testFlag(QNetworkInterface::CanBroadcast);
            else if (flag == u"multicast")
                has = a.flags.testFlag(QNetworkInterface::CanMulticast);
            else if (flag == u"point-to-point" || flag == u"pointtopoint")
                has = a.flags.testFlag(QNetworkInterface::IsPointToPoint);
            else if (flag == u"forwardable")
                has = forwardable(a.ip);
            else if (flag == u"global unicast" || flag == u"unicast")
                has = forwardable(a.ip) && !a.ip.isMulticast();
            else if (flag == u"link-local unicast")
                has = a.ip.isLinkLocal();
            else {
                *ok = false;
                *error = QStringLiteral("unsupported flag %1").arg(flag);
                return false;
            }
            if (!has)
                return false;
        }
        return true;
    }
    if (selector == u"rfc" || selector == u"rfcs") {
        for (const QString &n : arg.split(u'|', Qt::SkipEmptyParts)) {
            const std::vector<Range> *list = rfcRanges(n.toInt());
            if (!list) {
                *ok = false;
                *error = QStringLiteral("unsupported RFC %1").arg(n);
                return false;
            }
            if (inAny(a.ip, *list))
                return true;
        }
        return false;
    }
    if (selector == u"network") {
        const Range r = QHostAddress::parseSubnet(arg);
        if (r.first.isNull()) {
            *ok = false;
            *error = QStringLiteral("invalid network %1").arg(arg);
            return false;
        }
        return a.ip.isInSubnet(r);
    }
    *ok = false;
    *error = QStringLiteral("unsupported selector %1").arg(selector);
    return false;
}

QString joinAddresses(const IfAddrs &list)
{
    QStringList out;
    for (const IfAddr &a : list)
        out.append(a.ip.toString());
    return out.join(u' ');
}

// Evaluates one {{ ... }} action.
std::optional<QString> evaluate(const QString &action, QString *error)
{
    QStringList tokens = tokenize(action, error);
    if (!error->isEmpty())
        return std::nullopt;
    // Split into pipeline stages.
    QList<QStringList> stages { {} };
    for (const QString &t : std::as_const(tokens)) {
        if (t == u"|")
            stages.append(QStringList());
        else
            stages.last().append(t);
    }
    if (stages.first().isEmpty()) {
        *error = QStringLiteral("empty template action");
        return std::nullopt;
    }

    const QString fn = unquote(stages.first().first());
    const QStringList args = stages.first().mid(1);
    auto needArgs = [&](qsizetype n) {
        if (args.size() != n) {
            *error = QStringLiteral("%1 expects %2 argument(s)").arg(fn).arg(n);
            return false;
        }
        return true;
    };

    IfAddrs list;
    std::optional<QString> text;
    if (fn == u"GetPrivateIP" || fn == u"GetPublicIP") {
        if (!needArgs(0))
            return std::nullopt;
        const IfAddrs l = fn == u"GetPrivateIP" ? privateInterfaces() : publicInterfaces();
        text = l.empty() ? QString() : l.front().ip.toString();
    } else if (fn == u"GetPrivateIPs" || fn == u"GetPublicIPs") {
        if (!needArgs(0))
            return std::nullopt;
        text = joinAddresses(fn == u"GetPrivateIPs" ? privateInterfaces() : publicInterfaces());
    } else if (fn == u"GetInterfaceIP" || fn == u"GetInterfaceIPs") {
        if (!needArgs(1))
            return std::nullopt;
        const IfAddrs l = namedInterface(unquote(args.first()));
        if (l.empty()) {
            *error = QStringLiteral("no addresses found on interface %1").arg(unquote(args.first()));
            return std::nullopt;
        }
        text = fn == u"GetInterfaceIP" ? l.front().ip.toString() : joinAddresses(l);
    } else if (fn == u"GetAllInterfaces") {
        list = allInterfaces();
    } else if (fn == u"GetDefaultInterfaces") {
        list = defaultInterfaces();
    } else if (fn == u"GetPrivateInterfaces") {
        list = privateInterfaces();
    } else if (fn == u"GetPublicInterfaces") {
        list = publicInterfaces();
    } else {
        *error = QStringLiteral("unsupported go-sockaddr function %1 (supported: GetPrivateIP, GetPublicIP, "
                                "GetPrivateIPs, GetPublicIPs, GetInterfaceIP, GetInterfaceIPs, "
                                "GetAllInterfaces, GetDefaultInterfaces, GetPrivateInterfaces, "
                                "GetPublicInterfaces)")
                     .arg(fn);
        return std::nullopt;
    }

    for (qsizetype s = 1; s < stages.size(); ++s) {
        const QStringList &st = stages.at(s);
        if (st.isEmpty()) {
            *error = QStringLiteral("empty pipeline stage");
            return std::nullopt;
        }
        const QString op = unquote(st.first());
        if (text) {
            *error = QStringLiteral("%1 cannot follow %2").arg(op, fn);
            return std::nullopt;
        }
        if (op == u"include" || op == u"exclude") {
            if (st.size() != 3) {
                *error = QStringLiteral("%1 expects 2 arguments").arg(op);
                return std::nullopt;
            }
            IfAddrs kept;
            for (const IfAddr &a : list) {
                bool ok = true;
                const bool m = matchesFilter(a, unquote(st.at(1)).toLower(), unquote(st.at(2)), &ok, error);
                if (!ok)
                    return std::nullopt;
                if (m == (op == u"include"))
                    kept.push_back(a);
            }
            list = std::move(kept);
        } else if (op == u"sort") {
            // Interface order is kept; go-sockaddr's sort keys are not reproduced.
        } else if (op == u"limit" || op == u"offset") {
            bool ok = false;
            const int n = st.size() == 2 ? unquote(st.at(1)).toInt(&ok) : 0;
            if (!ok || n < 0) {
                *error = QStringLiteral("%1 expects a non-negative number").arg(op);
                return std::nullopt;
            }
            if (op == u"limit")
                list.resize(std::min<size_t>(list.size(), n));
            else
                list.erase(list.begin(), list.begin() + std::min<size_t>(list.size(), n));
        } else if (op == u"attr") {
            if (st.size() != 2) {
                *error = QStringLiteral("attr expects 1 argument");
                return std::nullopt;
            }
            text = list.empty() ? QString() : attribute(list.front(), unquote(st.at(1)), error);
            if (!error->isEmpty())
                return std::nullopt;
        } else if (op == u"join") {
            if (st.size() != 3) {
                *error = QStringLiteral("join expects 2 arguments");
                return std::nullopt;
            }
            QStringList parts;
            for (const IfAddr &a : list) {
                parts.append(attribute(a, unquote(st.at(1)), error));
                if (!error->isEmpty())
                    return std::nullopt;
            }
            text = parts.join(unquote(st.at(2)));
        } else {
            *error = QStringLiteral("unsupported template function %1").arg(op);
            return std::nullopt;
        }
    }
    return text ? *text : joinAddresses(list);
}

} // namespace

std::optional<QString> expandSockAddrTemplate(const QString &text, QString *error)
{
    if (!text.contains(u"{{"))
        return text;
    QString out;
    qsizetype pos = 0;
    while (pos < text.size()) {
        const qsizetype open = text.indexOf(u"{{", pos);
        if (open < 0) {
            out.append(text.mid(pos));
            break;
        }
        out.append(text.mid(pos, open - pos));
        const qsizetype close = text.indexOf(u"}}", open + 2);
        if (close < 0) {
            *error = QStringLiteral("unclosed action");
            return std::nullopt;
        }
        QString action = text.mid(open + 2, close - open - 2);
        // Go templates' whitespace trim markers: "{{- x -}}".
        if (action.startsWith(u"- "))
            action = action.mid(2);
        if (action.endsWith(u" -"))
            action.chop(2);
        QString err;
        const std::optional<QString> value = evaluate(action.trimmed(), &err);
        if (!value) {
            *error = err;
            return std::nullopt;
        }
        out.append(*value);
        pos = close + 2;
    }
    return out;
}

QStringList privateIPv4Addresses()
{
    QStringList out;
    for (const IfAddr &a : privateInterfaces()) {
        if (a.ip.protocol() == QAbstractSocket::IPv4Protocol && !out.contains(a.ip.toString()))
            out.append(a.ip.toString());
    }
    return out;
}

QStringList publicIPv6Addresses()
{
    QStringList out;
    for (const IfAddr &a : publicInterfaces()) {
        if (a.ip.protocol() == QAbstractSocket::IPv6Protocol && !out.contains(a.ip.toString()))
            out.append(a.ip.toString());
    }
    return out;
}

} // namespace qonsul::config

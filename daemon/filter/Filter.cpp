#include "Filter.h"

#include "FilterAst_p.h"
#include "FilterParser_p.h"
#include "GoStrconv_p.h"

#include <QHash>

namespace qonsul::filter {

namespace detail {

struct SchemaNode
{
    enum class Kind : quint8
    {
        String,
        Bool,
        Int,
        Uint,
        Float,
        List,
        Map,
        Struct
    };
    Kind kind = Kind::String;
    int bits = 64; // Int / Uint / Float
    std::shared_ptr<const SchemaNode> element; // List / Map
    QHash<QString, std::shared_ptr<const SchemaNode>> fields; // Struct

    bool isPrimitive() const { return kind <= Kind::Float; }
};

} // namespace detail

using detail::MatchExpr;
using detail::MatchOp;
using detail::Node;
using detail::SchemaNode;

namespace {

const QString kCreatePrefix = QStringLiteral("Failed to create boolean expression evaluator: ");

std::shared_ptr<const SchemaNode> makeNode(SchemaNode::Kind kind, int bits = 64)
{
    auto node = std::make_shared<SchemaNode>();
    node->kind = kind;
    node->bits = bits;
    return node;
}

int normalizedBits(int bits, bool isFloat)
{
    if (isFloat)
        return bits == 32 ? 32 : 64;
    return (bits == 8 || bits == 16 || bits == 32) ? bits : 64;
}

QString quotedSelector(const QStringList &path, qsizetype count)
{
    return detail::goQuote(path.first(count).join(u'.'));
}

QString invalidOperatorMessage(const MatchExpr &m)
{
    return QStringLiteral("Invalid match operator \"") + QLatin1StringView(detail::matchOpName(m.op))
        + QStringLiteral("\" for selector ") + quotedSelector(m.path, m.path.size());
}

QString coerceMessage(const MatchExpr &m, const QString &why)
{
    return QStringLiteral("Failed to coerce value ") + detail::goQuote(m.raw)
        + QStringLiteral(" for selector ") + quotedSelector(m.path, m.path.size()) + QStringLiteral(": ")
        + why;
}

bool isRegexOp(MatchOp op)
{
    return op == MatchOp::Matches || op == MatchOp::NotMatches;
}

// What a missing map key (or a null where a container was expected) evaluates to, per operator.
// bexpr's release used by Consul answers true for `matches` too (its default branch), kept as is.
bool missingDisposition(MatchOp op)
{
    switch (op) {
    case MatchOp::Equal:
    case MatchOp::IsNotEmpty:
    case MatchOp::In:
        return false;
    case MatchOp::NotEqual:
    case MatchOp::IsEmpty:
    case MatchOp::NotIn:
    case MatchOp::Matches:
    case MatchOp::NotMatches:
        return true;
    }
    return false;
}

// Positive form of the operator: the caller negates for the Not* variants.
bool isNegated(MatchOp op)
{
    return op == MatchOp::NotEqual || op == MatchOp::NotIn || op == MatchOp::IsNotEmpty
        || op == MatchOp::NotMatches;
}

bool compileRegex(MatchExpr &m, QString *error)
{
    m.regex = QRegularExpression(m.raw);
    m.regex.optimize(); // compile now: matching later is const and shared between threads
    if (!m.regex.isValid()) {
        *error = QStringLiteral("Failed to compile regular expression ") + detail::goQuote(m.raw)
            + QStringLiteral(": error parsing regexp: ") + m.regex.errorString()
            + QStringLiteral(" at offset ") + QString::number(m.regex.patternErrorOffset());
        return false;
    }
    return true;
}

template<class F> bool forEachMatch(Node &node, F &&f)
{
    if (node.kind == Node::Kind::Match)
        return f(*node.match);
    for (Node &child : node.children) {
        if (!forEachMatch(child, f))
            return false;
    }
    return true;
}

// Dynamic mode: coerce the value every way it might be needed and compile regexes.
bool compileDynamic(MatchExpr &m, QString *error)
{
    if (m.hasValue) {
        m.asInt = detail::goParseInt(m.raw, 64, &m.intError);
        m.asUint = detail::goParseUint(m.raw, 64, nullptr);
        m.asFloat = detail::goParseFloat(m.raw, 64, &m.floatError);
        m.asBool = detail::goParseBool(m.raw, &m.boolError);
    }
    if (isRegexOp(m.op))
        return compileRegex(m, error);
    return true;
}

// Typed mode: bexpr's validation against the field configurations generated from the Go type.
bool validateTyped(MatchExpr &m, const SchemaNode *root, QString *error)
{
    m.segmentTypes.clear();
    const SchemaNode *current = root;
    for (qsizetype i = 0; i < m.path.size(); ++i) {
        // Selecting through a slice selects in its elements (a slice of primitives has no subfields).
        const SchemaNode *container = current;
        while (container->kind == SchemaNode::Kind::List && !container->element->isPrimitive())
            container = container->element.get();
        const SchemaNode *next = nullptr;
        if (container->kind == SchemaNode::Kind::Struct) {
            const auto it = container->fields.constFind(m.path[i]);
            if (it != container->fields.constEnd())
                next = it->get();
        } else if (container->kind == SchemaNode::Kind::Map) {
            next = container->element.get();
        }
        if (!next) {
            *error = QStringLiteral("Selector ") + quotedSelector(m.path, i + 1)
                + QStringLiteral(" is not valid");
            return false;
        }
        m.segmentTypes.push_back(next);
        current = next;
    }
    m.leafType = current;

    // Supported operators and the coercion applied to the value.
    bool allowed = false;
    const SchemaNode *coerceAs = nullptr;
    switch (current->kind) {
    case SchemaNode::Kind::String:
        allowed = m.op != MatchOp::IsEmpty && m.op != MatchOp::IsNotEmpty;
        coerceAs = current;
        break;
    case SchemaNode::Kind::Bool:
    case SchemaNode::Kind::Int:
    case SchemaNode::Kind::Uint:
    case SchemaNode::Kind::Float:
        allowed = m.op == MatchOp::Equal || m.op == MatchOp::NotEqual;
        coerceAs = current;
        break;
    case SchemaNode::Kind::List:
        if (current->element->isPrimitive()) {
            allowed = m.op == MatchOp::In || m.op == MatchOp::NotIn || m.op == MatchOp::IsEmpty
                || m.op == MatchOp::IsNotEmpty;
            coerceAs = current->element.get();
        } else {
            allowed = m.op == MatchOp::IsEmpty || m.op == MatchOp::IsNotEmpty;
        }
        break;
    case SchemaNode::Kind::Map:
        allowed = m.op == MatchOp::In || m.op == MatchOp::NotIn || m.op == MatchOp::IsEmpty
            || m.op == MatchOp::IsNotEmpty;
        break; // keys are strings: no coercion
    case SchemaNode::Kind::Struct:
        allowed = false;
        break;
    }
    if (!allowed) {
        *error = invalidOperatorMessage(m);
        return false;
    }

    if (m.hasValue && coerceAs) {
        QString why;
        switch (coerceAs->kind) {
        case SchemaNode::Kind::Bool:
            m.asBool = detail::goParseBool(m.raw, &why);
            if (!m.asBool) {
                *error = coerceMessage(m, why);
                return false;
            }
            break;
        case SchemaNode::Kind::Int:
            m.asInt = detail::goParseInt(m.raw, coerceAs->bits, &why);
            if (!m.asInt) {
                *error = coerceMessage(m, why);
                return false;
            }
            break;
        case SchemaNode::Kind::Uint:
            m.asUint = detail::goParseUint(m.raw, coerceAs->bits, &why);
            if (!m.asUint) {
                *error = coerceMessage(m, why);
                return false;
            }
            break;
        case SchemaNode::Kind::Float:
            m.asFloat = detail::goParseFloat(m.raw, coerceAs->bits, &why);
            if (!m.asFloat) {
                *error = coerceMessage(m, why);
                return false;
            }
            break;
        default:
            break;
        }
    }
    if (m.hasValue && isRegexOp(m.op))
        return compileRegex(m, error);
    return true;
}

// ---------------------------------------------------------------------------------------------
// Evaluation

struct EvalContext
{
    QString error;
    bool failed = false;

    bool fail(QString message)
    {
        if (!failed) {
            failed = true;
            error = std::move(message);
        }
        return false;
    }
};

// The JSON number as an integer when it is a whole number representable as qint64.
bool integerOf(const QJsonValue &v, qint64 *out)
{
    const qint64 a = v.toInteger(0);
    const qint64 b = v.toInteger(1);
    if (a != b)
        return false;
    *out = a;
    return true;
}

// Numeric equality for dynamic mode. Returns nullopt when the value cannot be coerced.
std::optional<bool> dynamicNumberEquals(const MatchExpr &m, const QJsonValue &v)
{
    qint64 iv = 0;
    if (integerOf(v, &iv)) {
        if (m.asInt)
            return iv == *m.asInt;
        if (m.asUint)
            return iv >= 0 && quint64(iv) == *m.asUint;
        if (m.asFloat)
            return double(iv) == *m.asFloat;
        return std::nullopt;
    }
    if (m.asFloat)
        return v.toDouble() == *m.asFloat;
    return std::nullopt;
}

bool dynamicElementEquals(const MatchExpr &m, const QJsonValue &e)
{
    switch (e.type()) {
    case QJsonValue::String:
        return e.toString() == m.raw;
    case QJsonValue::Double:
        return dynamicNumberEquals(m, e).value_or(false);
    case QJsonValue::Bool:
        return m.asBool && e.toBool() == *m.asBool;
    default:
        return false;
    }
}

bool dynamicTerminal(const MatchExpr &m, const QJsonValue &v, EvalContext &ctx)
{
    const bool negate = isNegated(m.op);
    bool result = false;
    switch (v.type()) {
    case QJsonValue::String: {
        const QString s = v.toString();
        switch (m.op) {
        case MatchOp::Equal:
        case MatchOp::NotEqual:
            result = s == m.raw;
            break;
        case MatchOp::In:
        case MatchOp::NotIn:
            result = m.raw.isEmpty() || s.contains(m.raw);
            break;
        case MatchOp::Matches:
        case MatchOp::NotMatches:
            result = m.regex.match(s).hasMatch();
            break;
        case MatchOp::IsEmpty:
        case MatchOp::IsNotEmpty:
            result = s.isEmpty();
            break;
        }
        break;
    }
    case QJsonValue::Double: {
        if (m.op != MatchOp::Equal && m.op != MatchOp::NotEqual)
            return ctx.fail(kCreatePrefix + invalidOperatorMessage(m));
        const std::optional<bool> eq = dynamicNumberEquals(m, v);
        if (!eq) {
            qint64 ignored = 0;
            return ctx.fail(
                kCreatePrefix + coerceMessage(m, integerOf(v, &ignored) ? m.intError : m.floatError));
        }
        result = *eq;
        break;
    }
    case QJsonValue::Bool:
        if (m.op != MatchOp::Equal && m.op != MatchOp::NotEqual)
            return ctx.fail(kCreatePrefix + invalidOperatorMessage(m));
        if (!m.asBool)
            return ctx.fail(kCreatePrefix + coerceMessage(m, m.boolError));
        result = v.toBool() == *m.asBool;
        break;
    case QJsonValue::Array: {
        const QJsonArray arr = v.toArray();
        if (m.op == MatchOp::IsEmpty || m.op == MatchOp::IsNotEmpty) {
            result = arr.isEmpty();
        } else if (m.op == MatchOp::In || m.op == MatchOp::NotIn) {
            for (const QJsonValue &e : arr) {
                if (dynamicElementEquals(m, e)) {
                    result = true;
                    break;
                }
            }
        } else {
            return ctx.fail(kCreatePrefix + invalidOperatorMessage(m));
        }
        break;
    }
    case QJsonValue::Object: {
        const QJsonObject obj = v.toObject();
        if (m.op == MatchOp::IsEmpty || m.op == MatchOp::IsNotEmpty)
            result = obj.isEmpty();
        else if (m.op == MatchOp::In || m.op == MatchOp::NotIn)
            result = obj.contains(m.raw);
        else
            return ctx.fail(kCreatePrefix + invalidOperatorMessage(m));
        break;
    }
    case QJsonValue::Null:
    case QJsonValue::Undefined:
        return missingDisposition(m.op);
    }
    return negate ? !result : result;
}

bool evalDynamic(const MatchExpr &m, const QJsonValue &v, qsizetype depth, EvalContext &ctx)
{
    if (v.isUndefined() || v.isNull())
        return missingDisposition(m.op);
    if (depth == m.path.size())
        return dynamicTerminal(m, v, ctx);
    if (v.isArray()) {
        // Selecting through a list: true if the rest of the selector matches for any element.
        const QJsonArray arr = v.toArray();
        for (const QJsonValue &e : arr) {
            const bool r = evalDynamic(m, e, depth, ctx);
            if (ctx.failed)
                return false;
            if (r)
                return true;
        }
        return false;
    }
    if (v.isObject()) {
        const QJsonObject obj = v.toObject();
        const auto it = obj.constFind(m.path[depth]);
        if (it == obj.constEnd())
            return missingDisposition(m.op);
        return evalDynamic(m, it.value(), depth + 1, ctx);
    }
    return ctx.fail(kCreatePrefix + QStringLiteral("Selector ") + quotedSelector(m.path, depth + 1)
        + QStringLiteral(" is not valid"));
}

qint64 typedInt(const QJsonValue &v)
{
    qint64 iv = 0;
    if (integerOf(v, &iv))
        return iv;
    return v.isDouble() ? qint64(v.toDouble()) : 0;
}

quint64 typedUint(const QJsonValue &v)
{
    qint64 iv = 0;
    if (integerOf(v, &iv))
        return quint64(iv);
    const double d = v.isDouble() ? v.toDouble() : 0;
    return d > 0 ? quint64(d) : 0;
}

// Equality of a primitive-typed JSON value with the pre-coerced match value. Values missing from the
// JSON (omitempty) read as the Go zero value.
bool typedEquals(const MatchExpr &m, const SchemaNode *type, const QJsonValue &v)
{
    switch (type->kind) {
    case SchemaNode::Kind::String:
        return (v.isString() ? v.toString() : QString()) == m.raw;
    case SchemaNode::Kind::Bool:
        return m.asBool && (v.isBool() && v.toBool()) == *m.asBool;
    case SchemaNode::Kind::Int:
        return m.asInt && typedInt(v) == *m.asInt;
    case SchemaNode::Kind::Uint:
        return m.asUint && typedUint(v) == *m.asUint;
    case SchemaNode::Kind::Float: {
        if (!m.asFloat)
            return false;
        const double d = v.isDouble() ? v.toDouble() : 0.0;
        if (type->bits == 32)
            return float(d) == float(*m.asFloat);
        return d == *m.asFloat;
    }
    default:
        return false;
    }
}

bool typedTerminal(const MatchExpr &m, const SchemaNode *type, const QJsonValue &v)
{
    bool result = false;
    switch (type->kind) {
    case SchemaNode::Kind::String: {
        const QString s = v.isString() ? v.toString() : QString();
        if (m.op == MatchOp::In || m.op == MatchOp::NotIn)
            result = m.raw.isEmpty() || s.contains(m.raw);
        else if (isRegexOp(m.op))
            result = m.regex.match(s).hasMatch();
        else
            result = s == m.raw;
        break;
    }
    case SchemaNode::Kind::Bool:
    case SchemaNode::Kind::Int:
    case SchemaNode::Kind::Uint:
    case SchemaNode::Kind::Float:
        result = typedEquals(m, type, v);
        break;
    case SchemaNode::Kind::List: {
        const QJsonArray arr = v.toArray(); // empty unless v is an array
        if (m.op == MatchOp::IsEmpty || m.op == MatchOp::IsNotEmpty) {
            result = arr.isEmpty();
        } else {
            for (const QJsonValue &e : arr) {
                if (typedEquals(m, type->element.get(), e)) {
                    result = true;
                    break;
                }
            }
        }
        break;
    }
    case SchemaNode::Kind::Map: {
        const QJsonObject obj = v.toObject();
        if (m.op == MatchOp::IsEmpty || m.op == MatchOp::IsNotEmpty)
            result = obj.isEmpty();
        else
            result = obj.contains(m.raw);
        break;
    }
    case SchemaNode::Kind::Struct:
        return false; // rejected by validation
    }
    return isNegated(m.op) ? !result : result;
}

bool evalTyped(const MatchExpr &m, const QJsonValue &v, const SchemaNode *type, qsizetype depth)
{
    if (depth == m.path.size())
        return typedTerminal(m, type, v);
    switch (type->kind) {
    case SchemaNode::Kind::List: {
        const QJsonArray arr = v.toArray();
        for (const QJsonValue &e : arr) {
            if (evalTyped(m, e, type->element.get(), depth))
                return true;
        }
        return false;
    }
    case SchemaNode::Kind::Map: {
        const QJsonValue child
            = v.isObject() ? v.toObject().value(m.path[depth]) : QJsonValue(QJsonValue::Undefined);
        if (child.isUndefined() || child.isNull())
            return missingDisposition(m.op);
        return evalTyped(m, child, m.segmentTypes[depth], depth + 1);
    }
    case SchemaNode::Kind::Struct: {
        const QJsonValue child
            = v.isObject() ? v.toObject().value(m.path[depth]) : QJsonValue(QJsonValue::Undefined);
        return evalTyped(m, child, m.segmentTypes[depth], depth + 1);
    }
    default:
        return false; // rejected by validation
    }
}

bool evalNode(const Node &node, const QJsonValue &item, const SchemaNode *schema, EvalContext &ctx)
{
    switch (node.kind) {
    case Node::Kind::Match:
        return schema ? evalTyped(*node.match, item, schema, 0) : evalDynamic(*node.match, item, 0, ctx);
    case Node::Kind::Not: {
        const bool r = evalNode(node.children.front(), item, schema, ctx);
        return ctx.failed ? false : !r;
    }
    case Node::Kind::And:
        for (const Node &child : node.children) {
            const bool r = evalNode(child, item, schema, ctx);
            if (ctx.failed || !r)
                return false;
        }
        return true;
    case Node::Kind::Or:
        for (const Node &child : node.children) {
            const bool r = evalNode(child, item, schema, ctx);
            if (ctx.failed)
                return false;
            if (r)
                return true;
        }
        return false;
    }
    return false;
}

std::shared_ptr<const SchemaNode> schemaFromJson(const QJsonValue &d, QString *error, int depth)
{
    if (depth > 64) {
        *error = QStringLiteral("schema nests too deeply");
        return nullptr;
    }
    if (d.isString()) {
        const QString name = d.toString();
        using K = SchemaNode::Kind;
        if (name == QLatin1StringView("string"))
            return makeNode(K::String);
        if (name == QLatin1StringView("bool"))
            return makeNode(K::Bool);
        if (name == QLatin1StringView("int") || name == QLatin1StringView("int64"))
            return makeNode(K::Int, 64);
        if (name == QLatin1StringView("int8"))
            return makeNode(K::Int, 8);
        if (name == QLatin1StringView("int16"))
            return makeNode(K::Int, 16);
        if (name == QLatin1StringView("int32"))
            return makeNode(K::Int, 32);
        if (name == QLatin1StringView("uint") || name == QLatin1StringView("uint64"))
            return makeNode(K::Uint, 64);
        if (name == QLatin1StringView("uint8"))
            return makeNode(K::Uint, 8);
        if (name == QLatin1StringView("uint16"))
            return makeNode(K::Uint, 16);
        if (name == QLatin1StringView("uint32"))
            return makeNode(K::Uint, 32);
        if (name == QLatin1StringView("float32"))
            return makeNode(K::Float, 32);
        if (name == QLatin1StringView("float64"))
            return makeNode(K::Float, 64);
        *error = QStringLiteral("unknown type name \"%1\"").arg(name);
        return nullptr;
    }
    if (d.isArray()) {
        const QJsonArray arr = d.toArray();
        if (arr.size() != 1) {
            *error = QStringLiteral("a list type is written as a one-element array");
            return nullptr;
        }
        auto element = schemaFromJson(arr.first(), error, depth + 1);
        if (!element)
            return nullptr;
        auto node = std::make_shared<SchemaNode>();
        node->kind = SchemaNode::Kind::List;
        node->element = std::move(element);
        return node;
    }
    if (d.isObject()) {
        const QJsonObject obj = d.toObject();
        auto node = std::make_shared<SchemaNode>();
        if (obj.size() == 1 && obj.contains(QLatin1StringView("*"))) {
            node->kind = SchemaNode::Kind::Map;
            node->element = schemaFromJson(obj.value(QLatin1StringView("*")), error, depth + 1);
            if (!node->element)
                return nullptr;
            return node;
        }
        node->kind = SchemaNode::Kind::Struct;
        for (auto it = obj.constBegin(); it != obj.constEnd(); ++it) {
            auto field = schemaFromJson(it.value(), error, depth + 1);
            if (!field) {
                *error = it.key() + QStringLiteral(": ") + *error;
                return nullptr;
            }
            node->fields.insert(it.key(), std::move(field));
        }
        return node;
    }
    *error = QStringLiteral("a type is a name, a one-element array or an object");
    return nullptr;
}

} // namespace

// ---------------------------------------------------------------------------------------------
// Schema

Schema::Schema(std::shared_ptr<const detail::SchemaNode> node)
    : m_node(std::move(node))
{
}

Schema::~Schema() = default;

Schema Schema::string()
{
    return Schema(makeNode(SchemaNode::Kind::String));
}

Schema Schema::boolean()
{
    return Schema(makeNode(SchemaNode::Kind::Bool));
}

Schema Schema::integer(int bits)
{
    return Schema(makeNode(SchemaNode::Kind::Int, normalizedBits(bits, false)));
}

Schema Schema::unsignedInteger(int bits)
{
    return Schema(makeNode(SchemaNode::Kind::Uint, normalizedBits(bits, false)));
}

Schema Schema::floatingPoint(int bits)
{
    return Schema(makeNode(SchemaNode::Kind::Float, normalizedBits(bits, true)));
}

Schema Schema::list(const Schema &element)
{
    auto node = std::make_shared<SchemaNode>();
    node->kind = SchemaNode::Kind::List;
    node->element = element.m_node;
    return Schema(std::move(node));
}

Schema Schema::map(const Schema &value)
{
    auto node = std::make_shared<SchemaNode>();
    node->kind = SchemaNode::Kind::Map;
    node->element = value.m_node;
    return Schema(std::move(node));
}

Schema Schema::structure(std::vector<std::pair<QString, Schema>> fields)
{
    auto node = std::make_shared<SchemaNode>();
    node->kind = SchemaNode::Kind::Struct;
    for (auto &[name, type] : fields)
        node->fields.insert(name, type.m_node);
    return Schema(std::move(node));
}

std::optional<Schema> Schema::fromJson(const QJsonValue &description, QString *error)
{
    QString why;
    auto node = schemaFromJson(description, &why, 0);
    if (!node) {
        if (error)
            *error = why;
        return std::nullopt;
    }
    return Schema(std::move(node));
}

// ---------------------------------------------------------------------------------------------
// Filter

std::optional<Filter> Filter::parse(QStringView expression, QString *error)
{
    Filter f;
    f.m_expression = expression.toString();
    if (expression.isEmpty())
        return f;
    QString why;
    std::optional<Node> root = detail::parseExpression(expression, &why);
    if (root) {
        forEachMatch(*root, [&](MatchExpr &m) { return compileDynamic(m, &why); });
        if (why.isEmpty()) {
            f.m_root = std::make_shared<const Node>(std::move(*root));
            return f;
        }
    }
    if (error)
        *error = kCreatePrefix + why;
    return std::nullopt;
}

std::optional<Filter> Filter::parse(QStringView expression, const Schema &schema, QString *error)
{
    Filter f;
    f.m_expression = expression.toString();
    f.m_schema = schema.m_node;
    if (expression.isEmpty())
        return f;
    QString why;
    std::optional<Node> root = detail::parseExpression(expression, &why);
    if (root) {
        const SchemaNode *rootType = schema.m_node.get();
        if (rootType->kind != SchemaNode::Kind::Struct && rootType->kind != SchemaNode::Kind::Map) {
            why = QStringLiteral(
                "Invalid top level type - can only use structs, map[string]* or an MatchExpressionEvaluator");
        } else {
            forEachMatch(*root, [&](MatchExpr &m) { return validateTyped(m, rootType, &why); });
        }
        if (why.isEmpty()) {
            f.m_root = std::make_shared<const Node>(std::move(*root));
            return f;
        }
    }
    if (error)
        *error = kCreatePrefix + why;
    return std::nullopt;
}

bool Filter::matches(const QJsonValue &item, QString *error) const
{
    if (!m_root)
        return true;
    EvalContext ctx;
    const bool r = evalNode(*m_root, item, m_schema.get(), ctx);
    if (ctx.failed) {
        if (error)
            *error = ctx.error;
        return false;
    }
    return r;
}

bool Filter::matches(const QJsonObject &item, QString *error) const
{
    return matches(QJsonValue(item), error);
}

std::optional<QJsonArray> Filter::filterArray(const QJsonArray &items, QString *error) const
{
    if (!m_root)
        return items;
    QJsonArray out;
    for (const QJsonValue &item : items) {
        QString why;
        const bool keep = matches(item, &why);
        if (!why.isEmpty()) {
            if (error)
                *error = why;
            return std::nullopt;
        }
        if (keep)
            out.append(item);
    }
    return out;
}

std::optional<QJsonObject> Filter::filterObjectValues(const QJsonObject &items, QString *error) const
{
    if (!m_root)
        return items;
    QJsonObject out;
    for (auto it = items.constBegin(); it != items.constEnd(); ++it) {
        QString why;
        const bool keep = matches(it.value(), &why);
        if (!why.isEmpty()) {
            if (error)
                *error = why;
            return std::nullopt;
        }
        if (keep)
            out.insert(it.key(), it.value());
    }
    return out;
}

} // namespace qonsul::filter

#include "state/Command.h"

#include <QCborArray>

namespace qonsul::state::command {

QCborMap kv(const QString &verb, const QString &key, const QByteArray &value, quint64 flags, quint64 index,
            const QString &session, qint64 now)
{
    QCborMap m{{QStringLiteral("t"), QStringLiteral("kv")}, {QStringLiteral("verb"), verb},
               {QStringLiteral("key"), key}};
    if (!value.isEmpty())
        m.insert(QStringLiteral("value"), value);
    if (flags)
        m.insert(QStringLiteral("flags"), qint64(flags));
    if (index)
        m.insert(QStringLiteral("index"), qint64(index));
    if (!session.isEmpty())
        m.insert(QStringLiteral("session"), session);
    if (now)
        m.insert(QStringLiteral("now"), now);
    return m;
}

QCborMap txn(const QCborArray &ops, qint64 now)
{
    return QCborMap{{QStringLiteral("t"), QStringLiteral("txn")}, {QStringLiteral("ops"), ops},
                    {QStringLiteral("now"), now}};
}

QCborMap registerNode(const QJsonObject &body, qint64 now)
{
    return QCborMap{{QStringLiteral("t"), QStringLiteral("register")}, {QStringLiteral("body"), fromJson(body)},
                    {QStringLiteral("now"), now}};
}

QCborMap registerMember(const QJsonObject &body, qint64 now)
{
    QCborMap command = registerNode(body, now);
    command.insert(QStringLiteral("keepNodeDetails"), true);
    return command;
}

QCborMap deregister(const QString &node, const QString &serviceId, const QString &checkId, qint64 now)
{
    return QCborMap{{QStringLiteral("t"), QStringLiteral("deregister")},
                    {QStringLiteral("node"), node},
                    {QStringLiteral("serviceId"), serviceId},
                    {QStringLiteral("checkId"), checkId},
                    {QStringLiteral("now"), now}};
}

QCborMap sessionCreate(const QString &id, const QJsonObject &session, qint64 now)
{
    return QCborMap{{QStringLiteral("t"), QStringLiteral("session-create")},
                    {QStringLiteral("id"), id},
                    {QStringLiteral("session"), fromJson(session)},
                    {QStringLiteral("now"), now}};
}

QCborMap sessionDestroy(const QString &id, qint64 now)
{
    return QCborMap{{QStringLiteral("t"), QStringLiteral("session-destroy")}, {QStringLiteral("id"), id},
                    {QStringLiteral("now"), now}};
}

QCborMap tombstoneReap(quint64 index)
{
    return QCborMap{{QStringLiteral("t"), QStringLiteral("tombstone-reap")}, {QStringLiteral("index"), qint64(index)}};
}

QCborMap querySet(const QJsonObject &definition, bool create)
{
    return QCborMap{{QStringLiteral("t"), QStringLiteral("query-set")},
                    {QStringLiteral("query"), fromJson(definition)},
                    {QStringLiteral("create"), create}};
}

QCborMap queryDelete(const QString &id)
{
    return QCborMap{{QStringLiteral("t"), QStringLiteral("query-delete")}, {QStringLiteral("id"), id}};
}

QCborMap configSet(const QJsonObject &entry, std::optional<quint64> cas)
{
    QCborMap m{{QStringLiteral("t"), QStringLiteral("config-set")}, {QStringLiteral("entry"), fromJson(entry)}};
    if (cas)
        m.insert(QStringLiteral("cas"), qint64(*cas));
    return m;
}

QCborMap configDelete(const QString &kind, const QString &name, std::optional<quint64> cas)
{
    QCborMap m{{QStringLiteral("t"), QStringLiteral("config-delete")},
               {QStringLiteral("kind"), kind},
               {QStringLiteral("name"), name}};
    if (cas)
        m.insert(QStringLiteral("cas"), qint64(*cas));
    return m;
}

QCborMap autopilotSet(const QJsonObject &config, std::optional<quint64> cas)
{
    QCborMap m{{QStringLiteral("t"), QStringLiteral("autopilot-set")}, {QStringLiteral("config"), fromJson(config)}};
    if (cas)
        m.insert(QStringLiteral("cas"), qint64(*cas));
    return m;
}

QCborMap coordinateBatch(const QJsonArray &updates)
{
    return QCborMap{{QStringLiteral("t"), QStringLiteral("coordinate-batch")},
                    {QStringLiteral("updates"), QCborArray::fromJsonArray(updates)}};
}

QCborMap restore(const QByteArray &snapshot)
{
    return QCborMap{{QStringLiteral("t"), QStringLiteral("restore")}, {QStringLiteral("data"), snapshot}};
}

QCborValue fromJson(const QJsonObject &o)
{
    return QCborValue::fromJsonValue(o);
}

QJsonObject toJson(const QCborValue &v)
{
    return v.toJsonValue().toObject();
}

} // namespace qonsul::state::command

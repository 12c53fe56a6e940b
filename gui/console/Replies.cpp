#include "console/Replies.h"

#include <QJsonParseError>

namespace qonsul::console {

QString Replies::describeFailure(const client::Response &response)
{
    if (response.transportError())
        return tr("Cannot reach the agent: %1").arg(response.error);
    const QString body = QString::fromUtf8(response.body.left(300)).trimmed();
    if (response.status == 403)
        return tr("Permission denied (403): the ACL token does not allow this. %1").arg(body);
    return tr("The agent answered %1: %2").arg(response.status).arg(body);
}

bool Replies::parse(const client::Response &response, QJsonDocument *doc, QString *error)
{
    if (!response.ok()) {
        *error = describeFailure(response);
        return false;
    }
    QJsonParseError parseError;
    *doc = QJsonDocument::fromJson(response.body, &parseError);
    if (parseError.error != QJsonParseError::NoError) {
        *error = tr("The agent sent an answer that is not valid JSON (%1 at byte %2).")
                     .arg(parseError.errorString())
                     .arg(parseError.offset);
        return false;
    }
    return true;
}

} // namespace qonsul::console

#pragma once
// Turning agent answers into what the console shows: parsed JSON, or one sentence that says what
// went wrong (unreachable agent, ACL denial, an answer that is not JSON).
#include <QCoreApplication>
#include <QJsonDocument>
#include <QString>

#include "client/ApiClient.h"

namespace qonsul::console {

class Replies
{
    Q_DECLARE_TR_FUNCTIONS(Replies)
public:
    // A message for a failed call: transport failures, 403 (token), other HTTP errors.
    static QString describeFailure(const client::Response &response);
    // Parses a 200 answer; false and *error when the call failed or the body is not JSON.
    static bool parse(const client::Response &response, QJsonDocument *doc, QString *error);
};

} // namespace qonsul::console

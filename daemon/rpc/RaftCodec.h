#pragma once
// raft::Message as CBOR, for Raft frames on the server port. Fields at their defaults are left
// out, so heartbeats stay small. Decoding checks every field's type: a malformed message from
// the network is refused, never handed to the consensus core half-filled.
#include <QCborValue>

#include "raft/Types.h"

namespace qonsul::rpc {

QCborValue encodeRaftMessage(const raft::Message &message);
bool decodeRaftMessage(const QCborValue &value, raft::Message *message, QString *error);

} // namespace qonsul::rpc

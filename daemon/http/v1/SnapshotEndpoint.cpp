// /v1/snapshot: GET saves the whole state as an archive, PUT restores one through the log.
#include "http/v1/Api.h"
#include "http/v1/Common.h"

#include "snapshot/SnapshotArchive.h"
#include "state/Command.h"
#include "state/Committer.h"

#include <QDateTime>

namespace qonsul::http::v1 {

void Api::registerSnapshot()
{
    const ApiContext ctx = m_ctx;
    add(QStringLiteral("/v1/snapshot"), false, {QStringLiteral("GET"), QStringLiteral("PUT")},
        [ctx](const HttpRequest &req, const QString &, const Responder &out) {
            QueryOptions opts;
            if (!parseQueryOptions(ctx, req, out, &opts))
                return;
            if (req.method == "GET") {
                // Default mode reads on the leader; ?stale takes whatever this server has.
                if (!opts.stale && ctx.committer && !ctx.committer->isLeader()) {
                    sendError(out, 500, QStringLiteral("No cluster leader"));
                    return;
                }
                snapshot::Meta meta;
                meta.index = ctx.store->lastIndex();
                meta.term = ctx.committer ? ctx.committer->currentTerm() : 1;
                meta.id = QStringLiteral("%1-%2-%3").arg(meta.term).arg(meta.index).arg(
                    QDateTime::currentMSecsSinceEpoch());
                HttpResponse r;
                r.body = snapshot::write(meta, ctx.store->snapshot());
                r.headers.append({QByteArrayLiteral("Content-Type"), QByteArrayLiteral("application/x-gzip")});
                r.headers.append(blockingHeaders(ctx, meta.index));
                out->send(std::move(r));
                return;
            }
            QString error;
            const std::optional<snapshot::Archive> archive = snapshot::read(req.body, &error);
            if (!archive) {
                sendError(out, 400, error);
                return;
            }
            // Checked before it goes into the log, so a bad state never reaches a replica.
            state::StateStore probe;
            if (!probe.restore(archive->state, &error)) {
                sendError(out, 400, QStringLiteral("failed to restore snapshot: ") + error);
                return;
            }
            propose(ctx, state::command::restore(archive->state), out,
                    [out](const state::ApplyResult &r, quint64) {
                        if (!r.error.isEmpty()) {
                            sendError(out, 500, QStringLiteral("failed to restore snapshot: ") + r.error);
                            return;
                        }
                        sendEmpty(out);
                    });
        });
}

} // namespace qonsul::http::v1

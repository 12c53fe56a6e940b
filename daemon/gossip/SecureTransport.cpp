#include "gossip/SecureTransport.h"

#include <QLoggingCategory>

Q_LOGGING_CATEGORY(lcGossipSecurity, "agent.memberlist.security")

namespace qonsul::gossip {

QByteArray SecureTransport::State::seal(const QByteArray &plain) const
{
    return verifyOutgoing && !keyring->isEmpty() ? keyring->encrypt(plain) : plain;
}

std::optional<QByteArray> SecureTransport::State::open(const QByteArray &message)
{
    if (!Keyring::looksEncrypted(message)) {
        if (!verifyIncoming)
            return message;
        ++rejected;
        qCDebug(lcGossipSecurity) << "Dropped an unencrypted message";
        return std::nullopt;
    }
    auto plain = keyring->decrypt(message);
    if (!plain) {
        ++rejected;
        qCWarning(lcGossipSecurity) << "Failed to decrypt a message: no installed keys could decrypt it";
    }
    return plain;
}

SecureTransport::SecureTransport(Transport *inner, std::shared_ptr<Keyring> keyring, bool verifyIncoming,
                                 bool verifyOutgoing)
    : m_inner(inner)
    , m_state(std::make_shared<State>(State{std::move(keyring), verifyIncoming, verifyOutgoing}))
{
}

SecureTransport::~SecureTransport() { m_inner->setHandlers({}, {}); }

void SecureTransport::sendPacket(const Address &to, const QByteArray &packet)
{
    m_inner->sendPacket(to, m_state->seal(packet));
}

void SecureTransport::request(const Address &to, const QByteArray &request, qint64 timeoutMs, Reply done)
{
    m_inner->request(to, m_state->seal(request), timeoutMs, [state = m_state, done](std::optional<QByteArray> reply) {
        done(reply ? state->open(*reply) : std::nullopt);
    });
}

void SecureTransport::setHandlers(PacketHandler onPacket, StreamHandler onStream)
{
    if (!onPacket && !onStream) {
        m_inner->setHandlers({}, {});
        return;
    }
    m_inner->setHandlers(
        [state = m_state, onPacket](const QByteArray &packet, const Address &from) {
            if (const auto plain = state->open(packet); plain && onPacket)
                onPacket(*plain, from);
        },
        [state = m_state, onStream](const QByteArray &request, const Address &from) -> QByteArray {
            const auto plain = state->open(request);
            if (!plain || !onStream)
                return {};
            const QByteArray reply = onStream(*plain, from);
            return reply.isEmpty() ? reply : state->seal(reply);
        });
}

} // namespace qonsul::gossip

#pragma once
// Gossip encryption as a Transport around another one: every packet and stream message is
// sealed with the keyring's primary key, and what arrives is opened with any key of the ring.
// encrypt_verify_outgoing=false sends plaintext, encrypt_verify_incoming=false also accepts
// plaintext (both exist for turning encryption on in a running cluster). What fails to open,
// or is plaintext where it must not be, is dropped and counted, never handed on.
#include "gossip/Keyring.h"
#include "gossip/Transport.h"

#include <memory>

namespace qonsul::gossip {

class SecureTransport final : public Transport
{
public:
    SecureTransport(Transport *inner, std::shared_ptr<Keyring> keyring, bool verifyIncoming, bool verifyOutgoing);
    ~SecureTransport() override;

    void sendPacket(const Address &to, const QByteArray &packet) override;
    void request(const Address &to, const QByteArray &request, qint64 timeoutMs, Reply done) override;
    void setHandlers(PacketHandler onPacket, StreamHandler onStream) override;

    quint64 rejected() const { return m_state->rejected; }

private:
    struct State
    {
        std::shared_ptr<Keyring> keyring;
        bool verifyIncoming;
        bool verifyOutgoing;
        quint64 rejected = 0;
        QByteArray seal(const QByteArray &plain) const;
        std::optional<QByteArray> open(const QByteArray &message);
    };

    Transport *m_inner;
    std::shared_ptr<State> m_state;
};

} // namespace qonsul::gossip

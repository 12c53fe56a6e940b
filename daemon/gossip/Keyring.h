#pragma once
// Gossip encryption keys (Consul's `encrypt`, keyring files and `consul keyring`): AES-GCM with
// a 16, 24 or 32 byte key. The first key is the primary: it encrypts everything sent; every key
// is tried to decrypt what arrives, so a new key can be installed everywhere, made primary and
// the old one removed without a partition.
//
// An encrypted message is [version 1][12-byte random nonce][ciphertext][16-byte GCM tag].
#include <QByteArray>
#include <QList>
#include <QString>

#include <optional>

namespace qonsul::gossip {

class Keyring
{
public:
    static constexpr char kVersion = 1;
    static constexpr int kNonceBytes = 12;
    static constexpr int kTagBytes = 16;
    static constexpr int kOverhead = 1 + kNonceBytes + kTagBytes;

    // A base64 key of 16, 24 or 32 bytes; nullopt with *error otherwise.
    static std::optional<QByteArray> parseKey(const QString &base64, QString *error);
    // 32 random bytes, base64 (`consul keygen`).
    static QString generateKey();

    bool isEmpty() const { return m_keys.isEmpty(); }
    const QList<QByteArray> &keys() const { return m_keys; } // primary first
    QByteArray primary() const { return m_keys.value(0); }
    void install(const QByteArray &key);        // as a secondary key; no-op when present
    bool use(const QByteArray &key);            // make primary; false when not installed
    // false with *error when the key is the primary or not installed.
    bool remove(const QByteArray &key, QString *error);

    QByteArray encrypt(const QByteArray &plaintext) const;
    std::optional<QByteArray> decrypt(const QByteArray &message) const;
    static bool looksEncrypted(const QByteArray &message) { return !message.isEmpty() && message.at(0) == kVersion; }

    // The keyring file: a JSON array of base64 keys, primary first (Consul's serf/local.keyring).
    bool load(const QString &path, QString *error);
    bool save(const QString &path, QString *error) const;

private:
    QList<QByteArray> m_keys;
};

} // namespace qonsul::gossip

#include "gossip/Keyring.h"

#include "core/LazyLibrary.h"

#include <QDir>
#include <QFile>
#include <QFileInfo>
#include <QJsonArray>
#include <QJsonDocument>
#include <QRandomGenerator>
#include <QSaveFile>

#include <openssl/evp.h>

#include <cstring>
#include <memory>

namespace qonsul::gossip {

namespace {

// libcrypto is opened the first time a packet is encrypted or decrypted: agents without
// `encrypt` never map it.
struct Libcrypto
{
    core::LazyLibrary lib{"crypto", 3, "gossip encryption"};
    QONSUL_LAZY_FUNCTION(EVP_aes_128_gcm);
    QONSUL_LAZY_FUNCTION(EVP_aes_192_gcm);
    QONSUL_LAZY_FUNCTION(EVP_aes_256_gcm);
    QONSUL_LAZY_FUNCTION(EVP_CIPHER_CTX_new);
    QONSUL_LAZY_FUNCTION(EVP_CIPHER_CTX_free);
    QONSUL_LAZY_FUNCTION(EVP_CIPHER_CTX_ctrl);
    QONSUL_LAZY_FUNCTION(EVP_DecryptInit_ex);
    QONSUL_LAZY_FUNCTION(EVP_DecryptUpdate);
    QONSUL_LAZY_FUNCTION(EVP_DecryptFinal_ex);
    QONSUL_LAZY_FUNCTION(EVP_EncryptInit_ex);
    QONSUL_LAZY_FUNCTION(EVP_EncryptUpdate);
    QONSUL_LAZY_FUNCTION(EVP_EncryptFinal_ex);
};

const Libcrypto &crypto()
{
    static const Libcrypto lib;
    return lib;
}

bool validKeySize(qsizetype size)
{
    return size == 16 || size == 24 || size == 32;
}

const EVP_CIPHER *cipherFor(const QByteArray &key)
{
    switch (key.size()) {
    case 16:
        return crypto().EVP_aes_128_gcm();
    case 24:
        return crypto().EVP_aes_192_gcm();
    case 32:
        return crypto().EVP_aes_256_gcm();
    }
    return nullptr;
}

using Ctx = std::unique_ptr<EVP_CIPHER_CTX, decltype(&EVP_CIPHER_CTX_free)>;

// Nonces and keys come from the operating system's CSPRNG (getrandom on Linux), not libcrypto's, so
// `qonsul keygen` does not load libcrypto.
void randomBytes(unsigned char *out, qsizetype n)
{
    quint32 words[8];
    Q_ASSERT(n <= qsizetype(sizeof words));
    QRandomGenerator::system()->fillRange(words, (n + 3) / 4);
    std::memcpy(out, words, size_t(n));
}

std::optional<QByteArray> open(const QByteArray &key, const QByteArray &message)
{
    const EVP_CIPHER *cipher = cipherFor(key);
    if (!cipher || message.size() < Keyring::kOverhead)
        return std::nullopt;
    const auto *nonce = reinterpret_cast<const unsigned char *>(message.constData() + 1);
    const auto *body = nonce + Keyring::kNonceBytes;
    const int bodyLen = int(message.size()) - Keyring::kOverhead;
    QByteArray tag = message.right(Keyring::kTagBytes);
    Ctx ctx(crypto().EVP_CIPHER_CTX_new(), crypto().EVP_CIPHER_CTX_free);
    QByteArray out(bodyLen, Qt::Uninitialized);
    int len = 0, tail = 0;
    if (!ctx || crypto().EVP_DecryptInit_ex(ctx.get(), cipher, nullptr, reinterpret_cast<const unsigned char *>(key.constData()), nonce) != 1
        || crypto().EVP_DecryptUpdate(ctx.get(), reinterpret_cast<unsigned char *>(out.data()), &len, body, bodyLen) != 1
        || crypto().EVP_CIPHER_CTX_ctrl(ctx.get(), EVP_CTRL_GCM_SET_TAG, Keyring::kTagBytes, tag.data()) != 1
        || crypto().EVP_DecryptFinal_ex(ctx.get(), reinterpret_cast<unsigned char *>(out.data()) + len, &tail) != 1)
        return std::nullopt; // wrong key, or tampered with
    out.resize(len + tail);
    return out;
}

} // namespace

std::optional<QByteArray> Keyring::parseKey(const QString &base64, QString *error)
{
    const auto decoded = QByteArray::fromBase64Encoding(base64.trimmed().toLatin1(), QByteArray::AbortOnBase64DecodingErrors);
    if (!decoded) {
        *error = QStringLiteral("Invalid key: illegal base64 data");
        return std::nullopt;
    }
    if (!validKeySize((*decoded).size())) {
        *error = QStringLiteral("Invalid key: key size must be 16, 24 or 32 bytes");
        return std::nullopt;
    }
    return *decoded;
}

QString Keyring::generateKey()
{
    QByteArray key(32, Qt::Uninitialized);
    randomBytes(reinterpret_cast<unsigned char *>(key.data()), key.size());
    return QString::fromLatin1(key.toBase64());
}

void Keyring::install(const QByteArray &key)
{
    if (!m_keys.contains(key))
        m_keys.append(key);
}

bool Keyring::use(const QByteArray &key)
{
    const qsizetype i = m_keys.indexOf(key);
    if (i < 0)
        return false;
    m_keys.move(i, 0);
    return true;
}

bool Keyring::remove(const QByteArray &key, QString *error)
{
    const qsizetype i = m_keys.indexOf(key);
    if (i < 0) {
        *error = QStringLiteral("Requested key is not in the keyring");
        return false;
    }
    if (i == 0) {
        *error = QStringLiteral("Removing the primary key is not allowed");
        return false;
    }
    m_keys.removeAt(i);
    return true;
}

QByteArray Keyring::encrypt(const QByteArray &plaintext) const
{
    const QByteArray key = primary();
    const EVP_CIPHER *cipher = cipherFor(key);
    Q_ASSERT(cipher);
    QByteArray out(kOverhead + plaintext.size(), Qt::Uninitialized);
    out[0] = kVersion;
    auto *nonce = reinterpret_cast<unsigned char *>(out.data() + 1);
    randomBytes(nonce, kNonceBytes);
    auto *body = nonce + kNonceBytes;
    Ctx ctx(crypto().EVP_CIPHER_CTX_new(), crypto().EVP_CIPHER_CTX_free);
    int len = 0, tail = 0;
    crypto().EVP_EncryptInit_ex(ctx.get(), cipher, nullptr, reinterpret_cast<const unsigned char *>(key.constData()), nonce);
    crypto().EVP_EncryptUpdate(ctx.get(), body, &len, reinterpret_cast<const unsigned char *>(plaintext.constData()), int(plaintext.size()));
    crypto().EVP_EncryptFinal_ex(ctx.get(), body + len, &tail);
    crypto().EVP_CIPHER_CTX_ctrl(ctx.get(), EVP_CTRL_GCM_GET_TAG, kTagBytes, body + len + tail);
    return out;
}

std::optional<QByteArray> Keyring::decrypt(const QByteArray &message) const
{
    if (!looksEncrypted(message))
        return std::nullopt;
    for (const QByteArray &key : m_keys) {
        if (auto plain = open(key, message))
            return plain;
    }
    return std::nullopt;
}

bool Keyring::load(const QString &path, QString *error)
{
    QFile f(path);
    if (!f.open(QIODevice::ReadOnly)) {
        *error = QStringLiteral("Failed to read keyring file: %1").arg(f.errorString());
        return false;
    }
    const QJsonDocument doc = QJsonDocument::fromJson(f.readAll());
    if (!doc.isArray()) {
        *error = QStringLiteral("Failed to decode keyring file: not a JSON array of keys");
        return false;
    }
    QList<QByteArray> keys;
    for (const QJsonValue &v : doc.array()) {
        const auto key = parseKey(v.toString(), error);
        if (!key)
            return false;
        keys.append(*key);
    }
    if (keys.isEmpty()) {
        *error = QStringLiteral("Failed to decode keyring file: no keys present");
        return false;
    }
    m_keys = keys;
    return true;
}

bool Keyring::save(const QString &path, QString *error) const
{
    QJsonArray keys;
    for (const QByteArray &k : m_keys)
        keys.append(QString::fromLatin1(k.toBase64()));
    QDir().mkpath(QFileInfo(path).absolutePath());
    QSaveFile f(path);
    if (!f.open(QIODevice::WriteOnly)) {
        *error = QStringLiteral("Failed to write keyring file: %1").arg(f.errorString());
        return false;
    }
    f.setPermissions(QFileDevice::ReadOwner | QFileDevice::WriteOwner);
    f.write(QJsonDocument(keys).toJson(QJsonDocument::Compact));
    if (!f.commit()) {
        *error = QStringLiteral("Failed to write keyring file: %1").arg(f.errorString());
        return false;
    }
    return true;
}

} // namespace qonsul::gossip

// Gossip encryption: keys, AES-GCM sealing, rotation, the keyring file, and SecureTransport
// refusing what the wrong key (or no key) sealed.
#include "gossip/Keyring.h"
#include "gossip/SecureTransport.h"

#include <QTemporaryDir>
#include <QTest>

using namespace qonsul::gossip;

namespace {

QByteArray key(char fill, int size = 32) { return QByteArray(size, fill); }

// Records what was sent and lets the test deliver to the installed handlers.
class Loopback final : public Transport
{
public:
    void sendPacket(const Address &, const QByteArray &packet) override { sent.append(packet); }
    void request(const Address &, const QByteArray &request, qint64, Reply done) override
    {
        sent.append(request);
        done(m_onStream ? std::optional<QByteArray>(m_onStream(request, {})) : std::nullopt);
    }
    void deliver(const QByteArray &packet) { m_onPacket(packet, Address{QStringLiteral("10.0.0.1"), 8301}); }
    QList<QByteArray> sent;
};

} // namespace

class TestKeyring : public QObject
{
    Q_OBJECT

private Q_SLOTS:
    void parsesOnlyValidKeys()
    {
        QString error;
        QVERIFY(Keyring::parseKey(QString::fromLatin1(key('a', 16).toBase64()), &error));
        QVERIFY(Keyring::parseKey(QString::fromLatin1(key('a', 24).toBase64()), &error));
        QVERIFY(Keyring::parseKey(Keyring::generateKey(), &error));
        QVERIFY(!Keyring::parseKey(QString::fromLatin1(key('a', 20).toBase64()), &error));
        QCOMPARE(error, QStringLiteral("Invalid key: key size must be 16, 24 or 32 bytes"));
        QVERIFY(!Keyring::parseKey(QStringLiteral("not*base64"), &error));
        QVERIFY(Keyring::generateKey() != Keyring::generateKey());
    }

    void sealsAndOpensWithAnyInstalledKey()
    {
        for (int size : {16, 24, 32}) {
            Keyring ring;
            ring.install(key('k', size));
            const QByteArray sealed = ring.encrypt("hello gossip");
            QCOMPARE(sealed.size(), Keyring::kOverhead + 12);
            QVERIFY(!sealed.contains("hello"));
            QCOMPARE(ring.decrypt(sealed).value_or(QByteArray()), QByteArray("hello gossip"));
            QVERIFY(ring.encrypt("hello gossip") != sealed); // a fresh nonce every time

            Keyring other;
            other.install(key('x', size));
            QVERIFY(!other.decrypt(sealed)); // wrong key
            QByteArray tampered = sealed;
            tampered[20] = char(tampered[20] ^ 1);
            QVERIFY(!ring.decrypt(tampered));
            QVERIFY(!ring.decrypt(sealed.left(Keyring::kOverhead - 1)));
        }
    }

    void rotationKeepsOldTrafficReadable()
    {
        Keyring ring;
        ring.install(key('1'));
        const QByteArray old = ring.encrypt("before");
        ring.install(key('2'));
        QCOMPARE(ring.primary(), key('1'));
        QVERIFY(ring.use(key('2')));
        QCOMPARE(ring.decrypt(old).value_or(QByteArray()), QByteArray("before"));
        QString error;
        QVERIFY(!ring.remove(key('2'), &error));
        QCOMPARE(error, QStringLiteral("Removing the primary key is not allowed"));
        QVERIFY(ring.remove(key('1'), &error));
        QVERIFY(!ring.decrypt(old));
        QVERIFY(!ring.use(key('1')));
    }

    void keyringFileRoundTrip()
    {
        QTemporaryDir dir;
        const QString path = dir.filePath(QStringLiteral("serf/local.keyring"));
        Keyring ring;
        ring.install(key('1'));
        ring.install(key('2'));
        QString error;
        QVERIFY2(ring.save(path, &error), qPrintable(error));
        QCOMPARE(QFile(path).permissions() & (QFileDevice::ReadOther | QFileDevice::ReadGroup), QFileDevice::Permissions());
        Keyring loaded;
        QVERIFY2(loaded.load(path, &error), qPrintable(error));
        QCOMPARE(loaded.keys(), ring.keys());
        QFile garbage(dir.filePath(QStringLiteral("bad.keyring")));
        QVERIFY(garbage.open(QIODevice::WriteOnly));
        garbage.write("[\"c2hvcnQ=\"]");
        garbage.close();
        QVERIFY(!loaded.load(garbage.fileName(), &error));
        QCOMPARE(loaded.keys(), ring.keys()); // a failed load changes nothing
    }

    void secureTransportRefusesWrongKeyAndPlaintext()
    {
        auto ring = std::make_shared<Keyring>();
        ring->install(key('1'));
        Loopback net;
        SecureTransport secure(&net, ring, true, true);
        QList<QByteArray> received;
        secure.setHandlers([&](const QByteArray &p, const Address &) { received.append(p); }, {});

        secure.sendPacket(Address{QStringLiteral("10.0.0.2"), 8301}, "ping");
        QVERIFY(Keyring::looksEncrypted(net.sent.last()));
        net.deliver(net.sent.last());
        QCOMPARE(received, QList<QByteArray>{"ping"});

        Keyring wrong;
        wrong.install(key('2'));
        net.deliver(wrong.encrypt("forged"));
        net.deliver(QByteArray("\x81\x82\x02\x07", 4)); // plaintext CBOR
        QCOMPARE(received.size(), 1);
        QCOMPARE(secure.rejected(), 2u);

        // encrypt_verify_incoming = false: plaintext is accepted while a cluster turns encryption on.
        SecureTransport lenient(&net, ring, false, false);
        received.clear();
        lenient.setHandlers([&](const QByteArray &p, const Address &) { received.append(p); }, {});
        lenient.sendPacket(Address{QStringLiteral("10.0.0.2"), 8301}, "plain");
        QCOMPARE(net.sent.last(), QByteArray("plain"));
        net.deliver(net.sent.last());
        net.deliver(ring->encrypt("sealed"));
        QCOMPARE(received, (QList<QByteArray>{"plain", "sealed"}));
    }
};

QTEST_GUILESS_MAIN(TestKeyring)
#include "tst_keyring.moc"

#pragma once
// ACL tokens of saved connections, kept in the system keychain (QtKeychain: Secret Service,
// KWallet, macOS Keychain, Windows Credential Store). Where no keychain service answers (a
// headless machine, CI) tokens go to a file only the user can read (mode 0600) and the console
// says so: where() tells which store holds them.
#include <QObject>
#include <QString>
#include <functional>

namespace qonsul::console {

class TokenStore : public QObject
{
    Q_OBJECT
public:
    enum class Where
    {
        Unknown,
        Keychain,
        File
    };

    explicit TokenStore(QObject *parent = nullptr);

    // Both finish asynchronously (a keychain may ask the user); `done` runs on this thread.
    void read(const QString &connection, std::function<void(const QString &token)> done);
    void write(const QString &connection, const QString &token, std::function<void()> done = {});
    void remove(const QString &connection);

    Where where() const { return m_where; }
    QString whereText() const; // for the connection dialog
    static QString fallbackFilePath();

Q_SIGNALS:
    void whereChanged();

private:
    void useFile(const QString &why);
    QString readFile(const QString &connection) const;
    bool writeFile(const QString &connection, const QString &token) const;

    Where m_where = Where::Unknown;
    QString m_fallbackReason;
};

} // namespace qonsul::console

#pragma once
// "Connect to agent": pick a saved connection or describe a new one (address, HTTPS CA file or
// skip-verify, ACL token, datacenter); it is saved under its name when the user connects.
#include <QDialog>

#include "console/ConnectionProfile.h"

class QCheckBox;
class QComboBox;
class QLabel;
class QLineEdit;

namespace qonsul::console {

class TokenStore;

class ConnectionDialog : public QDialog
{
    Q_OBJECT
public:
    ConnectionDialog(TokenStore *tokens, const QString &current, QWidget *parent = nullptr);

    ConnectionProfile profile() const;
    QString token() const;

private:
    void loadProfile(const QString &name);
    void removeProfile();
    void updateTokenNote();

    TokenStore *m_tokens;
    QComboBox *m_name;
    QLineEdit *m_address;
    QCheckBox *m_https;
    QLineEdit *m_caFile;
    QCheckBox *m_skipVerify;
    QLineEdit *m_token;
    QLineEdit *m_datacenter;
    QLabel *m_tokenNote;
};

} // namespace qonsul::console

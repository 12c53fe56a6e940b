#include "console/ConnectionDialog.h"

#include <QCheckBox>
#include <QComboBox>
#include <QDialogButtonBox>
#include <QFileDialog>
#include <QFormLayout>
#include <QHBoxLayout>
#include <QLabel>
#include <QLineEdit>
#include <QPushButton>
#include <QToolButton>

#include "console/TokenStore.h"

namespace qonsul::console {

ConnectionDialog::ConnectionDialog(TokenStore *tokens, const QString &current, QWidget *parent)
    : QDialog(parent)
    , m_tokens(tokens)
{
    setWindowTitle(tr("Connect to Agent"));
    m_name = new QComboBox(this);
    m_name->setEditable(true);
    m_name->setObjectName(QStringLiteral("connectionName"));
    for (const ConnectionProfile &p : ConnectionStore::load())
        m_name->addItem(p.name);
    m_address = new QLineEdit(this);
    m_address->setObjectName(QStringLiteral("address"));
    m_address->setPlaceholderText(QStringLiteral("127.0.0.1:8500"));
    m_https = new QCheckBox(tr("Use HTTPS"), this);
    m_caFile = new QLineEdit(this);
    m_caFile->setPlaceholderText(tr("System certificates"));
    auto *browse = new QToolButton(this);
    browse->setText(tr("Browse…"));
    connect(browse, &QToolButton::clicked, this, [this] {
        const QString file = QFileDialog::getOpenFileName(this, tr("CA Certificate"), m_caFile->text(),
            tr("PEM certificates (*.pem *.crt);;All files (*)"));
        if (!file.isEmpty())
            m_caFile->setText(file);
    });
    auto *caRow = new QHBoxLayout;
    caRow->addWidget(m_caFile);
    caRow->addWidget(browse);
    m_skipVerify = new QCheckBox(tr("Skip certificate verification (insecure)"), this);
    m_token = new QLineEdit(this);
    m_token->setObjectName(QStringLiteral("token"));
    m_token->setEchoMode(QLineEdit::Password);
    m_token->setPlaceholderText(tr("Anonymous"));
    m_datacenter = new QLineEdit(this);
    m_datacenter->setPlaceholderText(tr("The agent's own"));
    m_tokenNote = new QLabel(this);
    m_tokenNote->setWordWrap(true);
    m_tokenNote->setObjectName(QStringLiteral("tokenNote"));

    auto *form = new QFormLayout;
    form->addRow(tr("Connection:"), m_name);
    form->addRow(tr("Address:"), m_address);
    form->addRow(QString(), m_https);
    form->addRow(tr("CA file:"), caRow);
    form->addRow(QString(), m_skipVerify);
    form->addRow(tr("ACL token:"), m_token);
    form->addRow(tr("Datacenter:"), m_datacenter);
    form->addRow(QString(), m_tokenNote);

    auto *buttons = new QDialogButtonBox(QDialogButtonBox::Cancel, this);
    buttons->addButton(tr("Connect"), QDialogButtonBox::AcceptRole)->setDefault(true);
    QPushButton *remove = buttons->addButton(tr("Forget This Connection"), QDialogButtonBox::DestructiveRole);
    connect(remove, &QPushButton::clicked, this, &ConnectionDialog::removeProfile);
    connect(buttons, &QDialogButtonBox::accepted, this, &QDialog::accept);
    connect(buttons, &QDialogButtonBox::rejected, this, &QDialog::reject);

    auto *layout = new QVBoxLayout(this);
    layout->addLayout(form);
    layout->addWidget(buttons);

    connect(m_name, &QComboBox::textActivated, this, &ConnectionDialog::loadProfile);
    connect(m_tokens, &TokenStore::whereChanged, this, &ConnectionDialog::updateTokenNote);
    updateTokenNote();
    const QString start = current.isEmpty() ? QStringLiteral("local") : current;
    m_name->setCurrentText(start);
    loadProfile(start);
    resize(520, sizeHint().height());
}

void ConnectionDialog::loadProfile(const QString &name)
{
    bool found = false;
    const ConnectionProfile p = ConnectionStore::find(name, &found);
    if (!found)
        return;
    m_address->setText(p.address);
    m_https->setChecked(p.https);
    m_caFile->setText(p.caFile);
    m_skipVerify->setChecked(p.insecureSkipVerify);
    m_datacenter->setText(p.datacenter);
    m_token->clear();
    m_tokens->read(name, [this, name](const QString &token) {
        if (m_name->currentText() == name)
            m_token->setText(token);
    });
}

void ConnectionDialog::removeProfile()
{
    const QString name = m_name->currentText();
    ConnectionStore::remove(name);
    m_tokens->remove(name);
    m_name->removeItem(m_name->findText(name));
}

void ConnectionDialog::updateTokenNote()
{
    m_tokenNote->setText(m_tokens->whereText());
    // The file fallback is less safe than a keychain: make the note hard to miss.
    m_tokenNote->setStyleSheet(
        m_tokens->where() == TokenStore::Where::File ? QStringLiteral("color: #b26a00") : QString());
}

ConnectionProfile ConnectionDialog::profile() const
{
    ConnectionProfile p;
    p.name = m_name->currentText().trimmed();
    if (p.name.isEmpty())
        p.name = m_address->text().trimmed();
    p.address = m_address->text().trimmed().isEmpty() ? p.address : m_address->text().trimmed();
    p.https = m_https->isChecked();
    p.caFile = m_caFile->text().trimmed();
    p.insecureSkipVerify = m_skipVerify->isChecked();
    p.datacenter = m_datacenter->text().trimmed();
    return p;
}

QString ConnectionDialog::token() const
{
    return m_token->text().trimmed();
}

} // namespace qonsul::console

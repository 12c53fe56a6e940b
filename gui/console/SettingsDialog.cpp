#include "console/SettingsDialog.h"

#include <QComboBox>
#include <QDialogButtonBox>
#include <QFormLayout>
#include <QLabel>
#include <QMessageBox>

#include "console/Language.h"

namespace qonsul::console {

SettingsDialog::SettingsDialog(QWidget *parent)
    : QDialog(parent)
{
    setWindowTitle(tr("Settings"));
    m_language = new QComboBox(this);
    m_language->addItem(tr("System language"), QString());
    for (const QString &code : Language::available())
        m_language->addItem(Language::displayName(code), code);
    m_language->setCurrentIndex(qMax(0, m_language->findData(Language::chosen())));
    auto *buttons = new QDialogButtonBox(QDialogButtonBox::Ok | QDialogButtonBox::Cancel, this);
    connect(buttons, &QDialogButtonBox::accepted, this, &SettingsDialog::accept);
    connect(buttons, &QDialogButtonBox::rejected, this, &SettingsDialog::reject);
    auto *form = new QFormLayout(this);
    form->addRow(tr("Language:"), m_language);
    form->addRow(buttons);
}

void SettingsDialog::accept()
{
    const QString code = m_language->currentData().toString();
    if (code != Language::chosen()) {
        Language::choose(code);
        QMessageBox::information(this, tr("Language"), tr("The new language is used from the next start."));
    }
    QDialog::accept();
}

} // namespace qonsul::console

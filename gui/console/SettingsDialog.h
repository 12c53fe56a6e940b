#pragma once
// Preferences: the interface language (applied at the next start, where every window is built
// in it).
#include <QDialog>

class QComboBox;

namespace qonsul::console {

class SettingsDialog : public QDialog
{
    Q_OBJECT
public:
    explicit SettingsDialog(QWidget *parent = nullptr);
    void accept() override;

private:
    QComboBox *m_language;
};

} // namespace qonsul::console

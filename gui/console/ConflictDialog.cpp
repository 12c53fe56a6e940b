#include "console/ConflictDialog.h"

#include <QDialogButtonBox>
#include <QGridLayout>
#include <QLabel>
#include <QPlainTextEdit>
#include <QPushButton>

namespace qonsul::console {

ConflictDialog::ConflictDialog(
    const QString &key, const QString &mine, const QString &theirs, quint64 theirIndex, QWidget *parent)
    : QDialog(parent)
{
    setObjectName(QStringLiteral("conflictDialog"));
    setWindowTitle(tr("Save Conflict"));
    auto *intro = new QLabel(tr("Someone changed “%1” after you opened it. Your version was not saved. "
                                "Compare both versions and choose which one to keep.")
                                 .arg(key),
        this);
    intro->setWordWrap(true);
    m_mine = new QPlainTextEdit(mine, this);
    m_mine->setReadOnly(true);
    m_theirs = new QPlainTextEdit(theirs, this);
    m_theirs->setReadOnly(true);
    auto *grid = new QGridLayout;
    grid->addWidget(new QLabel(tr("Your version"), this), 0, 0);
    grid->addWidget(new QLabel(tr("On the agent now (ModifyIndex %1)").arg(theirIndex), this), 0, 1);
    grid->addWidget(m_mine, 1, 0);
    grid->addWidget(m_theirs, 1, 1);

    auto *buttons = new QDialogButtonBox(this);
    QPushButton *overwrite = buttons->addButton(tr("Overwrite with Mine"), QDialogButtonBox::DestructiveRole);
    overwrite->setObjectName(QStringLiteral("overwrite"));
    QPushButton *theirsButton = buttons->addButton(tr("Use Theirs"), QDialogButtonBox::AcceptRole);
    theirsButton->setObjectName(QStringLiteral("useTheirs"));
    QPushButton *keep = buttons->addButton(tr("Keep Editing"), QDialogButtonBox::RejectRole);
    keep->setObjectName(QStringLiteral("keepEditing"));
    keep->setDefault(true);
    connect(overwrite, &QPushButton::clicked, this, [this] { done(OverwriteTheirs); });
    connect(theirsButton, &QPushButton::clicked, this, [this] { done(UseTheirs); });
    connect(keep, &QPushButton::clicked, this, [this] { done(KeepEditing); });

    auto *layout = new QVBoxLayout(this);
    layout->addWidget(intro);
    layout->addLayout(grid);
    layout->addWidget(buttons);
    resize(820, 480);
}

} // namespace qonsul::console

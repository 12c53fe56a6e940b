#pragma once
// Shown when a save lost the check-and-set race: the user's version beside the one now stored,
// and the choice to overwrite it, take it, or go on editing. Nothing is written until they choose.
#include <QDialog>

class QPlainTextEdit;

namespace qonsul::console {

class ConflictDialog : public QDialog
{
    Q_OBJECT
public:
    enum Choice
    {
        KeepEditing = 0,
        OverwriteTheirs = 1,
        UseTheirs = 2
    };

    ConflictDialog(const QString &key, const QString &mine, const QString &theirs, quint64 theirIndex,
        QWidget *parent = nullptr);

    QPlainTextEdit *mineEdit() const { return m_mine; }
    QPlainTextEdit *theirsEdit() const { return m_theirs; }

private:
    QPlainTextEdit *m_mine;
    QPlainTextEdit *m_theirs;
};

} // namespace qonsul::console

#pragma once
// The value of one KV key: shown and edited as text, JSON, hex or base64, with its flags, its
// indexes and the session holding its lock. Saving is a check-and-set on the ModifyIndex that
// was loaded; when it loses, both versions are shown instead of overwriting.
#include <QPointer>
#include <QWidget>

#include "console/ConflictDialog.h"
#include "console/ValueCodec.h"

class QComboBox;
class QLabel;
class QLineEdit;
class QPlainTextEdit;
class QPushButton;

namespace qonsul::console {

class AgentSession;

class KvEditor : public QWidget
{
    Q_OBJECT
public:
    explicit KvEditor(AgentSession *session, QWidget *parent = nullptr);

    void openKey(const QString &key); // "" closes
    void serverChanged(); // the store changed: reload unless the user is editing
    void save();
    void revert();
    void clear();

    QString key() const { return m_key; }
    bool isModified() const { return m_modified; }
    quint64 loadedIndex() const { return m_modifyIndex; }
    QPlainTextEdit *textEdit() const { return m_text; }
    QComboBox *modeBox() const { return m_mode; }
    QLineEdit *flagsEdit() const { return m_flags; }
    QLabel *messageLabel() const { return m_message; }
    QLabel *lockLabel() const { return m_lock; }
    ConflictDialog *conflictDialog() const { return m_conflict; }

Q_SIGNALS:
    void loaded(const QString &key);
    void saved(const QString &key);
    void conflict(const QString &key);

private:
    void load(bool keepEdits);
    void show(const QByteArray &value);
    void setModified(bool modified);
    void setMessage(const QString &text, bool error);
    void switchMode(int newMode);
    void put(const QByteArray &value, quint64 cas);
    void showConflict(const QByteArray &mine);
    void showLock(const QString &session);

    AgentSession *m_session;
    QString m_key;
    QByteArray m_value; // as loaded
    quint64 m_flagsValue = 0;
    quint64 m_modifyIndex = 0;
    bool m_modified = false;
    bool m_exists = false;
    int m_generation = 0; // discards answers for a key no longer open
    ValueCodec::Mode m_currentMode = ValueCodec::Text;

    QLabel *m_title;
    QLabel *m_info;
    QLabel *m_lock;
    QLabel *m_message;
    QComboBox *m_mode;
    QLineEdit *m_flags;
    QPlainTextEdit *m_text;
    QPushButton *m_validate;
    QPushButton *m_pretty;
    QPushButton *m_save;
    QPushButton *m_revert;
    QPointer<ConflictDialog> m_conflict;
};

} // namespace qonsul::console

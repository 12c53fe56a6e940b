#pragma once
// Key/Value: the lazily loaded key tree on the left, the value editor on the right, and the
// key operations (create key or folder, rename, delete key, delete folder recursively). One
// blocking query on the root listing wakes on any change to the store; the open folders and the
// open key are then read again.
#include <QPointer>
#include <functional>

#include "console/LiveView.h"

namespace qonsul::client {
class ApiClient;
}

class QLabel;
class QLineEdit;
class QTreeView;

namespace qonsul::console {

class BlockingQuery;
class KvEditor;
class KvModel;

class KvView : public LiveView
{
    Q_OBJECT
public:
    // Asks the user to confirm; tests replace it. Returns true to go ahead.
    using Confirm = std::function<bool(const QString &title, const QString &text)>;

    explicit KvView(AgentSession *session, QWidget *parent = nullptr);

    void focusFind() override;
    QString selectedName() const override;

    KvModel *model() const { return m_model; }
    QTreeView *tree() const { return m_tree; }
    KvEditor *editor() const { return m_editor; }
    void setConfirm(Confirm confirm) { m_confirm = std::move(confirm); }

    QString currentFolder() const; // the prefix new keys go into
    void selectKey(const QString &key); // when its folder is loaded
    // The operations behind the actions, without their input dialogs.
    void createKey(const QString &key);
    void createFolder(const QString &prefix);
    void renameKey(const QString &from, const QString &to);
    void deleteKey(const QString &key);
    void deleteFolder(const QString &prefix);

public Q_SLOTS:
    void newKey(); // the actions: ask, then do
    void newFolder();
    void renameSelected();
    void deleteSelected();
    void saveValue();

Q_SIGNALS:
    void operationFinished(const QString &message, bool ok);

protected:
    void startQueries() override;
    void stopQueries() override;
    void clearView() override;

private:
    client::ApiClient *connectedClient(); // null, and says so, when disconnected
    void report(const QString &message, bool ok);
    void jumpTo(const QString &text);

    KvModel *m_model;
    QTreeView *m_tree;
    KvEditor *m_editor;
    QLineEdit *m_jump;
    QLabel *m_status;
    QPointer<BlockingQuery> m_root;
    Confirm m_confirm;
    QString m_pendingSelect;
};

} // namespace qonsul::console

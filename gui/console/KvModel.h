#pragma once
// The KV store as a tree that is read lazily: a folder's direct children are listed with
// `?keys&separator=/` only when the folder is first opened, and every folder already opened is
// listed again when the store changes (the view's blocking query says when).
#include <QAbstractItemModel>
#include <QSet>
#include <memory>
#include <vector>

namespace qonsul::console {

class AgentSession;

class KvModel : public QAbstractItemModel
{
    Q_OBJECT
public:
    enum Role
    {
        KeyRole = Qt::UserRole + 1,
        FolderRole
    };

    explicit KvModel(AgentSession *session, QObject *parent = nullptr);
    ~KvModel() override;

    void clear();
    // A folder listing arrived (the root one comes from the view's blocking query).
    void applyListing(const QString &prefix, QStringList keys);
    void relistOpenFolders(); // every fetched folder but the root

    QModelIndex indexOfKey(const QString &key) const; // invalid unless loaded
    static QString nameOf(const QString &key, const QString &parentPrefix);

    QModelIndex index(int row, int column, const QModelIndex &parent = {}) const override;
    QModelIndex parent(const QModelIndex &child) const override;
    int rowCount(const QModelIndex &parent = {}) const override;
    int columnCount(const QModelIndex &parent = {}) const override;
    QVariant data(const QModelIndex &index, int role) const override;
    bool hasChildren(const QModelIndex &parent = {}) const override;
    bool canFetchMore(const QModelIndex &parent) const override;
    void fetchMore(const QModelIndex &parent) override;

Q_SIGNALS:
    void folderLoaded(const QString &prefix);
    void loadFailed(const QString &message);

private:
    struct Node
    {
        QString key; // full key; folders end with '/', the root is ""
        bool folder = false;
        bool fetched = false;
        bool loading = false;
        Node *parent = nullptr;
        std::vector<std::unique_ptr<Node>> children;
        int row() const;
    };
    Node *nodeOf(const QModelIndex &index) const;
    QModelIndex indexOf(Node *node) const;
    Node *findFolder(const QString &prefix) const;
    void request(Node *node);
    void collectFetched(Node *node, QStringList *out) const;

    AgentSession *m_session;
    std::unique_ptr<Node> m_root;
};

} // namespace qonsul::console

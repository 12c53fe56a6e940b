#include "console/KvModel.h"

#include <QApplication>
#include <QJsonArray>
#include <QStyle>

#include "console/AgentSession.h"
#include "console/Replies.h"

namespace qonsul::console {

int KvModel::Node::row() const
{
    if (!parent)
        return 0;
    const auto &siblings = parent->children;
    // Children are sorted by key: binary search instead of a scan of a 100,000-key folder.
    auto it = std::lower_bound(siblings.begin(), siblings.end(), key,
        [](const std::unique_ptr<Node> &n, const QString &k) { return n->key < k; });
    return int(it - siblings.begin());
}

KvModel::KvModel(AgentSession *session, QObject *parent)
    : QAbstractItemModel(parent)
    , m_session(session)
{
    clear();
}

KvModel::~KvModel() = default;

void KvModel::clear()
{
    beginResetModel();
    m_root = std::make_unique<Node>();
    m_root->folder = true;
    endResetModel();
}

QString KvModel::nameOf(const QString &key, const QString &parentPrefix)
{
    return key.mid(parentPrefix.size());
}

KvModel::Node *KvModel::nodeOf(const QModelIndex &index) const
{
    return index.isValid() ? static_cast<Node *>(index.internalPointer()) : m_root.get();
}

QModelIndex KvModel::indexOf(Node *node) const
{
    return node == m_root.get() ? QModelIndex() : createIndex(node->row(), 0, node);
}

KvModel::Node *KvModel::findFolder(const QString &prefix) const
{
    Node *node = m_root.get();
    while (node->key != prefix) {
        // The child on the path is the folder whose key is the next segment of the prefix.
        const qsizetype slash = prefix.indexOf(u'/', node->key.size());
        if (slash < 0)
            return nullptr;
        const QString childKey = prefix.left(slash + 1);
        auto it = std::lower_bound(node->children.begin(), node->children.end(), childKey,
            [](const std::unique_ptr<Node> &n, const QString &k) { return n->key < k; });
        if (it == node->children.end() || (*it)->key != childKey)
            return nullptr;
        node = it->get();
    }
    return node;
}

QModelIndex KvModel::indexOfKey(const QString &key) const
{
    const qsizetype slash = key.lastIndexOf(u'/', key.endsWith(u'/') ? key.size() - 2 : -1);
    Node *folder = findFolder(slash < 0 ? QString() : key.left(slash + 1));
    if (!folder)
        return {};
    auto it = std::lower_bound(folder->children.begin(), folder->children.end(), key,
        [](const std::unique_ptr<Node> &n, const QString &k) { return n->key < k; });
    if (it == folder->children.end() || (*it)->key != key)
        return {};
    return createIndex(int(it - folder->children.begin()), 0, it->get());
}

void KvModel::applyListing(const QString &prefix, QStringList keys)
{
    Node *node = findFolder(prefix);
    if (!node)
        return;
    node->loading = false;
    keys.removeAll(prefix); // the folder's own key ("a/" listed under "a/")
    std::sort(keys.begin(), keys.end());
    keys.erase(std::unique(keys.begin(), keys.end()), keys.end());
    const QModelIndex parentIndex = indexOf(node);
    auto &children = node->children;
    if (!node->fetched || children.empty()) {
        node->fetched = true;
        if (!keys.isEmpty()) {
            beginInsertRows(parentIndex, 0, int(keys.size()) - 1);
            children.reserve(keys.size());
            for (const QString &k : keys) {
                auto child = std::make_unique<Node>();
                child->key = k;
                child->folder = k.endsWith(u'/');
                child->parent = node;
                children.push_back(std::move(child));
            }
            endInsertRows();
        }
        Q_EMIT folderLoaded(prefix);
        return;
    }
    // Merge the sorted listing into the sorted children, one row change at a time, so that
    // expanded folders and the selection survive the update.
    size_t i = 0;
    qsizetype j = 0;
    while (i < children.size() || j < keys.size()) {
        if (j < keys.size() && i < children.size() && children[i]->key == keys[j]) {
            ++i;
            ++j;
        } else if (j >= keys.size() || (i < children.size() && children[i]->key < keys[j])) {
            beginRemoveRows(parentIndex, int(i), int(i));
            children.erase(children.begin() + i);
            endRemoveRows();
        } else {
            beginInsertRows(parentIndex, int(i), int(i));
            auto child = std::make_unique<Node>();
            child->key = keys[j];
            child->folder = keys[j].endsWith(u'/');
            child->parent = node;
            children.insert(children.begin() + i, std::move(child));
            endInsertRows();
            ++i;
            ++j;
        }
    }
    Q_EMIT folderLoaded(prefix);
}

void KvModel::collectFetched(Node *node, QStringList *out) const
{
    for (const auto &child : node->children) {
        if (child->folder && child->fetched) {
            out->append(child->key);
            collectFetched(child.get(), out);
        }
    }
}

void KvModel::relistOpenFolders()
{
    QStringList prefixes;
    collectFetched(m_root.get(), &prefixes);
    for (const QString &prefix : prefixes) {
        if (Node *node = findFolder(prefix))
            request(node);
    }
}

void KvModel::request(Node *node)
{
    client::ApiClient *c = m_session->client();
    if (!c)
        return;
    node->loading = true;
    const QString prefix = node->key;
    client::Request r("GET", QStringLiteral("/v1/kv/") + prefix);
    r.param(QStringLiteral("keys")).param(QStringLiteral("separator"), QStringLiteral("/"));
    c->send(r, this, [this, prefix](const client::Response &response) {
        if (response.status == 404) // nothing under the prefix (any more)
            return applyListing(prefix, {});
        QJsonDocument doc;
        QString error;
        if (!Replies::parse(response, &doc, &error)) {
            if (Node *n = findFolder(prefix))
                n->loading = false;
            Q_EMIT loadFailed(error);
            return;
        }
        QStringList keys;
        for (const QJsonValue &v : doc.array())
            keys.append(v.toString());
        applyListing(prefix, keys);
    });
}

QModelIndex KvModel::index(int row, int column, const QModelIndex &parent) const
{
    Node *node = nodeOf(parent);
    if (column != 0 || row < 0 || size_t(row) >= node->children.size())
        return {};
    return createIndex(row, column, node->children[row].get());
}

QModelIndex KvModel::parent(const QModelIndex &child) const
{
    if (!child.isValid())
        return {};
    return indexOf(nodeOf(child)->parent);
}

int KvModel::rowCount(const QModelIndex &parent) const
{
    return int(nodeOf(parent)->children.size());
}

int KvModel::columnCount(const QModelIndex &) const
{
    return 1;
}

QVariant KvModel::data(const QModelIndex &index, int role) const
{
    if (!index.isValid())
        return {};
    const Node *node = nodeOf(index);
    switch (role) {
    case Qt::DisplayRole:
        return nameOf(node->key, node->parent->key);
    case Qt::ToolTipRole:
    case KeyRole:
        return node->key;
    case FolderRole:
        return node->folder;
    case Qt::DecorationRole:
        return QApplication::style()->standardIcon(node->folder ? QStyle::SP_DirIcon : QStyle::SP_FileIcon);
    default:
        return {};
    }
}

bool KvModel::hasChildren(const QModelIndex &parent) const
{
    const Node *node = nodeOf(parent);
    return node->folder && (!node->fetched || !node->children.empty());
}

bool KvModel::canFetchMore(const QModelIndex &parent) const
{
    const Node *node = nodeOf(parent);
    return node->folder && !node->fetched && !node->loading;
}

void KvModel::fetchMore(const QModelIndex &parent)
{
    Node *node = nodeOf(parent);
    if (node->folder && !node->fetched && !node->loading && node != m_root.get())
        request(node);
}

} // namespace qonsul::console

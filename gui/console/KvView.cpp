#include "console/KvView.h"

#include <QHeaderView>
#include <QInputDialog>
#include <QJsonArray>
#include <QJsonObject>
#include <QLabel>
#include <QLineEdit>
#include <QMessageBox>
#include <QSplitter>
#include <QTimer>
#include <QTreeView>
#include <QVBoxLayout>

#include "console/AgentSession.h"
#include "console/BlockingQuery.h"
#include "console/KvEditor.h"
#include "console/KvModel.h"
#include "console/Replies.h"

namespace qonsul::console {

using client::Request;
using client::Response;

KvView::KvView(AgentSession *session, QWidget *parent)
    : LiveView(session, parent)
    , m_model(new KvModel(session, this))
{
    m_jump = new QLineEdit(this);
    m_jump->setObjectName(QStringLiteral("kvJump"));
    m_jump->setClearButtonEnabled(true);
    m_jump->setPlaceholderText(tr("Go to key (e.g. config/web/port), Enter"));
    m_tree = new QTreeView(this);
    m_tree->setObjectName(QStringLiteral("kvTree"));
    m_tree->setModel(m_model);
    m_tree->setHeaderHidden(true);
    m_tree->setUniformRowHeights(true); // 100,000 keys in one folder stay cheap to lay out
    m_tree->setSelectionMode(QAbstractItemView::SingleSelection);
    m_editor = new KvEditor(session, this);
    m_status = new QLabel(this);
    m_status->setObjectName(QStringLiteral("kvStatus"));
    m_status->setWordWrap(true);

    auto *left = new QWidget(this);
    auto *leftLayout = new QVBoxLayout(left);
    leftLayout->setContentsMargins(0, 0, 0, 0);
    leftLayout->addWidget(m_jump);
    leftLayout->addWidget(m_tree);
    auto *splitter = new QSplitter(Qt::Horizontal, this);
    splitter->addWidget(left);
    splitter->addWidget(m_editor);
    splitter->setStretchFactor(0, 2);
    splitter->setStretchFactor(1, 3);
    auto *layout = new QVBoxLayout(this);
    layout->addWidget(splitter, 1);
    layout->addWidget(m_status);

    m_confirm = [this](const QString &title, const QString &text) {
        return QMessageBox::question(
                   this, title, text, QMessageBox::Yes | QMessageBox::Cancel, QMessageBox::Cancel)
            == QMessageBox::Yes;
    };
    connect(m_tree->selectionModel(), &QItemSelectionModel::currentChanged, this,
        [this](const QModelIndex &current) {
            if (!current.isValid() || current.data(KvModel::FolderRole).toBool())
                return;
            const QString key = current.data(KvModel::KeyRole).toString();
            if (key == m_editor->key())
                return;
            if (m_editor->isModified()
                && !m_confirm(tr("Unsaved Changes"),
                    tr("Discard your unsaved changes to “%1”?").arg(m_editor->key()))) {
                // Back to the key being edited, once this selection change is over.
                QTimer::singleShot(0, this, [this] { selectKey(m_editor->key()); });
                return;
            }
            m_editor->openKey(key);
        });
    connect(m_model, &KvModel::folderLoaded, this, [this] {
        if (!m_pendingSelect.isEmpty())
            selectKey(m_pendingSelect);
    });
    connect(m_model, &KvModel::loadFailed, this, [this](const QString &message) { report(message, false); });
    connect(m_jump, &QLineEdit::returnPressed, this, [this] { jumpTo(m_jump->text().trimmed()); });
}

void KvView::startQueries()
{
    Request request("GET", QStringLiteral("/v1/kv/"));
    request.param(QStringLiteral("keys")).param(QStringLiteral("separator"), QStringLiteral("/"));
    m_root = m_session->watch(request, this);
    m_root->setAcceptNotFound(true); // an empty store
    connect(m_root, &BlockingQuery::changed, this, [this](const Response &r) {
        QStringList keys;
        if (r.ok()) {
            QJsonDocument doc;
            QString error;
            if (!Replies::parse(r, &doc, &error))
                return report(error, false);
            for (const QJsonValue &v : doc.array())
                keys.append(v.toString());
        }
        m_model->applyListing(QString(), keys);
        m_model->relistOpenFolders();
        m_editor->serverChanged();
    });
    m_root->start();
}

void KvView::stopQueries()
{
    delete m_root;
}

void KvView::clearView()
{
    m_editor->clear();
    m_model->clear();
    m_status->clear();
}

client::ApiClient *KvView::connectedClient()
{
    client::ApiClient *c = m_session->client();
    if (!c)
        report(tr("Not connected to an agent."), false);
    return c;
}

void KvView::report(const QString &message, bool ok)
{
    m_status->setText(message);
    Q_EMIT operationFinished(message, ok);
}

QString KvView::currentFolder() const
{
    const QModelIndex current = m_tree->currentIndex();
    if (!current.isValid())
        return {};
    const QString key = current.data(KvModel::KeyRole).toString();
    if (current.data(KvModel::FolderRole).toBool())
        return key;
    return key.left(key.lastIndexOf(u'/') + 1);
}

void KvView::selectKey(const QString &key)
{
    // Open each folder on the way; selection completes when the last one is loaded.
    m_pendingSelect = key;
    qsizetype from = 0;
    while (true) {
        const qsizetype slash = key.indexOf(u'/', from);
        if (slash < 0 || slash == key.size() - 1)
            break;
        const QModelIndex folder = m_model->indexOfKey(key.left(slash + 1));
        if (!folder.isValid())
            return;
        if (m_model->canFetchMore(folder)) {
            m_tree->expand(folder);
            m_model->fetchMore(folder);
            return;
        }
        m_tree->expand(folder);
        from = slash + 1;
    }
    const QModelIndex index = m_model->indexOfKey(key);
    if (!index.isValid())
        return;
    m_pendingSelect.clear();
    m_tree->setCurrentIndex(index);
    m_tree->scrollTo(index);
}

void KvView::jumpTo(const QString &text)
{
    if (!text.isEmpty())
        selectKey(text);
}

void KvView::createKey(const QString &key)
{
    if (key.isEmpty() || key.endsWith(u'/'))
        return;
    Request request("PUT", QStringLiteral("/v1/kv/") + key);
    request.param(QStringLiteral("cas"), QStringLiteral("0")); // never overwrite an existing key
    request.contentType = "application/octet-stream";
    client::ApiClient *c = connectedClient();
    if (!c)
        return;
    c->send(request, this, [this, key](const Response &r) {
        if (!r.ok())
            return report(Replies::describeFailure(r), false);
        if (r.body.trimmed() != "true")
            return report(tr("The key “%1” already exists.").arg(key), false);
        report(tr("Created key “%1”.").arg(key), true);
        selectKey(key);
    });
}

void KvView::createFolder(const QString &prefix)
{
    const QString folder = prefix.endsWith(u'/') ? prefix : prefix + u'/';
    Request request("PUT", QStringLiteral("/v1/kv/") + folder);
    request.contentType = "application/octet-stream";
    client::ApiClient *c = connectedClient();
    if (!c)
        return;
    c->send(request, this, [this, folder](const Response &r) {
        if (!r.ok())
            return report(Replies::describeFailure(r), false);
        report(tr("Created folder “%1”.").arg(folder), true);
    });
}

// Consul has no rename: one transaction writes the new key only if it does not exist and deletes
// the old one only if it is unchanged, so nothing is lost if either side moved meanwhile.
void KvView::renameKey(const QString &from, const QString &to)
{
    client::ApiClient *c = connectedClient();
    if (from == to || to.isEmpty() || to.endsWith(u'/') || !c)
        return;
    c->send(Request("GET", QStringLiteral("/v1/kv/") + from), this, [this, c, from, to](const Response &r) {
        QJsonDocument doc;
        QString error;
        if (!Replies::parse(r, &doc, &error))
            return report(error, false);
        const QJsonObject entry = doc.array().at(0).toObject();
        QJsonObject set { { QStringLiteral("Verb"), QStringLiteral("cas") }, { QStringLiteral("Key"), to },
            { QStringLiteral("Index"), 0 }, { QStringLiteral("Flags"), entry.value(u"Flags") } };
        if (!entry.value(u"Value").isNull())
            set.insert(QStringLiteral("Value"), entry.value(u"Value"));
        const QJsonObject del { { QStringLiteral("Verb"), QStringLiteral("delete-cas") },
            { QStringLiteral("Key"), from }, { QStringLiteral("Index"), entry.value(u"ModifyIndex") } };
        Request txn("PUT", QStringLiteral("/v1/txn"));
        txn.body = QJsonDocument(QJsonArray { QJsonObject { { QStringLiteral("KV"), set } },
                                     QJsonObject { { QStringLiteral("KV"), del } } })
                       .toJson(QJsonDocument::Compact);
        c->send(txn, this, [this, from, to](const Response &r) {
            if (r.status == 409)
                return report(
                    tr("Not renamed: “%1” already exists or “%2” changed meanwhile.").arg(to, from), false);
            if (!r.ok())
                return report(Replies::describeFailure(r), false);
            report(tr("Renamed “%1” to “%2”.").arg(from, to), true);
            selectKey(to);
        });
    });
}

void KvView::deleteKey(const QString &key)
{
    client::ApiClient *c = connectedClient();
    if (!c || !m_confirm(tr("Delete Key"), tr("Delete the key “%1”?").arg(key)))
        return;
    c->send(Request("DELETE", QStringLiteral("/v1/kv/") + key), this, [this, key](const Response &r) {
        if (!r.ok())
            return report(Replies::describeFailure(r), false);
        if (m_editor->key() == key)
            m_editor->clear();
        report(tr("Deleted key “%1”.").arg(key), true);
    });
}

void KvView::deleteFolder(const QString &prefix)
{
    client::ApiClient *c = connectedClient();
    if (!c)
        return;
    Request count("GET", QStringLiteral("/v1/kv/") + prefix);
    count.param(QStringLiteral("keys"));
    c->send(count, this, [this, c, prefix](const Response &r) {
        QJsonDocument doc;
        QString error;
        if (r.status != 404 && !Replies::parse(r, &doc, &error))
            return report(error, false);
        const int n = int(doc.array().size());
        if (!m_confirm(tr("Delete Folder"),
                tr("Delete the folder “%1” and the %n key(s) in it? This cannot be undone.", nullptr, n)
                    .arg(prefix)))
            return;
        Request del("DELETE", QStringLiteral("/v1/kv/") + prefix);
        del.param(QStringLiteral("recurse"));
        c->send(del, this, [this, prefix, n](const Response &r) {
            if (!r.ok())
                return report(Replies::describeFailure(r), false);
            if (m_editor->key().startsWith(prefix))
                m_editor->clear();
            report(tr("Deleted the folder “%1” (%n key(s)).", nullptr, n).arg(prefix), true);
        });
    });
}

void KvView::newKey()
{
    bool ok = false;
    const QString name = QInputDialog::getText(this, tr("New Key"),
        tr("Key name (inside “%1”):").arg(currentFolder().isEmpty() ? QStringLiteral("/") : currentFolder()),
        QLineEdit::Normal, QString(), &ok);
    if (ok && !name.trimmed().isEmpty())
        createKey(currentFolder() + name.trimmed());
}

void KvView::newFolder()
{
    bool ok = false;
    const QString name = QInputDialog::getText(this, tr("New Folder"),
        tr("Folder name (inside “%1”):")
            .arg(currentFolder().isEmpty() ? QStringLiteral("/") : currentFolder()),
        QLineEdit::Normal, QString(), &ok);
    if (ok && !name.trimmed().isEmpty())
        createFolder(currentFolder() + name.trimmed());
}

void KvView::renameSelected()
{
    const QModelIndex current = m_tree->currentIndex();
    if (!current.isValid() || current.data(KvModel::FolderRole).toBool()) {
        report(tr("Select a key to rename (folders cannot be renamed)."), false);
        return;
    }
    const QString key = current.data(KvModel::KeyRole).toString();
    bool ok = false;
    const QString to = QInputDialog::getText(
        this, tr("Rename Key"), tr("New full key name:"), QLineEdit::Normal, key, &ok);
    if (ok)
        renameKey(key, to.trimmed());
}

void KvView::deleteSelected()
{
    const QModelIndex current = m_tree->currentIndex();
    if (!current.isValid())
        return;
    const QString key = current.data(KvModel::KeyRole).toString();
    if (current.data(KvModel::FolderRole).toBool())
        deleteFolder(key);
    else
        deleteKey(key);
}

void KvView::saveValue()
{
    m_editor->save();
}

void KvView::focusFind()
{
    m_jump->setFocus();
    m_jump->selectAll();
}

QString KvView::selectedName() const
{
    return m_tree->currentIndex().data(KvModel::KeyRole).toString();
}

} // namespace qonsul::console

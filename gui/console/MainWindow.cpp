#include "console/MainWindow.h"

#include <QAction>
#include <QApplication>
#include <QClipboard>
#include <QCloseEvent>
#include <QComboBox>
#include <QLabel>
#include <QMenuBar>
#include <QMessageBox>
#include <QSettings>
#include <QStatusBar>
#include <QTabWidget>
#include <QToolBar>
#include <QTreeView>

#include "console/AgentSession.h"
#include "console/ConnectionDialog.h"
#include "console/HealthView.h"
#include "console/KvEditor.h"
#include "console/KvView.h"
#include "console/NodesView.h"
#include "console/ServicesView.h"
#include "console/SettingsDialog.h"
#include "console/TokenStore.h"

namespace qonsul::console {

MainWindow::MainWindow(QWidget *parent)
    : QMainWindow(parent)
    , m_session(new AgentSession(this))
    , m_tokens(new TokenStore(this))
{
    setObjectName(QStringLiteral("mainWindow"));
    setWindowTitle(tr("Qonsul Console"));
    setWindowIcon(QIcon(QStringLiteral(":/icons/qonsul-console.png")));
    m_tabs = new QTabWidget(this);
    m_tabs->setDocumentMode(true);
    m_services = new ServicesView(m_session, m_tabs);
    m_nodes = new NodesView(m_session, m_tabs);
    m_kv = new KvView(m_session, m_tabs);
    m_health = new HealthView(m_session, m_tabs);
    m_tabs->addTab(m_services, tr("&Services"));
    m_tabs->addTab(m_nodes, tr("&Nodes"));
    m_tabs->addTab(m_kv, tr("&Key/Value"));
    m_tabs->addTab(m_health, tr("&Health"));
    setCentralWidget(m_tabs);

    m_stateLabel = new QLabel(this);
    m_stateLabel->setObjectName(QStringLiteral("connectionState"));
    m_agentLabel = new QLabel(this);
    m_dcLabel = new QLabel(this);
    m_leaderLabel = new QLabel(this);
    m_versionLabel = new QLabel(this);
    statusBar()->addWidget(m_stateLabel, 1);
    for (QLabel *l : { m_agentLabel, m_dcLabel, m_leaderLabel, m_versionLabel })
        statusBar()->addPermanentWidget(l);

    m_dcBox = new QComboBox(this);
    m_dcBox->setObjectName(QStringLiteral("datacenter"));
    m_dcBox->setToolTip(tr("Datacenter"));
    m_dcBox->setMinimumContentsLength(10);
    connect(m_dcBox, &QComboBox::activated, this, [this] {
        const QString dc = m_dcBox->currentText();
        m_session->setDatacenter(dc == m_session->info().datacenter ? QString() : dc);
    });

    createActions();
    connect(m_session, &AgentSession::stateChanged, this, &MainWindow::updateStatus);
    connect(m_session, &AgentSession::infoChanged, this, &MainWindow::updateStatus);
    connect(m_session, &AgentSession::errorOccurred, this, &MainWindow::updateStatus);
    connect(m_session, &AgentSession::datacentersChanged, this, &MainWindow::updateDatacenters);
    connect(m_session, &AgentSession::infoChanged, this, &MainWindow::updateDatacenters);
    connect(m_tabs, &QTabWidget::currentChanged, this, &MainWindow::updateKvActions);
    updateStatus();
    updateKvActions();

    QSettings settings;
    resize(1100, 720);
    restoreGeometry(settings.value(QStringLiteral("window/geometry")).toByteArray());
    restoreState(settings.value(QStringLiteral("window/state")).toByteArray());
    m_tabs->setCurrentIndex(settings.value(QStringLiteral("window/tab"), 0).toInt());
}

void MainWindow::createActions()
{
    auto add = [this](QMenu *menu, const QString &text, const QKeySequence &key, auto slot) {
        QAction *a = menu->addAction(text);
        a->setShortcut(key);
        connect(a, &QAction::triggered, this, slot);
        return a;
    };
    QMenu *file = menuBar()->addMenu(tr("&File"));
    QAction *connectAction
        = add(file, tr("&Connect…"), QKeySequence(tr("Ctrl+K")), &MainWindow::showConnectDialog);
    connectAction->setIcon(style()->standardIcon(QStyle::SP_DriveNetIcon));
    add(file, tr("&Disconnect"), QKeySequence(), [this] { m_session->close(); });
    file->addSeparator();
    add(file, tr("S&ettings…"), QKeySequence::Preferences, [this] { SettingsDialog(this).exec(); });
    file->addSeparator();
    add(file, tr("&Quit"), QKeySequence::Quit, &QWidget::close);

    QMenu *edit = menuBar()->addMenu(tr("&Edit"));
    QAction *find = add(edit, tr("&Find"), QKeySequence::Find, [this] {
        if (LiveView *v = currentView())
            v->focusFind();
    });
    find->setIcon(style()->standardIcon(QStyle::SP_FileDialogContentsView));
    QAction *copyName = add(edit, tr("Copy &Name"), QKeySequence(tr("Ctrl+Shift+C")), [this] {
        if (LiveView *v = currentView())
            copy(v->selectedName());
    });
    QAction *copyAddress = add(edit, tr("Copy &Address"), QKeySequence(tr("Ctrl+Shift+A")), [this] {
        if (LiveView *v = currentView())
            copy(v->selectedAddress());
    });
    copyName->setObjectName(QStringLiteral("copyName"));
    copyAddress->setObjectName(QStringLiteral("copyAddress"));
    // The same two on a right click in any view (its lists do not have menus of their own).
    for (QWidget *view : { static_cast<QWidget *>(m_services), static_cast<QWidget *>(m_nodes),
             static_cast<QWidget *>(m_kv), static_cast<QWidget *>(m_health) }) {
        view->addActions({ copyName, copyAddress });
        view->setContextMenuPolicy(Qt::ActionsContextMenu);
    }

    QMenu *view = menuBar()->addMenu(tr("&View"));
    for (int i = 0; i < m_tabs->count(); ++i)
        add(view, m_tabs->tabText(i), QKeySequence(QStringLiteral("Ctrl+%1").arg(i + 1)),
            [this, i] { m_tabs->setCurrentIndex(i); });
    view->addSeparator();
    QAction *refresh = add(view, tr("&Refresh"), QKeySequence::Refresh, [this] {
        m_session->refreshInfo();
        if (LiveView *v = currentView())
            v->refresh();
    });
    refresh->setIcon(style()->standardIcon(QStyle::SP_BrowserReload));

    QMenu *kv = menuBar()->addMenu(tr("&Key/Value"));
    QAction *newKey = add(kv, tr("&New Key…"), QKeySequence::New, [this] { m_kv->newKey(); });
    newKey->setIcon(style()->standardIcon(QStyle::SP_FileIcon));
    QAction *newFolder
        = add(kv, tr("New &Folder…"), QKeySequence(tr("Ctrl+Shift+N")), [this] { m_kv->newFolder(); });
    newFolder->setIcon(style()->standardIcon(QStyle::SP_FileDialogNewFolder));
    QAction *rename = add(kv, tr("&Rename…"), QKeySequence(Qt::Key_F2), [this] { m_kv->renameSelected(); });
    QAction *save = add(kv, tr("&Save Value"), QKeySequence::Save, [this] { m_kv->saveValue(); });
    save->setIcon(style()->standardIcon(QStyle::SP_DialogSaveButton));
    QAction *del = add(kv, tr("&Delete…"), QKeySequence::Delete, [this] { m_kv->deleteSelected(); });
    del->setIcon(style()->standardIcon(QStyle::SP_TrashIcon));
    // Delete only acts from the key tree: in the value editor the key deletes characters.
    del->setShortcutContext(Qt::WidgetShortcut);
    m_kv->tree()->addAction(del);
    m_kvActions = { newKey, newFolder, rename, save, del };

    QMenu *help = menuBar()->addMenu(tr("&Help"));
    add(help, tr("&About Qonsul Console"), QKeySequence(), &MainWindow::about);
    add(help, tr("About &Qt"), QKeySequence(), [] { QApplication::aboutQt(); });

    QToolBar *bar = addToolBar(tr("Main"));
    bar->setObjectName(QStringLiteral("mainToolBar"));
    bar->setToolButtonStyle(Qt::ToolButtonTextBesideIcon);
    bar->addAction(connectAction);
    bar->addWidget(new QLabel(tr(" Datacenter: "), bar));
    bar->addWidget(m_dcBox);
    bar->addSeparator();
    bar->addAction(refresh);
    bar->addAction(find);
    bar->addSeparator();
    bar->addAction(newKey);
    bar->addAction(save);
    bar->addAction(del);
}

LiveView *MainWindow::currentView() const
{
    return qobject_cast<LiveView *>(m_tabs->currentWidget());
}

void MainWindow::updateKvActions()
{
    const bool kv = m_tabs->currentWidget() == m_kv;
    for (QAction *a : m_kvActions)
        a->setEnabled(kv);
}

void MainWindow::copy(const QString &text)
{
    if (text.isEmpty())
        return;
    QApplication::clipboard()->setText(text);
    statusBar()->showMessage(tr("Copied “%1”").arg(text), 3000);
}

void MainWindow::updateStatus()
{
    const AgentInfo &info = m_session->info();
    const QString where = m_session->profile().displayName();
    switch (m_session->state()) {
    case AgentSession::State::Disconnected:
        m_stateLabel->setText(tr("Not connected"));
        break;
    case AgentSession::State::Connecting:
        m_stateLabel->setText(tr("Connecting to %1…").arg(where));
        break;
    case AgentSession::State::Connected:
        m_stateLabel->setText(tr("Connected to %1").arg(where));
        break;
    case AgentSession::State::Lost:
        m_stateLabel->setText(tr("Connection lost: %1 (retrying)").arg(m_session->lastError()));
        break;
    }
    m_stateLabel->setStyleSheet(
        m_session->state() == AgentSession::State::Lost ? QStringLiteral("color: #c62828") : QString());
    const bool known = !info.nodeName.isEmpty();
    m_agentLabel->setText(known ? tr("Agent: %1").arg(info.nodeName) : QString());
    m_dcLabel->setText(known ? tr("Datacenter: %1").arg(info.datacenter) : QString());
    m_leaderLabel->setText(
        known ? tr("Leader: %1").arg(info.leader.isEmpty() ? tr("none") : info.leader) : QString());
    m_versionLabel->setText(known ? tr("Version: %1").arg(info.version) : QString());
    setWindowTitle(known ? tr("%1 — Qonsul Console").arg(where) : tr("Qonsul Console"));
}

void MainWindow::updateDatacenters()
{
    QStringList dcs = m_session->datacenters();
    const QString own = m_session->info().datacenter;
    if (!own.isEmpty() && !dcs.contains(own))
        dcs.prepend(own);
    const QString current = m_session->datacenter().isEmpty() ? own : m_session->datacenter();
    const QSignalBlocker block(m_dcBox);
    m_dcBox->clear();
    m_dcBox->addItems(dcs);
    m_dcBox->setCurrentText(current);
}

void MainWindow::connectTo(const ConnectionProfile &profile, const QString &token)
{
    ConnectionStore::save(profile);
    ConnectionStore::setLastConnection(profile.name);
    m_tokens->write(profile.name, token);
    m_session->open(profile, token);
}

void MainWindow::connectToLast()
{
    bool found = false;
    ConnectionProfile profile = ConnectionStore::find(ConnectionStore::lastConnection(), &found);
    if (!found)
        profile.name = QStringLiteral("local");
    m_tokens->read(profile.name, [this, profile](const QString &token) { m_session->open(profile, token); });
}

void MainWindow::showConnectDialog()
{
    ConnectionDialog dialog(m_tokens, m_session->profile().name, this);
    if (dialog.exec() == QDialog::Accepted)
        connectTo(dialog.profile(), dialog.token());
}

void MainWindow::about()
{
    QMessageBox::about(this, tr("About Qonsul Console"),
        tr("<h3>Qonsul Console %1</h3>"
           "<p>A desktop console for Qonsul and Consul agents: services, nodes, key/value and health, "
           "kept live with blocking queries.</p>"
           "<p>It talks to an agent only through its HTTP API.</p>")
            .arg(QStringLiteral(QONSUL_VERSION)));
}

void MainWindow::closeEvent(QCloseEvent *event)
{
    if (m_kv->editor()->isModified()
        && QMessageBox::question(this, tr("Unsaved Changes"),
               tr("Discard your unsaved changes to “%1” and quit?").arg(m_kv->editor()->key()),
               QMessageBox::Discard | QMessageBox::Cancel, QMessageBox::Cancel)
            != QMessageBox::Discard) {
        event->ignore();
        return;
    }
    QSettings settings;
    settings.setValue(QStringLiteral("window/geometry"), saveGeometry());
    settings.setValue(QStringLiteral("window/state"), saveState());
    settings.setValue(QStringLiteral("window/tab"), m_tabs->currentIndex());
    QMainWindow::closeEvent(event);
}

} // namespace qonsul::console

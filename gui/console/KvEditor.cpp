#include "console/KvEditor.h"

#include <QComboBox>
#include <QFontDatabase>
#include <QHBoxLayout>
#include <QJsonArray>
#include <QJsonObject>
#include <QLabel>
#include <QLineEdit>
#include <QPlainTextEdit>
#include <QPushButton>
#include <QRegularExpressionValidator>
#include <QVBoxLayout>

#include "console/AgentSession.h"
#include "console/ConflictDialog.h"
#include "console/Replies.h"

namespace qonsul::console {

using client::Request;
using client::Response;

namespace {
struct Entry
{
    QByteArray value;
    quint64 flags = 0;
    quint64 modifyIndex = 0;
    quint64 lockIndex = 0;
    QString session;
};

// The single entry of GET /v1/kv/<key>; false and *error when the answer is not that.
bool parseEntry(const Response &r, Entry *entry, QString *error)
{
    QJsonDocument doc;
    if (!Replies::parse(r, &doc, error))
        return false;
    const QJsonObject o = doc.array().at(0).toObject();
    if (!doc.isArray() || o.isEmpty()) {
        *error = KvEditor::tr("The agent sent an unexpected answer for this key.");
        return false;
    }
    const QJsonValue value = o.value(u"Value");
    if (!value.isNull()) {
        const auto decoded = QByteArray::fromBase64Encoding(
            value.toString().toLatin1(), QByteArray::AbortOnBase64DecodingErrors);
        if (!decoded) {
            *error = KvEditor::tr("The agent sent a value that is not valid base64.");
            return false;
        }
        entry->value = *decoded;
    }
    const QJsonValue flags = o.value(u"Flags");
    entry->flags = flags.toDouble() > 9.2e18 ? quint64(flags.toDouble()) : quint64(flags.toInteger());
    entry->modifyIndex = quint64(o.value(u"ModifyIndex").toInteger());
    entry->lockIndex = quint64(o.value(u"LockIndex").toInteger());
    entry->session = o.value(u"Session").toString();
    return true;
}
} // namespace

KvEditor::KvEditor(AgentSession *session, QWidget *parent)
    : QWidget(parent)
    , m_session(session)
{
    m_title = new QLabel(this);
    m_title->setTextFormat(Qt::PlainText);
    m_title->setTextInteractionFlags(Qt::TextSelectableByMouse);
    QFont bold = m_title->font();
    bold.setBold(true);
    m_title->setFont(bold);
    m_info = new QLabel(this);
    m_lock = new QLabel(this);
    m_lock->setObjectName(QStringLiteral("lockHolder"));
    m_lock->setWordWrap(true);
    m_message = new QLabel(this);
    m_message->setObjectName(QStringLiteral("kvMessage"));
    m_message->setWordWrap(true);
    m_message->setTextFormat(Qt::PlainText);

    m_mode = new QComboBox(this);
    m_mode->addItem(tr("Text"), ValueCodec::Text);
    m_mode->addItem(tr("JSON"), ValueCodec::Json);
    m_mode->addItem(tr("Hex"), ValueCodec::Hex);
    m_mode->addItem(tr("Base64"), ValueCodec::Base64);
    m_flags = new QLineEdit(this);
    m_flags->setValidator(
        new QRegularExpressionValidator(QRegularExpression(QStringLiteral("\\d{0,20}")), m_flags));
    m_flags->setMaximumWidth(200);
    m_flags->setObjectName(QStringLiteral("flags"));
    m_validate = new QPushButton(tr("Validate JSON"), this);
    m_pretty = new QPushButton(tr("Pretty Print"), this);
    m_pretty->setToolTip(tr("Re-indents the JSON (object keys come out sorted)."));
    auto *row = new QHBoxLayout;
    row->addWidget(new QLabel(tr("View as:"), this));
    row->addWidget(m_mode);
    row->addWidget(m_validate);
    row->addWidget(m_pretty);
    row->addStretch();
    row->addWidget(new QLabel(tr("Flags:"), this));
    row->addWidget(m_flags);

    m_text = new QPlainTextEdit(this);
    m_text->setObjectName(QStringLiteral("valueEdit"));
    m_text->setFont(QFontDatabase::systemFont(QFontDatabase::FixedFont));
    m_text->setLineWrapMode(QPlainTextEdit::NoWrap);

    m_save = new QPushButton(tr("Save"), this);
    m_revert = new QPushButton(tr("Revert"), this);
    auto *buttons = new QHBoxLayout;
    buttons->addWidget(m_message, 1);
    buttons->addWidget(m_revert);
    buttons->addWidget(m_save);

    auto *layout = new QVBoxLayout(this);
    layout->setContentsMargins(0, 0, 0, 0);
    layout->addWidget(m_title);
    layout->addWidget(m_info);
    layout->addWidget(m_lock);
    layout->addLayout(row);
    layout->addWidget(m_text, 1);
    layout->addLayout(buttons);

    connect(m_text, &QPlainTextEdit::textChanged, this, [this] { setModified(true); });
    connect(m_flags, &QLineEdit::textEdited, this, [this] { setModified(true); });
    connect(m_mode, &QComboBox::activated, this, &KvEditor::switchMode);
    connect(m_save, &QPushButton::clicked, this, &KvEditor::save);
    connect(m_revert, &QPushButton::clicked, this, &KvEditor::revert);
    connect(m_validate, &QPushButton::clicked, this, [this] {
        QString error;
        if (ValueCodec::validateJson(m_text->toPlainText(), &error))
            setMessage(tr("Valid JSON."), false);
        else
            setMessage(error, true);
    });
    connect(m_pretty, &QPushButton::clicked, this, [this] {
        QString pretty, error;
        if (!ValueCodec::prettyJson(m_text->toPlainText(), &pretty, &error))
            return setMessage(error, true);
        m_text->setPlainText(pretty);
        m_currentMode = ValueCodec::Json;
        m_mode->setCurrentIndex(ValueCodec::Json);
    });
    clear();
}

void KvEditor::clear()
{
    ++m_generation;
    m_key.clear();
    m_value.clear();
    m_modifyIndex = 0;
    m_exists = false;
    m_title->setText(tr("Select a key to see its value."));
    m_info->clear();
    m_lock->hide();
    m_message->clear();
    const QSignalBlocker block(m_text);
    m_text->clear();
    m_flags->clear();
    setEnabled(false);
    setModified(false);
}

void KvEditor::openKey(const QString &key)
{
    if (key == m_key)
        return;
    clear();
    if (key.isEmpty())
        return;
    m_key = key;
    m_title->setText(key);
    setEnabled(true);
    load(false);
}

void KvEditor::serverChanged()
{
    if (!m_key.isEmpty())
        load(true);
}

void KvEditor::revert()
{
    setModified(false);
    load(false);
}

void KvEditor::load(bool keepEdits)
{
    client::ApiClient *c = m_session->client();
    if (!c)
        return;
    const int generation = m_generation;
    c->send(Request("GET", QStringLiteral("/v1/kv/") + m_key), this,
        [this, generation, keepEdits](const Response &r) {
            if (generation != m_generation)
                return;
            Entry entry;
            QString error;
            if (r.status == 404) {
                m_exists = false;
                if (!(keepEdits && m_modified)) {
                    m_modifyIndex = 0;
                    m_info->setText(tr("This key does not exist (any more). Saving creates it."));
                } else {
                    setMessage(tr("The key was deleted on the agent while you were editing it."), true);
                }
                return;
            }
            if (!parseEntry(r, &entry, &error))
                return setMessage(error, true);
            m_exists = true;
            showLock(entry.session);
            if (keepEdits && m_modified) {
                if (entry.modifyIndex != m_modifyIndex)
                    setMessage(
                        tr("Changed on the agent since you opened it: saving will show both versions."),
                        true);
                return;
            }
            if (keepEdits && entry.modifyIndex == m_modifyIndex)
                return;
            m_value = entry.value;
            m_modifyIndex = entry.modifyIndex;
            m_flagsValue = entry.flags;
            m_info->setText(tr("%n byte(s) · ModifyIndex %1 · LockIndex %2", nullptr, int(entry.value.size()))
                                .arg(entry.modifyIndex)
                                .arg(entry.lockIndex));
            m_flags->setText(QString::number(entry.flags));
            show(entry.value);
            Q_EMIT loaded(m_key);
        });
}

void KvEditor::show(const QByteArray &value)
{
    ValueCodec::Mode mode = ValueCodec::Text;
    m_message->clear();
    if (!ValueCodec::isText(value)) {
        mode = ValueCodec::Hex;
        setMessage(tr("This value is not valid UTF-8 text: it is shown as hex."), false);
    } else if (ValueCodec::looksLikeJson(value)) {
        mode = ValueCodec::Json;
    }
    m_currentMode = mode;
    m_mode->setCurrentIndex(mode);
    {
        const QSignalBlocker block(m_text);
        m_text->setPlainText(ValueCodec::encode(value, mode));
    }
    setModified(false);
}

void KvEditor::switchMode(int newMode)
{
    const auto target = ValueCodec::Mode(newMode);
    if (target == m_currentMode)
        return;
    QByteArray bytes;
    QString error;
    // Leaving JSON only needs the bytes, not valid JSON.
    const ValueCodec::Mode from = m_currentMode == ValueCodec::Json ? ValueCodec::Text : m_currentMode;
    if (!ValueCodec::decode(m_text->toPlainText(), from, &bytes, &error)) {
        m_mode->setCurrentIndex(m_currentMode);
        return setMessage(error, true);
    }
    if ((target == ValueCodec::Text || target == ValueCodec::Json) && !ValueCodec::isText(bytes)) {
        m_mode->setCurrentIndex(m_currentMode);
        return setMessage(tr("This value is not valid UTF-8 text: edit it as hex or base64."), true);
    }
    m_currentMode = target;
    const bool wasModified = m_modified;
    const QSignalBlocker block(m_text);
    m_text->setPlainText(ValueCodec::encode(bytes, target));
    setModified(wasModified);
}

void KvEditor::save()
{
    if (m_key.isEmpty())
        return;
    QByteArray bytes;
    QString error;
    if (!ValueCodec::decode(m_text->toPlainText(), m_currentMode, &bytes, &error))
        return setMessage(error, true);
    put(bytes, m_exists ? m_modifyIndex : 0);
}

void KvEditor::put(const QByteArray &value, quint64 cas)
{
    client::ApiClient *c = m_session->client();
    if (!c)
        return;
    Request request("PUT", QStringLiteral("/v1/kv/") + m_key);
    request.param(QStringLiteral("cas"), QString::number(cas));
    request.param(QStringLiteral("flags"), m_flags->text().isEmpty() ? QStringLiteral("0") : m_flags->text());
    request.body = value;
    request.contentType = "application/octet-stream";
    const int generation = m_generation;
    setMessage(tr("Saving…"), false);
    c->send(request, this, [this, generation, value](const Response &r) {
        if (generation != m_generation)
            return;
        if (!r.ok())
            return setMessage(Replies::describeFailure(r), true);
        if (r.body.trimmed() == "true") {
            setMessage(tr("Saved."), false);
            setModified(false);
            load(false);
            Q_EMIT saved(m_key);
            return;
        }
        showConflict(value);
    });
}

void KvEditor::showConflict(const QByteArray &mine)
{
    client::ApiClient *c = m_session->client();
    const int generation = m_generation;
    c->send(
        Request("GET", QStringLiteral("/v1/kv/") + m_key), this, [this, generation, mine](const Response &r) {
            if (generation != m_generation)
                return;
            Entry theirs;
            QString error;
            const bool deleted = r.status == 404;
            if (!deleted && !parseEntry(r, &theirs, &error))
                return setMessage(error, true);
            const auto mode = [](const QByteArray &v) {
                return ValueCodec::isText(v) ? ValueCodec::Text : ValueCodec::Hex;
            };
            const QString theirText
                = deleted ? tr("(deleted)") : ValueCodec::encode(theirs.value, mode(theirs.value));
            setMessage(tr("Not saved: the key changed on the agent."), true);
            delete m_conflict;
            m_conflict = new ConflictDialog(
                m_key, ValueCodec::encode(mine, mode(mine)), theirText, theirs.modifyIndex, this);
            m_conflict->setAttribute(Qt::WA_DeleteOnClose);
            connect(
                m_conflict, &QDialog::finished, this, [this, mine, theirs, deleted, generation](int choice) {
                    if (generation != m_generation)
                        return;
                    if (choice == ConflictDialog::OverwriteTheirs) {
                        m_exists = !deleted;
                        put(mine, deleted ? 0 : theirs.modifyIndex);
                    } else if (choice == ConflictDialog::UseTheirs) {
                        setModified(false);
                        load(false);
                    } else {
                        setMessage(tr("Your edits are kept; the key on the agent is unchanged."), false);
                    }
                });
            m_conflict->open();
            Q_EMIT conflict(m_key);
        });
}

void KvEditor::showLock(const QString &session)
{
    if (session.isEmpty()) {
        m_lock->hide();
        return;
    }
    m_lock->setText(tr("Locked by session %1").arg(session));
    m_lock->show();
    const int generation = m_generation;
    m_session->client()->send(Request("GET", QStringLiteral("/v1/session/info/") + session), this,
        [this, generation, session](const Response &r) {
            QJsonDocument doc;
            QString error;
            if (generation != m_generation || !Replies::parse(r, &doc, &error))
                return;
            const QJsonObject s = doc.array().at(0).toObject();
            if (s.isEmpty())
                return;
            const QString name = s.value(u"Name").toString();
            m_lock->setText(name.isEmpty()
                    ? tr("Locked by session %1 on node %2").arg(session, s.value(u"Node").toString())
                    : tr("Locked by session “%1” (%2) on node %3")
                          .arg(name, session, s.value(u"Node").toString()));
        });
}

void KvEditor::setModified(bool modified)
{
    m_modified = modified;
    m_save->setEnabled(modified);
    m_revert->setEnabled(modified);
}

void KvEditor::setMessage(const QString &text, bool error)
{
    m_message->setText(text);
    QPalette palette = m_message->palette();
    palette.setColor(QPalette::WindowText, error ? QColor(0xc6, 0x28, 0x28) : palette.color(QPalette::Text));
    m_message->setPalette(palette);
}

} // namespace qonsul::console

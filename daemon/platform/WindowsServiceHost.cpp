#include "platform/WindowsServiceHost.h"
#include "platform/WindowsScm.h"

#include "core/Logging.h"

#include <QTimer>

namespace qonsul::platform {

namespace {
const wchar_t *kServiceName = L"Qonsul";
}

WindowsServiceHost::WindowsServiceHost(QObject *parent)
    : ServiceHost(parent)
    , m_machine([](const winsvc::Status &s) { win32::setStatus(s); }, 30000, 30000)
{
}

WindowsServiceHost::~WindowsServiceHost()
{
    if (m_sink)
        LogHub::removeSink(m_sink);
}

bool WindowsServiceHost::connectToScm()
{
    const bool connected = win32::connect(kServiceName, [this](std::uint32_t code) {
        QMetaObject::invokeMethod(this, [this, code] { onControl(code); }, Qt::QueuedConnection);
    });
    if (!connected)
        return false;
    m_machine.starting();
    m_progress = new QTimer(this);
    m_progress->setInterval(2000);
    connect(m_progress, &QTimer::timeout, this, [this] { m_machine.progress(); });
    m_progress->start();
    m_sink = LogHub::addSink(LogLevel::Warn, [](LogLevel level, const QByteArray &line) {
        win32::reportEvent(kServiceName, level == LogLevel::Error ? win32::EventType::Error : win32::EventType::Warning,
                           QString::fromUtf8(line).trimmed().toStdWString());
    });
    return true;
}

void WindowsServiceHost::onControl(std::uint32_t code)
{
    switch (m_machine.control(winsvc::controlFromCode(code))) {
    case winsvc::Action::Leave:
        Q_EMIT stopRequested();
        break;
    case winsvc::Action::Reload:
        Q_EMIT reloadRequested();
        break;
    case winsvc::Action::None:
        break;
    }
}

void WindowsServiceHost::ready()
{
    m_machine.running();
}

void WindowsServiceHost::stopping()
{
    // The agent stops on its own (`qonsul leave`): report it as if the SCM had asked.
    m_machine.control(winsvc::Control::Stop);
}

void WindowsServiceHost::failed(const QString &reason)
{
    win32::reportEvent(kServiceName, win32::EventType::Error, reason.toStdWString());
}

void WindowsServiceHost::exited(int exitCode)
{
    m_progress->stop();
    m_machine.stopped(exitCode);
    win32::disconnect();
}

} // namespace qonsul::platform

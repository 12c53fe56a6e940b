#include "console/LiveView.h"

#include "console/AgentSession.h"

namespace qonsul::console {

LiveView::LiveView(AgentSession *session, QWidget *parent)
    : QWidget(parent)
    , m_session(session)
{
    connect(session, &AgentSession::clientChanged, this, [this] {
        stop();
        clearView();
        if (isVisible())
            start();
    });
}

void LiveView::refresh()
{
    stop();
    if (isVisible())
        start();
}

void LiveView::start()
{
    if (m_live || !m_session->client())
        return;
    m_live = true;
    startQueries();
}

void LiveView::stop()
{
    if (!m_live)
        return;
    m_live = false;
    stopQueries();
}

void LiveView::showEvent(QShowEvent *event)
{
    QWidget::showEvent(event);
    start();
}

void LiveView::hideEvent(QHideEvent *event)
{
    QWidget::hideEvent(event);
    stop();
}

} // namespace qonsul::console

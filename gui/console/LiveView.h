#pragma once
// Base of the console's views. A view runs its blocking queries only while it is shown: they
// start when it becomes visible (or the connection changes while it is) and stop when it is
// hidden or closed, so a view nobody looks at costs the agent nothing.
#include <QWidget>

namespace qonsul::console {

class AgentSession;

class LiveView : public QWidget
{
    Q_OBJECT
public:
    LiveView(AgentSession *session, QWidget *parent = nullptr);

    bool isLive() const { return m_live; }
    void refresh(); // drops what is shown and asks again

    virtual void focusFind() { }
    virtual QString selectedName() const { return {}; }
    virtual QString selectedAddress() const { return {}; }

protected:
    virtual void startQueries() = 0;
    virtual void stopQueries() = 0; // delete every BlockingQuery; keep what is shown
    virtual void clearView() = 0; // a new connection: nothing of the old one stays

    void showEvent(QShowEvent *event) override;
    void hideEvent(QHideEvent *event) override;

    AgentSession *m_session;

private:
    void start();
    void stop();

    bool m_live = false;
};

} // namespace qonsul::console

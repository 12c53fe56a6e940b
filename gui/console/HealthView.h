#pragma once
// Health: every warning and critical check in the datacenter, grouped by service and then node,
// with its output; kept current by one blocking query on /v1/health/state/any.
#include <QJsonArray>
#include <QPointer>

#include "console/LiveView.h"

class QLabel;
class QLineEdit;
class QTreeWidget;

namespace qonsul::console {

class BlockingQuery;

class HealthView : public LiveView
{
    Q_OBJECT
public:
    explicit HealthView(AgentSession *session, QWidget *parent = nullptr);

    void focusFind() override;
    QString selectedName() const override;
    QTreeWidget *tree() const { return m_tree; }

protected:
    void startQueries() override;
    void stopQueries() override;
    void clearView() override;

private:
    void fill();

    QLabel *m_summary;
    QLineEdit *m_filter;
    QTreeWidget *m_tree;
    QPointer<BlockingQuery> m_query;
    QJsonArray m_checks;
};

} // namespace qonsul::console

#pragma once
// Services: the filterable list on top, the chosen service's instances and checks below.
#include <QPointer>

#include "console/LiveView.h"

class QComboBox;
class QLabel;
class QLineEdit;
class QTableView;

namespace qonsul::console {

class BlockingQuery;
class ServiceDetail;
class ServiceFilterProxy;
class ServicesModel;

class ServicesView : public LiveView
{
    Q_OBJECT
public:
    explicit ServicesView(AgentSession *session, QWidget *parent = nullptr);

    void focusFind() override;
    QString selectedName() const override;
    QString selectedAddress() const override;

    ServicesModel *model() const { return m_model; }
    ServiceFilterProxy *proxy() const { return m_proxy; }
    QTableView *table() const { return m_table; }
    QLineEdit *filterEdit() const { return m_filter; }
    ServiceDetail *detail() const { return m_detail; }
    void selectService(const QString &name);

protected:
    void startQueries() override;
    void stopQueries() override;
    void clearView() override;

private:
    void readInstances();
    void updateCount();

    ServicesModel *m_model;
    ServiceFilterProxy *m_proxy;
    QLineEdit *m_filter;
    QComboBox *m_status;
    QLabel *m_count;
    QTableView *m_table;
    ServiceDetail *m_detail;
    QPointer<BlockingQuery> m_catalog;
    QPointer<BlockingQuery> m_checks;
    int m_countGeneration = 0;
};

} // namespace qonsul::console

// qonsul-console with a large agent: 10,000 services and 100,000 KV keys loaded into a dev
// agent, then the time until the service list is shown after connecting, the filter's cost per
// keystroke, the time to open KV folders (50,000 keys in one, 100 in others) and the console's
// memory. Prints numbers; see docs/benchmarks.md. Run with QT_QPA_PLATFORM=offscreen and
// QONSUL_BIN=build/bin/qonsul.
#include <QApplication>
#include <QElapsedTimer>
#include <QFile>
#include <QJsonArray>
#include <QJsonDocument>
#include <QJsonObject>
#include <QLineEdit>
#include <QSettings>
#include <QTabWidget>
#include <QTemporaryDir>
#include <QTreeView>
#include <cstdio>

#include "AgentProcess.h"
#include "client/ApiClient.h"
#include "console/KvModel.h"
#include "console/KvView.h"
#include "console/MainWindow.h"
#include "console/ServicesModel.h"
#include "console/ServicesView.h"

using namespace qonsul;
using namespace qonsul::console;

namespace {

constexpr int kServices = 10000;
constexpr int kBigFolder = 50000; // bench/big/k00000 ...
constexpr int kSmallFolders = 500; // bench/small/f000/k00 ... 100 keys each
constexpr int kTxnOps = 64; // Consul's limit per transaction

long rssKb()
{
    QFile status(QStringLiteral("/proc/self/status"));
    if (!status.open(QIODevice::ReadOnly))
        return -1;
    for (const QByteArray &line : status.readAll().split('\n')) {
        if (line.startsWith("VmRSS:"))
            return line.mid(6).trimmed().split(' ').value(0).toLong();
    }
    return -1;
}

// Sends every request, at most `parallel` at a time, and waits for all of them.
bool sendAll(client::ApiClient *c, const QList<client::Request> &requests, int parallel = 6)
{
    qsizetype next = 0;
    int inFlight = 0;
    int failures = 0;
    QEventLoop loop;
    std::function<void()> pump = [&] {
        while (inFlight < parallel && next < requests.size()) {
            ++inFlight;
            c->send(requests[next++], &loop, [&](const client::Response &r) {
                --inFlight;
                if (!r.ok())
                    ++failures;
                if (next == requests.size() && inFlight == 0)
                    loop.quit();
                else
                    pump();
            });
        }
    };
    pump();
    if (inFlight > 0)
        loop.exec();
    return failures == 0;
}

bool load(client::ApiClient *c)
{
    QList<client::Request> requests;
    for (int i = 0; i < kServices; ++i) {
        client::Request r("PUT", QStringLiteral("/v1/catalog/register"));
        const QString name = QStringLiteral("svc-%1").arg(i, 5, 10, QLatin1Char('0'));
        QJsonObject body { { QStringLiteral("Node"), QStringLiteral("bench-node-%1").arg(i % 20) },
            { QStringLiteral("Address"), QStringLiteral("10.0.%1.%2").arg(i % 20).arg(i % 250) },
            { QStringLiteral("Service"),
                QJsonObject { { QStringLiteral("Service"), name },
                    { QStringLiteral("Tags"),
                        QJsonArray { i % 2 ? QStringLiteral("odd") : QStringLiteral("even"),
                            QStringLiteral("t%1").arg(i % 100) } },
                    { QStringLiteral("Port"), 8000 + i % 1000 } } } };
        if (i % 10 == 0)
            body.insert(QStringLiteral("Check"),
                QJsonObject { { QStringLiteral("CheckID"), QString(name + QStringLiteral("-check")) },
                    { QStringLiteral("Name"), QString(name + QStringLiteral(" check")) },
                    { QStringLiteral("Status"),
                        i % 30 == 0 ? QStringLiteral("critical") : QStringLiteral("passing") },
                    { QStringLiteral("ServiceID"), name } });
        r.body = QJsonDocument(body).toJson(QJsonDocument::Compact);
        requests.append(r);
    }
    QElapsedTimer t;
    t.start();
    if (!sendAll(c, requests))
        return false;
    std::printf("loaded %d services on 20 nodes in %.1f s\n", kServices, t.elapsed() / 1000.0);

    QStringList keys;
    for (int i = 0; i < kBigFolder; ++i)
        keys << QStringLiteral("bench/big/k%1").arg(i, 5, 10, QLatin1Char('0'));
    for (int f = 0; f < kSmallFolders; ++f)
        for (int k = 0; k < 100; ++k)
            keys << QStringLiteral("bench/small/f%1/k%2")
                        .arg(f, 3, 10, QLatin1Char('0'))
                        .arg(k, 2, 10, QLatin1Char('0'));
    requests.clear();
    for (qsizetype i = 0; i < keys.size(); i += kTxnOps) {
        QJsonArray ops;
        for (qsizetype j = i; j < qMin(keys.size(), i + kTxnOps); ++j)
            ops.append(QJsonObject { { QStringLiteral("KV"),
                QJsonObject { { QStringLiteral("Verb"), QStringLiteral("set") },
                    { QStringLiteral("Key"), keys[j] },
                    { QStringLiteral("Value"),
                        QString::fromLatin1(QByteArray("value of " + keys[j].toUtf8()).toBase64()) } } } });
        client::Request r("PUT", QStringLiteral("/v1/txn"));
        r.body = QJsonDocument(ops).toJson(QJsonDocument::Compact);
        requests.append(r);
    }
    t.restart();
    if (!sendAll(c, requests))
        return false;
    std::printf("loaded %lld KV keys in %.1f s\n", static_cast<long long>(keys.size()), t.elapsed() / 1000.0);
    return true;
}

// Runs the event loop until `done` or the deadline; returns the milliseconds it took or -1.
template<typename F> double waitUntil(F done, int timeoutMs = 60000)
{
    QElapsedTimer t;
    t.start();
    while (!done()) {
        if (t.elapsed() > timeoutMs)
            return -1;
        QCoreApplication::processEvents(QEventLoop::AllEvents, 5);
    }
    return t.nsecsElapsed() / 1e6;
}

double openFolder(KvView *kv, const QString &prefix, int expectedRows)
{
    const QModelIndex index = kv->model()->indexOfKey(prefix);
    if (!index.isValid())
        return -1;
    QElapsedTimer t;
    t.start();
    kv->tree()->expand(index); // what a click on the arrow does: fetchMore, then rows appear
    const double ms
        = waitUntil([&] { return kv->model()->rowCount(kv->model()->indexOfKey(prefix)) >= expectedRows; });
    QCoreApplication::processEvents(); // the view lays the new rows out
    return ms < 0 ? -1 : t.nsecsElapsed() / 1e6;
}

} // namespace

int main(int argc, char **argv)
{
    QApplication app(argc, argv);
    std::setvbuf(stdout, nullptr, _IOLBF, 0); // each number as soon as it is measured, also into a file
    QTemporaryDir settingsDir; // the console's settings and token file for this run only
    QSettings::setPath(QSettings::NativeFormat, QSettings::UserScope, settingsDir.path());
    QCoreApplication::setOrganizationName(QStringLiteral("QonsulBench"));
    QCoreApplication::setApplicationName(QStringLiteral("qonsul-console-bench"));

    test::AgentProcess agent;
    if (!agent.start())
        return 1;
    client::ClientConfig config;
    config.address = agent.httpAddr();
    client::ApiClient loader(config);
    if (!load(&loader)) {
        std::fprintf(stderr, "loading the agent failed\n");
        return 1;
    }
    const long rssBefore = rssKb();

    MainWindow window;
    window.resize(1200, 760);
    window.tabs()->setCurrentWidget(window.servicesView());
    window.show();
    ServicesModel *model = window.servicesView()->model();
    ConnectionProfile profile;
    profile.name = QStringLiteral("bench");
    profile.address = agent.httpAddr();
    QElapsedTimer t;
    t.start();
    window.connectTo(profile, QString());
    const double listed = waitUntil([&] { return model->rowCount() > kServices; });
    QCoreApplication::processEvents();
    const double shown = t.nsecsElapsed() / 1e6;
    const int last = model->rowOf(QStringLiteral("svc-09999"));
    const double counted = waitUntil([&] {
        return model->index(last, ServicesModel::Instances).data().toInt() == 1
            && !model->index(last, ServicesModel::Health).data().toString().isEmpty();
    });
    std::printf("service list (%d rows) shown %.0f ms after connecting (model filled at %.0f ms); "
                "instance counts and health in %.0f ms more\n",
        model->rowCount(), shown, listed, counted);

    // Filter: type "svc-0123" one key at a time, then a tag and a state filter.
    QLineEdit *filter = window.servicesView()->filterEdit();
    const QString typed = QStringLiteral("svc-0123");
    double worst = 0, total = 0;
    for (int i = 1; i <= typed.size(); ++i) {
        QElapsedTimer k;
        k.start();
        filter->setText(typed.left(i));
        QCoreApplication::processEvents();
        const double ms = k.nsecsElapsed() / 1e6;
        worst = qMax(worst, ms);
        total += ms;
    }
    std::printf(
        "filter per keystroke (\"%s\", %d keys, 10,000 rows): mean %.1f ms, worst %.1f ms; %d rows left\n",
        qPrintable(typed), int(typed.size()), total / typed.size(), worst,
        int(window.servicesView()->proxy()->rowCount()));
    for (const QString &text : { QStringLiteral("tag:t42"), QStringLiteral("status:critical") }) {
        QElapsedTimer k;
        k.start();
        filter->setText(text);
        QCoreApplication::processEvents();
        std::printf("filter \"%s\": %.1f ms, %d rows\n", qPrintable(text), k.nsecsElapsed() / 1e6,
            int(window.servicesView()->proxy()->rowCount()));
    }
    filter->clear();

    window.tabs()->setCurrentWidget(window.kvView());
    KvView *kv = window.kvView();
    waitUntil([&] { return kv->model()->indexOfKey(QStringLiteral("bench/")).isValid(); });
    std::printf("open KV folder bench/ (2 entries): %.1f ms\n", openFolder(kv, QStringLiteral("bench/"), 2));
    std::printf("open KV folder bench/small/ (500 folders): %.1f ms\n",
        openFolder(kv, QStringLiteral("bench/small/"), kSmallFolders));
    std::printf("open KV folder bench/small/f250/ (100 keys): %.1f ms\n",
        openFolder(kv, QStringLiteral("bench/small/f250/"), 100));
    std::printf("open KV folder bench/big/ (50,000 keys): %.1f ms\n",
        openFolder(kv, QStringLiteral("bench/big/"), kBigFolder));

    // A write while all of that is open: the live update re-reads the open folders.
    QElapsedTimer w;
    w.start();
    loader.call(client::Request("PUT", QStringLiteral("/v1/kv/bench/big/zz-new")));
    const double live
        = waitUntil([&] { return kv->model()->indexOfKey(QStringLiteral("bench/big/zz-new")).isValid(); });
    std::printf("a key written elsewhere appears in the open 50,000-key folder after %.0f ms\n",
        live < 0 ? -1 : w.elapsed() * 1.0);

    window.tabs()->setCurrentWidget(window.servicesView());
    waitUntil([] { return false; }, 500);
    std::printf("console RSS: %ld MB (%ld MB before the window was made, the loader's client included)\n",
        rssKb() / 1024, rssBefore / 1024);
    agent.stop();
    return 0;
}

#pragma once
#include "platform/WindowsScm.h"

#include <QList>
#include <QPair>
#include <QString>

struct FakeScm
{
    static FakeScm &instance();

    bool startedBySCM = true; // false: connect() fails as on a console run
    bool connected = false;
    std::wstring serviceName;
    std::function<void(std::uint32_t)> onControl; // the SCM's control handler thread calls this
    QList<qonsul::platform::winsvc::Status> statuses;
    QList<QPair<qonsul::platform::win32::EventType, QString>> events;
};

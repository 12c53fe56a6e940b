# qonsul %postun: forget the removed unit; an upgrade restarts a running agent on the new binary.
if [ -d /run/systemd/system ]; then
    systemctl --system daemon-reload >/dev/null 2>&1 || :
    if [ "$1" -ge 1 ]; then
        systemctl try-restart qonsul.service >/dev/null 2>&1 || :
    fi
fi
exit 0

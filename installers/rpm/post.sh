# qonsul %post: a first install enables the unit without starting it (configure first).
if [ "$1" -eq 1 ] && [ -d /run/systemd/system ]; then
    systemctl --system daemon-reload >/dev/null 2>&1 || :
    systemctl enable qonsul.service >/dev/null 2>&1 || :
fi
exit 0

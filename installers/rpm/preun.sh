# qonsul %preun: a removal (not an upgrade) stops and disables the agent.
if [ "$1" -eq 0 ] && [ -d /run/systemd/system ]; then
    systemctl disable --now qonsul.service >/dev/null 2>&1 || :
fi
exit 0

# qonsul %pre: the service account, before the files that belong to it are laid down.
getent group qonsul >/dev/null || groupadd --system qonsul
getent passwd qonsul >/dev/null || useradd --system --gid qonsul --home-dir /var/lib/qonsul \
    --no-create-home --shell /sbin/nologin --comment "Qonsul agent" qonsul
exit 0

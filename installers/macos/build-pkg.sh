#!/bin/sh
# Builds qonsul-<version>.pkg on macOS from a built tree: the binary in /usr/local/bin, the launchd
# plist and the default config written by `qonsul service install -init launchd -root`, and the
# console .app when the GUI build made one. Not run on the project's Linux machines.
# Usage: installers/macos/build-pkg.sh <build-dir> <version>
set -eu
build=$1
version=$2
stage=$(mktemp -d)
trap 'rm -rf "$stage"' EXIT

install -d "$stage/root/usr/local/bin"
install -m 0755 "$build/bin/qonsul" "$stage/root/usr/local/bin/qonsul"
"$build/bin/qonsul" service install -init launchd -root "$stage/root" -binary /usr/local/bin/qonsul
if [ -d "$build/bin/qonsul-console.app" ]; then
    install -d "$stage/root/Applications"
    cp -R "$build/bin/qonsul-console.app" "$stage/root/Applications/Qonsul Console.app"
fi

# postinstall: load the daemon only if the operator already has a config (upgrades); a fresh
# install stays stopped until `sudo qonsul service start`.
install -d "$stage/scripts"
cat > "$stage/scripts/postinstall" <<'SCRIPT'
#!/bin/sh
if launchctl print system/org.qonsul.agent >/dev/null 2>&1; then
    launchctl kickstart -k system/org.qonsul.agent
fi
exit 0
SCRIPT
chmod 0755 "$stage/scripts/postinstall"

pkgbuild --root "$stage/root" --scripts "$stage/scripts" --identifier org.qonsul.agent \
    --version "$version" --install-location / "qonsul-$version.pkg"

#!/usr/bin/env bash
# Installs what building and testing Qonsul needs on Debian 12 (apt-get; npm for the Node.js
# client tests). Safe to run again: it only installs what is missing.
set -euo pipefail
cd "$(dirname "$0")/.."

packages=(build-essential cmake ninja-build ccache pkg-config
          qt6-base-dev qt6-base-dev-tools qt6-tools-dev qt6-tools-dev-tools qt6-l10n-tools libqt6sql6-sqlite
          libgl-dev libarchive-dev python3 python3-consul curl dnsutils knot-dnsutils unbound)
packages+=(qtkeychain-qt6-dev) # qonsul-console: ACL tokens in the system keychain
packages+=(libssl-dev) # gossip encryption: AES-GCM from OpenSSL
packages+=(python3-grpcio) # tst_checks_kinds: a real gRPC health server for gRPC and H2PING checks
packages+=(openssl) # tst_checks_kinds: certificates made at test time for the TLS checks
# Packaging tests: systemd-analyze, lintian, rpmbuild; MinGW and wixl for the Windows files.
packages+=(systemd lintian rpm g++-mingw-w64-x86-64-posix wixl)
[ "${1:-}" = "--with-bench" ] && packages+=(wrk nginx-light dnsperf)
command -v node >/dev/null 2>&1 || packages+=(nodejs)
command -v npm >/dev/null 2>&1 || packages+=(npm)

missing=()
for p in "${packages[@]}"; do
    dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
done
if [ ${#missing[@]} -gt 0 ]; then
    SUDO=""; [ "$(id -u)" -ne 0 ] && SUDO="sudo"
    $SUDO apt-get update -qq
    DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq --no-install-recommends "${missing[@]}"
fi

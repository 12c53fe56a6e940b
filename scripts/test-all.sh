#!/usr/bin/env bash
# Fresh Debian 12 machine → everything built from scratch and every test run (unit, integration,
# acceptance). Exits non-zero if anything fails.
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/install-deps.sh
for client in tests/acceptance/node/*/; do
    (cd "$client" && npm ci --no-audit --no-fund --silent)
done
rm -rf build-ci
cmake -S . -B build-ci -G Ninja -DCMAKE_BUILD_TYPE=RelWithDebInfo
cmake --build build-ci -j"$(nproc)"
ctest --test-dir build-ci --output-on-failure -j2 --timeout 600

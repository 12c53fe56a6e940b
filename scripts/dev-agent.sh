#!/usr/bin/env bash
# Fresh Debian 12 machine → a running single-node dev agent on 127.0.0.1:8500.
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/install-deps.sh
cmake -S . -B build -G Ninja -DCMAKE_BUILD_TYPE=RelWithDebInfo -DQONSUL_BUILD_TESTS=OFF
cmake --build build --target qonsul -j"$(nproc)"
exec build/bin/qonsul agent -dev "$@"

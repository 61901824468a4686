#!/usr/bin/env bash
# Direct transfer throughput in Chromium (e2e/scripts/bench-transfer.mjs), as root inside a network namespace
# that holds only loopback, like the end-to-end tests (scripts/e2e.sh).
set -euo pipefail
cd "$(dirname "$0")/../e2e"
if [ "$(id -u)" -eq 0 ] && unshare -n true 2>/dev/null; then
  exec unshare -n sh -c 'ip link set lo up && exec node scripts/bench-transfer.mjs'
fi
exec node scripts/bench-transfer.mjs

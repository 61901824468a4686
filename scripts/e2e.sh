#!/usr/bin/env bash
# Runs the Playwright end-to-end specs. As root, inside a network namespace that holds only
# loopback, so WebRTC never gathers candidates on the machine's other interfaces.
set -euo pipefail
cd "$(dirname "$0")/../e2e"
if [ "$(id -u)" -eq 0 ] && unshare -n true 2>/dev/null; then
  exec unshare -n sh -c 'ip link set lo up && exec npx playwright test "$@"' sh "$@"
fi
exec npx playwright test "$@"

#!/usr/bin/env bash
# Installs what Parley needs to build and test, and nothing when it is all there already.
# Debian 12 packages (C++ side, Chromium for browser tests) and the client's npm packages.
set -euo pipefail
cd "$(dirname "$0")/.."

# Every C++ dependency comes from Debian. Never libboost-dev / libboost-all-dev (Boost 1.74 conflicts).
PACKAGES=(
  build-essential cmake ninja-build ccache pkg-config git
  libboost1.81-dev libboost-json1.81-dev libboost-url1.81-dev
  libspdlog-dev libfmt-dev libcli11-dev libssl-dev
  libsqlite3-dev libsodium-dev libcurl4-openssl-dev libvips-dev libwebp-dev libmagic-dev
  libgtest-dev libgmock-dev libbenchmark-dev
  clang-format openssl sqlite3 chromium curl iproute2 util-linux
  coturn redis-server libhiredis-dev
)

missing=()
for p in "${PACKAGES[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
done
if [ ${#missing[@]} -gt 0 ]; then
  echo "install-deps: installing ${missing[*]}"
  SUDO=""
  [ "$(id -u)" -ne 0 ] && SUDO="sudo"
  export DEBIAN_FRONTEND=noninteractive
  $SUDO apt-get update -qq
  $SUDO apt-get install -y -qq --no-install-recommends "${missing[@]}"
fi

# Node.js 20.19 or newer builds the client and runs the browser tests (this machine image has it;
# Debian 12's own nodejs package is 18, too old for Vite 8).
node_ok() { node -e 'const [a, b] = process.versions.node.split(".").map(Number); process.exit(a > 20 || (a === 20 && b >= 19) ? 0 : 1)'; }
if ! command -v node >/dev/null || ! node_ok; then
  echo "install-deps: Node.js 20.19 or newer is required (found: $(node --version 2>/dev/null || echo none))" >&2
  exit 1
fi

# npm ci only when the lock file changed since the last install (it is slow-ish and wipes node_modules).
npm_ci() {
  local dir=$1
  [ -f "$dir/package-lock.json" ] || return 0
  local stamp="$dir/node_modules/.parley-lock-stamp"
  if [ ! -f "$stamp" ] || ! cmp -s "$dir/package-lock.json" "$stamp"; then
    echo "install-deps: npm ci in $dir"
    (cd "$dir" && npm ci --no-audit --no-fund --loglevel=error)
    cp "$dir/package-lock.json" "$stamp"
  fi
}
npm_ci web
npm_ci e2e
npm_ci server/tests/integration

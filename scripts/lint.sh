#!/usr/bin/env bash
# Lint: clang-format (100 columns) on the server sources; ESLint (Vue + strict TypeScript rules)
# and Prettier on the client; TypeScript's check of the browser tests. The client's strict
# type-check (vue-tsc) runs under ctest.
set -euo pipefail
cd "$(dirname "$0")/.."
files=$(git ls-files 'server/*.cpp' 'server/*.hpp')
if ! clang-format --dry-run -Werror $files; then
  echo "lint: run 'make format' to fix the formatting above" >&2
  exit 1
fi
echo "lint: $(echo $files | wc -w) server files formatted"
(cd web && npm run --silent lint) || { echo "lint: run 'cd web && npm run format' for formatting" >&2; exit 1; }
echo "lint: client clean"
(cd e2e && npx --no-install tsc --noEmit -p .) || { echo "lint: the browser tests do not type-check" >&2; exit 1; }
echo "lint: browser tests type-check"

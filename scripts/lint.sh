#!/usr/bin/env bash
# Formatting check for the server sources (clang-format, 100 columns). The client's lint is its
# strict type-check (vue-tsc), which ctest runs.
set -euo pipefail
cd "$(dirname "$0")/.."
files=$(git ls-files 'server/*.cpp' 'server/*.hpp')
if ! clang-format --dry-run -Werror $files; then
  echo "lint: run 'make format' to fix the formatting above" >&2
  exit 1
fi
echo "lint: $(echo $files | wc -w) files formatted"

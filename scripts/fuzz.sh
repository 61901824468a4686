#!/usr/bin/env bash
# Builds the libFuzzer targets with clang (ASan + UBSan) and runs each for FUZZ_SECONDS (60).
# Seeds come from docs/protocol-examples. Findings are written to build/fuzz/.
set -euo pipefail
cd "$(dirname "$0")/.."
seconds=${FUZZ_SECONDS:-60}
# clang and its libFuzzer runtime are only needed here, so they are not in install-deps.sh.
if ! command -v clang++ >/dev/null || ! dpkg-query -W -f='${Status}' libclang-rt-14-dev 2>/dev/null | grep -q "ok installed"; then
  DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends clang libclang-rt-14-dev
fi
out=build/fuzz
mkdir -p "$out/corpus"
clang++ -std=c++20 -O1 -g -fsanitize=fuzzer,address,undefined -Iserver/src \
  server/fuzz/frames_fuzz.cpp server/src/protocol/frames.cpp \
  -lboost_json -lfmt -o "$out/frames_fuzz"
cp docs/protocol-examples/*.json "$out/corpus/"
"$out/frames_fuzz" -max_total_time="$seconds" -max_len=65536 -artifact_prefix="$out/" "$out/corpus"

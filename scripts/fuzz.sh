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
flags=(-std=c++20 -O1 -g -fsanitize=fuzzer,address,undefined -Iserver/src)
# The JSON frame decoder, seeded with the protocol examples.
clang++ "${flags[@]}" server/fuzz/frames_fuzz.cpp server/src/protocol/frames.cpp server/src/protocol/fields.cpp \
  -lboost_json -lfmt -o "$out/frames_fuzz"
cp docs/protocol-examples/*.json "$out/corpus/"
"$out/frames_fuzz" -max_total_time="$seconds" -max_len=65536 -artifact_prefix="$out/" "$out/corpus"
# The WebSocket frame parser (bytes off the socket after the handshake).
clang++ "${flags[@]}" server/fuzz/ws_frames_fuzz.cpp server/src/net/ws_frames.cpp \
  -o "$out/ws_frames_fuzz"
mkdir -p "$out/ws_corpus"
"$out/ws_frames_fuzz" -max_total_time="$seconds" -max_len=8192 -artifact_prefix="$out/ws-" \
  "$out/ws_corpus"
# File names and Range headers (upload names and download requests).
clang++ "${flags[@]}" server/fuzz/media_fuzz.cpp server/src/media/media.cpp server/src/media/strip.cpp \
  -lmagic -lcrypto -lspdlog -lfmt -o "$out/media_fuzz"
mkdir -p "$out/media_corpus"
printf 'bytes=0-9' > "$out/media_corpus/range"
printf '../../etc/passwd' > "$out/media_corpus/name"
"$out/media_fuzz" -max_total_time="$seconds" -max_len=8192 -artifact_prefix="$out/media-" \
  "$out/media_corpus"

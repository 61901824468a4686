#!/usr/bin/env bash
# Builds the libFuzzer targets with clang (ASan + UBSan) and runs each for FUZZ_SECONDS (600).
# The corpus lives in the repository (server/fuzz/corpus/<target>/: what a run finds is added
# there, commit it); the frame decoder is seeded from docs/protocol-examples too. Findings are
# written to build/fuzz/.
set -euo pipefail
cd "$(dirname "$0")/.."
seconds=${FUZZ_SECONDS:-600}
corpus=server/fuzz/corpus
# clang and its libFuzzer runtime are only needed here, so they are not in install-deps.sh.
if ! command -v clang++ >/dev/null || ! dpkg-query -W -f='${Status}' libclang-rt-14-dev 2>/dev/null | grep -q "ok installed"; then
  DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends clang libclang-rt-14-dev
fi
out=build/fuzz
mkdir -p "$out/corpus"
flags=(-std=c++20 -O1 -g -fsanitize=fuzzer,address,undefined -Iserver/src)
# The JSON frame decoder, seeded with the protocol examples.
clang++ "${flags[@]}" server/fuzz/frames_fuzz.cpp server/src/protocol/frames.cpp server/src/protocol/fields.cpp \
  server/src/protocol/rtc_frames.cpp server/src/rtc/calls.cpp server/src/rtc/transfers.cpp \
  -lboost_json -lfmt -o "$out/frames_fuzz"
mkdir -p "$corpus/frames"
"$out/frames_fuzz" -max_total_time="$seconds" -max_len=65536 -artifact_prefix="$out/" \
  "$corpus/frames" docs/protocol-examples
# The WebSocket frame parser (bytes off the socket after the handshake).
clang++ "${flags[@]}" server/fuzz/ws_frames_fuzz.cpp server/src/net/ws_frames.cpp \
  -o "$out/ws_frames_fuzz"
mkdir -p "$corpus/ws_frames"
"$out/ws_frames_fuzz" -max_total_time="$seconds" -max_len=8192 -artifact_prefix="$out/ws-" \
  "$corpus/ws_frames"
# File names and Range headers (upload names and download requests).
clang++ "${flags[@]}" server/fuzz/media_fuzz.cpp server/src/media/media.cpp server/src/media/strip.cpp \
  -lmagic -lcrypto -lspdlog -lfmt -o "$out/media_fuzz"
mkdir -p "$corpus/media"
"$out/media_fuzz" -max_total_time="$seconds" -max_len=8192 -artifact_prefix="$out/media-" \
  "$corpus/media"
# The config file (TOML through CLI11).
clang++ "${flags[@]}" server/fuzz/config_fuzz.cpp server/src/config/config.cpp -o "$out/config_fuzz"
mkdir -p "$corpus/config"
"$out/config_fuzz" -max_total_time="$seconds" -max_len=4096 -artifact_prefix="$out/config-" \
  "$corpus/config"
# An HTTP request head: Beast's parser, the target's origin form, the path against a web root.
clang++ "${flags[@]}" server/fuzz/http_head_fuzz.cpp server/src/net/static_files.cpp \
  server/src/net/http_policy.cpp -lboost_url -lfmt -o "$out/http_head_fuzz"
mkdir -p "$corpus/http_head"
"$out/http_head_fuzz" -max_total_time="$seconds" -max_len=16384 -artifact_prefix="$out/http-" \
  "$corpus/http_head"
# An upload's request: the JSON body of POST /api/uploads and the Upload-Offset header.
clang++ "${flags[@]}" server/fuzz/upload_fuzz.cpp server/src/api/json_body.cpp server/src/media/media.cpp \
  server/src/media/strip.cpp -lboost_json -lmagic -lcrypto -lspdlog -lfmt -o "$out/upload_fuzz"
mkdir -p "$corpus/upload"
"$out/upload_fuzz" -max_total_time="$seconds" -max_len=8192 -artifact_prefix="$out/upload-" \
  "$corpus/upload"

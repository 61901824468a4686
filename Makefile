# The two commands of the README, and the pieces they are made of.
#   make run   install what is missing, build the release server and the client, serve on :8080
#   make test  install what is missing, build with sanitizers, run every test
SHELL := /bin/bash
PORT ?= 8080
DATA ?= ./data
export CCACHE_SLOPPINESS := pch_defines,time_macros,include_file_mtime,include_file_ctime
export CCACHE_MAXSIZE ?= 5G

.PHONY: run test deps web release asan debug lint format bench fuzz reliability cluster clean

run: deps web release
	./build/release/bin/parley --host 127.0.0.1 --port $(PORT) --data-dir $(DATA) --web-root web/dist

test: deps web asan lint
	ctest --preset asan -j2

deps:
	@./scripts/install-deps.sh

web: deps
	cd web && npm run --silent build

release: deps
	@[ -f build/release/build.ninja ] || cmake --preset release
	cmake --build --preset release

asan: deps
	@[ -f build/asan/build.ninja ] || cmake --preset asan
	cmake --build --preset asan

debug: deps
	@[ -f build/debug/build.ninja ] || cmake --preset debug
	cmake --build --preset debug

# Figures, not pass/fail: see docs/benchmarks.md.
bench: deps release
	./build/release/bin/parley_password_bench --benchmark_min_time=0.5
	node scripts/bench-logins.mjs
	BENCH_BUILD=0 ./scripts/bench-chat.sh
	BENCH_BUILD=0 ./scripts/bench-cluster.sh
	cd web && npm run --silent build && node scripts/budget.mjs && npm run --silent bench
	node scripts/bench-files.mjs
	node scripts/bench-abuse.mjs
	./scripts/bench-calls.sh
	cd e2e && node scripts/bench-painter.mjs
	./scripts/bench-transfer.sh

# A cluster on this machine to try: PostgreSQL, Redis, three nodes and nginx on :$(PORT)
# (docs/deploy.md "A cluster"). Ctrl+C stops it; state in ./cluster-data.
cluster: deps web release
	PORT=$(PORT) ./scripts/cluster.sh

# Minutes, not seconds (not in `make test`): 100 kill -9 cycles under load, every acknowledged
# message present once and in place; 1,000 random disconnects during traffic, every client ending
# with the same log; the hostile-client scenarios against the release build.
# See docs/reliability.md.
reliability: deps web release
	PARLEY_BIN=build/release/bin/parley CYCLES=$${CYCLES:-100} node server/tests/reliability/kill-cycles.mjs
	PARLEY_BIN=build/release/bin/parley DISCONNECTS=$${DISCONNECTS:-1000} node server/tests/reliability/disconnects.mjs
	cd server/tests/integration && PARLEY_BIN=../../../build/release/bin/parley node --test abuse.test.mjs connections.test.mjs

# libFuzzer on every parser of untrusted input (clang), FUZZ_SECONDS each (600); the corpus is
# kept in server/fuzz/corpus/.
fuzz: deps
	./scripts/fuzz.sh

lint:
	@./scripts/lint.sh

format:
	clang-format -i $$(git ls-files 'server/*.cpp' 'server/*.hpp')
	cd web && npm run --silent format

clean:
	rm -rf build web/dist

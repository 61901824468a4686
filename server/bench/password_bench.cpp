// What one password hash costs with the parameters Parley uses (libsodium's INTERACTIVE limits,
// the default) against the minimum ones as the in-run baseline. One iteration = one hash on one
// core.
#include <benchmark/benchmark.h>

#include "auth/password.hpp"
#include "auth/tokens.hpp"

namespace {

using parley::auth::HashCost;
using parley::auth::PasswordHasher;

void BM_HashInteractive(benchmark::State& state) {
  PasswordHasher h(HashCost::interactive());
  for (auto _ : state) benchmark::DoNotOptimize(h.hash("correct horse battery staple"));
}
BENCHMARK(BM_HashInteractive)->Unit(benchmark::kMillisecond)->MinTime(2.0)->UseRealTime();

void BM_VerifyInteractive(benchmark::State& state) {
  PasswordHasher h(HashCost::interactive());
  std::string hash = h.hash("correct horse battery staple");
  for (auto _ : state) benchmark::DoNotOptimize(h.verify(hash, "correct horse battery staple"));
}
BENCHMARK(BM_VerifyInteractive)->Unit(benchmark::kMillisecond)->MinTime(2.0)->UseRealTime();

void BM_VerifyMinimum(benchmark::State& state) {
  PasswordHasher h(HashCost::minimum());
  std::string hash = h.hash("correct horse battery staple");
  for (auto _ : state) benchmark::DoNotOptimize(h.verify(hash, "correct horse battery staple"));
}
BENCHMARK(BM_VerifyMinimum)->Unit(benchmark::kMicrosecond)->UseRealTime();

void BM_SessionTokenHash(benchmark::State& state) {
  std::string token = parley::auth::random_token();
  for (auto _ : state) benchmark::DoNotOptimize(parley::auth::token_hash(token));
}
BENCHMARK(BM_SessionTokenHash)->Unit(benchmark::kNanosecond);

}  // namespace

BENCHMARK_MAIN();

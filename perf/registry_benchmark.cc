// Registry: registering 10,000 features, one RegisterFeature call each (sync_writes off,
// so each is one unsynced RocksDB write) or one RegisterFeatures call for all of them
// (one write); and Resolve latency with 10,000 features of one entity type registered.
//
// The registration benchmarks build a fresh engine in a scratch directory for every
// repetition (untimed) and time the registration of all 10,000 specs as one iteration.
#include <benchmark/benchmark.h>

#include <cstdio>
#include <string>
#include <vector>

#include "perf/bench_util.h"

namespace asof::bench {
namespace {

constexpr size_t kNumFeatures = 10000;
constexpr char kEntityType[] = "user";

const std::vector<FeatureSpec>& Specs() {
  static const auto* specs = [] {
    auto* out = new std::vector<FeatureSpec>(kNumFeatures);
    for (size_t i = 0; i < kNumFeatures; ++i) {
      char name[32];
      std::snprintf(name, sizeof(name), "feature_%05zu", i);
      FeatureSpec& s = (*out)[i];
      s.name = name;
      s.entity = kEntityType;
      s.value_type = i % 2 == 0 ? ValueType::kDouble : ValueType::kInt64;
      s.description = std::string("benchmark feature ") + name;
      s.owner = "team-" + std::to_string(i % 16);
      s.tags = {"bench", "group-" + std::to_string(i % 100)};
      s.source = "events.clicks";
      s.ttl_us = 7 * 24 * kHourUs;
    }
    return out;
  }();
  return *specs;
}

// A fresh engine with the entity type registered; sync_writes off.
struct Fresh {
  ManualClock clock{kBaseTs};
  ScratchDir dir;
  std::unique_ptr<Engine> engine;
  Fresh() {
    engine = OpenEngine(dir.path(), &clock, /*sync_writes=*/false, 64ull << 20);
    CheckOk(engine->registry().RegisterEntityType(kEntityType, "benchmark users").status(),
            "entity type");
  }
};

void SetRate(benchmark::State& state) {
  state.counters["features/s"] = benchmark::Counter(
      static_cast<double>(state.iterations() * kNumFeatures), benchmark::Counter::kIsRate);
}

void BM_RegisterOneByOne(benchmark::State& state) {
  const std::vector<FeatureSpec>& specs = Specs();
  for (auto _ : state) {
    state.PauseTiming();
    auto fresh = std::make_unique<Fresh>();
    state.ResumeTiming();
    for (const FeatureSpec& spec : specs) {
      Result<Registry::Registered> r = fresh->engine->registry().RegisterFeature(spec);
      if (!r.ok() || r->outcome != Registry::Outcome::kCreated) {
        state.SkipWithError(r.ok() ? "not created" : r.status().ToString().c_str());
        return;
      }
    }
    state.PauseTiming();
    fresh.reset();
    state.ResumeTiming();
  }
  SetRate(state);
}
BENCHMARK(BM_RegisterOneByOne)->Iterations(1)->Unit(benchmark::kMillisecond)->UseRealTime();

void BM_RegisterBatch(benchmark::State& state) {
  const std::vector<FeatureSpec>& specs = Specs();
  for (auto _ : state) {
    state.PauseTiming();
    auto fresh = std::make_unique<Fresh>();
    state.ResumeTiming();
    Result<std::vector<Registry::Registered>> r = fresh->engine->registry().RegisterFeatures(specs);
    if (!r.ok() || r->size() != specs.size()) {
      state.SkipWithError(r.ok() ? "wrong count" : r.status().ToString().c_str());
      return;
    }
    state.PauseTiming();
    fresh.reset();
    state.ResumeTiming();
  }
  SetRate(state);
}
BENCHMARK(BM_RegisterBatch)->Iterations(1)->Unit(benchmark::kMillisecond)->UseRealTime();

// One engine with all 10,000 features, shared by every Resolve run; built on first use
// and destroyed by main.
Fresh* g_resolve = nullptr;

// range(0): 0 resolves "name", 1 resolves "name@1". Random feature per lookup.
void BM_Resolve(benchmark::State& state) {
  if (state.thread_index() == 0 && g_resolve == nullptr) {
    g_resolve = new Fresh;
    CheckOk(g_resolve->engine->registry().RegisterFeatures(Specs()).status(), "features");
  }
  std::vector<std::string> refs;
  for (const FeatureSpec& spec : Specs()) refs.push_back(spec.name + (state.range(0) ? "@1" : ""));
  Rng rng(0x4E5 + static_cast<uint64_t>(state.thread_index()));
  for (auto _ : state) {
    Result<FeaturePtr> f =
        g_resolve->engine->registry().Resolve(kEntityType, refs[rng.Uniform(kNumFeatures)]);
    if (!f.ok()) {
      state.SkipWithError(f.status().ToString().c_str());
      break;
    }
    benchmark::DoNotOptimize(f);
  }
  state.counters["resolves/s"] =
      benchmark::Counter(static_cast<double>(state.iterations()), benchmark::Counter::kIsRate);
}
BENCHMARK(BM_Resolve)->ArgName("pinned")->Arg(0)->Arg(1)->Threads(1)->Threads(2)->UseRealTime();

}  // namespace
}  // namespace asof::bench

int main(int argc, char** argv) {
  benchmark::Initialize(&argc, argv);
  if (benchmark::ReportUnrecognizedArguments(argc, argv)) return 1;
  benchmark::RunSpecifiedBenchmarks();
  benchmark::Shutdown();
  delete asof::bench::g_resolve;
  return 0;
}

// Online reads from a cache-resident store: 1 entity x 10 of its 50 features per call, and
// 100 entities x 10 features per call, over 1M entities (DESIGN.md section 9: online
// p99 < 1 ms, >= 1M feature values/s from one 2-core node).
//
// Setup (untimed by the benchmarks, reported in the context header): 1M entities x 50
// DOUBLE features written through Engine::Write in batches of 1000 records with
// sync_writes off, then CompactAll so that `latest` holds one merged record per entity,
// then one pass over every entity to fill the 4 GiB block cache. Its rates are the
// bulk-through-Write figure of perf/RESULTS.md.
//
// Counters: reads/s (entities), values/s (entity x feature), and p50_us / p99_us, the
// latency percentiles of single calls (steady_clock around each ReadOnline).
//
// Environment: ASOF_BENCH_ENTITIES (default 1000000) shrinks the data set;
// ASOF_BENCH_DIR keeps it for the next run (see bench_util.h).
#include <benchmark/benchmark.h>

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <string>
#include <vector>

#include "perf/bench_util.h"

namespace asof::bench {
namespace {

constexpr int kNumFeatures = 50;
constexpr int kFeaturesPerRead = 10;
constexpr size_t kLoadBatch = 1000;  // records per Write while loading
constexpr size_t kCacheBytes = 4ull << 30;
constexpr char kEntityType[] = "user";
// Events are spread over the week before the clock's now, so every value is PRESENT.
constexpr int64_t kNow = kBaseTs + 30 * 24 * kHourUs;

struct DataSet {
  uint64_t num_entities = 0;
  std::vector<std::string> ids;  // EntityId(i), built once so requests cost no formatting
  ManualClock clock{kNow};
  std::unique_ptr<BenchDir> dir;
  std::unique_ptr<Engine> engine;
};
DataSet* g_data = nullptr;

std::string FeatureName(int f) {
  char buf[8];
  std::snprintf(buf, sizeof(buf), "f%02d", f);
  return buf;
}

// The value stored for (entity, feature): checkable on read.
double ExpectedValue(uint64_t entity, int feature) {
  return static_cast<double>(entity * kNumFeatures + feature) + 0.25;
}

void RegisterSchema(Engine* engine) {
  CheckOk(engine->registry().RegisterEntityType(kEntityType, "benchmark users").status(),
          "registering the entity type");
  std::vector<FeatureSpec> specs(kNumFeatures);
  for (int f = 0; f < kNumFeatures; ++f) {
    specs[f].name = FeatureName(f);
    specs[f].entity = kEntityType;
    specs[f].value_type = ValueType::kDouble;
  }
  CheckOk(engine->registry().RegisterFeatures(specs).status(), "registering features");
}

// Writes every (entity, feature) once; returns the load figures as context lines.
void Load(DataSet* data) {
  Engine* engine = data->engine.get();
  RegisterSchema(engine);
  Rng rng(0x0417);
  std::vector<WriteRecord> batch;
  batch.reserve(kLoadBatch);
  const uint64_t total = data->num_entities * kNumFeatures;
  double write_s = 0;
  Stopwatch load;
  auto flush = [&] {
    Stopwatch w;
    WriteResult r = ValueOrDie(engine->Write(batch), "loading");
    write_s += w.Seconds();
    ASOF_CHECK(r.accepted == batch.size()) << "load batch: " << r.rejected << " rejected";
    batch.clear();
  };
  for (uint64_t e = 0; e < data->num_entities; ++e) {
    for (int f = 0; f < kNumFeatures; ++f) {
      WriteRecord& rec = batch.emplace_back();
      rec.entity_type = kEntityType;
      rec.entity_id = data->ids[e];
      rec.feature = FeatureName(f);
      rec.value = Value::Double(ExpectedValue(e, f));
      rec.event_ts = kNow - 7 * 24 * kHourUs + static_cast<int64_t>(rng.Uniform(7 * 24 * kHourUs));
      if (batch.size() == kLoadBatch) flush();
    }
    if ((e + 1) % (data->num_entities / 10 == 0 ? 1 : data->num_entities / 10) == 0) {
      std::fprintf(stderr, "[load] %llu/%llu entities, %.0f s\n",
                   static_cast<unsigned long long>(e + 1),
                   static_cast<unsigned long long>(data->num_entities), load.Seconds());
    }
  }
  if (!batch.empty()) flush();
  const double load_s = load.Seconds();
  const uint64_t bytes_loaded = DirBytes(data->dir->path());
  Stopwatch compact;
  CheckOk(engine->CompactAll(), "compacting");
  const double compact_s = compact.Seconds();

  char line[160];
  std::snprintf(line, sizeof(line), "%llu records in %.1f s: %.0f records/s (%.0f/s inside Write)",
                static_cast<unsigned long long>(total), load_s, total / load_s, total / write_s);
  benchmark::AddCustomContext("load", line);
  std::snprintf(line, sizeof(line), "%.1f s; %s on disk before, %s after", compact_s,
                HumanBytes(bytes_loaded).c_str(), HumanBytes(DirBytes(data->dir->path())).c_str());
  benchmark::AddCustomContext("compact_all", line);
  std::fprintf(stderr, "[load] %s\n", line);
}

// Reads every entity once, checking every value: proves the data set and fills the cache.
void WarmAndVerify(DataSet* data) {
  OnlineRequest req;
  req.entity_type = kEntityType;
  for (int f = 0; f < kNumFeatures; ++f) req.features.push_back(FeatureName(f));
  Stopwatch warm;
  for (uint64_t begin = 0; begin < data->num_entities; begin += 100) {
    const uint64_t end = std::min<uint64_t>(begin + 100, data->num_entities);
    req.entity_ids.assign(data->ids.begin() + begin, data->ids.begin() + end);
    OnlineResult r = ValueOrDie(data->engine->ReadOnline(req), "warm-up read");
    for (uint64_t e = begin; e < end; ++e) {
      for (int f = 0; f < kNumFeatures; ++f) {
        const FeatureValue& v = r.at(e - begin, f);
        ASOF_CHECK(v.status == ValueStatus::kPresent && v.value.as_double() == ExpectedValue(e, f))
            << data->ids[e] << " " << FeatureName(f) << ": " << ValueStatusName(v.status);
      }
    }
  }
  EngineStats s = data->engine->stats();
  char line[160];
  std::snprintf(line, sizeof(line), "%.1f s; block cache hits %llu, misses %llu", warm.Seconds(),
                static_cast<unsigned long long>(s.block_cache_hits),
                static_cast<unsigned long long>(s.block_cache_misses));
  benchmark::AddCustomContext("warm_up_and_verify", line);
}

void Prepare(DataSet* data) {
  data->num_entities = static_cast<uint64_t>(EnvInt("ASOF_BENCH_ENTITIES", 1000000));
  ASOF_CHECK(data->num_entities > 0) << "ASOF_BENCH_ENTITIES must be positive";
  data->ids.reserve(data->num_entities);
  for (uint64_t e = 0; e < data->num_entities; ++e) data->ids.push_back(EntityId(e));
  data->dir = std::make_unique<BenchDir>("online_read");
  const std::string params = "online_read v1 entities=" + std::to_string(data->num_entities);
  const bool reuse = data->dir->ReuseOrReset(params);
  data->engine = OpenEngine(data->dir->path(), &data->clock, /*sync_writes=*/false, kCacheBytes);
  if (reuse) {
    benchmark::AddCustomContext("load", "reused the data set in " + data->dir->path());
  } else {
    Load(data);
    data->dir->MarkComplete(params);
  }
  benchmark::AddCustomContext("data_set", std::to_string(data->num_entities) + " entities x " +
                                              std::to_string(kNumFeatures) + " DOUBLE features, " +
                                              HumanBytes(DirBytes(data->dir->path())) + " on disk");
  WarmAndVerify(data);
}

// The q-quantile of `v` (reordered), 0 when empty.
double Percentile(std::vector<double>* v, double q) {
  if (v->empty()) return 0;
  auto nth = v->begin() + static_cast<ptrdiff_t>(q * static_cast<double>(v->size() - 1));
  std::nth_element(v->begin(), nth, v->end());
  return *nth;
}

// range(0) entities per call, each a uniformly random one, x 10 features spread over the
// record (f00, f05, ..., f45) so that every call decodes bins across the whole record.
void BM_OnlineRead(benchmark::State& state) {
  const size_t per_call = static_cast<size_t>(state.range(0));
  const DataSet& data = *g_data;
  Rng rng(0xB0B + static_cast<uint64_t>(state.thread_index()));
  OnlineRequest req;
  req.entity_type = kEntityType;
  for (int f = 0; f < kNumFeatures; f += kNumFeatures / kFeaturesPerRead) {
    req.features.push_back(FeatureName(f));
  }
  req.entity_ids.resize(per_call);
  const EngineStats before = data.engine->stats();
  uint64_t not_present = 0;
  std::vector<double> latencies_us;  // per call, for the percentiles
  latencies_us.reserve(1 << 20);
  for (auto _ : state) {
    for (std::string& id : req.entity_ids) id = data.ids[rng.Uniform(data.num_entities)];
    const auto start = std::chrono::steady_clock::now();
    Result<OnlineResult> r = data.engine->ReadOnline(req);
    if (latencies_us.size() < latencies_us.capacity()) {
      latencies_us.push_back(
          std::chrono::duration<double, std::micro>(std::chrono::steady_clock::now() - start)
              .count());
    }
    if (!r.ok()) {
      state.SkipWithError(r.status().ToString().c_str());
      break;
    }
    for (const FeatureValue& v : r->values) not_present += v.status != ValueStatus::kPresent;
    benchmark::DoNotOptimize(r);
  }
  if (not_present > 0) state.SkipWithError("a value was not PRESENT");
  const double calls = static_cast<double>(state.iterations());
  state.counters["reads/s"] = benchmark::Counter(calls * per_call, benchmark::Counter::kIsRate);
  state.counters["values/s"] =
      benchmark::Counter(calls * per_call * req.features.size(), benchmark::Counter::kIsRate);
  // Averaged over threads: each thread's percentile of its own calls.
  state.counters["p50_us"] =
      benchmark::Counter(Percentile(&latencies_us, 0.50), benchmark::Counter::kAvgThreads);
  state.counters["p99_us"] =
      benchmark::Counter(Percentile(&latencies_us, 0.99), benchmark::Counter::kAvgThreads);
  if (state.thread_index() == 0) {
    const EngineStats after = data.engine->stats();
    const double hits = static_cast<double>(after.block_cache_hits - before.block_cache_hits);
    const double misses = static_cast<double>(after.block_cache_misses - before.block_cache_misses);
    state.counters["cache_miss_pct"] = hits + misses > 0 ? 100.0 * misses / (hits + misses) : 0.0;
  }
}
BENCHMARK(BM_OnlineRead)
    ->ArgName("entities")
    ->Arg(1)
    ->Arg(100)
    ->Threads(1)
    ->Threads(2)
    ->UseRealTime();

}  // namespace
}  // namespace asof::bench

int main(int argc, char** argv) {
  benchmark::Initialize(&argc, argv);
  if (benchmark::ReportUnrecognizedArguments(argc, argv)) return 1;
  asof::bench::DataSet data;
  asof::bench::g_data = &data;
  asof::bench::Prepare(&data);
  benchmark::RunSpecifiedBenchmarks();
  benchmark::Shutdown();
  data.engine.reset();  // before its directory goes
  return 0;
}

// As-of reads over a cache-resident history of 10M rows: 100K entities x 1 DOUBLE feature
// x 100 versions (one an hour, each entity offset by up to 1 s).
//
// - BM_AsOfPoint: 1 row x 1 feature at a random entity and T. `fresh:1` pays StartAsOf
//   (registry lookups, a snapshot, an iterator) on every call, as a one-row request
//   would; `fresh:0` calls Next on one running join.
// - BM_AsOfJoin: 1M label rows (random entity, random T) through StartAsOf/Next in chunks
//   of 64K rows; one iteration is the whole join. `sorted:0` feeds the rows as
//   generated, `sorted:1` the same rows sorted by (entity, T).
//
// T is uniform over [first version - 10 h, last version + 10 h), so about 8% of the rows
// precede every version (NOT_FOUND) and the rest hit one of the 100 versions. Setup
// (untimed, reported in the context header): the load through Engine::Write in batches
// of 1000 records with sync_writes off, CompactAll, then one untimed join of the 1M rows
// whose every answer is checked against the generator (it also fills the block cache).
//
// Environment: ASOF_BENCH_ENTITIES (default 100000), ASOF_BENCH_DIR (see bench_util.h).
#include <benchmark/benchmark.h>

#include <algorithm>
#include <cstdio>
#include <string>
#include <vector>

#include "perf/bench_util.h"

namespace asof::bench {
namespace {

constexpr int kVersions = 100;
constexpr size_t kJoinRows = 1000000;
constexpr size_t kChunkRows = 64 * 1024;
constexpr size_t kLoadBatch = 1000;
constexpr size_t kCacheBytes = 4ull << 30;
constexpr char kEntityType[] = "item";
constexpr char kFeature[] = "price";
constexpr int64_t kNow = kBaseTs + 200 * kHourUs;  // after every version
constexpr int64_t kFirstT = kBaseTs - 10 * kHourUs;
constexpr int64_t kLastT = kBaseTs + (kVersions + 10) * kHourUs;

struct DataSet {
  uint64_t num_entities = 0;
  std::vector<std::string> ids;
  std::vector<AsOfRow> rows;         // the 1M join rows, as generated
  std::vector<AsOfRow> rows_sorted;  // the same rows sorted by (entity, T)
  ManualClock clock{kNow};
  std::unique_ptr<BenchDir> dir;
  std::unique_ptr<Engine> engine;
};
DataSet* g_data = nullptr;

int64_t EventTs(uint64_t entity, int version) {
  return kBaseTs + version * kHourUs + static_cast<int64_t>(entity % 1000) * 1000;
}
double ValueOf(uint64_t entity, int version) {
  return static_cast<double>(entity * kVersions + version) + 0.5;
}

// The version an as-of read of (entity, t) must return; -1 for none.
int ExpectedVersion(uint64_t entity, int64_t t) {
  if (t < EventTs(entity, 0)) return -1;
  return static_cast<int>(std::min<int64_t>(kVersions - 1, (t - EventTs(entity, 0)) / kHourUs));
}

void Load(DataSet* data) {
  Engine* engine = data->engine.get();
  CheckOk(engine->registry().RegisterEntityType(kEntityType, "benchmark items").status(),
          "registering the entity type");
  FeatureSpec spec;
  spec.name = kFeature;
  spec.entity = kEntityType;
  spec.value_type = ValueType::kDouble;
  CheckOk(engine->registry().RegisterFeature(spec).status(), "registering the feature");

  std::vector<WriteRecord> batch;
  batch.reserve(kLoadBatch);
  const uint64_t total = data->num_entities * kVersions;
  Stopwatch load;
  for (uint64_t e = 0; e < data->num_entities; ++e) {
    for (int v = 0; v < kVersions; ++v) {
      WriteRecord& rec = batch.emplace_back();
      rec.entity_type = kEntityType;
      rec.entity_id = data->ids[e];
      rec.feature = kFeature;
      rec.value = Value::Double(ValueOf(e, v));
      rec.event_ts = EventTs(e, v);
      if (batch.size() == kLoadBatch) {
        WriteResult r = ValueOrDie(engine->Write(batch), "loading");
        ASOF_CHECK(r.accepted == batch.size()) << "load batch: " << r.rejected << " rejected";
        batch.clear();
      }
    }
  }
  if (!batch.empty()) CheckOk(engine->Write(batch).status(), "loading");
  const double load_s = load.Seconds();
  const uint64_t bytes_loaded = DirBytes(data->dir->path());
  Stopwatch compact;
  CheckOk(engine->CompactAll(), "compacting");

  char line[160];
  std::snprintf(line, sizeof(line), "%llu records in %.1f s: %.0f records/s",
                static_cast<unsigned long long>(total), load_s, total / load_s);
  benchmark::AddCustomContext("load", line);
  std::snprintf(line, sizeof(line), "%.1f s; %s on disk before, %s after", compact.Seconds(),
                HumanBytes(bytes_loaded).c_str(), HumanBytes(DirBytes(data->dir->path())).c_str());
  benchmark::AddCustomContext("compact_all", line);
  std::fprintf(stderr, "[load] %s\n", line);
}

AsOfSpec Spec() { return AsOfSpec{kEntityType, {kFeature}, AsOfMode::kEventTime}; }

// Checks one answer against the generator; aborts on a mismatch (a wrong answer fast is
// not a result).
void CheckAnswer(const AsOfRow& row, const FeatureValue& got) {
  const uint64_t entity = std::stoull(row.entity_id.substr(1));
  const int v = ExpectedVersion(entity, row.ts);
  if (v < 0) {
    ASOF_CHECK(got.status == ValueStatus::kNotFound) << row.entity_id << " at " << row.ts;
    return;
  }
  ASOF_CHECK(got.status == ValueStatus::kPresent && got.value.as_double() == ValueOf(entity, v) &&
             got.event_ts == EventTs(entity, v))
      << row.entity_id << " at " << row.ts << ": " << ValueStatusName(got.status);
}

void MakeRows(DataSet* data) {
  Rng rng(0xA50F);
  data->rows.resize(kJoinRows);
  for (AsOfRow& row : data->rows) {
    row.entity_id = data->ids[rng.Uniform(data->num_entities)];
    row.ts = kFirstT + static_cast<int64_t>(rng.Uniform(kLastT - kFirstT));
  }
  data->rows_sorted = data->rows;
  std::sort(data->rows_sorted.begin(), data->rows_sorted.end(),
            [](const AsOfRow& a, const AsOfRow& b) {
              return a.entity_id != b.entity_id ? a.entity_id < b.entity_id : a.ts < b.ts;
            });
}

void VerifyJoin(DataSet* data) {
  Stopwatch verify;
  auto join = ValueOrDie(data->engine->StartAsOf(Spec()), "StartAsOf");
  for (size_t begin = 0; begin < kJoinRows; begin += kChunkRows) {
    std::span<const AsOfRow> chunk(data->rows.data() + begin,
                                   std::min(kChunkRows, kJoinRows - begin));
    std::vector<FeatureValue> out = ValueOrDie(join->Next(chunk), "as-of join");
    ASOF_CHECK(out.size() == chunk.size()) << "one answer per row";
    for (size_t i = 0; i < chunk.size(); ++i) CheckAnswer(chunk[i], out[i]);
  }
  benchmark::AddCustomContext("verify_join", std::to_string(kJoinRows) + " rows checked in " +
                                                 std::to_string(verify.Seconds()) + " s");
}

void Prepare(DataSet* data) {
  data->num_entities = static_cast<uint64_t>(EnvInt("ASOF_BENCH_ENTITIES", 100000));
  ASOF_CHECK(data->num_entities > 0) << "ASOF_BENCH_ENTITIES must be positive";
  for (uint64_t e = 0; e < data->num_entities; ++e) data->ids.push_back(EntityId(e));
  data->dir = std::make_unique<BenchDir>("asof");
  const std::string params = "asof v1 entities=" + std::to_string(data->num_entities);
  const bool reuse = data->dir->ReuseOrReset(params);
  data->engine = OpenEngine(data->dir->path(), &data->clock, /*sync_writes=*/false, kCacheBytes);
  if (reuse) {
    benchmark::AddCustomContext("load", "reused the data set in " + data->dir->path());
  } else {
    Load(data);
    data->dir->MarkComplete(params);
  }
  benchmark::AddCustomContext("data_set", std::to_string(data->num_entities) +
                                              " entities x 1 feature x " +
                                              std::to_string(kVersions) + " versions, " +
                                              HumanBytes(DirBytes(data->dir->path())) + " on disk");
  MakeRows(data);
  VerifyJoin(data);
}

void SetCacheCounter(benchmark::State& state, const EngineStats& before, const Engine& engine) {
  const EngineStats after = engine.stats();
  const double hits = static_cast<double>(after.block_cache_hits - before.block_cache_hits);
  const double misses = static_cast<double>(after.block_cache_misses - before.block_cache_misses);
  state.counters["cache_miss_pct"] = hits + misses > 0 ? 100.0 * misses / (hits + misses) : 0.0;
}

// range(0): 1 starts a join per lookup, 0 reuses one join.
void BM_AsOfPoint(benchmark::State& state) {
  const bool fresh = state.range(0) == 1;
  const DataSet& data = *g_data;
  Rng rng(0x9017);
  const AsOfSpec spec = Spec();
  std::unique_ptr<AsOfJoin> join;
  if (!fresh) join = ValueOrDie(data.engine->StartAsOf(spec), "StartAsOf");
  AsOfRow row;
  const EngineStats before = data.engine->stats();
  for (auto _ : state) {
    row.entity_id = data.ids[rng.Uniform(data.num_entities)];
    row.ts = kFirstT + static_cast<int64_t>(rng.Uniform(kLastT - kFirstT));
    std::span<const AsOfRow> one(&row, 1);
    Result<std::vector<FeatureValue>> r =
        fresh ? data.engine->ReadAsOf(spec, one) : join->Next(one);
    if (!r.ok()) {
      state.SkipWithError(r.status().ToString().c_str());
      break;
    }
    benchmark::DoNotOptimize(r);
  }
  state.counters["lookups/s"] =
      benchmark::Counter(static_cast<double>(state.iterations()), benchmark::Counter::kIsRate);
  SetCacheCounter(state, before, *data.engine);
}
BENCHMARK(BM_AsOfPoint)->ArgName("fresh")->Arg(1)->Arg(0)->UseRealTime();

// range(0): 0 joins the rows in generated (random) order, 1 sorted by entity.
void BM_AsOfJoin(benchmark::State& state) {
  const DataSet& data = *g_data;
  const std::vector<AsOfRow>& rows = state.range(0) == 1 ? data.rows_sorted : data.rows;
  const EngineStats before = data.engine->stats();
  uint64_t present = 0;
  for (auto _ : state) {
    auto join = ValueOrDie(data.engine->StartAsOf(Spec()), "StartAsOf");
    for (size_t begin = 0; begin < rows.size(); begin += kChunkRows) {
      std::span<const AsOfRow> chunk(rows.data() + begin,
                                     std::min(kChunkRows, rows.size() - begin));
      Result<std::vector<FeatureValue>> r = join->Next(chunk);
      if (!r.ok()) {
        state.SkipWithError(r.status().ToString().c_str());
        return;
      }
      for (const FeatureValue& v : *r) present += v.status == ValueStatus::kPresent;
    }
  }
  const double joined = static_cast<double>(state.iterations() * rows.size());
  state.counters["rows/s"] = benchmark::Counter(joined, benchmark::Counter::kIsRate);
  state.counters["present_pct"] = 100.0 * static_cast<double>(present) / joined;
  SetCacheCounter(state, before, *data.engine);
}
BENCHMARK(BM_AsOfJoin)
    ->ArgName("sorted")
    ->Arg(0)
    ->Arg(1)
    ->Iterations(1)
    ->Unit(benchmark::kMillisecond)
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

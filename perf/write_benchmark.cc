// Write throughput: Engine::Write of batches of 100 records (random entity of 1M, random
// feature of 10 DOUBLE features, event times within the last week), with sync_writes off
// and on.
//
// Arguments: sync:0/1 is EngineOptions::sync_writes; event_id:1 gives every record a
// unique event id, adding the dedup lookup and the dedup entry to each record. With
// threads:N, N callers share one engine (Write serializes them).
//
// BM_RocksDbPut is the baseline under it, run on the same machine in the same program: a
// bare RocksDB (default options but the engine's 64 MiB write buffer) taking batches of
// 100 Puts of history-sized keys (37 bytes: random prefix, entity, feature, counter) and
// 9-byte values. Per record the engine adds at least one more memtable entry (the
// `latest` merge operand) to the history Put.
//
// Each run opens a fresh engine in a scratch directory that is removed afterwards; the
// records come from a pre-generated pool of 1000 batches, so the timed loop measures
// Write, not record building.
#include <benchmark/benchmark.h>
#include <rocksdb/db.h>
#include <rocksdb/write_batch.h>

#include <atomic>
#include <cstdio>
#include <string>
#include <vector>

#include "perf/bench_util.h"

namespace asof::bench {
namespace {

constexpr size_t kBatchRecords = 100;
constexpr size_t kPoolBatches = 1000;
constexpr uint64_t kEntities = 1000000;
constexpr int kFeatures = 10;
constexpr char kEntityType[] = "user";
constexpr int64_t kNow = kBaseTs + 30 * 24 * kHourUs;

std::string FeatureName(int f) { return "w" + std::to_string(f); }

const std::vector<std::vector<WriteRecord>>& Pool() {
  static const auto* pool = [] {
    auto* batches = new std::vector<std::vector<WriteRecord>>(kPoolBatches);
    Rng rng(0x3417);
    for (auto& batch : *batches) {
      batch.resize(kBatchRecords);
      for (WriteRecord& rec : batch) {
        rec.entity_type = kEntityType;
        rec.entity_id = EntityId(rng.Uniform(kEntities));
        rec.feature = FeatureName(static_cast<int>(rng.Uniform(kFeatures)));
        rec.value = Value::Double(static_cast<double>(rng.Uniform(1000000)) / 8);
        rec.event_ts = kNow - static_cast<int64_t>(rng.Uniform(7 * 24 * kHourUs));
      }
    }
    return batches;
  }();
  return *pool;
}

// The engine shared by the threads of one run; thread 0 builds it before the timed loop
// (whose start is a barrier for all threads) and tears it down after it.
struct Shared {
  ManualClock clock{kNow};
  ScratchDir dir;
  std::unique_ptr<Engine> engine;
};
Shared* g_shared = nullptr;

void SetUp(bool sync) {
  g_shared = new Shared;
  g_shared->engine = OpenEngine(g_shared->dir.path(), &g_shared->clock, sync, 512ull << 20);
  Registry& registry = g_shared->engine->registry();
  CheckOk(registry.RegisterEntityType(kEntityType, "benchmark users").status(), "entity type");
  std::vector<FeatureSpec> specs(kFeatures);
  for (int f = 0; f < kFeatures; ++f) {
    specs[f].name = FeatureName(f);
    specs[f].entity = kEntityType;
    specs[f].value_type = ValueType::kDouble;
  }
  CheckOk(registry.RegisterFeatures(specs).status(), "features");
}

void BM_Write(benchmark::State& state) {
  const bool sync = state.range(0) == 1;
  const bool event_ids = state.range(1) == 1;
  if (state.thread_index() == 0) {
    Pool();
    SetUp(sync);
  }
  static std::atomic<uint64_t> next_event_id{0};
  // Threads start at different points of the pool.
  size_t next = static_cast<size_t>(state.thread_index()) * kPoolBatches / state.threads();
  std::vector<WriteRecord> batch;
  for (auto _ : state) {
    const std::vector<WriteRecord>* records = &Pool()[next++ % kPoolBatches];
    if (event_ids) {
      batch = *records;
      for (WriteRecord& rec : batch) rec.event_id = "ev" + std::to_string(next_event_id++);
      records = &batch;
    }
    Result<WriteResult> r = g_shared->engine->Write(*records);
    if (!r.ok() || r->accepted != kBatchRecords) {
      state.SkipWithError(r.ok() ? "a record was not accepted" : r.status().ToString().c_str());
      break;
    }
  }
  state.counters["records/s"] = benchmark::Counter(
      static_cast<double>(state.iterations() * kBatchRecords), benchmark::Counter::kIsRate);
  if (state.thread_index() == 0) {
    delete g_shared;
    g_shared = nullptr;
  }
}
BENCHMARK(BM_Write)
    ->ArgNames({"sync", "event_id"})
    ->Args({0, 0})
    ->Args({0, 1})
    ->Args({1, 0})
    ->MinTime(1.0)
    ->UseRealTime();
// Concurrent callers with the WAL synced: shows whether their syncs are grouped.
BENCHMARK(BM_Write)
    ->ArgNames({"sync", "event_id"})
    ->Args({1, 0})
    ->Threads(4)
    ->MinTime(1.0)
    ->UseRealTime();

void BM_RocksDbPut(benchmark::State& state) {
  ScratchDir dir;
  rocksdb::Options options;
  options.create_if_missing = true;
  options.write_buffer_size = 64ull << 20;
  rocksdb::DB* raw = nullptr;
  rocksdb::Status s = rocksdb::DB::Open(options, dir.path(), &raw);
  ASOF_CHECK(s.ok()) << s.ToString();
  std::unique_ptr<rocksdb::DB> db(raw);
  rocksdb::WriteOptions wo;
  wo.sync = state.range(0) == 1;
  const char value[9] = {1, 2, 3, 4, 5, 6, 7, 8, 9};
  Rng rng(0x3418);
  uint64_t counter = 0;
  std::string key;
  for (auto _ : state) {
    rocksdb::WriteBatch batch;
    for (size_t i = 0; i < kBatchRecords; ++i) {
      key.clear();
      const uint64_t prefix = rng.Next();
      key.append(reinterpret_cast<const char*>(&prefix), 8);
      key.append(EntityId(rng.Uniform(kEntities)));
      key.append("feat");
      ++counter;
      key.append(reinterpret_cast<const char*>(&counter), 8);
      key.append(8, '\x7f');
      s = batch.Put(rocksdb::Slice(key.data(), 37), rocksdb::Slice(value, sizeof(value)));
    }
    if (s.ok()) s = db->Write(wo, &batch);
    if (!s.ok()) {
      state.SkipWithError(s.ToString().c_str());
      break;
    }
  }
  state.counters["records/s"] = benchmark::Counter(
      static_cast<double>(state.iterations() * kBatchRecords), benchmark::Counter::kIsRate);
  s = db->Close();
  ASOF_CHECK(s.ok()) << s.ToString();
}
BENCHMARK(BM_RocksDbPut)->ArgName("sync")->Arg(0)->Arg(1)->MinTime(1.0)->UseRealTime();

}  // namespace
}  // namespace asof::bench

BENCHMARK_MAIN();

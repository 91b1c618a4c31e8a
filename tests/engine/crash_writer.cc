// crash_writer <data dir>: the victim of engine_crash_test. Opens the engine with
// sync_writes, registers entity type "e" and INT64 feature "v" when missing, and appends
// batches forever until it is killed:
//
//   batch b = 10 records, record k: entity "e{k}", value b * 100 + k, event_ts kBase + b
//
// It resumes after the newest batch already in the store (read from e0 online), prints
// "START b" with the first batch it writes, and "ACK b" after each Write returned OK, i.e.
// after the batch is in the fsynced WAL. Anything unexpected: a line "ERROR ..." and exit 1.
#include <sys/prctl.h>

#include <csignal>
#include <cstdio>
#include <string>
#include <vector>

#include "engine/engine.h"

namespace {

constexpr int64_t kBase = 1'600'000'000'000'000;  // 2020: always in the past
constexpr int kRecordsPerBatch = 10;

int Fail(const std::string& what) {
  std::printf("ERROR %s\n", what.c_str());
  std::fflush(stdout);
  return 1;
}

}  // namespace

int main(int argc, char** argv) {
  using namespace asof;
  if (argc != 2) return Fail("usage: crash_writer <data dir>");
  // Never outlive the test that drives us, whatever happens to it.
  prctl(PR_SET_PDEATHSIG, SIGKILL);

  EngineOptions options;
  options.path = argv[1];
  options.sync_writes = true;
  options.block_cache_bytes = 1 << 20;
  options.write_buffer_bytes = 64 << 10;  // flushes and compactions get killed too
  Result<std::unique_ptr<Engine>> opened = Engine::Open(options);
  if (!opened.ok()) return Fail("open: " + opened.status().ToString());
  Engine& engine = **opened;

  Registry& registry = engine.registry();
  if (!registry.GetEntityType("e").ok()) {
    Result<EntityType> e = registry.RegisterEntityType("e", "crash test entity");
    if (!e.ok()) return Fail("register entity type: " + e.status().ToString());
  }
  if (!registry.Resolve("e", "v").ok()) {
    FeatureSpec spec;
    spec.name = "v";
    spec.entity = "e";
    spec.value_type = ValueType::kInt64;
    Result<Registry::Registered> f = registry.RegisterFeature(spec);
    if (!f.ok()) return Fail("register feature: " + f.status().ToString());
  }

  Result<OnlineResult> newest = engine.ReadOnline({"e", {"e0"}, {"v"}});
  if (!newest.ok()) return Fail("read: " + newest.status().ToString());
  const FeatureValue& e0 = newest->at(0, 0);
  int64_t b = e0.status == ValueStatus::kPresent ? e0.value.as_int64() / 100 + 1 : 0;
  std::printf("START %lld\n", static_cast<long long>(b));
  std::fflush(stdout);

  std::vector<WriteRecord> batch(kRecordsPerBatch);
  for (int k = 0; k < kRecordsPerBatch; ++k) {
    batch[k].entity_type = "e";
    batch[k].entity_id = "e";
    batch[k].entity_id += std::to_string(k);  // not "e" + ...: a GCC 12 -Wrestrict false alarm
    batch[k].feature = "v";
  }
  for (;; ++b) {
    for (int k = 0; k < kRecordsPerBatch; ++k) {
      batch[k].value = Value::Int64(b * 100 + k);
      batch[k].event_ts = kBase + b;
    }
    Result<WriteResult> r = engine.Write(batch);
    if (!r.ok()) return Fail("write: " + r.status().ToString());
    if (r->accepted != batch.size()) return Fail("batch " + std::to_string(b) + " not accepted");
    std::printf("ACK %lld\n", static_cast<long long>(b));
    std::fflush(stdout);
  }
}

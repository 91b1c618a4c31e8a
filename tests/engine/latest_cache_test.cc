// LatestCache (engine/internal/latest_cache.h): hits and misses, absent entities, the
// ticket that drops an insert racing with a write, the memory bound, and a disabled cache.
// The engine's use of it is covered by the online-read tests (engine_read_test, the
// oracle and bulk-load tests) and by EngineLatestCacheTest below: reads racing with writes
// never see a value older than the last acknowledged write.
#include "engine/internal/latest_cache.h"

#include <gtest/gtest.h>

#include <atomic>
#include <string>
#include <thread>
#include <vector>

#include "engine/engine.h"
#include "tests/util/test_util.h"

namespace asof::internal {
namespace {

TEST(LatestCacheTest, MissThenInsertThenHit) {
  LatestCache cache(1 << 20);
  std::string record;
  bool present = true;
  LatestCache::Ticket ticket;
  EXPECT_FALSE(cache.Lookup("k1", &record, &present, &ticket));
  cache.Insert("k1", "rec-1", true, ticket);
  ASSERT_TRUE(cache.Lookup("k1", &record, &present, &ticket));
  EXPECT_EQ(record, "rec-1");
  EXPECT_TRUE(present);
  EXPECT_EQ(cache.entries(), 1u);
}

TEST(LatestCacheTest, AbsentEntitiesAreCachedAsAbsent) {
  LatestCache cache(1 << 20);
  std::string record = "left over";
  bool present = true;
  LatestCache::Ticket ticket;
  EXPECT_FALSE(cache.Lookup("none", &record, &present, &ticket));
  cache.Insert("none", "", false, ticket);
  ASSERT_TRUE(cache.Lookup("none", &record, &present, &ticket));
  EXPECT_FALSE(present);
  EXPECT_EQ(record, "");
}

TEST(LatestCacheTest, InvalidateDropsTheKeyAndInsertsHoldingAnOlderTicket) {
  LatestCache cache(1 << 20);
  std::string record;
  bool present = false;
  LatestCache::Ticket ticket;
  EXPECT_FALSE(cache.Lookup("k", &record, &present, &ticket));
  cache.Insert("k", "old", true, ticket);
  cache.Invalidate("k");
  EXPECT_FALSE(cache.Lookup("k", &record, &present, &ticket)) << "invalidated";

  // A reader missed, then a write landed and invalidated before the reader's insert:
  // what the reader read may predate the write, so it is not kept.
  LatestCache::Ticket before_write;
  EXPECT_FALSE(cache.Lookup("k", &record, &present, &before_write));
  cache.Invalidate("k");
  cache.Insert("k", "maybe stale", true, before_write);
  EXPECT_FALSE(cache.Lookup("k", &record, &present, &ticket));
  cache.Insert("k", "fresh", true, ticket);
  ASSERT_TRUE(cache.Lookup("k", &record, &present, &ticket));
  EXPECT_EQ(record, "fresh");

  LatestCache::Ticket before_load;
  EXPECT_FALSE(cache.Lookup("other", &record, &present, &before_load));
  cache.InvalidateAll();
  EXPECT_FALSE(cache.Lookup("k", &record, &present, &ticket)) << "InvalidateAll drops all";
  cache.Insert("other", "stale", true, before_load);
  EXPECT_FALSE(cache.Lookup("other", &record, &present, &ticket));
  EXPECT_EQ(cache.entries(), 0u);
}

TEST(LatestCacheTest, StaysWithinItsBudgetEvictingOldestFirst) {
  const size_t capacity = 64 * 4096;  // 4 KiB a shard
  LatestCache cache(capacity);
  const std::string value(200, 'v');
  LatestCache::Ticket ticket;
  std::string record;
  bool present = false;
  for (int i = 0; i < 20000; ++i) {
    const std::string key = "key-" + std::to_string(i);
    if (!cache.Lookup(key, &record, &present, &ticket)) cache.Insert(key, value, true, ticket);
    // Invalidations leave FIFO entries behind; they count against the budget too.
    if (i % 3 == 0) cache.Invalidate(key);
  }
  EXPECT_LE(cache.bytes(), capacity);
  EXPECT_GT(cache.entries(), 0u);
  EXPECT_LT(cache.entries(), 20000u);
  // The newest insert of a shard survives; the first ones are long gone.
  ASSERT_TRUE(cache.Lookup("key-19999", &record, &present, &ticket));
  EXPECT_EQ(record, value);
  EXPECT_FALSE(cache.Lookup("key-1", &record, &present, &ticket));
  // A record larger than a shard's budget is not cached at all.
  EXPECT_FALSE(cache.Lookup("huge", &record, &present, &ticket));
  cache.Insert("huge", std::string(8192, 'x'), true, ticket);
  EXPECT_FALSE(cache.Lookup("huge", &record, &present, &ticket));
  EXPECT_LE(cache.bytes(), capacity);
}

TEST(LatestCacheTest, ZeroCapacityKeepsNothing) {
  LatestCache cache(0);
  EXPECT_FALSE(cache.enabled());
  std::string record;
  bool present = false;
  LatestCache::Ticket ticket;
  cache.Insert("k", "r", true, ticket);
  EXPECT_FALSE(cache.Lookup("k", &record, &present, &ticket));
  EXPECT_EQ(cache.entries(), 0u);
}

}  // namespace
}  // namespace asof::internal

namespace asof {
namespace {

// Through the engine: once Write returns, every read that starts afterwards sees that
// write or a later one, while other threads read (and fill the cache) all along.
TEST(EngineLatestCacheTest, ReadsNeverSeeOlderThanTheLastAcknowledgedWrite) {
  testing::TempDir dir;
  EngineOptions options;
  options.path = dir.path() + "/db";
  options.sync_writes = false;
  options.row_cache_bytes = 1 << 20;
  ASSERT_OK_AND_ASSIGN(std::unique_ptr<Engine> engine, Engine::Open(options));
  FeatureSpec spec;
  spec.name = "n";
  spec.entity = "e";
  spec.value_type = ValueType::kInt64;
  ASSERT_OK(engine->registry().RegisterEntityType("e", "").status());
  ASSERT_OK(engine->registry().RegisterFeature(spec).status());

  constexpr int kEntities = 4;
  constexpr int64_t kWrites = 400;
  const int64_t base = 1'700'000'000'000'000;
  std::vector<std::string> ids;
  for (int k = 0; k < kEntities; ++k) ids.push_back("e" + std::to_string(k));
  std::atomic<int64_t> acked{0};  // every entity holds at least this value
  std::atomic<bool> done{false};
  std::atomic<int64_t> reads{0};
  std::vector<std::string> failures;
  std::mutex failures_mu;

  auto reader = [&] {
    while (!done.load()) {
      const int64_t floor = acked.load();
      Result<OnlineResult> r = engine->ReadOnline({"e", ids, {"n"}});
      if (!r.ok()) {
        std::lock_guard<std::mutex> lock(failures_mu);
        failures.push_back(r.status().ToString());
        return;
      }
      for (int k = 0; k < kEntities; ++k) {
        const FeatureValue& v = r->at(k, 0);
        const int64_t got = v.status == ValueStatus::kPresent ? v.value.as_int64() : 0;
        if (got < floor) {
          std::lock_guard<std::mutex> lock(failures_mu);
          failures.push_back("e" + std::to_string(k) + ": read " + std::to_string(got) +
                             " after write " + std::to_string(floor) + " returned");
          return;
        }
      }
      reads.fetch_add(1);
    }
  };
  std::thread r1(reader), r2(reader);
  for (int64_t w = 1; w <= kWrites; ++w) {
    std::vector<WriteRecord> batch;
    for (int k = 0; k < kEntities; ++k) {
      batch.push_back({"e", ids[k], "n", Value::Int64(w), base + w, ""});
    }
    ASSERT_OK_AND_ASSIGN(WriteResult written, engine->Write(batch));
    ASSERT_EQ(written.accepted, static_cast<size_t>(kEntities));
    acked.store(w);
    if (w % 50 == 0) ASSERT_OK(engine->CompactAll());  // records move between files
  }
  done.store(true);
  r1.join();
  r2.join();
  EXPECT_TRUE(failures.empty()) << failures.front();
  EXPECT_GT(reads.load(), 0);
  ASSERT_OK_AND_ASSIGN(OnlineResult last, engine->ReadOnline({"e", ids, {"n"}}));
  for (int k = 0; k < kEntities; ++k) EXPECT_EQ(last.at(k, 0).value, Value::Int64(kWrites));
}

}  // namespace
}  // namespace asof

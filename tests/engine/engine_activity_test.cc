// Tests of Engine::Activity (engine/engine_activity.cc): only accepted records count,
// last_event_ts is the greatest event time (not the last written), last_ingest_ts follows
// the newest write, features are listed in id order, concurrent writers lose no count,
// timestamps and counts survive a reopen, and values_last_hour covers sixty clock minutes.
#include <gtest/gtest.h>

#include <memory>
#include <optional>
#include <string>
#include <thread>
#include <vector>

#include "engine/clock.h"
#include "engine/engine.h"
#include "tests/util/test_util.h"

namespace asof {
namespace {

constexpr int64_t kNow = 1'700'000'000'000'000;  // microseconds
constexpr int64_t kHour = 3600LL * 1000000;

WriteRecord Rec(std::string id, std::string feature, int64_t v, int64_t event_ts,
                std::string event_id = "") {
  return WriteRecord{"user",          std::move(id), std::move(feature),
                     Value::Int64(v), event_ts,      std::move(event_id)};
}

class EngineActivityTest : public ::testing::Test {
 protected:
  void SetUp() override {
    OpenEngine();
    ASSERT_FALSE(HasFatalFailure());
    Registry& reg = engine_->registry();
    ASSERT_OK(reg.RegisterEntityType("user", "a user"));
    for (const char* name : {"age", "score"}) {
      FeatureSpec spec;
      spec.name = name;
      spec.entity = "user";
      spec.value_type = ValueType::kInt64;
      ASSERT_OK_AND_ASSIGN(Registry::Registered r, reg.RegisterFeature(spec));
      ids_.push_back(r.feature->id);
    }
  }

  void OpenEngine() {
    EngineOptions o;
    o.path = dir_.path() + "/db";
    o.sync_writes = false;
    o.block_cache_bytes = 1 << 20;
    o.write_buffer_bytes = 1 << 20;
    o.clock = &clock_;
    ASSERT_OK_AND_ASSIGN(engine_, Engine::Open(o));
  }

  // The activity entry of `id`, or nullopt when the feature has none.
  std::optional<FeatureActivity> Of(uint32_t id) {
    for (const FeatureActivity& a : engine_->Activity()) {
      if (a.feature_id == id) return a;
    }
    return std::nullopt;
  }

  asof::testing::TempDir dir_;
  ManualClock clock_{kNow};
  std::unique_ptr<Engine> engine_;
  std::vector<uint32_t> ids_;  // age, score
};

TEST_F(EngineActivityTest, EmptyUntilSomethingIsWritten) {
  EXPECT_TRUE(engine_->Activity().empty());
}

TEST_F(EngineActivityTest, CountsAcceptedRecordsOnly) {
  ASSERT_OK_AND_ASSIGN(WriteResult r, engine_->Write(std::vector<WriteRecord>{
                                          Rec("u1", "age", 1, kNow - 3 * kHour, "e1"),
                                          Rec("u2", "age", 2, kNow - 2 * kHour, "e1"),  // duplicate
                                          Rec("u3", "nope", 3, kNow - kHour),           // rejected
                                          Rec("u4", "age", 4, kNow - kHour)}));
  ASSERT_EQ(r.accepted, 2u);
  ASSERT_EQ(r.duplicates, 1u);
  ASSERT_EQ(r.rejected, 1u);

  std::vector<FeatureActivity> all = engine_->Activity();
  ASSERT_EQ(all.size(), 1u) << "score was never written";
  EXPECT_EQ(all[0].feature_id, ids_[0]);
  EXPECT_EQ(all[0].values_written, 2u);
  EXPECT_EQ(all[0].last_event_ts, kNow - kHour);
  EXPECT_GE(all[0].last_ingest_ts, kNow);
}

TEST_F(EngineActivityTest, LastEventIsTheGreatestAndIngestTheNewest) {
  ASSERT_OK(engine_->Write(std::vector<WriteRecord>{Rec("u1", "age", 1, kNow - kHour)}));
  const int64_t first_ingest = Of(ids_[0])->last_ingest_ts;
  clock_.Advance(1000);
  // A late event: older event time, newer ingest time.
  ASSERT_OK(engine_->Write(std::vector<WriteRecord>{Rec("u2", "age", 2, kNow - 5 * kHour)}));
  std::optional<FeatureActivity> a = Of(ids_[0]);
  ASSERT_TRUE(a.has_value());
  EXPECT_EQ(a->values_written, 2u);
  EXPECT_EQ(a->last_event_ts, kNow - kHour);
  EXPECT_GT(a->last_ingest_ts, first_ingest);
}

TEST_F(EngineActivityTest, ListedInFeatureIdOrder) {
  ASSERT_OK(engine_->Write(std::vector<WriteRecord>{Rec("u1", "score", 1, kNow - kHour),
                                                    Rec("u1", "age", 1, kNow - kHour)}));
  std::vector<FeatureActivity> all = engine_->Activity();
  ASSERT_EQ(all.size(), 2u);
  EXPECT_LT(all[0].feature_id, all[1].feature_id);
  EXPECT_EQ(all[0].values_written, 1u);
  EXPECT_EQ(all[1].values_written, 1u);
}

TEST_F(EngineActivityTest, ConcurrentWritersAndReadersLoseNoCount) {
  constexpr int kThreads = 4;
  constexpr int kBatches = 50;
  std::vector<std::thread> threads;
  for (int t = 0; t < kThreads; ++t) {
    threads.emplace_back([&, t] {
      for (int b = 0; b < kBatches; ++b) {
        const std::string id = "u" + std::to_string(t) + "_" + std::to_string(b);
        Result<WriteResult> r = engine_->Write(std::vector<WriteRecord>{
            Rec(id, "age", b, kNow - kHour + b), Rec(id, "score", b, kNow - kHour)});
        EXPECT_TRUE(r.ok() && r->accepted == 2u);
        (void)engine_->Activity();  // readers run alongside writers
      }
    });
  }
  for (std::thread& t : threads) t.join();
  for (uint32_t id : ids_) {
    std::optional<FeatureActivity> a = Of(id);
    ASSERT_TRUE(a.has_value());
    EXPECT_EQ(a->values_written, static_cast<uint64_t>(kThreads * kBatches));
  }
  EXPECT_EQ(Of(ids_[0])->last_event_ts, kNow - kHour + kBatches - 1);
}

TEST_F(EngineActivityTest, TimestampsAndCountsSurviveReopenTheLastHourDoesNot) {
  ASSERT_OK(engine_->Write(std::vector<WriteRecord>{Rec("u1", "age", 1, kNow - kHour),
                                                    Rec("u2", "age", 2, kNow - 2 * kHour)}));
  ASSERT_OK(engine_->Write(std::vector<WriteRecord>{Rec("u3", "age", 3, kNow - 3 * kHour)}));
  const FeatureActivity before = *Of(ids_[0]);
  EXPECT_EQ(before.values_last_hour, 3u);
  engine_.reset();
  OpenEngine();
  ASSERT_FALSE(HasFatalFailure());
  std::optional<FeatureActivity> after = Of(ids_[0]);
  ASSERT_TRUE(after.has_value());
  EXPECT_EQ(after->last_event_ts, kNow - kHour);
  EXPECT_EQ(after->last_ingest_ts, before.last_ingest_ts);
  EXPECT_EQ(after->values_written, 3u);
  EXPECT_EQ(after->values_last_hour, 0u) << "the per-minute counts are memory only";
  EXPECT_FALSE(Of(ids_[1]).has_value());

  // Later writes keep folding into the persisted figures, also after a compaction.
  ASSERT_OK(engine_->Write(std::vector<WriteRecord>{Rec("u4", "age", 4, kNow - 4 * kHour)}));
  ASSERT_OK(engine_->CompactAll());
  engine_.reset();
  OpenEngine();
  ASSERT_FALSE(HasFatalFailure());
  EXPECT_EQ(Of(ids_[0])->values_written, 4u);
  EXPECT_EQ(Of(ids_[0])->last_event_ts, kNow - kHour);
}

TEST_F(EngineActivityTest, ValuesLastHourCountsSixtyClockMinutes) {
  ASSERT_OK(engine_->Write(std::vector<WriteRecord>{Rec("u1", "age", 1, kNow - kHour)}));
  clock_.Advance(30LL * 60 * 1000000);
  ASSERT_OK(engine_->Write(std::vector<WriteRecord>{Rec("u2", "age", 2, kNow - kHour),
                                                    Rec("u3", "age", 3, kNow - kHour)}));
  EXPECT_EQ(Of(ids_[0])->values_last_hour, 3u);
  clock_.Advance(31LL * 60 * 1000000);  // the first write is now more than an hour old
  EXPECT_EQ(Of(ids_[0])->values_last_hour, 2u);
  clock_.Advance(2 * kHour);
  EXPECT_EQ(Of(ids_[0])->values_last_hour, 0u);
  EXPECT_EQ(Of(ids_[0])->values_written, 3u);
  // The second write's ring slot, reused three hours later, starts again from zero.
  clock_.Advance(29LL * 60 * 1000000);
  ASSERT_OK(engine_->Write(std::vector<WriteRecord>{Rec("u4", "age", 4, kNow - kHour)}));
  EXPECT_EQ(Of(ids_[0])->values_last_hour, 1u);
}

}  // namespace
}  // namespace asof

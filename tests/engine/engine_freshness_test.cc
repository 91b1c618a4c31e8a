// Tests of Engine::Freshness (engine/engine_freshness.cc): a feature turns stale as the
// clock passes its freshness_sla, a feature never written is stale only when it has an
// SLA, the order is stale first then lag descending, deprecated features are left out
// unless asked for, and freshness survives a reopen.
#include <gtest/gtest.h>

#include <memory>
#include <string>
#include <vector>

#include "engine/clock.h"
#include "engine/engine.h"
#include "tests/util/test_util.h"

namespace asof {
namespace {

constexpr int64_t kNow = 1'700'000'000'000'000;  // microseconds
constexpr int64_t kMinute = 60LL * 1000000;
constexpr int64_t kHour = 60 * kMinute;

class EngineFreshnessTest : public ::testing::Test {
 protected:
  void SetUp() override {
    OpenEngine();
    ASSERT_FALSE(HasFatalFailure());
    ASSERT_OK(engine_->registry().RegisterEntityType("user", "a user"));
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

  void Register(const std::string& name, int64_t sla_us) {
    FeatureSpec spec;
    spec.name = name;
    spec.entity = "user";
    spec.value_type = ValueType::kInt64;
    spec.freshness_sla_us = sla_us;
    ASSERT_OK(engine_->registry().RegisterFeature(spec).status());
  }

  void WriteAt(const std::string& feature, int64_t event_ts) {
    ASSERT_OK_AND_ASSIGN(WriteResult r,
                         engine_->Write(std::vector<WriteRecord>{
                             {"user", "u1", feature, Value::Int64(1), event_ts, ""}}));
    ASSERT_EQ(r.accepted, 1u);
  }

  std::vector<std::string> Names(const std::vector<FeatureFreshness>& all) {
    std::vector<std::string> out;
    for (const FeatureFreshness& f : all) out.push_back(f.feature->spec.name);
    return out;
  }

  asof::testing::TempDir dir_;
  ManualClock clock_{kNow};
  std::unique_ptr<Engine> engine_;
};

TEST_F(EngineFreshnessTest, TurnsStaleWhenTheClockPassesTheSla) {
  Register("clicks", 10 * kMinute);
  WriteAt("clicks", kNow - kMinute);
  std::vector<FeatureFreshness> all = engine_->Freshness(false);
  ASSERT_EQ(all.size(), 1u);
  EXPECT_TRUE(all[0].written);
  EXPECT_EQ(all[0].last_event_ts, kNow - kMinute);
  EXPECT_GE(all[0].last_ingest_ts, kNow);
  EXPECT_EQ(all[0].lag_us, kMinute);
  EXPECT_EQ(all[0].values_last_hour, 1u);
  EXPECT_FALSE(all[0].stale);

  clock_.Advance(9 * kMinute);  // lag exactly the SLA: not yet past it
  all = engine_->Freshness(false);
  EXPECT_EQ(all[0].lag_us, 10 * kMinute);
  EXPECT_FALSE(all[0].stale);

  clock_.Advance(1);
  all = engine_->Freshness(false);
  EXPECT_EQ(all[0].lag_us, 10 * kMinute + 1);
  EXPECT_TRUE(all[0].stale);

  // A newer event makes it fresh again.
  WriteAt("clicks", clock_.NowMicros());
  all = engine_->Freshness(false);
  EXPECT_EQ(all[0].lag_us, 0);
  EXPECT_FALSE(all[0].stale);
}

TEST_F(EngineFreshnessTest, NeverWrittenIsStaleOnlyWithAnSla) {
  Register("with_sla", kHour);
  Register("without_sla", 0);
  std::vector<FeatureFreshness> all = engine_->Freshness(false);
  ASSERT_EQ(Names(all), (std::vector<std::string>{"with_sla", "without_sla"}));
  EXPECT_TRUE(all[0].stale);
  EXPECT_FALSE(all[0].written);
  EXPECT_FALSE(all[0].lag_us.has_value());
  EXPECT_FALSE(all[1].stale);
  EXPECT_FALSE(all[1].lag_us.has_value());
}

TEST_F(EngineFreshnessTest, NoSlaIsNeverStaleHoweverOld) {
  Register("archive", 0);
  WriteAt("archive", kNow - 1000 * kHour);
  std::vector<FeatureFreshness> all = engine_->Freshness(false);
  ASSERT_EQ(all.size(), 1u);
  EXPECT_EQ(all[0].lag_us, 1000 * kHour);
  EXPECT_FALSE(all[0].stale);
}

TEST_F(EngineFreshnessTest, FutureEventsHaveNoNegativeLag) {
  Register("forecast", kMinute);
  WriteAt("forecast", kNow + kHour);
  EXPECT_EQ(engine_->Freshness(false)[0].lag_us, 0);
}

TEST_F(EngineFreshnessTest, StaleFirstThenLagDescending) {
  Register("a_fresh_old", kHour);       // lag 30m, fresh
  Register("b_stale_little", kMinute);  // lag 5m, stale
  Register("c_fresh_new", kHour);       // lag 1m, fresh
  Register("d_stale_much", kMinute);    // lag 2h, stale
  Register("e_never_sla", kHour);       // stale, no lag
  Register("f_never_no_sla", 0);        // fresh, no lag
  WriteAt("a_fresh_old", kNow - 30 * kMinute);
  WriteAt("b_stale_little", kNow - 5 * kMinute);
  WriteAt("c_fresh_new", kNow - kMinute);
  WriteAt("d_stale_much", kNow - 2 * kHour);
  EXPECT_EQ(Names(engine_->Freshness(false)),
            (std::vector<std::string>{"e_never_sla", "d_stale_much", "b_stale_little",
                                      "f_never_no_sla", "a_fresh_old", "c_fresh_new"}));
}

TEST_F(EngineFreshnessTest, NewestVersionOnlyAndDeprecatedOnRequest) {
  Register("v", kHour);
  WriteAt("v", kNow - 2 * kHour);  // version 1: stale
  FeatureSpec spec;
  spec.name = "v";
  spec.entity = "user";
  spec.value_type = ValueType::kDouble;
  spec.freshness_sla_us = kHour;
  ASSERT_OK(engine_->registry().RegisterFeature(spec, /*new_version=*/true).status());
  std::vector<FeatureFreshness> all = engine_->Freshness(false);
  ASSERT_EQ(all.size(), 1u);
  EXPECT_EQ(all[0].feature->version, 2u);
  EXPECT_FALSE(all[0].written) << "version 2 was never written";

  Register("old", kHour);
  ASSERT_OK(engine_->registry().Deprecate("user", "old"));
  EXPECT_EQ(Names(engine_->Freshness(false)), (std::vector<std::string>{"v"}));
  EXPECT_EQ(engine_->Freshness(true).size(), 2u);
}

TEST_F(EngineFreshnessTest, SurvivesReopen) {
  Register("clicks", 10 * kMinute);
  WriteAt("clicks", kNow - kMinute);
  const int64_t ingest = engine_->Freshness(false)[0].last_ingest_ts;
  engine_.reset();
  clock_.Advance(20 * kMinute);
  OpenEngine();
  ASSERT_FALSE(HasFatalFailure());
  std::vector<FeatureFreshness> all = engine_->Freshness(false);
  ASSERT_EQ(all.size(), 1u);
  EXPECT_TRUE(all[0].written);
  EXPECT_EQ(all[0].last_event_ts, kNow - kMinute);
  EXPECT_EQ(all[0].last_ingest_ts, ingest);
  EXPECT_EQ(all[0].lag_us, 21 * kMinute);
  EXPECT_TRUE(all[0].stale);
  EXPECT_EQ(all[0].values_last_hour, 0u);
}

}  // namespace
}  // namespace asof

// Tests of the engine's DriftMonitor (engine/internal/drift_monitor_impl.cc) through the
// Engine: served values land in the window of the read's clock time, training sets
// become baselines, shifted data is reported as drifting, windows and baselines survive
// a reopen, windows past retention are deleted, concurrent reads are all counted, and
// bad ids and options are refused.
#include <gtest/gtest.h>

#include <algorithm>
#include <atomic>
#include <cmath>
#include <functional>
#include <memory>
#include <span>
#include <string>
#include <thread>
#include <vector>

#include "engine/clock.h"
#include "engine/engine.h"
#include "tests/util/test_util.h"

namespace asof {
namespace {

constexpr int64_t kSecond = 1000000;
constexpr int64_t kMinute = 60 * kSecond;
constexpr int64_t kHour = 60 * kMinute;
constexpr int64_t kT0 = 1'699'999'980'000'000;  // a multiple of kMinute: a window start
constexpr size_t kEntities = 1000;

std::string EntityId(size_t i) { return "u" + std::to_string(i); }

class DriftMonitorTest : public ::testing::Test {
 protected:
  void SetUp() override {
    options_.path = dir_.path() + "/db";
    options_.sync_writes = false;
    options_.block_cache_bytes = 1 << 20;
    options_.write_buffer_bytes = 1 << 20;
    options_.clock = &clock_;
    options_.drift.window_us = kMinute;
    options_.drift.retention_us = 10 * kMinute;
    options_.drift.default_query_window_us = 5 * kMinute;
    options_.drift.min_samples = 500;
    Open();
    ASSERT_FALSE(HasFatalFailure());
    ASSERT_OK(engine_->registry().RegisterEntityType("user", "a user"));
  }

  void Open() {
    engine_.reset();
    ASSERT_OK_AND_ASSIGN(engine_, Engine::Open(options_));
  }

  void Register(const std::string& name, ValueType type) {
    FeatureSpec spec;
    spec.name = name;
    spec.entity = "user";
    spec.value_type = type;
    ASSERT_OK(engine_->registry().RegisterFeature(spec).status());
  }

  // Writes value(i) for entities u0 .. u(n-1), dated `event_ts`.
  void WriteColumn(const std::string& feature, size_t n, int64_t event_ts,
                   const std::function<Value(size_t)>& value) {
    std::vector<WriteRecord> records;
    for (size_t i = 0; i < n; ++i) {
      records.push_back({"user", EntityId(i), feature, value(i), event_ts, ""});
    }
    ASSERT_OK_AND_ASSIGN(WriteResult r, engine_->Write(records));
    ASSERT_EQ(r.accepted, n);
  }

  // One online read of entities u0 .. u(n-1) at the clock's now.
  void Serve(const std::vector<std::string>& features, size_t n) {
    OnlineRequest request{"user", {}, features};
    for (size_t i = 0; i < n; ++i) request.entity_ids.push_back(EntityId(i));
    ASSERT_OK(engine_->ReadOnline(request).status());
  }

  // An as-of join of entities u0 .. u(n-1) at `ts`, recorded as baseline `id`.
  void Train(const std::string& id, const std::vector<std::string>& features, size_t n,
             int64_t ts) {
    AsOfSpec spec;
    spec.entity_type = "user";
    spec.features = features;
    spec.baseline_id = id;
    ASSERT_OK_AND_ASSIGN(std::unique_ptr<AsOfJoin> join, engine_->StartAsOf(spec));
    std::vector<AsOfRow> rows;
    for (size_t i = 0; i < n; ++i) rows.push_back({EntityId(i), ts});
    for (size_t begin = 0; begin < n; begin += 250) {  // several chunks
      const size_t end = std::min(n, begin + 250);
      ASSERT_OK(join->Next(std::span<const AsOfRow>(rows).subspan(begin, end - begin)).status());
    }
  }

  // Served values over [from, to] as a new baseline: how many there were (0: none).
  uint64_t ServedBetween(int64_t from, int64_t to) {
    static int counter = 0;
    Result<BaselineInfo> b =
        engine_->drift().BaselineFromWindow("w" + std::to_string(counter++), from, to);
    if (!b.ok()) {
      EXPECT_EQ(b.status().code(), ErrorCode::kUnprocessable) << b.status().ToString();
      return 0;
    }
    return b->rows;
  }

  FeatureDrift DriftOf(const std::string& feature, const std::string& baseline = "") {
    DriftQuery q;
    q.entity_type = "user";
    q.feature = feature;
    q.baseline_id = baseline;
    Result<std::vector<FeatureDrift>> r = engine_->drift().Drift(q);
    EXPECT_TRUE(r.ok()) << r.status().ToString();
    if (!r.ok() || r->size() != 1) {
      ADD_FAILURE() << "expected one feature";
      return {};
    }
    return (*r)[0];
  }

  asof::testing::TempDir dir_;
  ManualClock clock_{kT0};
  EngineOptions options_;
  std::unique_ptr<Engine> engine_;
};

TEST_F(DriftMonitorTest, ServedValuesLandInTheWindowOfTheirRead) {
  Register("x", ValueType::kInt64);
  WriteColumn("x", 10, kT0 - kSecond, [](size_t i) { return Value::Int64(int64_t(i)); });
  clock_.Set(kT0 + 30 * kSecond);
  Serve({"x"}, 10);
  clock_.Set(kT0 + kMinute);  // the next window
  Serve({"x"}, 10);
  Serve({"x"}, 5);
  EXPECT_EQ(ServedBetween(kT0, kT0 + kMinute - 1), 10u);
  EXPECT_EQ(ServedBetween(kT0 + kMinute, kT0 + kMinute), 15u);
  EXPECT_EQ(ServedBetween(kT0, kT0 + kMinute), 25u);
  EXPECT_EQ(ServedBetween(kT0 - 5 * kMinute, kT0 - 1), 0u);
}

TEST_F(DriftMonitorTest, NotFoundValuesCountAsMissing) {
  Register("x", ValueType::kDouble);
  WriteColumn("x", 3, kT0 - kSecond, [](size_t i) { return Value::Double(double(i)); });
  Serve({"x"}, 10);  // u3 .. u9 were never written
  ASSERT_OK_AND_ASSIGN(BaselineInfo b, engine_->drift().BaselineFromWindow("w", kT0, kT0));
  EXPECT_EQ(b.origin, "window");
  EXPECT_EQ(b.rows, 10u);
  FeatureDrift d = DriftOf("x", "w");
  EXPECT_EQ(d.baseline_count, 3u);
  EXPECT_EQ(d.baseline_missing, 7u);
  EXPECT_EQ(d.served_count, 3u);
  EXPECT_EQ(d.served_missing, 7u);
}

TEST_F(DriftMonitorTest, TrainingSetRecordsABaselineThatSurvivesReopen) {
  Register("x", ValueType::kInt64);
  Register("s", ValueType::kString);
  Register("v", ValueType::kDoubleList);  // not monitored: no sketch
  WriteColumn("x", 600, kT0 - 2 * kHour, [](size_t i) { return Value::Int64(int64_t(i)); });
  WriteColumn("s", 600, kT0 - 2 * kHour, [](size_t i) { return Value::String(i % 2 ? "a" : "b"); });
  WriteColumn("v", 600, kT0 - 2 * kHour, [](size_t) { return Value::DoubleList({1.0}); });
  Train("train", {"x", "s", "v"}, 600, kT0 - kHour);
  clock_.Advance(kSecond);
  Train("train", {"x", "s", "v"}, 400, kT0 - kHour);  // merged into the same baseline

  ASSERT_OK_AND_ASSIGN(BaselineInfo b, engine_->drift().GetBaseline("train"));
  EXPECT_EQ(b.id, "train");
  EXPECT_EQ(b.origin, "export");
  EXPECT_EQ(b.rows, 1000u);
  EXPECT_EQ(b.created_ts, kT0);
  EXPECT_EQ(b.updated_ts, kT0 + kSecond);
  ASSERT_EQ(b.features.size(), 2u);
  EXPECT_EQ(b.features[0]->spec.name, "x");
  EXPECT_EQ(b.features[1]->spec.name, "s");

  Open();
  ASSERT_OK_AND_ASSIGN(BaselineInfo again, engine_->drift().GetBaseline("train"));
  EXPECT_EQ(again.rows, 1000u);
  EXPECT_EQ(again.features.size(), 2u);
  FeatureDrift d = DriftOf("x");
  EXPECT_EQ(d.baseline_id, "train");
  EXPECT_EQ(d.baseline_count, 1000u);
}

TEST_F(DriftMonitorTest, ListsNewestFirstAndDeletes) {
  Register("x", ValueType::kInt64);
  WriteColumn("x", 10, kT0 - kHour, [](size_t i) { return Value::Int64(int64_t(i)); });
  Train("old", {"x"}, 10, kT0);
  clock_.Advance(kSecond);
  Train("new", {"x"}, 10, kT0);
  ASSERT_OK_AND_ASSIGN(std::vector<BaselineInfo> all, engine_->drift().ListBaselines());
  ASSERT_EQ(all.size(), 2u);
  EXPECT_EQ(all[0].id, "new");
  EXPECT_EQ(all[1].id, "old");
  EXPECT_EQ(DriftOf("x").baseline_id, "new");  // the newest baseline having the feature

  ASSERT_OK(engine_->drift().DeleteBaseline("new"));
  EXPECT_EQ(engine_->drift().GetBaseline("new").status().code(), ErrorCode::kNotFound);
  EXPECT_EQ(engine_->drift().DeleteBaseline("new").code(), ErrorCode::kNotFound);
  EXPECT_EQ(DriftOf("x").baseline_id, "old");
  Open();
  ASSERT_OK_AND_ASSIGN(all, engine_->drift().ListBaselines());
  ASSERT_EQ(all.size(), 1u);
  EXPECT_EQ(all[0].id, "old");
}

TEST_F(DriftMonitorTest, ShiftedNumericDataIsDrifting) {
  Register("x", ValueType::kDouble);
  WriteColumn("x", kEntities, kT0 - 2 * kHour, [](size_t i) { return Value::Double(double(i)); });
  Train("train", {"x"}, kEntities, kT0 - kHour);
  WriteColumn("x", kEntities, kT0 - kSecond,
              [](size_t i) { return Value::Double(double(i) + 500); });
  Serve({"x"}, kEntities);
  FeatureDrift d = DriftOf("x");
  EXPECT_EQ(d.baseline_id, "train");
  EXPECT_FALSE(d.categorical);
  EXPECT_EQ(d.served_count, kEntities);
  EXPECT_EQ(d.baseline_count, kEntities);
  ASSERT_TRUE(d.ks.has_value());
  EXPECT_NEAR(*d.ks, 0.5, 0.05);
  ASSERT_TRUE(d.ks_error_bound.has_value());
  ASSERT_TRUE(d.psi.has_value());
  EXPECT_GT(*d.psi, options_.drift.psi_threshold);
  EXPECT_FALSE(d.chi_square.has_value());
  EXPECT_TRUE(d.drifting);
  EXPECT_EQ(d.note, "");
  EXPECT_EQ(d.window_to, kT0);
  EXPECT_EQ(d.window_from, kT0 - 5 * kMinute);
}

TEST_F(DriftMonitorTest, SameDistributionIsNotDrifting) {
  Register("x", ValueType::kInt32);
  WriteColumn("x", kEntities, kT0 - kHour, [](size_t i) { return Value::Int32(int32_t(i)); });
  Train("train", {"x"}, kEntities, kT0 - kMinute);
  Serve({"x"}, kEntities);
  FeatureDrift d = DriftOf("x");
  ASSERT_TRUE(d.ks.has_value());
  EXPECT_LT(*d.ks, options_.drift.ks_threshold);
  ASSERT_TRUE(d.psi.has_value());
  EXPECT_LT(*d.psi, options_.drift.psi_threshold);
  EXPECT_FALSE(d.drifting);
  EXPECT_EQ(d.note, "");
}

TEST_F(DriftMonitorTest, TooFewServedValuesIsNotDriftingAndSaysWhy) {
  Register("x", ValueType::kDouble);
  WriteColumn("x", kEntities, kT0 - 2 * kHour, [](size_t i) { return Value::Double(double(i)); });
  Train("train", {"x"}, kEntities, kT0 - kHour);
  WriteColumn("x", kEntities, kT0 - kSecond, [](size_t) { return Value::Double(1e9); });
  Serve({"x"}, 12);
  FeatureDrift d = DriftOf("x");
  ASSERT_TRUE(d.ks.has_value());
  EXPECT_GT(*d.ks, 0.9);  // wildly shifted, but not enough values to say so
  EXPECT_FALSE(d.drifting);
  EXPECT_EQ(d.note, "too few served values (12 < min_samples 500)");
}

TEST_F(DriftMonitorTest, ShiftedCategoricalDataReportsPsiAndChiSquare) {
  Register("s", ValueType::kString);
  WriteColumn("s", kEntities, kT0 - 2 * kHour,
              [](size_t i) { return Value::String(i % 2 ? "a" : "b"); });
  Train("train", {"s"}, kEntities, kT0 - kHour);
  WriteColumn("s", kEntities, kT0 - kSecond,
              [](size_t i) { return Value::String(i % 10 ? "c" : "a"); });
  Serve({"s"}, kEntities);
  FeatureDrift d = DriftOf("s");
  EXPECT_TRUE(d.categorical);
  EXPECT_FALSE(d.ks.has_value());
  ASSERT_TRUE(d.psi.has_value());
  EXPECT_GT(*d.psi, options_.drift.psi_threshold);
  ASSERT_TRUE(d.chi_square.has_value());
  EXPECT_GT(*d.chi_square, 100.0);
  ASSERT_TRUE(d.chi_square_p_value.has_value());
  EXPECT_LT(*d.chi_square_p_value, 1e-6);
  EXPECT_TRUE(d.drifting);
}

TEST_F(DriftMonitorTest, QueryWithoutFeatureCoversEveryBaselineFeature) {
  Register("x", ValueType::kInt64);
  Register("y", ValueType::kInt64);
  Register("z", ValueType::kInt64);  // in no baseline: left out
  WriteColumn("x", 10, kT0 - kHour, [](size_t i) { return Value::Int64(int64_t(i)); });
  WriteColumn("y", 10, kT0 - kHour, [](size_t i) { return Value::Int64(int64_t(i)); });
  Train("train", {"x", "y"}, 10, kT0);
  ASSERT_OK_AND_ASSIGN(std::vector<FeatureDrift> all, engine_->drift().Drift(DriftQuery{}));
  ASSERT_EQ(all.size(), 2u);
  EXPECT_EQ(all[0].feature->spec.name, "x");
  EXPECT_EQ(all[1].feature->spec.name, "y");
  EXPECT_EQ(all[0].note, "too few served values (0 < min_samples 500)");
  FeatureDrift z = DriftOf("z");
  EXPECT_EQ(z.baseline_id, "");
  EXPECT_EQ(z.note, "no baseline has this feature");
}

TEST_F(DriftMonitorTest, ClosedWindowsPersistAcrossReopenAndExpire) {
  Register("x", ValueType::kInt64);
  WriteColumn("x", 10, kT0 - kSecond, [](size_t i) { return Value::Int64(int64_t(i)); });
  Serve({"x"}, 10);
  clock_.Advance(kMinute);
  Serve({"x"}, 4);  // closes the first window; this one stays open
  Open();           // persists the open window on close
  EXPECT_EQ(ServedBetween(kT0, kT0), 10u);
  EXPECT_EQ(ServedBetween(kT0 + kMinute, kT0 + kMinute), 4u);
  Serve({"x"}, 1);  // more values in the window persisted at close are merged into it
  ASSERT_OK(engine_->drift().Flush());
  EXPECT_EQ(ServedBetween(kT0 + kMinute, kT0 + kMinute), 5u);

  // The first window ends at kT0 + 1 min: gone once that is retention_us in the past.
  clock_.Set(kT0 + kMinute + options_.drift.retention_us - 1);
  ASSERT_OK(engine_->drift().Flush());
  EXPECT_EQ(ServedBetween(kT0, kT0), 10u);
  clock_.Set(kT0 + kMinute + options_.drift.retention_us);
  ASSERT_OK(engine_->drift().Flush());
  EXPECT_EQ(ServedBetween(kT0, kT0), 0u);
  EXPECT_EQ(ServedBetween(kT0 + kMinute, kT0 + kMinute), 5u);
  Open();
  EXPECT_EQ(ServedBetween(kT0, kT0), 0u);
}

TEST_F(DriftMonitorTest, ConcurrentReadsAreAllCounted) {
  Register("x", ValueType::kInt64);
  WriteColumn("x", 10, kT0 - kSecond, [](size_t i) { return Value::Int64(int64_t(i)); });
  constexpr int kThreads = 4;
  constexpr int kReads = 300;
  std::atomic<int> running{kThreads};
  std::vector<std::thread> threads;
  for (int t = 0; t < kThreads; ++t) {
    threads.emplace_back([&] {
      for (int r = 0; r < kReads; ++r) Serve({"x"}, 10);
      running.fetch_sub(1);
    });
  }
  uint64_t last = 0;
  int queries = 0;
  // Queries race the reads while the clock crosses window boundaries, so windows close
  // and persist under load; the window of the query (5 min) covers them all.
  while (running.load() > 0 || queries < 3) {
    FeatureDrift d = DriftOf("x");
    const uint64_t seen = d.served_count + d.served_missing;
    EXPECT_GE(seen, last);  // never lost, never counted twice
    EXPECT_LE(seen, uint64_t{kThreads} * kReads * 10);
    last = seen;
    if (clock_.NowMicros() < kT0 + 3 * kMinute) clock_.Advance(7 * kSecond);
    ++queries;
  }
  for (std::thread& t : threads) t.join();
  FeatureDrift d = DriftOf("x");
  EXPECT_EQ(d.served_count, uint64_t{kThreads} * kReads * 10);
}

TEST_F(DriftMonitorTest, SampleRateKeepsAFraction) {
  options_.drift.sample_rate = 0.5;
  Open();
  Register("x", ValueType::kInt64);
  WriteColumn("x", kEntities, kT0 - kSecond, [](size_t i) { return Value::Int64(int64_t(i)); });
  for (int r = 0; r < 10; ++r) Serve({"x"}, kEntities);
  const uint64_t kept = DriftOf("x").served_count;
  // Binomial(10000, 0.5): sd 50; 10 sd either side never fails by chance.
  EXPECT_GT(kept, 4500u);
  EXPECT_LT(kept, 5500u);
}

TEST_F(DriftMonitorTest, SampleRateZeroRecordsNothing) {
  options_.drift.sample_rate = 0;
  Open();
  Register("x", ValueType::kInt64);
  WriteColumn("x", 10, kT0 - kSecond, [](size_t i) { return Value::Int64(int64_t(i)); });
  Serve({"x"}, 10);
  EXPECT_EQ(engine_->drift().BaselineFromWindow("w", kT0, kT0).status().code(),
            ErrorCode::kUnprocessable);
}

TEST_F(DriftMonitorTest, BadIdsAreRefused) {
  Register("x", ValueType::kInt64);
  DriftMonitor& drift = engine_->drift();
  const std::vector<FeaturePtr> none;
  for (const std::string& id : {std::string(), std::string("a b"), std::string("a/b"),
                                std::string("x:y"), std::string(65, 'a'), std::string("a\0b", 3)}) {
    EXPECT_EQ(drift.AddToBaseline(id, "test", none, {}).code(), ErrorCode::kInvalidArgument) << id;
    EXPECT_EQ(drift.GetBaseline(id).status().code(), ErrorCode::kInvalidArgument) << id;
    EXPECT_EQ(drift.DeleteBaseline(id).code(), ErrorCode::kInvalidArgument) << id;
    EXPECT_EQ(drift.BaselineFromWindow(id, kT0, kT0).status().code(), ErrorCode::kInvalidArgument);
  }
  EXPECT_OK(drift.AddToBaseline(std::string(64, 'a'), "test", none, {}));
  EXPECT_OK(drift.AddToBaseline("A-z_0.9", "test", none, {}));
  EXPECT_EQ(drift.GetBaseline("nope").status().code(), ErrorCode::kNotFound);

  ASSERT_OK_AND_ASSIGN(FeaturePtr x, engine_->registry().Resolve("user", "x"));
  EXPECT_EQ(drift.AddToBaseline("b", "test", {x, x}, std::vector<FeatureValue>(3)).code(),
            ErrorCode::kInvalidArgument);  // not rows x features

  WriteColumn("x", 1, kT0 - kSecond, [](size_t) { return Value::Int64(1); });
  Serve({"x"}, 1);
  ASSERT_OK(drift.BaselineFromWindow("w", kT0, kT0).status());
  EXPECT_EQ(drift.BaselineFromWindow("w", kT0, kT0).status().code(), ErrorCode::kConflict);
  EXPECT_EQ(drift.BaselineFromWindow("w2", kT0, kT0 - 1).status().code(),
            ErrorCode::kInvalidArgument);

  DriftQuery q;
  q.baseline_id = "nope";
  EXPECT_EQ(drift.Drift(q).status().code(), ErrorCode::kNotFound);
  q = DriftQuery{};
  q.entity_type = "user";
  q.feature = "nope";
  EXPECT_EQ(drift.Drift(q).status().code(), ErrorCode::kNotFound);
  q.entity_type = "nope";
  q.feature = "";
  EXPECT_EQ(drift.Drift(q).status().code(), ErrorCode::kNotFound);
  q = DriftQuery{};
  q.feature = "x";  // no entity type
  EXPECT_EQ(drift.Drift(q).status().code(), ErrorCode::kInvalidArgument);
}

TEST_F(DriftMonitorTest, BadOptionsAreRefusedNamingTheOption) {
  engine_.reset();
  struct Case {
    std::function<void(DriftOptions*)> change;
    std::string option;
  };
  const std::vector<Case> cases = {
      {[](DriftOptions* o) { o->sample_rate = 1.5; }, "sample_rate"},
      {[](DriftOptions* o) { o->sample_rate = -0.1; }, "sample_rate"},
      {[](DriftOptions* o) { o->sample_rate = std::nan(""); }, "sample_rate"},
      {[](DriftOptions* o) { o->window_us = 0; }, "window_us"},
      {[](DriftOptions* o) { o->retention_us = o->window_us - 1; }, "retention_us"},
      {[](DriftOptions* o) { o->default_query_window_us = 0; }, "default_query_window_us"},
      {[](DriftOptions* o) { o->ks_threshold = 0; }, "ks_threshold"},
      {[](DriftOptions* o) { o->psi_threshold = -1; }, "psi_threshold"},
  };
  for (const Case& c : cases) {
    EngineOptions o = options_;
    c.change(&o.drift);
    Result<std::unique_ptr<Engine>> e = Engine::Open(o);
    ASSERT_FALSE(e.ok()) << c.option;
    EXPECT_EQ(e.status().code(), ErrorCode::kInvalidArgument);
    EXPECT_NE(e.status().message().find(c.option), std::string::npos) << e.status().ToString();
  }
}

}  // namespace
}  // namespace asof

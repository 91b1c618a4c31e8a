// Hand-written cases of the Engine's read and write semantics (engine/engine.h class
// comment, DESIGN.md section 3), one test per rule and named for it. The random oracle
// test (engine_oracle_test.cc) checks the same rules at scale; these say them plainly.
#include <gtest/gtest.h>

#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "engine/clock.h"
#include "engine/engine.h"
#include "tests/engine/oracle_model.h"  // gtest printers for Value and FeatureValue
#include "tests/util/test_util.h"

namespace asof {
namespace {

constexpr int64_t kT0 = 1'700'000'000'000'000;  // 2023-11-14, microseconds
constexpr int64_t kTtl = 100;
constexpr int64_t kDedupWindow = 1000;

class EngineSemanticsTest : public ::testing::Test {
 protected:
  void SetUp() override {
    EngineOptions options;
    options.path = dir_.path() + "/db";
    options.sync_writes = false;
    options.dedup_window_us = kDedupWindow;
    options.clock = &clock_;
    ASSERT_OK_AND_ASSIGN(engine_, Engine::Open(options));
    ASSERT_OK(engine_->registry().RegisterEntityType("user", "test users"));
    Register("score", ValueType::kDouble, 0, std::nullopt);
    Register("fresh", ValueType::kInt64, kTtl, std::nullopt);
    Register("with_default", ValueType::kInt64, kTtl, Value::Int64(7));
  }

  void Register(const std::string& name, ValueType type, int64_t ttl,
                std::optional<Value> default_value, bool new_version = false) {
    FeatureSpec spec;
    spec.name = name;
    spec.entity = "user";
    spec.value_type = type;
    spec.ttl_us = ttl;
    spec.default_value = std::move(default_value);
    ASSERT_OK(engine_->registry().RegisterFeature(spec, new_version));
  }

  static WriteRecord Rec(const std::string& id, const std::string& feature, Value value,
                         std::optional<int64_t> event_ts, const std::string& event_id = "") {
    return WriteRecord{"user", id, feature, std::move(value), event_ts, event_id};
  }

  WriteResult Write(const std::vector<WriteRecord>& records) {
    Result<WriteResult> r = engine_->Write(records);
    EXPECT_OK(r);
    return r.ok() ? *r : WriteResult{};
  }

  // Writes one record and expects it accepted.
  void Put(const std::string& id, const std::string& feature, Value value, int64_t event_ts) {
    WriteResult r = Write({Rec(id, feature, std::move(value), event_ts)});
    EXPECT_EQ(r.accepted, 1u) << (r.problems.empty() ? "" : r.problems[0].reason.ToString());
  }

  FeatureValue Online(const std::string& id, const std::string& feature) {
    Result<OnlineResult> r = engine_->ReadOnline({"user", {id}, {feature}});
    EXPECT_OK(r);
    return r.ok() && r->values.size() == 1 ? r->values[0] : FeatureValue{};
  }

  FeatureValue AsOf(const std::string& id, const std::string& feature, int64_t t,
                    AsOfMode mode = AsOfMode::kEventTime) {
    const std::vector<AsOfRow> rows = {{id, t}};
    Result<std::vector<FeatureValue>> r = engine_->ReadAsOf({"user", {feature}, mode}, rows);
    EXPECT_OK(r);
    return r.ok() && r->size() == 1 ? (*r)[0] : FeatureValue{};
  }

  asof::testing::TempDir dir_;
  ManualClock clock_{kT0};
  std::unique_ptr<Engine> engine_;
};

TEST_F(EngineSemanticsTest, LateOlderEventDoesNotReplaceNewerOnline) {
  Put("u", "score", Value::Double(2), kT0 - 10);
  clock_.Advance(50);
  Put("u", "score", Value::Double(1), kT0 - 20);  // arrives later, happened earlier

  const FeatureValue online = Online("u", "score");
  EXPECT_EQ(online.status, ValueStatus::kPresent);
  EXPECT_EQ(online.value, Value::Double(2));
  EXPECT_EQ(online.event_ts, kT0 - 10);
  EXPECT_EQ(online.ingest_ts, kT0);
  // The late event is not lost: it is the answer as of its own time.
  EXPECT_EQ(AsOf("u", "score", kT0 - 15).value, Value::Double(1));
}

TEST_F(EngineSemanticsTest, EqualEventTsLaterIngestWinsOnlineAndAsOf) {
  Put("u", "score", Value::Double(1), kT0 - 10);
  clock_.Advance(5);
  Put("u", "score", Value::Double(2), kT0 - 10);
  EXPECT_EQ(Online("u", "score").value, Value::Double(2));
  EXPECT_EQ(Online("u", "score").ingest_ts, kT0 + 5);
  EXPECT_EQ(AsOf("u", "score", kT0 - 10).value, Value::Double(2));
  // Replay at a time between the two ingests sees only the first.
  EXPECT_EQ(AsOf("u", "score", kT0 + 2, AsOfMode::kReplay).value, Value::Double(1));

  // Within one batch the later record is ingested later, and wins too.
  Write({Rec("v", "score", Value::Double(3), kT0), Rec("v", "score", Value::Double(4), kT0)});
  EXPECT_EQ(Online("v", "score").value, Value::Double(4));
  EXPECT_EQ(AsOf("v", "score", kT0).value, Value::Double(4));
}

TEST_F(EngineSemanticsTest, IngestTsStrictlyIncreasesWithinABatchAndAcrossBatches) {
  Write({Rec("a", "score", Value::Double(1), kT0), Rec("b", "score", Value::Double(1), kT0),
         Rec("c", "score", Value::Double(1), kT0)});
  Put("d", "score", Value::Double(1), kT0);  // the clock has not moved
  EXPECT_EQ(Online("a", "score").ingest_ts, kT0);
  EXPECT_EQ(Online("b", "score").ingest_ts, kT0 + 1);
  EXPECT_EQ(Online("c", "score").ingest_ts, kT0 + 2);
  EXPECT_EQ(Online("d", "score").ingest_ts, kT0 + 3);
}

TEST_F(EngineSemanticsTest, AsOfNeverReturnsAnEventAfterT) {
  for (int64_t ts : {kT0 - 300, kT0 - 200, kT0 - 100}) {
    Put("u", "score", Value::Double(static_cast<double>(ts - kT0)), ts);
  }
  EXPECT_EQ(AsOf("u", "score", kT0 - 301).status, ValueStatus::kNotFound);
  for (int64_t t = kT0 - 300; t < kT0; t += 7) {
    const FeatureValue v = AsOf("u", "score", t);
    ASSERT_EQ(v.status, ValueStatus::kPresent) << "T=" << t;
    EXPECT_LE(v.event_ts, t) << "leakage at T=" << t;
    EXPECT_GT(v.event_ts, t - 100) << "not the newest version at or before T=" << t;
  }
  EXPECT_EQ(AsOf("u", "score", kT0 - 200).event_ts, kT0 - 200);  // inclusive at T
  EXPECT_EQ(AsOf("u", "score", kT0 - 201).event_ts, kT0 - 300);
}

TEST_F(EngineSemanticsTest, TtlWindowIsInclusiveAtBothEnds) {
  const int64_t e = kT0 - 10;
  Put("u", "fresh", Value::Int64(5), e);

  EXPECT_EQ(AsOf("u", "fresh", e).status, ValueStatus::kPresent);
  EXPECT_EQ(AsOf("u", "fresh", e + kTtl).status, ValueStatus::kPresent);
  const FeatureValue stale = AsOf("u", "fresh", e + kTtl + 1);
  EXPECT_EQ(stale.status, ValueStatus::kOutsideMaxAge);
  EXPECT_TRUE(stale.value.is_null()) << "a stale value is withheld, not served";
  EXPECT_EQ(stale.event_ts, e);
  EXPECT_FALSE(stale.default_used);

  clock_.Set(e + kTtl);
  EXPECT_EQ(Online("u", "fresh").status, ValueStatus::kPresent);
  EXPECT_EQ(Online("u", "fresh").value, Value::Int64(5));
  clock_.Set(e + kTtl + 1);
  EXPECT_EQ(Online("u", "fresh").status, ValueStatus::kOutsideMaxAge);
  EXPECT_TRUE(Online("u", "fresh").value.is_null());
}

TEST_F(EngineSemanticsTest, ReplayExcludesLateArrivals) {
  const int64_t e = kT0 - 500;  // happened 500us ago, arrives now
  Put("u", "score", Value::Double(1), e);

  EXPECT_EQ(AsOf("u", "score", e + 10).status, ValueStatus::kPresent);
  EXPECT_EQ(AsOf("u", "score", e + 10, AsOfMode::kReplay).status, ValueStatus::kNotFound);
  EXPECT_EQ(AsOf("u", "score", kT0 - 1, AsOfMode::kReplay).status, ValueStatus::kNotFound);
  EXPECT_EQ(AsOf("u", "score", kT0, AsOfMode::kReplay).status, ValueStatus::kPresent);

  // A late correction of an older event: replay keeps serving what was known then.
  clock_.Advance(100);
  Put("u", "score", Value::Double(2), e);
  EXPECT_EQ(AsOf("u", "score", kT0 + 50, AsOfMode::kReplay).value, Value::Double(1));
  EXPECT_EQ(AsOf("u", "score", kT0 + 50).value, Value::Double(2));
}

TEST_F(EngineSemanticsTest, DefaultSubstitutedForNotFoundAndOutsideMaxAge) {
  const FeatureValue missing = Online("nobody", "with_default");
  EXPECT_EQ(missing.status, ValueStatus::kNotFound);
  EXPECT_TRUE(missing.default_used);
  EXPECT_EQ(missing.value, Value::Int64(7));
  EXPECT_EQ(missing.event_ts, 0);
  EXPECT_EQ(missing.ingest_ts, 0);

  Put("u", "with_default", Value::Int64(1), kT0);
  EXPECT_EQ(Online("u", "with_default").value, Value::Int64(1));
  EXPECT_FALSE(Online("u", "with_default").default_used);

  clock_.Advance(kTtl + 1);
  const FeatureValue stale = Online("u", "with_default");
  EXPECT_EQ(stale.status, ValueStatus::kOutsideMaxAge);
  EXPECT_TRUE(stale.default_used);
  EXPECT_EQ(stale.value, Value::Int64(7));
  EXPECT_EQ(stale.event_ts, kT0);  // of the stored (withheld) version
  EXPECT_EQ(AsOf("u", "with_default", kT0 + kTtl + 1), stale);

  // Without a default, NOT_FOUND has a null value.
  EXPECT_EQ(Online("nobody", "score"), FeatureValue{});
}

TEST_F(EngineSemanticsTest, ExplicitNullIsNullValueAndNotReplacedByDefault) {
  Put("u", "with_default", Value::Null(), kT0);
  for (const FeatureValue& v : {Online("u", "with_default"), AsOf("u", "with_default", kT0)}) {
    EXPECT_EQ(v.status, ValueStatus::kNullValue);
    EXPECT_TRUE(v.value.is_null());
    EXPECT_FALSE(v.default_used);
    EXPECT_EQ(v.event_ts, kT0);
  }
}

// The ttl applies to the stored version whatever its value: a stale explicit null is
// OUTSIDE_MAX_AGE like any stale value, and the default is served for it.
TEST_F(EngineSemanticsTest, StaleExplicitNullIsOutsideMaxAge) {
  Put("u", "with_default", Value::Null(), kT0);
  clock_.Advance(kTtl + 1);
  const FeatureValue v = Online("u", "with_default");
  EXPECT_EQ(v.status, ValueStatus::kOutsideMaxAge);
  EXPECT_TRUE(v.default_used);
  EXPECT_EQ(v.value, Value::Int64(7));
  EXPECT_EQ(v.event_ts, kT0);
}

TEST_F(EngineSemanticsTest, FutureDatedEventInvisibleOnlineUntilItsTime) {
  Put("u", "score", Value::Double(1), kT0 - 5);
  Put("u", "score", Value::Double(2), kT0 + 50);  // dated in the future

  EXPECT_EQ(Online("u", "score").value, Value::Double(1));
  clock_.Set(kT0 + 49);
  EXPECT_EQ(Online("u", "score").value, Value::Double(1));
  clock_.Set(kT0 + 50);
  EXPECT_EQ(Online("u", "score").value, Value::Double(2));
  EXPECT_EQ(Online("u", "score").event_ts, kT0 + 50);

  Put("v", "score", Value::Double(3), kT0 + 100);  // the only version, still in the future
  EXPECT_EQ(Online("v", "score").status, ValueStatus::kNotFound);
}

TEST_F(EngineSemanticsTest, OnlineReadEqualsAsOfReadAtNow) {
  Put("u", "score", Value::Double(1), kT0 - 5);
  Put("u", "fresh", Value::Int64(1), kT0 - 50);
  Put("u", "with_default", Value::Null(), kT0 + 30);
  Put("v", "score", Value::Double(2), kT0 + 20);
  const std::vector<std::string> ids = {"u", "v", "nobody"};
  const std::vector<std::string> features = {"score", "fresh", "with_default"};
  for (int64_t now : {kT0 + 10, kT0 + 20, kT0 + 30, kT0 + 50, kT0 + 51, kT0 + 500}) {
    clock_.Set(now);
    ASSERT_OK_AND_ASSIGN(OnlineResult online, engine_->ReadOnline({"user", ids, features}));
    std::vector<AsOfRow> rows;
    for (const std::string& id : ids) rows.push_back({id, now});
    for (AsOfMode mode : {AsOfMode::kEventTime, AsOfMode::kReplay}) {
      ASSERT_OK_AND_ASSIGN(auto asof, engine_->ReadAsOf({"user", features, mode}, rows));
      EXPECT_EQ(asof, online.values) << "now=" << now << " mode=" << static_cast<int>(mode);
    }
  }
}

TEST_F(EngineSemanticsTest, DuplicateEventIdNotAppliedUntilDedupWindowPasses) {
  WriteResult first = Write({Rec("u", "score", Value::Double(1), kT0 - 100, "evt-1")});
  EXPECT_EQ(first.accepted, 1u);

  WriteResult again = Write({Rec("u", "score", Value::Double(2), kT0 - 50, "evt-1")});
  EXPECT_EQ(again.accepted, 0u);
  EXPECT_EQ(again.duplicates, 1u);
  ASSERT_EQ(again.problems.size(), 1u);
  EXPECT_EQ(again.problems[0].index, 0u);
  EXPECT_EQ(again.problems[0].outcome, RecordOutcome::kDuplicate);
  EXPECT_EQ(Online("u", "score").value, Value::Double(1));

  clock_.Advance(kDedupWindow);  // first acceptance exactly at the window's edge: inclusive
  EXPECT_EQ(Write({Rec("u", "score", Value::Double(2), kT0 - 50, "evt-1")}).duplicates, 1u);
  EXPECT_EQ(Online("u", "score").value, Value::Double(1));

  clock_.Advance(1);  // now the first acceptance is outside the window
  EXPECT_EQ(Write({Rec("u", "score", Value::Double(2), kT0 - 50, "evt-1")}).accepted, 1u);
  EXPECT_EQ(Online("u", "score").value, Value::Double(2));
  // ...and the new acceptance opens a new window.
  EXPECT_EQ(Write({Rec("u", "score", Value::Double(3), kT0 - 40, "evt-1")}).duplicates, 1u);
}

TEST_F(EngineSemanticsTest, DuplicateWithinOneBatchIsNotApplied) {
  WriteResult r = Write({Rec("u", "score", Value::Double(1), kT0 - 10, "evt-2"),
                         Rec("u", "score", Value::Double(2), kT0 - 5, "evt-2")});
  EXPECT_EQ(r.accepted, 1u);
  EXPECT_EQ(r.duplicates, 1u);
  ASSERT_EQ(r.problems.size(), 1u);
  EXPECT_EQ(r.problems[0].index, 1u);
  EXPECT_EQ(Online("u", "score").value, Value::Double(1));
}

TEST_F(EngineSemanticsTest, RejectedRecordsReportedByIndexDeadLetteredAndNotApplied) {
  const std::vector<WriteRecord> batch = {
      Rec("u", "score", Value::Double(1), kT0),
      Rec("u", "score", Value::String("1"), kT0, "evt-3"),  // wrong type
      Rec("v", "score", Value::Double(2), kT0),
      Rec("u", "nope", Value::Double(3), kT0),            // unknown feature
      Rec("u", "score", Value::Double(4), std::nullopt),  // no event_ts
  };
  WriteResult r = Write(batch);
  EXPECT_EQ(r.accepted, 2u);
  EXPECT_EQ(r.rejected, 3u);
  ASSERT_EQ(r.problems.size(), 3u);
  const size_t want_index[] = {1, 3, 4};
  for (size_t i = 0; i < 3; ++i) {
    EXPECT_EQ(r.problems[i].index, want_index[i]);
    EXPECT_EQ(r.problems[i].outcome, RecordOutcome::kRejected);
    EXPECT_FALSE(r.problems[i].reason.ok());
  }
  EXPECT_EQ(Online("u", "score").value, Value::Double(1));

  ASSERT_OK_AND_ASSIGN(auto letters, engine_->ListDeadLetters(std::nullopt, 10));
  ASSERT_EQ(letters.size(), 3u);
  for (size_t i = 0; i < 3; ++i) EXPECT_EQ(letters[i].record, batch[want_index[i]]);

  // The rejected record did not register its event_id.
  EXPECT_EQ(Write({Rec("u", "score", Value::Double(5), kT0, "evt-3")}).accepted, 1u);
}

TEST_F(EngineSemanticsTest, PinnedVersionIsReadAndWrittenIndependently) {
  Register("score", ValueType::kInt64, 0, std::nullopt, /*new_version=*/true);
  Put("u", "score@1", Value::Double(1.5), kT0);
  Put("u", "score", Value::Int64(2), kT0);  // the newest version, 2
  EXPECT_EQ(Online("u", "score@1").value, Value::Double(1.5));
  EXPECT_EQ(Online("u", "score").value, Value::Int64(2));
  EXPECT_EQ(Online("u", "score@2").value, Value::Int64(2));
  EXPECT_EQ(Write({Rec("u", "score", Value::Double(3), kT0)}).rejected, 1u);
}

TEST_F(EngineSemanticsTest, DeprecatedFeatureRejectsWritesAndStillReads) {
  Put("u", "score", Value::Double(1), kT0);
  ASSERT_OK(engine_->registry().Deprecate("user", "score"));
  WriteResult r = Write({Rec("u", "score", Value::Double(2), kT0 + 1)});
  EXPECT_EQ(r.rejected, 1u);
  EXPECT_EQ(Online("u", "score").value, Value::Double(1));
  EXPECT_EQ(AsOf("u", "score", kT0).value, Value::Double(1));
}

TEST_F(EngineSemanticsTest, ReadsOfUnknownNamesAndBadIdsFail) {
  EXPECT_EQ(engine_->ReadOnline({"ghost", {"u"}, {"score"}}).status().code(), ErrorCode::kNotFound);
  EXPECT_EQ(engine_->ReadOnline({"user", {"u"}, {"nope"}}).status().code(), ErrorCode::kNotFound);
  EXPECT_EQ(engine_->ReadOnline({"user", {""}, {"score"}}).status().code(),
            ErrorCode::kInvalidArgument);
  EXPECT_EQ(engine_->StartAsOf({"user", {"nope"}, AsOfMode::kEventTime}).status().code(),
            ErrorCode::kNotFound);
  EXPECT_EQ(engine_->StartAsOf({"ghost", {"score"}, AsOfMode::kReplay}).status().code(),
            ErrorCode::kNotFound);
}

}  // namespace
}  // namespace asof

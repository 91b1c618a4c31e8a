// Tests of Engine::Write (engine/engine_write.cc, engine/internal/record_validation.cc):
// every class of invalid record is rejected at its index with a reason, kept as a dead
// letter, and does not stop the valid records of its batch; duplicates; write counts;
// dead-letter listing; ingest_ts and dead letters across reopens; the data-dir lock.
#include <gtest/gtest.h>

#include <algorithm>
#include <cctype>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "engine/clock.h"
#include "engine/engine.h"
#include "tests/util/test_util.h"

namespace asof {
namespace {

constexpr int64_t kNow = 1'700'000'000'000'000;  // 2023-11-14, microseconds
constexpr int64_t kHour = 3600LL * 1000000;
constexpr int64_t kDay = 24 * kHour;

WriteRecord Rec(std::string id, std::string feature, Value value, std::optional<int64_t> event_ts,
                std::string event_id = "") {
  return WriteRecord{"user",           std::move(id), std::move(feature),
                     std::move(value), event_ts,      std::move(event_id)};
}

// A record that fails validation, told apart from others by its entity id.
WriteRecord Bad(std::string id) { return Rec(std::move(id), "height", Value::Int64(1), kNow); }

void ExpectMentions(const Status& s, const std::vector<std::string>& words) {
  for (const std::string& w : words) {
    EXPECT_NE(s.message().find(w), std::string::npos)
        << "reason does not mention '" << w << "': " << s.ToString();
  }
}

FeatureSpec Spec(std::string name, ValueType type) {
  FeatureSpec spec;
  spec.name = std::move(name);
  spec.entity = "user";
  spec.value_type = type;
  return spec;
}

class EngineWriteTest : public ::testing::Test {
 protected:
  void SetUp() override {
    OpenEngine();
    ASSERT_FALSE(HasFatalFailure());
    Registry& reg = engine_->registry();
    ASSERT_OK(reg.RegisterEntityType("user", "a user"));
    ASSERT_OK(reg.RegisterFeature(Spec("age", ValueType::kInt64)));
    ASSERT_OK(reg.RegisterFeature(Spec("name", ValueType::kString)));
    ASSERT_OK(reg.RegisterFeature(Spec("old", ValueType::kInt64)));
    ASSERT_OK(reg.Deprecate("user", "old"));
  }

  EngineOptions Options() {
    EngineOptions o;
    o.path = dir_.path() + "/db";
    o.sync_writes = false;
    o.block_cache_bytes = 1 << 20;
    o.write_buffer_bytes = 1 << 20;
    o.clock = &clock_;
    return o;
  }
  void OpenEngine() { ASSERT_OK_AND_ASSIGN(engine_, Engine::Open(Options())); }
  void Reopen() {
    engine_.reset();
    OpenEngine();
  }

  Result<WriteResult> Write(const std::vector<WriteRecord>& records) {
    return engine_->Write(records);
  }
  // The online value of user/`id`/`feature`; a failed read is a test failure.
  FeatureValue Online(const std::string& id, const std::string& feature) {
    Result<OnlineResult> r = engine_->ReadOnline({"user", {id}, {feature}});
    EXPECT_OK(r);
    return r.ok() ? r->at(0, 0) : FeatureValue{};
  }
  void ExpectOnline(const std::string& id, const std::string& feature, const Value& v) {
    FeatureValue fv = Online(id, feature);
    EXPECT_EQ(fv.status, ValueStatus::kPresent) << id << "/" << feature;
    EXPECT_EQ(fv.value, v) << id << "/" << feature << ": " << fv.value.DebugString();
  }
  std::vector<DeadLetter> AllDeadLetters() {
    Result<std::vector<DeadLetter>> r = engine_->ListDeadLetters(std::nullopt, 1'000'000);
    EXPECT_OK(r);
    return r.ok() ? *r : std::vector<DeadLetter>{};
  }

  asof::testing::TempDir dir_;
  ManualClock clock_{kNow};
  std::unique_ptr<Engine> engine_;
};

// ---- One test per validation failure class -----------------------------------------

struct BadRecordCase {
  std::string name;
  std::function<void(WriteRecord*)> corrupt;  // turns a valid user/u_bad/age record bad
  std::vector<std::string> reason_mentions;
};

class RejectedRecordTest : public EngineWriteTest,
                           public ::testing::WithParamInterface<BadRecordCase> {};

TEST_P(RejectedRecordTest, RejectedAtIndexDeadLetteredAndBatchApplied) {
  const BadRecordCase& c = GetParam();
  WriteRecord bad = Rec("u_bad", "age", Value::Int64(7), kNow - kHour, "ev-bad");
  c.corrupt(&bad);
  const std::vector<WriteRecord> batch = {
      Rec("u1", "age", Value::Int64(41), kNow - 2 * kHour, "ev-1"), bad,
      Rec("u2", "name", Value::String("bob"), kNow - kHour)};
  ASSERT_OK_AND_ASSIGN(WriteResult r, Write(batch));

  EXPECT_EQ(r.accepted, 2u);
  EXPECT_EQ(r.rejected, 1u);
  EXPECT_EQ(r.duplicates, 0u);
  ASSERT_EQ(r.problems.size(), 1u);
  const RecordProblem& p = r.problems[0];
  EXPECT_EQ(p.index, 1u);
  EXPECT_EQ(p.outcome, RecordOutcome::kRejected);
  EXPECT_EQ(p.reason.code(), ErrorCode::kUnprocessable) << p.reason.ToString();
  ExpectMentions(p.reason, c.reason_mentions);

  std::vector<DeadLetter> dead = AllDeadLetters();
  ASSERT_EQ(dead.size(), 1u);
  EXPECT_TRUE(dead[0].record == bad) << "dead letter does not hold the original record";
  EXPECT_EQ(dead[0].reason, p.reason) << dead[0].reason.ToString();

  ExpectOnline("u1", "age", Value::Int64(41));
  ExpectOnline("u2", "name", Value::String("bob"));
  EXPECT_EQ(Online("u_bad", "age").status, ValueStatus::kNotFound);
  EXPECT_EQ(engine_->stats().records_rejected, 1u);
}

const std::string kLongEntityId(kMaxEntityIdBytes + 1, 'x');
const std::string kLongEventId(kMaxEventIdBytes + 1, 'e');

INSTANTIATE_TEST_SUITE_P(
    AllClasses, RejectedRecordTest,
    ::testing::Values(BadRecordCase{"UnknownEntityType",
                                    [](WriteRecord* r) { r->entity_type = "vehicle"; },
                                    {"entity type", "'vehicle'", "not registered"}},
                      BadRecordCase{"UnknownFeature",
                                    [](WriteRecord* r) { r->feature = "height"; },
                                    {"'height'", "not registered"}},
                      BadRecordCase{"UnknownVersion",
                                    [](WriteRecord* r) { r->feature = "age@9"; },
                                    {"'age'", "no version 9"}},
                      BadRecordCase{"BadFeatureRef",
                                    [](WriteRecord* r) { r->feature = "age@x"; },
                                    {"bad feature reference", "'age@x'"}},
                      BadRecordCase{"DeprecatedFeature",
                                    [](WriteRecord* r) { r->feature = "old"; },
                                    {"'old'", "deprecated"}},
                      BadRecordCase{"StringForInt64",
                                    [](WriteRecord* r) { r->value = Value::String("1"); },
                                    {"'age'", "INT64", "STRING"}},
                      BadRecordCase{"InvalidUtf8String",
                                    [](WriteRecord* r) {
                                      r->feature = "name";
                                      r->value = Value::String("ab\xff");
                                    },
                                    {"UTF-8", "0xff", "offset 2"}},
                      BadRecordCase{"MissingEventTs",
                                    [](WriteRecord* r) { r->event_ts.reset(); },
                                    {"event_ts", "missing"}},
                      BadRecordCase{"NegativeEventTs",
                                    [](WriteRecord* r) { r->event_ts = -5; },
                                    {"event_ts -5", "out of range"}},
                      BadRecordCase{"NanosecondEventTs",
                                    [](WriteRecord* r) { r->event_ts = kNow * 1000; },
                                    {"event_ts " + std::to_string(kNow * 1000), "microseconds"}},
                      BadRecordCase{"EventTsBeyondFutureSkew",
                                    [](WriteRecord* r) { r->event_ts = kNow + kDay + 1; },
                                    {"event_ts " + std::to_string(kNow + kDay + 1), "future"}},
                      BadRecordCase{"EmptyEntityId",
                                    [](WriteRecord* r) { r->entity_id.clear(); },
                                    {"entity_id", "empty"}},
                      BadRecordCase{"EntityIdTooLong",
                                    [](WriteRecord* r) { r->entity_id = kLongEntityId; },
                                    {"entity_id", std::to_string(kMaxEntityIdBytes + 1),
                                     std::to_string(kMaxEntityIdBytes)}},
                      BadRecordCase{"EventIdTooLong",
                                    [](WriteRecord* r) { r->event_id = kLongEventId; },
                                    {"event_id", std::to_string(kMaxEventIdBytes)}}),
    [](const ::testing::TestParamInfo<BadRecordCase>& info) { return info.param.name; });

// The limits are inclusive: records exactly at them are accepted.
TEST_F(EngineWriteTest, RecordsAtTheLimitsAreAccepted) {
  const std::string longest_id(kMaxEntityIdBytes, 'x');
  const std::vector<WriteRecord> batch = {
      Rec(longest_id, "age", Value::Int64(1), kNow - kHour),
      Rec("u1", "age", Value::Int64(2), kNow - kHour, std::string(kMaxEventIdBytes, 'e')),
      Rec("u2", "age", Value::Int64(3), kNow + kDay),  // exactly max_future_skew_us ahead
      Rec("u3", "age", Value::Int64(4), 0),
      Rec("u4", "age", Value::Null(), kNow - kHour),
      Rec("u5", "name", Value::String("\xc3\xbc\xe2\x82\xac"), kNow - kHour),
      Rec("u6", "age@1", Value::Int64(6), kNow - kHour)};
  ASSERT_OK_AND_ASSIGN(WriteResult r, Write(batch));
  EXPECT_EQ(r.accepted, batch.size());
  for (const RecordProblem& p : r.problems) ADD_FAILURE() << p.index << ": " << p.reason.ToString();
  ExpectOnline(longest_id, "age", Value::Int64(1));
  ExpectOnline("u1", "age", Value::Int64(2));
  EXPECT_EQ(Online("u2", "age").status, ValueStatus::kNotFound);  // dated in the future
  ExpectOnline("u3", "age", Value::Int64(4));
  EXPECT_EQ(Online("u4", "age").status, ValueStatus::kNullValue);
  ExpectOnline("u5", "name", Value::String("\xc3\xbc\xe2\x82\xac"));
  ExpectOnline("u6", "age", Value::Int64(6));
  EXPECT_TRUE(AllDeadLetters().empty());
}

// ---- Duplicates and counts -----------------------------------------------------------

TEST_F(EngineWriteTest, DuplicateInsideOneBatchIsReportedAndNotApplied) {
  ASSERT_OK_AND_ASSIGN(WriteResult r,
                       Write({Rec("u1", "age", Value::Int64(1), kNow - 2 * kHour, "ev-a"),
                              Rec("u1", "age", Value::Int64(2), kNow - kHour, "ev-a")}));
  EXPECT_EQ(r.accepted, 1u);
  EXPECT_EQ(r.duplicates, 1u);
  EXPECT_EQ(r.rejected, 0u);
  ASSERT_EQ(r.problems.size(), 1u);
  EXPECT_EQ(r.problems[0].index, 1u);
  EXPECT_EQ(r.problems[0].outcome, RecordOutcome::kDuplicate);
  EXPECT_OK(r.problems[0].reason);
  // The duplicate carries a newer event_ts: had it been applied it would win online.
  ExpectOnline("u1", "age", Value::Int64(1));
  EXPECT_TRUE(AllDeadLetters().empty()) << "a duplicate is not a dead letter";
}

TEST_F(EngineWriteTest, DuplicateAcrossBatchesAndReopenIsReportedAndNotApplied) {
  ASSERT_OK(Write({Rec("u1", "age", Value::Int64(1), kNow - 2 * kHour, "ev-a")}));
  clock_.Advance(kHour);
  ASSERT_OK_AND_ASSIGN(WriteResult r,
                       Write({Rec("u2", "age", Value::Int64(5), kNow - kHour, "ev-b"),
                              Rec("u1", "age", Value::Int64(2), kNow - kHour, "ev-a")}));
  EXPECT_EQ(r.accepted, 1u);
  EXPECT_EQ(r.duplicates, 1u);
  ASSERT_EQ(r.problems.size(), 1u);
  EXPECT_EQ(r.problems[0].index, 1u);
  EXPECT_EQ(r.problems[0].outcome, RecordOutcome::kDuplicate);
  ExpectOnline("u1", "age", Value::Int64(1));
  ExpectOnline("u2", "age", Value::Int64(5));

  Reopen();
  ASSERT_FALSE(HasFatalFailure());
  ASSERT_OK_AND_ASSIGN(r, Write({Rec("u1", "age", Value::Int64(3), kNow, "ev-a"),
                                 Rec("u2", "age", Value::Int64(6), kNow, "ev-b")}));
  EXPECT_EQ(r.accepted, 0u);
  EXPECT_EQ(r.duplicates, 2u);
  ExpectOnline("u1", "age", Value::Int64(1));
  ExpectOnline("u2", "age", Value::Int64(5));
}

TEST_F(EngineWriteTest, EventIdIsForgottenAfterTheDedupWindow) {
  ASSERT_OK(Write({Rec("u1", "age", Value::Int64(1), kNow - kHour, "ev-a")}));
  clock_.Advance(Options().dedup_window_us + 1);
  ASSERT_OK_AND_ASSIGN(WriteResult r, Write({Rec("u1", "age", Value::Int64(2), kNow, "ev-a")}));
  EXPECT_EQ(r.accepted, 1u);
  EXPECT_EQ(r.duplicates, 0u);
  ExpectOnline("u1", "age", Value::Int64(2));
}

// A producer that fixes a rejected record and resends it with the same event_id must not
// see it dropped as a duplicate: a rejected record claims no event_id.
TEST_F(EngineWriteTest, RejectedRecordDoesNotClaimItsEventId) {
  ASSERT_OK_AND_ASSIGN(WriteResult r,
                       Write({Rec("u1", "age", Value::String("1"), kNow - kHour, "ev-a"),
                              Rec("u1", "age", Value::Int64(1), kNow - kHour, "ev-a")}));
  EXPECT_EQ(r.rejected, 1u);
  EXPECT_EQ(r.accepted, 1u);
  ASSERT_OK_AND_ASSIGN(r, Write({Rec("u2", "age", Value::String("2"), kNow - kHour, "ev-b")}));
  EXPECT_EQ(r.rejected, 1u);
  ASSERT_OK_AND_ASSIGN(r, Write({Rec("u2", "age", Value::Int64(2), kNow - kHour, "ev-b")}));
  EXPECT_EQ(r.accepted, 1u);
  ExpectOnline("u1", "age", Value::Int64(1));
  ExpectOnline("u2", "age", Value::Int64(2));
}

TEST_F(EngineWriteTest, WriteResultCountsAndProblemsInIndexOrder) {
  const std::vector<WriteRecord> batch = {
      Rec("u0", "age", Value::Int64(10), kNow - kHour, "ev-a"),  // accepted
      Bad("b1"),                                                 // rejected
      Rec("u2", "age", Value::Int64(12), kNow - kHour, "ev-a"),  // duplicate of 0
      Rec("u3", "name", Value::String("x"), kNow - kHour),       // accepted
      Rec("u4", "age", Value::Int64(14), std::nullopt),          // rejected
      Rec("u5", "age", Value::Int64(15), kNow - kHour, "ev-b"),  // accepted
      Rec("u6", "age", Value::Int64(16), kNow - kHour, "ev-b"),  // duplicate of 5
  };
  ASSERT_OK_AND_ASSIGN(WriteResult r, Write(batch));
  EXPECT_EQ(r.accepted, 3u);
  EXPECT_EQ(r.duplicates, 2u);
  EXPECT_EQ(r.rejected, 2u);
  const std::vector<std::pair<size_t, RecordOutcome>> expected = {{1, RecordOutcome::kRejected},
                                                                  {2, RecordOutcome::kDuplicate},
                                                                  {4, RecordOutcome::kRejected},
                                                                  {6, RecordOutcome::kDuplicate}};
  ASSERT_EQ(r.problems.size(), expected.size());
  for (size_t i = 0; i < expected.size(); ++i) {
    EXPECT_EQ(r.problems[i].index, expected[i].first) << i;
    EXPECT_EQ(r.problems[i].outcome, expected[i].second) << i;
    EXPECT_EQ(r.problems[i].reason.ok(), expected[i].second == RecordOutcome::kDuplicate) << i;
  }
  EXPECT_EQ(Online("u2", "age").status, ValueStatus::kNotFound);
  EXPECT_EQ(Online("u6", "age").status, ValueStatus::kNotFound);

  ASSERT_OK_AND_ASSIGN(r, Write({Rec("u7", "age", Value::Int64(17), kNow - kHour, "ev-c"),
                                 Rec("u8", "age", Value::Int64(18), kNow - kHour, "ev-b")}));
  EXPECT_EQ(r.accepted, 1u);
  EXPECT_EQ(r.duplicates, 1u);
  EXPECT_EQ(r.rejected, 0u);

  ASSERT_OK_AND_ASSIGN(r, Write({}));
  EXPECT_EQ(r.accepted + r.duplicates + r.rejected, 0u);
  EXPECT_TRUE(r.problems.empty());

  EngineStats stats = engine_->stats();
  EXPECT_EQ(stats.records_accepted, 4u);
  EXPECT_EQ(stats.records_duplicate, 3u);
  EXPECT_EQ(stats.records_rejected, 2u);
}

// ---- Dead letters --------------------------------------------------------------------

TEST_F(EngineWriteTest, DeadLetterPaginationReturnsEveryEntryOnceInOrder) {
  // Batches of 3, 0, 5, 7 and 1 rejects; the clock stands still between some of them, so
  // entries share an arrival time and only their sequence tells them apart.
  std::vector<std::string> arrival;
  int n = 0;
  for (int rejects : {3, 0, 5, 7, 1}) {
    std::vector<WriteRecord> batch = {Rec("ok" + std::to_string(n), "age", Value::Int64(n), kNow)};
    for (int i = 0; i < rejects; ++i) {
      arrival.push_back("bad" + std::to_string(n++));
      batch.push_back(Bad(arrival.back()));
    }
    ASSERT_OK_AND_ASSIGN(WriteResult r, Write(batch));
    EXPECT_EQ(r.rejected, static_cast<size_t>(rejects));
    if (rejects != 5) clock_.Advance(1);
  }

  std::vector<DeadLetter> all = AllDeadLetters();
  ASSERT_EQ(all.size(), arrival.size());
  for (size_t i = 0; i < all.size(); ++i) {
    EXPECT_EQ(all[i].record.entity_id, arrival[i]) << i;
    if (i > 0) {
      EXPECT_LT(all[i - 1].id, all[i].id) << i;
    }
  }

  for (size_t limit : {size_t{1}, size_t{3}, size_t{5}, arrival.size(), arrival.size() + 1}) {
    SCOPED_TRACE("limit " + std::to_string(limit));
    std::vector<std::string> seen;
    std::optional<DeadLetterId> after;
    for (int pages = 0; pages <= static_cast<int>(arrival.size()) + 1; ++pages) {
      ASSERT_OK_AND_ASSIGN(std::vector<DeadLetter> page, engine_->ListDeadLetters(after, limit));
      ASSERT_LE(page.size(), limit);
      if (page.empty()) break;
      for (const DeadLetter& d : page) {
        EXPECT_EQ(d.id, all[seen.size()].id);
        seen.push_back(d.record.entity_id);
      }
      after = page.back().id;
    }
    EXPECT_EQ(seen, arrival);
  }
  ASSERT_OK_AND_ASSIGN(std::vector<DeadLetter> none, engine_->ListDeadLetters(std::nullopt, 0));
  EXPECT_TRUE(none.empty());
}

TEST_F(EngineWriteTest, DeadLettersSurviveReopenAndTheSequenceContinues) {
  ASSERT_OK(Write({Bad("a"), Bad("b"), Bad("c")}));
  std::vector<DeadLetter> before = AllDeadLetters();
  ASSERT_EQ(before.size(), 3u);

  Reopen();  // the clock has not moved: only the sequence keeps new keys apart
  ASSERT_FALSE(HasFatalFailure());
  std::vector<DeadLetter> reopened = AllDeadLetters();
  ASSERT_EQ(reopened.size(), 3u);
  for (size_t i = 0; i < 3; ++i) {
    EXPECT_EQ(reopened[i].id, before[i].id);
    EXPECT_TRUE(reopened[i].record == before[i].record) << i;
    EXPECT_EQ(reopened[i].reason, before[i].reason) << i;
  }

  ASSERT_OK(Write({Bad("d"), Bad("e")}));
  std::vector<DeadLetter> after = AllDeadLetters();
  ASSERT_EQ(after.size(), 5u);
  const char* expected[] = {"a", "b", "c", "d", "e"};
  for (size_t i = 0; i < 5; ++i) EXPECT_EQ(after[i].record.entity_id, expected[i]) << i;
  EXPECT_GT(after[3].id.seq, before[2].id.seq);
  EXPECT_LT(after[3].id.seq, after[4].id.seq);
}

// Listing promises arrival order, and a consumer that tails the store with `after`
// must see new entries, whatever the clock does.
TEST_F(EngineWriteTest, DeadLettersStayInArrivalOrderWhenTheClockGoesBack) {
  ASSERT_OK(Write({Bad("a")}));
  clock_.Set(kNow - kHour);
  ASSERT_OK(Write({Bad("b")}));
  engine_.reset();
  clock_.Set(kNow - 2 * kHour);
  OpenEngine();
  ASSERT_FALSE(HasFatalFailure());
  ASSERT_OK(Write({Bad("c")}));

  std::vector<DeadLetter> all = AllDeadLetters();
  ASSERT_EQ(all.size(), 3u);
  std::vector<std::string> order;
  for (const DeadLetter& d : all) order.push_back(d.record.entity_id);
  EXPECT_EQ(order, (std::vector<std::string>{"a", "b", "c"}));

  auto first = std::find_if(all.begin(), all.end(),
                            [](const DeadLetter& d) { return d.record.entity_id == "a"; });
  ASSERT_NE(first, all.end());
  ASSERT_OK_AND_ASSIGN(std::vector<DeadLetter> tail, engine_->ListDeadLetters(first->id, 10));
  EXPECT_EQ(tail.size(), 2u) << "entries after 'a' missed by a tailing consumer";
}

// ---- ingest_ts and the data-dir lock ---------------------------------------------------

TEST_F(EngineWriteTest, IngestTsStrictlyIncreasesAcrossReopenWithClockMovedBack) {
  const int64_t event_ts = kNow - 3 * kDay;  // visible online at every clock used here
  ASSERT_OK(Write({Rec("u1", "age", Value::Int64(1), event_ts),
                   Rec("u2", "age", Value::Int64(2), event_ts),
                   Rec("u3", "age", Value::Int64(3), event_ts)}));
  ASSERT_OK(Write({Rec("u4", "age", Value::Int64(4), event_ts)}));
  int64_t last = 0;
  for (const char* id : {"u1", "u2", "u3", "u4"}) {
    FeatureValue fv = Online(id, "age");
    EXPECT_GE(fv.ingest_ts, kNow) << id;
    EXPECT_GT(fv.ingest_ts, last) << id;
    last = fv.ingest_ts;
  }

  engine_.reset();
  clock_.Set(kNow - kDay);
  OpenEngine();
  ASSERT_FALSE(HasFatalFailure());
  ASSERT_OK(Write(
      {Rec("u5", "age", Value::Int64(5), event_ts), Rec("u1", "age", Value::Int64(11), event_ts)}));
  FeatureValue u5 = Online("u5", "age");
  EXPECT_GT(u5.ingest_ts, last) << "ingest_ts went back after a reopen";
  // Same event_ts as the first write of u1: the later ingest wins, so the second value.
  FeatureValue u1 = Online("u1", "age");
  EXPECT_GT(u1.ingest_ts, u5.ingest_ts);
  EXPECT_EQ(u1.value, Value::Int64(11)) << u1.value.DebugString();
}

TEST_F(EngineWriteTest, SecondOpenOfTheSamePathFailsWithLockError) {
  ASSERT_OK(Write({Rec("u1", "age", Value::Int64(1), kNow - kHour)}));
  Result<std::unique_ptr<Engine>> second = Engine::Open(Options());
  ASSERT_FALSE(second.ok()) << "two engines opened the same data directory";
  EXPECT_EQ(second.status().code(), ErrorCode::kUnavailable) << second.status().ToString();
  std::string message = second.status().message();
  for (char& c : message) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  EXPECT_NE(message.find("lock"), std::string::npos) << second.status().ToString();

  // The failed open must not disturb the first engine, and closing it frees the path.
  ExpectOnline("u1", "age", Value::Int64(1));
  Reopen();
  ASSERT_FALSE(HasFatalFailure());
  ExpectOnline("u1", "age", Value::Int64(1));
}

}  // namespace
}  // namespace asof

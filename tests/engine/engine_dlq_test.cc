// Tests of Engine::AddDeadLetters (engine/engine_dlq.cc): letters for records rejected
// before Write are stored as received, in one arrival order with Write's own dead letters
// (also across reopens and a clock stepping back), counted as rejected, and an invalid
// call stores nothing. Listing itself is covered in engine_write_test.cc.
#include <gtest/gtest.h>

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

// A record Write rejects (unknown feature), told apart by its entity id.
WriteRecord Bad(std::string id) {
  return WriteRecord{"user", std::move(id), "height", Value::Int64(1), kNow, ""};
}

// What the HTTP API stores for a record it could not read: the parts it could, and the
// record's JSON text as a STRING value.
DeadLetterInput Unreadable(std::string id, std::string json) {
  DeadLetterInput in;
  in.record.entity_type = "user";
  in.record.entity_id = std::move(id);
  in.record.value = Value::String(std::move(json));
  in.reason = Unprocessable("event_timestamp: missing");
  return in;
}

class EngineDlqTest : public ::testing::Test {
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
  void Reopen() {
    engine_.reset();
    OpenEngine();
  }

  std::vector<DeadLetter> All() {
    Result<std::vector<DeadLetter>> r = engine_->ListDeadLetters(std::nullopt, 1'000'000);
    EXPECT_OK(r);
    return r.ok() ? *r : std::vector<DeadLetter>{};
  }
  std::vector<std::string> EntityIds() {
    std::vector<std::string> out;
    for (const DeadLetter& d : All()) out.push_back(d.record.entity_id);
    return out;
  }

  asof::testing::TempDir dir_;
  ManualClock clock_{kNow};
  std::unique_ptr<Engine> engine_;
};

TEST_F(EngineDlqTest, StoresRecordsAsReceivedWithTheirReasons) {
  // Nothing is validated: an unregistered entity type, no event time, an entity id over
  // the limit, an empty record.
  std::vector<DeadLetterInput> in(4);
  in[0] = Unreadable("u1", R"({"entity":"user","entity_id":"u1","value":1})");
  in[1].record = WriteRecord{"no_such_type", "x", "f@3", Value::Double(2.5), std::nullopt, "ev-9"};
  in[1].reason = Unprocessable("feature 'f@3' is not registered");
  in[2].record.entity_id = std::string(kMaxEntityIdBytes + 10, 'z');
  in[2].record.event_ts = -5;
  in[2].reason = InvalidArgument("records[2]: expected an object");
  in[3].reason = Unprocessable("empty");
  ASSERT_OK(engine_->AddDeadLetters(in));

  std::vector<DeadLetter> all = All();
  ASSERT_EQ(all.size(), in.size());
  for (size_t i = 0; i < in.size(); ++i) {
    EXPECT_TRUE(all[i].record == in[i].record) << i;
    EXPECT_EQ(all[i].reason, in[i].reason) << i << ": " << all[i].reason.ToString();
    EXPECT_EQ(all[i].id.ingest_ts, kNow) << i;
    if (i > 0) {
      EXPECT_LT(all[i - 1].id, all[i].id) << i;
    }
  }
  EXPECT_EQ(engine_->stats().records_rejected, in.size());
}

TEST_F(EngineDlqTest, InterleavesWithWritesInArrivalOrder) {
  ASSERT_OK(engine_->Write(std::vector<WriteRecord>{Bad("w1"), Bad("w2")}));
  ASSERT_OK(engine_->AddDeadLetters(std::vector<DeadLetterInput>{Unreadable("a1", "{}")}));
  ASSERT_OK(engine_->Write(std::vector<WriteRecord>{Bad("w3")}));
  clock_.Advance(5);
  ASSERT_OK(engine_->AddDeadLetters(
      std::vector<DeadLetterInput>{Unreadable("a2", "[]"), Unreadable("a3", "7")}));
  ASSERT_OK(engine_->Write(std::vector<WriteRecord>{Bad("w4")}));

  EXPECT_EQ(EntityIds(), (std::vector<std::string>{"w1", "w2", "a1", "w3", "a2", "a3", "w4"}));
  EXPECT_EQ(engine_->stats().records_rejected, 7u);

  // A consumer tailing with `after` sees each letter once.
  std::vector<std::string> seen;
  std::optional<DeadLetterId> after;
  for (int pages = 0; pages < 10; ++pages) {
    ASSERT_OK_AND_ASSIGN(std::vector<DeadLetter> page, engine_->ListDeadLetters(after, 2));
    if (page.empty()) break;
    for (const DeadLetter& d : page) seen.push_back(d.record.entity_id);
    after = page.back().id;
  }
  EXPECT_EQ(seen, EntityIds());
}

TEST_F(EngineDlqTest, OrderHoldsAcrossReopenAndAClockSteppingBack) {
  ASSERT_OK(engine_->AddDeadLetters(std::vector<DeadLetterInput>{Unreadable("a", "{}")}));
  Reopen();  // same clock: only the recovered sequence keeps the next key apart
  ASSERT_FALSE(HasFatalFailure());
  ASSERT_OK(engine_->AddDeadLetters(std::vector<DeadLetterInput>{Unreadable("b", "{}")}));
  clock_.Set(kNow - kHour);
  Reopen();
  ASSERT_FALSE(HasFatalFailure());
  ASSERT_OK(engine_->AddDeadLetters(std::vector<DeadLetterInput>{Unreadable("c", "{}")}));
  ASSERT_OK(engine_->Write(std::vector<WriteRecord>{Bad("d")}));

  EXPECT_EQ(EntityIds(), (std::vector<std::string>{"a", "b", "c", "d"}));
  std::vector<DeadLetter> all = All();
  ASSERT_EQ(all.size(), 4u);
  ASSERT_OK_AND_ASSIGN(std::vector<DeadLetter> tail, engine_->ListDeadLetters(all[0].id, 10));
  EXPECT_EQ(tail.size(), 3u) << "letters after 'a' missed by a tailing consumer";
}

TEST_F(EngineDlqTest, ALetterWithoutAReasonStoresNothing) {
  std::vector<DeadLetterInput> in = {Unreadable("a", "{}"), Unreadable("b", "{}")};
  in[1].reason = Status::Ok();
  Status s = engine_->AddDeadLetters(in);
  EXPECT_EQ(s.code(), ErrorCode::kInvalidArgument) << s.ToString();
  EXPECT_TRUE(All().empty());
  EXPECT_EQ(engine_->stats().records_rejected, 0u);

  // The sequence was not consumed: the next letters still start the store.
  ASSERT_OK(engine_->AddDeadLetters(std::vector<DeadLetterInput>{Unreadable("c", "{}")}));
  EXPECT_EQ(EntityIds(), (std::vector<std::string>{"c"}));
}

TEST_F(EngineDlqTest, NoLettersIsANoOp) {
  ASSERT_OK(engine_->AddDeadLetters({}));
  EXPECT_TRUE(All().empty());
  EXPECT_EQ(engine_->stats().records_rejected, 0u);
}

TEST_F(EngineDlqTest, LettersSurviveReopen) {
  std::vector<DeadLetterInput> in = {Unreadable("a", R"({"value":"\u00e9"})"),
                                     Unreadable("b", std::string("\0bin", 4))};
  ASSERT_OK(engine_->AddDeadLetters(in));
  std::vector<DeadLetter> before = All();
  Reopen();
  ASSERT_FALSE(HasFatalFailure());
  std::vector<DeadLetter> after = All();
  ASSERT_EQ(after.size(), 2u);
  for (size_t i = 0; i < 2; ++i) {
    EXPECT_EQ(after[i].id, before[i].id) << i;
    EXPECT_TRUE(after[i].record == in[i].record) << i;
    EXPECT_EQ(after[i].reason, in[i].reason) << i;
  }
}

}  // namespace
}  // namespace asof

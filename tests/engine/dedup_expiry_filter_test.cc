// The dedup expiry filter, exercised through the real engine with a ManualClock: an
// event_id is a duplicate inside the window, forgotten by a compaction after it, and
// accepted again after the window whether or not a compaction ran.
#include "engine/internal/dedup_expiry_filter.h"

#include <gtest/gtest.h>
#include <rocksdb/db.h>

#include <cstdint>
#include <memory>
#include <set>
#include <string>
#include <vector>

#include "engine/clock.h"
#include "engine/engine.h"
#include "tests/util/test_util.h"

namespace asof {
namespace {

constexpr int64_t kSec = 1000000;
constexpr int64_t kWindow = 100 * kSec;

class DedupExpiryFilterTest : public ::testing::Test {
 protected:
  void SetUp() override {
    Open();
    ASSERT_OK(engine_->registry().RegisterEntityType("user", "").status());
    FeatureSpec spec;
    spec.name = "clicks";
    spec.entity = "user";
    spec.value_type = ValueType::kInt64;
    ASSERT_OK(engine_->registry().RegisterFeature(spec).status());
  }

  void Open() {
    EngineOptions options;
    options.path = path_;
    options.sync_writes = false;
    options.dedup_window_us = kWindow;
    options.block_cache_bytes = 1 << 20;
    options.write_buffer_bytes = 1 << 20;
    options.clock = &clock_;
    ASSERT_OK_AND_ASSIGN(engine_, Engine::Open(options));
  }

  // Writes one record and returns its outcome.
  Result<RecordOutcome> Write(const std::string& event_id, int64_t v,
                              const std::string& id = "u1") {
    WriteRecord r;
    r.entity_type = "user";
    r.entity_id = id;
    r.feature = "clicks";
    r.value = Value::Int64(v);
    r.event_ts = clock_.NowMicros() - kSec;
    r.event_id = event_id;
    ASSIGN_OR_RETURN(WriteResult result, engine_->Write(std::span(&r, 1)));
    if (result.accepted == 1) return RecordOutcome::kAccepted;
    if (result.problems.size() != 1) return Internal("unexpected write result");
    if (result.problems[0].outcome == RecordOutcome::kRejected) {
      return result.problems[0].reason;  // not expected in these tests
    }
    return result.problems[0].outcome;
  }

  Result<FeatureValue> Online(const std::string& id = "u1") {
    OnlineRequest request{"user", {id}, {"clicks"}};
    ASSIGN_OR_RETURN(OnlineResult result, engine_->ReadOnline(request));
    return result.at(0, 0);
  }

  // The event ids the `dedup` column family still holds, read with RocksDB directly
  // (the engine must be closed).
  std::set<std::string> StoredEventIds() {
    std::vector<rocksdb::ColumnFamilyDescriptor> cfs = {
        {rocksdb::kDefaultColumnFamilyName, rocksdb::ColumnFamilyOptions()},
        {"dedup", rocksdb::ColumnFamilyOptions()}};
    std::vector<rocksdb::ColumnFamilyHandle*> handles;
    rocksdb::DB* raw = nullptr;
    std::set<std::string> ids;
    rocksdb::Status s =
        rocksdb::DB::OpenForReadOnly(rocksdb::DBOptions(), path_, cfs, &handles, &raw);
    EXPECT_TRUE(s.ok()) << s.ToString();
    if (!s.ok()) return ids;
    std::unique_ptr<rocksdb::DB> db(raw);
    {
      std::unique_ptr<rocksdb::Iterator> it(db->NewIterator(rocksdb::ReadOptions(), handles[1]));
      for (it->SeekToFirst(); it->Valid(); it->Next()) ids.insert(it->key().ToString());
      EXPECT_TRUE(it->status().ok()) << it->status().ToString();
    }
    for (auto* h : handles) db->DestroyColumnFamilyHandle(h).PermitUncheckedError();
    return ids;
  }

  asof::testing::TempDir dir_;
  const std::string path_ = dir_.path() + "/db";
  ManualClock clock_{1000 * kSec};
  std::unique_ptr<Engine> engine_;
};

TEST_F(DedupExpiryFilterTest, DuplicateInsideWindowIsNotApplied) {
  ASSERT_OK_AND_ASSIGN(RecordOutcome o, Write("e1", 1));
  EXPECT_EQ(o, RecordOutcome::kAccepted);
  ASSERT_OK_AND_ASSIGN(FeatureValue first, Online());
  clock_.Advance(kWindow / 2);
  ASSERT_OK_AND_ASSIGN(o, Write("e1", 2));
  EXPECT_EQ(o, RecordOutcome::kDuplicate);
  ASSERT_OK_AND_ASSIGN(FeatureValue v, Online());
  EXPECT_EQ(v, first) << "a duplicate must not be applied";
  EXPECT_EQ(engine_->stats().records_duplicate, 1u);
}

// The write path checks the window itself, so an expired id is accepted again even
// before any compaction has removed it. The window is inclusive: an id first accepted
// at ingest_ts i is a duplicate up to i + window.
TEST_F(DedupExpiryFilterTest, AcceptedAgainAfterWindowWithoutCompaction) {
  ASSERT_OK_AND_ASSIGN(RecordOutcome o, Write("e1", 1));
  ASSERT_EQ(o, RecordOutcome::kAccepted);
  ASSERT_OK_AND_ASSIGN(FeatureValue first, Online());
  const int64_t accepted_at = first.ingest_ts;

  clock_.Set(accepted_at + kWindow);
  ASSERT_OK_AND_ASSIGN(o, Write("e1", 2));
  EXPECT_EQ(o, RecordOutcome::kDuplicate) << "still inside the (inclusive) window";

  clock_.Set(accepted_at + kWindow + 1);
  ASSERT_OK_AND_ASSIGN(o, Write("e1", 3));
  EXPECT_EQ(o, RecordOutcome::kAccepted);
  ASSERT_OK_AND_ASSIGN(FeatureValue v, Online());
  EXPECT_EQ(v.value, Value::Int64(3));

  // Accepting it again restarts its window.
  clock_.Advance(kWindow / 2);
  ASSERT_OK_AND_ASSIGN(o, Write("e1", 4));
  EXPECT_EQ(o, RecordOutcome::kDuplicate);
}

TEST_F(DedupExpiryFilterTest, CompactionForgetsExpiredIdsOnly) {
  ASSERT_OK_AND_ASSIGN(RecordOutcome o, Write("old", 1, "u1"));
  ASSERT_EQ(o, RecordOutcome::kAccepted);
  ASSERT_OK_AND_ASSIGN(FeatureValue old_v, Online("u1"));
  clock_.Set(old_v.ingest_ts + kWindow / 2);
  ASSERT_OK_AND_ASSIGN(o, Write("young", 1, "u2"));
  ASSERT_EQ(o, RecordOutcome::kAccepted);
  ASSERT_OK_AND_ASSIGN(FeatureValue young_v, Online("u2"));

  // A compaction inside both windows forgets nothing.
  clock_.Set(old_v.ingest_ts + kWindow);
  ASSERT_OK(engine_->CompactAll());
  engine_.reset();
  EXPECT_EQ(StoredEventIds(), (std::set<std::string>{"old", "young"}));
  Open();

  // Past the first id's window (but inside the second's), a compaction drops only it.
  clock_.Set(old_v.ingest_ts + kWindow + 1);
  ASSERT_OK(engine_->CompactAll());
  engine_.reset();
  EXPECT_EQ(StoredEventIds(), std::set<std::string>{"young"});
  Open();

  ASSERT_OK_AND_ASSIGN(o, Write("old", 2, "u1"));
  EXPECT_EQ(o, RecordOutcome::kAccepted);
  ASSERT_OK_AND_ASSIGN(o, Write("young", 2, "u2"));
  EXPECT_EQ(o, RecordOutcome::kDuplicate);
  ASSERT_OK_AND_ASSIGN(FeatureValue v, Online("u2"));
  EXPECT_EQ(v, young_v);

  // Once every window has passed, a compaction leaves the column family empty.
  clock_.Set(clock_.NowMicros() + 10 * kWindow);
  ASSERT_OK(engine_->CompactAll());
  engine_.reset();
  EXPECT_EQ(StoredEventIds(), std::set<std::string>{});
  Open();
  ASSERT_OK_AND_ASSIGN(o, Write("young", 3, "u2"));
  EXPECT_EQ(o, RecordOutcome::kAccepted);
}

// Expiry is measured from when an id was accepted (ingest_ts), not from its event_ts.
TEST_F(DedupExpiryFilterTest, WindowCountsFromIngestNotEventTime) {
  WriteRecord r;
  r.entity_type = "user";
  r.entity_id = "u1";
  r.feature = "clicks";
  r.value = Value::Int64(1);
  r.event_ts = clock_.NowMicros() - 10 * kWindow;  // a very old event arriving now
  r.event_id = "late";
  ASSERT_OK_AND_ASSIGN(WriteResult result, engine_->Write(std::span(&r, 1)));
  ASSERT_EQ(result.accepted, 1u);
  clock_.Advance(kWindow / 2);
  ASSERT_OK(engine_->CompactAll());
  ASSERT_OK_AND_ASSIGN(result, engine_->Write(std::span(&r, 1)));
  EXPECT_EQ(result.duplicates, 1u);
}

TEST_F(DedupExpiryFilterTest, RepeatedIdInsideOneBatchIsADuplicate) {
  std::vector<WriteRecord> batch(3);
  for (size_t i = 0; i < batch.size(); ++i) {
    batch[i].entity_type = "user";
    batch[i].entity_id = "u1";
    batch[i].feature = "clicks";
    batch[i].value = Value::Int64(static_cast<int64_t>(i));
    batch[i].event_ts = clock_.NowMicros() - kSec + static_cast<int64_t>(i);
    batch[i].event_id = i == 1 ? "other" : "same";
  }
  ASSERT_OK_AND_ASSIGN(WriteResult result, engine_->Write(batch));
  EXPECT_EQ(result.accepted, 2u);
  EXPECT_EQ(result.duplicates, 1u);
  ASSERT_EQ(result.problems.size(), 1u);
  EXPECT_EQ(result.problems[0].index, 2u);
  EXPECT_EQ(result.problems[0].outcome, RecordOutcome::kDuplicate);
}

}  // namespace
}  // namespace asof

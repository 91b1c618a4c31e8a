// Tests of the persisted activity record (engine/internal/activity_record.cc): exact
// bytes, round trip, every malformed input refused, and the merge operator folding
// operands in any grouping to the same result.
#include "engine/internal/activity_record.h"

#include <gtest/gtest.h>

#include <deque>
#include <string>
#include <vector>

namespace asof::internal {
namespace {

FeatureActivity Act(int64_t event_ts, int64_t ingest_ts, uint64_t written) {
  FeatureActivity a;
  a.last_event_ts = event_ts;
  a.last_ingest_ts = ingest_ts;
  a.values_written = written;
  return a;
}

std::string Encoded(const FeatureActivity& a) {
  std::string s;
  EncodeActivity(a, &s);
  return s;
}

TEST(ActivityRecordTest, ExactBytesAndRoundTrip) {
  EXPECT_EQ(Encoded(Act(1, 2, 3)), std::string("\x01\x02\x04\x03", 4));
  EXPECT_EQ(ActivityKey(0x01020304), std::string("act:\x01\x02\x03\x04", 8));
  uint32_t id = 0;
  ASSERT_TRUE(ParseActivityKey(ActivityKey(77), &id));
  EXPECT_EQ(id, 77u);

  const FeatureActivity big = Act(253402300799999999LL, 1'700'000'000'000'000, ~uint64_t{0});
  FeatureActivity back;
  ASSERT_TRUE(DecodeActivity(Encoded(big), &back));
  EXPECT_EQ(back.last_event_ts, big.last_event_ts);
  EXPECT_EQ(back.last_ingest_ts, big.last_ingest_ts);
  EXPECT_EQ(back.values_written, big.values_written);
}

TEST(ActivityRecordTest, MalformedRecordsAreRefused) {
  const std::string good = Encoded(Act(1'700'000'000'000'000, 1'700'000'000'000'001, 300));
  FeatureActivity a;
  for (size_t n = 0; n < good.size(); ++n) {
    EXPECT_FALSE(DecodeActivity(good.substr(0, n), &a)) << "truncated to " << n;
  }
  EXPECT_FALSE(DecodeActivity(good + "x", &a)) << "trailing byte";
  std::string version = good;
  version[0] = 2;
  EXPECT_FALSE(DecodeActivity(version, &a)) << "unknown version";
  EXPECT_FALSE(DecodeActivity(std::string("\x01\xff\xff\xff\xff\xff\xff\xff\xff\xff\xff", 11), &a))
      << "overlong varint";
}

TEST(ActivityRecordTest, MalformedKeysAreRefused) {
  uint32_t id = 0;
  EXPECT_FALSE(ParseActivityKey("act:", &id));
  EXPECT_FALSE(ParseActivityKey(std::string("act:\x01\x02\x03", 7), &id));
  EXPECT_FALSE(ParseActivityKey(std::string("act:\x01\x02\x03\x04\x05", 9), &id));
  EXPECT_FALSE(ParseActivityKey(std::string("bulk:\x01\x02\x03", 8), &id));
  EXPECT_FALSE(ParseActivityKey("ingest_hwm", &id));
}

TEST(ActivityRecordTest, MergeKeepsGreatestTimestampsAndSumsCounts) {
  auto op = NewActivityMergeOperator();
  const std::vector<std::string> operands = {Encoded(Act(50, 10, 2)), Encoded(Act(20, 30, 5)),
                                             Encoded(Act(40, 20, 1))};
  auto full = [&](const std::string* base, const std::vector<std::string>& ops) {
    std::vector<rocksdb::Slice> slices(ops.begin(), ops.end());
    rocksdb::Slice existing = base ? rocksdb::Slice(*base) : rocksdb::Slice();
    rocksdb::MergeOperator::MergeOperationInput in("k", base ? &existing : nullptr, slices,
                                                   nullptr);
    std::string result;
    rocksdb::Slice result_operand;
    rocksdb::MergeOperator::MergeOperationOutput out(result, result_operand);
    EXPECT_TRUE(op->FullMergeV2(in, &out));
    return result;
  };
  const std::string all = full(nullptr, operands);
  FeatureActivity a;
  ASSERT_TRUE(DecodeActivity(all, &a));
  EXPECT_EQ(a.last_event_ts, 50);
  EXPECT_EQ(a.last_ingest_ts, 30);
  EXPECT_EQ(a.values_written, 8u);

  // Partial merge of the last two, then a full merge onto the first as base: same bytes.
  std::string partial;
  ASSERT_TRUE(op->PartialMergeMulti("k", std::deque<rocksdb::Slice>{operands[1], operands[2]},
                                    &partial, nullptr));
  EXPECT_EQ(full(&operands[0], {partial}), all);

  // A corrupt operand fails the merge instead of being skipped.
  std::vector<rocksdb::Slice> bad = {operands[0], rocksdb::Slice("\x09", 1)};
  rocksdb::MergeOperator::MergeOperationInput in("k", nullptr, bad, nullptr);
  std::string result;
  rocksdb::Slice result_operand;
  rocksdb::MergeOperator::MergeOperationOutput out(result, result_operand);
  EXPECT_FALSE(op->FullMergeV2(in, &out));
}

}  // namespace
}  // namespace asof::internal

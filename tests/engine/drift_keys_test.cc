// Tests of the drift monitor's keys and baseline record (engine/internal/drift_keys.cc):
// round trips, key order, and every malformed input refused.
#include "engine/internal/drift_keys.h"

#include <gtest/gtest.h>

#include <string>

#include "tests/util/test_util.h"

namespace asof::internal {
namespace {

TEST(DriftKeysTest, WindowKeysRoundTripAndSortByFeatureThenTime) {
  const std::string a = DriftWindowKey(7, 1'700'000'000'000'000);
  uint32_t feature = 0;
  int64_t start = 0;
  ASSERT_TRUE(ParseDriftWindowKey(a, &feature, &start));
  EXPECT_EQ(feature, 7u);
  EXPECT_EQ(start, 1'700'000'000'000'000);
  EXPECT_LT(DriftWindowKey(7, 5), DriftWindowKey(7, 256));
  EXPECT_LT(DriftWindowKey(7, INT64_MAX), DriftWindowKey(8, 0));
  EXPECT_TRUE(a.starts_with("drift:w:"));
}

TEST(DriftKeysTest, MalformedWindowKeysAreRefused) {
  uint32_t feature = 0;
  int64_t start = 0;
  const std::string good = DriftWindowKey(1, 2);
  for (size_t n = 0; n < good.size(); ++n) {
    EXPECT_FALSE(ParseDriftWindowKey(good.substr(0, n), &feature, &start)) << n;
  }
  EXPECT_FALSE(ParseDriftWindowKey(good + "x", &feature, &start));
  EXPECT_FALSE(ParseDriftWindowKey("drift:b:" + good.substr(8), &feature, &start));
  EXPECT_FALSE(ParseDriftWindowKey(DriftWindowKey(1, -1), &feature, &start));  // sign bit
}

TEST(DriftKeysTest, BaselineKeysParse) {
  BaselineKey key;  // key.id views the parsed key: keep the keys alive while it is read
  const std::string info_key = BaselinePrefix("train-1");
  ASSERT_TRUE(ParseBaselineKey(info_key, &key));
  EXPECT_EQ(key.id, "train-1");
  EXPECT_TRUE(key.is_info);
  const std::string sketch_key = BaselineSketchKey("train-1", 42);
  ASSERT_TRUE(ParseBaselineKey(sketch_key, &key));
  EXPECT_EQ(key.id, "train-1");
  EXPECT_FALSE(key.is_info);
  EXPECT_EQ(key.feature_id, 42u);
  // One id's keys never fall inside another's range, even when one id prefixes the other.
  EXPECT_FALSE(BaselineSketchKey("ab", 1).starts_with(BaselinePrefix("a")));

  EXPECT_FALSE(ParseBaselineKey("drift:b:", &key));
  EXPECT_FALSE(ParseBaselineKey("drift:b:abc", &key));                     // no separator
  EXPECT_FALSE(ParseBaselineKey(std::string("drift:b:\0", 9), &key));      // empty id
  EXPECT_FALSE(ParseBaselineKey(std::string("drift:b:a b\0", 12), &key));  // bad id
  EXPECT_FALSE(ParseBaselineKey(BaselinePrefix("a") + "xyz", &key));       // 3-byte id
  EXPECT_FALSE(ParseBaselineKey(BaselineSketchKey("a", 1) + "x", &key));   // 5 bytes
  EXPECT_FALSE(ParseBaselineKey(DriftWindowKey(1, 1), &key));
}

TEST(DriftKeysTest, BaselineIdValidation) {
  EXPECT_OK(ValidateBaselineId("a"));
  EXPECT_OK(ValidateBaselineId("Train_2024.v1-final"));
  EXPECT_OK(ValidateBaselineId(std::string(64, 'x')));
  EXPECT_EQ(ValidateBaselineId("").code(), ErrorCode::kInvalidArgument);
  EXPECT_EQ(ValidateBaselineId(std::string(65, 'x')).code(), ErrorCode::kInvalidArgument);
  for (char c : std::string("\0 /:@,\xc3", 7)) {
    EXPECT_EQ(ValidateBaselineId(std::string("a") + c).code(), ErrorCode::kInvalidArgument)
        << int(c);
  }
}

BaselineRecord Sample() {
  BaselineRecord r;
  r.origin = "historical";
  r.created_ts = 1'700'000'000'000'000;
  r.updated_ts = -5;
  r.rows = 123456789;
  r.feature_ids = {1, 2, 300, 70000};
  return r;
}

TEST(DriftKeysTest, BaselineRecordRoundTrips) {
  const BaselineRecord r = Sample();
  ASSERT_OK_AND_ASSIGN(BaselineRecord back, DecodeBaselineRecord(EncodeBaselineRecord(r)));
  EXPECT_EQ(back, r);
  ASSERT_OK_AND_ASSIGN(back, DecodeBaselineRecord(EncodeBaselineRecord(BaselineRecord{})));
  EXPECT_EQ(back, BaselineRecord{});
}

TEST(DriftKeysTest, MalformedBaselineRecordsAreRefused) {
  const std::string good = EncodeBaselineRecord(Sample());
  for (size_t n = 0; n < good.size(); ++n) {
    EXPECT_EQ(DecodeBaselineRecord(good.substr(0, n)).status().code(), ErrorCode::kInternal) << n;
  }
  EXPECT_EQ(DecodeBaselineRecord(good + '\0').status().code(), ErrorCode::kInternal);
  std::string bad_version = good;
  bad_version[0] = 2;
  EXPECT_EQ(DecodeBaselineRecord(bad_version).status().code(), ErrorCode::kInternal);

  BaselineRecord unsorted = Sample();
  unsorted.feature_ids = {5, 3};
  EXPECT_EQ(DecodeBaselineRecord(EncodeBaselineRecord(unsorted)).status().code(),
            ErrorCode::kInternal);
  unsorted.feature_ids = {5, 5};
  EXPECT_EQ(DecodeBaselineRecord(EncodeBaselineRecord(unsorted)).status().code(),
            ErrorCode::kInternal);

  // A feature count far beyond the bytes left, and a feature id above 32 bits.
  std::string huge_count = EncodeBaselineRecord(BaselineRecord{});
  huge_count.back() = '\x7f';
  EXPECT_EQ(DecodeBaselineRecord(huge_count).status().code(), ErrorCode::kInternal);
  std::string wide_id = EncodeBaselineRecord(BaselineRecord{});
  wide_id.back() = '\x01';
  wide_id += std::string("\x80\x80\x80\x80\x10", 5);  // 2^32
  EXPECT_EQ(DecodeBaselineRecord(wide_id).status().code(), ErrorCode::kInternal);
}

TEST(DriftKeysTest, CorruptStoredSketchIsInternal) {
  Result<drift::ValueSketch> r = DecodeStoredSketch("\xff garbage", "drift window");
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.status().code(), ErrorCode::kInternal);
  EXPECT_NE(r.status().message().find("drift window"), std::string::npos);
}

}  // namespace
}  // namespace asof::internal

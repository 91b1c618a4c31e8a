// Tests of the served-log row codec (engine/internal/served_row_codec.h): keys order by
// (request_ts, seq), rows round-trip exactly, and every corrupt or truncated value is
// kInternal without reading past the input.
#include "engine/internal/served_row_codec.h"

#include <gtest/gtest.h>

#include <cstdint>
#include <string>

#include "tests/util/test_util.h"

namespace asof::internal {
namespace {

ServedRow Sample() {
  ServedRow row;
  row.entity_type = "user";
  row.entity_id = "u-1";
  row.features = {"age@1", "tags@2", "gone@1", "old@3"};
  FeatureValue present{ValueStatus::kPresent, Value::Int64(-7), 100, 101, false};
  FeatureValue list{ValueStatus::kPresent, Value::StringList({"a", ""}), 5, 6, false};
  FeatureValue missing{ValueStatus::kNotFound, Value(), 0, 0, false};
  FeatureValue stale{ValueStatus::kOutsideMaxAge, Value::Double(1.5), 1, 2, true};
  row.values = {present, list, missing, stale};
  return row;
}

TEST(ServedRowCodecTest, RowRoundTrips) {
  const ServedRow row = Sample();
  std::string bytes;
  EncodeServedRow(row, &bytes);
  ServedRow got;
  got.features = {"leftover"};
  ASSERT_OK(DecodeServedRow(bytes, &got));
  EXPECT_EQ(got.entity_type, row.entity_type);
  EXPECT_EQ(got.entity_id, row.entity_id);
  EXPECT_EQ(got.features, row.features);
  EXPECT_EQ(got.values, row.values);
}

TEST(ServedRowCodecTest, EmptyRowRoundTrips) {
  ServedRow row;
  std::string bytes;
  EncodeServedRow(row, &bytes);
  ServedRow got;
  ASSERT_OK(DecodeServedRow(bytes, &got));
  EXPECT_TRUE(got.features.empty());
  EXPECT_TRUE(got.entity_id.empty());
}

TEST(ServedRowCodecTest, EveryTruncationIsCorrupt) {
  std::string bytes;
  EncodeServedRow(Sample(), &bytes);
  for (size_t n = 0; n < bytes.size(); ++n) {
    const std::string prefix = bytes.substr(0, n);  // own buffer for ASan
    ServedRow got;
    Status s = DecodeServedRow(prefix, &got);
    ASSERT_FALSE(s.ok()) << n;
    EXPECT_EQ(s.code(), ErrorCode::kInternal);
  }
}

TEST(ServedRowCodecTest, CorruptFieldsAreRejected) {
  std::string bytes;
  EncodeServedRow(Sample(), &bytes);
  ServedRow got;
  EXPECT_FALSE(DecodeServedRow(bytes + "x", &got).ok()) << "trailing bytes";
  std::string bad_version = bytes;
  bad_version[0] = 2;
  EXPECT_FALSE(DecodeServedRow(bad_version, &got).ok());
  // Header: version, "user" (1+4), "u-1" (1+3), count; then "age@1" (1+5) and the status.
  const size_t status_at = 1 + 5 + 4 + 1 + 6;
  std::string bad_status = bytes;
  bad_status[status_at] = 4;
  EXPECT_FALSE(DecodeServedRow(bad_status, &got).ok());
  std::string bad_flag = bytes;
  bad_flag[status_at + 1] = 2;
  EXPECT_FALSE(DecodeServedRow(bad_flag, &got).ok());
  std::string huge_count = bytes;
  huge_count[1 + 5 + 4] = 0x7f;
  EXPECT_FALSE(DecodeServedRow(huge_count, &got).ok());
}

TEST(ServedRowCodecTest, KeysOrderByTimeThenSeq) {
  EXPECT_LT(ServedRowKey(1, 5), ServedRowKey(2, 0));
  EXPECT_LT(ServedRowKey(2, 0), ServedRowKey(2, 1));
  EXPECT_LT(ServedRowKey(255, UINT64_MAX), ServedRowKey(256, 0));
  EXPECT_EQ(ServedRowKey(-5, 0), ServedRowKey(0, 0));
  int64_t ts;
  uint64_t seq;
  ASSERT_TRUE(ParseServedRowKey(ServedRowKey(1700000000000000, 42), &ts, &seq));
  EXPECT_EQ(ts, 1700000000000000);
  EXPECT_EQ(seq, 42u);
  EXPECT_FALSE(ParseServedRowKey("slog:short", &ts, &seq));
  EXPECT_FALSE(ParseServedRowKey("act:" + std::string(17, '\0'), &ts, &seq));
  std::string negative = ServedRowKey(0, 0);
  negative[5] = static_cast<char>(0x80);
  EXPECT_FALSE(ParseServedRowKey(negative, &ts, &seq));
}

}  // namespace
}  // namespace asof::internal

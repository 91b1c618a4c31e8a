#include "engine/internal/dead_letter_codec.h"

#include <gtest/gtest.h>

#include <cstdint>
#include <limits>
#include <random>
#include <string>
#include <vector>

#include "tests/util/test_util.h"

namespace asof::internal {
namespace {

std::string Encode(const WriteRecord& record, const Status& reason) {
  std::string out = "prefix:";  // EncodeDeadLetter appends
  EncodeDeadLetter(record, reason, &out);
  return out.substr(7);
}

void ExpectRoundTrip(const WriteRecord& record, const Status& reason) {
  const std::string bytes = Encode(record, reason);
  WriteRecord got;
  got.entity_id = "garbage that must be overwritten";
  got.event_ts = 99;
  Status got_reason;
  ASSERT_OK(DecodeDeadLetter(bytes, &got, &got_reason));
  EXPECT_EQ(got, record) << record.value.DebugString();
  EXPECT_EQ(got.event_ts.has_value(), record.event_ts.has_value());
  EXPECT_EQ(got_reason, reason);
}

void ExpectCorrupt(std::string_view bytes, std::string_view why) {
  const std::string copy(bytes);  // own buffer, so ASan catches reads past the end
  WriteRecord record;
  Status reason;
  Status s = DecodeDeadLetter(copy, &record, &reason);
  ASSERT_FALSE(s.ok()) << why;
  EXPECT_EQ(s.code(), ErrorCode::kInternal) << why << ": " << s.ToString();
}

WriteRecord SampleRecord() {
  WriteRecord r;
  r.entity_type = "user";
  r.entity_id = "u-42";
  r.feature = "score@3";
  r.value = Value::StringList({"a", "", "ccc"});
  r.event_ts = 1700000000000000;
  r.event_id = "evt-0001";
  return r;
}

std::vector<Value> EveryValueType() {
  return {Value::Null(),
          Value::Bool(false),
          Value::Bool(true),
          Value::Int32(std::numeric_limits<int32_t>::min()),
          Value::Int64(std::numeric_limits<int64_t>::max()),
          Value::Float(-1.5f),
          Value::Double(std::numeric_limits<double>::quiet_NaN()),
          Value::String(""),
          Value::String("héllo"),
          Value::Bytes(std::string("\0\x01\xff", 3)),
          Value::Timestamp(-1),
          Value::FloatList({}),
          Value::FloatList({1.0f, -0.0f}),
          Value::DoubleList({1e300, -2}),
          Value::Int64List({std::numeric_limits<int64_t>::min(), 0}),
          Value::StringList({}),
          Value::StringList({"", "x"})};
}

TEST(DeadLetterCodecTest, RoundTripsEveryValueType) {
  for (const Value& v : EveryValueType()) {
    WriteRecord r = SampleRecord();
    r.value = v;
    ExpectRoundTrip(r, Unprocessable("feature 'score': wrong type"));
  }
}

TEST(DeadLetterCodecTest, RoundTripsMissingAndEdgeEventTs) {
  WriteRecord r = SampleRecord();
  r.event_ts.reset();
  ExpectRoundTrip(r, Unprocessable("event_ts is missing"));
  // Zero is present, not missing.
  r.event_ts = 0;
  ExpectRoundTrip(r, Status::Ok());
  // Rejected records are often rejected for their timestamp, so any value must survive.
  for (int64_t ts : {int64_t{-1}, std::numeric_limits<int64_t>::min(),
                     std::numeric_limits<int64_t>::max(), kMaxEventTs + 1}) {
    r.event_ts = ts;
    ExpectRoundTrip(r, Unprocessable("event_ts " + std::to_string(ts) + " is out of range"));
  }
}

TEST(DeadLetterCodecTest, RoundTripsEmptyStrings) {
  WriteRecord empty;  // every string empty, null value, no event_ts
  ExpectRoundTrip(empty, Status(ErrorCode::kUnprocessable, ""));
  ExpectRoundTrip(empty, Status::Ok());
}

TEST(DeadLetterCodecTest, RoundTripsEveryReasonCode) {
  for (uint8_t c = 0; c <= static_cast<uint8_t>(ErrorCode::kInternal); ++c) {
    const auto code = static_cast<ErrorCode>(c);
    ExpectRoundTrip(SampleRecord(), code == ErrorCode::kOk
                                        ? Status::Ok()
                                        : Status(code, "reason " + std::to_string(c)));
  }
}

TEST(DeadLetterCodecTest, RoundTripsBinaryAndLongFields) {
  WriteRecord r = SampleRecord();
  r.entity_type = std::string("t\0y", 3);
  r.entity_id = std::string(100000, '\xff');  // over-long ids are a reason to reject
  r.feature = std::string("\0", 1);
  r.event_id = std::string(300, 'e');
  r.value = Value::Bytes(std::string(70000, '\0'));
  ExpectRoundTrip(r, Unprocessable(std::string(1000, 'm')));
}

TEST(DeadLetterCodecTest, EveryTruncationIsInternal) {
  for (const Value& v : EveryValueType()) {
    WriteRecord r = SampleRecord();
    r.value = v;
    const std::string bytes = Encode(r, Unprocessable("why"));
    for (size_t n = 0; n < bytes.size(); ++n) {
      ExpectCorrupt(std::string_view(bytes).substr(0, n),
                    "prefix of " + std::to_string(n) + " bytes, value " + v.DebugString());
    }
  }
}

TEST(DeadLetterCodecTest, CorruptHeaderIsInternal) {
  const std::string bytes = Encode(SampleRecord(), Unprocessable("why"));
  ExpectCorrupt("", "empty");
  std::string bad_version = bytes;
  bad_version[0] = 2;
  ExpectCorrupt(bad_version, "unknown format version");
  bad_version[0] = 0;
  ExpectCorrupt(bad_version, "format version 0");
  std::string bad_code = bytes;
  bad_code[1] = static_cast<char>(static_cast<uint8_t>(ErrorCode::kInternal) + 1);
  ExpectCorrupt(bad_code, "unknown error code");
  bad_code[1] = '\xff';
  ExpectCorrupt(bad_code, "error code 255");
  std::string bad_length = bytes;
  bad_length[2] = '\x7f';  // reason length far beyond the input
  ExpectCorrupt(bad_length, "reason length");
  std::string bad_tag = bytes;
  // The value is the STRING_LIST at the end, 9 bytes from its tag on:
  // tag, count 3, "a" (2), "" (1), "ccc" (4).
  bad_tag[bad_tag.size() - 9] = 13;
  ExpectCorrupt(bad_tag, "unknown value tag");
}

// Bytes after the value are not part of any valid encoding; a decoder that ignores them
// would accept a record whose value was cut or shifted by corruption.
TEST(DeadLetterCodecTest, TrailingBytesAreInternal) {
  const std::string bytes = Encode(SampleRecord(), Unprocessable("why"));
  ExpectCorrupt(bytes + '\0', "one trailing NUL byte");
  ExpectCorrupt(bytes + bytes, "two records back to back");
}

// The event_ts presence flag is 0 or 1, like the registry codec's flag bytes
// (engine/doc/formats.md); any other byte means the record is damaged.
TEST(DeadLetterCodecTest, FlagByteOtherThanZeroOrOneIsInternal) {
  WriteRecord without_ts = SampleRecord();
  without_ts.event_ts.reset();
  WriteRecord zero_ts = SampleRecord();
  zero_ts.event_ts = 0;
  const std::string a = Encode(without_ts, Unprocessable("why"));
  const std::string b = Encode(zero_ts, Unprocessable("why"));
  ASSERT_EQ(a.size(), b.size());
  size_t flag = 0;
  while (flag < a.size() && a[flag] == b[flag]) ++flag;
  ASSERT_LT(flag, a.size());
  ASSERT_EQ(a.compare(flag + 1, std::string::npos, b, flag + 1), 0) << "differ only in the flag";
  ASSERT_EQ(b[flag], 1);
  for (char bad : {'\x02', '\x80', '\xff'}) {
    std::string corrupt = b;
    corrupt[flag] = bad;
    ExpectCorrupt(corrupt, "event_ts flag " + std::to_string(static_cast<uint8_t>(bad)));
  }
}

TEST(DeadLetterCodecTest, RandomCorruptionNeverCrashes) {
  std::mt19937_64 rng(asof::testing::TestSeed());
  const std::vector<Value> values = EveryValueType();
  int failures = 0;
  for (int i = 0; i < 20000; ++i) {
    WriteRecord r = SampleRecord();
    r.value = values[rng() % values.size()];
    std::string bytes = Encode(r, Unprocessable("reason"));
    const int flips = 1 + static_cast<int>(rng() % 3);
    for (int k = 0; k < flips; ++k) bytes[rng() % bytes.size()] = static_cast<char>(rng());
    if (rng() % 3 == 0) bytes.resize(rng() % bytes.size());
    WriteRecord got;
    Status reason;
    Status s = DecodeDeadLetter(bytes, &got, &reason);
    if (!s.ok()) {
      ++failures;
      ASSERT_EQ(s.code(), ErrorCode::kInternal) << s.ToString();
    }
  }
  EXPECT_GT(failures, 0);
  // Pure noise.
  for (int i = 0; i < 5000; ++i) {
    std::string bytes(rng() % 64, '\0');
    for (char& c : bytes) c = static_cast<char>(rng());
    WriteRecord got;
    Status reason;
    Status s = DecodeDeadLetter(bytes, &got, &reason);
    if (!s.ok()) {
      ASSERT_EQ(s.code(), ErrorCode::kInternal) << s.ToString();
    }
  }
}

}  // namespace
}  // namespace asof::internal

#include "engine/internal/serve_value.h"

#include <gtest/gtest.h>

#include <cstdint>
#include <limits>
#include <string>

#include "engine/internal/value_codec.h"
#include "tests/util/test_util.h"

namespace asof::internal {
namespace {

constexpr int64_t kSec = 1000000;

Feature MakeFeature(int64_t ttl_us, std::optional<Value> default_value = std::nullopt) {
  Feature f;
  f.id = 7;
  f.spec.name = "score";
  f.spec.entity = "user";
  f.spec.value_type = ValueType::kDouble;
  f.spec.ttl_us = ttl_us;
  f.spec.default_value = std::move(default_value);
  return f;
}

// A stored version that owns its encoded bytes.
struct Stored {
  Stored(int64_t event_ts, int64_t ingest_ts, const Value& v) {
    EncodeValue(v, &bytes);
    version = {event_ts, ingest_ts, bytes};
  }
  Stored(const Stored&) = delete;  // `version` points into `bytes`
  Stored& operator=(const Stored&) = delete;
  std::string bytes;
  StoredVersion version;
};

TEST(ServeVersionTest, NotFoundWithoutDefault) {
  ASSERT_OK_AND_ASSIGN(FeatureValue v, ServeVersion(MakeFeature(10 * kSec), nullptr, 100 * kSec));
  EXPECT_EQ(v.status, ValueStatus::kNotFound);
  EXPECT_TRUE(v.value.is_null());
  EXPECT_EQ(v.event_ts, 0);
  EXPECT_EQ(v.ingest_ts, 0);
  EXPECT_FALSE(v.default_used);
}

TEST(ServeVersionTest, NotFoundSubstitutesDefault) {
  ASSERT_OK_AND_ASSIGN(FeatureValue v,
                       ServeVersion(MakeFeature(0, Value::Double(-1)), nullptr, 100 * kSec));
  EXPECT_EQ(v.status, ValueStatus::kNotFound);  // the status is kept
  EXPECT_EQ(v.value, Value::Double(-1));
  EXPECT_TRUE(v.default_used);
  EXPECT_EQ(v.event_ts, 0);
  EXPECT_EQ(v.ingest_ts, 0);
}

TEST(ServeVersionTest, Present) {
  Stored s(90 * kSec, 95 * kSec, Value::Double(2.5));
  ASSERT_OK_AND_ASSIGN(FeatureValue v, ServeVersion(MakeFeature(10 * kSec, Value::Double(-1)),
                                                    &s.version, 100 * kSec));
  EXPECT_EQ(v.status, ValueStatus::kPresent);
  EXPECT_EQ(v.value, Value::Double(2.5));
  EXPECT_EQ(v.event_ts, 90 * kSec);
  EXPECT_EQ(v.ingest_ts, 95 * kSec);
  EXPECT_FALSE(v.default_used);
}

TEST(ServeVersionTest, ExplicitNullIsNullValueAndNeverDefaulted) {
  Stored s(90 * kSec, 91 * kSec, Value::Null());
  for (const Feature& f : {MakeFeature(10 * kSec), MakeFeature(10 * kSec, Value::Double(-1))}) {
    ASSERT_OK_AND_ASSIGN(FeatureValue v, ServeVersion(f, &s.version, 100 * kSec));
    EXPECT_EQ(v.status, ValueStatus::kNullValue);
    EXPECT_TRUE(v.value.is_null());
    EXPECT_FALSE(v.default_used);
    EXPECT_EQ(v.event_ts, 90 * kSec);
    EXPECT_EQ(v.ingest_ts, 91 * kSec);
  }
}

// The window [T - ttl, T] is inclusive at both ends.
TEST(ServeVersionTest, TtlWindowIsInclusive) {
  const int64_t t = 1000 * kSec, ttl = 60 * kSec;
  const Feature f = MakeFeature(ttl);

  Stored at_edge(t - ttl, t - ttl, Value::Double(1));
  ASSERT_OK_AND_ASSIGN(FeatureValue v, ServeVersion(f, &at_edge.version, t));
  EXPECT_EQ(v.status, ValueStatus::kPresent) << "event_ts == T - ttl is still inside";
  EXPECT_EQ(v.value, Value::Double(1));

  Stored at_t(t, t, Value::Double(3));
  ASSERT_OK_AND_ASSIGN(v, ServeVersion(f, &at_t.version, t));
  EXPECT_EQ(v.status, ValueStatus::kPresent);

  Stored just_outside(t - ttl - 1, t - 5, Value::Double(2));
  ASSERT_OK_AND_ASSIGN(v, ServeVersion(f, &just_outside.version, t));
  EXPECT_EQ(v.status, ValueStatus::kOutsideMaxAge);
  EXPECT_TRUE(v.value.is_null()) << "a value outside max age is withheld";
  EXPECT_FALSE(v.default_used);
  // The stored version's timestamps are still reported.
  EXPECT_EQ(v.event_ts, t - ttl - 1);
  EXPECT_EQ(v.ingest_ts, t - 5);
}

TEST(ServeVersionTest, OutsideMaxAgeSubstitutesDefault) {
  const int64_t t = 1000 * kSec, ttl = 60 * kSec;
  Stored old(t - ttl - 1, t - ttl - 1, Value::Double(2));
  ASSERT_OK_AND_ASSIGN(FeatureValue v,
                       ServeVersion(MakeFeature(ttl, Value::Double(-1)), &old.version, t));
  EXPECT_EQ(v.status, ValueStatus::kOutsideMaxAge);
  EXPECT_EQ(v.value, Value::Double(-1));
  EXPECT_TRUE(v.default_used);
  EXPECT_EQ(v.event_ts, t - ttl - 1);

  // An explicit null that is too old is also withheld (and defaulted).
  Stored old_null(t - ttl - 1, t - ttl - 1, Value::Null());
  ASSERT_OK_AND_ASSIGN(v, ServeVersion(MakeFeature(ttl, Value::Double(-1)), &old_null.version, t));
  EXPECT_EQ(v.status, ValueStatus::kOutsideMaxAge);
  EXPECT_TRUE(v.default_used);
}

TEST(ServeVersionTest, TtlZeroNeverExpires) {
  Stored ancient(0, 0, Value::Double(4));
  for (int64_t t : {int64_t{0}, 1000 * kSec, kMaxEventTs}) {
    ASSERT_OK_AND_ASSIGN(FeatureValue v,
                         ServeVersion(MakeFeature(0, Value::Double(-1)), &ancient.version, t));
    EXPECT_EQ(v.status, ValueStatus::kPresent) << "T=" << t;
    EXPECT_EQ(v.value, Value::Double(4));
    EXPECT_FALSE(v.default_used);
  }
}

TEST(ServeVersionTest, HugeTtlDoesNotOverflow) {
  Stored ancient(0, 0, Value::Double(4));
  const Feature f = MakeFeature(std::numeric_limits<int64_t>::max());
  for (int64_t t : {int64_t{0}, kMaxEventTs}) {
    ASSERT_OK_AND_ASSIGN(FeatureValue v, ServeVersion(f, &ancient.version, t));
    EXPECT_EQ(v.status, ValueStatus::kPresent) << "T=" << t;
  }
}

TEST(ServeVersionTest, CorruptStoredValueIsInternal) {
  const std::string bad = "\x05\x01";  // DOUBLE with 1 of 8 bytes
  StoredVersion version{90 * kSec, 90 * kSec, bad};
  Result<FeatureValue> v = ServeVersion(MakeFeature(10 * kSec), &version, 100 * kSec);
  ASSERT_FALSE(v.ok());
  EXPECT_EQ(v.status().code(), ErrorCode::kInternal);

  StoredVersion empty{90 * kSec, 90 * kSec, std::string_view()};
  v = ServeVersion(MakeFeature(10 * kSec), &empty, 100 * kSec);
  ASSERT_FALSE(v.ok());
  EXPECT_EQ(v.status().code(), ErrorCode::kInternal);
}

TEST(ServeVersionTest, EveryValueTypeIsServedAsStored) {
  const Value values[] = {Value::Bool(true),
                          Value::Int32(-5),
                          Value::Int64(1LL << 40),
                          Value::Float(1.25f),
                          Value::Double(-0.0),
                          Value::String(""),
                          Value::Bytes(std::string("\0\xff", 2)),
                          Value::Timestamp(123),
                          Value::FloatList({1, 2}),
                          Value::DoubleList({}),
                          Value::Int64List({-1, 0, 1}),
                          Value::StringList({"a", ""})};
  for (const Value& value : values) {
    Stored s(5, 6, value);
    Feature f = MakeFeature(0);
    f.spec.value_type = value.type();
    ASSERT_OK_AND_ASSIGN(FeatureValue v, ServeVersion(f, &s.version, 10));
    EXPECT_EQ(v.status, ValueStatus::kPresent);
    EXPECT_EQ(v.value, value) << value.DebugString();
  }
}

// ServeVersionInto overwrites every field of a FeatureValue left over from another feature.
TEST(ServeVersionTest, ServeVersionIntoAgreesWithServeVersion) {
  Stored fresh(95 * kSec, 96 * kSec, Value::Double(2.5));
  Stored stale(10 * kSec, 11 * kSec, Value::Double(1.5));
  Stored null(95 * kSec, 96 * kSec, Value::Null());
  const std::string bad = "\x05\x01";
  const StoredVersion corrupt{95 * kSec, 95 * kSec, bad};
  const StoredVersion* versions[] = {nullptr, &fresh.version, &stale.version, &null.version,
                                     &corrupt};
  for (const std::optional<Value>& def :
       {std::optional<Value>(), std::optional(Value::Double(7))}) {
    const Feature f = MakeFeature(10 * kSec, def);
    for (const StoredVersion* version : versions) {
      Result<FeatureValue> expected = ServeVersion(f, version, 100 * kSec);
      FeatureValue got;
      got.status = ValueStatus::kPresent;
      got.value = Value::String("left over");
      got.event_ts = 1;
      got.ingest_ts = 2;
      got.default_used = true;
      Status status = ServeVersionInto(f, version, 100 * kSec, &got);
      ASSERT_EQ(status.ok(), expected.ok());
      if (expected.ok()) {
        EXPECT_EQ(got, *expected);
      } else {
        EXPECT_EQ(status, expected.status());
      }
    }
  }
}

}  // namespace
}  // namespace asof::internal

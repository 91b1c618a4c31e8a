#include "server/api_json.h"

#include <gtest/gtest.h>

#include <boost/json/parse.hpp>
#include <boost/json/serialize.hpp>
#include <cmath>
#include <limits>

#include "tests/util/test_util.h"

namespace asof::server {
namespace {

namespace json = boost::json;

constexpr int64_t kSecond = 1000000;

json::value J(std::string_view text) { return json::parse(text); }

template <typename T>
ErrorCode CodeOf(const Result<T>& r) {
  return r.status().code();
}

// ----- JSON bodies -----

TEST(ParseJsonBodyTest, AcceptsAWholeDocument) {
  ASSERT_OK_AND_ASSIGN(json::value v, ParseJsonBody(R"( {"a": [1, 2]} )"));
  EXPECT_EQ(v.at("a").as_array().size(), 2u);
}

TEST(ParseJsonBodyTest, RejectsMalformedWithPosition) {
  for (std::string_view bad : {"", "{", "{\"a\":}", "[1,]", "{} {}", "nul", "\"\xff\"", "01"}) {
    Result<json::value> v = ParseJsonBody(bad);
    ASSERT_FALSE(v.ok()) << bad;
    EXPECT_EQ(v.status().code(), ErrorCode::kInvalidArgument) << bad;
  }
  Result<json::value> v = ParseJsonBody("{\"a\": 1,, }");
  EXPECT_NE(v.status().message().find("at byte 8"), std::string::npos) << v.status().message();
}

// ----- durations -----

TEST(DurationTest, ParsesEveryUnit) {
  const std::pair<std::string_view, int64_t> kTable[] = {
      {"0s", 0},
      {"1500ms", 1500000},
      {"90s", 90 * kSecond},
      {"5m", 300 * kSecond},
      {"1h", 3600 * kSecond},
      {"30d", 30LL * 86400 * kSecond},
      {"7us", 7},
  };
  for (auto [text, micros] : kTable) {
    ASSERT_OK_AND_ASSIGN(int64_t got, ParseDuration(text));
    EXPECT_EQ(got, micros) << text;
  }
}

TEST(DurationTest, RejectsGarbage) {
  for (std::string_view bad : {"", "5", "5x", "-1h", "+1h", "1.5h", "h", " 1h", "1h ", "1H",
                               "99999999999d", "99999999999999999999s", "1h30m"}) {
    Result<int64_t> d = ParseDuration(bad);
    ASSERT_FALSE(d.ok()) << bad;
    EXPECT_EQ(d.status().code(), ErrorCode::kUnprocessable) << bad;
  }
}

TEST(DurationTest, FormatsTheLargestExactUnitAndReadsBack) {
  EXPECT_EQ(FormatDuration(30LL * 86400 * kSecond), "30d");
  EXPECT_EQ(FormatDuration(3600 * kSecond), "1h");
  EXPECT_EQ(FormatDuration(90 * kSecond), "90s");
  EXPECT_EQ(FormatDuration(1500000), "1500ms");
  EXPECT_EQ(FormatDuration(0), "0s");
  for (int64_t micros : {int64_t{1}, int64_t{1001}, 25 * 3600 * kSecond, int64_t{123456789}}) {
    ASSERT_OK_AND_ASSIGN(int64_t back, ParseDuration(FormatDuration(micros)));
    EXPECT_EQ(back, micros);
  }
}

// ----- timestamps -----

TEST(TimestampTest, ParsesRfc3339) {
  const std::pair<std::string_view, int64_t> kTable[] = {
      {"1970-01-01T00:00:00Z", 0},
      {"2026-03-01T10:00:00Z", 1772359200 * kSecond},
      {"2026-03-01T12:00:00+02:00", 1772359200 * kSecond},
      {"2026-03-01T09:30:00-00:30", 1772359200 * kSecond},
      {"2026-03-01t10:00:00z", 1772359200 * kSecond},
      {"2026-03-01T10:00:00.5Z", 1772359200 * kSecond + 500000},
      {"2026-03-01T10:00:00.000001Z", 1772359200 * kSecond + 1},
      {"2024-02-29T00:00:00Z", 1709164800 * kSecond},
      {"1969-12-31T23:59:59Z", -kSecond},
      {"9999-12-31T23:59:59.999999Z", 253402300799999999LL},
  };
  for (auto [text, micros] : kTable) {
    ASSERT_OK_AND_ASSIGN(int64_t got, ParseTimestamp(text));
    EXPECT_EQ(got, micros) << text;
  }
}

TEST(TimestampTest, RejectsGarbage) {
  for (std::string_view bad : {"",
                               "2026-13-01T00:00:00Z",
                               "2026-00-01T00:00:00Z",
                               "2026-02-30T00:00:00Z",
                               "2025-02-29T00:00:00Z",
                               "2026-04-31T00:00:00Z",
                               "2026-03-01T24:00:00Z",
                               "2026-03-01T10:60:00Z",
                               "2026-03-01T10:00:60Z",
                               "2026-03-01T10:00:00",
                               "2026-03-01T10:00:00Zjunk",
                               "2026-03-01T10:00:00Z ",
                               "2026-03-01 10:00:00Z",
                               "2026-03-01",
                               "26-03-01T10:00:00Z",
                               "2026-3-1T10:00:00Z",
                               "2026-03-01T10:00:00.Z",
                               "2026-03-01T10:00:00.1234567Z",
                               "2026-03-01T10:00:00+2:00",
                               "2026-03-01T10:00:00+24:00",
                               "2026-03-01T10:00:00+02",
                               "1772359200",
                               "now"}) {
    Result<int64_t> ts = ParseTimestamp(bad);
    ASSERT_FALSE(ts.ok()) << bad;
    EXPECT_EQ(ts.status().code(), ErrorCode::kUnprocessable) << bad;
  }
}

TEST(TimestampTest, FormatsUtcAndReadsBack) {
  EXPECT_EQ(FormatTimestamp(1772359200 * kSecond), "2026-03-01T10:00:00Z");
  EXPECT_EQ(FormatTimestamp(1772359200 * kSecond + 500000), "2026-03-01T10:00:00.500000Z");
  EXPECT_EQ(FormatTimestamp(0), "1970-01-01T00:00:00Z");
  EXPECT_EQ(FormatTimestamp(-1), "1969-12-31T23:59:59.999999Z");
  std::mt19937_64 rng(testing::TestSeed());
  std::uniform_int_distribution<int64_t> dist(-62167219200LL * kSecond, 253402300799999999LL);
  for (int i = 0; i < 10000; ++i) {
    const int64_t micros = dist(rng);
    ASSERT_OK_AND_ASSIGN(int64_t back, ParseTimestamp(FormatTimestamp(micros)));
    ASSERT_EQ(back, micros) << FormatTimestamp(micros);
  }
}

TEST(TimestampTest, FromJsonTakesStringsAndEpochMicros) {
  ASSERT_OK_AND_ASSIGN(int64_t a, TimestampFromJson(J("\"2026-03-01T10:00:00Z\""), "ts"));
  ASSERT_OK_AND_ASSIGN(int64_t b, TimestampFromJson(J("1772359200000000"), "ts"));
  EXPECT_EQ(a, b);
  EXPECT_EQ(CodeOf(TimestampFromJson(J("true"), "ts")), ErrorCode::kInvalidArgument);
  EXPECT_EQ(CodeOf(TimestampFromJson(J("1.5"), "ts")), ErrorCode::kInvalidArgument);
  EXPECT_EQ(CodeOf(TimestampFromJson(J("18446744073709551615"), "ts")), ErrorCode::kUnprocessable);
  Result<int64_t> bad = TimestampFromJson(J("\"2026-02-30T00:00:00Z\""), "rows[3].timestamp");
  EXPECT_EQ(bad.status().code(), ErrorCode::kUnprocessable);
  EXPECT_EQ(bad.status().message().rfind("rows[3].timestamp: ", 0), 0u) << bad.status().message();
}

// ----- value types -----

TEST(ValueTypeTest, NamesCaseInsensitiveAndFloatIsF32) {
  ASSERT_OK_AND_ASSIGN(ValueType t, ValueTypeFromJson(J("\"FLOAT\""), "value_type"));
  EXPECT_EQ(t, ValueType::kFloat);
  ASSERT_OK_AND_ASSIGN(t, ValueTypeFromJson(J("\"double\""), "value_type"));
  EXPECT_EQ(t, ValueType::kDouble);
  ASSERT_OK_AND_ASSIGN(t, ValueTypeFromJson(J("\"String_List\""), "value_type"));
  EXPECT_EQ(t, ValueType::kStringList);
  EXPECT_EQ(CodeOf(ValueTypeFromJson(J("\"DECIMAL\""), "value_type")), ErrorCode::kUnprocessable);
  EXPECT_EQ(CodeOf(ValueTypeFromJson(J("\"NULL\""), "value_type")), ErrorCode::kUnprocessable);
  EXPECT_EQ(CodeOf(ValueTypeFromJson(J("\"\""), "value_type")), ErrorCode::kUnprocessable);
  EXPECT_EQ(CodeOf(ValueTypeFromJson(J("5"), "value_type")), ErrorCode::kInvalidArgument);
}

// ----- values -----

void ExpectRoundTrip(const Value& value) {
  json::value j = ValueToJson(value);
  // Through text, as a client sees it.
  json::value reparsed = json::parse(json::serialize(j));
  ASSERT_OK_AND_ASSIGN(Value back, ValueFromJson(reparsed, value.type(), "value"));
  EXPECT_EQ(back, value) << value.DebugString() << " -> " << json::serialize(j);
}

TEST(ValueJsonTest, EveryTypeRoundTrips) {
  const float kNaNf = std::numeric_limits<float>::quiet_NaN();
  const double kInf = std::numeric_limits<double>::infinity();
  const Value kValues[] = {
      Value::Bool(true),
      Value::Bool(false),
      Value::Int32(std::numeric_limits<int32_t>::min()),
      Value::Int32(std::numeric_limits<int32_t>::max()),
      Value::Int64(std::numeric_limits<int64_t>::min()),
      Value::Int64(std::numeric_limits<int64_t>::max()),
      Value::Float(0.1f),
      Value::Float(std::numeric_limits<float>::max()),
      Value::Float(std::numeric_limits<float>::denorm_min()),
      Value::Float(kNaNf),
      Value::Double(0.1),
      Value::Double(-0.0),
      Value::Double(kInf),
      Value::Double(-kInf),
      Value::Double(std::numeric_limits<double>::max()),
      Value::String(""),
      Value::String("h\xC3\xA9llo \"quoted\"\n"),
      Value::Bytes(""),
      Value::Bytes("a"),
      Value::Bytes("ab"),
      Value::Bytes("abc"),
      Value::Bytes(std::string("\0\xff\x80 raw", 7)),
      Value::Timestamp(1772359200 * kSecond + 123456),
      Value::Timestamp(-1),
      Value::Timestamp(std::numeric_limits<int64_t>::max()),
      Value::Timestamp(std::numeric_limits<int64_t>::min()),
      Value::FloatList({}),
      Value::FloatList({0.5f, -1e-3f, 3.4e38f}),
      Value::DoubleList({1.0, 1e-300, kInf}),
      Value::Int64List({std::numeric_limits<int64_t>::min(), 0, 1}),
      Value::StringList({"a", "", "\xE2\x82\xAC"}),
  };
  for (const Value& v : kValues) ExpectRoundTrip(v);
}

TEST(ValueJsonTest, Shapes) {
  EXPECT_EQ(json::serialize(ValueToJson(Value::Float(0.1f))), "1E-1");
  EXPECT_EQ(ValueToJson(Value::Bytes("abc")).as_string(), "YWJj");
  EXPECT_EQ(ValueToJson(Value::Timestamp(1772359200 * kSecond)).as_string(),
            "2026-03-01T10:00:00Z");
  EXPECT_TRUE(ValueToJson(Value::Null()).is_null());
  EXPECT_EQ(ValueToJson(Value::Double(std::nan(""))).as_string(), "NaN");
}

TEST(ValueJsonTest, AcceptedSpellings) {
  ASSERT_OK_AND_ASSIGN(Value v,
                       ValueFromJson(J("\"-9223372036854775808\""), ValueType::kInt64, "v"));
  EXPECT_EQ(v, Value::Int64(std::numeric_limits<int64_t>::min()));
  ASSERT_OK_AND_ASSIGN(v, ValueFromJson(J("[1, \"2\"]"), ValueType::kInt64List, "v"));
  EXPECT_EQ(v, Value::Int64List({1, 2}));
  ASSERT_OK_AND_ASSIGN(v, ValueFromJson(J("3"), ValueType::kDouble, "v"));
  EXPECT_EQ(v, Value::Double(3.0));
  ASSERT_OK_AND_ASSIGN(v, ValueFromJson(J("1772359200000000"), ValueType::kTimestamp, "v"));
  EXPECT_EQ(v, Value::Timestamp(1772359200 * kSecond));
  ASSERT_OK_AND_ASSIGN(
      v, ValueFromJson(J("\"2026-03-01T12:00:00+02:00\""), ValueType::kTimestamp, "v"));
  EXPECT_EQ(v, Value::Timestamp(1772359200 * kSecond));
  // null is the explicit null of every type.
  for (uint8_t t = 1; t <= kMaxValueType; ++t) {
    ASSERT_OK_AND_ASSIGN(v, ValueFromJson(J("null"), static_cast<ValueType>(t), "v"));
    EXPECT_TRUE(v.is_null());
  }
}

TEST(ValueJsonTest, RejectsWrongTypesAndBadContent) {
  const std::pair<ValueType, std::string_view> kBad[] = {
      {ValueType::kBool, "1"},
      {ValueType::kBool, "\"true\""},
      {ValueType::kInt32, "2147483648"},
      {ValueType::kInt32, "-2147483649"},
      {ValueType::kInt32, "1.5"},
      {ValueType::kInt32, "\"1\""},
      {ValueType::kInt32, "true"},
      {ValueType::kInt64, "1.5"},
      {ValueType::kInt64, "1.0"},
      {ValueType::kInt64, "9223372036854775808"},
      {ValueType::kInt64, "\"9223372036854775808\""},
      {ValueType::kInt64, "\"12x\""},
      {ValueType::kInt64, "\"\""},
      {ValueType::kInt64, "\" 1\""},
      {ValueType::kInt64, "[1]"},
      {ValueType::kFloat, "1e39"},
      {ValueType::kFloat, "3.40282357e38"},
      {ValueType::kFloat, "\"1.5\""},
      {ValueType::kFloat, "true"},
      {ValueType::kDouble, "\"1.5\""},
      {ValueType::kDouble, "{}"},
      {ValueType::kString, "1"},
      {ValueType::kString, "[\"a\"]"},
      {ValueType::kBytes, "\"abc\""},
      {ValueType::kBytes, "\"ab=c\""},
      {ValueType::kBytes, "\"a===\""},
      {ValueType::kBytes, "\"YW Jj\""},
      {ValueType::kBytes, "\"YWJj\\n\""},
      {ValueType::kBytes, "\"YW-j\""},
      {ValueType::kBytes, "12"},
      {ValueType::kTimestamp, "\"2026-13-01T00:00:00Z\""},
      {ValueType::kTimestamp, "1.5"},
      {ValueType::kTimestamp, "true"},
      {ValueType::kFloatList, "1.0"},
      {ValueType::kFloatList, "[1, \"a\"]"},
      {ValueType::kFloatList, "[null]"},
      {ValueType::kDoubleList, "[[1]]"},
      {ValueType::kInt64List, "[1.5]"},
      {ValueType::kStringList, "[1]"},
      {ValueType::kStringList, "\"a\""},
  };
  for (auto [type, text] : kBad) {
    Result<Value> v = ValueFromJson(J(text), type, "features[2].value");
    ASSERT_FALSE(v.ok()) << ValueTypeName(type) << " " << text;
    EXPECT_EQ(v.status().code(), ErrorCode::kUnprocessable) << ValueTypeName(type) << " " << text;
    EXPECT_EQ(v.status().message().rfind("features[2].value", 0), 0u) << v.status().message();
  }
}

// ----- registration bodies -----

constexpr std::string_view kFullBody = R"({
  "name": "user_avg_purchase_30d", "entity": "user", "value_type": "DOUBLE",
  "description": "Average purchase amount in last 30 days", "owner": "growth",
  "tags": ["purchases", "money"], "source": "transactions_table",
  "transformation": "avg(amount) over 30d", "freshness_sla": "1h", "ttl": "30d",
  "retention": 86400, "default_value": 0.0, "new_version": true})";

TEST(FeatureRegistrationTest, FullBody) {
  ASSERT_OK_AND_ASSIGN(FeatureRegistration reg, FeatureRegistrationFromJson(J(kFullBody)));
  const FeatureSpec& s = reg.spec;
  EXPECT_EQ(s.name, "user_avg_purchase_30d");
  EXPECT_EQ(s.entity, "user");
  EXPECT_EQ(s.value_type, ValueType::kDouble);
  EXPECT_EQ(s.owner, "growth");
  EXPECT_EQ(s.tags, (std::vector<std::string>{"purchases", "money"}));
  EXPECT_EQ(s.source, "transactions_table");
  EXPECT_EQ(s.transformation, "avg(amount) over 30d");
  EXPECT_EQ(s.freshness_sla_us, 3600 * kSecond);
  EXPECT_EQ(s.ttl_us, 30LL * 86400 * kSecond);
  EXPECT_EQ(s.retention_us, 86400 * kSecond);
  EXPECT_EQ(s.default_value, Value::Double(0.0));
  EXPECT_TRUE(reg.new_version);
}

TEST(FeatureRegistrationTest, MinimalBodyAndFloatAlias) {
  ASSERT_OK_AND_ASSIGN(
      FeatureRegistration reg,
      FeatureRegistrationFromJson(J(R"({"name": "emb", "entity": "item", "value_type": "FLOAT",
                                 "ttl": null, "default_value": null, "tags": null})")));
  EXPECT_EQ(reg.spec.value_type, ValueType::kFloat);
  EXPECT_EQ(reg.spec.ttl_us, 0);
  EXPECT_FALSE(reg.spec.default_value.has_value());
  EXPECT_FALSE(reg.new_version);
}

TEST(FeatureRegistrationTest, FeatureJsonPostsBackUnchanged) {
  Feature f;
  ASSERT_OK_AND_ASSIGN(FeatureRegistration reg, FeatureRegistrationFromJson(J(kFullBody)));
  f.spec = reg.spec;
  f.id = 7;
  f.version = 2;
  f.revision = 3;
  f.created_us = 1772359200 * kSecond;
  f.updated_us = f.created_us + 1;
  json::object out = FeatureToJson(f);
  EXPECT_EQ(out.at("ref").as_string(), "user_avg_purchase_30d@2");
  EXPECT_EQ(out.at("freshness_sla").as_string(), "1h");
  EXPECT_EQ(out.at("retention").as_string(), "1d");
  EXPECT_EQ(out.at("updated_at").as_string(), "2026-03-01T10:00:00.000001Z");
  ASSERT_OK_AND_ASSIGN(FeatureRegistration back,
                       FeatureRegistrationFromJson(json::parse(json::serialize(out))));
  EXPECT_EQ(back.spec, f.spec);

  f.spec.retention_us = 0;
  f.spec.default_value.reset();
  out = FeatureToJson(f);
  EXPECT_TRUE(out.at("retention").is_null());
  EXPECT_TRUE(out.at("default_value").is_null());
}

TEST(FeatureRegistrationTest, MalformedBodiesAre400) {
  for (std::string_view bad : {
           R"([])",
           R"("feature")",
           R"({"entity": "user", "value_type": "DOUBLE"})",
           R"({"name": "x", "value_type": "DOUBLE"})",
           R"({"name": "x", "entity": "user"})",
           R"({"name": 5, "entity": "user", "value_type": "DOUBLE"})",
           R"({"name": "x", "entity": null, "value_type": "DOUBLE"})",
           R"({"name": "x", "entity": "user", "value_type": 5})",
           R"({"name": "x", "entity": "user", "value_type": "DOUBLE", "tags": "a"})",
           R"({"name": "x", "entity": "user", "value_type": "DOUBLE", "tags": [1]})",
           R"({"name": "x", "entity": "user", "value_type": "DOUBLE", "owner": 3})",
           R"({"name": "x", "entity": "user", "value_type": "DOUBLE", "ttl": true})",
           R"({"name": "x", "entity": "user", "value_type": "DOUBLE", "ttl": 1.5})",
           R"({"name": "x", "entity": "user", "value_type": "DOUBLE", "new_version": "yes"})",
           R"({"name": "x", "entity": "user", "value_type": "DOUBLE", "freshnes_sla": "1h"})",
           // Shape errors win over content errors wherever they are.
           R"({"value_type": "NOPE", "name": "x", "entity": "user", "owner": 1})",
       }) {
    Result<FeatureRegistration> reg = FeatureRegistrationFromJson(J(bad));
    ASSERT_FALSE(reg.ok()) << bad;
    EXPECT_EQ(reg.status().code(), ErrorCode::kInvalidArgument) << bad;
  }
}

TEST(FeatureRegistrationTest, InvalidContentIs422) {
  for (
      std::string_view bad : {
          R"({"name": "x", "entity": "user", "value_type": "DECIMAL"})",
          R"({"name": "x", "entity": "user", "value_type": "DOUBLE", "freshness_sla": "1x"})",
          R"({"name": "x", "entity": "user", "value_type": "DOUBLE", "freshness_sla": ""})",
          R"({"name": "x", "entity": "user", "value_type": "DOUBLE", "ttl": "-1h"})",
          R"({"name": "x", "entity": "user", "value_type": "DOUBLE", "ttl": -5})",
          R"({"name": "x", "entity": "user", "value_type": "DOUBLE", "ttl": "99999999999d"})",
          R"({"name": "x", "entity": "user", "value_type": "DOUBLE", "retention": 99999999999999})",
          R"({"name": "x", "entity": "user", "value_type": "DOUBLE", "default_value": "0"})",
          R"({"name": "x", "entity": "user", "value_type": "INT32", "default_value": 1.5})",
          R"({"name": "x", "entity": "user", "value_type": "BYTES", "default_value": "!!"})",
      }) {
    Result<FeatureRegistration> reg = FeatureRegistrationFromJson(J(bad));
    ASSERT_FALSE(reg.ok()) << bad;
    EXPECT_EQ(reg.status().code(), ErrorCode::kUnprocessable) << bad;
  }
}

// ----- other objects -----

TEST(RegistryJsonTest, EntityChangeAndServedValue) {
  json::object e = EntityTypeToJson({3, "user", "user id", 0});
  EXPECT_EQ(
      json::serialize(e),
      R"({"name":"user","id":3,"description":"user id","created_at":"1970-01-01T00:00:00Z"})");
  json::object c = FeatureChangeToJson({2, kSecond, "description, tags changed"});
  EXPECT_EQ(json::serialize(c),
            R"({"revision":2,"at":"1970-01-01T00:00:01Z","what":"description, tags changed"})");

  FeatureValue present{ValueStatus::kPresent, Value::Double(1.5), kSecond, 2 * kSecond, false};
  EXPECT_EQ(
      json::serialize(FeatureValueToJson(present)),
      R"({"value":1.5E0,"status":"PRESENT","event_timestamp":"1970-01-01T00:00:01Z","default_used":false})");
  FeatureValue missing{ValueStatus::kNotFound, Value::Double(0), 0, 0, true};
  json::object m = FeatureValueToJson(missing);
  EXPECT_TRUE(m.at("event_timestamp").is_null());
  EXPECT_EQ(m.at("status").as_string(), "NOT_FOUND");
  EXPECT_TRUE(m.at("default_used").as_bool());
}

}  // namespace
}  // namespace asof::server

#include "engine/drift/value_sketch.h"

#include <gtest/gtest.h>

#include <random>
#include <string>

#include "tests/util/test_util.h"

namespace asof::drift {
namespace {

FeatureValue Present(Value v) {
  FeatureValue fv;
  fv.status = ValueStatus::kPresent;
  fv.value = std::move(v);
  return fv;
}

FeatureValue Missing(ValueStatus status, Value default_value = Value()) {
  FeatureValue fv;
  fv.status = status;
  fv.default_used = !default_value.is_null();
  fv.value = std::move(default_value);
  return fv;
}

TEST(ValueSketchTest, TypesAreRoutedByKind) {
  for (ValueType t : {ValueType::kInt32, ValueType::kInt64, ValueType::kFloat, ValueType::kDouble,
                      ValueType::kTimestamp}) {
    EXPECT_TRUE(ValueSketch::Monitored(t)) << ValueTypeName(t);
    EXPECT_FALSE(ValueSketch::Categorical(t)) << ValueTypeName(t);
    EXPECT_NE(ValueSketch(t).numeric(), nullptr);
  }
  for (ValueType t : {ValueType::kString, ValueType::kBool}) {
    EXPECT_TRUE(ValueSketch::Monitored(t));
    EXPECT_TRUE(ValueSketch::Categorical(t));
    EXPECT_NE(ValueSketch(t).categorical(), nullptr);
  }
  for (ValueType t : {ValueType::kNull, ValueType::kBytes, ValueType::kFloatList,
                      ValueType::kDoubleList, ValueType::kInt64List, ValueType::kStringList}) {
    EXPECT_FALSE(ValueSketch::Monitored(t)) << ValueTypeName(t);
  }
}

TEST(ValueSketchTest, NumericValuesLandInTheKll) {
  struct Case {
    ValueType type;
    Value value;
    double expected;
  };
  for (const Case& c :
       {Case{ValueType::kInt32, Value::Int32(-7), -7},
        Case{ValueType::kInt64, Value::Int64(1234567890123), 1234567890123.0},
        Case{ValueType::kFloat, Value::Float(1.5f), 1.5},
        Case{ValueType::kDouble, Value::Double(-2.25), -2.25},
        Case{ValueType::kTimestamp, Value::Timestamp(1700000000000000), 1700000000000000.0}}) {
    ValueSketch s(c.type);
    s.Add(Present(c.value));
    EXPECT_EQ(s.count(), 1u);
    EXPECT_EQ(s.missing(), 0u);
    EXPECT_EQ(s.numeric()->min(), c.expected) << ValueTypeName(c.type);
  }
}

TEST(ValueSketchTest, CategoricalValuesLandInTheCounts) {
  ValueSketch b(ValueType::kBool);
  b.Add(Present(Value::Bool(true)));
  b.Add(Present(Value::Bool(false)));
  b.Add(Present(Value::Bool(true)));
  EXPECT_EQ(b.count(), 3u);
  EXPECT_EQ(b.categorical()->counts().at("true"), 2u);
  EXPECT_EQ(b.categorical()->counts().at("false"), 1u);

  ValueSketch s(ValueType::kString);
  s.Add(Present(Value::String("gold")));
  EXPECT_EQ(s.categorical()->counts().at("gold"), 1u);
}

TEST(ValueSketchTest, MissingCountingRules) {
  ValueSketch s(ValueType::kDouble);
  s.Add(Missing(ValueStatus::kNotFound));
  s.Add(Missing(ValueStatus::kNullValue));
  s.Add(Missing(ValueStatus::kOutsideMaxAge));
  EXPECT_EQ(s.missing(), 3u);
  EXPECT_EQ(s.count(), 0u);
  // A default stands in for the value: it is what the model sees.
  s.Add(Missing(ValueStatus::kNotFound, Value::Double(9)));
  s.Add(Missing(ValueStatus::kOutsideMaxAge, Value::Double(9)));
  EXPECT_EQ(s.missing(), 3u);
  EXPECT_EQ(s.count(), 2u);
  // PRESENT with a null value cannot be placed in the distribution.
  s.Add(Present(Value::Null()));
  // Neither can a value of another type.
  s.Add(Present(Value::String("x")));
  EXPECT_EQ(s.missing(), 5u);
  EXPECT_EQ(s.count(), 2u);
}

TEST(ValueSketchTest, Merge) {
  ValueSketch a(ValueType::kInt64), b(ValueType::kInt64);
  for (int i = 0; i < 100; ++i) a.Add(Present(Value::Int64(i)));
  for (int i = 100; i < 300; ++i) b.Add(Present(Value::Int64(i)));
  b.Add(Missing(ValueStatus::kNotFound));
  a.Merge(b);
  EXPECT_EQ(a.count(), 300u);
  EXPECT_EQ(a.missing(), 1u);
  EXPECT_EQ(a.numeric()->max(), 299);

  ValueSketch c(ValueType::kString), d(ValueType::kString);
  c.Add(Present(Value::String("p")));
  d.Add(Present(Value::String("p")));
  d.Add(Present(Value::String("q")));
  c.Merge(d);
  EXPECT_EQ(c.count(), 3u);
  EXPECT_EQ(c.categorical()->counts().at("p"), 2u);
}

TEST(ValueSketchTest, SerializeRoundTrip) {
  std::mt19937_64 rng(3);
  ValueSketch num(ValueType::kFloat), cat(ValueType::kString);
  for (int i = 0; i < 10000; ++i) {
    num.Add(Present(Value::Float(static_cast<float>(rng() % 1000) / 7)));
    cat.Add(Present(Value::String(std::to_string(rng() % 20))));
    if (i % 10 == 0) {
      num.Add(Missing(ValueStatus::kNotFound));
      cat.Add(Missing(ValueStatus::kNullValue));
    }
  }
  for (const ValueSketch* s : {&num, &cat}) {
    ASSERT_OK_AND_ASSIGN(ValueSketch copy, ValueSketch::Deserialize(s->Serialize()));
    EXPECT_EQ(copy.type(), s->type());
    EXPECT_EQ(copy.count(), s->count());
    EXPECT_EQ(copy.missing(), 1000u);
    EXPECT_EQ(copy.Serialize(), s->Serialize());
  }
}

void ExpectInvalid(std::string_view bytes, std::string_view what) {
  Result<ValueSketch> r = ValueSketch::Deserialize(bytes);
  ASSERT_FALSE(r.ok()) << what;
  EXPECT_EQ(r.status().code(), ErrorCode::kInvalidArgument) << what;
}

TEST(ValueSketchTest, Malformed) {
  ValueSketch s(ValueType::kDouble);
  for (int i = 0; i < 1000; ++i) s.Add(Present(Value::Double(i)));
  std::string good = s.Serialize();
  for (size_t len = 0; len < good.size(); ++len) {
    ExpectInvalid(good.substr(0, len), "truncated to " + std::to_string(len));
  }
  ExpectInvalid(good + "x", "trailing");
  std::string bad = good;
  bad[0] = 9;
  ExpectInvalid(bad, "version");
  bad = good;
  bad[1] = static_cast<char>(ValueType::kBytes);
  ExpectInvalid(bad, "unmonitored type");
  bad[1] = 200;
  ExpectInvalid(bad, "unknown type");
  bad[1] = static_cast<char>(ValueType::kString);  // KLL bytes where counts are expected
  ExpectInvalid(bad, "kind mismatch");
  bad[1] = static_cast<char>(ValueType::kInt32);  // another numeric type reads fine
  EXPECT_OK(ValueSketch::Deserialize(bad));

  std::mt19937_64 rng(8);
  for (int trial = 0; trial < 5000; ++trial) {
    bad = good;
    bad[rng() % bad.size()] = static_cast<char>(rng());
    Result<ValueSketch> r = ValueSketch::Deserialize(bad);
    if (r.ok()) r->Add(Present(Value::Double(1)));
  }
}

}  // namespace
}  // namespace asof::drift

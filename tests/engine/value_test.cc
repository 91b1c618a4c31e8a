#include "engine/value.h"

#include <gtest/gtest.h>

#include <cmath>
#include <cstring>
#include <limits>
#include <string>
#include <vector>

#include "tests/util/test_util.h"

namespace asof {
namespace {

// One non-null example of every feature type, indexed by ValueType number - 1.
std::vector<Value> OneOfEach() {
  return {
      Value::Bool(true),
      Value::Int32(-7),
      Value::Int64(1234567890123),
      Value::Float(1.5f),
      Value::Double(-2.25),
      Value::String("héllo"),
      Value::Bytes(std::string("\x00\xff", 2)),
      Value::Timestamp(1700000000000000),
      Value::FloatList({1.0f, 2.0f}),
      Value::DoubleList({0.5}),
      Value::Int64List({-1, 0, 1}),
      Value::StringList({"a", "ü"}),
  };
}

float FloatFromBits(uint32_t bits) {
  float f;
  std::memcpy(&f, &bits, sizeof(f));
  return f;
}
double DoubleFromBits(uint64_t bits) {
  double d;
  std::memcpy(&d, &bits, sizeof(d));
  return d;
}

TEST(ValueTypeTest, NamesRoundTrip) {
  for (int i = 1; i <= kMaxValueType; ++i) {
    const auto type = static_cast<ValueType>(i);
    const std::string_view name = ValueTypeName(type);
    const auto parsed = ParseValueType(name);
    ASSERT_TRUE(parsed.has_value()) << name;
    EXPECT_EQ(*parsed, type) << name;
  }
}

TEST(ValueTypeTest, SpecificNames) {
  EXPECT_EQ(ValueTypeName(ValueType::kNull), "NULL");
  EXPECT_EQ(ValueTypeName(ValueType::kBool), "BOOL");
  EXPECT_EQ(ValueTypeName(ValueType::kInt32), "INT32");
  EXPECT_EQ(ValueTypeName(ValueType::kInt64), "INT64");
  EXPECT_EQ(ValueTypeName(ValueType::kFloat), "FLOAT");
  EXPECT_EQ(ValueTypeName(ValueType::kDouble), "DOUBLE");
  EXPECT_EQ(ValueTypeName(ValueType::kString), "STRING");
  EXPECT_EQ(ValueTypeName(ValueType::kBytes), "BYTES");
  EXPECT_EQ(ValueTypeName(ValueType::kTimestamp), "TIMESTAMP");
  EXPECT_EQ(ValueTypeName(ValueType::kFloatList), "FLOAT_LIST");
  EXPECT_EQ(ValueTypeName(ValueType::kDoubleList), "DOUBLE_LIST");
  EXPECT_EQ(ValueTypeName(ValueType::kInt64List), "INT64_LIST");
  EXPECT_EQ(ValueTypeName(ValueType::kStringList), "STRING_LIST");
}

TEST(ValueTypeTest, ParseRejectsNullAndUnknown) {
  EXPECT_FALSE(ParseValueType("NULL").has_value());
  EXPECT_FALSE(ParseValueType("").has_value());
  EXPECT_FALSE(ParseValueType("double").has_value());  // case-sensitive
  EXPECT_FALSE(ParseValueType("DOUBLE ").has_value());
  EXPECT_FALSE(ParseValueType("INT").has_value());
  EXPECT_FALSE(ParseValueType("FLOAT_LISTS").has_value());
}

TEST(ValueTest, TypeMatchesFactory) {
  EXPECT_TRUE(Value().is_null());
  EXPECT_EQ(Value::Null().type(), ValueType::kNull);
  const auto values = OneOfEach();
  for (size_t i = 0; i < values.size(); ++i) {
    EXPECT_EQ(static_cast<size_t>(values[i].type()), i + 1);
    EXPECT_FALSE(values[i].is_null());
  }
  EXPECT_EQ(Value::Timestamp(5).as_timestamp(), 5);
  EXPECT_EQ(Value::Bytes("ab").as_bytes(), "ab");
}

TEST(CheckValueTypeTest, EachTypeAcceptsItselfAndNullOnly) {
  const auto values = OneOfEach();
  for (int e = 1; e <= kMaxValueType; ++e) {
    const auto expected = static_cast<ValueType>(e);
    EXPECT_OK(CheckValueType(Value::Null(), expected));
    for (const Value& v : values) {
      const Status s = CheckValueType(v, expected);
      if (v.type() == expected) {
        EXPECT_OK(s);
        continue;
      }
      EXPECT_EQ(s.code(), ErrorCode::kUnprocessable) << v.DebugString();
      EXPECT_EQ(s.message(), "expected " + std::string(ValueTypeName(expected)) + ", got " +
                                 std::string(ValueTypeName(v.type())));
    }
  }
}

TEST(CheckValueTypeTest, StringOneIsNotAnInt64) {
  const Status s = CheckValueType(Value::String("1"), ValueType::kInt64);
  EXPECT_EQ(s.code(), ErrorCode::kUnprocessable);
  EXPECT_NE(s.message().find("INT64"), std::string::npos) << s.message();
  EXPECT_NE(s.message().find("STRING"), std::string::npos) << s.message();
}

TEST(CheckValueTypeTest, NoWideningOrNarrowing) {
  EXPECT_FALSE(CheckValueType(Value::Int32(1), ValueType::kInt64).ok());
  EXPECT_FALSE(CheckValueType(Value::Int64(1), ValueType::kInt32).ok());
  EXPECT_FALSE(CheckValueType(Value::Float(1), ValueType::kDouble).ok());
  EXPECT_FALSE(CheckValueType(Value::Int64(1), ValueType::kTimestamp).ok());
  EXPECT_FALSE(CheckValueType(Value::Bytes("a"), ValueType::kString).ok());
  EXPECT_FALSE(CheckValueType(Value::String("a"), ValueType::kBytes).ok());
  EXPECT_FALSE(CheckValueType(Value::FloatList({}), ValueType::kDoubleList).ok());
}

TEST(CheckValueTypeTest, ExpectedNullIsAProgrammerError) {
  for (const Value& v : {Value::Null(), Value::Int64(1)}) {
    const Status s = CheckValueType(v, ValueType::kNull);
    EXPECT_EQ(s.code(), ErrorCode::kInternal);
    EXPECT_NE(s.message().find("NULL"), std::string::npos) << s.message();
  }
  EXPECT_EQ(CheckValueType(Value::Int64(1), static_cast<ValueType>(99)).code(),
            ErrorCode::kInternal);
}

TEST(CheckValueTypeTest, StringMustBeUtf8) {
  EXPECT_OK(CheckValueType(Value::String(""), ValueType::kString));
  EXPECT_OK(CheckValueType(Value::String("naïve 日本 🎉"), ValueType::kString));
  const Status s = CheckValueType(Value::String("ab\xff"), ValueType::kString);
  EXPECT_EQ(s.code(), ErrorCode::kUnprocessable);
  EXPECT_NE(s.message().find("UTF-8"), std::string::npos) << s.message();
  EXPECT_NE(s.message().find("offset 2"), std::string::npos) << s.message();
  // BYTES is arbitrary.
  EXPECT_OK(CheckValueType(Value::Bytes("ab\xff"), ValueType::kBytes));
}

TEST(CheckValueTypeTest, StringListElementsMustBeUtf8) {
  EXPECT_OK(CheckValueType(Value::StringList({}), ValueType::kStringList));
  EXPECT_OK(CheckValueType(Value::StringList({"", "ok", "é"}), ValueType::kStringList));
  const Status s =
      CheckValueType(Value::StringList({"fine", "also", "\xc0\xaf"}), ValueType::kStringList);
  EXPECT_EQ(s.code(), ErrorCode::kUnprocessable);
  EXPECT_NE(s.message().find("element 2"), std::string::npos) << s.message();
  EXPECT_NE(s.message().find("UTF-8"), std::string::npos) << s.message();
}

TEST(Utf8Test, AcceptsWellFormed) {
  EXPECT_TRUE(IsValidUtf8(""));
  EXPECT_TRUE(IsValidUtf8("plain ascii\n\t"));
  EXPECT_TRUE(IsValidUtf8(std::string("nul\0inside", 10)));
  EXPECT_TRUE(IsValidUtf8("\x7f"));
  EXPECT_TRUE(IsValidUtf8("\xc2\x80"));          // U+0080, smallest 2-byte
  EXPECT_TRUE(IsValidUtf8("\xdf\xbf"));          // U+07FF
  EXPECT_TRUE(IsValidUtf8("\xe0\xa0\x80"));      // U+0800, smallest 3-byte
  EXPECT_TRUE(IsValidUtf8("\xed\x9f\xbf"));      // U+D7FF, just below surrogates
  EXPECT_TRUE(IsValidUtf8("\xee\x80\x80"));      // U+E000, just above surrogates
  EXPECT_TRUE(IsValidUtf8("\xef\xbf\xbf"));      // U+FFFF
  EXPECT_TRUE(IsValidUtf8("\xf0\x90\x80\x80"));  // U+10000, smallest 4-byte
  EXPECT_TRUE(IsValidUtf8("\xf4\x8f\xbf\xbf"));  // U+10FFFF, the largest
  EXPECT_TRUE(
      IsValidUtf8("\xef\xbb\xbf"
                  "BOM is allowed"));
}

TEST(Utf8Test, RejectsMalformed) {
  const char* bad[] = {
      "\x80",              // lone continuation
      "\xbf",              // lone continuation
      "\xc0\x80",          // overlong NUL
      "\xc1\xbf",          // overlong 2-byte
      "\xe0\x80\x80",      // overlong 3-byte
      "\xe0\x9f\xbf",      // overlong 3-byte (U+07FF)
      "\xf0\x80\x80\x80",  // overlong 4-byte
      "\xf0\x8f\xbf\xbf",  // overlong 4-byte (U+FFFF)
      "\xed\xa0\x80",      // U+D800, high surrogate
      "\xed\xbf\xbf",      // U+DFFF, low surrogate
      "\xf4\x90\x80\x80",  // U+110000
      "\xf5\x80\x80\x80",  // lead byte beyond range
      "\xff",              // never valid
      "\xfe",              // never valid
      "\xc2",              // truncated 2-byte
      "\xe2\x82",          // truncated 3-byte
      "\xf0\x9f\x8e",      // truncated 4-byte
      "\xc2\x41",          // continuation replaced by ASCII
      "\xe2\x28\xa1",      // bad second byte
      "\xe2\x82\x28",      // bad third byte
      "\xf0\x9f\x8e\x28",  // bad fourth byte
      "ok then \xa0",      // bad byte after valid text
  };
  for (const char* s : bad) {
    EXPECT_FALSE(IsValidUtf8(s)) << ::testing::PrintToString(std::string(s));
  }
}

TEST(Utf8Test, EveryTruncationOfAMultibyteCharIsInvalid) {
  const std::string full = "\xf0\x9f\x8e\x89";  // U+1F389
  ASSERT_TRUE(IsValidUtf8(full));
  for (size_t n = 1; n < full.size(); ++n) {
    EXPECT_FALSE(IsValidUtf8(full.substr(0, n))) << n;
    // Appended piecewise: GCC 12 misreports `"x" + std::string` under -Wrestrict.
    std::string embedded = "x";
    embedded += full.substr(0, n);
    embedded += "y";
    EXPECT_FALSE(IsValidUtf8(embedded)) << n;
  }
}

TEST(ValueEqualityTest, SameTypeAndPayload) {
  const auto a = OneOfEach();
  const auto b = OneOfEach();
  for (size_t i = 0; i < a.size(); ++i) {
    EXPECT_EQ(a[i], b[i]) << a[i].DebugString();
    for (size_t j = 0; j < a.size(); ++j) {
      if (i == j) continue;
      EXPECT_FALSE(a[i] == a[j]) << a[i].DebugString() << " vs " << a[j].DebugString();
    }
  }
  EXPECT_EQ(Value::Null(), Value());
  EXPECT_FALSE(Value::Null() == Value::Int64(0));
  EXPECT_FALSE(Value::Int64(1) == Value::Int64(2));
  EXPECT_FALSE(Value::String("a") == Value::String("b"));
  EXPECT_FALSE(Value::Int64List({1, 2}) == Value::Int64List({1, 2, 3}));
  EXPECT_FALSE(Value::StringList({"a"}) == Value::StringList({"b"}));
}

TEST(ValueEqualityTest, TypeIsPartOfTheValue) {
  EXPECT_FALSE(Value::Int64(5) == Value::Timestamp(5));
  EXPECT_FALSE(Value::String("x") == Value::Bytes("x"));
  EXPECT_FALSE(Value::Int32(5) == Value::Int64(5));
  EXPECT_FALSE(Value::Float(1) == Value::Double(1));
  EXPECT_FALSE(Value::FloatList({}) == Value::DoubleList({}));
}

TEST(ValueEqualityTest, FloatingPointIsBitwise) {
  const double nan = std::numeric_limits<double>::quiet_NaN();
  EXPECT_EQ(Value::Double(nan), Value::Double(nan));
  EXPECT_EQ(Value::Float(std::nanf("")), Value::Float(std::nanf("")));
  // Different NaN payloads are different values.
  EXPECT_FALSE(Value::Double(DoubleFromBits(0x7ff8000000000001)) ==
               Value::Double(DoubleFromBits(0x7ff8000000000002)));
  EXPECT_FALSE(Value::Float(FloatFromBits(0x7fc00001)) == Value::Float(FloatFromBits(0x7fc00002)));
  // 0.0 == -0.0 numerically, but not as stored values.
  EXPECT_FALSE(Value::Double(0.0) == Value::Double(-0.0));
  EXPECT_FALSE(Value::Float(0.0f) == Value::Float(-0.0f));
  EXPECT_EQ(Value::DoubleList({1.0, nan}), Value::DoubleList({1.0, nan}));
  EXPECT_EQ(Value::FloatList({std::nanf(""), 2.0f}), Value::FloatList({std::nanf(""), 2.0f}));
  EXPECT_FALSE(Value::DoubleList({0.0}) == Value::DoubleList({-0.0}));
  EXPECT_FALSE(Value::FloatList({0.0f}) == Value::FloatList({-0.0f}));
  EXPECT_FALSE(Value::FloatList({1.0f}) == Value::FloatList({1.0f, 1.0f}));
}

TEST(DebugStringTest, Scalars) {
  EXPECT_EQ(Value::Null().DebugString(), "NULL");
  EXPECT_EQ(Value::Bool(true).DebugString(), "BOOL true");
  EXPECT_EQ(Value::Bool(false).DebugString(), "BOOL false");
  EXPECT_EQ(Value::Int32(-3).DebugString(), "INT32 -3");
  EXPECT_EQ(Value::Int64(std::numeric_limits<int64_t>::min()).DebugString(),
            "INT64 -9223372036854775808");
  EXPECT_EQ(Value::Double(1.5).DebugString(), "DOUBLE 1.5");
  EXPECT_EQ(Value::Double(0.1).DebugString(), "DOUBLE 0.1");  // shortest round trip
  EXPECT_EQ(Value::Float(0.1f).DebugString(), "FLOAT 0.1");
  EXPECT_EQ(Value::Double(-std::numeric_limits<double>::infinity()).DebugString(), "DOUBLE -inf");
  EXPECT_EQ(Value::Double(std::numeric_limits<double>::quiet_NaN()).DebugString(), "DOUBLE nan");
  EXPECT_EQ(Value::Timestamp(1700000000000001).DebugString(),
            "TIMESTAMP 1700000000000001 (2023-11-14T22:13:20.000001Z)");
  EXPECT_EQ(Value::Timestamp(-1).DebugString(), "TIMESTAMP -1 (1969-12-31T23:59:59.999999Z)");
  EXPECT_EQ(Value::Timestamp(-62167219200000000).DebugString(),
            "TIMESTAMP -62167219200000000 (0000-01-01T00:00:00.000000Z)");
  EXPECT_EQ(Value::Timestamp(253402300799999999).DebugString(),
            "TIMESTAMP 253402300799999999 (9999-12-31T23:59:59.999999Z)");
  // Outside years 0-9999 only the number is shown (and nothing overflows).
  EXPECT_EQ(Value::Timestamp(253402300800000000).DebugString(), "TIMESTAMP 253402300800000000");
  EXPECT_EQ(Value::Timestamp(std::numeric_limits<int64_t>::min()).DebugString(),
            "TIMESTAMP -9223372036854775808");
  EXPECT_EQ(Value::Timestamp(std::numeric_limits<int64_t>::max()).DebugString(),
            "TIMESTAMP 9223372036854775807");
}

TEST(DebugStringTest, StringsAreQuotedAndEscaped) {
  EXPECT_EQ(Value::String("abc").DebugString(), "STRING \"abc\"");
  EXPECT_EQ(Value::String("").DebugString(), "STRING \"\"");
  EXPECT_EQ(Value::String("say \"hi\"\n").DebugString(), "STRING \"say \\\"hi\\\"\\x0a\"");
  EXPECT_EQ(Value::String("é").DebugString(), "STRING \"é\"");
  EXPECT_EQ(Value::Bytes(std::string("\x00\xffz", 3)).DebugString(), "BYTES \"\\x00\\xffz\"");
}

TEST(DebugStringTest, LongValuesAreTruncated) {
  EXPECT_EQ(Value::FloatList({1, 2}).DebugString(), "FLOAT_LIST [1, 2]");
  EXPECT_EQ(Value::FloatList({}).DebugString(), "FLOAT_LIST []");
  EXPECT_EQ(Value::StringList({"a", "b"}).DebugString(), "STRING_LIST [\"a\", \"b\"]");
  EXPECT_EQ(Value::Int64List({1, 2, 3, 4, 5, 6, 7, 8, 9, 10}).DebugString(),
            "INT64_LIST [1, 2, 3, 4, 5, 6, 7, 8, ... (10 total)]");
  EXPECT_EQ(Value::DoubleList(std::vector<double>(1000, 0.5)).DebugString(),
            "DOUBLE_LIST [0.5, 0.5, 0.5, 0.5, 0.5, 0.5, 0.5, 0.5, ... (1000 total)]");

  const std::string long_text(1000, 'x');
  const std::string shown = Value::String(long_text).DebugString();
  EXPECT_LT(shown.size(), 100u);
  EXPECT_NE(shown.find("(1000 bytes)"), std::string::npos) << shown;
}

TEST(DebugStringTest, TruncationKeepsUtf8Whole) {
  // 63 ASCII bytes then a 2-byte character straddling the 64-byte cut.
  const std::string text = std::string(63, 'a') + "é" + std::string(10, 'b');
  const std::string shown = Value::String(text).DebugString();
  EXPECT_TRUE(IsValidUtf8(shown)) << shown;
  EXPECT_EQ(shown, "STRING \"" + std::string(63, 'a') + "\"... (75 bytes)");
}

}  // namespace
}  // namespace asof

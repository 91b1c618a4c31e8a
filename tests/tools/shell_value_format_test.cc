#include "tools/asof/value_format.h"

#include <gtest/gtest.h>

#include <cmath>
#include <limits>

#include "tests/util/test_util.h"
#include "tools/asof/output.h"

namespace asof::shell {
namespace {

constexpr int64_t kNow = 1772359200000000;  // 2026-03-01T10:00:00Z

wire::ValueT Parse(ValueType type, std::string_view text, bool quoted = false) {
  auto r = ParseValue(type, text, quoted, kNow);
  EXPECT_TRUE(r.ok()) << text << ": " << r.status().ToString();
  return r.ok() ? std::move(*r) : wire::ValueT();
}

// Parses, checks the type tag, and returns the value printed back.
std::string RoundTrip(ValueType type, std::string_view text, bool quoted = false) {
  wire::ValueT v = Parse(type, text, quoted);
  EXPECT_EQ(v.type, static_cast<uint8_t>(type)) << text;
  return FormatValue(&v);
}

TEST(ShellValueFormatTest, TypeNames) {
  EXPECT_EQ(TypeName(0), "NULL");
  EXPECT_EQ(TypeName(5), "DOUBLE");
  EXPECT_EQ(TypeName(12), "STRING_LIST");
  EXPECT_EQ(TypeName(200), "TYPE_200");
  for (uint8_t t = 1; t <= kMaxValueType; ++t) {
    EXPECT_EQ(ParseTypeName(TypeName(t)), static_cast<ValueType>(t));
  }
  EXPECT_EQ(ParseTypeName("double"), ValueType::kDouble);
  EXPECT_EQ(ParseTypeName("Float_List"), ValueType::kFloatList);
  EXPECT_FALSE(ParseTypeName("NULL").has_value());
  EXPECT_FALSE(ParseTypeName("DOUBLES").has_value());
  EXPECT_FALSE(ParseTypeName("").has_value());
  EXPECT_EQ(AllTypeNames().find("NULL"), std::string::npos);
  EXPECT_NE(AllTypeNames().find("STRING_LIST"), std::string::npos);
}

TEST(ShellValueFormatTest, ParsesScalars) {
  EXPECT_TRUE(Parse(ValueType::kBool, "true").b);
  EXPECT_FALSE(Parse(ValueType::kBool, "false").b);
  EXPECT_EQ(Parse(ValueType::kInt32, "-2147483648").i, -2147483648LL);
  EXPECT_EQ(Parse(ValueType::kInt64, "9223372036854775807").i, INT64_MAX);
  EXPECT_EQ(Parse(ValueType::kInt64, "42").i, 42);
  EXPECT_EQ(Parse(ValueType::kFloat, "1.5").f, 1.5f);
  EXPECT_EQ(Parse(ValueType::kDouble, "-2e-3").d, -2e-3);
  EXPECT_EQ(Parse(ValueType::kDouble, "7").d, 7.0);
  EXPECT_TRUE(std::isnan(Parse(ValueType::kDouble, "nan").d));
  EXPECT_EQ(Parse(ValueType::kDouble, "-inf").d, -std::numeric_limits<double>::infinity());
  EXPECT_EQ(Parse(ValueType::kString, "hello").s, "hello");
  EXPECT_EQ(Parse(ValueType::kString, "", true).s, "");
  EXPECT_EQ(Parse(ValueType::kBytes, "0x00ff41").bytes, (std::vector<uint8_t>{0, 255, 'A'}));
  EXPECT_EQ(Parse(ValueType::kBytes, "0x").bytes, std::vector<uint8_t>{});
  EXPECT_EQ(Parse(ValueType::kBytes, "Hi").bytes, (std::vector<uint8_t>{'H', 'i'}));
  // Quoted, "0x.." is text, not hex.
  EXPECT_EQ(Parse(ValueType::kBytes, "0x41", true).bytes.size(), 4u);
  EXPECT_EQ(Parse(ValueType::kTimestamp, "2026-03-01T10:00:00Z").i, kNow);
  EXPECT_EQ(Parse(ValueType::kTimestamp, "-1h").i, kNow - 3600000000LL);
}

TEST(ShellValueFormatTest, NullUnlessQuoted) {
  for (uint8_t t = 1; t <= kMaxValueType; ++t) {
    wire::ValueT v = Parse(static_cast<ValueType>(t), "null");
    EXPECT_EQ(v.type, 0) << TypeName(t);
    EXPECT_EQ(FormatValue(&v), "null");
  }
  wire::ValueT text = Parse(ValueType::kString, "null", /*quoted=*/true);
  EXPECT_EQ(text.type, static_cast<uint8_t>(ValueType::kString));
  EXPECT_EQ(text.s, "null");
  EXPECT_EQ(FormatValue(&text), "\"null\"");
  EXPECT_EQ(FormatValue(nullptr), "null");
}

TEST(ShellValueFormatTest, ParsesLists) {
  EXPECT_EQ(Parse(ValueType::kInt64List, "[1, -2,3]").longs, (std::vector<int64_t>{1, -2, 3}));
  EXPECT_EQ(Parse(ValueType::kInt64List, "[]").longs, std::vector<int64_t>{});
  EXPECT_EQ(Parse(ValueType::kInt64List, " [ ] ").longs, std::vector<int64_t>{});
  EXPECT_EQ(Parse(ValueType::kFloatList, "[0.5,1e3]").floats, (std::vector<float>{0.5f, 1000.0f}));
  EXPECT_EQ(Parse(ValueType::kDoubleList, "[ 0.25 ]").doubles, std::vector<double>{0.25});
  EXPECT_EQ(Parse(ValueType::kStringList, R"(["a b", c ,"x,y", "q\"\\\n\u00e9", "null"])").strings,
            (std::vector<std::string>{"a b", "c", "x,y", "q\"\\\n\xC3\xA9", "null"}));
}

TEST(ShellValueFormatTest, RejectsValuesOfTheWrongType) {
  struct Case {
    ValueType type;
    const char* text;
  };
  for (const Case& c : {
           Case{ValueType::kInt64, "abc"},
           Case{ValueType::kInt64, "1.5"},
           Case{ValueType::kInt64, ""},
           Case{ValueType::kInt64, " 1"},
           Case{ValueType::kInt64, "+1"},
           Case{ValueType::kInt64, "0x10"},
           Case{ValueType::kInt64, "9223372036854775808"},
           Case{ValueType::kInt32, "2147483648"},
           Case{ValueType::kInt32, "-2147483649"},
           Case{ValueType::kBool, "1"},
           Case{ValueType::kBool, "TRUE"},
           Case{ValueType::kBool, "yes"},
           Case{ValueType::kFloat, "1e39"},
           Case{ValueType::kDouble, "1,5"},
           Case{ValueType::kDouble, "1.5x"},
           Case{ValueType::kDouble, "abc"},
           Case{ValueType::kDouble, "1e400"},
           Case{ValueType::kBytes, "0x1"},
           Case{ValueType::kBytes, "0xzz"},
           Case{ValueType::kTimestamp, "2026-02-30T00:00:00Z"},
           Case{ValueType::kTimestamp, "42"},
           Case{ValueType::kInt64List, "1,2"},
           Case{ValueType::kInt64List, "[1,2"},
           Case{ValueType::kInt64List, "[1,,2]"},
           Case{ValueType::kInt64List, "[1,]"},
           Case{ValueType::kInt64List, "[1.5]"},
           Case{ValueType::kInt64List, "[null]"},
           Case{ValueType::kInt64List, "[\"1\"]"},
           Case{ValueType::kInt64List, "[1] x"},
           Case{ValueType::kStringList, "[\"a]"},
           Case{ValueType::kStringList, "[\"\\u12\"]"},
           Case{ValueType::kStringList, "[\"\\ud800\"]"},
           Case{ValueType::kFloatList, "[a]"},
           Case{ValueType::kDoubleList, "[]]"},
       }) {
    auto r = ParseValue(c.type, c.text, false, kNow);
    EXPECT_FALSE(r.ok()) << TypeName(uint8_t(c.type)) << " accepted '" << c.text << "'";
    if (r.ok()) continue;
    EXPECT_EQ(r.status().code(), ErrorCode::kUnprocessable) << c.text;
    EXPECT_NE(r.status().message().find(TypeName(uint8_t(c.type))), std::string::npos)
        << "the message should name the type: " << r.status().message();
  }
}

TEST(ShellValueFormatTest, PrintsInTheInputSyntax) {
  EXPECT_EQ(RoundTrip(ValueType::kBool, "true"), "true");
  EXPECT_EQ(RoundTrip(ValueType::kInt64, "-42"), "-42");
  EXPECT_EQ(RoundTrip(ValueType::kDouble, "0.1"), "0.1");
  EXPECT_EQ(RoundTrip(ValueType::kDouble, "2"), "2.0");
  EXPECT_EQ(RoundTrip(ValueType::kDouble, "1e-7"), "1e-07");
  EXPECT_EQ(RoundTrip(ValueType::kDouble, "1e300"), "1e+300");
  EXPECT_EQ(RoundTrip(ValueType::kFloat, "0.1"), "0.1");
  EXPECT_EQ(RoundTrip(ValueType::kDouble, "nan"), "nan");
  EXPECT_EQ(RoundTrip(ValueType::kDouble, "-inf"), "-inf");
  EXPECT_EQ(RoundTrip(ValueType::kString, "say \"hi\"\n", true), R"("say \"hi\"\n")");
  EXPECT_EQ(RoundTrip(ValueType::kBytes, "0x00ff"), "0x00ff");
  EXPECT_EQ(RoundTrip(ValueType::kTimestamp, "2026-03-01T10:00:00.5Z"), "2026-03-01T10:00:00.500Z");
  EXPECT_EQ(RoundTrip(ValueType::kInt64List, "[1,2, 3]"), "[1, 2, 3]");
  EXPECT_EQ(RoundTrip(ValueType::kDoubleList, "[]"), "[]");
  EXPECT_EQ(RoundTrip(ValueType::kStringList, R"(["a b",c])"), R"(["a b", "c"])");
}

TEST(ShellValueFormatTest, PrintedValuesParseBack) {
  // What the shell prints for a value can be typed into a put again (quoted as the
  // shell's tokenizer would leave it).
  struct Case {
    ValueType type;
    const char* text;
  };
  for (const Case& c :
       {Case{ValueType::kDouble, "0.30000000000000004"}, Case{ValueType::kFloat, "3.4028235e+38"},
        Case{ValueType::kInt64, "-9223372036854775808"}, Case{ValueType::kBytes, "0xdeadbeef"},
        Case{ValueType::kTimestamp, "1999-12-31T23:59:59.000001Z"},
        Case{ValueType::kFloatList, "[0.1, -2.5, 1e-20]"},
        Case{ValueType::kStringList, R"(["x", "y z", "\t"])"}}) {
    wire::ValueT first = Parse(c.type, c.text);
    std::string printed = FormatValue(&first);
    wire::ValueT again = Parse(c.type, printed);
    EXPECT_EQ(FormatValue(&again), printed) << c.text;
    EXPECT_EQ(first.i, again.i);
    EXPECT_EQ(first.d, again.d);
    EXPECT_EQ(first.f, again.f);
    EXPECT_EQ(first.bytes, again.bytes);
    EXPECT_EQ(first.floats, again.floats);
    EXPECT_EQ(first.strings, again.strings);
  }
}

TEST(ShellValueFormatTest, JsonValues) {
  auto json = [](ValueType type, std::string_view text) {
    wire::ValueT v = Parse(type, text);
    JsonWriter j;
    WriteJsonValue(j, &v);
    return j.str();
  };
  EXPECT_EQ(json(ValueType::kBool, "false"), "false");
  EXPECT_EQ(json(ValueType::kInt32, "7"), "7");
  EXPECT_EQ(json(ValueType::kDouble, "1.5"), "1.5");
  EXPECT_EQ(json(ValueType::kDouble, "nan"), "\"nan\"");
  EXPECT_EQ(json(ValueType::kFloat, "inf"), "\"inf\"");
  EXPECT_EQ(json(ValueType::kString, "a\"b"), R"("a\"b")");
  EXPECT_EQ(json(ValueType::kBytes, "0x0a"), R"("0x0a")");
  EXPECT_EQ(json(ValueType::kTimestamp, "2026-03-01T10:00:00Z"), R"("2026-03-01T10:00:00Z")");
  EXPECT_EQ(json(ValueType::kInt64List, "[1,2]"), "[1,2]");
  EXPECT_EQ(json(ValueType::kStringList, "[a,b]"), R"(["a","b"])");
  EXPECT_EQ(json(ValueType::kDouble, "null"), "null");
  JsonWriter j;
  WriteJsonValue(j, nullptr);
  EXPECT_EQ(j.str(), "null");
}

}  // namespace
}  // namespace asof::shell

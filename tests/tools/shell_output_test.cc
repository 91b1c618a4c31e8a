#include "tools/asof/output.h"

#include <gtest/gtest.h>

#include <cmath>
#include <limits>

namespace asof::shell {
namespace {

TEST(ShellOutputTest, TableAlignsColumnsToTheWidestCell) {
  Table t({"NAME", "TYPE", "TTL"});
  t.AddRow({"click_rate_7d", "DOUBLE", "-"});
  t.AddRow({"x", "INT64", "30d"});
  EXPECT_EQ(t.Render(),
            "NAME           TYPE    TTL\n"
            "click_rate_7d  DOUBLE  -\n"
            "x              INT64   30d\n");
  EXPECT_EQ(t.rows(), 2u);
}

TEST(ShellOutputTest, TableHasNoTrailingBlanksAndAcceptsShortRows) {
  Table t({"A", "B", "C"});
  t.AddRow({"1", "", ""});
  t.AddRow({"2"});
  t.AddRow({"3", "x", "yyyy", "extra"});
  EXPECT_EQ(t.Render(),
            "A  B  C\n"
            "1\n"
            "2\n"
            "3  x  yyyy  extra\n");
}

TEST(ShellOutputTest, EmptyTableSaysSo) {
  EXPECT_EQ(Table({"A", "B"}).Render(), "A  B\n(no rows)\n");
  EXPECT_EQ(Table().Render(), "");
}

TEST(ShellOutputTest, HeaderlessTableForKeyValueListings) {
  Table t;
  t.AddRow({"feature", "user.x"});
  t.AddRow({"value type", "DOUBLE"});
  EXPECT_EQ(t.Render(), "feature     user.x\nvalue type  DOUBLE\n");
}

TEST(ShellOutputTest, WidthCountsCodePointsNotBytes) {
  EXPECT_EQ(DisplayWidth("abc"), 3u);
  EXPECT_EQ(DisplayWidth("caf\xC3\xA9"), 4u);  // é is 2 bytes
  EXPECT_EQ(DisplayWidth("\xE2\x82\xAC"
                         "1"),
            2u);                                    // € is 3 bytes
  EXPECT_EQ(DisplayWidth("\xF0\x9F\x98\x80"), 1u);  // an emoji, 4 bytes
  EXPECT_EQ(DisplayWidth("\xFF\xC3"), 2u);          // malformed: a byte each
  Table t({"K", "V"});
  t.AddRow({"caf\xC3\xA9", "1"});
  t.AddRow({"tea", "2"});
  EXPECT_EQ(t.Render(), "K     V\ncaf\xC3\xA9  1\ntea   2\n");
}

TEST(ShellOutputTest, ControlCharactersStayOnOneLine) {
  Table t({"V"});
  t.AddRow({"a\nb\tc\x01"});
  EXPECT_EQ(t.Render(), "V\na\\nb\\tc\\x01\n");
}

TEST(ShellOutputTest, JsonWriterNestsAndSeparates) {
  JsonWriter j;
  j.BeginObject();
  j.Field("name", "x");
  j.Key("tags");
  j.BeginArray();
  j.String("a");
  j.String("b");
  j.BeginObject();
  j.EndObject();
  j.BeginArray();
  j.EndArray();
  j.EndArray();
  j.Key("n");
  j.Int(-3);
  j.Key("u");
  j.Uint(18446744073709551615ull);
  j.Key("ok");
  j.Bool(true);
  j.Key("none");
  j.Null();
  j.EndObject();
  EXPECT_EQ(j.str(), R"({"name":"x","tags":["a","b",{},[]],"n":-3,"u":18446744073709551615,)"
                     R"("ok":true,"none":null})");
}

TEST(ShellOutputTest, JsonStringsAreEscaped) {
  EXPECT_EQ(JsonQuote(""), R"("")");
  EXPECT_EQ(JsonQuote("a\"b\\c/d"), R"("a\"b\\c/d")");
  EXPECT_EQ(JsonQuote("\n\r\t\b\f"), R"("\n\r\t\u0008\u000c")");
  EXPECT_EQ(JsonQuote(std::string("\x00\x1f", 2)), R"("\u0000\u001f")");
  EXPECT_EQ(JsonQuote("\x7f"), "\"\x7f\"");  // DEL is allowed raw in JSON
  EXPECT_EQ(JsonQuote("caf\xC3\xA9 \xF0\x9F\x98\x80"), "\"caf\xC3\xA9 \xF0\x9F\x98\x80\"");
  // Malformed UTF-8 never reaches the document: each bad byte becomes U+FFFD.
  EXPECT_EQ(JsonQuote("a\xFF"
                      "b"),
            R"("a\ufffdb")");
  EXPECT_EQ(JsonQuote("\xC3"), R"("\ufffd")");                                // truncated
  EXPECT_EQ(JsonQuote("\xC0\xAF"), R"("\ufffd\ufffd")");                      // overlong '/'
  EXPECT_EQ(JsonQuote("\xED\xA0\x80"), R"("\ufffd\ufffd\ufffd")");            // a surrogate
  EXPECT_EQ(JsonQuote("\xF4\x90\x80\x80"), R"("\ufffd\ufffd\ufffd\ufffd")");  // > U+10FFFF
}

TEST(ShellOutputTest, JsonNumbers) {
  JsonWriter j;
  j.BeginArray();
  j.Double(0.1);
  j.Double(2);
  j.Double(-0.0);
  j.Double(1e300);
  j.Float(0.1f);
  j.Double(std::nan(""));
  j.Double(std::numeric_limits<double>::infinity());
  j.Float(-std::numeric_limits<float>::infinity());
  j.Int(INT64_MIN);
  j.EndArray();
  EXPECT_EQ(j.str(), R"([0.1,2.0,-0.0,1e+300,0.1,"nan","inf","-inf",-9223372036854775808])");
}

TEST(ShellOutputTest, FloatTextIsShortestRoundTrip) {
  EXPECT_EQ(FormatDouble(0.30000000000000004), "0.30000000000000004");
  EXPECT_EQ(FormatDouble(42), "42.0");
  EXPECT_EQ(FormatFloat(1.1f), "1.1");
  EXPECT_EQ(std::stod(FormatDouble(1.0 / 3)), 1.0 / 3);
}

TEST(ShellOutputTest, JsonWriterMisuseAborts) {
  EXPECT_DEATH(
      {
        JsonWriter j;
        j.BeginObject();
        j.String("value without a key");
      },
      "needs a key");
  EXPECT_DEATH(
      {
        JsonWriter j;
        j.BeginArray();
        j.EndObject();
      },
      "");
}

}  // namespace
}  // namespace asof::shell

// asof-export's output text: value cells (CSV and JSON), quoting, statuses, RFC 3339 and
// the row layout of RowFormat. The end-to-end behaviour is in
// tests/integration/asof_export_test.cc.
#include <gtest/gtest.h>

#include <cmath>
#include <limits>
#include <memory>
#include <string>
#include <vector>

#include "tests/util/test_util.h"
#include "tools/asof-export/row_format.h"
#include "tools/asof-export/value_text.h"

namespace asof::exporter {
namespace {

wire::ValueT Typed(uint8_t type) {
  wire::ValueT v;
  v.type = type;
  return v;
}

std::string Csv(const wire::ValueT& v) {
  std::string out;
  AppendValueCsv(&v, ',', &out);
  return out;
}

std::string Json(const wire::ValueT& v) {
  std::string out;
  AppendValueJson(&v, &out);
  return out;
}

TEST(ExportValueTextTest, Scalars) {
  wire::ValueT d = Typed(5);
  d.d = 0.1;
  EXPECT_EQ(Csv(d), "0.1");
  d.d = 2;
  EXPECT_EQ(Csv(d), "2");
  d.d = 1e300;
  EXPECT_EQ(Csv(d), "1e+300");
  d.d = std::numeric_limits<double>::quiet_NaN();
  EXPECT_EQ(Csv(d), "nan");
  EXPECT_EQ(Json(d), "\"nan\"");
  d.d = -std::numeric_limits<double>::infinity();
  EXPECT_EQ(Csv(d), "-inf");
  wire::ValueT f = Typed(4);
  f.f = 0.1f;
  EXPECT_EQ(Csv(f), "0.1");  // the f32's shortest form, not the f64 nearest to it
  wire::ValueT i = Typed(3);
  i.i = std::numeric_limits<int64_t>::min();
  EXPECT_EQ(Csv(i), "-9223372036854775808");
  wire::ValueT b = Typed(1);
  b.b = true;
  EXPECT_EQ(Csv(b), "true");
  EXPECT_EQ(Json(b), "true");
  wire::ValueT ts = Typed(8);
  ts.i = 1772359200000000;
  EXPECT_EQ(Csv(ts), "2026-03-01T10:00:00Z");
  EXPECT_EQ(Json(ts), "\"2026-03-01T10:00:00Z\"");
}

TEST(ExportValueTextTest, StringsAndBytes) {
  wire::ValueT s = Typed(6);
  s.s = "plain";
  EXPECT_EQ(Csv(s), "plain");
  s.s = "a,b";
  EXPECT_EQ(Csv(s), "\"a,b\"");
  s.s = "say \"hi\"\nbye";
  EXPECT_EQ(Csv(s), "\"say \"\"hi\"\"\nbye\"");
  EXPECT_EQ(Json(s), "\"say \\\"hi\\\"\\nbye\"");
  s.s = "";
  EXPECT_EQ(Csv(s), "\"\"");  // an empty string is not a null
  s.s = std::string("\x01", 1);
  EXPECT_EQ(Json(s), "\"\\u0001\"");
  s.s = "\xc3\xa9";  // UTF-8 passes through
  EXPECT_EQ(Json(s), "\"\xc3\xa9\"");
  wire::ValueT bytes = Typed(7);
  for (auto [raw, b64] : std::vector<std::pair<std::string, std::string>>{
           {"", ""}, {"f", "Zg=="}, {"fo", "Zm8="}, {"foo", "Zm9v"}, {"foob", "Zm9vYg=="}}) {
    bytes.bytes.assign(raw.begin(), raw.end());
    EXPECT_EQ(Csv(bytes), b64) << raw;
  }
}

TEST(ExportValueTextTest, ListsAreJsonText) {
  wire::ValueT l = Typed(10);  // DOUBLE_LIST
  l.doubles = {1.5, 2, std::numeric_limits<double>::infinity()};
  EXPECT_EQ(Json(l), "[1.5,2,\"inf\"]");
  EXPECT_EQ(Csv(l), "\"[1.5,2,\"\"inf\"\"]\"");
  wire::ValueT sl = Typed(12);  // STRING_LIST
  sl.strings = {"a", "b c"};
  EXPECT_EQ(Csv(sl), "\"[\"\"a\"\",\"\"b c\"\"]\"");
  wire::ValueT il = Typed(11);  // INT64_LIST
  EXPECT_EQ(Csv(il), "[]");
  il.longs = {1, -2};
  EXPECT_EQ(Csv(il), "\"[1,-2]\"");
}

TEST(ExportValueTextTest, Nulls) {
  std::string out;
  AppendValueCsv(nullptr, ',', &out);
  EXPECT_EQ(out, "");
  AppendValueJson(nullptr, &out);
  EXPECT_EQ(out, "null");
  EXPECT_EQ(Csv(Typed(0)), "");
  EXPECT_TRUE(IsNullValue(nullptr));
  EXPECT_FALSE(IsNullValue(&*std::make_unique<wire::ValueT>(Typed(6))));
}

TEST(ExportValueTextTest, StatusesAndTimes) {
  EXPECT_EQ(StatusName(0), "PRESENT");
  EXPECT_EQ(StatusName(3), "OUTSIDE_MAX_AGE");
  EXPECT_EQ(StatusName(9), "STATUS_9");
  EXPECT_EQ(FormatRfc3339(0), "1970-01-01T00:00:00Z");
  EXPECT_EQ(FormatRfc3339(951782400000000 + 250000), "2000-02-29T00:00:00.250000Z");
  EXPECT_EQ(FormatRfc3339(253402300799999999), "9999-12-31T23:59:59.999999Z");
  EXPECT_EQ(FormatRfc3339(-1), "1969-12-31T23:59:59.999999Z");
}

TEST(ExportValueTextTest, CsvCellWithOtherDelimiter) {
  std::string out;
  AppendCsvCell("a,b", ';', &out);
  EXPECT_EQ(out, "a,b");
  out.clear();
  AppendCsvCell("a;b", ';', &out);
  EXPECT_EQ(out, "\"a;b\"");
}

std::vector<std::unique_ptr<wire::FeatureValueT>> Values() {
  std::vector<std::unique_ptr<wire::FeatureValueT>> values;
  auto present = std::make_unique<wire::FeatureValueT>();
  present->value = std::make_unique<wire::ValueT>(Typed(3));
  present->value->i = 42;
  values.push_back(std::move(present));
  auto missing = std::make_unique<wire::FeatureValueT>();
  missing->status = 2;
  values.push_back(std::move(missing));
  return values;
}

import::InputRecord Labels(std::vector<std::optional<std::string>> fields,
                           std::vector<import::FieldKind> kinds = {}){import::InputRecord r;
r.fields = std::move(fields);
r.kinds = std::move(kinds);
return r;
}  // namespace

TEST(ExportRowFormatTest, CsvRow) {
  ASSERT_OK_AND_ASSIGN(RowFormat format,
                       RowFormat::Make(OutputFormat::kCsv, ',', {"entity_id", "timestamp", "note"},
                                       {"a", "b@2"}, true));
  EXPECT_EQ(format.Header(), "entity_id,timestamp,note,a,a__status,b@2,b@2__status\n");
  std::string line;
  format.AppendLabels(Labels({"1", "2026-03-01T10:00:00+01:00", "x,y"}), &line);
  format.AppendFeatures(Values(), 0, &line);
  EXPECT_EQ(line, "1,2026-03-01T10:00:00+01:00,\"x,y\",42,PRESENT,,NOT_FOUND\n");
}

TEST(ExportRowFormatTest, JsonRowKeepsLabelTypes) {
  using K = import::FieldKind;
  ASSERT_OK_AND_ASSIGN(RowFormat format, RowFormat::Make(OutputFormat::kJsonLines, ',',
                                                         {"entity_id", "timestamp", "y", "z", "w"},
                                                         {"a", "b"}, false));
  EXPECT_EQ(format.Header(), "");
  std::string line;
  format.AppendLabels(Labels({"1", "1772359200", "1.5", std::nullopt, "[1,2]"},
                             {K::kString, K::kNumber, K::kNumber, K::kAbsent, K::kArray}),
                      &line);
  format.AppendFeatures(Values(), 0, &line);
  EXPECT_EQ(line,
            "{\"entity_id\":\"1\",\"timestamp\":1772359200,\"y\":1.5,\"z\":null,\"w\":[1,2],"
            "\"a\":42,\"b\":null}\n");
  line.clear();  // from CSV every label is a string
  format.AppendLabels(Labels({"1", "2026-03-01", "1.5", "", "q\""}), &line);
  EXPECT_EQ(line,
            "{\"entity_id\":\"1\",\"timestamp\":\"2026-03-01\",\"y\":\"1.5\",\"z\":\"\","
            "\"w\":\"q\\\"\"");
}

TEST(ExportRowFormatTest, DuplicateColumnsAreRefused) {
  EXPECT_FALSE(
      RowFormat::Make(OutputFormat::kCsv, ',', {"entity_id", "timestamp", "a"}, {"a"}, false).ok());
  EXPECT_FALSE(
      RowFormat::Make(OutputFormat::kCsv, ',', {"entity_id", "timestamp"}, {"a", "a"}, false).ok());
  EXPECT_FALSE(
      RowFormat::Make(OutputFormat::kCsv, ',', {"entity_id", "timestamp", "a__status"}, {"a"}, true)
          .ok());
  EXPECT_TRUE(RowFormat::Make(OutputFormat::kCsv, ',', {"entity_id", "timestamp", "a__status"},
                              {"a"}, false)
                  .ok());
}

}  // namespace asof::exporter
}  // namespace asof::exporter

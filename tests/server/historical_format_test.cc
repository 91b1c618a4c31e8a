#include "server/historical_format.h"

#include <gtest/gtest.h>

#include <boost/json/parse.hpp>
#include <string>
#include <vector>

#include "tests/util/test_util.h"

namespace asof::server {
namespace {

constexpr int64_t kT0 = 1772359200000000;  // 2026-03-01T10:00:00Z

FeatureValue Present(Value v, int64_t event_ts) {
  FeatureValue fv;
  fv.status = ValueStatus::kPresent;
  fv.value = std::move(v);
  fv.event_ts = event_ts;
  fv.ingest_ts = event_ts;
  return fv;
}

std::string Csv(std::string_view text) {
  std::string out;
  AppendCsvCell(text, &out);
  return out;
}

TEST(HistoricalFormatTest, AcceptPicksCsvOnlyWhenAsked) {
  EXPECT_EQ(HistoricalFormatFor(""), HistoricalFormat::kJson);
  EXPECT_EQ(HistoricalFormatFor("*/*"), HistoricalFormat::kJson);
  EXPECT_EQ(HistoricalFormatFor("application/json"), HistoricalFormat::kJson);
  EXPECT_EQ(HistoricalFormatFor("text/csv"), HistoricalFormat::kCsv);
  EXPECT_EQ(HistoricalFormatFor("Text/CSV; charset=utf-8"), HistoricalFormat::kCsv);
  EXPECT_EQ(HistoricalFormatFor("application/json, text/csv;q=0.9"), HistoricalFormat::kCsv);
  EXPECT_EQ(HistoricalContentType(HistoricalFormat::kCsv), "text/csv; charset=utf-8");
}

TEST(HistoricalFormatTest, CsvCellsAreQuotedPerRfc4180) {
  EXPECT_EQ(Csv("plain"), "plain");
  EXPECT_EQ(Csv(""), "");
  EXPECT_EQ(Csv("a,b"), "\"a,b\"");
  EXPECT_EQ(Csv("say \"hi\""), "\"say \"\"hi\"\"\"");
  EXPECT_EQ(Csv("two\nlines"), "\"two\nlines\"");
  EXPECT_EQ(Csv("cr\r"), "\"cr\r\"");
  EXPECT_EQ(Csv("caf\xc3\xa9"), "caf\xc3\xa9");
}

TEST(HistoricalFormatTest, CsvValueTexts) {
  EXPECT_EQ(CsvValueText(Value::Null()), "");
  EXPECT_EQ(CsvValueText(Value::Bool(true)), "true");
  EXPECT_EQ(CsvValueText(Value::Int32(-7)), "-7");
  EXPECT_EQ(CsvValueText(Value::Int64(9007199254740993LL)), "9007199254740993");
  EXPECT_EQ(CsvValueText(Value::Float(0.1f)), "0.1");
  EXPECT_EQ(CsvValueText(Value::Double(1.5)), "1.5");
  EXPECT_EQ(CsvValueText(Value::Double(0.1 + 0.2)), "0.30000000000000004");
  EXPECT_EQ(CsvValueText(Value::String("x,y")), "x,y");  // quoting is the cell's job
  EXPECT_EQ(CsvValueText(Value::Timestamp(kT0)), "2026-03-01T10:00:00Z");
  EXPECT_EQ(CsvValueText(Value::Bytes("hi")), "aGk=");
  // Lists are their JSON text.
  auto list = boost::json::parse(CsvValueText(Value::Int64List({1, 2, 3})));
  EXPECT_EQ(list, boost::json::parse("[1,2,3]"));
  auto strings = boost::json::parse(CsvValueText(Value::StringList({"a", "b\"c"})));
  EXPECT_EQ(strings, boost::json::parse(R"(["a","b\"c"])"));
}

TEST(HistoricalFormatTest, CsvWithAndWithoutStatus) {
  std::vector<AsOfRow> rows = {{"u1", kT0}, {"u,2", kT0 + 1}};
  FeatureValue missing;  // NOT_FOUND
  FeatureValue null_value;
  null_value.status = ValueStatus::kNullValue;
  null_value.event_ts = kT0 - 1;
  std::vector<FeatureValue> values = {Present(Value::Double(2.5), kT0 - 5),
                                      Present(Value::String("say \"x\""), kT0 - 5), missing,
                                      null_value};
  for (bool include_status : {false, true}) {
    HistoricalWriter w(HistoricalFormat::kCsv, "user", AsOfMode::kEventTime, {"a", "b,c"},
                       include_status);
    std::string out;
    w.Begin(&out);
    w.AppendRows(std::span<const AsOfRow>(rows).subspan(0, 1),
                 std::span<const FeatureValue>(values).subspan(0, 2), &out);
    w.AppendRows(std::span<const AsOfRow>(rows).subspan(1),
                 std::span<const FeatureValue>(values).subspan(2), &out);
    w.End(&out);
    if (include_status) {
      EXPECT_EQ(out,
                "entity_id,timestamp,a,a__status,\"b,c\",\"b,c__status\"\n"
                "u1,2026-03-01T10:00:00Z,2.5,PRESENT,\"say \"\"x\"\"\",PRESENT\n"
                "\"u,2\",2026-03-01T10:00:00.000001Z,,NOT_FOUND,,NULL_VALUE\n");
    } else {
      EXPECT_EQ(out,
                "entity_id,timestamp,a,\"b,c\"\n"
                "u1,2026-03-01T10:00:00Z,2.5,\"say \"\"x\"\"\"\n"
                "\"u,2\",2026-03-01T10:00:00.000001Z,,\n");
    }
  }
}

TEST(HistoricalFormatTest, JsonIsValidWhateverTheChunking) {
  std::vector<AsOfRow> rows = {{"u\"1", kT0}, {"u2", kT0 + 1}, {"u3", kT0 + 2}};
  std::vector<FeatureValue> values = {Present(Value::Int64(1), kT0), FeatureValue(),
                                      Present(Value::Int64(3), kT0)};
  for (size_t split : {0, 1, 3}) {
    HistoricalWriter w(HistoricalFormat::kJson, "us\"er", AsOfMode::kReplay, {"n"}, true);
    std::string out;
    w.Begin(&out);
    w.AppendRows(std::span<const AsOfRow>(rows).subspan(0, split),
                 std::span<const FeatureValue>(values).subspan(0, split), &out);
    w.AppendRows(std::span<const AsOfRow>(rows).subspan(split),
                 std::span<const FeatureValue>(values).subspan(split), &out);
    w.End(&out);
    boost::system::error_code ec;
    boost::json::value doc = boost::json::parse(out, ec);
    ASSERT_FALSE(ec) << out;
    const auto& o = doc.as_object();
    EXPECT_EQ(o.at("entity"), "us\"er");
    EXPECT_EQ(o.at("mode"), "replay");
    EXPECT_EQ(o.at("features"), boost::json::parse(R"(["n"])"));
    const auto& out_rows = o.at("rows").as_array();
    ASSERT_EQ(out_rows.size(), 3u);
    EXPECT_EQ(out_rows[0].at("entity_id"), "u\"1");
    EXPECT_EQ(out_rows[1].at("timestamp"), "2026-03-01T10:00:00.000001Z");
    EXPECT_EQ(out_rows[0].at("features").at("n").at("value"), 1);
    EXPECT_EQ(out_rows[0].at("features").at("n").at("status"), "PRESENT");
    EXPECT_EQ(out_rows[1].at("features").at("n").at("status"), "NOT_FOUND");
    EXPECT_TRUE(out_rows[1].at("features").at("n").at("value").is_null());
    EXPECT_EQ(out_rows[2].at("features").at("n").at("value"), 3);
    EXPECT_FALSE(o.contains("dataset_id")) << "none given";
  }
}

TEST(HistoricalFormatTest, JsonCarriesTheDatasetIdBeforeTheRows) {
  HistoricalWriter w(HistoricalFormat::kJson, "user", AsOfMode::kEventTime, {"n"}, false,
                     "train-v1");
  std::string out;
  w.Begin(&out);
  EXPECT_NE(out.find(R"("dataset_id":"train-v1")"), std::string::npos) << out;
  w.End(&out);
  boost::system::error_code ec;
  boost::json::value doc = boost::json::parse(out, ec);
  ASSERT_FALSE(ec) << out;
  EXPECT_EQ(doc.at("dataset_id"), "train-v1");
  EXPECT_TRUE(doc.at("rows").as_array().empty());

  HistoricalWriter csv(HistoricalFormat::kCsv, "user", AsOfMode::kEventTime, {"n"}, false,
                       "train-v1");
  std::string text;
  csv.Begin(&text);
  EXPECT_EQ(text, "entity_id,timestamp,n\n") << "CSV has no place for it";
}

}  // namespace
}  // namespace asof::server

#include "tools/asof-import/mapping.h"

#include <gtest/gtest.h>

#include "engine/engine.h"
#include "tests/tools/import_test_files.h"
#include "tests/util/test_util.h"

namespace asof::import {
namespace {

using asof::testing::TempDir;

int64_t Ts(std::string_view text, TimestampFormat f = TimestampFormat::kIso8601) {
  Result<int64_t> r = ParseTimestamp(text, f);
  EXPECT_TRUE(r.ok()) << text << ": " << r.status().ToString();
  return r.ok() ? *r : -1;
}

bool Bad(std::string_view text, TimestampFormat f = TimestampFormat::kIso8601) {
  Result<int64_t> r = ParseTimestamp(text, f);
  if (r.ok()) return false;
  EXPECT_EQ(r.status().code(), ErrorCode::kInvalidArgument);
  return true;
}

constexpr int64_t k2024 = 1704067200LL * 1000000;  // 2024-01-01T00:00:00Z

TEST(TimestampTest, Iso8601Forms) {
  EXPECT_EQ(Ts("1970-01-01T00:00:00Z"), 0);
  EXPECT_EQ(Ts("2024-01-01T00:00:00Z"), k2024);
  EXPECT_EQ(Ts("2024-01-01"), k2024);
  EXPECT_EQ(Ts("2024-01-01 00:00:00"), k2024);
  EXPECT_EQ(Ts("2024-01-01t00:00:00z"), k2024);
  EXPECT_EQ(Ts("2024-01-01T00:00:00"), k2024);
  EXPECT_EQ(Ts("2024-01-01 00:00:01.5"), k2024 + 1500000);
  EXPECT_EQ(Ts("2024-01-01T00:00:00.000001Z"), k2024 + 1);
  EXPECT_EQ(Ts("2024-01-01T00:00:00.123456000Z"), k2024 + 123456);
  EXPECT_EQ(Ts("2024-01-01T02:00:00+02:00"), k2024);
  EXPECT_EQ(Ts("2023-12-31T19:30:00-04:30"), k2024);
  EXPECT_EQ(Ts("2024-02-29"), k2024 + 59LL * 86400 * 1000000);
  EXPECT_EQ(Ts("1969-12-31T23:59:59Z"), -1000000);
  EXPECT_EQ(Ts("9999-12-31T23:59:59.999999Z"), kMaxEventTs);
}

TEST(TimestampTest, BadIso8601) {
  for (std::string_view text : {"",
                                "2024",
                                "2024-1-01",
                                "2024-13-01",
                                "2023-02-29",
                                "2024-04-31",
                                "2024-01-00",
                                "2024-01-01T",
                                "2024-01-01T24:00:00Z",
                                "2024-01-01T10:60:00Z",
                                "2024-01-01T10:00:60Z",
                                "2024-01-01T10:00Z",
                                "2024-01-01T10:00:00.Z",
                                "2024-01-01T10:00:00.1234567Z",
                                "2024-01-01T10:00:00+0200",
                                "2024-01-01T10:00:00+25:00",
                                "2024-01-01T10:00:00Zjunk",
                                "2024-01-01X10:00:00",
                                " 2024-01-01",
                                "1704067200"}) {
    EXPECT_TRUE(Bad(text)) << text;
  }
}

TEST(TimestampTest, Epochs) {
  EXPECT_EQ(Ts("1704067200", TimestampFormat::kEpochS), k2024);
  EXPECT_EQ(Ts("1704067200.25", TimestampFormat::kEpochS), k2024 + 250000);
  EXPECT_EQ(Ts("1704067200.000001", TimestampFormat::kEpochS), k2024 + 1);
  EXPECT_EQ(Ts("1704067200.0000010", TimestampFormat::kEpochS), k2024 + 1);
  EXPECT_EQ(Ts("-1", TimestampFormat::kEpochS), -1000000);
  EXPECT_EQ(Ts("1704067200123", TimestampFormat::kEpochMs), k2024 + 123000);
  EXPECT_EQ(Ts("1704067200123.5", TimestampFormat::kEpochMs), k2024 + 123500);
  EXPECT_EQ(Ts("1704067200123456", TimestampFormat::kEpochUs), k2024 + 123456);
  EXPECT_EQ(Ts("0", TimestampFormat::kEpochUs), 0);
  for (auto [text, f] : std::vector<std::pair<std::string_view, TimestampFormat>>{
           {"", TimestampFormat::kEpochS},
           {"1.", TimestampFormat::kEpochS},
           {".5", TimestampFormat::kEpochS},
           {"1e9", TimestampFormat::kEpochS},
           {"12a", TimestampFormat::kEpochMs},
           {"1.0000001", TimestampFormat::kEpochS},
           {"1.0001", TimestampFormat::kEpochMs},
           {"1.5", TimestampFormat::kEpochUs},
           {"99999999999999999999", TimestampFormat::kEpochUs},
           {"9223372036855", TimestampFormat::kEpochS},
           {"2024-01-01", TimestampFormat::kEpochMs},
           {"+5", TimestampFormat::kEpochS}}) {
    EXPECT_TRUE(Bad(text, f)) << text;
  }
}

TEST(TimestampTest, FormatNames) {
  for (auto f : {TimestampFormat::kIso8601, TimestampFormat::kEpochS, TimestampFormat::kEpochMs,
                 TimestampFormat::kEpochUs}) {
    EXPECT_EQ(ParseTimestampFormat(TimestampFormatName(f)), f);
  }
  EXPECT_FALSE(ParseTimestampFormat("epoch"));
}

TEST(MappingTomlTest, FullFile) {
  ASSERT_OK_AND_ASSIGN(Mapping m, ParseMappingToml(R"(
entity_type = "user"
entity_id_column = "user_id"
event_ts_column = "ts"
ts_format = "epoch_ms"
created_ts_column = "created_at"
null_markers = ["", "NA"]
ignore_columns = ["comment"]
[features]
age = "age_days"
country = "country"
)",
                                                   "m.toml"));
  EXPECT_EQ(m.entity_type, "user");
  EXPECT_EQ(m.entity_id_column, "user_id");
  EXPECT_EQ(m.event_ts_column, "ts");
  EXPECT_EQ(m.ts_format, TimestampFormat::kEpochMs);
  EXPECT_EQ(m.created_ts_column, "created_at");
  EXPECT_EQ(m.null_markers, (std::vector<std::string>{"", "NA"}));
  EXPECT_EQ(m.ignore_columns, std::vector<std::string>{"comment"});
  ASSERT_EQ(m.features.size(), 2u);
  EXPECT_EQ(m.features[0].column, "age");
  EXPECT_EQ(m.features[0].feature, "age_days");
}

TEST(MappingTomlTest, MalformedFiles) {
  struct Case {
    const char* text;
    const char* says;
  };
  for (const Case& c : std::vector<Case>{
           {"entity_type = \"user", "m.toml:1"},
           {"entity_typo = \"user\"", "unknown key entity_typo"},
           {"entity_type = 5", "entity_type must be a string"},
           {"ts_format = \"epoch_ns\"", "ts_format must be"},
           {"null_markers = \"NA\"", "null_markers must be an array"},
           {"null_markers = [1]", "null_markers must be an array"},
           {"features = [\"a\"]", "[features] must be a table"},
           {"[features]\na = 1", "features.a must be a feature name"},
       }) {
    Result<Mapping> m = ParseMappingToml(c.text, "m.toml");
    ASSERT_FALSE(m.ok()) << c.text;
    EXPECT_EQ(m.status().code(), ErrorCode::kInvalidArgument);
    EXPECT_NE(m.status().message().find(c.says), std::string::npos) << m.status().message();
  }
}

TEST(MappingFlagsTest, FlagsOverrideTheFile) {
  TempDir dir;
  std::string path = dir.path() + "/m.toml";
  testing::WriteFile(path,
                     "entity_type = \"user\"\nts_format = \"epoch_s\"\n"
                     "ignore_columns = [\"a\"]\n[features]\nx = \"fx\"\n");
  MappingFlags flags;
  flags.mapping_file = path;
  flags.event_ts_column = "when";
  flags.features = {"y", "z=fz"};
  flags.ignore_columns = {"b"};
  flags.null_markers = std::vector<std::string>{"-"};
  ASSERT_OK_AND_ASSIGN(Mapping m, MappingFromFlags(flags));
  EXPECT_EQ(m.entity_type, "user");
  EXPECT_EQ(m.event_ts_column, "when");
  EXPECT_EQ(m.ts_format, TimestampFormat::kEpochS);
  ASSERT_EQ(m.features.size(), 2u);
  EXPECT_EQ(m.features[0].feature, "y");
  EXPECT_EQ(m.features[1].column, "z");
  EXPECT_EQ(m.features[1].feature, "fz");
  EXPECT_EQ(m.ignore_columns, (std::vector<std::string>{"a", "b"}));
  EXPECT_EQ(m.null_markers, std::vector<std::string>{"-"});
}

TEST(MappingFlagsTest, Errors) {
  MappingFlags none;
  EXPECT_EQ(MappingFromFlags(none).status().code(), ErrorCode::kInvalidArgument);
  MappingFlags missing_file;
  missing_file.mapping_file = "/nonexistent/m.toml";
  EXPECT_EQ(MappingFromFlags(missing_file).status().code(), ErrorCode::kNotFound);
  MappingFlags bad_format;
  bad_format.entity_type = "user";
  bad_format.ts_format = "unix";
  EXPECT_FALSE(MappingFromFlags(bad_format).ok());
  MappingFlags bad_feature = bad_format;
  bad_feature.ts_format = "";
  bad_feature.features = {"=x"};
  EXPECT_FALSE(MappingFromFlags(bad_feature).ok());
  MappingFlags twice = bad_feature;
  twice.features = {"event_ts"};
  EXPECT_NE(MappingFromFlags(twice).status().message().find("used twice"), std::string::npos);
  MappingFlags same_name = bad_feature;
  same_name.features = {"a=f", "b=f"};
  EXPECT_NE(MappingFromFlags(same_name).status().message().find("two columns"), std::string::npos);
}

TEST(ResolveMappingTest, DefaultFeaturesAreTheOtherColumns) {
  Mapping m;
  m.entity_type = "user";
  m.created_ts_column = "created";
  m.ignore_columns = {"note"};
  ASSERT_OK_AND_ASSIGN(ResolvedMapping r,
                       ResolveMapping(m, {"x", "entity_id", "note", "event_ts", "created", "y"}));
  EXPECT_EQ(r.entity_id_index, 1u);
  EXPECT_EQ(r.event_ts_index, 3u);
  EXPECT_EQ(r.created_ts_index, 4u);
  ASSERT_EQ(r.features.size(), 2u);
  EXPECT_EQ(r.features[0].index, 0u);
  EXPECT_EQ(r.features[0].feature, "x");
  EXPECT_EQ(r.features[1].index, 5u);
}

TEST(ResolveMappingTest, ExplicitFeaturesInHeaderOrder) {
  Mapping m;
  m.entity_type = "user";
  m.features = {{"b", "fb"}, {"a", "fa"}};
  ASSERT_OK_AND_ASSIGN(ResolvedMapping r,
                       ResolveMapping(m, {"entity_id", "event_ts", "a", "b", "c"}));
  ASSERT_EQ(r.features.size(), 2u);
  EXPECT_EQ(r.features[0].feature, "fa");
  EXPECT_EQ(r.features[1].feature, "fb");
}

TEST(ResolveMappingTest, AColumnTheHeaderLacksIsAnErrorListingTheHeader) {
  Mapping m;
  m.entity_type = "user";
  m.entity_id_column = "user_id";
  Result<ResolvedMapping> r = ResolveMapping(m, {"id", "event_ts", "x"});
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.status().code(), ErrorCode::kInvalidArgument);
  EXPECT_NE(r.status().message().find("'user_id'"), std::string::npos);
  EXPECT_NE(r.status().message().find("id, event_ts, x"), std::string::npos);
  m.entity_id_column = "id";
  m.features = {{"y", "y"}};
  EXPECT_FALSE(ResolveMapping(m, {"id", "event_ts", "x"}).ok());
  m.features.clear();
  EXPECT_NE(ResolveMapping(m, {"id", "event_ts"}).status().message().find("no feature column"),
            std::string::npos);
}

}  // namespace
}  // namespace asof::import

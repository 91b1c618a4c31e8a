// Tests of server/ingest_records.cc: splitting a POST /api/ingest body (JSON array or JSON
// Lines, the record limit, every kind of malformed body) and converting records against a
// real registry, with a dead letter for every record that cannot be read.
#include "server/ingest_records.h"

#include <gtest/gtest.h>

#include <boost/json/parse.hpp>
#include <boost/json/serialize.hpp>
#include <memory>
#include <random>
#include <string>
#include <vector>

#include "tests/util/test_util.h"

namespace asof::server {
namespace {

namespace json = boost::json;

constexpr std::string_view kJson = "application/json";
constexpr std::string_view kNdjson = "application/x-ndjson";

Result<std::vector<json::value>> Parse(std::string_view body, std::string_view type = kJson,
                                       size_t max = 100) {
  return ParseIngestBody(body, type, max);
}

void ExpectError(const Result<std::vector<json::value>>& r, ErrorCode code,
                 std::string_view mention = "") {
  ASSERT_FALSE(r.ok()) << "parsed " << r->size() << " records";
  EXPECT_EQ(r.status().code(), code) << r.status().ToString();
  EXPECT_NE(r.status().message().find(mention), std::string::npos) << r.status().ToString();
}

// ---- ParseIngestBody -------------------------------------------------------------------

TEST(ParseIngestBodyTest, ArrayGivesItsElementsInOrder) {
  ASSERT_OK_AND_ASSIGN(auto records, Parse(R"( [{"a":1}, {"a":2}, 3, "x", [] ] )"));
  ASSERT_EQ(records.size(), 5u);
  EXPECT_EQ(records[0].at("a"), 1);
  EXPECT_EQ(records[1].at("a"), 2);
  EXPECT_EQ(records[2], 3);  // not an object: rejected later, not a body error
  EXPECT_TRUE(records[4].is_array());
}

TEST(ParseIngestBodyTest, EmptyArrayIsNoRecords) {
  ASSERT_OK_AND_ASSIGN(auto records, Parse("[]"));
  EXPECT_TRUE(records.empty());
  ASSERT_OK_AND_ASSIGN(records, Parse(" \n[ ]\n"));
  EXPECT_TRUE(records.empty());
}

TEST(ParseIngestBodyTest, JsonLinesByContentTypeOrDetection) {
  const std::string body = "{\"a\":1}\r\n\n  \n{\"a\":2}\n{\"a\":3}";
  for (std::string_view type : {kNdjson, std::string_view("application/jsonl"), kJson,
                                std::string_view("text/plain"), std::string_view("")}) {
    SCOPED_TRACE(type);
    ASSERT_OK_AND_ASSIGN(auto records, Parse(body, type));
    ASSERT_EQ(records.size(), 3u) << "blank lines are not records";
    for (int i = 0; i < 3; ++i) EXPECT_EQ(records[i].at("a"), i + 1);
  }
  // Declared JSON Lines whose lines are arrays: records (rejected later), not an array body.
  ASSERT_OK_AND_ASSIGN(auto lines, Parse("[1]\n[2]\n", kNdjson));
  EXPECT_EQ(lines.size(), 2u);
  // One bare object is a batch of one.
  ASSERT_OK_AND_ASSIGN(auto one, Parse(R"({"a":1})"));
  EXPECT_EQ(one.size(), 1u);
}

TEST(ParseIngestBodyTest, MalformedBodiesAreInvalidArgument) {
  ExpectError(Parse(""), ErrorCode::kInvalidArgument, "empty body");
  ExpectError(Parse(" \r\n\t"), ErrorCode::kInvalidArgument, "empty body");
  ExpectError(Parse("", kNdjson), ErrorCode::kInvalidArgument, "empty body");
  ExpectError(Parse(R"([{"a":1})"), ErrorCode::kInvalidArgument, "JSON array");
  ExpectError(Parse(R"([{"a":1}] [])"), ErrorCode::kInvalidArgument, "JSON array");
  ExpectError(Parse(R"([{"a":1},])"), ErrorCode::kInvalidArgument);
  ExpectError(Parse("[\"\xff\"]"), ErrorCode::kInvalidArgument);  // not UTF-8
  ExpectError(Parse("{\"a\":1}\n{\"a\":\n2}\n"), ErrorCode::kInvalidArgument, "line 2");
  ExpectError(Parse("{\"a\":1}\n\n{\"a\":2} {\"a\":3}"), ErrorCode::kInvalidArgument, "line 3");
  // A pretty-printed object read as JSON Lines: the message says why.
  ExpectError(Parse("{\n  \"a\": 1\n}"), ErrorCode::kInvalidArgument, "JSON Lines");
  ExpectError(Parse("nope"), ErrorCode::kInvalidArgument, "line 1");
}

TEST(ParseIngestBodyTest, MoreRecordsThanTheLimitIsPayloadTooLarge) {
  ASSERT_OK_AND_ASSIGN(auto at_limit, Parse("[1,2,3]", kJson, 3));
  EXPECT_EQ(at_limit.size(), 3u);
  ExpectError(Parse("[1,2,3,4]", kJson, 3), ErrorCode::kPayloadTooLarge,
              "4 exceeds the limit of 3");
  ASSERT_OK_AND_ASSIGN(auto lines, Parse("1\n2\n\n3\n", kJson, 3));
  EXPECT_EQ(lines.size(), 3u);
  // Lines are counted before they are parsed.
  ExpectError(Parse("1\n2\n3\n{oops", kJson, 3), ErrorCode::kPayloadTooLarge, "limit of 3");
}

TEST(ParseIngestBodyTest, EveryTruncationAndByteFlipIsARecordListOrAnError) {
  const std::string body =
      R"([{"entity":"user","entity_id":"u1","feature":"age","value":3,)"
      R"("event_timestamp":"2026-03-01T10:00:00Z","event_id":"e1"},{"x":[1,2.5,null,true]}])";
  for (size_t n = 0; n < body.size(); ++n) {
    auto r = Parse(body.substr(0, n));
    if (!r.ok()) {
      EXPECT_EQ(r.status().code(), ErrorCode::kInvalidArgument) << n;
    }
  }
  std::mt19937 rng(20260301);
  for (int i = 0; i < 2000; ++i) {
    std::string mutated = body;
    mutated[rng() % mutated.size()] = static_cast<char>(rng() % 256);
    auto r = Parse(mutated, i % 2 == 0 ? kJson : kNdjson);
    if (!r.ok()) {
      EXPECT_TRUE(r.status().code() == ErrorCode::kInvalidArgument) << r.status().ToString();
    }
  }
}

// ---- ConvertIngestRecord ---------------------------------------------------------------

constexpr int64_t kMar1 = 1772359200000000;  // 2026-03-01T10:00:00Z

class ConvertIngestRecordTest : public ::testing::Test {
 protected:
  void SetUp() override {
    EngineOptions o;
    o.path = dir_.path() + "/db";
    o.sync_writes = false;
    o.block_cache_bytes = 1 << 20;
    o.write_buffer_bytes = 1 << 20;
    ASSERT_OK_AND_ASSIGN(engine_, Engine::Open(o));
    Registry& reg = engine_->registry();
    ASSERT_OK(reg.RegisterEntityType("user", ""));
    for (auto [name, type] :
         {std::pair{"age", ValueType::kInt64}, std::pair{"score", ValueType::kDouble},
          std::pair{"tags", ValueType::kStringList}}) {
      FeatureSpec spec;
      spec.name = name;
      spec.entity = "user";
      spec.value_type = type;
      ASSERT_OK(reg.RegisterFeature(spec));
    }
    FeatureSpec v2;
    v2.name = "age";
    v2.entity = "user";
    v2.value_type = ValueType::kString;  // age@2 is a STRING, age@1 stays INT64
    ASSERT_OK(reg.RegisterFeature(v2, /*new_version=*/true));
  }

  std::variant<WriteRecord, DeadLetterInput> Convert(std::string_view text) {
    return ConvertIngestRecord(json::parse(text), engine_->registry());
  }
  WriteRecord Accepted(std::string_view text) {
    auto r = Convert(text);
    if (auto* letter = std::get_if<DeadLetterInput>(&r)) {
      ADD_FAILURE() << text << " rejected: " << letter->reason.ToString();
      return {};
    }
    return std::get<WriteRecord>(r);
  }
  // Checks that the record is rejected as UNPROCESSABLE naming `mention`, with its JSON
  // text kept as the dead letter's value.
  DeadLetterInput Rejected(std::string_view text, std::string_view mention) {
    auto r = Convert(text);
    if (!std::holds_alternative<DeadLetterInput>(r)) {
      ADD_FAILURE() << text << " was accepted";
      return {};
    }
    DeadLetterInput letter = std::get<DeadLetterInput>(r);
    EXPECT_EQ(letter.reason.code(), ErrorCode::kUnprocessable) << letter.reason.ToString();
    EXPECT_NE(letter.reason.message().find(mention), std::string::npos)
        << text << ": " << letter.reason.ToString();
    EXPECT_EQ(letter.record.value.type(), ValueType::kString) << text;
    if (letter.record.value.type() == ValueType::kString) {
      EXPECT_EQ(json::parse(letter.record.value.as_string()), json::parse(text))
          << "the dead letter does not keep the record's JSON";
    }
    return letter;
  }

  asof::testing::TempDir dir_;
  std::unique_ptr<Engine> engine_;
};

TEST_F(ConvertIngestRecordTest, ValidRecordsConvertByTheFeaturesType) {
  WriteRecord r = Accepted(R"({"entity":"user","entity_id":"u1","feature":"age@1","value":41,)"
                           R"("event_timestamp":"2026-03-01T10:00:00Z","event_id":"ev-1"})");
  EXPECT_EQ(r, (WriteRecord{"user", "u1", "age@1", Value::Int64(41), kMar1, "ev-1"}));

  r = Accepted(R"({"entity":"user","entity_id":"u2","feature":"age","value":"41",)"
               R"("event_timestamp":1772359200000000})");
  EXPECT_EQ(r, (WriteRecord{"user", "u2", "age", Value::String("41"), kMar1, ""}))
      << "\"age\" is the newest version, a STRING";

  r = Accepted(R"({"event_id":null,"value":null,"feature":"score","entity_id":"u3",)"
               R"("entity":"user","event_timestamp":"2026-03-01T11:00:00+01:00"})");
  EXPECT_EQ(r, (WriteRecord{"user", "u3", "score", Value::Null(), kMar1, ""}));

  r = Accepted(R"({"entity":"user","entity_id":"u4","feature":"tags","value":["a","b"],)"
               R"("event_timestamp":"2026-03-01T10:00:00Z"})");
  EXPECT_EQ(r.value, Value::StringList({"a", "b"}));
}

TEST_F(ConvertIngestRecordTest, EveryUnreadableRecordBecomesADeadLetter) {
  const std::string ok_rest = R"("event_timestamp":"2026-03-01T10:00:00Z")";
  Rejected("[1,2]", "JSON object");
  Rejected("42", "JSON object");
  Rejected("null", "JSON object");
  Rejected(R"("a record")", "JSON object");
  Rejected(R"({"entity_id":"u","feature":"age","value":1,)" + ok_rest + "}", "entity: missing");
  Rejected(R"({"entity":"user","feature":"age","value":1,)" + ok_rest + "}", "entity_id: missing");
  Rejected(R"({"entity":"user","entity_id":"u","value":1,)" + ok_rest + "}", "feature: missing");
  Rejected(R"({"entity":"user","entity_id":"u","feature":"age","value":"x"})",
           "event_timestamp: missing");
  Rejected(R"({"entity":"user","entity_id":"u","feature":"age",)" + ok_rest + "}",
           "value: missing");
  Rejected(R"({"entity":"user","entity_id":5,"feature":"age","value":"x",)" + ok_rest + "}",
           "entity_id: expected a string, got an integer");
  Rejected(R"({"entity":["user"],"entity_id":"u","feature":"age","value":"x",)" + ok_rest + "}",
           "entity: expected a string, got an array");
  Rejected(R"({"entity":"user","entity_id":"u","feature":null,"value":"x",)" + ok_rest + "}",
           "feature: expected a string, got null");
  Rejected(R"({"entity":"user","entity_id":"u","feature":"age","value":"x","event_id":7,)" +
               ok_rest + "}",
           "event_id: expected a string");
  Rejected(R"({"entity":"user","entity_id":"u","feature":"age","value":"x","event_idd":"e",)" +
               ok_rest + "}",
           "unknown member 'event_idd'");
  Rejected(R"({"entity":"user","entity_id":"u","feature":"height","value":1,)" + ok_rest + "}",
           "height");
  Rejected(R"({"entity":"robot","entity_id":"u","feature":"age","value":1,)" + ok_rest + "}",
           "robot");
  Rejected(R"({"entity":"user","entity_id":"u","feature":"age@7","value":1,)" + ok_rest + "}",
           "version 7");
  Rejected(R"({"entity":"user","entity_id":"u","feature":"age@1","value":1.5,)" + ok_rest + "}",
           "value");
  Rejected(R"({"entity":"user","entity_id":"u","feature":"score","value":true,)" + ok_rest + "}",
           "value");
  Rejected(R"({"entity":"user","entity_id":"u","feature":"tags","value":["a",1],)" + ok_rest + "}",
           "value");
  Rejected(R"({"entity":"user","entity_id":"u","feature":"age","value":"x",)"
           R"("event_timestamp":"yesterday"})",
           "event_timestamp");
  Rejected(R"({"entity":"user","entity_id":"u","feature":"age","value":"x",)"
           R"("event_timestamp":true})",
           "event_timestamp");
}

TEST_F(ConvertIngestRecordTest, DeadLetterKeepsTheMembersThatCouldBeRead) {
  DeadLetterInput letter =
      Rejected(R"({"entity":"user","entity_id":"u9","feature":"age@1","value":"not an int",)"
               R"("event_timestamp":"2026-03-01T10:00:00Z","event_id":"ev-9"})",
               "value");
  EXPECT_EQ(letter.record.entity_type, "user");
  EXPECT_EQ(letter.record.entity_id, "u9");
  EXPECT_EQ(letter.record.feature, "age@1");
  EXPECT_EQ(letter.record.event_ts, kMar1);
  EXPECT_EQ(letter.record.event_id, "ev-9");

  letter = Rejected(R"({"entity":"user","entity_id":17,"feature":"age","value":1,)"
                    R"("event_timestamp":"soon"})",
                    "entity_id");
  EXPECT_EQ(letter.record.entity_type, "user");
  EXPECT_EQ(letter.record.entity_id, "");
  EXPECT_EQ(letter.record.feature, "age");
  EXPECT_EQ(letter.record.event_ts, std::nullopt);
}

}  // namespace
}  // namespace asof::server

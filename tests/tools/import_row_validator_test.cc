#include "tools/asof-import/row_validator.h"

#include <gtest/gtest.h>

#include "engine/engine.h"
#include "engine/internal/value_codec.h"
#include "tests/util/test_util.h"

namespace asof::import {
namespace {

wire::FeatureT Feature(const std::string& name, ValueType type, uint32_t id, uint32_t version = 1,
                       const std::string& entity = "user") {
  wire::FeatureT f;
  f.spec = std::make_unique<wire::FeatureSpecT>();
  f.spec->name = name;
  f.spec->entity = entity;
  f.spec->value_type = static_cast<uint8_t>(type);
  f.id = id;
  f.version = version;
  return f;
}

Value Decode(const ImportCell& cell) {
  std::string_view in = cell.encoded_value;
  Result<Value> v = internal::DecodeValue(&in);
  EXPECT_TRUE(v.ok());
  return v.ok() ? *v : Value();
}

class RowValidatorTest : public ::testing::Test {
 protected:
  // Columns: entity_id, event_ts, created, f_<type> for each of the twelve types.
  void SetUp() override {
    columns_ = {"entity_id", "event_ts", "created"};
    for (uint8_t t = 1; t <= kMaxValueType; ++t) {
      std::string name = "f_" + std::string(ValueTypeName(static_cast<ValueType>(t)));
      columns_.push_back(name);
      features_.push_back(Feature(name, static_cast<ValueType>(t), 100 + t));
    }
    mapping_.entity_type = "user";
    mapping_.created_ts_column = "created";
  }

  RowValidator Make() {
    Result<ResolvedMapping> resolved = ResolveMapping(mapping_, columns_);
    EXPECT_TRUE(resolved.ok()) << resolved.status().ToString();
    Result<RowValidator> v = RowValidator::Create(mapping_, *resolved, features_);
    EXPECT_TRUE(v.ok()) << v.status().ToString();
    return std::move(v).value();
  }

  // A CSV record with every feature null except `set` (column name -> text).
  InputRecord Csv(std::string id, std::string ts,
                  std::vector<std::pair<std::string, std::string>> set = {},
                  std::optional<std::string> created = std::nullopt) {
    InputRecord r;
    r.source = "in.csv";
    r.line = 7;
    r.text = "original text";
    r.fields = {id, ts, created.value_or(mapping_.null_markers.front())};
    r.fields.resize(columns_.size(), mapping_.null_markers.front());
    for (auto& [column, text] : set) {
      size_t i = std::find(columns_.begin(), columns_.end(), column) - columns_.begin();
      r.fields[i] = text;
    }
    return r;
  }

  Reject ExpectReject(const InputRecord& r, RejectReason reason, const std::string& column) {
    RowValidator v = Make();
    RowValidator::Outcome out = v.Validate(r);
    EXPECT_TRUE(std::holds_alternative<Reject>(out)) << "accepted";
    if (!std::holds_alternative<Reject>(out)) return {};
    Reject rej = std::get<Reject>(out);
    EXPECT_EQ(RejectReasonName(rej.reason), RejectReasonName(reason)) << rej.message;
    EXPECT_EQ(rej.column, column);
    EXPECT_EQ(rej.source, "in.csv");
    EXPECT_EQ(rej.line, 7u);
    EXPECT_EQ(rej.text, "original text");
    return rej;
  }

  Value Accept(const InputRecord& r, const std::string& column) {
    RowValidator v = Make();
    RowValidator::Outcome out = v.Validate(r);
    if (auto* rej = std::get_if<Reject>(&out)) {
      ADD_FAILURE() << "rejected: " << RejectReasonName(rej->reason) << ": " << rej->message;
      return Value();
    }
    const ImportRow& row = std::get<ImportRow>(out);
    size_t i = std::find(columns_.begin(), columns_.end(), column) - columns_.begin();
    uint32_t id = features_[i - 3].id;
    for (const ImportCell& cell : row.cells) {
      if (cell.feature_id == id) return Decode(cell);
    }
    ADD_FAILURE() << "no cell for " << column;
    return Value();
  }

  std::vector<std::string> columns_;
  std::vector<wire::FeatureT> features_;
  Mapping mapping_;
};

TEST_F(RowValidatorTest, AValidCsvRow) {
  RowValidator v = Make();
  RowValidator::Outcome out = v.Validate(
      Csv("u1", "2024-01-01T00:00:00Z", {{"f_INT64", "42"}, {"f_STRING", "hi"}}, "2024-01-02"));
  ASSERT_TRUE(std::holds_alternative<ImportRow>(out));
  const ImportRow& row = std::get<ImportRow>(out);
  EXPECT_EQ(row.line, 7u);
  EXPECT_EQ(row.entity_id, "u1");
  EXPECT_EQ(row.event_ts, 1704067200LL * 1000000);
  ASSERT_EQ(row.cells.size(), 12u);  // every mapped column; the empty ones are nulls
  EXPECT_EQ(row.cells[0].feature_id, 101u);
  EXPECT_TRUE(Decode(row.cells[0]).is_null());
  EXPECT_EQ(Decode(row.cells[2]), Value::Int64(42));
  EXPECT_EQ(Decode(row.cells[5]), Value::String("hi"));
}

TEST_F(RowValidatorTest, CsvValuesOfEveryType) {
  auto ts = "2024-01-01";
  EXPECT_EQ(Accept(Csv("u", ts, {{"f_BOOL", "true"}}), "f_BOOL"), Value::Bool(true));
  EXPECT_EQ(Accept(Csv("u", ts, {{"f_BOOL", "FALSE"}}), "f_BOOL"), Value::Bool(false));
  EXPECT_EQ(Accept(Csv("u", ts, {{"f_BOOL", "1"}}), "f_BOOL"), Value::Bool(true));
  EXPECT_EQ(Accept(Csv("u", ts, {{"f_INT32", "-2147483648"}}), "f_INT32"),
            Value::Int32(-2147483648));
  EXPECT_EQ(Accept(Csv("u", ts, {{"f_INT64", "9223372036854775807"}}), "f_INT64"),
            Value::Int64(9223372036854775807LL));
  EXPECT_EQ(Accept(Csv("u", ts, {{"f_FLOAT", "1.5"}}), "f_FLOAT"), Value::Float(1.5f));
  EXPECT_EQ(Accept(Csv("u", ts, {{"f_DOUBLE", "2"}}), "f_DOUBLE"), Value::Double(2));
  EXPECT_EQ(Accept(Csv("u", ts, {{"f_DOUBLE", "-1e-3"}}), "f_DOUBLE"), Value::Double(-1e-3));
  EXPECT_EQ(Accept(Csv("u", ts, {{"f_STRING", "a,\"b\""}}), "f_STRING"), Value::String("a,\"b\""));
  EXPECT_EQ(Accept(Csv("u", ts, {{"f_BYTES", "AAEC/w=="}}), "f_BYTES"),
            Value::Bytes(std::string("\x00\x01\x02\xff", 4)));
  EXPECT_EQ(Accept(Csv("u", ts, {{"f_TIMESTAMP", "1970-01-01T00:00:01Z"}}), "f_TIMESTAMP"),
            Value::Timestamp(1000000));
  EXPECT_EQ(Accept(Csv("u", ts, {{"f_FLOAT_LIST", "[1, 2.5]"}}), "f_FLOAT_LIST"),
            Value::FloatList({1, 2.5}));
  EXPECT_EQ(Accept(Csv("u", ts, {{"f_DOUBLE_LIST", "[]"}}), "f_DOUBLE_LIST"),
            Value::DoubleList({}));
  EXPECT_EQ(Accept(Csv("u", ts, {{"f_INT64_LIST", "[1,-2]"}}), "f_INT64_LIST"),
            Value::Int64List({1, -2}));
  EXPECT_EQ(Accept(Csv("u", ts, {{"f_STRING_LIST", "[\"a\",\"b\"]"}}), "f_STRING_LIST"),
            Value::StringList({"a", "b"}));
}

TEST_F(RowValidatorTest, NullMarkers) {
  mapping_.null_markers = {"NA"};
  EXPECT_TRUE(Accept(Csv("u", "2024-01-01", {{"f_INT64", "NA"}}), "f_INT64").is_null());
  // "" is no longer a null marker, and "" is not an INT64.
  ExpectReject(Csv("u", "2024-01-01", {{"f_INT64", ""}, {"f_BOOL", "NA"}}),
               RejectReason::kWrongType, "f_INT64");
}

TEST_F(RowValidatorTest, EntityIdRejects) {
  ExpectReject(Csv("", "2024-01-01"), RejectReason::kMissingEntityId, "entity_id");
  ExpectReject(Csv("NULL", "2024-01-01"), RejectReason::kMissingEntityId, "entity_id");
  ExpectReject(Csv(std::string(kMaxEntityIdBytes + 1, 'x'), "2024-01-01"),
               RejectReason::kBadEntityId, "entity_id");
  ExpectReject(Csv("\xff\xfe", "2024-01-01"), RejectReason::kBadEntityId, "entity_id");
  EXPECT_TRUE(Accept(Csv(std::string(kMaxEntityIdBytes, 'x'), "2024-01-01"), "f_BOOL").is_null());
}

TEST_F(RowValidatorTest, EventTimestampRejects) {
  ExpectReject(Csv("u", ""), RejectReason::kMissingEventTs, "event_ts");
  ExpectReject(Csv("u", "yesterday"), RejectReason::kBadEventTs, "event_ts");
  ExpectReject(Csv("u", "2024-02-30"), RejectReason::kBadEventTs, "event_ts");
  ExpectReject(Csv("u", "1969-12-31T23:59:59Z"), RejectReason::kEventTsOutOfRange, "event_ts");
  mapping_.ts_format = TimestampFormat::kEpochMs;
  ExpectReject(Csv("u", "2024-01-01"), RejectReason::kBadEventTs, "event_ts");
  ExpectReject(Csv("u", "-5"), RejectReason::kEventTsOutOfRange, "event_ts");
  mapping_.ts_format = TimestampFormat::kEpochUs;
  ExpectReject(Csv("u", std::to_string(kMaxEventTs + 1)), RejectReason::kEventTsOutOfRange,
               "event_ts");
}

TEST_F(RowValidatorTest, CreatedTimestampIsChecked) {
  ExpectReject(Csv("u", "2024-01-01", {}, "soon"), RejectReason::kBadCreatedTs, "created");
  ExpectReject(Csv("u", "2024-01-01", {}, "1900-01-01"), RejectReason::kBadCreatedTs, "created");
}

TEST_F(RowValidatorTest, CsvValueRejects) {
  struct Case {
    const char* column;
    const char* text;
    RejectReason reason;
  };
  for (const Case& c : std::vector<Case>{
           {"f_BOOL", "yes", RejectReason::kWrongType},
           {"f_BOOL", "2", RejectReason::kWrongType},
           {"f_INT64", "1.5", RejectReason::kWrongType},
           {"f_INT64", "1e3", RejectReason::kWrongType},
           {"f_INT64", " 1", RejectReason::kWrongType},
           {"f_INT64", "12abc", RejectReason::kWrongType},
           {"f_INT64", "9223372036854775808", RejectReason::kValueOutOfRange},
           {"f_INT32", "2147483648", RejectReason::kValueOutOfRange},
           {"f_FLOAT", "1e39", RejectReason::kValueOutOfRange},
           {"f_DOUBLE", "1e999", RejectReason::kValueOutOfRange},
           {"f_DOUBLE", "one", RejectReason::kWrongType},
           {"f_STRING", "\xc3\x28", RejectReason::kInvalidValue},
           {"f_BYTES", "abcde", RejectReason::kInvalidValue},
           {"f_BYTES", "a===", RejectReason::kInvalidValue},
           {"f_BYTES", "ab!d", RejectReason::kInvalidValue},
           {"f_TIMESTAMP", "noon", RejectReason::kWrongType},
           {"f_DOUBLE_LIST", "1,2", RejectReason::kWrongType},
           {"f_DOUBLE_LIST", "[1,\"2\"]", RejectReason::kWrongType},
           {"f_INT64_LIST", "[1.5]", RejectReason::kWrongType},
           {"f_INT64_LIST", "[18446744073709551615]", RejectReason::kValueOutOfRange},
           {"f_FLOAT_LIST", "[1e39]", RejectReason::kValueOutOfRange},
           {"f_STRING_LIST", "[1]", RejectReason::kWrongType},
           {"f_STRING_LIST", "{\"a\":1}", RejectReason::kWrongType},
       }) {
    SCOPED_TRACE(std::string(c.column) + " " + c.text);
    ExpectReject(Csv("u", "2024-01-01", {{c.column, c.text}}), c.reason, c.column);
  }
}

TEST_F(RowValidatorTest, JsonTypedInputKeepsItsTypes) {
  auto json = [&](std::vector<std::pair<std::string, std::pair<std::string, FieldKind>>> set) {
    InputRecord r = Csv("u", "2024-01-01");
    r.kinds.assign(columns_.size(), FieldKind::kAbsent);
    r.kinds[0] = FieldKind::kString;
    r.kinds[1] = FieldKind::kString;
    for (size_t i = 2; i < columns_.size(); ++i) r.fields[i].reset();
    for (auto& [column, value] : set) {
      size_t i = std::find(columns_.begin(), columns_.end(), column) - columns_.begin();
      r.kinds[i] = value.second;
      if (value.second == FieldKind::kNull) {
        r.fields[i].reset();
      } else {
        r.fields[i] = value.first;
      }
    }
    return r;
  };
  using K = FieldKind;
  EXPECT_EQ(Accept(json({{"f_INT64", {"1", K::kNumber}}}), "f_INT64"), Value::Int64(1));
  EXPECT_EQ(Accept(json({{"f_DOUBLE", {"1", K::kNumber}}}), "f_DOUBLE"), Value::Double(1));
  EXPECT_EQ(Accept(json({{"f_BOOL", {"true", K::kBool}}}), "f_BOOL"), Value::Bool(true));
  EXPECT_EQ(Accept(json({{"f_STRING", {"1", K::kString}}}), "f_STRING"), Value::String("1"));
  EXPECT_EQ(Accept(json({{"f_STRING", {"NULL", K::kString}}}), "f_STRING"),
            Value::String("NULL"));  // null markers are for CSV
  EXPECT_TRUE(Accept(json({{"f_STRING", {"", K::kNull}}}), "f_STRING").is_null());
  EXPECT_EQ(Accept(json({{"f_INT64_LIST", {"[1,2]", K::kArray}}}), "f_INT64_LIST"),
            Value::Int64List({1, 2}));
  // An absent member writes nothing.
  RowValidator v = Make();
  auto out = v.Validate(json({{"f_INT64", {"3", K::kNumber}}}));
  ASSERT_TRUE(std::holds_alternative<ImportRow>(out));
  EXPECT_EQ(std::get<ImportRow>(out).cells.size(), 1u);

  ExpectReject(json({{"f_INT64", {"1", K::kString}}}), RejectReason::kWrongType, "f_INT64");
  ExpectReject(json({{"f_INT64", {"1.0", K::kNumber}}}), RejectReason::kWrongType, "f_INT64");
  ExpectReject(json({{"f_BOOL", {"1", K::kNumber}}}), RejectReason::kWrongType, "f_BOOL");
  ExpectReject(json({{"f_STRING", {"1", K::kNumber}}}), RejectReason::kWrongType, "f_STRING");
  ExpectReject(json({{"f_DOUBLE", {"1", K::kString}}}), RejectReason::kWrongType, "f_DOUBLE");
  ExpectReject(json({{"f_STRING", {"{}", K::kObject}}}), RejectReason::kWrongType, "f_STRING");
  ExpectReject(json({{"f_DOUBLE_LIST", {"[1]", K::kString}}}), RejectReason::kWrongType,
               "f_DOUBLE_LIST");
  ExpectReject(json({{"f_TIMESTAMP", {"5", K::kNumber}}}), RejectReason::kWrongType, "f_TIMESTAMP");

  // Entity ids: JSON integers become their text; other kinds are rejected.
  InputRecord numeric = json({});
  numeric.fields[0] = "123";
  numeric.kinds[0] = K::kNumber;
  out = v.Validate(numeric);
  ASSERT_TRUE(std::holds_alternative<ImportRow>(out));
  EXPECT_EQ(std::get<ImportRow>(out).entity_id, "123");
  for (auto [text, kind] : std::vector<std::pair<std::string, K>>{
           {"1.5", K::kNumber}, {"true", K::kBool}, {"[1]", K::kArray}, {"{}", K::kObject}}) {
    InputRecord r = json({});
    r.fields[0] = text;
    r.kinds[0] = kind;
    ExpectReject(r, RejectReason::kBadEntityId, "entity_id");
  }
  InputRecord no_id = json({});
  no_id.fields[0].reset();
  no_id.kinds[0] = K::kAbsent;
  ExpectReject(no_id, RejectReason::kMissingEntityId, "entity_id");

  // Event timestamps: a string for iso8601, a number for the epochs.
  InputRecord ts_number = json({});
  ts_number.fields[1] = "1704067200";
  ts_number.kinds[1] = K::kNumber;
  ExpectReject(ts_number, RejectReason::kBadEventTs, "event_ts");
  InputRecord ts_null = json({});
  ts_null.fields[1].reset();
  ts_null.kinds[1] = K::kNull;
  ExpectReject(ts_null, RejectReason::kMissingEventTs, "event_ts");
  mapping_.ts_format = TimestampFormat::kEpochS;
  RowValidator epoch = Make();
  out = epoch.Validate(ts_number);
  ASSERT_TRUE(std::holds_alternative<ImportRow>(out));
  EXPECT_EQ(std::get<ImportRow>(out).event_ts, 1704067200LL * 1000000);
  InputRecord ts_value = json({{"f_TIMESTAMP", {"5", K::kNumber}}});
  ts_value.fields[1] = "1704067200";
  ts_value.kinds[1] = K::kNumber;
  EXPECT_EQ(Accept(ts_value, "f_TIMESTAMP"), Value::Timestamp(5000000));
  InputRecord ts_string = json({});
  ts_string.fields[1] = "1704067200";
  ExpectReject(ts_string, RejectReason::kBadEventTs, "event_ts");
}

TEST_F(RowValidatorTest, MalformedRecordReject) {
  InputRecord bad;
  bad.source = "in.csv";
  bad.line = 9;
  bad.text = "a,b,c";
  Reject r = RowValidator::MalformedRecord(InvalidArgument("in.csv:9: 3 fields"), bad);
  EXPECT_EQ(r.reason, RejectReason::kMalformedRecord);
  EXPECT_EQ(r.line, 9u);
  EXPECT_EQ(r.text, "a,b,c");
  EXPECT_EQ(r.column, "");
  // A record shorter than the header (not from RecordReader, which checks) is one too.
  InputRecord short_record = Csv("u", "2024-01-01");
  short_record.fields.resize(2);
  ExpectReject(short_record, RejectReason::kMalformedRecord, "");
}

TEST(RowValidatorCreateTest, UnknownDeprecatedAndForeignFeatures) {
  Mapping m;
  m.entity_type = "user";
  std::vector<std::string> columns = {"entity_id", "event_ts", "a", "b", "c"};
  ASSERT_OK_AND_ASSIGN(ResolvedMapping r, ResolveMapping(m, columns));
  std::vector<wire::FeatureT> features;
  features.push_back(Feature("a", ValueType::kInt64, 1));
  features.push_back(Feature("a", ValueType::kDouble, 5, 2));  // the newer version wins
  std::vector<ResolvedMapping::Feature> unknown = UnknownFeatures(r, features);
  ASSERT_EQ(unknown.size(), 2u);
  EXPECT_EQ(unknown[0].column, "b");
  EXPECT_EQ(unknown[1].column, "c");
  Result<RowValidator> v = RowValidator::Create(m, r, features);
  ASSERT_FALSE(v.ok());
  EXPECT_EQ(v.status().code(), ErrorCode::kInvalidArgument);
  EXPECT_NE(v.status().message().find("b, c"), std::string::npos);
  EXPECT_NE(v.status().message().find("--register"), std::string::npos);

  features.push_back(Feature("b", ValueType::kString, 2));
  features.push_back(Feature("c", ValueType::kString, 3));
  ASSERT_OK_AND_ASSIGN(RowValidator ok, RowValidator::Create(m, r, features));
  ASSERT_EQ(ok.feature_columns().size(), 3u);
  EXPECT_EQ(ok.feature_columns()[0].feature_id, 5u);
  EXPECT_EQ(ok.feature_columns()[0].type, ValueType::kDouble);

  features[3].deprecated = true;
  EXPECT_NE(RowValidator::Create(m, r, features).status().message().find("deprecated"),
            std::string::npos);
  features[3].deprecated = false;
  features[3].spec->entity = "item";
  EXPECT_NE(RowValidator::Create(m, r, features).status().message().find("entity type 'item'"),
            std::string::npos);
}

}  // namespace
}  // namespace asof::import

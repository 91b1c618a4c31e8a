#include "wire/engine_convert.h"

#include <gtest/gtest.h>

#include <cmath>
#include <cstring>
#include <limits>
#include <set>

#include "tests/util/test_util.h"
#include "wire/verify.h"

namespace asof {
namespace {

namespace fb = flatbuffers;
using wire::MessageType;

std::span<const uint8_t> Bytes(const fb::FlatBufferBuilder& fbb) {
  return {fbb.GetBufferPointer(), fbb.GetSize()};
}

// The root of a finished message, after the verification the server runs.
template <typename T>
const T* Root(const fb::FlatBufferBuilder& fbb, MessageType type) {
  EXPECT_TRUE(wire::VerifyPayload(type, Bytes(fbb))) << wire::MessageTypeName(type);
  return fb::GetRoot<T>(fbb.GetBufferPointer());
}

// A Value table as the root of its own buffer, verified like a message.
const wire::Value* ValueRoot(const fb::FlatBufferBuilder& fbb) {
  fb::Verifier verifier(fbb.GetBufferPointer(), fbb.GetSize());
  EXPECT_TRUE(verifier.VerifyBuffer<wire::Value>(nullptr));
  return fb::GetRoot<wire::Value>(fbb.GetBufferPointer());
}

Result<Value> EncodeDecode(const Value& v) {
  fb::FlatBufferBuilder fbb;
  fbb.Finish(wire::EncodeValue(v, &fbb));
  return wire::DecodeValue(ValueRoot(fbb));
}

// What the client does: the object API, which drops defaults and empty containers.
Result<Value> PackDecode(const wire::ValueT& t, bool force_defaults = false) {
  fb::FlatBufferBuilder fbb;
  fbb.ForceDefaults(force_defaults);
  fbb.Finish(wire::Value::Pack(fbb, &t));
  return wire::DecodeValue(ValueRoot(fbb));
}

float FloatBits(uint32_t bits) {
  float f;
  std::memcpy(&f, &bits, sizeof f);
  return f;
}
double DoubleBits(uint64_t bits) {
  double d;
  std::memcpy(&d, &bits, sizeof d);
  return d;
}

TEST(EngineConvertTest, EveryValueTypeRoundTrips) {
  const double nan_payload = DoubleBits(0x7ff8000000abcdefULL);
  const std::vector<Value> values = {
      Value::Null(),
      Value::Bool(true),
      Value::Bool(false),
      Value::Int32(0),
      Value::Int32(std::numeric_limits<int32_t>::min()),
      Value::Int32(std::numeric_limits<int32_t>::max()),
      Value::Int64(0),
      Value::Int64(std::numeric_limits<int64_t>::min()),
      Value::Int64(std::numeric_limits<int64_t>::max()),
      Value::Float(0.0f),
      Value::Float(-0.0f),
      Value::Float(1.5f),
      Value::Float(FloatBits(0x7fc00001)),
      Value::Float(std::numeric_limits<float>::infinity()),
      Value::Double(-0.0),
      Value::Double(nan_payload),
      Value::Double(-1e300),
      Value::String(""),
      Value::String("h\xc3\xa9llo"),
      Value::String(std::string("a\0b", 3)),
      Value::Bytes(""),
      Value::Bytes(std::string("\x00\xff\x80", 3)),
      Value::Timestamp(0),
      Value::Timestamp(kMaxEventTs),
      Value::FloatList({}),
      Value::FloatList({1.0f, -0.0f, FloatBits(0x7fc00002)}),
      Value::DoubleList({}),
      Value::DoubleList({0.25, -0.0, nan_payload}),
      Value::Int64List({}),
      Value::Int64List({0, -1, std::numeric_limits<int64_t>::min()}),
      Value::StringList({}),
      Value::StringList({"", "x", std::string(300, 'y')}),
  };
  std::set<ValueType> types;
  for (const Value& v : values) {
    types.insert(v.type());
    ASSERT_OK_AND_ASSIGN(Value back, EncodeDecode(v));
    EXPECT_EQ(back, v) << v.DebugString() << " came back as " << back.DebugString();
  }
  EXPECT_EQ(types.size(), kMaxValueType + 1u);  // every type, null included
}

TEST(EngineConvertTest, EncoderWritesTheTypesOwnFieldEvenWhenZero) {
  fb::FlatBufferBuilder fbb;
  fbb.Finish(wire::EncodeValue(Value::Double(-0.0), &fbb));
  const wire::Value* v = ValueRoot(fbb);
  EXPECT_TRUE(std::signbit(v->d()));
  fbb.Clear();
  fbb.Finish(wire::EncodeValue(Value::String(""), &fbb));
  EXPECT_NE(ValueRoot(fbb)->s(), nullptr);
}

// The object API omits zero scalars and empty strings/vectors; they must decode as the
// type's zero value, not as an error.
TEST(EngineConvertTest, AbsentPayloadIsTheTypesZero) {
  struct Case {
    ValueType type;
    Value expected;
  };
  const std::vector<Case> cases = {
      {ValueType::kBool, Value::Bool(false)},
      {ValueType::kInt32, Value::Int32(0)},
      {ValueType::kInt64, Value::Int64(0)},
      {ValueType::kFloat, Value::Float(0)},
      {ValueType::kDouble, Value::Double(0)},
      {ValueType::kString, Value::String("")},
      {ValueType::kBytes, Value::Bytes("")},
      {ValueType::kTimestamp, Value::Timestamp(0)},
      {ValueType::kFloatList, Value::FloatList({})},
      {ValueType::kDoubleList, Value::DoubleList({})},
      {ValueType::kInt64List, Value::Int64List({})},
      {ValueType::kStringList, Value::StringList({})},
  };
  for (const Case& c : cases) {
    wire::ValueT t;
    t.type = static_cast<uint8_t>(c.type);
    fb::FlatBufferBuilder fbb;
    fbb.Finish(wire::Value::Pack(fbb, &t));
    const wire::Value* root = ValueRoot(fbb);
    EXPECT_EQ(root->s(), nullptr);  // really absent, not an empty string
    EXPECT_EQ(root->floats(), nullptr);
    ASSERT_OK_AND_ASSIGN(Value v, wire::DecodeValue(root));
    EXPECT_EQ(v, c.expected) << ValueTypeName(c.type);
  }
  EXPECT_EQ(*wire::DecodeValue(nullptr), Value::Null());
  wire::ValueT null_t;
  ASSERT_OK_AND_ASSIGN(Value null_v, PackDecode(null_t));
  EXPECT_TRUE(null_v.is_null());
}

TEST(EngineConvertTest, ObjectApiValuesDecode) {
  wire::ValueT t;
  t.type = static_cast<uint8_t>(ValueType::kStringList);
  t.strings = {"a", "", "c"};
  EXPECT_EQ(*PackDecode(t), Value::StringList({"a", "", "c"}));
  wire::ValueT i;
  i.type = static_cast<uint8_t>(ValueType::kInt32);
  i.i = -7;
  EXPECT_EQ(*PackDecode(i), Value::Int32(-7));
  // force_defaults writes every scalar of other types as zero: still exactly one payload.
  EXPECT_EQ(*PackDecode(i, /*force_defaults=*/true), Value::Int32(-7));
  wire::ValueT b;
  b.type = static_cast<uint8_t>(ValueType::kBytes);
  b.bytes = {0, 1, 255};
  EXPECT_EQ(*PackDecode(b), Value::Bytes(std::string("\x00\x01\xff", 3)));
}

void ExpectInvalid(const Result<Value>& r, const std::string& message) {
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.status().code(), ErrorCode::kInvalidArgument);
  EXPECT_EQ(r.status().message(), message);
}

TEST(EngineConvertTest, UnknownValueTypeIsRejected) {
  for (int tag : {13, 99, 255}) {
    wire::ValueT t;
    t.type = static_cast<uint8_t>(tag);
    ExpectInvalid(PackDecode(t), "unknown value type " + std::to_string(tag));
  }
}

TEST(EngineConvertTest, Int32OutOfRangeIsRejected) {
  wire::ValueT t;
  t.type = static_cast<uint8_t>(ValueType::kInt32);
  t.i = int64_t{1} << 31;
  ExpectInvalid(PackDecode(t), "INT32 value 2147483648 is out of range");
  t.i = -(int64_t{1} << 31) - 1;
  ExpectInvalid(PackDecode(t), "INT32 value -2147483649 is out of range");
  t.i = -(int64_t{1} << 31);
  EXPECT_EQ(*PackDecode(t), Value::Int32(std::numeric_limits<int32_t>::min()));
}

TEST(EngineConvertTest, FieldOfAnotherTypeIsRejected) {
  wire::ValueT t;
  t.type = static_cast<uint8_t>(ValueType::kInt64);
  t.i = 5;
  t.s = "5";
  ExpectInvalid(PackDecode(t), "value of type INT64 carries field 's' of another type");

  wire::ValueT n;  // NULL carries nothing
  n.i = 1;
  ExpectInvalid(PackDecode(n), "value of type NULL carries field 'i' of another type");

  wire::ValueT d;
  d.type = static_cast<uint8_t>(ValueType::kString);
  d.d = std::nan("");
  ExpectInvalid(PackDecode(d), "value of type STRING carries field 'd' of another type");

  wire::ValueT l;
  l.type = static_cast<uint8_t>(ValueType::kFloatList);
  l.floats = {1};
  l.doubles = {1};
  ExpectInvalid(PackDecode(l), "value of type FLOAT_LIST carries field 'doubles' of another type");

  // INT32, INT64 and TIMESTAMP share `i`; BOOL has its own field.
  wire::ValueT b;
  b.type = static_cast<uint8_t>(ValueType::kBool);
  b.i = 1;
  ExpectInvalid(PackDecode(b), "value of type BOOL carries field 'i' of another type");
}

wire::WriteRecordT RecordT(const std::string& id, wire::ValueT value, std::optional<int64_t> ts) {
  wire::WriteRecordT r;
  r.entity_type = "user";
  r.entity_id = id;
  r.feature = "age@2";
  r.value = std::make_unique<wire::ValueT>(std::move(value));
  r.has_event_ts = ts.has_value();
  r.event_ts = ts.value_or(0);
  r.event_id = "ev-" + id;
  return r;
}

TEST(EngineConvertTest, WriteRequestDecodes) {
  wire::WriteRequestT req;
  wire::ValueT v42;
  v42.type = static_cast<uint8_t>(ValueType::kInt64);
  v42.i = 42;
  req.records.push_back(std::make_unique<wire::WriteRecordT>(RecordT("u1", v42, 1000)));
  req.records.push_back(std::make_unique<wire::WriteRecordT>(RecordT("u2", v42, 0)));
  req.records.push_back(std::make_unique<wire::WriteRecordT>(RecordT("u3", v42, std::nullopt)));
  req.records.push_back(std::make_unique<wire::WriteRecordT>());  // everything absent
  fb::FlatBufferBuilder fbb;
  fbb.Finish(wire::WriteRequest::Pack(fbb, &req));
  ASSERT_OK_AND_ASSIGN(
      std::vector<WriteRecord> records,
      wire::DecodeWriteRequest(*Root<wire::WriteRequest>(fbb, MessageType::kWriteRequest)));
  ASSERT_EQ(records.size(), 4u);
  EXPECT_EQ(records[0], (WriteRecord{"user", "u1", "age@2", Value::Int64(42), 1000, "ev-u1"}));
  EXPECT_EQ(records[1].event_ts, std::optional<int64_t>(0));  // present though zero
  EXPECT_EQ(records[2].event_ts, std::nullopt);
  EXPECT_EQ(records[3], WriteRecord{});  // absent strings empty, absent value null
}

TEST(EngineConvertTest, WriteRequestNamesTheBadRecord) {
  wire::WriteRequestT req;
  wire::ValueT good, bad;
  bad.type = 99;
  for (int i = 0; i < 4; ++i) {
    req.records.push_back(
        std::make_unique<wire::WriteRecordT>(RecordT("u", i == 2 ? bad : good, 1)));
  }
  fb::FlatBufferBuilder fbb;
  fbb.Finish(wire::WriteRequest::Pack(fbb, &req));
  auto r = wire::DecodeWriteRequest(*Root<wire::WriteRequest>(fbb, MessageType::kWriteRequest));
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.status(), Status(ErrorCode::kInvalidArgument, "record 2: unknown value type 99"));

  fbb.Clear();
  fbb.Finish(wire::CreateWriteRequest(fbb));  // no records vector at all
  ASSERT_OK_AND_ASSIGN(auto none, wire::DecodeWriteRequest(
                                      *Root<wire::WriteRequest>(fbb, MessageType::kWriteRequest)));
  EXPECT_TRUE(none.empty());
}

FeatureSpec FullSpec() {
  FeatureSpec s;
  s.name = "ctr_7d";
  s.entity = "user";
  s.value_type = ValueType::kDouble;
  s.description = "click-through rate";
  s.owner = "growth";
  s.tags = {"ads", "", "daily"};
  s.source = "kafka://clicks";
  s.transformation = "clicks / views";
  s.freshness_sla_us = 3600;
  s.ttl_us = -5;  // carried as is; the registry judges it
  s.retention_us = 7;
  s.default_value = Value::Double(0.5);
  return s;
}

Result<FeatureSpec> SpecRoundTrip(const FeatureSpec& spec) {
  fb::FlatBufferBuilder fbb;
  auto s = wire::EncodeFeatureSpec(spec, &fbb);
  fbb.Finish(wire::CreateRegisterFeatureRequest(fbb, s));
  return wire::DecodeFeatureSpec(
      *Root<wire::RegisterFeatureRequest>(fbb, MessageType::kRegisterFeatureRequest)->spec());
}

TEST(EngineConvertTest, FeatureSpecRoundTrips) {
  FeatureSpec full = FullSpec();
  EXPECT_EQ(*SpecRoundTrip(full), full);
  FeatureSpec no_default = full;
  no_default.default_value.reset();
  EXPECT_EQ(*SpecRoundTrip(no_default), no_default);
  FeatureSpec null_default = full;
  null_default.default_value = Value::Null();
  EXPECT_EQ(*SpecRoundTrip(null_default), null_default);
  EXPECT_EQ(*SpecRoundTrip(FeatureSpec{}), FeatureSpec{});
}

TEST(EngineConvertTest, FeatureSpecErrors) {
  wire::FeatureSpecT t;
  t.value_type = kMaxValueType + 1;
  wire::RegisterFeatureRequestT req;
  req.spec = std::make_unique<wire::FeatureSpecT>(t);
  fb::FlatBufferBuilder fbb;
  fbb.Finish(wire::RegisterFeatureRequest::Pack(fbb, &req));
  auto* root = Root<wire::RegisterFeatureRequest>(fbb, MessageType::kRegisterFeatureRequest);
  EXPECT_EQ(wire::DecodeRegisterFeatureRequest(*root).status(),
            Status(ErrorCode::kInvalidArgument, "unknown value type 13"));

  req.spec->value_type = static_cast<uint8_t>(ValueType::kInt64);
  req.spec->default_value = std::make_unique<wire::ValueT>();
  req.spec->default_value->type = 77;
  fbb.Clear();
  fbb.Finish(wire::RegisterFeatureRequest::Pack(fbb, &req));
  root = Root<wire::RegisterFeatureRequest>(fbb, MessageType::kRegisterFeatureRequest);
  EXPECT_EQ(wire::DecodeRegisterFeatureRequest(*root).status(),
            Status(ErrorCode::kInvalidArgument, "default_value: unknown value type 77"));

  fbb.Clear();
  fbb.Finish(wire::CreateRegisterFeatureRequest(fbb, 0, true));
  root = Root<wire::RegisterFeatureRequest>(fbb, MessageType::kRegisterFeatureRequest);
  EXPECT_EQ(wire::DecodeRegisterFeatureRequest(*root).status().code(), ErrorCode::kInvalidArgument);

  req.spec->default_value.reset();
  req.new_version = true;
  fbb.Clear();
  fbb.Finish(wire::RegisterFeatureRequest::Pack(fbb, &req));
  root = Root<wire::RegisterFeatureRequest>(fbb, MessageType::kRegisterFeatureRequest);
  ASSERT_OK_AND_ASSIGN(auto args, wire::DecodeRegisterFeatureRequest(*root));
  EXPECT_TRUE(args.new_version);
  EXPECT_EQ(args.spec.value_type, ValueType::kInt64);
}

TEST(EngineConvertTest, ReadRequestsDecode) {
  fb::FlatBufferBuilder fbb;
  fbb.Finish(wire::CreateListFeaturesRequestDirect(fbb, "user", "growth", "ads", "Ctr", true));
  FeatureFilter f = wire::DecodeListFeaturesRequest(
      *Root<wire::ListFeaturesRequest>(fbb, MessageType::kListFeaturesRequest));
  EXPECT_EQ(f.entity, "user");
  EXPECT_EQ(f.owner, "growth");
  EXPECT_EQ(f.tag, "ads");
  EXPECT_EQ(f.text, "Ctr");
  EXPECT_TRUE(f.include_deprecated);

  fbb.Clear();
  std::vector<std::string> ids = {"u1", "", "u3"}, features = {"a", "b@2"};
  fbb.Finish(wire::CreateOnlineReadRequest(fbb, fbb.CreateString("user"),
                                           fbb.CreateVectorOfStrings(ids),
                                           fbb.CreateVectorOfStrings(features)));
  OnlineRequest o = wire::DecodeOnlineReadRequest(
      *Root<wire::OnlineReadRequest>(fbb, MessageType::kOnlineReadRequest));
  EXPECT_EQ(o.entity_type, "user");
  EXPECT_EQ(o.entity_ids, ids);
  EXPECT_EQ(o.features, features);

  fbb.Clear();
  fbb.Finish(wire::CreateOnlineReadRequest(fbb));
  o = wire::DecodeOnlineReadRequest(
      *Root<wire::OnlineReadRequest>(fbb, MessageType::kOnlineReadRequest));
  EXPECT_TRUE(o.entity_type.empty() && o.entity_ids.empty() && o.features.empty());

  fbb.Clear();
  fbb.Finish(wire::CreateListDeadLettersRequest(fbb, true, 123, 4, 50));
  auto q = wire::DecodeListDeadLettersRequest(
      *Root<wire::ListDeadLettersRequest>(fbb, MessageType::kListDeadLettersRequest));
  EXPECT_EQ(q.after, (DeadLetterId{123, 4}));
  EXPECT_EQ(q.limit, 50u);
  fbb.Clear();
  fbb.Finish(wire::CreateListDeadLettersRequest(fbb, false, 123, 4, 0));
  q = wire::DecodeListDeadLettersRequest(
      *Root<wire::ListDeadLettersRequest>(fbb, MessageType::kListDeadLettersRequest));
  EXPECT_EQ(q.after, std::nullopt);
}

TEST(EngineConvertTest, AsOfRequestDecodesInChunks) {
  wire::AsOfReadRequestT t;
  t.entity_type = "user";
  t.features = {"a", "b"};
  t.replay = true;
  for (int i = 0; i < 5; ++i) {
    t.rows.push_back(std::make_unique<wire::AsOfRowT>());
    t.rows.back()->entity_id = "u" + std::to_string(i);
    t.rows.back()->ts = 100 * i;
  }
  fb::FlatBufferBuilder fbb;
  fbb.Finish(wire::AsOfReadRequest::Pack(fbb, &t));
  const auto& req = *Root<wire::AsOfReadRequest>(fbb, MessageType::kAsOfReadRequest);
  AsOfSpec spec = wire::DecodeAsOfSpec(req);
  EXPECT_EQ(spec.entity_type, "user");
  EXPECT_EQ(spec.features, t.features);
  EXPECT_EQ(spec.mode, AsOfMode::kReplay);
  ASSERT_EQ(wire::AsOfRowCount(req), 5u);
  std::vector<AsOfRow> all;
  for (size_t first = 0; first < 7; first += 2) {
    auto chunk = wire::DecodeAsOfRows(req, first, 2);
    EXPECT_EQ(chunk.size(), first < 4 ? 2u : first == 4 ? 1u : 0u);
    all.insert(all.end(), chunk.begin(), chunk.end());
  }
  ASSERT_EQ(all.size(), 5u);
  for (int i = 0; i < 5; ++i) {
    EXPECT_EQ(all[i].entity_id, "u" + std::to_string(i));
    EXPECT_EQ(all[i].ts, 100 * i);
  }
  EXPECT_EQ(wire::DecodeAsOfRows(req, 3, std::numeric_limits<size_t>::max()).size(), 2u);

  fbb.Clear();
  fbb.Finish(wire::CreateAsOfReadRequest(fbb));
  const auto& empty = *Root<wire::AsOfReadRequest>(fbb, MessageType::kAsOfReadRequest);
  EXPECT_EQ(wire::AsOfRowCount(empty), 0u);
  EXPECT_TRUE(wire::DecodeAsOfRows(empty, 0, 10).empty());
  EXPECT_EQ(wire::DecodeAsOfSpec(empty).mode, AsOfMode::kEventTime);
}

}  // namespace
}  // namespace asof

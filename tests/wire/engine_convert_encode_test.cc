// Responses built by wire/engine_convert.h, read back the way a client reads them: verify,
// then the generated accessors or the object API.
#include <gtest/gtest.h>

#include <memory>

#include "tests/util/test_util.h"
#include "wire/engine_convert.h"
#include "wire/verify.h"

namespace asof {
namespace {

namespace fb = flatbuffers;
using wire::MessageType;

template <typename T>
const T* Root(const fb::FlatBufferBuilder& fbb, MessageType type) {
  std::span<const uint8_t> bytes(fbb.GetBufferPointer(), fbb.GetSize());
  EXPECT_TRUE(wire::VerifyPayload(type, bytes)) << wire::MessageTypeName(type);
  return fb::GetRoot<T>(bytes.data());
}

FeaturePtr MakeFeature(std::string name, ValueType type, uint32_t id) {
  auto f = std::make_shared<Feature>();
  f->spec.name = std::move(name);
  f->spec.entity = "user";
  f->spec.value_type = type;
  f->spec.description = "long description";
  f->spec.owner = "growth";
  f->spec.tags = {"t1", "t2"};
  f->spec.ttl_us = 60;
  f->spec.default_value = Value::Int64(-1);
  f->id = id;
  f->version = 3;
  f->revision = 9;
  f->deprecated = id % 2 == 0;
  f->created_us = 11;
  f->updated_us = 22;
  return f;
}

TEST(EngineConvertEncodeTest, ErrorResponseCarriesTheErrorCodeNumber) {
  fb::FlatBufferBuilder fbb;
  for (int c = 1; c <= static_cast<int>(ErrorCode::kInternal); ++c) {
    fbb.Clear();
    wire::BuildErrorResponse(Status(static_cast<ErrorCode>(c), "why " + std::to_string(c)), &fbb);
    const auto* e = Root<wire::ErrorResponse>(fbb, MessageType::kErrorResponse);
    EXPECT_EQ(e->code(), c);
    EXPECT_EQ(wire::StringOf(e->message()), "why " + std::to_string(c));
  }
  fbb.Clear();
  wire::BuildErrorResponse(Status::Ok(), &fbb);
  const auto* e = Root<wire::ErrorResponse>(fbb, MessageType::kErrorResponse);
  EXPECT_EQ(e->code(), static_cast<uint8_t>(ErrorCode::kInternal));
  EXPECT_NE(wire::StringOf(e->message()).find("OK status"), std::string_view::npos);
}

TEST(EngineConvertEncodeTest, WriteResponse) {
  WriteResult r;
  r.accepted = 5;
  r.duplicates = 1;
  r.rejected = 1;
  r.problems.push_back({2, RecordOutcome::kDuplicate, Status::Ok()});
  r.problems.push_back({6, RecordOutcome::kRejected, Unprocessable("wrong type")});
  fb::FlatBufferBuilder fbb;
  wire::BuildWriteResponse(r, &fbb);
  wire::WriteResponseT t;
  Root<wire::WriteResponse>(fbb, MessageType::kWriteResponse)->UnPackTo(&t);
  EXPECT_EQ(t.accepted, 5u);
  EXPECT_EQ(t.duplicates, 1u);
  EXPECT_EQ(t.rejected, 1u);
  ASSERT_EQ(t.problems.size(), 2u);
  EXPECT_EQ(t.problems[0]->index, 2u);
  EXPECT_EQ(t.problems[0]->outcome, 1);
  EXPECT_EQ(t.problems[0]->reason, nullptr);
  EXPECT_EQ(t.problems[1]->index, 6u);
  EXPECT_EQ(t.problems[1]->outcome, 2);
  ASSERT_NE(t.problems[1]->reason, nullptr);
  EXPECT_EQ(t.problems[1]->reason->code, static_cast<uint8_t>(ErrorCode::kUnprocessable));
  EXPECT_EQ(t.problems[1]->reason->message, "wrong type");
}

TEST(EngineConvertEncodeTest, OnlineReadResponseCarriesFeatureReferencesAndValues) {
  OnlineResult r;
  r.features = {MakeFeature("age", ValueType::kInt64, 7),
                MakeFeature("emb", ValueType::kFloatList, 8)};
  r.num_entities = 2;
  r.values = {
      {ValueStatus::kPresent, Value::Int64(0), 100, 101, false},
      {ValueStatus::kPresent, Value::FloatList({0.5f, -0.0f}), 102, 103, false},
      {ValueStatus::kNotFound, Value::Int64(-1), 0, 0, true},
      {ValueStatus::kNullValue, Value::Null(), 104, 105, false},
  };
  fb::FlatBufferBuilder fbb;
  wire::BuildOnlineReadResponse(r, &fbb);
  const auto* resp = Root<wire::OnlineReadResponse>(fbb, MessageType::kOnlineReadResponse);
  ASSERT_EQ(resp->features()->size(), 2u);
  for (fb::uoffset_t j = 0; j < 2; ++j) {
    const wire::Feature* f = resp->features()->Get(j);
    EXPECT_EQ(wire::StringOf(f->spec()->name()), r.features[j]->spec.name);
    EXPECT_EQ(wire::StringOf(f->spec()->entity()), "user");
    EXPECT_EQ(f->spec()->value_type(), static_cast<uint8_t>(r.features[j]->spec.value_type));
    EXPECT_EQ(f->id(), r.features[j]->id);
    EXPECT_EQ(f->version(), 3u);
    EXPECT_EQ(f->deprecated(), r.features[j]->deprecated);
    // A reference only: no registry metadata on the read path.
    EXPECT_EQ(f->spec()->description(), nullptr);
    EXPECT_EQ(f->spec()->tags(), nullptr);
    EXPECT_EQ(f->spec()->ttl_us(), 0);
  }
  ASSERT_EQ(resp->values()->size(), r.values.size());
  for (fb::uoffset_t i = 0; i < r.values.size(); ++i) {
    const wire::FeatureValue* v = resp->values()->Get(i);
    FeatureValue back;
    back.status = static_cast<ValueStatus>(v->status());
    ASSERT_OK_AND_ASSIGN(back.value, wire::DecodeValue(v->value()));
    back.event_ts = v->event_ts();
    back.ingest_ts = v->ingest_ts();
    back.default_used = v->default_used();
    EXPECT_EQ(back, r.values[i]) << i;
  }
  EXPECT_EQ(resp->values()->Get(3)->value(), nullptr);  // null values are left out
}

TEST(EngineConvertEncodeTest, AsOfChunk) {
  std::vector<FeaturePtr> features = {MakeFeature("a", ValueType::kBool, 1)};
  std::vector<FeatureValue> values = {
      {ValueStatus::kPresent, Value::Bool(true), 5, 6, false},
      {ValueStatus::kOutsideMaxAge, Value::Null(), 1, 2, false},
  };
  fb::FlatBufferBuilder fbb;
  wire::BuildAsOfReadChunk(features, 1000, 2, values, &fbb);
  wire::AsOfReadChunkT t;
  Root<wire::AsOfReadChunk>(fbb, MessageType::kAsOfReadChunk)->UnPackTo(&t);
  EXPECT_EQ(t.first_row, 1000u);
  EXPECT_EQ(t.num_rows, 2u);
  ASSERT_EQ(t.features.size(), 1u);
  EXPECT_EQ(t.features[0]->spec->name, "a");
  ASSERT_EQ(t.values.size(), 2u);
  EXPECT_EQ(t.values[0]->status, 0);
  ASSERT_NE(t.values[0]->value, nullptr);
  EXPECT_TRUE(t.values[0]->value->b);
  EXPECT_EQ(t.values[1]->status, 3);
  EXPECT_EQ(t.values[1]->event_ts, 1);
  EXPECT_EQ(t.values[1]->ingest_ts, 2);
}

TEST(EngineConvertEncodeTest, DeadLettersRoundTripTheirRecords) {
  std::vector<DeadLetter> letters(2);
  letters[0].id = {500, 1};
  letters[0].record = {"user", "u1", "age", Value::String("x"), 77, "ev"};
  letters[0].reason = Unprocessable("value of type STRING for INT64 feature");
  letters[1].id = {501, 0};
  letters[1].record = {"user", "", "ctr@2", Value::Null(), std::nullopt, ""};
  letters[1].reason = NotFound("no such feature");
  fb::FlatBufferBuilder fbb;
  wire::BuildListDeadLettersResponse(letters, &fbb);
  const auto* resp =
      Root<wire::ListDeadLettersResponse>(fbb, MessageType::kListDeadLettersResponse);
  ASSERT_EQ(resp->letters()->size(), 2u);
  for (fb::uoffset_t i = 0; i < 2; ++i) {
    const wire::DeadLetter* l = resp->letters()->Get(i);
    EXPECT_EQ(l->ingest_ts(), letters[i].id.ingest_ts);
    EXPECT_EQ(l->seq(), letters[i].id.seq);
    ASSERT_OK_AND_ASSIGN(WriteRecord record, wire::DecodeWriteRecord(*l->record()));
    EXPECT_EQ(record, letters[i].record);
    EXPECT_EQ(l->reason()->code(), static_cast<uint8_t>(letters[i].reason.code()));
    EXPECT_EQ(wire::StringOf(l->reason()->message()), letters[i].reason.message());
  }
}

TEST(EngineConvertEncodeTest, RegisterFeatureResponseMapsEveryOutcome) {
  FeaturePtr f = MakeFeature("ctr", ValueType::kDouble, 4);
  const std::pair<Registry::Outcome, wire::RegisterOutcome> outcomes[] = {
      {Registry::Outcome::kCreated, wire::RegisterOutcome::Created},
      {Registry::Outcome::kUnchanged, wire::RegisterOutcome::Unchanged},
      {Registry::Outcome::kUpdated, wire::RegisterOutcome::Updated},
      {Registry::Outcome::kNewVersion, wire::RegisterOutcome::NewVersion},
  };
  fb::FlatBufferBuilder fbb;
  for (const auto& [engine_outcome, wire_outcome] : outcomes) {
    fbb.Clear();
    wire::BuildRegisterFeatureResponse({engine_outcome, f}, &fbb);
    const auto* r = Root<wire::RegisterFeatureResponse>(fbb, MessageType::kRegisterFeatureResponse);
    EXPECT_EQ(r->outcome(), wire_outcome);
    ASSERT_OK_AND_ASSIGN(FeatureSpec spec, wire::DecodeFeatureSpec(*r->feature()->spec()));
    EXPECT_EQ(spec, f->spec);  // full detail
    EXPECT_EQ(r->feature()->revision(), 9u);
    EXPECT_EQ(r->feature()->created_us(), 11);
    EXPECT_EQ(r->feature()->updated_us(), 22);
  }
}

TEST(EngineConvertEncodeTest, RegistryListings) {
  std::vector<FeaturePtr> versions = {MakeFeature("x", ValueType::kInt32, 1),
                                      MakeFeature("x", ValueType::kInt64, 2)};
  std::vector<FeatureChange> history = {{1, 10, "registered"}, {2, 20, "description changed"}};
  fb::FlatBufferBuilder fbb;
  wire::BuildDescribeFeatureResponse(versions, history, &fbb);
  wire::DescribeFeatureResponseT d;
  Root<wire::DescribeFeatureResponse>(fbb, MessageType::kDescribeFeatureResponse)->UnPackTo(&d);
  ASSERT_EQ(d.versions.size(), 2u);
  EXPECT_EQ(d.versions[1]->id, 2u);
  EXPECT_EQ(d.versions[1]->spec->description, "long description");
  ASSERT_EQ(d.history.size(), 2u);
  EXPECT_EQ(d.history[1]->revision, 2u);
  EXPECT_EQ(d.history[1]->ts_us, 20);
  EXPECT_EQ(d.history[1]->what, "description changed");

  fbb.Clear();
  wire::BuildListFeaturesResponse(versions, &fbb);
  wire::ListFeaturesResponseT l;
  Root<wire::ListFeaturesResponse>(fbb, MessageType::kListFeaturesResponse)->UnPackTo(&l);
  ASSERT_EQ(l.features.size(), 2u);
  EXPECT_EQ(l.features[0]->spec->tags, (std::vector<std::string>{"t1", "t2"}));
  EXPECT_EQ(l.features[0]->spec->value_type, static_cast<uint8_t>(ValueType::kInt32));

  std::vector<EntityType> types = {{1, "user", "accounts", 5}, {2, "item", "", 6}};
  fbb.Clear();
  wire::BuildListEntityTypesResponse(types, &fbb);
  wire::ListEntityTypesResponseT e;
  Root<wire::ListEntityTypesResponse>(fbb, MessageType::kListEntityTypesResponse)->UnPackTo(&e);
  ASSERT_EQ(e.entity_types.size(), 2u);
  for (size_t i = 0; i < 2; ++i) {
    EXPECT_EQ(e.entity_types[i]->id, types[i].id);
    EXPECT_EQ(e.entity_types[i]->name, types[i].name);
    EXPECT_EQ(e.entity_types[i]->description, types[i].description);
    EXPECT_EQ(e.entity_types[i]->created_us, types[i].created_us);
  }

  fbb.Clear();
  wire::BuildRegisterEntityTypeResponse(types[0], &fbb);
  const auto* r =
      Root<wire::RegisterEntityTypeResponse>(fbb, MessageType::kRegisterEntityTypeResponse);
  EXPECT_EQ(wire::StringOf(r->entity_type()->name()), "user");

  fbb.Clear();
  wire::BuildListFeaturesResponse({}, &fbb);  // empty lists are still valid messages
  EXPECT_EQ(
      Root<wire::ListFeaturesResponse>(fbb, MessageType::kListFeaturesResponse)->features()->size(),
      0u);
}

}  // namespace
}  // namespace asof

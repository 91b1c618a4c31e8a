#include "wire/engine_convert.h"

#include <algorithm>
#include <bit>
#include <cstring>
#include <iterator>
#include <limits>
#include <string>

namespace asof::wire {

namespace fb = flatbuffers;

// Scalar vectors are copied with memcpy: FlatBuffers stores them little-endian.
static_assert(FLATBUFFERS_LITTLEENDIAN, "asof assumes a little-endian host");

namespace {

// ---- decoding helpers ---------------------------------------------------------------

// One bit per payload field of wire::Value, in schema order.
enum FieldBit : uint16_t {
  kFieldB = 1 << 0,
  kFieldI = 1 << 1,
  kFieldF = 1 << 2,
  kFieldD = 1 << 3,
  kFieldS = 1 << 4,
  kFieldBytes = 1 << 5,
  kFieldFloats = 1 << 6,
  kFieldDoubles = 1 << 7,
  kFieldLongs = 1 << 8,
  kFieldStrings = 1 << 9,
};
constexpr std::string_view kFieldNames[] = {"b",     "i",      "f",       "d",     "s",
                                            "bytes", "floats", "doubles", "longs", "strings"};

// The field each ValueType uses, indexed by its number.
constexpr uint16_t kFieldOfType[] = {
    0,           kFieldB, kFieldI,      kFieldI,       kFieldF,     kFieldD,       kFieldS,
    kFieldBytes, kFieldI, kFieldFloats, kFieldDoubles, kFieldLongs, kFieldStrings,
};
static_assert(std::size(kFieldOfType) == kMaxValueType + 1, "a field for every ValueType");

template <typename V>
bool NonEmpty(const V* v) {
  return v != nullptr && v->size() != 0;
}

// Fields that carry something. A field holding its default counts as unset: builders
// may write defaults explicitly, and an absent field reads as its default anyway.
uint16_t SetFields(const wire::Value& v) {
  uint16_t set = 0;
  if (v.b()) set |= kFieldB;
  if (v.i() != 0) set |= kFieldI;
  if (v.f() != 0) set |= kFieldF;  // NaN counts as set
  if (v.d() != 0) set |= kFieldD;
  if (NonEmpty(v.s())) set |= kFieldS;
  if (NonEmpty(v.bytes())) set |= kFieldBytes;
  if (NonEmpty(v.floats())) set |= kFieldFloats;
  if (NonEmpty(v.doubles())) set |= kFieldDoubles;
  if (NonEmpty(v.longs())) set |= kFieldLongs;
  if (NonEmpty(v.strings())) set |= kFieldStrings;
  return set;
}

template <typename T>
std::vector<T> CopyScalars(const fb::Vector<T>* v) {
  std::vector<T> out;
  if (v == nullptr || v->size() == 0) return out;
  out.resize(v->size());
  std::memcpy(out.data(), v->data(), out.size() * sizeof(T));
  return out;
}

std::vector<std::string> CopyStrings(const fb::Vector<fb::Offset<fb::String>>* v) {
  std::vector<std::string> out;
  if (v == nullptr) return out;
  out.reserve(v->size());
  for (const fb::String* s : *v) out.emplace_back(s->c_str(), s->size());
  return out;
}

std::string CopyBytes(const fb::Vector<uint8_t>* v) {
  if (v == nullptr) return std::string();
  return std::string(reinterpret_cast<const char*>(v->data()), v->size());
}

asof::Status UnknownValueType(uint8_t tag) {
  return InvalidArgument("unknown value type " + std::to_string(tag));
}

// ---- encoding helpers ---------------------------------------------------------------

// Absent strings decode as empty, so empty ones are not written.
fb::Offset<fb::String> StringOrNone(const std::string& s, fb::FlatBufferBuilder* fbb) {
  return s.empty() ? 0 : fbb->CreateString(s);
}

fb::Offset<wire::FeatureSpec> EncodeSpecReference(const asof::FeatureSpec& spec,
                                                  fb::FlatBufferBuilder* fbb) {
  auto name = StringOrNone(spec.name, fbb);
  auto entity = StringOrNone(spec.entity, fbb);
  wire::FeatureSpecBuilder b(*fbb);
  b.add_name(name);
  b.add_entity(entity);
  b.add_value_type(static_cast<uint8_t>(spec.value_type));
  return b.Finish();
}

std::vector<fb::Offset<wire::Feature>> EncodeFeatures(std::span<const FeaturePtr> features,
                                                      FeatureDetail detail,
                                                      fb::FlatBufferBuilder* fbb) {
  std::vector<fb::Offset<wire::Feature>> out;
  out.reserve(features.size());
  for (const FeaturePtr& f : features) {
    ASOF_CHECK(f != nullptr) << "null feature in a response";
    out.push_back(EncodeFeature(*f, detail, fbb));
  }
  return out;
}

fb::Offset<fb::Vector<fb::Offset<wire::FeatureValue>>> EncodeFeatureValues(
    std::span<const asof::FeatureValue> values, fb::FlatBufferBuilder* fbb) {
  std::vector<fb::Offset<wire::FeatureValue>> offsets;
  offsets.reserve(values.size());
  for (const asof::FeatureValue& v : values) offsets.push_back(EncodeFeatureValue(v, fbb));
  return fbb->CreateVector(offsets);
}

wire::RegisterOutcome WireOutcome(Registry::Outcome outcome) {
  switch (outcome) {
    case Registry::Outcome::kCreated:
      return wire::RegisterOutcome::Created;
    case Registry::Outcome::kUnchanged:
      return wire::RegisterOutcome::Unchanged;
    case Registry::Outcome::kUpdated:
      return wire::RegisterOutcome::Updated;
    case Registry::Outcome::kNewVersion:
      return wire::RegisterOutcome::NewVersion;
  }
  return wire::RegisterOutcome::Unchanged;
}

}  // namespace

// ---- decoding -----------------------------------------------------------------------

Result<asof::Value> DecodeValue(const wire::Value* v) {
  if (v == nullptr) return asof::Value::Null();
  const uint8_t tag = v->type();
  if (tag > kMaxValueType) return UnknownValueType(tag);
  const auto type = static_cast<ValueType>(tag);
  if (uint16_t stray = SetFields(*v) & ~kFieldOfType[tag]; stray != 0) {
    const int bit = std::countr_zero(stray);
    return InvalidArgument("value of type " + std::string(ValueTypeName(type)) +
                           " carries field '" + std::string(kFieldNames[bit]) +
                           "' of another type");
  }
  switch (type) {
    case ValueType::kNull:
      return asof::Value::Null();
    case ValueType::kBool:
      return asof::Value::Bool(v->b());
    case ValueType::kInt32: {
      const int64_t i = v->i();
      if (i < std::numeric_limits<int32_t>::min() || i > std::numeric_limits<int32_t>::max()) {
        return InvalidArgument("INT32 value " + std::to_string(i) + " is out of range");
      }
      return asof::Value::Int32(static_cast<int32_t>(i));
    }
    case ValueType::kInt64:
      return asof::Value::Int64(v->i());
    case ValueType::kFloat:
      return asof::Value::Float(v->f());
    case ValueType::kDouble:
      return asof::Value::Double(v->d());
    case ValueType::kString:
      return asof::Value::String(std::string(StringOf(v->s())));
    case ValueType::kBytes:
      return asof::Value::Bytes(CopyBytes(v->bytes()));
    case ValueType::kTimestamp:
      return asof::Value::Timestamp(v->i());
    case ValueType::kFloatList:
      return asof::Value::FloatList(CopyScalars(v->floats()));
    case ValueType::kDoubleList:
      return asof::Value::DoubleList(CopyScalars(v->doubles()));
    case ValueType::kInt64List:
      return asof::Value::Int64List(CopyScalars(v->longs()));
    case ValueType::kStringList:
      return asof::Value::StringList(CopyStrings(v->strings()));
  }
  return UnknownValueType(tag);
}

Result<asof::WriteRecord> DecodeWriteRecord(const wire::WriteRecord& record) {
  asof::WriteRecord out;
  out.entity_type = StringOf(record.entity_type());
  out.entity_id = StringOf(record.entity_id());
  out.feature = StringOf(record.feature());
  ASSIGN_OR_RETURN(out.value, DecodeValue(record.value()));
  if (record.has_event_ts()) out.event_ts = record.event_ts();
  out.event_id = StringOf(record.event_id());
  return out;
}

Result<std::vector<asof::WriteRecord>> DecodeWriteRequest(const wire::WriteRequest& request) {
  std::vector<asof::WriteRecord> out;
  const auto* records = request.records();
  if (records == nullptr) return out;
  out.reserve(records->size());
  for (fb::uoffset_t i = 0; i < records->size(); ++i) {
    Result<asof::WriteRecord> r = DecodeWriteRecord(*records->Get(i));
    if (!r.ok()) {
      return InvalidArgument("record " + std::to_string(i) + ": " + r.status().message());
    }
    out.push_back(std::move(r).value());
  }
  return out;
}

Result<asof::FeatureSpec> DecodeFeatureSpec(const wire::FeatureSpec& spec) {
  asof::FeatureSpec out;
  if (spec.value_type() > kMaxValueType) return UnknownValueType(spec.value_type());
  out.name = StringOf(spec.name());
  out.entity = StringOf(spec.entity());
  out.value_type = static_cast<ValueType>(spec.value_type());
  out.description = StringOf(spec.description());
  out.owner = StringOf(spec.owner());
  out.tags = CopyStrings(spec.tags());
  out.source = StringOf(spec.source());
  out.transformation = StringOf(spec.transformation());
  out.upstream = CopyStrings(spec.upstream());
  out.freshness_sla_us = spec.freshness_sla_us();
  out.ttl_us = spec.ttl_us();
  out.retention_us = spec.retention_us();
  if (spec.default_value() != nullptr) {
    Result<asof::Value> d = DecodeValue(spec.default_value());
    if (!d.ok()) return InvalidArgument("default_value: " + d.status().message());
    out.default_value = std::move(d).value();
  }
  return out;
}

Result<RegisterFeatureArgs> DecodeRegisterFeatureRequest(const wire::RegisterFeatureRequest& r) {
  if (r.spec() == nullptr) return InvalidArgument("RegisterFeatureRequest carries no spec");
  RegisterFeatureArgs out;
  ASSIGN_OR_RETURN(out.spec, DecodeFeatureSpec(*r.spec()));
  out.new_version = r.new_version();
  return out;
}

asof::FeatureFilter DecodeListFeaturesRequest(const wire::ListFeaturesRequest& request) {
  asof::FeatureFilter out;
  out.entity = StringOf(request.entity());
  out.owner = StringOf(request.owner());
  out.tag = StringOf(request.tag());
  out.text = StringOf(request.text());
  out.include_deprecated = request.include_deprecated();
  return out;
}

asof::OnlineRequest DecodeOnlineReadRequest(const wire::OnlineReadRequest& request) {
  asof::OnlineRequest out;
  out.entity_type = StringOf(request.entity_type());
  out.entity_ids = CopyStrings(request.entity_ids());
  out.features = CopyStrings(request.features());
  return out;
}

asof::AsOfSpec DecodeAsOfSpec(const wire::AsOfReadRequest& request) {
  asof::AsOfSpec out;
  out.entity_type = StringOf(request.entity_type());
  out.features = CopyStrings(request.features());
  out.mode = request.replay() ? AsOfMode::kReplay : AsOfMode::kEventTime;
  // The native protocol's one caller that records a training set is asof-export.
  out.baseline_id = StringOf(request.baseline_id());
  out.baseline_origin = "export";
  return out;
}

size_t AsOfRowCount(const wire::AsOfReadRequest& request) {
  return request.rows() == nullptr ? 0 : request.rows()->size();
}

std::vector<asof::AsOfRow> DecodeAsOfRows(const wire::AsOfReadRequest& request, size_t first,
                                          size_t count) {
  std::vector<asof::AsOfRow> out;
  const size_t n = AsOfRowCount(request);
  if (first >= n) return out;
  const size_t end = first + std::min(count, n - first);
  out.reserve(end - first);
  for (size_t i = first; i < end; ++i) {
    const wire::AsOfRow* row = request.rows()->Get(static_cast<fb::uoffset_t>(i));
    out.push_back(asof::AsOfRow{std::string(StringOf(row->entity_id())), row->ts()});
  }
  return out;
}

DeadLetterQuery DecodeListDeadLettersRequest(const wire::ListDeadLettersRequest& request) {
  DeadLetterQuery out;
  if (request.has_after()) out.after = DeadLetterId{request.after_ts(), request.after_seq()};
  out.limit = request.limit();
  return out;
}

// ---- encoding -----------------------------------------------------------------------

fb::Offset<wire::Value> EncodeValue(const asof::Value& value, fb::FlatBufferBuilder* fbb) {
  // Strings and vectors must be complete before the table starts.
  fb::Offset<fb::String> s;
  fb::Offset<fb::Vector<uint8_t>> bytes;
  fb::Offset<fb::Vector<float>> floats;
  fb::Offset<fb::Vector<double>> doubles;
  fb::Offset<fb::Vector<int64_t>> longs;
  fb::Offset<fb::Vector<fb::Offset<fb::String>>> strings;
  switch (value.type()) {
    case ValueType::kString:
      s = fbb->CreateString(value.as_string());
      break;
    case ValueType::kBytes:
      bytes = fbb->CreateVector(reinterpret_cast<const uint8_t*>(value.as_bytes().data()),
                                value.as_bytes().size());
      break;
    case ValueType::kFloatList:
      floats = fbb->CreateVector(value.as_float_list());
      break;
    case ValueType::kDoubleList:
      doubles = fbb->CreateVector(value.as_double_list());
      break;
    case ValueType::kInt64List:
      longs = fbb->CreateVector(value.as_int64_list());
      break;
    case ValueType::kStringList:
      strings = fbb->CreateVectorOfStrings(value.as_string_list());
      break;
    default:
      break;
  }
  // The type's own scalar is written even when it equals the default, so that -0.0
  // keeps its sign (FlatBuffers compares with ==) and every value is explicit.
  wire::ValueBuilder b(*fbb);
  switch (value.type()) {
    case ValueType::kInt32:
      fbb->AddElement<int64_t>(wire::Value::VT_I, value.as_int32());
      break;
    case ValueType::kInt64:
      fbb->AddElement<int64_t>(wire::Value::VT_I, value.as_int64());
      break;
    case ValueType::kTimestamp:
      fbb->AddElement<int64_t>(wire::Value::VT_I, value.as_timestamp());
      break;
    case ValueType::kDouble:
      fbb->AddElement<double>(wire::Value::VT_D, value.as_double());
      break;
    case ValueType::kFloat:
      fbb->AddElement<float>(wire::Value::VT_F, value.as_float());
      break;
    default:
      break;
  }
  b.add_s(s);
  b.add_bytes(bytes);
  b.add_floats(floats);
  b.add_doubles(doubles);
  b.add_longs(longs);
  b.add_strings(strings);
  if (value.type() == ValueType::kBool) {
    fbb->AddElement<uint8_t>(wire::Value::VT_B, value.as_bool() ? 1 : 0);
  }
  b.add_type(static_cast<uint8_t>(value.type()));
  return b.Finish();
}

fb::Offset<wire::Status> EncodeStatus(const asof::Status& status, fb::FlatBufferBuilder* fbb) {
  auto message = StringOrNone(status.message(), fbb);
  return wire::CreateStatus(*fbb, WireErrorCode(status.code()), message);
}

fb::Offset<wire::EntityType> EncodeEntityType(const asof::EntityType& entity_type,
                                              fb::FlatBufferBuilder* fbb) {
  auto name = StringOrNone(entity_type.name, fbb);
  auto description = StringOrNone(entity_type.description, fbb);
  return wire::CreateEntityType(*fbb, entity_type.id, name, description, entity_type.created_us);
}

fb::Offset<wire::FeatureSpec> EncodeFeatureSpec(const asof::FeatureSpec& spec,
                                                fb::FlatBufferBuilder* fbb) {
  auto name = StringOrNone(spec.name, fbb);
  auto entity = StringOrNone(spec.entity, fbb);
  auto description = StringOrNone(spec.description, fbb);
  auto owner = StringOrNone(spec.owner, fbb);
  fb::Offset<fb::Vector<fb::Offset<fb::String>>> tags;
  if (!spec.tags.empty()) tags = fbb->CreateVectorOfStrings(spec.tags);
  auto source = StringOrNone(spec.source, fbb);
  auto transformation = StringOrNone(spec.transformation, fbb);
  fb::Offset<wire::Value> default_value;
  if (spec.default_value.has_value()) default_value = EncodeValue(*spec.default_value, fbb);
  fb::Offset<fb::Vector<fb::Offset<fb::String>>> upstream;
  if (!spec.upstream.empty()) upstream = fbb->CreateVectorOfStrings(spec.upstream);
  return wire::CreateFeatureSpec(*fbb, name, entity, static_cast<uint8_t>(spec.value_type),
                                 description, owner, tags, source, transformation,
                                 spec.freshness_sla_us, spec.ttl_us, spec.retention_us,
                                 default_value, upstream);
}

fb::Offset<wire::Feature> EncodeFeature(const asof::Feature& feature, FeatureDetail detail,
                                        fb::FlatBufferBuilder* fbb) {
  if (detail == FeatureDetail::kReference) {
    auto spec = EncodeSpecReference(feature.spec, fbb);
    return wire::CreateFeature(*fbb, spec, feature.id, feature.version, /*revision=*/0,
                               feature.deprecated);
  }
  auto spec = EncodeFeatureSpec(feature.spec, fbb);
  return wire::CreateFeature(*fbb, spec, feature.id, feature.version, feature.revision,
                             feature.deprecated, feature.created_us, feature.updated_us);
}

fb::Offset<wire::FeatureChange> EncodeFeatureChange(const asof::FeatureChange& change,
                                                    fb::FlatBufferBuilder* fbb) {
  auto what = StringOrNone(change.what, fbb);
  return wire::CreateFeatureChange(*fbb, change.revision, change.ts_us, what);
}

fb::Offset<wire::FeatureValue> EncodeFeatureValue(const asof::FeatureValue& value,
                                                  fb::FlatBufferBuilder* fbb) {
  fb::Offset<wire::Value> v;
  if (!value.value.is_null()) v = EncodeValue(value.value, fbb);
  return wire::CreateFeatureValue(*fbb, static_cast<uint8_t>(value.status), v, value.event_ts,
                                  value.ingest_ts, value.default_used);
}

fb::Offset<wire::WriteRecord> EncodeWriteRecord(const asof::WriteRecord& record,
                                                fb::FlatBufferBuilder* fbb) {
  auto entity_type = StringOrNone(record.entity_type, fbb);
  auto entity_id = StringOrNone(record.entity_id, fbb);
  auto feature = StringOrNone(record.feature, fbb);
  fb::Offset<wire::Value> value;
  if (!record.value.is_null()) value = EncodeValue(record.value, fbb);
  auto event_id = StringOrNone(record.event_id, fbb);
  return wire::CreateWriteRecord(*fbb, entity_type, entity_id, feature, value,
                                 record.event_ts.has_value(), record.event_ts.value_or(0),
                                 event_id);
}

void BuildErrorResponse(const asof::Status& status, fb::FlatBufferBuilder* fbb) {
  if (status.ok()) {
    auto message = fbb->CreateString("internal error: an OK status was sent as an error");
    fbb->Finish(wire::CreateErrorResponse(*fbb, WireErrorCode(ErrorCode::kInternal), message));
    return;
  }
  auto message = StringOrNone(status.message(), fbb);
  fbb->Finish(wire::CreateErrorResponse(*fbb, WireErrorCode(status.code()), message));
}

void BuildRegisterEntityTypeResponse(const asof::EntityType& entity_type,
                                     fb::FlatBufferBuilder* fbb) {
  auto e = EncodeEntityType(entity_type, fbb);
  fbb->Finish(wire::CreateRegisterEntityTypeResponse(*fbb, e));
}

void BuildListEntityTypesResponse(std::span<const asof::EntityType> entity_types,
                                  fb::FlatBufferBuilder* fbb) {
  std::vector<fb::Offset<wire::EntityType>> offsets;
  offsets.reserve(entity_types.size());
  for (const asof::EntityType& e : entity_types) offsets.push_back(EncodeEntityType(e, fbb));
  auto list = fbb->CreateVector(offsets);
  fbb->Finish(wire::CreateListEntityTypesResponse(*fbb, list));
}

void BuildRegisterFeatureResponse(const Registry::Registered& registered,
                                  fb::FlatBufferBuilder* fbb) {
  ASOF_CHECK(registered.feature != nullptr) << "registered feature is null";
  auto feature = EncodeFeature(*registered.feature, FeatureDetail::kFull, fbb);
  fbb->Finish(wire::CreateRegisterFeatureResponse(*fbb, WireOutcome(registered.outcome), feature));
}

void BuildDescribeFeatureResponse(std::span<const FeaturePtr> versions,
                                  std::span<const asof::FeatureChange> history,
                                  fb::FlatBufferBuilder* fbb) {
  auto v = fbb->CreateVector(EncodeFeatures(versions, FeatureDetail::kFull, fbb));
  std::vector<fb::Offset<wire::FeatureChange>> changes;
  changes.reserve(history.size());
  for (const asof::FeatureChange& c : history) changes.push_back(EncodeFeatureChange(c, fbb));
  auto h = fbb->CreateVector(changes);
  fbb->Finish(wire::CreateDescribeFeatureResponse(*fbb, v, h));
}

void BuildListFeaturesResponse(std::span<const FeaturePtr> features, fb::FlatBufferBuilder* fbb) {
  auto list = fbb->CreateVector(EncodeFeatures(features, FeatureDetail::kFull, fbb));
  fbb->Finish(wire::CreateListFeaturesResponse(*fbb, list));
}

void BuildWriteResponse(const asof::WriteResult& result, fb::FlatBufferBuilder* fbb) {
  std::vector<fb::Offset<wire::RecordProblem>> problems;
  problems.reserve(result.problems.size());
  for (const asof::RecordProblem& p : result.problems) {
    fb::Offset<wire::Status> reason;
    if (!p.reason.ok()) reason = EncodeStatus(p.reason, fbb);
    problems.push_back(wire::CreateRecordProblem(*fbb, static_cast<uint32_t>(p.index),
                                                 static_cast<uint8_t>(p.outcome), reason));
  }
  fb::Offset<fb::Vector<fb::Offset<wire::RecordProblem>>> list;
  if (!problems.empty()) list = fbb->CreateVector(problems);
  fbb->Finish(wire::CreateWriteResponse(*fbb, static_cast<uint32_t>(result.accepted),
                                        static_cast<uint32_t>(result.duplicates),
                                        static_cast<uint32_t>(result.rejected), list));
}

void BuildOnlineReadResponse(const asof::OnlineResult& result, fb::FlatBufferBuilder* fbb) {
  auto features =
      fbb->CreateVector(EncodeFeatures(result.features, FeatureDetail::kReference, fbb));
  auto values = EncodeFeatureValues(result.values, fbb);
  fbb->Finish(wire::CreateOnlineReadResponse(*fbb, features, values));
}

void BuildAsOfReadChunk(std::span<const FeaturePtr> features, uint32_t first_row, uint32_t num_rows,
                        std::span<const asof::FeatureValue> values, fb::FlatBufferBuilder* fbb) {
  auto f = fbb->CreateVector(EncodeFeatures(features, FeatureDetail::kReference, fbb));
  auto v = EncodeFeatureValues(values, fbb);
  fbb->Finish(wire::CreateAsOfReadChunk(*fbb, f, first_row, num_rows, v));
}

void BuildListDeadLettersResponse(std::span<const asof::DeadLetter> letters,
                                  fb::FlatBufferBuilder* fbb) {
  std::vector<fb::Offset<wire::DeadLetter>> offsets;
  offsets.reserve(letters.size());
  for (const asof::DeadLetter& l : letters) {
    auto record = EncodeWriteRecord(l.record, fbb);
    auto reason = EncodeStatus(l.reason, fbb);
    offsets.push_back(wire::CreateDeadLetter(*fbb, l.id.ingest_ts, l.id.seq, record, reason));
  }
  auto list = fbb->CreateVector(offsets);
  fbb->Finish(wire::CreateListDeadLettersResponse(*fbb, list));
}

void BuildFreshnessResponse(std::span<const asof::FeatureFreshness> features,
                            fb::FlatBufferBuilder* fbb) {
  std::vector<fb::Offset<wire::FreshnessEntry>> offsets;
  offsets.reserve(features.size());
  for (const asof::FeatureFreshness& f : features) {
    const asof::Feature& feature = *f.feature;
    offsets.push_back(wire::CreateFreshnessEntryDirect(
        *fbb, feature.spec.entity.c_str(), feature.spec.name.c_str(), feature.version,
        feature.spec.freshness_sla_us, f.written, f.last_event_ts, f.last_ingest_ts,
        f.lag_us.value_or(0), f.values_last_hour, f.stale, feature.deprecated));
  }
  auto list = fbb->CreateVector(offsets);
  fbb->Finish(wire::CreateFreshnessResponse(*fbb, list));
}

}  // namespace asof::wire

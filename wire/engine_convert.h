// Conversion between engine types (engine/value.h, feature.h, registry.h, engine.h) and
// native-protocol messages (wire/asof.fbs). Server-only: it links the engine, so the
// client, the shell and the other tools never include it (they use the generated object
// API on their side).
//
// Decoding (Decode*): takes tables of a payload that VerifyPayload accepted, so every
// offset is in bounds, but any field may be absent: an absent string reads as empty, an
// absent vector as empty, an absent scalar as its default, an absent Value as null.
// Decoding rejects only what cannot be represented as an engine type, always with
// kInvalidArgument; semantic checks (names, UTF-8, a value against its feature's type,
// timestamps) stay with the engine and the registry, so that both protocols share them.
//
// A Value table must carry the payload of its `type` and nothing else:
// - `type` is not a ValueType number (0..kMaxValueType): "unknown value type 99".
// - A field of another type is set: "value of type INT64 carries field 's' of another
//   type". "Set" means a non-zero scalar or a non-empty string/vector, because the
//   builder may write defaults explicitly (force_defaults) and a zero is a legal default.
// - INT32 with `i` outside int32: "INT32 value 4294967296 is out of range".
// - The field of the type itself may be absent: it then holds the type's zero value.
//   FlatBuffers omits scalars equal to their default, and the object API (ValueT::Pack,
//   the client's path) omits empty strings and vectors, so INT64 0, "" and [] arrive
//   exactly that way. Consequence: a FLOAT/DOUBLE -0.0 sent through the object API
//   arrives as +0.0. The encoders below always write the type's own field, so the
//   server never loses it.
//
// Encoding (Encode* adds one nested table and returns its offset; Build* finishes `fbb`
// with a response's root table): built in place with the generated Create* functions,
// never through the object API, because the online-read path encodes one table per
// value. After Build*, send fbb->GetBufferPointer() / GetSize(); the builder may then be
// Clear()ed and reused.
//
// Feature detail: read responses (online, as-of) carry each feature as a reference only
// (name, entity, value_type, id, version, deprecated), registry responses carry it in
// full. Descriptions, tags and lineage are for the registry, not for every read.
//
// Errors on the wire: an ErrorResponse carries the ErrorCode number itself (0 never
// appears in one) and the status message. This file is the one place that mapping lives.
//
// Thread-safety: free functions; a builder belongs to one caller at a time.
#pragma once

#include <flatbuffers/flatbuffers.h>

#include <cstdint>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "engine/engine.h"
#include "engine/feature.h"
#include "engine/registry.h"
#include "engine/status.h"
#include "engine/value.h"
#include "wire/asof_generated.h"

namespace asof::wire {

// ---- decoding ---------------------------------------------------------------------

// The string's bytes, borrowed from the payload; empty for an absent string.
inline std::string_view StringOf(const flatbuffers::String* s) {
  return s == nullptr ? std::string_view() : std::string_view(s->c_str(), s->size());
}

// nullptr decodes to a null value. Errors as in the file comment.
Result<asof::Value> DecodeValue(const wire::Value* value);

// An absent `value` is an explicit null; `event_ts` is set only when has_event_ts is.
Result<asof::WriteRecord> DecodeWriteRecord(const wire::WriteRecord& record);
// All records in order. Fails on the first record that does not decode, naming its
// index ("record 3: unknown value type 99"); the engine's own per-record validation
// happens later and reports problems per record instead.
Result<std::vector<asof::WriteRecord>> DecodeWriteRequest(const wire::WriteRequest& request);

// kInvalidArgument for a value_type above kMaxValueType ("unknown value type 42") or a
// default value that does not decode. A value_type of 0 (NULL) passes: the registry
// rejects it with its own reason.
Result<asof::FeatureSpec> DecodeFeatureSpec(const wire::FeatureSpec& spec);

struct RegisterFeatureArgs {
  asof::FeatureSpec spec;
  bool new_version = false;
};
// kInvalidArgument when the request carries no spec.
Result<RegisterFeatureArgs> DecodeRegisterFeatureRequest(const wire::RegisterFeatureRequest& r);

asof::FeatureFilter DecodeListFeaturesRequest(const wire::ListFeaturesRequest& request);

asof::OnlineRequest DecodeOnlineReadRequest(const wire::OnlineReadRequest& request);

// The spec of an as-of request; its rows are decoded separately, chunk by chunk, so the
// server holds one chunk of engine rows at a time. baseline_id is copied as sent (the
// drift monitor checks it), with baseline_origin "export".
asof::AsOfSpec DecodeAsOfSpec(const wire::AsOfReadRequest& request);
size_t AsOfRowCount(const wire::AsOfReadRequest& request);
// Rows [first, first + count), clipped to the rows present (empty past the end).
std::vector<asof::AsOfRow> DecodeAsOfRows(const wire::AsOfReadRequest& request, size_t first,
                                          size_t count);

// Drift (engine_convert_drift.cc). kInvalidArgument for a negative window_us; names and
// ids are checked by the drift monitor.
Result<asof::DriftQuery> DecodeDriftRequest(const wire::DriftRequest& request);

// A BaselinesRequest: action "list" (also when empty), "delete" or "from_window".
struct BaselinesAction {
  enum class Kind : uint8_t { kList, kDelete, kFromWindow };
  Kind kind = Kind::kList;
  std::string id;       // delete, from_window
  int64_t from_ts = 0;  // from_window
  int64_t to_ts = 0;
};
// kInvalidArgument for an unknown action, a missing id (delete, from_window), an id with a
// list, or from_ts > to_ts.
Result<BaselinesAction> DecodeBaselinesRequest(const wire::BaselinesRequest& request);

struct DeadLetterQuery {
  std::optional<asof::DeadLetterId> after;  // set when has_after
  uint32_t limit = 0;                       // as sent; the server applies its own bounds
};
DeadLetterQuery DecodeListDeadLettersRequest(const wire::ListDeadLettersRequest& request);

// ---- encoding ---------------------------------------------------------------------

// A null value encodes as a table of type 0 with no fields.
flatbuffers::Offset<wire::Value> EncodeValue(const asof::Value& value,
                                             flatbuffers::FlatBufferBuilder* fbb);
flatbuffers::Offset<wire::Status> EncodeStatus(const asof::Status& status,
                                               flatbuffers::FlatBufferBuilder* fbb);
flatbuffers::Offset<wire::EntityType> EncodeEntityType(const asof::EntityType& entity_type,
                                                       flatbuffers::FlatBufferBuilder* fbb);
flatbuffers::Offset<wire::FeatureSpec> EncodeFeatureSpec(const asof::FeatureSpec& spec,
                                                         flatbuffers::FlatBufferBuilder* fbb);

enum class FeatureDetail : uint8_t {
  kFull,       // every field of the feature and its spec
  kReference,  // spec.name, spec.entity, spec.value_type, id, version, deprecated
};
flatbuffers::Offset<wire::Feature> EncodeFeature(const asof::Feature& feature, FeatureDetail detail,
                                                 flatbuffers::FlatBufferBuilder* fbb);
flatbuffers::Offset<wire::FeatureChange> EncodeFeatureChange(const asof::FeatureChange& change,
                                                             flatbuffers::FlatBufferBuilder* fbb);
// The value table is omitted when the value is null (an absent Value decodes as null).
flatbuffers::Offset<wire::FeatureValue> EncodeFeatureValue(const asof::FeatureValue& value,
                                                           flatbuffers::FlatBufferBuilder* fbb);
flatbuffers::Offset<wire::WriteRecord> EncodeWriteRecord(const asof::WriteRecord& record,
                                                         flatbuffers::FlatBufferBuilder* fbb);

// The ErrorCode number on the wire (ErrorResponse.code, Status.code).
inline uint8_t WireErrorCode(ErrorCode code) { return static_cast<uint8_t>(code); }

// ErrorResponse{code, message}. An OK status here is a server bug; it is sent as
// kInternal rather than as a code-0 error the client could mistake for success.
void BuildErrorResponse(const asof::Status& status, flatbuffers::FlatBufferBuilder* fbb);

void BuildRegisterEntityTypeResponse(const asof::EntityType& entity_type,
                                     flatbuffers::FlatBufferBuilder* fbb);
void BuildListEntityTypesResponse(std::span<const asof::EntityType> entity_types,
                                  flatbuffers::FlatBufferBuilder* fbb);
void BuildRegisterFeatureResponse(const Registry::Registered& registered,
                                  flatbuffers::FlatBufferBuilder* fbb);
void BuildDescribeFeatureResponse(std::span<const FeaturePtr> versions,
                                  std::span<const asof::FeatureChange> history,
                                  flatbuffers::FlatBufferBuilder* fbb);
void BuildListFeaturesResponse(std::span<const FeaturePtr> features,
                               flatbuffers::FlatBufferBuilder* fbb);
// Counts and problems; a problem's reason is omitted for duplicates (OK status).
void BuildWriteResponse(const asof::WriteResult& result, flatbuffers::FlatBufferBuilder* fbb);
void BuildOnlineReadResponse(const asof::OnlineResult& result, flatbuffers::FlatBufferBuilder* fbb);
// One chunk of an as-of answer: `values` holds num_rows * features.size() values,
// row-major. Every chunk carries the features, so a client can read any chunk alone.
void BuildAsOfReadChunk(std::span<const FeaturePtr> features, uint32_t first_row, uint32_t num_rows,
                        std::span<const asof::FeatureValue> values,
                        flatbuffers::FlatBufferBuilder* fbb);
void BuildListDeadLettersResponse(std::span<const asof::DeadLetter> letters,
                                  flatbuffers::FlatBufferBuilder* fbb);
void BuildFreshnessResponse(std::span<const asof::FeatureFreshness> features,
                            flatbuffers::FlatBufferBuilder* fbb);
// Drift per feature with the thresholds it was judged by (engine_convert_drift.cc).
void BuildDriftResponse(std::span<const asof::FeatureDrift> features,
                        const asof::DriftOptions& options, flatbuffers::FlatBufferBuilder* fbb);
// Baselines with their features as "entity:name@version".
void BuildBaselinesResponse(std::span<const asof::BaselineInfo> baselines,
                            flatbuffers::FlatBufferBuilder* fbb);

}  // namespace asof::wire

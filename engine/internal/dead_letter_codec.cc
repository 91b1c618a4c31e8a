#include "engine/internal/dead_letter_codec.h"

#include "engine/internal/coding.h"
#include "engine/internal/value_codec.h"

namespace asof::internal {

namespace {
constexpr uint8_t kFormatVersion = 1;
}  // namespace

void EncodeDeadLetter(const WriteRecord& record, const Status& reason, std::string* out) {
  out->push_back(static_cast<char>(kFormatVersion));
  out->push_back(static_cast<char>(reason.code()));
  PutLengthPrefixed(out, reason.message());
  PutLengthPrefixed(out, record.entity_type);
  PutLengthPrefixed(out, record.entity_id);
  PutLengthPrefixed(out, record.feature);
  out->push_back(record.event_ts.has_value() ? 1 : 0);
  PutVarsint64(out, record.event_ts.value_or(0));
  PutLengthPrefixed(out, record.event_id);
  EncodeValue(record.value, out);
}

Status DecodeDeadLetter(std::string_view in, WriteRecord* record, Status* reason) {
  ByteReader r(in);
  uint8_t version, code, has_ts;
  std::string_view message, entity_type, entity_id, feature, event_id;
  int64_t ts;
  if (!r.GetByte(&version) || version != kFormatVersion || !r.GetByte(&code) ||
      code > static_cast<uint8_t>(ErrorCode::kInternal) || !r.GetLengthPrefixed(&message) ||
      !r.GetLengthPrefixed(&entity_type) || !r.GetLengthPrefixed(&entity_id) ||
      !r.GetLengthPrefixed(&feature) || !r.GetByte(&has_ts) || has_ts > 1 || !r.GetVarsint64(&ts) ||
      !r.GetLengthPrefixed(&event_id)) {
    return Internal("corrupt dead letter");
  }
  std::string_view rest = r.rest();
  ASSIGN_OR_RETURN(record->value, DecodeValue(&rest));
  if (!rest.empty()) return Internal("corrupt dead letter: trailing bytes");
  record->entity_type = entity_type;
  record->entity_id = entity_id;
  record->feature = feature;
  record->event_ts = has_ts ? std::optional<int64_t>(ts) : std::nullopt;
  record->event_id = event_id;
  *reason = Status(static_cast<ErrorCode>(code), std::string(message));
  return Status::Ok();
}

}  // namespace asof::internal

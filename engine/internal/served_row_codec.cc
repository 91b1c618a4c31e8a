#include "engine/internal/served_row_codec.h"

#include <algorithm>

#include "engine/internal/coding.h"
#include "engine/internal/value_codec.h"

namespace asof::internal {

namespace {
constexpr uint8_t kFormatVersion = 1;
constexpr uint8_t kMaxStatus = static_cast<uint8_t>(ValueStatus::kOutsideMaxAge);
}  // namespace

std::string ServedRowKey(int64_t request_ts, uint64_t seq) {
  std::string key(kServedLogPrefix);
  PutBE64(&key, static_cast<uint64_t>(std::max<int64_t>(request_ts, 0)));
  PutBE64(&key, seq);
  return key;
}

bool ParseServedRowKey(std::string_view key, int64_t* request_ts, uint64_t* seq) {
  if (key.size() != kServedLogPrefix.size() + 16 || !key.starts_with(kServedLogPrefix)) {
    return false;
  }
  const uint64_t ts = LoadBE64(key.data() + kServedLogPrefix.size());
  if (ts > static_cast<uint64_t>(INT64_MAX)) return false;
  *request_ts = static_cast<int64_t>(ts);
  *seq = LoadBE64(key.data() + kServedLogPrefix.size() + 8);
  return true;
}

void EncodeServedRow(const ServedRow& row, std::string* out) {
  out->push_back(static_cast<char>(kFormatVersion));
  PutLengthPrefixed(out, row.entity_type);
  PutLengthPrefixed(out, row.entity_id);
  PutVarint64(out, row.features.size());
  for (size_t i = 0; i < row.features.size(); ++i) {
    const FeatureValue& v = row.values[i];
    PutLengthPrefixed(out, row.features[i]);
    out->push_back(static_cast<char>(v.status));
    out->push_back(v.default_used ? 1 : 0);
    PutVarsint64(out, v.event_ts);
    PutVarsint64(out, v.ingest_ts);
    EncodeValue(v.value, out);
  }
}

Status DecodeServedRow(std::string_view in, ServedRow* row) {
  ByteReader r(in);
  uint8_t version;
  std::string_view entity_type, entity_id;
  uint64_t count;
  if (!r.GetByte(&version) || version != kFormatVersion || !r.GetLengthPrefixed(&entity_type) ||
      !r.GetLengthPrefixed(&entity_id) || !r.GetVarint64(&count)) {
    return Internal("corrupt served-log row");
  }
  // Each feature takes at least 5 bytes; a larger count is corrupt (checked before
  // anything is allocated).
  if (count > r.remaining() / 5) return Internal("corrupt served-log row: feature count");
  row->entity_type = entity_type;
  row->entity_id = entity_id;
  row->features.clear();
  row->values.clear();
  row->features.reserve(count);
  row->values.reserve(count);
  for (uint64_t i = 0; i < count; ++i) {
    std::string_view name;
    uint8_t status, default_used;
    FeatureValue v;
    if (!r.GetLengthPrefixed(&name) || !r.GetByte(&status) || status > kMaxStatus ||
        !r.GetByte(&default_used) || default_used > 1 || !r.GetVarsint64(&v.event_ts) ||
        !r.GetVarsint64(&v.ingest_ts)) {
      return Internal("corrupt served-log row: feature");
    }
    std::string_view rest = r.rest();
    ASSIGN_OR_RETURN(v.value, DecodeValue(&rest));
    r = ByteReader(rest);
    v.status = static_cast<ValueStatus>(status);
    v.default_used = default_used == 1;
    row->features.emplace_back(name);
    row->values.push_back(std::move(v));
  }
  if (!r.empty()) return Internal("corrupt served-log row: trailing bytes");
  return Status::Ok();
}

}  // namespace asof::internal

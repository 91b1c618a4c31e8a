#include "engine/internal/drift_keys.h"

#include "engine/internal/coding.h"

namespace asof::internal {

namespace {
constexpr uint8_t kBaselineRecordVersion = 1;
constexpr size_t kMaxBaselineIdBytes = 64;
}  // namespace

Status ValidateBaselineId(std::string_view id) {
  if (id.empty() || id.size() > kMaxBaselineIdBytes) {
    return InvalidArgument("baseline id must be 1 to 64 characters");
  }
  for (char c : id) {
    const bool ok = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
                    c == '_' || c == '.' || c == '-';
    if (!ok) return InvalidArgument("baseline id may only contain [A-Za-z0-9_.-]");
  }
  return Status::Ok();
}

std::string DriftWindowKey(uint32_t feature_id, int64_t window_start) {
  std::string key(kDriftWindowPrefix);
  PutBE32(&key, feature_id);
  PutBE64(&key, static_cast<uint64_t>(window_start));
  return key;
}

bool ParseDriftWindowKey(std::string_view key, uint32_t* feature_id, int64_t* window_start) {
  if (!key.starts_with(kDriftWindowPrefix) || key.size() != kDriftWindowPrefix.size() + 12) {
    return false;
  }
  const char* p = key.data() + kDriftWindowPrefix.size();
  *feature_id = LoadBE32(p);
  const uint64_t ws = LoadBE64(p + 4);
  if (ws > static_cast<uint64_t>(INT64_MAX)) return false;
  *window_start = static_cast<int64_t>(ws);
  return true;
}

std::string BaselinePrefix(std::string_view id) {
  std::string key(kDriftBaselinePrefix);
  key.append(id);
  key.push_back('\0');
  return key;
}

std::string BaselineSketchKey(std::string_view id, uint32_t feature_id) {
  std::string key = BaselinePrefix(id);
  PutBE32(&key, feature_id);
  return key;
}

bool ParseBaselineKey(std::string_view key, BaselineKey* out) {
  if (!key.starts_with(kDriftBaselinePrefix)) return false;
  key.remove_prefix(kDriftBaselinePrefix.size());
  const size_t sep = key.find('\0');
  if (sep == std::string_view::npos || !ValidateBaselineId(key.substr(0, sep)).ok()) return false;
  out->id = key.substr(0, sep);
  std::string_view rest = key.substr(sep + 1);
  if (rest.empty()) {
    out->is_info = true;
    return true;
  }
  if (rest.size() != 4) return false;
  out->is_info = false;
  out->feature_id = LoadBE32(rest.data());
  return true;
}

std::string EncodeBaselineRecord(const BaselineRecord& r) {
  std::string out;
  out.push_back(static_cast<char>(kBaselineRecordVersion));
  PutLengthPrefixed(&out, r.origin);
  PutVarsint64(&out, r.created_ts);
  PutVarsint64(&out, r.updated_ts);
  PutVarint64(&out, r.rows);
  PutVarint64(&out, r.feature_ids.size());
  for (uint32_t id : r.feature_ids) PutVarint64(&out, id);
  return out;
}

Result<BaselineRecord> DecodeBaselineRecord(std::string_view bytes) {
  const Status corrupt = Internal("corrupt baseline record");
  ByteReader in(bytes);
  uint8_t version = 0;
  if (!in.GetByte(&version) || version != kBaselineRecordVersion) return corrupt;
  BaselineRecord r;
  std::string_view origin;
  uint64_t count = 0;
  if (!in.GetLengthPrefixed(&origin) || !in.GetVarsint64(&r.created_ts) ||
      !in.GetVarsint64(&r.updated_ts) || !in.GetVarint64(&r.rows) || !in.GetVarint64(&count) ||
      count > in.remaining()) {
    return corrupt;
  }
  r.origin = std::string(origin);
  r.feature_ids.reserve(static_cast<size_t>(count));
  for (uint64_t i = 0; i < count; ++i) {
    uint64_t id = 0;
    if (!in.GetVarint64(&id) || id > UINT32_MAX) return corrupt;
    if (!r.feature_ids.empty() && id <= r.feature_ids.back()) return corrupt;
    r.feature_ids.push_back(static_cast<uint32_t>(id));
  }
  if (!in.empty()) return corrupt;
  return r;
}

Result<drift::ValueSketch> DecodeStoredSketch(std::string_view bytes, std::string_view what) {
  Result<drift::ValueSketch> sketch = drift::ValueSketch::Deserialize(bytes);
  if (!sketch.ok()) {
    return Internal("corrupt " + std::string(what) + ": " + sketch.status().message());
  }
  return sketch;
}

}  // namespace asof::internal

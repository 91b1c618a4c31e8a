// Keys and records of the drift monitor in the default column family
// (engine/doc/formats.md, "Drift monitor"):
//
//   "drift:w:" · feature_id:BE32 · window_start:BE64   -> ValueSketch bytes (closed window)
//   "drift:b:" · baseline id · 00                      -> baseline info record
//   "drift:b:" · baseline id · 00 · feature_id:BE32    -> ValueSketch bytes
//
// Window starts are non-negative microseconds, so big-endian order is time order and a
// feature's windows are contiguous, oldest first. Baseline ids never contain a 00 byte
// (ValidateBaselineId), so the 00 separator keeps one id's keys from being a prefix of
// another id's.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "engine/drift/value_sketch.h"
#include "engine/status.h"

namespace asof::internal {

inline constexpr std::string_view kDriftWindowPrefix = "drift:w:";
inline constexpr std::string_view kDriftBaselinePrefix = "drift:b:";

// kInvalidArgument unless 1..64 bytes of [A-Za-z0-9_.-].
Status ValidateBaselineId(std::string_view id);

std::string DriftWindowKey(uint32_t feature_id, int64_t window_start);
// False when `key` is not a window key.
bool ParseDriftWindowKey(std::string_view key, uint32_t* feature_id, int64_t* window_start);

// Every key of baseline `id` starts with this; the info key is exactly this.
std::string BaselinePrefix(std::string_view id);
std::string BaselineSketchKey(std::string_view id, uint32_t feature_id);

// A baseline key: its id, and whether it is the info key or which feature's sketch.
struct BaselineKey {
  std::string_view id;
  bool is_info = false;
  uint32_t feature_id = 0;  // when !is_info
};
bool ParseBaselineKey(std::string_view key, BaselineKey* out);

// The persisted part of a BaselineInfo (features by id, ascending).
struct BaselineRecord {
  std::string origin;
  int64_t created_ts = 0;
  int64_t updated_ts = 0;
  uint64_t rows = 0;
  std::vector<uint32_t> feature_ids;
  bool operator==(const BaselineRecord&) const = default;
};
std::string EncodeBaselineRecord(const BaselineRecord& r);
// kInternal "corrupt baseline record" for anything malformed (version, truncation,
// trailing bytes, feature ids not strictly ascending).
Result<BaselineRecord> DecodeBaselineRecord(std::string_view bytes);

// A stored ValueSketch (window or baseline); kInternal naming `what` when corrupt.
Result<drift::ValueSketch> DecodeStoredSketch(std::string_view bytes, std::string_view what);

}  // namespace asof::internal

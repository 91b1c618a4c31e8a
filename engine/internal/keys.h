// Key layout of the data column families (DESIGN.md section 4; engine/doc/formats.md).
//
//   latest:  partition(BE16) · entity_type_id(BE32) · len(BE16) · entity_id
//   history: <latest key> · feature_id(BE32) · ~event_ts(BE64) · ~ingest_ts(BE64)
//   dedup:   event_id (raw bytes)
//   dlq:     ingest_ts(BE64) · seq(BE64)
//
// Big-endian integers make bytewise order numeric order; the entity id is length-prefixed
// so no entity's key is a prefix of another's. Inverted timestamps sort the newest
// version first, so one Seek to (…, feature, ~T) lands on the newest version at or
// before T. ingest_ts is part of the history key (not only its value) so that two
// versions with the same event_ts both survive: replay mode must be able to return the
// earlier one when the later one had not arrived yet at T.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>

namespace asof::internal {

inline constexpr uint32_t kNumPartitions = 4096;

// Key in the default column family of the persisted ingest_ts high-water mark (BE64).
inline constexpr std::string_view kIngestHwmKey = "ingest_hwm";

// xxh3_64(entity_type_id BE32 · entity_id) mod 4096.
uint16_t PartitionOf(uint32_t entity_type_id, std::string_view entity_id);

// Appends the entity key (the whole `latest` key) to `out`.
void AppendEntityKey(uint32_t entity_type_id, std::string_view entity_id, std::string* out);

// Length of an entity key for an id of `id_len` bytes.
constexpr size_t EntityKeySize(size_t id_len) { return 2 + 4 + 2 + id_len; }
// Length of the (entity, feature) prefix of a history key, and of a whole history key.
constexpr size_t HistoryPrefixSize(size_t id_len) { return EntityKeySize(id_len) + 4; }
constexpr size_t HistoryKeySize(size_t id_len) { return HistoryPrefixSize(id_len) + 16; }

// Appends feature_id · ~event_ts · ~ingest_ts to an entity key already in `out`.
void AppendHistorySuffix(uint32_t feature_id, int64_t event_ts, int64_t ingest_ts,
                         std::string* out);

struct HistoryKey {
  std::string_view prefix;  // entity key · feature_id
  uint32_t feature_id;
  int64_t event_ts;
  int64_t ingest_ts;
};
// Parses a history key; false when it is not one.
bool ParseHistoryKey(std::string_view key, HistoryKey* out);

std::string DeadLetterKey(int64_t ingest_ts, uint64_t seq);
bool ParseDeadLetterKey(std::string_view key, int64_t* ingest_ts, uint64_t* seq);

}  // namespace asof::internal

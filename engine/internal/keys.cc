#include "engine/internal/keys.h"

// Inlined: the partition hash is on every read and write path.
#define XXH_INLINE_ALL
#include <xxhash.h>

#include "engine/internal/coding.h"

namespace asof::internal {

uint16_t PartitionOf(uint32_t entity_type_id, std::string_view entity_id) {
  XXH3_state_t state;
  XXH3_64bits_reset(&state);
  char type_be[4];
  for (int i = 0; i < 4; ++i) type_be[i] = static_cast<char>(entity_type_id >> (24 - 8 * i));
  XXH3_64bits_update(&state, type_be, sizeof(type_be));
  XXH3_64bits_update(&state, entity_id.data(), entity_id.size());
  return static_cast<uint16_t>(XXH3_64bits_digest(&state) % kNumPartitions);
}

void AppendEntityKey(uint32_t entity_type_id, std::string_view entity_id, std::string* out) {
  out->reserve(out->size() + EntityKeySize(entity_id.size()));
  PutBE16(out, PartitionOf(entity_type_id, entity_id));
  PutBE32(out, entity_type_id);
  PutBE16(out, static_cast<uint16_t>(entity_id.size()));
  out->append(entity_id);
}

void AppendHistorySuffix(uint32_t feature_id, int64_t event_ts, int64_t ingest_ts,
                         std::string* out) {
  PutBE32(out, feature_id);
  PutBE64(out, ~static_cast<uint64_t>(event_ts));
  PutBE64(out, ~static_cast<uint64_t>(ingest_ts));
}

bool ParseHistoryKey(std::string_view key, HistoryKey* out) {
  if (key.size() < HistoryKeySize(0)) return false;
  size_t id_len = LoadBE16(key.data() + 6);
  if (key.size() != HistoryKeySize(id_len)) return false;
  size_t p = EntityKeySize(id_len);
  out->prefix = key.substr(0, p + 4);
  out->feature_id = LoadBE32(key.data() + p);
  out->event_ts = static_cast<int64_t>(~LoadBE64(key.data() + p + 4));
  out->ingest_ts = static_cast<int64_t>(~LoadBE64(key.data() + p + 12));
  return true;
}

std::string DeadLetterKey(int64_t ingest_ts, uint64_t seq) {
  std::string key;
  PutBE64(&key, static_cast<uint64_t>(ingest_ts));
  PutBE64(&key, seq);
  return key;
}

bool ParseDeadLetterKey(std::string_view key, int64_t* ingest_ts, uint64_t* seq) {
  if (key.size() != 16) return false;
  *ingest_ts = static_cast<int64_t>(LoadBE64(key.data()));
  *seq = LoadBE64(key.data() + 8);
  return true;
}

}  // namespace asof::internal

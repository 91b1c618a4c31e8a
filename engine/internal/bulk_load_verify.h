// Verification of bulk-load SST files (Engine::IngestBulkLoad) before anything is
// ingested: every entry is read and checked against the registry, because an ingested
// file bypasses the write path's validation and cannot be taken back.
#pragma once

#include <cstdint>
#include <map>
#include <string>
#include <string_view>
#include <unordered_map>
#include <vector>

#include "engine/engine.h"
#include "engine/internal/latest_record.h"
#include "engine/registry.h"

namespace asof::internal {

// Checks files of one load; not thread-safe. The counts and activity add up over every
// file it verified (the engine uses one per file, so a file's results can be kept or
// dropped on their own).
class BulkLoadVerifier {
 public:
  // Events dated after `max_event_ts` are refused, as the write path refuses them.
  BulkLoadVerifier(const Registry& registry, int64_t ingest_ts, int64_t max_event_ts);

  // Reads the whole file: block checksums, table properties (only puts in a history
  // file, only merge operands in a latest file, bytewise order) and every entry.
  // kInvalidArgument naming the file and the entry when something is wrong.
  Status VerifyFile(const std::string& path, BulkFileKind kind);

  uint64_t history_entries() const { return history_entries_; }
  uint64_t latest_entries() const { return latest_entries_; }
  // What the history entries wrote, per feature (values_written, last event and ingest ts).
  const std::map<uint32_t, FeatureActivity>& activity() const { return activity_; }
  // Every feature an entry of the verified files wrote (history keys and latest bins).
  std::vector<uint32_t> feature_ids() const;

 private:
  // Parses an entity key (a whole `latest` key, or the front of a history key); returns
  // the entity type id or the reason it is not one.
  Result<uint32_t> CheckEntityKey(std::string_view key) const;
  // The feature `id`, checked to exist, belong to `entity_type_id` and not be deprecated.
  Result<FeaturePtr> CheckFeature(uint32_t id, uint32_t entity_type_id);
  // CheckFeature's answer for (id, entity_type_id), from the per-id cache when it was
  // checked before: a load writes few features into very many entries.
  Result<const Feature*> CachedFeature(uint32_t id, uint32_t entity_type_id);
  Status CheckValue(std::string_view encoded, const Feature& feature, bool whole) const;
  Status CheckEventTs(int64_t event_ts) const;
  Status CheckHistoryEntry(std::string_view key, std::string_view value);
  Status CheckLatestEntry(std::string_view key, std::string_view value);

  const Registry& registry_;
  const int64_t ingest_ts_;
  const int64_t max_event_ts_;
  std::unordered_map<uint32_t, std::string> entity_types_;  // id -> name
  std::unordered_map<uint32_t, FeaturePtr> features_;       // checked ones
  uint64_t history_entries_ = 0;
  uint64_t latest_entries_ = 0;
  std::map<uint32_t, FeatureActivity> activity_;

  // The last entity key that passed CheckEntityKey and its type: history files are sorted
  // by entity, so consecutive entries mostly share it (and its partition hash).
  std::string last_entity_key_;
  uint32_t last_entity_type_ = 0;
  bool have_last_entity_ = false;
  // Indexed by feature id (ids are small and dense); entity_type_id 0 = not checked yet.
  struct CheckedFeature {
    const Feature* feature = nullptr;  // kept alive by features_
    uint32_t entity_type_id = 0;
    FeatureActivity* activity = nullptr;  // in activity_ (map nodes are stable)
  };
  std::vector<CheckedFeature> checked_;
  std::vector<BinView> bins_;  // reused by CheckLatestEntry
};

}  // namespace asof::internal

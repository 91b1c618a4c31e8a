// BaselineStore: named drift baselines, persisted in the default column family under
// "drift:b:" (drift_keys.h): one info record per baseline and one ValueSketch per feature.
//
// The info records are loaded at open and mirrored in memory (listing and "the newest
// baseline with this feature" read no data); the sketches are read on demand. Every
// change is one WriteBatch (the info record with the sketches it changed), written after
// the in-memory copy is prepared and applied to it only once the write succeeded.
//
// Concurrency: all methods are safe to call concurrently; one mutex serializes them, so
// Merge's read-merge-write of a sketch never interleaves with another's.
#pragma once

#include <rocksdb/db.h>

#include <map>
#include <memory>
#include <mutex>
#include <optional>
#include <set>
#include <string>
#include <string_view>
#include <vector>

#include "engine/clock.h"
#include "engine/drift_monitor.h"
#include "engine/internal/drift_keys.h"
#include "engine/internal/served_windows.h"
#include "engine/registry.h"

namespace asof::internal {

class BaselineStore {
 public:
  // Reads every info record. `db`, `cf`, `registry` and `clock` outlive the store.
  static Result<std::unique_ptr<BaselineStore>> Load(rocksdb::DB* db,
                                                     rocksdb::ColumnFamilyHandle* cf,
                                                     const Registry* registry, const Clock* clock);

  // Merges a recorder's sketches (BaselineRecorder::Commit) into baseline `id`, creating
  // it with `origin`; `rows` training rows are added to its count.
  Status Merge(std::string_view id, std::string_view origin, FeatureSketches sketches,
               uint64_t rows);
  // A new baseline from ready sketches; kConflict when `id` exists.
  Result<BaselineInfo> Create(std::string_view id, std::string_view origin,
                              const FeatureSketches& sketches, uint64_t rows);
  bool Exists(std::string_view id) const;
  std::vector<BaselineInfo> List() const;               // newest (created_ts) first, then by id
  Result<BaselineInfo> Get(std::string_view id) const;  // kNotFound
  Status Delete(std::string_view id);                   // kNotFound

  // The newest baseline with a sketch of the feature; nullopt when none has one.
  std::optional<std::string> NewestWith(uint32_t feature_id) const;
  // Features with a sketch in any baseline, ascending.
  std::set<uint32_t> FeatureIds() const;
  // The baseline's sketch of the feature; nullopt when it has none; kNotFound when the
  // baseline does not exist.
  Result<std::optional<drift::ValueSketch>> Sketch(std::string_view id, uint32_t feature_id) const;

 private:
  BaselineStore(rocksdb::DB* db, rocksdb::ColumnFamilyHandle* cf, const Registry* registry,
                const Clock* clock)
      : db_(db), cf_(cf), registry_(registry), clock_(clock) {}
  BaselineInfo InfoOf(const std::string& id, const BaselineRecord& r) const;
  // Writes `record` and `sketches` of baseline `id` in one batch.
  Status WriteLocked(std::string_view id, const BaselineRecord& record,
                     const FeatureSketches& sketches);
  Result<std::optional<drift::ValueSketch>> ReadSketchLocked(std::string_view id,
                                                             uint32_t feature_id) const;

  rocksdb::DB* const db_;
  rocksdb::ColumnFamilyHandle* const cf_;
  const Registry* const registry_;
  const Clock* const clock_;

  mutable std::mutex mu_;
  std::map<std::string, BaselineRecord, std::less<>> records_;  // guarded by mu_
};

}  // namespace asof::internal

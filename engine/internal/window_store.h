// WindowStore: closed windows of served-value sketches, persisted in the default column
// family under "drift:w:" (drift_keys.h), one key per (feature, window start).
//
// A window may be persisted more than once (a late observation from a thread whose
// clock read was just before the boundary, or a Flush of the open window followed by
// more values in it): Persist then merges into what is stored, so nothing is counted
// twice or lost.
//
// Concurrency: Persist and Expire must be serialized by the caller (read-modify-write);
// Collect may run at any time.
#pragma once

#include <rocksdb/db.h>

#include <cstdint>
#include <optional>

#include "engine/internal/served_windows.h"
#include "engine/status.h"

namespace asof::internal {

class WindowStore {
 public:
  WindowStore(rocksdb::DB* db, rocksdb::ColumnFamilyHandle* cf) : db_(db), cf_(cf) {}

  // Merges every window into the stored one (if any), in one WriteBatch.
  Status Persist(const WindowSketches& windows);
  // Deletes the windows starting before `cutoff`.
  Status Expire(int64_t cutoff);
  // Merges into `out` the stored windows starting in [from_ws, to_ws], of one feature or
  // of all when `feature` is unset. kInternal for a corrupt record.
  Status Collect(int64_t from_ws, int64_t to_ws, std::optional<uint32_t> feature,
                 FeatureSketches* out) const;

 private:
  rocksdb::DB* const db_;
  rocksdb::ColumnFamilyHandle* const cf_;
};

}  // namespace asof::internal

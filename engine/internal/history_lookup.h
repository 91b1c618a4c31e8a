// Finds the version of one (entity, feature) that an as-of read at T selects, by one seek
// in `history` to (entity, feature, ~T) — the newest version at or before T comes first.
// Replay mode then skips versions that arrived after T.
//
// Not thread-safe; owns one iterator. Lookups in ascending key order (entity key, then
// feature id, then T descending) move the iterator forward only, which is fastest.
#pragma once

#include <rocksdb/db.h>

#include <memory>
#include <string>
#include <string_view>

#include "engine/engine.h"
#include "engine/internal/serve_value.h"

namespace asof::internal {

class HistoryLookup {
 public:
  // `snapshot` may be null (latest state). `db`, `cf` and `snapshot` must outlive this.
  HistoryLookup(rocksdb::DB* db, rocksdb::ColumnFamilyHandle* cf,
                const rocksdb::Snapshot* snapshot);

  // The selected version, or nullptr when there is none. The pointer and the bytes it
  // points to stay valid until the next Find.
  Result<const StoredVersion*> Find(std::string_view entity_key, uint32_t feature_id, int64_t t,
                                    AsOfMode mode);

 private:
  std::unique_ptr<rocksdb::Iterator> it_;
  std::string seek_key_;
  StoredVersion found_;
};

}  // namespace asof::internal

#include "engine/internal/history_lookup.h"

#include "engine/internal/coding.h"
#include "engine/internal/engine_impl.h"
#include "engine/internal/keys.h"

namespace asof::internal {

HistoryLookup::HistoryLookup(rocksdb::DB* db, rocksdb::ColumnFamilyHandle* cf,
                             const rocksdb::Snapshot* snapshot) {
  rocksdb::ReadOptions ro;
  ro.snapshot = snapshot;
  // Each seek stays within its (entity, feature) prefix; the prefix bloom filter skips
  // files that never saw that pair.
  ro.prefix_same_as_start = true;
  it_.reset(db->NewIterator(ro, cf));
}

Result<const StoredVersion*> HistoryLookup::Find(std::string_view entity_key, uint32_t feature_id,
                                                 int64_t t, AsOfMode mode) {
  if (t < 0) return static_cast<const StoredVersion*>(nullptr);  // nothing precedes 1970
  seek_key_.assign(entity_key);
  PutBE32(&seek_key_, feature_id);
  // ~T then the smallest ingest suffix: lands on the first version with event_ts <= T.
  PutBE64(&seek_key_, ~static_cast<uint64_t>(t));
  PutBE64(&seek_key_, 0);
  for (it_->Seek(seek_key_); it_->Valid(); it_->Next()) {
    HistoryKey k;
    if (!ParseHistoryKey(std::string_view(it_->key().data(), it_->key().size()), &k)) {
      return Internal("corrupt history key");
    }
    if (mode == AsOfMode::kReplay && k.ingest_ts > t) continue;  // arrived after T
    rocksdb::Slice v = it_->value();
    found_ = StoredVersion{k.event_ts, k.ingest_ts, std::string_view(v.data(), v.size())};
    return static_cast<const StoredVersion*>(&found_);
  }
  RETURN_IF_ERROR(FromRocks(it_->status(), "history seek"));
  return static_cast<const StoredVersion*>(nullptr);
}

}  // namespace asof::internal

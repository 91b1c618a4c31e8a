#include "engine/internal/window_store.h"

#include <rocksdb/write_batch.h>

#include <algorithm>
#include <memory>
#include <string>

#include "engine/internal/coding.h"
#include "engine/internal/drift_keys.h"
#include "engine/internal/engine_impl.h"

namespace asof::internal {

namespace {

std::string_view View(const rocksdb::Slice& s) { return {s.data(), s.size()}; }

// The first key of the feature after `feature_id`, or the end of the prefix.
std::string NextFeatureKey(uint32_t feature_id) {
  if (feature_id == UINT32_MAX) {
    std::string end(kDriftWindowPrefix);
    end.back() = static_cast<char>(end.back() + 1);
    return end;
  }
  return DriftWindowKey(feature_id + 1, 0);
}

}  // namespace

Status WindowStore::Persist(const WindowSketches& windows) {
  rocksdb::WriteBatch batch;
  std::string stored;
  for (const auto& [start, sketches] : windows) {
    // Keys hold window starts as unsigned; a clock before 1970 has nothing to monitor.
    if (start < 0) continue;
    for (const auto& [feature_id, sketch] : sketches) {
      const std::string key = DriftWindowKey(feature_id, start);
      rocksdb::Status s = db_->Get(rocksdb::ReadOptions(), cf_, key, &stored);
      std::string value;
      if (s.ok()) {
        ASSIGN_OR_RETURN(drift::ValueSketch merged, DecodeStoredSketch(stored, "drift window"));
        merged.Merge(sketch);
        value = merged.Serialize();
      } else if (s.IsNotFound()) {
        value = sketch.Serialize();
      } else {
        return FromRocks(s, "reading a drift window");
      }
      RETURN_IF_ERROR(FromRocks(batch.Put(cf_, key, value), "drift window"));
    }
  }
  if (batch.Count() == 0) return Status::Ok();
  return FromRocks(db_->Write(rocksdb::WriteOptions(), &batch), "persisting drift windows");
}

Status WindowStore::Expire(int64_t cutoff) {
  rocksdb::WriteBatch batch;
  std::unique_ptr<rocksdb::Iterator> it(db_->NewIterator(rocksdb::ReadOptions(), cf_));
  // One seek per feature: its expired windows are the first ones of its key range.
  for (it->Seek(std::string(kDriftWindowPrefix)); it->Valid();) {
    uint32_t feature_id = 0;
    int64_t start = 0;
    if (!View(it->key()).starts_with(kDriftWindowPrefix)) break;
    if (!ParseDriftWindowKey(View(it->key()), &feature_id, &start)) {
      return Internal("corrupt drift window key");
    }
    if (start < cutoff) {
      RETURN_IF_ERROR(FromRocks(batch.Delete(cf_, it->key()), "drift window"));
      it->Next();
    } else {
      it->Seek(NextFeatureKey(feature_id));
    }
  }
  RETURN_IF_ERROR(FromRocks(it->status(), "scanning drift windows"));
  if (batch.Count() == 0) return Status::Ok();
  return FromRocks(db_->Write(rocksdb::WriteOptions(), &batch), "expiring drift windows");
}

Status WindowStore::Collect(int64_t from_ws, int64_t to_ws, std::optional<uint32_t> feature,
                            FeatureSketches* out) const {
  if (to_ws < 0) return Status::Ok();
  from_ws = std::max<int64_t>(from_ws, 0);
  std::unique_ptr<rocksdb::Iterator> it(db_->NewIterator(rocksdb::ReadOptions(), cf_));
  it->Seek(feature ? DriftWindowKey(*feature, from_ws) : std::string(kDriftWindowPrefix));
  while (it->Valid() && View(it->key()).starts_with(kDriftWindowPrefix)) {
    uint32_t feature_id = 0;
    int64_t start = 0;
    if (!ParseDriftWindowKey(View(it->key()), &feature_id, &start)) {
      return Internal("corrupt drift window key");
    }
    if (feature && feature_id != *feature) break;
    if (start < from_ws) {
      it->Seek(DriftWindowKey(feature_id, from_ws));
      continue;
    }
    if (start > to_ws) {
      if (feature) break;
      it->Seek(NextFeatureKey(feature_id));
      continue;
    }
    ASSIGN_OR_RETURN(drift::ValueSketch sketch,
                     DecodeStoredSketch(View(it->value()), "drift window"));
    MergeSketch(feature_id, sketch, out);
    it->Next();
  }
  return FromRocks(it->status(), "reading drift windows");
}

}  // namespace asof::internal
